#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole suite via CTest;
# then builds the unit tests and the fuzz seeds with clang, AddressSanitizer and UBSan
# (build-asan/) and runs them there, where any sanitizer report fails its test.
# NINES_SKIP_SANITIZERS=1 leaves the second part out.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
# ccache, when installed, makes a rebuild of an unchanged file free in both builds.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
tools/build.sh "${launcher[@]}"
ctest --test-dir build --output-on-failure --parallel "$(nproc)" --timeout 300

if [ "${NINES_SKIP_SANITIZERS:-0}" = 1 ]; then
  exit 0
fi
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNINES_SANITIZE=ON "${launcher[@]}" >/dev/null
cmake --build build-asan --parallel "$(nproc)" --target quick_tests
# Any report ends the test with an error (UBSan's too: the build has -fno-sanitize-recover=all).
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
ctest --test-dir build-asan -L 'unit|fuzz-seeds' --output-on-failure --parallel "$(nproc)" \
  --timeout 600
