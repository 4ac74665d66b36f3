// libFuzzer target for the query path: arbitrary bytes through parse -> resolve -> write, over
// both transports, against the example zones. The same function runs the seed corpus as an
// ordinary test (fuzz_seeds_test.cc), so every seed is checked on every build.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/wire/message.h"
#include "nines/zones/loader.h"

namespace {

const nines::dnsd::ServingState& state() {
  static std::shared_ptr<const nines::dnsd::ServingState> serving = [] {
    auto loaded = nines::zones::loadZones(NINES_FUZZ_ZONES);
    if (loaded.zones.empty()) std::abort();  // the example zones must load
    auto next = std::make_shared<nines::dnsd::ServingState>();
    next->zones = nines::dnsd::ZoneTable::build(std::move(loaded.zones));
    std::string error;
    next->locator = nines::policy::ClientLocator::create({}, "", &error);
    return next;
  }();
  return *serving;
}

void check(bool invariant) {
  if (!invariant) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nines::dnsd;
  static QueryContext context;
  static std::vector<std::uint8_t> out(kMaxTcpMessage);
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    static const auto source = *nines::zones::IpAddress::parse("198.51.100.7");
    QueryResult result =
        processQuery(state(), data, size, source, transport, kMaxUdpPayload, context, out.data());
    if (result.size == 0) {
      // Only what is not a query at all goes unanswered.
      check(size < kHeaderSize || (data[2] & 0x80) != 0);
      continue;
    }
    std::size_t limit = transport == Transport::Tcp ? kMaxTcpMessage : kMaxUdpPayload;
    check(result.size >= kHeaderSize && result.size <= limit);
    check(out[0] == data[0] && out[1] == data[1]);  // the ID
    check((out[2] & 0x80) != 0);                    // QR
    check((out[3] & 0x80) == 0);                    // never RA
  }
  return 0;
}
