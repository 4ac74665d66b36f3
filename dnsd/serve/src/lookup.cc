#include "nines/dnsd/serve/lookup.h"

#include "nines/dnsd/serve/ecs_client.h"
#include "nines/dnsd/wire/message.h"
#include "nines/policy/answer_ttl.h"

namespace nines::dnsd {

namespace rr = zones::rrtype;

namespace {

// RFC 1034 §4.3.2 does not bound CNAME chains; resolvers give up around 8–16 hops.
constexpr int kMaxCnameHops = 8;

static_assert(AddressRRset::kMaxAddresses >= policy::kMaxAnswers,
              "the plan must hold every address a policy may answer with");

// A name being looked up: the question name, or a CNAME target further down a chain. Suffixes of
// the name are views into its lowercased wire form.
struct LookupName {
  std::string_view key;  // lowercased wire name

  // Without its first label; the caller stops at the apex so this never passes the root.
  LookupName parent() const noexcept {
    auto skip = 1u + static_cast<std::uint8_t>(key[0]);
    return {key.substr(skip)};
  }
};

// The closest existing ancestor of a name that is not itself a node (RFC 4592 §3.3.1). The apex
// always exists, so this ends there at the latest.
const Node* closestEncloser(const ServedZone& zone, LookupName name) noexcept {
  while (name.key.size() > zone.key.size()) {
    name = name.parent();
    if (const Node* node = zone.nodes.find(name.key)) return node;
  }
  return zone.apex;
}

class Lookup {
 public:
  Lookup(const ServingState& state, const ServedZone& zone, const Query& query,
         const zones::IpAddress& source, PolicyContext& policy, AnswerPlan& plan) noexcept
      : state_(state), zone_(zone), query_(query), source_(source), policy_(policy), plan_(plan) {}

  LookupOutcome run() noexcept {
    plan_.authoritative = true;
    std::size_t apex_label = query_.label_count - zone_.label_count;
    plan_.apex_offset = static_cast<std::uint8_t>(query_.qnameSuffix(apex_label).data() -
                                                  query_.qnameView().data());
    return lookUp(LookupName{query_.qnameView()}, OwnerKind::QnameSuffix, 0);
  }

 private:
  // One step of RFC 1034 §4.3.2 for `name`, whose owner in the answer is given by `owner`.
  LookupOutcome lookUp(LookupName name, OwnerKind owner, int hops) noexcept {
    const Node* node = zone_.nodes.find(name.key);
    if (node) {
      // At or below a cut the parent is not authoritative, except for DS at the cut itself
      // (RFC 4035 §3.1.4.1: DS lives on the parent side).
      if (node->cut && !(node == node->cut && query_.qtype == rr::DS)) {
        return referral(*node->cut, hops);
      }
      return answerAt(*node, owner, hops);
    }
    const Node* encloser = closestEncloser(zone_, name);
    if (encloser->cut) return referral(*encloser->cut, hops);
    // RFC 4592 §3.3.1: a wildcard child of the closest encloser answers in the name's place.
    if (encloser->wildcard) {
      policy_.wildcard = encloser->wildcard;
      return answerAt(*encloser->wildcard, owner, hops);
    }
    // RFC 6604 §3: after a CNAME the RCODE describes the last name of the chain.
    plan_.rcode = rcode::NxDomain;
    negative();
    return LookupOutcome::NxDomain;
  }

