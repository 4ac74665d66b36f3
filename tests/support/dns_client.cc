#include "dns_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include "loopback.h"
#include "nines/zones/ldns.h"

namespace nines::testing {

namespace {

std::string normalise(const std::string& text) {
  std::istringstream in(text);
  std::string word, out;
  while (in >> word) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

std::vector<std::string> section(ldns_rr_list* list, bool skip_opt) {
  std::vector<std::string> out;
  if (!list) return out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (skip_opt && ldns_rr_get_type(rr) == LDNS_RR_TYPE_OPT) continue;
    char* text = ldns_rr2str(rr);
    out.push_back(normalise(text ? text : ""));
    free(text);
  }
  return out;
}

std::string addressText(int family, const std::uint8_t* bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes, buf, sizeof buf);
  return buf;
}

}  // namespace

QueryOptions ednsQuery(std::uint16_t udp_size) {
  QueryOptions options;
  options.edns = true;
  options.udp_size = udp_size;
  return options;
}

QueryOptions ecsQuery(const std::string& ecs) {
  QueryOptions options = ednsQuery();
  options.ecs = ecs;
  return options;
}

std::vector<std::uint8_t> buildQuery(const std::string& name, const std::string& type,
                                     const QueryOptions& options) {
  ldns_rdf* owner = ldns_dname_new_frm_str(name.c_str());
  ldns_rr_type rr_type = ldns_get_rr_type_by_name(type.c_str());
  ldns_pkt* packet = ldns_pkt_query_new(owner, rr_type, static_cast<ldns_rr_class>(options.qclass),
                                        options.rd ? LDNS_RD : 0);
  ldns_pkt_set_id(packet, options.id);
  if (options.edns) {
    ldns_pkt_set_edns_udp_size(packet, options.udp_size);
    ldns_pkt_set_edns_version(packet, options.edns_version);
    if (options.do_bit) ldns_pkt_set_edns_do(packet, true);
    std::vector<std::uint8_t> data;
    if (!options.ecs.empty()) {
      auto slash = options.ecs.find('/');
      std::string address = options.ecs.substr(0, slash);
      int prefix = std::stoi(options.ecs.substr(slash + 1));
      bool v6 = address.find(':') != std::string::npos;
      std::uint8_t raw[16] = {};
      inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), raw);
      std::size_t bytes = (static_cast<std::size_t>(prefix) + 7) / 8;
      std::uint16_t length = static_cast<std::uint16_t>(4 + bytes);
      data = {0,
              8,
              static_cast<std::uint8_t>(length >> 8),
              static_cast<std::uint8_t>(length),
              0,
              static_cast<std::uint8_t>(v6 ? 2 : 1),
              static_cast<std::uint8_t>(prefix),
              0};
      data.insert(data.end(), raw, raw + bytes);
    }
    for (const auto& [code, option] : options.edns_options) {
      data.push_back(static_cast<std::uint8_t>(code >> 8));
      data.push_back(static_cast<std::uint8_t>(code));
      data.push_back(static_cast<std::uint8_t>(option.size() >> 8));
      data.push_back(static_cast<std::uint8_t>(option.size()));
      data.insert(data.end(), option.begin(), option.end());
    }
    if (options.edns_z != 0) {
      ldns_pkt_set_edns_z(packet,
                          static_cast<std::uint16_t>(ldns_pkt_edns_z(packet) | options.edns_z));
    }
    // ldns writes an OPT record when any EDNS field is set; the payload size always is.
    if (!data.empty()) {
      ldns_pkt_set_edns_data(
          packet, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, data.size(), data.data()));
    }
  }
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  ldns_pkt2wire(&wire, packet, &size);
  std::vector<std::uint8_t> out(wire, wire + size);
  free(wire);
  ldns_pkt_free(packet);
  return out;
}

