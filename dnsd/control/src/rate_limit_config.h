// [rate_limit] of dnsd.toml (serve/rate_limit_settings.h): response rate limiting of UDP
// responses. Reloadable: a reload puts new values in force at the next batch of every worker.
//
//   [rate_limit]
//   responses_per_second = 20     # per client network and response class; 0: off
//   window = 5                    # seconds of credit (a quiet network may burst rate x window)
//   slip = 2                      # every slip-th limited response goes out empty with TC=1
//   ipv4_prefix = 24              # client networks: /24 and /56
//   ipv6_prefix = 56
//   exempt = ["192.0.2.53/32"]    # never limited
//   log_only = false              # count what would be limited, limit nothing
//   table_size = 65536            # buckets per UDP worker, a power of two
#pragma once

#include <toml++/toml.h>

#include <string>

#include "nines/base/diagnostic.h"
#include "nines/dnsd/serve/rate_limit_settings.h"

namespace nines::dnsd {

// Reads `node` (the [rate_limit] table) into `settings`, with every problem in `errors`.
void loadRateLimit(const toml::node& node, const std::string& file, RateLimitSettings& settings,
                   base::Diagnostics& errors);

// One line saying what rate limiting does, for the log at start and when a reload changes it.
std::string describeRateLimit(const RateLimitSettings& settings);

}  // namespace nines::dnsd
