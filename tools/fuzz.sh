#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UBSan (build-fuzz/) and fuzzes one,
# or each in turn, for a bounded time, starting from its seed corpus:
#   tools/fuzz.sh [SECONDS] [TARGET|all]     (default 60 s, target query)
#   query          arbitrary bytes through dnsd's parse -> look up -> write, both transports
#   report         arbitrary bytes as a signed POST /v1/reports body: decoder, ingestion, vote table
#   zone           a zone file through the loader (records scanner, record parsers, validation)
#   dnsd_config    dnsd.toml through loadServerConfig
#   prober_config  prober.toml through loadProberConfig
#   http_api       one request through cpp-httplib and dnsd's API routes, in-process
# New interesting inputs land in build-fuzz/corpus/TARGET; copy the ones worth keeping into
# tests/fuzz/corpus/TARGET so they run as an ordinary test. A crash leaves crash-* (or leak-*,
# timeout-*) in the current directory: add it to the corpus as a regression seed once fixed.
# Runs at the lowest CPU priority; NINES_FUZZ_JOBS=N fuzzes with N processes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
target=${2:-query}
all=(query report zone dnsd_config prober_config http_api)
case $target in
  all) targets=("${all[@]}") ;;
  query | report | zone | dnsd_config | prober_config | http_api) targets=("$target") ;;
  *) echo "fuzz: unknown target $target (${all[*]} or all)" >&2; exit 2 ;;
esac
tools/setup.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNINES_FUZZ=ON -DNINES_SANITIZE=ON -DNINES_WERROR=OFF >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "${targets[@]}"; do
  case $t in
    query) max_len=4096 dict= ;;
    report) max_len=65536 dict= ;;
    zone) max_len=16384 dict=tests/fuzz/dict/zone.dict ;;
    dnsd_config | prober_config) max_len=8192 dict=tests/fuzz/dict/config.dict ;;
    http_api) max_len=8192 dict=tests/fuzz/dict/http_api.dict ;;
  esac
  mkdir -p "build-fuzz/corpus/$t"
  cp -n "tests/fuzz/corpus/$t"/* "build-fuzz/corpus/$t/" 2>/dev/null || true
  echo "fuzz: $t for $seconds s"
  nice -n 19 "build-fuzz/bin/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 ${dict:+-dict="$dict"} \
    ${NINES_FUZZ_JOBS:+-jobs="$NINES_FUZZ_JOBS" -workers="$NINES_FUZZ_JOBS"} "build-fuzz/corpus/$t"
done