Response decodeResponse(const std::vector<std::uint8_t>& wire) {
  Response response;
  response.size = wire.size();
  ldns_pkt* packet = nullptr;
  if (ldns_wire2pkt(&packet, wire.data(), wire.size()) != LDNS_STATUS_OK) return response;
  response.parsed = true;
  response.id = ldns_pkt_id(packet);
  response.qr = ldns_pkt_qr(packet);
  response.aa = ldns_pkt_aa(packet);
  response.tc = ldns_pkt_tc(packet);
  response.rd = ldns_pkt_rd(packet);
  response.ra = ldns_pkt_ra(packet);
  response.ad = ldns_pkt_ad(packet);
  response.cd = ldns_pkt_cd(packet);
  response.opcode = static_cast<std::uint8_t>(ldns_pkt_get_opcode(packet));
  response.question = section(ldns_pkt_question(packet), false);
  response.answer = section(ldns_pkt_answer(packet), false);
  response.authority = section(ldns_pkt_authority(packet), false);
  response.additional = section(ldns_pkt_additional(packet), true);
  unsigned rcode = ldns_pkt_get_rcode(packet);
  response.has_opt = ldns_pkt_edns(packet) || ldns_pkt_edns_udp_size(packet) != 0;
  // ldns strips the OPT record into EDNS fields; ARCOUNT in the wire says whether one was there.
  std::uint16_t arcount = static_cast<std::uint16_t>((wire[10] << 8) | wire[11]);
  response.has_opt = arcount > response.additional.size();
  if (response.has_opt) {
    response.opt_udp_size = ldns_pkt_edns_udp_size(packet);
    response.opt_version = ldns_pkt_edns_version(packet);
    response.opt_do = ldns_pkt_edns_do(packet);
    response.opt_z = static_cast<std::uint16_t>(ldns_pkt_edns_z(packet) & 0x7fff);
    rcode |= static_cast<unsigned>(ldns_pkt_edns_extended_rcode(packet)) << 4;
    if (ldns_rdf* data = ldns_pkt_edns_data(packet)) {
      const std::uint8_t* p = ldns_rdf_data(data);
      std::size_t n = ldns_rdf_size(data);
      for (std::size_t pos = 0; pos + 4 <= n;) {
        std::uint16_t code = static_cast<std::uint16_t>((p[pos] << 8) | p[pos + 1]);
        std::uint16_t length = static_cast<std::uint16_t>((p[pos + 2] << 8) | p[pos + 3]);
        response.opt_option_codes.push_back(code);
        if (code == 8 && length >= 4 && pos + 4 + length <= n) {
          const std::uint8_t* o = p + pos + 4;
          int family = ((o[0] << 8) | o[1]) == 2 ? AF_INET6 : AF_INET;
          std::uint8_t raw[16] = {};
          std::memcpy(raw, o + 4, std::min<std::size_t>(length - 4u, 16));
          response.ecs_option =
              addressText(family, raw) + "/" + std::to_string(o[2]) + "/" + std::to_string(o[3]);
        }
        pos += 4u + length;
      }
    }
  }
  switch (rcode) {
    case 0:
      response.rcode = "NOERROR";
      break;
    case 1:
      response.rcode = "FORMERR";
      break;
    case 2:
      response.rcode = "SERVFAIL";
      break;
    case 3:
      response.rcode = "NXDOMAIN";
      break;
    case 4:
      response.rcode = "NOTIMP";
      break;
    case 5:
      response.rcode = "REFUSED";
      break;
    case 16:
      response.rcode = "BADVERS";
      break;
    default:
      response.rcode = "RCODE" + std::to_string(rcode);
      break;
  }
  ldns_pkt_free(packet);
  return response;
}

