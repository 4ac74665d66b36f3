// The `extra` text of a logged response: what formatPolicyOutcome() writes for each kind of
// decision, and that parsePolicyOutcome() reads it back.
#include "nines/dnsd/querylog/policy_outcome.h"

#include <gtest/gtest.h>

namespace nines::dnsd::querylog {
namespace {

policy::ServicePlan servicePlan() {
  policy::ServicePlan plan;
  std::string error;
  plan.owner = *zones::Name::fromText("www.example.test.", nullptr, &error);
  plan.owner_text = plan.owner.toText();  // as ServicePlan::compile sets it
  for (const char* name : {"us-east", "eu-west", "ap-south"}) {
    policy::RegionPlan region;
    region.name = name;
    plan.regions.push_back(region);
  }
  return plan;
}

struct Case {
  std::vector<std::uint16_t> regions;  // the region slot of each pick
  policy::DecisionOutcome outcome;
  std::string text;
};

TEST(PolicyOutcome, TextOfEachDecision) {
  const policy::ServicePlan plan = servicePlan();
  const std::vector<Case> cases = {
      {{1},
       policy::DecisionOutcome::Primary,
       "service=www.example.test. regions=eu-west outcome=primary"},
      {{1, 0, 1},
       policy::DecisionOutcome::Spillover,
       "service=www.example.test. regions=eu-west,us-east outcome=spillover"},
      {{0},
       policy::DecisionOutcome::DrainedSkip,
       "service=www.example.test. regions=us-east outcome=drained_skip"},
      {{2},
       policy::DecisionOutcome::FailOpen,
       "service=www.example.test. regions=ap-south outcome=fail_open"},
      {{},
       policy::DecisionOutcome::Unanswered,
       "service=www.example.test. regions=- outcome=unanswered"},
  };
  for (const Case& c : cases) {
    PolicyContext context;
    context.service = &plan;
    for (std::uint16_t slot : c.regions)
      context.decision.picks[context.decision.count++] = {slot, 0};
    context.decision.outcome = c.outcome;
    char text[kMaxOutcomeText];
    const std::size_t size = formatPolicyOutcome(context, text);
    EXPECT_EQ(std::string(text, size), c.text);
    auto parsed = parsePolicyOutcome(std::string_view(text, size));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->service, "www.example.test.");
    EXPECT_EQ(parsed->regions.size(), c.regions.empty() ? 0u : (c.regions.size() == 3 ? 2u : 1u));
  }
}

TEST(PolicyOutcome, AStaticAnswerHasNone) {
  PolicyContext context;
  char text[kMaxOutcomeText];
  EXPECT_EQ(formatPolicyOutcome(context, text), 0u);
  EXPECT_FALSE(parsePolicyOutcome(""));
  EXPECT_FALSE(parsePolicyOutcome("regions=eu-west outcome=primary"));
}

TEST(PolicyOutcome, OctetsThatWouldBreakTheTextAreEscaped) {
  policy::ServicePlan plan = servicePlan();
  std::string error;
  plan.owner = *zones::Name::fromText("a\\032b.example.test.", nullptr, &error);
  plan.owner_text = plan.owner.toText();
  PolicyContext context;
  context.service = &plan;
  context.decision.picks[context.decision.count++] = {0, 0};
  char text[kMaxOutcomeText];
  const std::size_t size = formatPolicyOutcome(context, text);
  EXPECT_EQ(std::string(text, size),
            "service=a\\032b.example.test. regions=us-east outcome=primary");
}

// The service is written in presentation form, as explain and the metrics write it, and reads
// back as that: a name with dots, '=' or ',' in a label included.
TEST(PolicyOutcome, TheServiceIsItsPresentationForm) {
  for (const char* name :
       {"WWW.Example.Test.", "a=b.example.test.", "a,b.example.test.", "a\\.b.example.test.",
        "a\\\\b.example.test.", "caf\\195\\169.example.test."}) {
    policy::ServicePlan plan = servicePlan();
    std::string error;
    auto owner = zones::Name::fromText(name, nullptr, &error);
    ASSERT_TRUE(owner) << name << ": " << error;
    plan.owner = *owner;
    plan.owner_text = owner->toText();
    PolicyContext context;
    context.service = &plan;
    context.decision.picks[context.decision.count++] = {0, 0};
    char text[kMaxOutcomeText];
    const std::string written(text, formatPolicyOutcome(context, text));
    EXPECT_EQ(written, "service=" + owner->toText() + " regions=us-east outcome=primary");
    auto parsed = parsePolicyOutcome(written);
    ASSERT_TRUE(parsed) << written;
    EXPECT_EQ(parsed->service, owner->toText());
    EXPECT_EQ(parsed->regions, std::vector<std::string>{"us-east"}) << written;
  }
}

}  // namespace
}  // namespace nines::dnsd::querylog
