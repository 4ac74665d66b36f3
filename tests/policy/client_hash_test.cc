// The stickiness hashes of the weighted policy, slow start and endpoint rotation
// (policy/src/client_hash.h), pinned with vectors computed from the code before it moved.
//
// These are a contract between nameservers: every dnsd answering for a zone, on any build,
// machine or version, must send a client subnet to the same region and the same endpoint, or a
// resolver that asks two of them sees the answer flap. A failing vector means the change is
// wrong, not the vector.
#include "client_hash.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nines/policy/select.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

using Strings = std::vector<std::string>;

// The weighted example service (policy_test_support.h): us-east 100 (192.0.2.10, .11),
// eu-west 100, ap-south 50, lab 0; everything unknown, so the order is the rendezvous order.
struct Weighted {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Weighted);
  ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
  ServiceHealth state = testing::health(zone.services[0]);
};

struct OrderCase {
  const char* address;
  int ecs;  // ECS source prefix; -1: no ECS
  Strings order;
  const char* answer;  // the A record (answers = 1): the first region's, at the client's rotation
};

TEST(ClientHash, WeightedOrderPerClientSubnet) {
  const OrderCase cases[] = {
      {"192.0.2.1", 32, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.10"},
      {"192.0.2.200", 32, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.10"},  // same /24
      {"198.51.100.7", 24, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.11"},
      {"203.0.113.5", 32, {"eu-west", "us-east", "ap-south", "lab"}, "198.51.100.10"},
      {"11.0.0.1", 32, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.10"},
      {"11.0.1.1", 32, {"eu-west", "us-east", "ap-south", "lab"}, "198.51.100.10"},
      {"172.16.5.9", 32, {"us-east", "ap-south", "eu-west", "lab"}, "192.0.2.11"},
      // ECS /20: the /20 is hashed; a /24 inside it, sent as /24, is hashed on its own.
      {"10.20.16.0", 20, {"eu-west", "ap-south", "us-east", "lab"}, "198.51.100.10"},
      {"10.20.31.0", 20, {"eu-west", "ap-south", "us-east", "lab"}, "198.51.100.10"},
      {"10.20.17.0", 24, {"eu-west", "us-east", "ap-south", "lab"}, "198.51.100.10"},
      // Source prefix 0 and no ECS: the address given (the resolver's) is hashed by its /24.
      {"100.64.1.1", 0, {"ap-south", "eu-west", "us-east", "lab"}, "203.0.113.10"},
      {"8.8.8.8", -1, {"eu-west", "us-east", "ap-south", "lab"}, "198.51.100.10"},
      // IPv6: the /56, or a shorter ECS source prefix.
      {"2001:db8:1:2::1", 64, {"eu-west", "us-east", "ap-south", "lab"}, "198.51.100.10"},
      {"2001:db8:1:ff::1", 128, {"eu-west", "us-east", "ap-south", "lab"}, "198.51.100.10"},
      {"2001:db8:1:2::1", 48, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.10"},
      {"2001:db8:abcd:1200::", 40, {"eu-west", "us-east", "ap-south", "lab"}, "198.51.100.10"},
      {"2001:db8:6::1", 64, {"ap-south", "eu-west", "us-east", "lab"}, "203.0.113.10"},
      {"2001:db8:7::1", 64, {"eu-west", "ap-south", "us-east", "lab"}, "198.51.100.10"},
      {"2001:db8:8::1", 64, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.11"},
      {"2400:cb00::1", 0, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.10"},
      {"2a00:1450:4001::1", -1, {"us-east", "eu-west", "ap-south", "lab"}, "192.0.2.11"},
  };
  const Weighted w;
  for (const OrderCase& c : cases) {
    SCOPED_TRACE(std::string(c.address) + " ECS " + std::to_string(c.ecs));
    Trace trace;
    const testing::Answer got = testing::run(w.plan, w.state, testing::client(c.address, c.ecs),
                                             Family::V4, nullptr, &trace);
    EXPECT_EQ(trace.order, c.order);
    EXPECT_EQ(got.in_order, Strings{c.answer});
  }
}

struct KeyCase {
  const char* address;
  int ecs;
  const char* network;  // the hashed subnet
  std::uint64_t hash;
};

TEST(ClientHash, ClientKey) {
  const KeyCase cases[] = {
      {"192.0.2.1", 32, "192.0.2.0/24", 0xc337e4e467e4074aull},
      {"10.20.31.0", 20, "10.20.16.0/20", 0x5e1d32a8f72c3c02ull},
      {"100.64.1.1", 0, "100.64.1.0/24", 0xa45357e4ac2f44fdull},
      {"8.8.8.8", -1, "8.8.8.0/24", 0x62c810fe614186d0ull},
      {"2001:db8:1:2::1", 64, "2001:db8:1::/56", 0xef2e21a0e941d483ull},
      {"2001:db8:abcd:1200::", 40, "2001:db8:ab00::/40", 0x3af7e434121fa293ull},
      {"2400:cb00::1", 0, "2400:cb00::/56", 0x6903d68d8b2fc71dull},
  };
  const Weighted w;
  for (const KeyCase& c : cases) {
    SCOPED_TRACE(std::string(c.address) + " ECS " + std::to_string(c.ecs));
    const detail::ClientKey key = detail::clientKey(w.plan, testing::client(c.address, c.ecs));
    EXPECT_EQ(key.network.toString() + "/" + std::to_string(key.prefix), c.network);
    EXPECT_EQ(key.hash, c.hash);
  }
}

struct RotationCase {
  const char* address;
  int ecs;
  std::size_t slot, size, offset;
};

TEST(ClientHash, RotationOffset) {
  const RotationCase cases[] = {
      // Slot 0 (us-east) with its two A records, as select() uses it.
      {"192.0.2.1", 32, 0, 2, 0},
      {"198.51.100.7", 24, 0, 2, 1},
      {"2a00:1450:4001::1", -1, 0, 2, 1},
      // Other slots and list sizes.
      {"198.51.100.7", 24, 1, 5, 3},
      {"10.20.16.0", 20, 2, 2, 1},
      {"10.20.16.0", 20, 1, 5, 2},
      {"8.8.8.8", -1, 0, 3, 2},
      {"11.0.0.1", 32, 1, 5, 4},
      {"2001:db8:1:2::1", 48, 0, 3, 2},
      {"2001:db8:6::1", 64, 2, 2, 0},
      {"192.0.2.1", 32, 0, 0, 0},  // an empty list
  };
  const Weighted w;
  for (const RotationCase& c : cases) {
    SCOPED_TRACE(std::string(c.address) + " slot " + std::to_string(c.slot) + " size " +
                 std::to_string(c.size));
    const detail::ClientKey key = detail::clientKey(w.plan, testing::client(c.address, c.ecs));
    EXPECT_EQ(detail::rotationOffset(key, c.slot, c.size), c.offset);
  }
}

struct RampCase {
  const char* address;
  int ecs;
  std::size_t slot;
  double point;  // 17 significant digits: the exact double
};

TEST(ClientHash, RampPoint) {
  const RampCase cases[] = {
      {"192.0.2.1", 32, 0, 0.55660873909839337},
      {"192.0.2.1", 32, 1, 0.8085697555963971},
      {"10.20.16.0", 20, 2, 0.049795711957957844},
      {"100.64.1.1", 0, 1, 0.0067868710628249396},
      {"172.16.5.9", 32, 0, 0.0075591711231315362},
      {"2001:db8:1:2::1", 64, 2, 0.60001568161223073},
      {"2001:db8:7::1", 64, 0, 0.99512268281133409},
  };
  const Weighted w;
  for (const RampCase& c : cases) {
    SCOPED_TRACE(std::string(c.address) + " slot " + std::to_string(c.slot));
    const detail::ClientKey key = detail::clientKey(w.plan, testing::client(c.address, c.ecs));
    EXPECT_EQ(detail::rampPoint(w.plan, key, c.slot), c.point);
  }
}

}  // namespace
}  // namespace nines::policy
