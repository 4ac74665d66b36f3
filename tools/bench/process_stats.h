// What the in-process benchmarks (load_bench, geo_bench) read of themselves.
#pragma once

#include <time.h>

#include <fstream>
#include <string>

namespace nines::bench {

inline double residentMegabytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

// CPU seconds of this process: on a shared machine wall time says more about the neighbours.
inline double cpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace nines::bench
