#include "integration_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

namespace nines::integration {

using nines::testing::QueryOptions;
using nines::testing::Response;

const char* const kExampleSoa =
    "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 7 3600 600 1209600 300";
const char* const kShortSoa =
    "short.test. 120 IN SOA ns1.short.test. hostmaster.short.test. 9 3600 600 1209600 600";

std::string transportName(const ::testing::TestParamInfo<Transport>& info) {
  return info.param == Transport::Udp ? "Udp" : "Tcp";
}

std::string txtRecords(int count, int length) {
  std::string records;
  for (int i = 0; i < count; ++i) {
    if (i > 0) records += ", ";
    // Distinct contents: "NNN" then a run of one letter.
    std::string text = std::to_string(100 + i) + std::string(static_cast<std::size_t>(length - 3),
                                                             static_cast<char>('a' + i % 26));
    records += "\"TXT " + text + "\"";
  }
  return records;
}

std::string exampleZone(const std::string& www_address) {
  return R"(origin = "example.test."
ttl = 3600
[soa]
mname = "ns1.example.test."
rname = "hostmaster.example.test."
serial = 7
refresh = 3600
retry = 600
expire = 1209600
minimum = 300
[records]
"@" = ["NS ns1.example.test.", "NS ns2.example.test.", "MX 10 mail.example.test."]
ns1 = ["A 192.0.2.53", "AAAA 2001:db8::53"]
ns2 = ["A 198.51.100.53"]
www = ["300 A )" +
         www_address + R"(", "300 A 192.0.2.11", "300 AAAA 2001:db8::10"]
alias = ["CNAME www.example.test."]
mail = ["A 192.0.2.25"]
"_sip._tcp" = ["SRV 10 60 5060 mail.example.test."]
"*.wild" = ["60 TXT \"wildcard\""]
sub = ["NS ns.sub.example.test.", "NS ns.example.net."]
"ns.sub" = ["A 192.0.2.99"]
"a.b.deep" = ["A 192.0.2.77"]
tobig = ["CNAME big.example.test."]
mid = [)" +
         txtRecords(12, 60) +
         R"(]
big = [)" +
         txtRecords(40, 60) +
         R"(]
)";
}

std::string shortTtlZone() {
  return R"(origin = "short.test."
ttl = 3600
[soa]
mname = "ns1.short.test."
rname = "hostmaster.short.test."
serial = 9
refresh = 3600
retry = 600
expire = 1209600
minimum = 600
ttl = 120
[records]
"@" = ["NS ns1.short.test."]
ns1 = ["A 192.0.2.1"]
host = ["A 192.0.2.2"]
)";
}

DnsdServer::DnsdServer(const std::map<std::string, std::string>& zones, Options options) {
  for (const auto& [file, content] : zones) dir_.write("zones/" + file, content);
  std::string listen;
  for (const auto& address : options.listen) {
    listen += (listen.empty() ? "\"" : ", \"") + address + "\"";
  }
  // Zones relative to the config file, as operators write it.
  std::string config = "[server]\nlisten = [" + listen +
                       "]\nzones = \"zones\"\nthreads = " + std::to_string(options.threads) + "\n" +
                       options.server_extra;
  process_ = std::make_unique<nines::testing::DnsdProcess>(dir_.write("dnsd.toml", config));
}

bool DnsdServer::ready() {
  if (process_->waitReady()) return true;
  ADD_FAILURE() << "dnsd did not become ready; its log:\n" << process_->log();
  return false;
}

std::string DnsdServer::zonePath(const std::string& file) const {
  return dir_.path() + "/zones/" + file;
}

void DnsdServer::writeZone(const std::string& file, const std::string& content) const {
  dir_.write("zones/" + file, content);
}

std::optional<Bytes> DnsdServer::exchange(const Bytes& wire, Transport transport, int timeout_ms,
                                          bool ipv6, std::uint16_t port) const {
  if (port == 0) port = this->port();
  if (transport == Transport::Udp) return nines::testing::exchangeUdp(wire, port, timeout_ms, ipv6);
  auto responses = nines::testing::exchangeTcp({wire}, port, timeout_ms, ipv6);
  if (responses.empty()) return std::nullopt;
  return responses.front();
}

Response DnsdServer::ask(const std::string& name, const std::string& type, Transport transport,
                         const QueryOptions& options) const {
  return send(nines::testing::buildQuery(name, type, options), transport);
}

Response DnsdServer::send(const Bytes& wire, Transport transport) const {
  auto response = exchange(wire, transport);
  if (!response) return Response{};
  return nines::testing::decodeResponse(*response);
}

bool ipv6LoopbackAvailable() {
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

Bytes withOpcode(Bytes wire, int opcode) {
  wire[2] = static_cast<std::uint8_t>((wire[2] & 0x87) | ((opcode & 0x0F) << 3));
  return wire;
}

Bytes withCount(Bytes wire, int section, std::uint16_t count) {
  auto at = static_cast<std::size_t>(4 + 2 * section);
  wire[at] = static_cast<std::uint8_t>(count >> 8);
  wire[at + 1] = static_cast<std::uint8_t>(count);
  return wire;
}

Bytes withSecondOpt(Bytes wire) {
  // An option-less OPT is 11 octets: root owner, TYPE, CLASS, TTL, RDLENGTH 0.
  Bytes opt(wire.end() - 11, wire.end());
  wire.insert(wire.end(), opt.begin(), opt.end());
  return withCount(std::move(wire), 3, 2);
}

namespace {

std::string field(const std::string& record, int index) {
  std::istringstream in(record);
  std::string word;
  for (int i = 0; i <= index && in >> word; ++i) {
  }
  return word;
}

}  // namespace

std::string ttlOf(const std::string& record) { return field(record, 1); }
std::string typeOf(const std::string& record) { return field(record, 3); }

}  // namespace nines::integration
