#include "nines/dnsd/net/source_queues.h"

#include <linux/filter.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace nines::dnsd {

namespace {

// A 32-bit integer hash (two multiply-xorshift rounds): the program below computes the same in
// classic BPF, whose ALU is 32 bits wide.
constexpr std::uint32_t kMix = 0x45d9f3b;

constexpr std::uint32_t mix(std::uint32_t a) noexcept {
  a ^= a >> 16;
  a *= kMix;
  a ^= a >> 16;
  a *= kMix;
  a ^= a >> 16;
  return a;
}

std::uint32_t addressKey(const in_addr& source) noexcept { return ntohl(source.s_addr); }

std::uint32_t addressKey(const in6_addr& source) noexcept {
  std::uint32_t high = 0, low = 0;
  std::memcpy(&high, source.s6_addr, 4);
  std::memcpy(&low, source.s6_addr + 4, 4);
  return ntohl(high) ^ ntohl(low);
}

unsigned socketFor(const SourceSteering& steering, std::uint32_t key, std::uint16_t port) {
  const std::uint32_t address = mix(key);
  const unsigned queue = address % steering.queues;
  const unsigned worker = mix(address ^ port) % steering.workers;
  return worker + steering.workers * queue;
}

// Where the program finds the source: classic BPF loads with SKF_NET_OFF + n read the IP header,
// since a reuseport program's packet data starts at the UDP payload.
constexpr std::uint32_t net(std::uint32_t offset) noexcept {
  return static_cast<std::uint32_t>(SKF_NET_OFF) + offset;
}

class Program {
 public:
  void add(std::uint16_t code, std::uint32_t k = 0) { code_.push_back({code, 0, 0, k}); }

  // A ^= A >> 16, through scratch slot 0.
  void xorShift() {
    add(BPF_ST, 0);
    add(BPF_ALU | BPF_RSH | BPF_K, 16);
    add(BPF_MISC | BPF_TAX);
    add(BPF_LD | BPF_MEM, 0);
    add(BPF_ALU | BPF_XOR | BPF_X);
  }
  void mix() {
    xorShift();
    add(BPF_ALU | BPF_MUL | BPF_K, kMix);
    xorShift();
    add(BPF_ALU | BPF_MUL | BPF_K, kMix);
    xorShift();
  }
  const std::vector<sock_filter>& code() const noexcept { return code_; }

 private:
  std::vector<sock_filter> code_;
};

std::vector<sock_filter> steeringProgram(const SourceSteering& steering, int family) {
  constexpr std::uint32_t kAddress = 1, kQueueBase = 2;  // scratch slots
  Program p;
  if (family == AF_INET) {
    p.add(BPF_LD | BPF_W | BPF_ABS, net(12));  // the IPv4 source
  } else {
    p.add(BPF_LD | BPF_W | BPF_ABS, net(8));  // the IPv6 source's first 64 bits, folded
    p.add(BPF_ST, kAddress);
    p.add(BPF_LD | BPF_W | BPF_ABS, net(12));
    p.add(BPF_MISC | BPF_TAX);
    p.add(BPF_LD | BPF_MEM, kAddress);
    p.add(BPF_ALU | BPF_XOR | BPF_X);
  }
  p.mix();
  p.add(BPF_ST, kAddress);
  p.add(BPF_ALU | BPF_MOD | BPF_K, steering.queues);
  p.add(BPF_ALU | BPF_MUL | BPF_K, steering.workers);
  p.add(BPF_ST, kQueueBase);
  if (steering.workers > 1) {
    if (family == AF_INET) {
      p.add(BPF_LDX | BPF_B | BPF_MSH, net(0));  // X = the IPv4 header's length
      p.add(BPF_LD | BPF_H | BPF_IND, net(0));   // the UDP source port
    } else {
      p.add(BPF_LD | BPF_H | BPF_ABS, net(40));  // the UDP source port after a bare IPv6 header
    }
    p.add(BPF_MISC | BPF_TAX);
    p.add(BPF_LD | BPF_MEM, kAddress);
    p.add(BPF_ALU | BPF_XOR | BPF_X);
    p.mix();
    p.add(BPF_ALU | BPF_MOD | BPF_K, steering.workers);
    p.add(BPF_MISC | BPF_TAX);
    p.add(BPF_LD | BPF_MEM, kQueueBase);
    p.add(BPF_ALU | BPF_ADD | BPF_X);
  } else {
    p.add(BPF_LD | BPF_MEM, kQueueBase);
  }
  p.add(BPF_RET | BPF_A);
  return p.code();
}

}  // namespace

unsigned SourceSteering::socketOf(const in_addr& source, std::uint16_t port) const noexcept {
  return socketFor(*this, addressKey(source), port);
}

unsigned SourceSteering::socketOf(const in6_addr& source, std::uint16_t port) const noexcept {
  return socketFor(*this, addressKey(source), port);
}

// Socket i is queue i / workers, whichever the port picks of the workers.
unsigned SourceSteering::queueOf(const in_addr& source) const noexcept {
  return socketOf(source, 0) / workers;
}

unsigned SourceSteering::queueOf(const in6_addr& source) const noexcept {
  return socketOf(source, 0) / workers;
}

bool SourceSteering::attach(int fd, int family, std::string* error) const {
  if (queues <= 1) return true;
  std::vector<sock_filter> code = steeringProgram(*this, family);
  sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program) != 0) {
    *error = std::string("cannot attach the per-source UDP queue program: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace nines::dnsd
