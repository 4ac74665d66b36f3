// nines-bench-flood: UDP queries from a chosen loopback address, as fast as the socket takes them
// (a flood, as a reflection attack sends them with a victim's address) or paced (a legitimate
// client), for rrl.sh's flood figures. Unlike blast it keeps nothing outstanding: a dropped
// response costs it nothing, so a rate limiter cannot slow it down.
//
//   nines-bench-flood --port P [--source 127.0.0.1] [--seconds 3] [--rate 0] [--name N] [--type T]
//                     [--no-edns]
//
// One line: sent=... sent_B=... received=... received_B=... answered=... truncated=... qps=...
// answered: responses without TC (answers, referrals, negative answers), truncated: TC set (a rate
// limiter's slip, or an answer too large); sent_B and received_B are DNS message octets (no IP or
// UDP headers).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

std::vector<std::uint8_t> makeQuery(const std::string& name, std::uint16_t type, bool edns) {
  std::vector<std::uint8_t> wire = {0, 0, 0, 0, 0, 1,
                                    0, 0, 0, 0, 0, static_cast<std::uint8_t>(edns ? 1 : 0)};
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    wire.push_back(static_cast<std::uint8_t>(dot - start));
    wire.insert(wire.end(), name.begin() + static_cast<long>(start),
                name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  wire.push_back(0);
  wire.insert(wire.end(),
              {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
  // OPT: root owner, type 41, payload 1232, no flags or options.
  if (edns) wire.insert(wire.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
  return wire;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nines-bench-flood: UDP queries from a chosen loopback address"};
  std::uint16_t port = 0;
  std::string source = "127.0.0.1", name = "www.example.test", type = "A";
  double seconds = 3, rate = 0;
  bool no_edns = false;
  app.add_option("--port", port, "dnsd's port on 127.0.0.1")->required();
  app.add_option("--source", source, "the address to send from (127.0.0.0/8)")
      ->capture_default_str();
  app.add_option("--seconds", seconds, "how long to send")->capture_default_str();
  app.add_option("--rate", rate, "queries a second; 0: as fast as the socket takes them")
      ->capture_default_str();
  app.add_option("--name", name, "question name")->capture_default_str();
  app.add_option("--type", type, "A, AAAA, TXT, MX or ANY")->capture_default_str();
  app.add_flag("--no-edns", no_edns, "no OPT record");
  CLI11_PARSE(app, argc, argv);
  const std::uint16_t qtype = type == "AAAA"  ? 28
                              : type == "TXT" ? 16
                              : type == "MX"  ? 15
                              : type == "ANY" ? 255
                                              : 1;

  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const int buffer = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  sockaddr_in local{}, server{};
  local.sin_family = server.sin_family = AF_INET;
  server.sin_port = htons(port);
  if (inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
      inet_pton(AF_INET, "127.0.0.1", &server.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    std::perror("socket");
    return 1;
  }

  constexpr unsigned kBatch = 64;
  const std::vector<std::uint8_t> query = makeQuery(name, qtype, !no_edns);
  std::vector<std::vector<std::uint8_t>> out(kBatch, query),
      in(kBatch, std::vector<std::uint8_t>(4096));
  std::vector<iovec> out_iov(kBatch), in_iov(kBatch);
  std::vector<mmsghdr> out_msg(kBatch), in_msg(kBatch);
  for (unsigned i = 0; i < kBatch; ++i) {
    out_iov[i] = {out[i].data(), out[i].size()};
    in_iov[i] = {in[i].data(), in[i].size()};
    out_msg[i].msg_hdr.msg_iov = &out_iov[i];
    out_msg[i].msg_hdr.msg_iovlen = 1;
    in_msg[i].msg_hdr.msg_iov = &in_iov[i];
    in_msg[i].msg_hdr.msg_iovlen = 1;
  }
  std::uint64_t sent = 0, received = 0, received_bytes = 0, answered = 0, truncated = 0;
  std::uint16_t id = 0;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  auto receive = [&] {
    for (;;) {
      for (unsigned i = 0; i < kBatch; ++i) in_msg[i].msg_hdr.msg_iov = &in_iov[i];
      const int n = recvmmsg(fd, in_msg.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return;
      for (int i = 0; i < n; ++i) {
        const std::uint8_t* m = in[static_cast<std::size_t>(i)].data();
        const unsigned size = in_msg[static_cast<std::size_t>(i)].msg_len;
        ++received;
        received_bytes += size;
        if (size < 12) continue;
        const bool tc = (m[2] & 0x02) != 0;
        truncated += tc;
        answered += !tc;
      }
    }
  };
  for (auto now = Clock::now(); now < stop; now = Clock::now()) {
    unsigned batch = kBatch;
    if (rate > 0) {
      // Paced: what is due by now, at most a batch at a time.
      const double due = std::chrono::duration<double>(now - start).count() * rate;
      if (static_cast<double>(sent) >= due) {
        receive();
        pollfd p{fd, POLLIN, 0};
        poll(&p, 1, 1);
        continue;
      }
      batch = static_cast<unsigned>(std::min<double>(kBatch, due - static_cast<double>(sent) + 1));
    }
    for (unsigned i = 0; i < batch; ++i) {
      ++id;
      out[i][0] = static_cast<std::uint8_t>(id >> 8);
      out[i][1] = static_cast<std::uint8_t>(id);
    }
    const int n = sendmmsg(fd, out_msg.data(), batch, MSG_DONTWAIT);
    if (n > 0) sent += static_cast<std::uint64_t>(n);
    receive();
  }
  // Responses still on their way.
  const auto drain_until = Clock::now() + std::chrono::milliseconds(300);
  while (Clock::now() < drain_until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10) > 0) receive();
  }
  close(fd);
  std::printf(
      "sent=%llu sent_B=%llu received=%llu received_B=%llu answered=%llu truncated=%llu "
      "qps=%.0f\n",
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(sent * query.size()),
      static_cast<unsigned long long>(received), static_cast<unsigned long long>(received_bytes),
      static_cast<unsigned long long>(answered), static_cast<unsigned long long>(truncated),
      static_cast<double>(sent) / seconds);
  return 0;
}
