#!/usr/bin/env bash
# Checks deploy/systemd's units with `systemd-analyze verify` (every key known, every value valid,
# the binaries present: ExecStart points at this build's) and prints their exposure score
# (`systemd-analyze security`). Any word from verify is a failure: it warns about unknown keys
# without failing. Exit 77 (skipped) when systemd-analyze is not installed.
#   tools/ops/verify-units.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
if ! command -v systemd-analyze >/dev/null; then
  echo "verify-units: SKIPPED: systemd-analyze is not installed (Debian package systemd)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "$root"/deploy/systemd/*.service; do
  name=$(basename "$unit")
  sed -e "s|/usr/local/bin/dnsd|$build/bin/dnsd|" -e "s|/usr/local/bin/prober|$build/bin/prober|" \
    "$unit" >"$work/$name"
done
status=0
for unit in "$work"/*.service; do
  out=$(systemd-analyze verify "$unit" 2>&1) || status=1
  if [[ -n "$out" ]]; then
    echo "verify-units: $(basename "$unit"):"
    echo "$out"
    status=1
  fi
  score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | grep 'Overall exposure' || true)
  echo "verify-units: $(basename "$unit"): verified; ${score#→ }"
done
exit $status
