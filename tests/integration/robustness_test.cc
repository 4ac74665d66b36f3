// What dnsd does with queries it cannot or will not answer normally (RFC 1035 §4.1.1, RFC 8906
// §3): NOTIMP for opcodes it does not serve, FORMERR for malformed queries, silence for responses
// and runts, and it goes on answering others; then a few hundred hostile packets over both
// transports, after which it must still be running and still answer correctly; and several
// clients at once.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "integration_harness.h"

namespace nines::integration {
namespace {

using nines::testing::UdpConnection;

class Malformed : public SharedServerTest<::testing::TestWithParam<Transport>> {
 protected:
  // dnsd still answers a plain query correctly over `transport`.
  static void expectStillAnswering(Transport transport) {
    Response r = server_->ask("www.example.test.", "A", transport);
    ASSERT_TRUE(r.parsed) << "no answer after the bad packets";
    EXPECT_EQ(r.rcode, "NOERROR");
    EXPECT_TRUE(r.aa);
    EXPECT_EQ(r.answer.size(), 2u);
  }
};

Bytes wwwQuery() { return buildQuery("www.example.test.", "A"); }

TEST_P(Malformed, UnknownOpcodesAreNotImp) {
  // RFC 8906 §3.1.3 / RFC 1035 §4.1.1: IQUERY (1), STATUS (2), 3, NOTIFY (4), UPDATE (5), 6..15.
  for (int opcode : {1, 2, 3, 4, 5, 6, 15}) {
    SCOPED_TRACE("opcode " + std::to_string(opcode));
    Response r = server_->send(withOpcode(wwwQuery(), opcode), GetParam());
    ASSERT_TRUE(r.parsed);
    EXPECT_TRUE(r.qr);
    EXPECT_EQ(r.id, 0x4242);
    EXPECT_EQ(r.rcode, "NOTIMP");
    EXPECT_EQ(r.opcode, opcode);  // the opcode is echoed
    EXPECT_FALSE(r.aa);
    EXPECT_TRUE(r.answer.empty());
  }
  expectStillAnswering(GetParam());
}

TEST_P(Malformed, NotImpRepliesClearTheFlagsDefinedForQueryOnly) {
  // RD, CD, AD, RA and AA are defined for QUERY (RFC 1035 §4.1.1, RFC 4035 §3.2): a NOTIMP reply
  // to another opcode copies none of them, even when the request sets every one.
  for (int opcode : {2, 4, 5}) {
    SCOPED_TRACE("opcode " + std::to_string(opcode));
    Bytes query = withOpcode(wwwQuery(), opcode);
    query[2] |= 0x05;  // AA and RD
    query[3] |= 0xB0;  // RA, AD and CD
    Response r = server_->send(query, GetParam());
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.rcode, "NOTIMP");
    EXPECT_EQ(r.opcode, opcode);
    EXPECT_FALSE(r.rd);
    EXPECT_FALSE(r.cd);
    EXPECT_FALSE(r.ad);
    EXPECT_FALSE(r.ra);
    EXPECT_FALSE(r.aa);
  }
  // A standard query still has RD and CD copied.
  Bytes query = wwwQuery();
  query[2] |= 0x01;
  query[3] |= 0x10;
  Response r = server_->send(query, GetParam());
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.rd);
  EXPECT_TRUE(r.cd);
  EXPECT_TRUE(r.aa);
}

