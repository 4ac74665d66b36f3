#!/usr/bin/env bash
# Benchmark: dnsd's query rate while it reloads every second, against the same dnsd not reloading,
# in one bounded run on 127.0.0.1 only.
#
#   tools/bench/reload.sh [-l SECONDS] [-c CYCLES] [-w WINDOW] [-k]
#
#   -l SECONDS  length of each phase (default 5)
#   -c CYCLES   reload phases, each between two quiet ones (default 4)
#   -w WINDOW   queries blast keeps outstanding (default 64: below what the socket buffers hold,
#               so a lost query is one dnsd lost, not one the kernel dropped)
#   -k          keep the temp dir (config, zones, log)
#   env: NINES_BIN (default build/bin), NINES_BLAST (default ../shared/bench/blast.c),
#        CLIENT_CPU (0), SERVER_CPU (1)
#
# dnsd (threads = 1, pinned to SERVER_CPU) serves the example zones; blast (pinned to CLIENT_CPU)
# asks www.example.test A for SECONDS in each phase: quiet, reloading, quiet, reloading, ... quiet.
# In a reloading phase dnsd is reloaded once a second, alternately by SIGHUP and POST /v1/reload,
# with www.example.test's address flipping between two values, so every reload builds and
# publishes a new zone table. Prints each phase's qps and lost queries, each reloading phase's
# qps against the mean of the two quiet phases around it (neighbours, because this shared machine
# drifts more than the effect), the median ratio, and the lost queries of all reloading phases.
# Target: median ratio >= 0.95 and 0 lost.
# Every load is bounded in time; every process started here is stopped on exit, by its pid.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${NINES_BIN:-$root/build/bin}
blast_src=${NINES_BLAST:-$root/../shared/bench/blast.c}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
length=5 cycles=4 window=64 keep=0
while getopts "l:c:w:k" opt; do
  case $opt in
    l) length=$OPTARG ;;
    c) cycles=$OPTARG ;;
    w) window=$OPTARG ;;
    k) keep=1 ;;
    *) sed -n '2,25p' "$0"; exit 2 ;;
  esac
done

work=$(mktemp -d /tmp/nines-reload-bench.XXXXXX)
dnsd_pid=""
reloader_pid=""
cleanup() {
  [[ -n $reloader_pid ]] && kill "$reloader_pid" 2>/dev/null || true
  [[ -n $dnsd_pid ]] && kill "$dnsd_pid" 2>/dev/null && wait "$dnsd_pid" 2>/dev/null || true
  if [[ $keep == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

gcc -O2 -o "$work/blast" "$blast_src"
mkdir -p "$work/zones"
cp "$root/zones/examples/example.test.toml" "$work/zones/"
cp "$root/zones/examples/gslb.example.test.toml" "$work/zones/"
zone=$work/zones/example.test.toml
grep -q '^www' "$zone" || { echo "no www in $zone" >&2; exit 1; }
cp "$zone" "$work/zone.a"
# The second version: www's first address changed (a different table, same size).
sed -E '/^www/ s/192\.0\.2\.[0-9]+/192.0.2.222/' "$zone" > "$work/zone.b"
cmp -s "$work/zone.a" "$work/zone.b" && { echo "could not make a second version" >&2; exit 1; }
token=bench-token
cat > "$work/dnsd.toml" <<EOF
[server]
listen = ["127.0.0.1:0"]
zones = "zones"
threads = 1
[http]
listen = "127.0.0.1:0"
token = "$token"
EOF
echo "www.example.test A" > "$work/queries"

taskset -c "$SERVER_CPU" "$bin/dnsd" --config "$work/dnsd.toml" > "$work/dnsd.log" 2>&1 &
dnsd_pid=$!
for _ in $(seq 100); do
  grep -q "ready" "$work/dnsd.log" && break
  sleep 0.1
done
port=$(sed -nE 's/.* listening on 127\.0\.0\.1:([0-9]+) \(udp, tcp\).*/\1/p' "$work/dnsd.log" | head -1)
http=$(sed -nE 's/.*http listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$work/dnsd.log" | head -1)
[[ -n $port && -n $http ]] || { cat "$work/dnsd.log"; exit 1; }

# Reloads once a second until killed (at most `length` + 2 of them).
reloader() {
  local i=0
  while (( i < length + 2 )); do
    if (( i % 2 == 0 )); then cp "$work/zone.b" "$zone"; kill -HUP "$dnsd_pid"
    else
      cp "$work/zone.a" "$zone"
      curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" -H "Content-Length: 0" \
        "http://127.0.0.1:$http/v1/reload" || echo "reload $i failed" >&2
    fi
    i=$((i + 1))
    sleep 1
  done
}

phase() {  # $1: quiet|reload; prints "qps lost"
  if [[ $1 == reload ]]; then reloader & reloader_pid=$!; fi
  local out
  out=$(taskset -c "$CLIENT_CPU" "$work/blast" -p "$port" -d "$work/queries" -l "$length" -w "$window")
  if [[ $1 == reload ]]; then kill "$reloader_pid" 2>/dev/null || true; wait "$reloader_pid" 2>/dev/null || true; reloader_pid=""; fi
  local qps lost other
  qps=$(sed -nE 's/.*qps=([0-9]+).*/\1/p' <<<"$out")
  lost=$(sed -nE 's/.*lost=([0-9]+).*/\1/p' <<<"$out")
  other=$(sed -nE 's/.*OTHER:([0-9]+).*/\1/p' <<<"$out")
  echo "$qps $lost $other"
}

reloads_before=$(grep -c "reloaded" "$work/dnsd.log" || true)
quiet=() loud=() ratios=() lost_reload=0 lost_quiet=0 servfail=0
read -r q l o < <(phase quiet); quiet+=("$q"); lost_quiet=$((lost_quiet + l))
printf "%-8s qps=%-8s lost=%s\n" quiet "$q" "$l"
for c in $(seq "$cycles"); do
  read -r q l o < <(phase reload); loud+=("$q"); lost_reload=$((lost_reload + l)); servfail=$((servfail + o))
  printf "%-8s qps=%-8s lost=%s other_rcodes=%s\n" reload "$q" "$l" "$o"
  read -r q l o < <(phase quiet); quiet+=("$q"); lost_quiet=$((lost_quiet + l))
  printf "%-8s qps=%-8s lost=%s\n" quiet "$q" "$l"
  ratio=$(awk -v r="${loud[$((c - 1))]}" -v a="${quiet[$((c - 1))]}" -v b="${quiet[$c]}" \
    'BEGIN { printf "%.3f", r / ((a + b) / 2) }')
  ratios+=("$ratio")
  echo "  cycle $c: reloading / quiet neighbours = $ratio"
done
reloads=$(( $(grep -c "reloaded" "$work/dnsd.log" || true) - reloads_before ))
failed=$(grep -c "reload failed" "$work/dnsd.log" || true)
median=$(printf "%s\n" "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
echo "reloads applied: $reloads (failed: $failed)"
echo "median ratio (qps reloading every second / quiet): $median  (target >= 0.95)"
echo "lost queries: $lost_reload while reloading, $lost_quiet quiet  (target 0); non-NOERROR answers while reloading: $servfail"
awk -v m="$median" -v l="$lost_reload" -v s="$servfail" \
  'BEGIN { ok = m >= 0.95 && l == 0 && s == 0; print ok ? "PASS" : "FAIL"; exit !ok }'
