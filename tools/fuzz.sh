#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UBSan (build-fuzz/) and fuzzes one
# for a bounded time, starting from its seed corpus:
#   tools/fuzz.sh [SECONDS] [TARGET]     (default 60 s, target query)
#   query   arbitrary bytes through dnsd's parse -> look up -> write, both transports
#   report  arbitrary bytes as a signed POST /v1/reports body: decoder, ingestion, vote table
# New interesting inputs land in build-fuzz/corpus/TARGET; copy the ones worth keeping into
# tests/fuzz/corpus/TARGET so they run as an ordinary test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
target=${2:-query}
case $target in
  query) max_len=4096 ;;
  report) max_len=65536 ;;
  *) echo "fuzz: unknown target $target (query, report)" >&2; exit 2 ;;
esac
tools/setup.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNINES_FUZZ=ON -DNINES_SANITIZE=ON -DNINES_WERROR=OFF >/dev/null
cmake --build build-fuzz --target "fuzz_$target" --parallel "$(nproc)"
mkdir -p "build-fuzz/corpus/$target"
cp -n "tests/fuzz/corpus/$target"/* "build-fuzz/corpus/$target/" 2>/dev/null || true
"build-fuzz/bin/fuzz_$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=5 \
  "build-fuzz/corpus/$target"
