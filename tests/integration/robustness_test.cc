// What dnsd does with queries it cannot or will not answer normally (RFC 1035 §4.1.1, RFC 8906
// §3): NOTIMP for opcodes it does not serve, FORMERR for malformed queries, silence for responses
// and runts, and it goes on answering others; then a few hundred hostile packets over both
// transports (random, mutated and crafted: compression loops, overlong names and labels, bad OPT
// and ECS, huge counts), after which it must still be running, still answer correctly and hold
// no more memory than before; and several clients at once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <initializer_list>
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

// A query header (ID 0x4e39, QR clear) with these section counts.
Bytes header(std::uint16_t qd, std::uint16_t an, std::uint16_t ns, std::uint16_t ar) {
  return {0x4e,
          0x39,
          0x00,
          0x00,
          static_cast<std::uint8_t>(qd >> 8),
          static_cast<std::uint8_t>(qd),
          static_cast<std::uint8_t>(an >> 8),
          static_cast<std::uint8_t>(an),
          static_cast<std::uint8_t>(ns >> 8),
          static_cast<std::uint8_t>(ns),
          static_cast<std::uint8_t>(ar >> 8),
          static_cast<std::uint8_t>(ar)};
}

void append(Bytes& out, std::initializer_list<std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// "www.example.test." in wire form, then QTYPE A, QCLASS IN.
void appendQuestion(Bytes& out) {
  append(out, {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm', 'p', 'l',
               'e', 4,   't', 'e', 's', 't', 0,   0,   1,   0,   1});
}

// An OPT record (root owner, TYPE 41, UDP size 4096) whose RDATA is `rdata` but whose RDLENGTH
// says `claimed`.
void appendOpt(Bytes& out, const Bytes& rdata, std::uint16_t claimed) {
  append(out, {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, static_cast<std::uint8_t>(claimed >> 8),
               static_cast<std::uint8_t>(claimed)});
  out.insert(out.end(), rdata.begin(), rdata.end());
}

// The shapes attackers send on purpose, one of each kind per call, rotating with `kind`:
// compression loops, names past 255 octets, labels past 63, bad OPT and ECS options, and section
// counts far beyond what the packet holds.
Bytes craftedPacket(int kind) {
  Bytes p;
  switch (kind % 10) {
    case 0:  // a question name that is a pointer to itself
      p = header(1, 0, 0, 0);
      append(p, {0xc0, 12, 0, 1, 0, 1});
      break;
    case 1:  // two pointers pointing at each other
      p = header(1, 0, 0, 0);
      append(p, {1, 'a', 0xc0, 16, 0xc0, 12, 0, 1, 0, 1});
      break;
    case 2:  // a name of 300 octets in 63-octet labels
      p = header(1, 0, 0, 0);
      for (int label = 0; label < 5; ++label) {
        p.push_back(63);
        p.insert(p.end(), 63, 'x');
      }
      append(p, {0, 0, 1, 0, 1});
      break;
    case 3:  // a label length of 64 (the 01 prefix: a reserved label type)
      p = header(1, 0, 0, 0);
      p.push_back(64);
      p.insert(p.end(), 64, 'y');
      append(p, {0, 0, 1, 0, 1});
      break;
    case 4:  // every count at 65535 over one question
      p = header(0xffff, 0xffff, 0xffff, 0xffff);
      appendQuestion(p);
      break;
    case 5:  // an OPT record whose RDLENGTH runs past the end
      p = header(1, 0, 0, 1);
      appendQuestion(p);
      appendOpt(p, {0, 8, 0, 8, 0, 1, 24, 0}, 0xfff0);
      break;
    case 6:  // ECS with family 3
      p = header(1, 0, 0, 1);
      appendQuestion(p);
      appendOpt(p, {0, 8, 0, 7, 0, 3, 24, 0, 192, 0, 2}, 11);
      break;
    case 7:  // ECS with a source prefix of 33 bits for IPv4, and too few address octets
      p = header(1, 0, 0, 1);
      appendQuestion(p);
      appendOpt(p, {0, 8, 0, 5, 0, 1, 33, 0, 192}, 9);
      break;
    case 8:  // two OPT records
      p = header(1, 0, 0, 2);
      appendQuestion(p);
      appendOpt(p, {}, 0);
      appendOpt(p, {}, 0);
      break;
    default:  // an option length past the OPT's RDATA
      p = header(1, 0, 0, 1);
      appendQuestion(p);
      appendOpt(p, {0, 8, 0xff, 0xff, 0, 1, 24, 0}, 8);
      break;
  }
  return p;
}

// Resident memory of process `pid`, in kB (0 when it cannot be read).
long residentKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// Deterministic hostile traffic: random bytes, runts, valid queries with bytes flipped or cut,
// and the crafted shapes above.
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
    switch (random() % 5) {
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
      case 3:  // a valid header followed by random bytes
        packet = Bytes(templates[0].begin(), templates[0].begin() + 12);
        for (int n = static_cast<int>(random() % 300); n > 0; --n) packet.push_back(byte());
        break;
      default:
        packet = craftedPacket(i);
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
  // Warmed up on both transports first, so that the memory bound below is about the storm.
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    ASSERT_EQ(server.ask("www.example.test.", "A", transport).rcode, "NOERROR");
  }
  const long resident_before = residentKb(server.process().pid());
  ASSERT_GT(resident_before, 0);

  // UDP: 4000 datagrams in batches of 20; every reply that comes back must be a well-formed
  // response (ldns parses it, QR set, ID of some query sent).
  UdpConnection udp(server.port());
  ASSERT_TRUE(udp.connected());
  std::vector<Bytes> datagrams = hostilePackets(random, 4000);
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
  // Nothing of the storm is kept: no buffer per bad packet or connection stays behind.
  const long resident_after = residentKb(server.process().pid());
  std::printf("[ measured ] resident before the storm %ld kB, after %ld kB\n", resident_before,
              resident_after);
  EXPECT_LT(resident_after, resident_before + 8 * 1024);
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
