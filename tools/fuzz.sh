#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UBSan (build-fuzz/) and fuzzes the
# query parser and pipeline for a bounded time, starting from the seed corpus.
#   tools/fuzz.sh [SECONDS]     (default 60)
# New interesting inputs land in build-fuzz/corpus/query; copy the ones worth keeping into
# tests/fuzz/corpus/query so they run as an ordinary test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
tools/setup.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNINES_FUZZ=ON -DNINES_SANITIZE=ON -DNINES_WERROR=OFF >/dev/null
cmake --build build-fuzz --target fuzz_query --parallel "$(nproc)"
mkdir -p build-fuzz/corpus/query
cp -n tests/fuzz/corpus/query/* build-fuzz/corpus/query/ 2>/dev/null || true
build-fuzz/bin/fuzz_query -max_total_time="$seconds" -max_len=4096 -timeout=5 \
  build-fuzz/corpus/query
