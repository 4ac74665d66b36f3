#!/usr/bin/env bash
# Configures and builds Nines (Release) into build/. Extra arguments go to the CMake configure.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
