#include "nines/zones/name.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace nines::zones {
namespace {

// Wire form of a name given as its labels, root label added.
std::string wireOf(const std::vector<std::string>& labels) {
  std::string wire;
  for (const std::string& label : labels) {
    wire.push_back(static_cast<char>(label.size()));
    wire += label;
  }
  wire.push_back('\0');
  return wire;
}

Name parse(const std::string& text) {
  auto name = Name::fromText(text, nullptr, nullptr);
  EXPECT_TRUE(name.has_value()) << text;
  return name.value_or(Name());
}

const std::string k63(63, 'a');
const std::string k64(64, 'a');

struct FromTextCase {
  std::string text;
  std::string origin;  // empty: no origin
  std::vector<std::string> labels;
  std::string error;  // empty: must parse to `labels`
};

TEST(NameTest, FromText) {
  const std::vector<FromTextCase> cases = {
      {"www.example.test.", "", {"www", "example", "test"}, ""},
      {"www", "example.test.", {"www", "example", "test"}, ""},
      {"a.b", "example.test.", {"a", "b", "example", "test"}, ""},
      {"@", "example.test.", {"example", "test"}, ""},
      {".", "", {}, ""},
      {".", "example.test.", {}, ""},
      {"WwW.Example.", "", {"WwW", "Example"}, ""},
      {"*.wild", "example.test.", {"*", "wild", "example", "test"}, ""},
      {"a\\.b.test.", "", {"a.b", "test"}, ""},
      {"\\065\\066.", "", {"AB"}, ""},
      {"\\000.", "", {std::string(1, '\0')}, ""},
      {"\\255x.",
       "",
       {"\xff"
        "x"},
       ""},
      {"a\\ b.", "", {"a b"}, ""},
      {"a\\\\b.", "", {"a\\b"}, ""},
      {k63 + ".", "", {k63}, ""},
      {k63 + "." + k63 + "." + k63 + "." + std::string(61, 'a') + ".",
       "",
       {k63, k63, k63, std::string(61, 'a')},
       ""},
      {"", "", {}, "empty name"},
      {"", "example.test.", {}, "empty name"},
      {"a..b.", "", {}, "empty label in name"},
      {".a.", "", {}, "empty label in name"},
      {"a..", "example.test.", {}, "empty label in name"},
      {"a", "", {}, "relative name used without an origin"},
      {"@", "", {}, "\"@\" used without an origin"},
      {"a\\", "", {}, "name ends in a lone backslash"},
      {"\\25.", "", {}, "bad \\DDD escape"},
      {"\\2x5.", "", {}, "bad \\DDD escape"},
      {"\\256.", "", {}, "\\DDD escape above 255"},
      {"a b.", "", {}, "whitespace or quote in name"},
      {"a\"b.", "", {}, "whitespace or quote in name"},
      {k64 + ".", "", {}, "label longer than 63 octets"},
      {k64, "example.test.", {}, "label longer than 63 octets"},
      {k63 + "." + k63 + "." + k63 + "." + std::string(62, 'a') + ".",
       "",
       {},
       "name longer than 255 octets"},
      {k63 + "." + k63 + "." + k63 + "." + k63, "example.test.", {}, "name longer than 255 octets"},
  };
  for (const FromTextCase& c : cases) {
    SCOPED_TRACE("text \"" + c.text + "\" origin \"" + c.origin + "\"");
    std::optional<Name> origin;
    if (!c.origin.empty()) origin = parse(c.origin);
    std::string error;
    auto name = Name::fromText(c.text, origin ? &*origin : nullptr, &error);
    if (c.error.empty()) {
      ASSERT_TRUE(name.has_value()) << error;
      EXPECT_EQ(name->wire(), wireOf(c.labels));
    } else {
      EXPECT_FALSE(name.has_value());
      EXPECT_EQ(error, c.error);
    }
  }
}

TEST(NameTest, FromWire) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {std::string(1, '\0'), true},
      {wireOf({"a"}), true},
      {wireOf({"www", "example", "test"}), true},
      {wireOf({k63, k63, k63, std::string(61, 'a')}), true},   // 255 octets
      {wireOf({k63, k63, k63, std::string(62, 'a')}), false},  // 256 octets
      {"", false},
      {"\x01"
       "a",
       false},                                                    // no root label
      {wireOf({"a"}) + std::string(1, '\0'), false},              // trailing octet
      {std::string("\x40") + k64 + std::string(1, '\0'), false},  // label of 64
      {"\xc0\x0c", false},                                        // compression pointer
      {"\x05"
       "ab",
       false},  // label runs off the end
  };
  for (const auto& [wire, valid] : cases) {
    auto name = Name::fromWire(wire);
    EXPECT_EQ(name.has_value(), valid) << "wire of " << wire.size() << " octets";
    if (name) {
      EXPECT_EQ(name->wire(), wire);
    }
  }
}