TEST_P(Malformed, MalformedQueriesAreFormErr) {
  Bytes query = wwwQuery();
  struct Case {
    std::string what;
    Bytes wire;
  };
  const Case cases[] = {
      {"QDCOUNT 2 with one question", withCount(query, 0, 2)},
      {"QDCOUNT 0", withCount(Bytes(query.begin(), query.begin() + 12), 0, 0)},
      {"question cut inside the name", Bytes(query.begin(), query.begin() + 17)},
      {"question cut before QCLASS", Bytes(query.begin(), query.end() - 2)},
      {"ANCOUNT 1 with no answer present", withCount(query, 1, 1)},
      {"ARCOUNT 1 with no record present", withCount(query, 3, 1)},
      {"trailing garbage",
       [&] {
         Bytes wire = query;
         wire.insert(wire.end(), {0xde, 0xad, 0xbe, 0xef});
         return wire;
       }()},
      {"label longer than the packet",
       [&] {
         Bytes wire(query.begin(), query.begin() + 12);
         wire.insert(wire.end(), {40, 'a', 'b'});
         return wire;
       }()},
      {"compression pointer in the question",
       [&] {
         Bytes wire(query.begin(), query.begin() + 12);
         wire.insert(wire.end(), {0xc0, 0x0c, 0, 1, 0, 1});
         return wire;
       }()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Response r = server_->send(c.wire, GetParam());
    ASSERT_TRUE(r.parsed);
    EXPECT_TRUE(r.qr);
    EXPECT_EQ(r.id, 0x4242);
    EXPECT_EQ(r.rcode, "FORMERR");
    EXPECT_FALSE(r.aa);
    EXPECT_TRUE(r.answer.empty());
    EXPECT_FALSE(r.ra);
  }
  expectStillAnswering(GetParam());
}

TEST_P(Malformed, ResponsesAndRuntsGetNoAnswer) {
  Bytes response_bit = wwwQuery();
  response_bit[2] |= 0x80;  // QR: answering a response could start a loop between servers
  const Bytes silent[] = {response_bit, Bytes{}, Bytes{0x42}, Bytes(11, 0xff)};
  for (const auto& wire : silent) {
    SCOPED_TRACE("size " + std::to_string(wire.size()));
    if (GetParam() == Transport::Udp) {
      EXPECT_FALSE(server_->exchange(wire, Transport::Udp, 300));
    } else {
      // On one connection, the bad message then a good one: only the good one is answered.
      TcpConnection connection(server_->port());
      ASSERT_TRUE(connection.connected());
      ASSERT_TRUE(connection.sendMessage(wire));
      Bytes good = buildQuery("www.example.test.", "A", withId(0x1111));
      ASSERT_TRUE(connection.sendMessage(good));
      auto reply = connection.readMessage();
      ASSERT_TRUE(reply);
      EXPECT_EQ(decodeResponse(*reply).id, 0x1111);
      EXPECT_TRUE(connection.silentFor(100));
    }
    expectStillAnswering(GetParam());
  }
}

TEST_P(Malformed, QueryHeaderBitsAreIgnoredAndNotEchoed) {
  // RFC 8906 §8.1.4: AA, TC, AD and the reserved Z bit in a query change nothing; the reply has Z
  // and AD clear (no DNSSEC here), and CD is copied (RFC 6840 §5.9).
  struct Case {
    std::string what;
    std::uint8_t bits;  // the low flags octet of the query (RA Z AD CD RCODE)
    std::uint8_t high;  // the high flags octet (QR OPCODE AA TC RD)
  };
  const Case cases[] = {
      {"AA", 0, 0x04}, {"TC", 0, 0x02}, {"Z", 0x40, 0},      {"AD", 0x20, 0},
      {"CD", 0x10, 0}, {"RA", 0x80, 0}, {"all", 0xf0, 0x07},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Bytes wire = wwwQuery();
    wire[2] |= c.high;
    wire[3] |= c.bits;
    auto reply = server_->exchange(wire, GetParam());
    ASSERT_TRUE(reply);
    Response r = decodeResponse(*reply);
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.rcode, "NOERROR");
    EXPECT_TRUE(r.aa);
    EXPECT_FALSE(r.tc);
    EXPECT_EQ(r.answer.size(), 2u);
    EXPECT_FALSE(r.ad);
    EXPECT_FALSE(r.ra);
    EXPECT_EQ(r.cd, (c.bits & 0x10) != 0);
    EXPECT_EQ(r.rd, (c.high & 0x01) != 0);
    // ldns has no accessor for Z: read the bit from the header.
    EXPECT_EQ((*reply)[3] & 0x40, 0) << "Z set in the reply";
  }
}

// Deterministic hostile traffic: random bytes, runts, and valid queries with bytes flipped or cut.
std::vector<Bytes> hostilePackets(std::mt19937& random, int count) {
  const Bytes templates[] = {
      buildQuery("www.example.test.", "A"),
      buildQuery("big.example.test.", "TXT", ednsQuery(4096)),
      buildQuery("x.wild.example.test.", "TXT", ecsQuery("192.0.2.0/24")),
      buildQuery("host.sub.example.test.", "A", with([](auto& o) { o.rd = true; })),
  };
  auto byte = [&] { return static_cast<std::uint8_t>(random() & 0xff); };
  std::vector<Bytes> packets;
  for (int i = 0; i < count; ++i) {
    Bytes packet;
    switch (random() % 4) {
      case 0:  // random bytes of random length
        packet.resize(random() % 600);
        for (auto& b : packet) b = byte();
        break;
      case 1:  // a valid query with a few bytes flipped
        packet = templates[random() % 4];
        for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) {
          packet[random() % packet.size()] = byte();
        }
        break;
      case 2:  // a valid query cut short
        packet = templates[random() % 4];
        packet.resize(random() % packet.size());
        break;
      default:  // a valid header followed by random bytes
        packet = Bytes(templates[0].begin(), templates[0].begin() + 12);
        for (int n = static_cast<int>(random() % 300); n > 0; --n) packet.push_back(byte());
        break;
    }
    packets.push_back(std::move(packet));
  }
  return packets;
}