namespace {

bool waitReadable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

bool readExactly(int fd, std::uint8_t* out, std::size_t size, int timeout_ms) {
  std::size_t got = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (got < size) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 || !waitReadable(fd, static_cast<int>(left))) return false;
    ssize_t n = read(fd, out + got, size - got);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

namespace {

// One query on the connected UDP socket `fd` (closed here) and its response.
std::optional<std::vector<std::uint8_t>> exchangeOn(int fd, const std::vector<std::uint8_t>& query,
                                                    int timeout_ms) {
  if (fd < 0) return std::nullopt;
  std::optional<std::vector<std::uint8_t>> result;
  if (send(fd, query.data(), query.size(), 0) == static_cast<ssize_t>(query.size()) &&
      waitReadable(fd, timeout_ms)) {
    std::vector<std::uint8_t> buffer(65536);
    ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
    if (n >= 0) {
      buffer.resize(static_cast<std::size_t>(n));
      result = std::move(buffer);
    }
  }
  close(fd);
  return result;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> exchangeUdp(const std::vector<std::uint8_t>& query,
                                                     std::uint16_t port, int timeout_ms,
                                                     bool ipv6) {
  return exchangeOn(connectLoopback(SOCK_DGRAM, port, ipv6), query, timeout_ms);
}

std::optional<std::vector<std::uint8_t>> exchangeUdpWith(const std::string& address,
                                                         std::uint16_t port,
                                                         const std::vector<std::uint8_t>& query,
                                                         int timeout_ms) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  if (fd >= 0 && (inet_pton(AF_INET, address.c_str(), &to.sin_addr) != 1 ||
                  connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)) {
    close(fd);
    fd = -1;
  }
  return exchangeOn(fd, query, timeout_ms);
}

std::vector<std::vector<std::uint8_t>> exchangeTcp(
    const std::vector<std::vector<std::uint8_t>>& queries, std::uint16_t port, int timeout_ms,
    bool ipv6) {
  std::vector<std::vector<std::uint8_t>> responses;
  int fd = connectLoopback(SOCK_STREAM, port, ipv6);
  if (fd < 0) return responses;
  std::vector<std::uint8_t> out;
  for (const auto& query : queries) {
    out.push_back(static_cast<std::uint8_t>(query.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(query.size()));
    out.insert(out.end(), query.begin(), query.end());
  }
  if (send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size())) {
    for (std::size_t i = 0; i < queries.size(); ++i) {
      std::uint8_t length[2];
      if (!readExactly(fd, length, 2, timeout_ms)) break;
      std::vector<std::uint8_t> message(static_cast<std::size_t>((length[0] << 8) | length[1]));
      if (!readExactly(fd, message.data(), message.size(), timeout_ms)) break;
      responses.push_back(std::move(message));
    }
  }
  close(fd);
  return responses;
}

TcpConnection::TcpConnection(std::uint16_t port, bool ipv6)
    : fd_(connectLoopback(SOCK_STREAM, port, ipv6)) {
  if (fd_ >= 0) {
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) close(fd_);
}

bool TcpConnection::sendRaw(const std::vector<std::uint8_t>& bytes) {
  if (fd_ < 0) return false;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool TcpConnection::sendMessage(const std::vector<std::uint8_t>& message) {
  std::vector<std::uint8_t> framed = {static_cast<std::uint8_t>(message.size() >> 8),
                                      static_cast<std::uint8_t>(message.size())};
  framed.insert(framed.end(), message.begin(), message.end());
  return sendRaw(framed);
}

bool TcpConnection::shutdownWrite() { return fd_ >= 0 && shutdown(fd_, SHUT_WR) == 0; }

bool TcpConnection::sendRawThenShutdownWrite(const std::vector<std::uint8_t>& bytes) {
  if (fd_ < 0) return false;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_MORE);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return shutdownWrite();
}

std::optional<std::vector<std::uint8_t>> TcpConnection::readMessage(int timeout_ms) {
  if (fd_ < 0) return std::nullopt;
  std::uint8_t length[2];
  if (!readExactly(fd_, length, 2, timeout_ms)) return std::nullopt;
  std::vector<std::uint8_t> message(static_cast<std::size_t>((length[0] << 8) | length[1]));
  if (!readExactly(fd_, message.data(), message.size(), timeout_ms)) return std::nullopt;
  return message;
}

bool TcpConnection::silentFor(int timeout_ms) { return fd_ >= 0 && !waitReadable(fd_, timeout_ms); }

bool TcpConnection::waitClosedByPeer(int timeout_ms, std::size_t* received) {
  if (fd_ < 0) return false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::uint8_t buffer[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 || !waitReadable(fd_, static_cast<int>(left))) return false;
    ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n == 0) return true;  // orderly close
    if (n < 0) {
      if (errno == EINTR) continue;
      return true;  // reset
    }
    if (received) *received += static_cast<std::size_t>(n);
  }
}

UdpConnection::UdpConnection(std::uint16_t port, bool ipv6)
    : fd_(connectLoopback(SOCK_DGRAM, port, ipv6)) {}

UdpConnection::~UdpConnection() {
  if (fd_ >= 0) close(fd_);
}

bool UdpConnection::send(const std::vector<std::uint8_t>& datagram) {
  if (fd_ < 0) return false;
  return ::send(fd_, datagram.data(), datagram.size(), 0) == static_cast<ssize_t>(datagram.size());
}

std::optional<std::vector<std::uint8_t>> UdpConnection::receive(int timeout_ms) {
  if (fd_ < 0 || !waitReadable(fd_, timeout_ms)) return std::nullopt;
  std::vector<std::uint8_t> buffer(65536);
  ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
  if (n < 0) return std::nullopt;
  buffer.resize(static_cast<std::size_t>(n));
  return buffer;
}

}  // namespace nines::testing
