#include "integration_harness.h"

#include <sstream>

namespace nines::integration {

using nines::testing::QueryOptions;
using nines::testing::Response;

const char* const kRegionTables =
    "[regions.us-east]\nlocation = [38.9, -77.0]\n[regions.eu-west]\nlocation = [53.3, -6.3]\n"
    "[regions.ap-south]\nlocation = [19.1, 72.9]\n";

std::string transportName(const ::testing::TestParamInfo<Transport>& info) {
  return info.param == Transport::Udp ? "Udp" : "Tcp";
}

DnsdServer::DnsdServer(const std::map<std::string, std::string>& zones, Options options,
                       const std::string& sections) {
  for (const auto& [file, content] : zones) dir_.write("zones/" + file, content);
  std::string listen;
  for (const auto& address : options.listen) {
    listen += (listen.empty() ? "\"" : ", \"") + address + "\"";
  }
  // Zones relative to the config file, as operators write it.
  std::string config = "[server]\nlisten = [" + listen +
                       "]\nzones = \"zones\"\nthreads = " + std::to_string(options.threads) + "\n" +
                       options.server_extra + sections;
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

Response DnsdServer::askEcs(const std::string& name, const std::string& type,
                            const std::string& ecs, Transport transport) const {
  return ask(name, type, transport, nines::testing::ecsQuery(ecs));
}

Response DnsdServer::send(const Bytes& wire, Transport transport) const {
  auto response = exchange(wire, transport);
  if (!response) return Response{};
  return nines::testing::decodeResponse(*response);
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

Strings addressesOf(const Strings& answer) {
  Strings out;
  for (const auto& record : answer) {
    std::string type = typeOf(record);
    if (type == "A" || type == "AAAA") out.push_back(record.substr(record.rfind(' ') + 1));
  }
  return out;
}

int ecsScope(const Response& response) {
  if (response.ecs_option.empty()) return -1;
  return std::stoi(response.ecs_option.substr(response.ecs_option.rfind('/') + 1));
}

}  // namespace nines::integration
