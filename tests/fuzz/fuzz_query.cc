// libFuzzer target for the query path: arbitrary bytes through parse -> look up -> write, over
// both transports, against the example zones. fuzz_seeds_test.cc runs the seed corpus through the
// same checks on every build, and names the seed and the broken invariant when one fails.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_targets.h"
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

}  // namespace

std::vector<std::string> queryInvariantsBroken(const std::uint8_t* data, std::size_t size) {
  using namespace nines::dnsd;
  static QueryContext context;
  static std::vector<std::uint8_t> out(kMaxTcpMessage);
  static const auto source = *nines::zones::IpAddress::parse("198.51.100.7");
  std::vector<std::string> broken;
  auto check = [&](bool holds, Transport transport, const char* invariant) {
    if (!holds)
      broken.push_back(std::string(transport == Transport::Udp ? "udp: " : "tcp: ") + invariant);
  };
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    QueryResult result =
        processQuery(state(), data, size, source, transport, kMaxUdpPayload, context, out.data());
    if (result.size == 0) {
      check(size < kHeaderSize || (data[2] & 0x80) != 0, transport,
            "only what is not a query at all goes unanswered");
      continue;
    }
    const std::size_t limit = transport == Transport::Tcp ? kMaxTcpMessage : kMaxUdpPayload;
    check(result.size >= kHeaderSize && result.size <= limit, transport,
          "a response is a header at least and within the transport's limit");
    check(out[0] == data[0] && out[1] == data[1], transport, "the response carries the query's ID");
    check((out[2] & 0x80) != 0, transport, "QR is set");
    check((out[3] & 0x80) == 0, transport, "RA is never set");
  }
  return broken;
}

#ifdef NINES_FUZZ_QUERY_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!queryInvariantsBroken(data, size).empty()) __builtin_trap();
  return 0;
}
#endif