  LookupOutcome answerAt(const Node& node, OwnerKind owner, int hops) noexcept {
    if (node.service >= 0) return serviceAnswer(node, owner);
    PlanEntry entry{nullptr, owner, 0, false};
    const RRset* rrset = nullptr;
    if (query_.qtype == rr::ANY) {
      // RFC 8482 §4.2: answer ANY with one RRset of the name rather than all of them.
      if (!node.rrsets.empty()) rrset = &node.rrsets.front();
    } else {
      rrset = node.find(query_.qtype);
    }
    if (rrset) {
      entry.rrset = rrset;
      plan_.answer.push(entry);
      for (const auto& extra : rrset->additional) {
        plan_.additional.push({extra.rrset, OwnerKind::AtApex, 0, extra.required});
      }
      return LookupOutcome::Answered;
    }
    if (const RRset* cname = node.find(rr::CNAME)) {
      entry.rrset = cname;
      plan_.answer.push(entry);
      // RFC 1034 §4.3.2 step 3a: restart at the target while it stays in this zone.
      if (hops + 1 >= kMaxCnameHops || !zones::wireIsSubdomain(cname->target, zone_.key)) {
        return LookupOutcome::Answered;
      }
      LookupOutcome next = lookUp(LookupName{cname->target}, OwnerKind::LastCnameTarget, hops + 1);
      // A chain that ends below a cut keeps what it has; the resolver follows the CNAME itself.
      if (next == LookupOutcome::Referral) return LookupOutcome::Answered;
      return next == LookupOutcome::NoData || next == LookupOutcome::NxDomain
                 ? next
                 : LookupOutcome::Answered;
    }
    negative();
    return LookupOutcome::NoData;
  }

  LookupOutcome referral(const Node& cut, int hops) noexcept {
    if (hops > 0) {
      // Do not mix a referral into an authoritative CNAME answer; the chain stops here.
      return LookupOutcome::Referral;
    }
    plan_.authoritative = false;
    const RRset* ns = cut.find(rr::NS);
    std::size_t label = query_.label_count - cut.label_count;
    auto offset =
        static_cast<std::uint8_t>(query_.qnameSuffix(label).data() - query_.qnameView().data());
    plan_.authority.push({ns, OwnerKind::QnameSuffix, offset, false});
    for (const auto& extra : ns->additional) {
      plan_.additional.push({extra.rrset, OwnerKind::AtApex, 0, extra.required});
    }
    return LookupOutcome::Referral;
  }

  // A service name: A and AAAA come from its policy; other types have no data (RFC 8482: ANY
  // gets the A answer).
  LookupOutcome serviceAnswer(const Node& node, OwnerKind owner) noexcept {
    std::uint16_t qtype = query_.qtype == rr::ANY ? rr::A : query_.qtype;
    if (qtype != rr::A && qtype != rr::AAAA) {
      negative();
      return LookupOutcome::NoData;
    }
    const auto slot = static_cast<std::size_t>(node.service);
    const policy::ServicePlan& service = state_.zones->services().plans[slot];
    policy::Decision& decision = policy_.decision;
    decide(service, slot, qtype == rr::A ? policy::Family::V4 : policy::Family::V6, decision);
    policy_.service = &service;
    plan_.ecs_scope = decision.scope;
    if (decision.nodata || decision.count == 0) {
      negative();
      return LookupOutcome::NoData;
    }
    AddressRRset& addresses = plan_.addresses;
    addresses.type = qtype;
    // Read from the view the decision was made under (the decision cache is keyed on it), so a
    // cached decision never carries a TTL older than the view.
    addresses.ttl = policy::answerTtl(service, state_.serviceHealth(slot));
    addresses.count = decision.count;
    for (std::uint8_t i = 0; i < decision.count; ++i) {
      const auto& pick = decision.picks[i];
      addresses.addresses[i] = service.regions[pick.region].endpoints[pick.endpoint].bytes.data();
    }
    PlanEntry entry{nullptr, owner, 0, false};
    entry.addresses = true;
    plan_.answer.push(entry);
    return LookupOutcome::Answered;
  }

