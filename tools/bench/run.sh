#!/usr/bin/env bash
# Benchmark: dnsd beside its peers and the kernel's UDP limit, in one run, on 127.0.0.1 only.
#
#   tools/bench/run.sh [-r RUNS] [-l SECONDS] [-s SERVERS] [-q SETS]
#
# Drives the shared peer harness (../shared/bench/peers.sh): each server pinned to one CPU with
# one worker thread, the load generator on the other CPU; dnsperf and blast (a recvmmsg/sendmmsg
# client that keeps the server the bottleneck, rows "SET/b"). Query sets: www (static, 2 A
# records), mix (60% www, 10% SOA, 10% NS, 20% NXDOMAIN), geo / geo-ecs (policy answers).
# Every load is bounded by -l seconds per cell. Afterwards prints, per query set and load
# generator, dnsd's answers per second of server CPU as a ratio to the bare UDP echo ("limit")
# and to the best peer, from this one run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
peers=${NINES_PEERS:-$root/../shared/bench/peers.sh}
runs=1 seconds=5
servers=nines,limit,nsd,knot,gdnsd,pdns-lua,pdns-geoip
sets=www,mix,geo,geo-ecs
while getopts "r:l:s:q:h" opt; do
  case $opt in
    r) runs=$OPTARG ;;
    l) seconds=$OPTARG ;;
    s) servers=$OPTARG ;;
    q) sets=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
[ -x "$peers" ] || [ -f "$peers" ] || { echo "bench: peer harness not found at $peers (set NINES_PEERS)" >&2; exit 1; }

"$root/tools/setup.sh"
"$root/tools/build.sh" >/dev/null
bash "$(dirname "$peers")/install-peers.sh" >/dev/null

out=$(mktemp)
trap 'rm -f "$out"' EXIT
NINES_DNSD="$root/build/bin/dnsd" bash "$peers" -r "$runs" -l "$seconds" -s "$servers" -q "$sets" | tee "$out"

echo
echo "== dnsd ratios (answers per second of server CPU, this run)"
awk '
  /^== median/ { table = 1; next }
  table && NF >= 11 && $1 != "server" { v[$1 SUBSEP $2] = $9; sets[$2] = 1; servers[$1] = 1 }
  END {
    printf "%-10s %12s %12s %12s %12s %12s\n", "set", "nines", "limit", "best peer", "vs limit", "vs best"
    for (s in sets) {
      n = v["nines" SUBSEP s]; if (n == "") continue
      best = 0; who = "-"
      for (p in servers) if (p != "nines" && p != "limit" && (p SUBSEP s) in v && v[p SUBSEP s] > best) { best = v[p SUBSEP s]; who = p }
      l = v["limit" SUBSEP s]
      printf "%-10s %12d %12s %12s %11s%% %11s%%\n", s, n, (l == "" ? "-" : l), (best ? best " (" who ")" : "-"),
        (l > 0 ? sprintf("%.1f", 100 * n / l) : "-"), (best > 0 ? sprintf("%.1f", 100 * n / best) : "-")
    }
    # Policy answers against static ones, and against gdnsd geoip, same load generator.
    for (t = 1; t <= 2; t++) {
      sfx = (t == 1) ? "" : "/b"
      st = v["nines" SUBSEP "www" sfx]
      for (g = 1; g <= 2; g++) {
        gs = ((g == 1) ? "geo" : "geo-ecs") sfx
        n = v["nines" SUBSEP gs]; gd = v["gdnsd" SUBSEP gs]
        if (n == "") continue
        printf "policy %-8s nines %d = %s%% of static www%s, %s of gdnsd\n", gs, n,
          (st > 0 ? sprintf("%.1f", 100 * n / st) : "-"), sfx,
          (gd > 0 ? sprintf("%.1f%%", 100 * n / gd) : "-")
      }
    }
  }' "$out" | sort