TEST(MalformedFlood, SurvivesHostileDatagramsAndStreams) {
  DnsdServer server({{"example.test.toml", exampleZone()}});
  ASSERT_TRUE(server.ready());
  std::mt19937 random(20240601);  // fixed seed: the same packets every run

  // UDP: 400 datagrams in batches of 20; every reply that comes back must be a well-formed
  // response (ldns parses it, QR set, ID of some query sent).
  UdpConnection udp(server.port());
  ASSERT_TRUE(udp.connected());
  std::vector<Bytes> datagrams = hostilePackets(random, 400);
  std::set<std::uint16_t> sent_ids;
  int replies = 0;
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    const Bytes& datagram = datagrams[i];
    if (datagram.size() >= 2) {
      sent_ids.insert(static_cast<std::uint16_t>(datagram[0] << 8 | datagram[1]));
    }
    ASSERT_TRUE(udp.send(datagram));
    if (i % 20 != 19) continue;
    while (auto reply = udp.receive(50)) {
      ++replies;
      Response r = decodeResponse(*reply);
      ASSERT_TRUE(r.parsed) << "reply " << replies << " is not a DNS message";
      EXPECT_TRUE(r.qr);
      EXPECT_TRUE(sent_ids.count(r.id)) << r.id;
      EXPECT_LE(reply->size(), 4096u);
    }
  }
  EXPECT_GT(replies, 0);  // some of them were queries worth a FORMERR or an answer

  // TCP: 40 connections, each with a few hostile messages, sometimes a lying length prefix, then
  // closed by us.
  std::vector<Bytes> messages = hostilePackets(random, 160);
  for (int c = 0; c < 40; ++c) {
    TcpConnection connection(server.port());
    ASSERT_TRUE(connection.connected());
    for (int m = 0; m < 4; ++m) {
      const Bytes& message = messages[static_cast<std::size_t>(c * 4 + m)];
      if (random() % 8 == 0) {
        // A length prefix promising more than follows.
        Bytes lie = {0xff, 0xff};
        lie.insert(lie.end(), message.begin(), message.end());
        connection.sendRaw(lie);
        break;
      }
      connection.sendMessage(message);
    }
    // Whatever comes back must be well formed; stop at silence or close.
    while (auto reply = connection.readMessage(50)) {
      EXPECT_TRUE(decodeResponse(*reply).parsed);
    }
  }

  // One maximum-size message of random bytes.
  {
    TcpConnection connection(server.port());
    Bytes huge(65535);
    for (auto& b : huge) b = static_cast<std::uint8_t>(random() & 0xff);
    huge[2] &= 0x7f;  // QR clear: worth parsing
    ASSERT_TRUE(connection.sendMessage(huge));
    if (auto reply = connection.readMessage(1000)) {
      EXPECT_TRUE(decodeResponse(*reply).parsed);
    }
  }

  ASSERT_TRUE(server.process().running()) << server.process().log();
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    Response r = server.ask("www.example.test.", "A", transport);
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.rcode, "NOERROR");
    EXPECT_EQ(r.answer.size(), 2u);
    Response big = server.ask("big.example.test.", "TXT", transport);
    EXPECT_EQ(big.answer.size(), transport == Transport::Tcp ? 40u : 0u);
  }
  EXPECT_EQ(server.process().stop(), 0);
}

// Several clients at once over both transports, served by two UDP workers: every query answered,
// every answer right.
TEST(Concurrency, ParallelClientsAllGetTheirAnswers) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"}, "", 2});
  ASSERT_TRUE(server.ready());
  std::atomic<int> wrong{0};
  std::atomic<int> answered{0};
  auto check = [&](const Bytes& reply, std::uint16_t id, bool nx) {
    Response r = decodeResponse(reply);
    bool ok = r.parsed && r.id == id &&
              (nx ? r.rcode == "NXDOMAIN" : r.rcode == "NOERROR" && r.answer.size() == 2);
    (ok ? answered : wrong)++;
  };
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        auto id = static_cast<std::uint16_t>(t * 1000 + i);
        bool nx = i % 3 == 0;
        Bytes query = buildQuery(nx ? "nope.example.test." : "www.example.test.", "A", withId(id));
        if (auto reply = nines::testing::exchangeUdp(query, server.port())) {
          check(*reply, id, nx);
        } else {
          wrong++;
        }
      }
      std::vector<Bytes> queries;
      for (int i = 0; i < 50; ++i) {
        auto id = static_cast<std::uint16_t>(t * 1000 + 500 + i);
        queries.push_back(buildQuery("www.example.test.", "A", withId(id)));
      }
      auto replies = nines::testing::exchangeTcp(queries, server.port());
      if (replies.size() != queries.size()) wrong++;
      for (std::size_t i = 0; i < replies.size(); ++i) {
        check(replies[i], static_cast<std::uint16_t>(t * 1000 + 500 + static_cast<int>(i)), false);
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(answered.load(), 4 * 150);
}

INSTANTIATE_TEST_SUITE_P(Transports, Malformed, ::testing::Values(Transport::Udp, Transport::Tcp),
                         transportName);

}  // namespace
}  // namespace nines::integration