  // The policy's decision for this client, from the worker's cache when it holds one made under
  // this same serving state for a subnet the client is in.
  void decide(const policy::ServicePlan& service, std::size_t slot, policy::Family family,
              policy::Decision& decision) noexcept {
    policy::Client client = ecsClient(query_, source_);
    DecisionCache::Key key{state_.generation, static_cast<std::int32_t>(slot), family,
                           client.has_ecs, client.source_prefix};
    // Generation 0 is a state nobody published (tests, explain): never cached.
    DecisionCache* decisions =
        policy_.trace || state_.generation == 0 ? nullptr : policy_.decisions;
    // Failover and weighted answers do not depend on where the client is.
    const bool needs_location =
        (service.policy == zones::PolicyKind::Geo || service.policy == zones::PolicyKind::Latency) &&
        state_.locator && state_.locator->locates() && service.regions.size() > 1;
    bool located = false;
    auto locate = [&]() noexcept {
      if (!needs_location || located) return;
      located = true;
      client.location = policy_.locations
                            ? policy_.locations->locate(*state_.locator, client.address)
                            : state_.locator->locate(client.address);
    };
    // A geo service's decision is often its leading rule's alone (the client's net, country or
    // continent): one entry per rule serves the clients of every subnet it leads, where the
    // per-subnet entries below would each miss once.
    const bool rules_by_location = !service.geo_country.empty() || !service.geo_continent.empty();
    DecisionCache::RuleKey rule_key{state_.generation, key.service, family, -1};
    DecisionCache::RuleLookup rule_lookup = DecisionCache::RuleLookup::Unknown;
    if (decisions && service.policy == zones::PolicyKind::Geo && service.regions.size() > 1 &&
        (!service.geo_nets.empty() || rules_by_location)) {
      const policy::PrefixMatch net = service.geo_nets.match(client.address);
      if (net.value < 0 && rules_by_location) locate();
      rule_key.rule = policy::geoRuleKey(service, client, net);
      const policy::Decision* shared = nullptr;
      if (rule_key.rule >= 0) rule_lookup = decisions->findByRule(rule_key, &shared);
      if (rule_lookup == DecisionCache::RuleLookup::Shared) {
        policy::withRuleScope(*shared, client, net, decision);
        return;
      }
    }
    if (const policy::Decision* cached =
            decisions ? decisions->find(key, client.address) : nullptr) {
      decision = *cached;
      return;
    }
    locate();
    policy::select(service, state_.serviceHealth(slot),
                   state_.health ? &state_.health->rtt : nullptr, client, family, decision,
                   policy_.trace);
    if (decisions) {
      if (rule_key.rule >= 0 && (decision.shared_by_rule ||
                                 rule_lookup == DecisionCache::RuleLookup::Unknown)) {
        decisions->storeByRule(rule_key, decision);
      }
      // A shared decision is found by its rule from now on: no need to take a subnet's slot.
      if (!decision.shared_by_rule) {
        decisions->store(key, client.address, decision.reuse_prefix, decision);
      }
    }
  }

  // RFC 2308 §2.1–2.2: NXDOMAIN and NODATA carry the zone's SOA in the authority section.
  void negative() noexcept {
    plan_.authority.push({&zone_.negative_soa, OwnerKind::QnameSuffix, plan_.apex_offset, false});
  }

  const ServingState& state_;
  const ServedZone& zone_;
  const Query& query_;
  const zones::IpAddress& source_;
  PolicyContext& policy_;
  AnswerPlan& plan_;
};

}  // namespace

LookupOutcome lookUp(const ServingState& state, const Query& query, const zones::IpAddress& source,
                     PolicyContext& policy, AnswerPlan& plan) noexcept {
  plan.reset();
  policy.service = nullptr;
  policy.zone = nullptr;
  policy.wildcard = nullptr;
  switch (query.qtype) {
    case rr::OPT:  // RFC 6891 §6.1.1: OPT is not a question
      plan.rcode = rcode::FormErr;
      return LookupOutcome::FormErr;
    case rr::MAILA:
    case rr::MAILB:
    case 249:  // TKEY
    case 250:  // TSIG
      plan.rcode = rcode::NotImp;
      return LookupOutcome::NotImp;
    case rr::AXFR:
    case rr::IXFR:  // zone transfers are not offered (yet): RFC 5936 §4.2 allows REFUSED
      plan.rcode = rcode::Refused;
      return LookupOutcome::Refused;
    default:
      break;
  }
  if (query.qclass != kClassIn) {
    plan.rcode = rcode::Refused;
    return LookupOutcome::Refused;
  }
  const ServedZone* zone = state.zones->findZone(
      query.label_count, [&](std::size_t k) noexcept { return query.qnameSuffix(k); });
  if (!zone) {
    plan.rcode = rcode::Refused;
    return LookupOutcome::Refused;
  }
  policy.zone = zone;
  return Lookup(state, *zone, query, source, policy, plan).run();
}

}  // namespace nines::dnsd
