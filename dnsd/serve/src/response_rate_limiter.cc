#include "nines/dnsd/serve/response_rate_limiter.h"

#include <algorithm>

namespace nines::dnsd {

const char* responseClassName(ResponseClass response_class) noexcept {
  switch (response_class) {
    case ResponseClass::Answer:
      return "answer";
    case ResponseClass::NxDomain:
      return "nxdomain";
    case ResponseClass::NoData:
      return "nodata";
    case ResponseClass::Referral:
      return "referral";
    case ResponseClass::Error:
      return "error";
  }
  return "error";
}

const char* rateLimitActionName(RateLimitAction action) noexcept {
  switch (action) {
    case RateLimitAction::Drop:
      return "drop";
    case RateLimitAction::Slip:
      return "slip";
    case RateLimitAction::Exempt:
      return "exempt";
    case RateLimitAction::WouldDrop:
      return "would_drop";
    case RateLimitAction::WouldSlip:
      return "would_slip";
    case RateLimitAction::Send:
      return "send";
  }
  return "send";
}

std::size_t emptyTruncated(std::uint8_t* message, std::size_t size) noexcept {
  constexpr std::size_t kHeader = 12;
  if (size < kHeader) return size;
  message[2] |= 0x02;  // TC
  // ANCOUNT, NSCOUNT, ARCOUNT: nothing but the question (and no OPT: RFC 6891 §7 lets a
  // responder leave it out, and the resolver asks again over TCP anyway).
  std::fill(message + 6, message + kHeader, std::uint8_t{0});
  const bool one_question = message[4] == 0 && message[5] == 1;
  // The question as we wrote it: uncompressed labels, the root, then QTYPE and QCLASS.
  std::size_t end = kHeader;
  if (one_question) {
    while (end < size && message[end] != 0 && (message[end] & 0xC0) == 0) end += message[end] + 1u;
    end += 1 + 4;
  }
  if (!one_question || end > size) {
    message[4] = message[5] = 0;
    return kHeader;
  }
  return end;
}

void ResponseRateLimiter::beginBatch(const RateLimitSettings* settings, std::uint64_t now_ms) {
  if (settings == nullptr || !settings->enabled()) {
    settings_ = nullptr;
    return;
  }
  const std::size_t size = std::max(settings->table_size, kWays);
  if (size != capacity()) {
    // A new table: every network starts again with full credit, as after a restart.
    table_ = std::make_unique<Bucket[]>(size);
    set_mask_ = size / kWays - 1;
    capacity_.store(size, std::memory_order_relaxed);
    occupied_.store(0, std::memory_order_relaxed);
  }
  settings_ = settings;
  now_ = static_cast<std::uint32_t>(now_ms);
  capacity_credit_ = static_cast<std::int64_t>(settings->responses_per_second) *
                     std::max<std::uint32_t>(settings->window, 1) * kCost;
  // Sends are counted in whole responses: a burst of at least one is always allowed.
  capacity_credit_ = std::max(capacity_credit_, kCost);
  const unsigned v4 = std::min<unsigned>(settings->ipv4_prefix, 32);
  const unsigned v6 = std::min<unsigned>(settings->ipv6_prefix, 128);
  v4_mask_ = v4 == 0 ? 0 : ~std::uint32_t{0} << (32 - v4);
  v6_mask_high_ = v6 == 0 ? 0 : v6 >= 64 ? ~std::uint64_t{0} : ~std::uint64_t{0} << (64 - v6);
  v6_mask_low_ = v6 <= 64 ? 0 : v6 == 128 ? ~std::uint64_t{0} : ~std::uint64_t{0} << (128 - v6);
}

}  // namespace nines::dnsd