TEST(NameTest, ToTextEscapesAndRoundTrips) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {".", "."},
      {"www.Example.test.", "www.Example.test."},
      {"a\\.b.test.", "a\\.b.test."},
      {"a\\ b.", "a\\032b."},
      {"\\000\\255.", "\\000\\255."},
      {"semi\\;colon.", "semi\\;colon."},
      {"\\065.", "A."},
  };
  for (const auto& [text, expected] : cases) {
    Name name = parse(text);
    EXPECT_EQ(name.toText(), expected) << text;
    EXPECT_EQ(parse(name.toText()).wire(), name.wire()) << text;
  }
}

TEST(NameTest, Accessors) {
  Name name = parse("*.Wild.example.test.");
  EXPECT_EQ(name.labelCount(), 4u);
  EXPECT_TRUE(name.isWildcard());
  EXPECT_FALSE(parse("wild.example.test.").isWildcard());
  EXPECT_FALSE(parse("a*.example.test.").isWildcard());
  EXPECT_EQ(name.parent().toText(), "Wild.example.test.");
  EXPECT_EQ(name.lowercased().toText(), "*.wild.example.test.");
  EXPECT_EQ(name.size(), name.wire().size());
  EXPECT_TRUE(Name().isRoot());
  EXPECT_EQ(Name().labelCount(), 0u);
  EXPECT_TRUE(Name().parent().isRoot());
  EXPECT_EQ(parse("example.test.").prepend("www")->toText(), "www.example.test.");
  EXPECT_FALSE(parse("example.test.").prepend("").has_value());
  EXPECT_FALSE(parse("example.test.").prepend(k64).has_value());
  Name long_name = parse(k63 + "." + k63 + "." + k63 + ".");
  EXPECT_EQ(long_name.size(), 193u);
  EXPECT_TRUE(long_name.prepend(std::string(61, 'b')).has_value());   // 255 octets
  EXPECT_FALSE(long_name.prepend(std::string(62, 'b')).has_value());  // 256 octets
}

TEST(NameTest, EqualityIgnoresAsciiCaseOnly) {
  EXPECT_EQ(parse("WWW.Example.TEST."), parse("www.example.test."));
  EXPECT_FALSE(parse("www.example.test.") == parse("www.example.tes."));
  EXPECT_FALSE(parse("\\193.") == parse("\\225."));  // Á and á differ: only A-Z fold
  EXPECT_TRUE(wireNamesEqual(wireOf({"AbC"}), wireOf({"aBc"})));
  EXPECT_FALSE(wireNamesEqual(wireOf({"abc"}), wireOf({"abcd"})));
}

struct SubdomainCase {
  std::string name;
  std::string ancestor;
  bool expected;
};

TEST(NameTest, IsSubdomainOf) {
  const std::vector<SubdomainCase> cases = {
      {"www.example.test.", "example.test.", true},
      {"a.b.c.example.test.", "example.test.", true},
      {"example.test.", "example.test.", true},
      {"WWW.EXAMPLE.test.", "example.TEST.", true},
      {"anything.", ".", true},
      {".", ".", true},
      {"test.", "example.test.", false},
      {"xexample.test.", "example.test.", false},     // not on a label boundary
      {"a\\.example.test.", "example.test.", false},  // the label is "a.example"
      {"example.test.", "www.example.test.", false},
      {"example.com.", "example.test.", false},
  };
  for (const SubdomainCase& c : cases) {
    EXPECT_EQ(parse(c.name).isSubdomainOf(parse(c.ancestor)), c.expected)
        << c.name << " under " << c.ancestor;
  }
}

TEST(NameTest, CanonicalOrderIsRfc4034) {
  // RFC 4034 §6.1, the example list, in order.
  const std::vector<std::string> ordered = {
      "example.",         "a.example.",      "yljkjljk.a.example.",
      "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
      "\\001.z.example.", "*.z.example.",    "\\200.z.example.",
  };
  std::vector<Name> names;
  for (const std::string& text : ordered) names.push_back(parse(text));
  for (std::size_t i = 0; i + 1 < names.size(); ++i) {
    EXPECT_TRUE(names[i] < names[i + 1]) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_FALSE(names[i + 1] < names[i]) << ordered[i + 1] << " !< " << ordered[i];
  }
  std::vector<Name> shuffled = {names[4], names[8], names[0], names[6], names[2],
                                names[7], names[1], names[5], names[3]};
  std::sort(shuffled.begin(), shuffled.end());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(shuffled[i].wire(), names[i].wire());
  EXPECT_FALSE(parse("A.example.") < parse("a.example."));  // equal ignoring case
  EXPECT_FALSE(parse("a.example.") < parse("A.example."));
  EXPECT_TRUE(Name() < parse("example."));
}

}  // namespace
}  // namespace nines::zones
