#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole suite via CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)" --timeout 300
