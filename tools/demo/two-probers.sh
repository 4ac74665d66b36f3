#!/usr/bin/env bash
# dnsd with two remote probers on one machine: three demo backends on 127.0.0.21/.22/.23:8081,
# dnsd on 127.0.0.1:5300 (tools/demo/two-probers/dnsd.toml: [[health.probers]] a and b, no checks
# of its own) and the two `prober` processes reporting to it every second. Until Ctrl-C; everything
# it started is stopped on the way out. Not at the same time as tools/demo.sh (same ports).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/setup.sh
tools/build.sh
dir=tools/demo/two-probers

# shellcheck source=demo/backends.sh
. tools/demo/backends.sh
build/bin/dnsd --config "$dir/dnsd.toml" &
dnsd_pid=$!
pids+=("$dnsd_pid")
# Prober "a" fetches its checks from dnsd: give dnsd a moment (it retries every second anyway).
for _ in $(seq 50); do
  curl -sf -o /dev/null http://127.0.0.1:8053/v1/checks 2>/dev/null && break
  sleep 0.1
done
build/bin/prober --config "$dir/prober-a.toml" &
pids+=("$!")
build/bin/prober --config "$dir/prober-b.toml" &
pids+=("$!")

cat <<'TRY'

dnsd (127.0.0.1:5300) takes health reports from probers "a" (us-east) and "b" (eu-west). Try:

  curl -s http://127.0.0.1:8053/v1/status    # per endpoint: votes of a and b, with their ages
  dig @127.0.0.1 -p 5300 www.live.example.test A +short +subnet=198.51.100.0/24  # 127.0.0.22
  pkill -f "nines-demo-backend 127.0.0.22"   # both probers see it fail: EU clients get 127.0.0.21
  pkill -f "prober-b.toml"                   # b goes silent: after report_ttl (5 s) only a counts
  curl -s http://127.0.0.1:9154/metrics      # prober a's checks, probe durations, reports sent
  curl -s http://127.0.0.1:9155/metrics      # prober b's
  http://127.0.0.1:8053/  http://127.0.0.1:8053/metrics   # dnsd's status page and metrics

Stop it with Ctrl-C.
TRY
wait "$dnsd_pid"
