// Reading a Prometheus text exposition (format 0.0.4) in tests: samples by series, where a series
// is the sample's name with its labels exactly as written, e.g.
// `nines_dns_queries_total{zone="example.test.",qtype="A",rcode="NOERROR",transport="udp"}`.
#pragma once

#include <map>
#include <sstream>
#include <string>

namespace nines::testing {

using MetricSamples = std::map<std::string, double>;

// Every sample of `exposition`, by series; comments and blank lines skipped.
inline MetricSamples parseMetricSamples(const std::string& exposition) {
  MetricSamples samples;
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

// The value of `series` in `exposition`, or -1 when it is absent.
inline double metricSample(const std::string& exposition, const std::string& series) {
  const MetricSamples samples = parseMetricSamples(exposition);
  const auto found = samples.find(series);
  return found == samples.end() ? -1 : found->second;
}

}  // namespace nines::testing
