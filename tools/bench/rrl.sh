#!/usr/bin/env bash
# The cost of response rate limiting when nobody is over the limit: one dnsd answering blast with
# [rate_limit] on (a limit far above the load, so every response goes through the bucket check
# and is sent) against the same dnsd with it off, in one run, on 127.0.0.1 only. Rounds alternate
# the two so that the machine's drift falls on both alike.
#
#   tools/bench/rrl.sh [-r ROUNDS] [-l SECONDS] [-q SETS] [-w WINDOW] [-f SECONDS] [-F RATE] [-Q]
#
#   -r ROUNDS   rounds; each runs off and on once per set (default 3)
#   -l SECONDS  load per cell (default 3)
#   -q SETS     www (an answer: name+type bucket), nx (NXDOMAIN: the zone's bucket),
#               geo-many (a policy answer, ECS from 65,536 /24s) (default www,nx)
#   -w WINDOW   queries blast keeps outstanding (default 64, as peers.sh)
#   -f SECONDS  length of the flood cells below (default 5; 0: no flood cells)
#   -F RATE     the flood's queries a second (default 0: as fast as its socket takes them; above
#               what one worker answers, its receive queue overflows)
#   -Q          measure the per-source UDP queues instead of [rate_limit]: 'off' is
#               `udp_queues = 1`, 'on' dnsd's default (4 queues a worker), both without
#               [rate_limit], in every cell below. The flood cells then show what the queues do
#               alone: with one queue, the legitimate client's queries are dropped with the flood's.
#
# dnsd runs one worker pinned to one CPU, blast (../shared/bench/blast.c) on the other. Per cell:
# answers per second, and answers per second of server CPU (utime + stime of the whole dnsd
# process). Printed: the medians and the ratio on/off of each (target >= 0.97), and what the
# limiter did in the 'on' cells (nines_dns_rate_limited_total: must be 0, or the limit was hit and
# the figure is not the one wanted).
#
# Then the flood cells, with [rate_limit] off and on (20 a second, 5 s window, slip 2: the demo's
# settings), alternating: a legitimate client on 127.0.1.1 (another /24) asks 15 queries a second
# (under the limit) alone, then while nines-bench-flood floods from 127.0.0.1 (on the other CPU).
# Printed: the legitimate client's answers with the flood over without it, and the flood's
# amplification: octets of responses it got per octet of queries it sent (what a reflection victim
# receives per octet the attacker spends).
set -Eeuo pipefail
trap 'echo "rrl.sh: failed at line $LINENO" >&2' ERR
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${NINES_SHARED_BENCH:-$root/../shared/bench}
rounds=3 seconds=3 sets=www,nx window=64 flood=5 flood_rate=0 feature=rrl
while getopts "r:l:q:w:f:F:Qh" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    l) seconds=$OPTARG ;;
    q) sets=$OPTARG ;;
    w) window=$OPTARG ;;
    f) flood=$OPTARG ;;
    F) flood_rate=$OPTARG ;;
    Q) feature=queues ;;
    *) sed -n '2,35p' "$0"; exit 2 ;;
  esac
done
[ -f "$shared/blast.c" ] || { echo "rrl.sh: no blast.c in $shared (set NINES_SHARED_BENCH)" >&2; exit 1; }
dnsd=${NINES_DNSD:-$root/build/bin/dnsd}
[ -x "$dnsd" ] || { echo "rrl.sh: no dnsd at $dnsd (build first, or set NINES_DNSD)" >&2; exit 1; }
flooder=$(dirname "$dnsd")/nines-bench-flood
[ "$flood" = 0 ] || [ -x "$flooder" ] || { echo "rrl.sh: no $flooder (build it)" >&2; exit 1; }
# shellcheck source=tools/bench/lib.sh
. "$root/tools/bench/lib.sh"

work=$(mktemp -d)
trap 'stop_started; rm -rf "$work"' EXIT
gcc -O2 -o "$work/blast" "$shared/blast.c"
mkdir -p "$work/zones"
cp "$shared/conf/nines.example.test.toml" "$work/zones/example.test.toml"
printf 'www.example.test A\n' > "$work/q-www"
printf 'nope.example.test A\n' > "$work/q-nx"
printf 'geo.example.test A\n' > "$work/q-geo-many"
ncpu=$(nproc)
server_cpu=0 client_cpu=$((ncpu > 1 ? 1 : 0))
port=$(free_port $((20000 + RANDOM % 20000)))
http=$(free_port $((port + 1)))

config() {  # config MODE [RATE]
  printf '[server]\nlisten = ["127.0.0.1:%s"]\nzones = "zones"\nthreads = 1\n' "$port"
  if [ "$feature" = queues ]; then
    [ "$1" = off ] && printf 'udp_queues = 1\n'
    printf '[http]\nlisten = "127.0.0.1:%s"\n' "$http"
    return 0
  fi
  printf '[http]\nlisten = "127.0.0.1:%s"\n' "$http"
  # By default 1,000,000 a second per /24 and class, with 5 s of credit: blast (one address)
  # never reaches it.
  [ "$1" = on ] && printf '[rate_limit]\nresponses_per_second = %s\nwindow = 5\nslip = 2\n' \
    "${2:-1000000}"
  return 0
}

start_dnsd() {  # start_dnsd CONFIG: sets dnsd_pid
  : > "$work/dnsd.log"
  taskset -c "$server_cpu" "$dnsd" --config "$1" > "$work/dnsd.log" 2>&1 &
  dnsd_pid=$!
  pids+=("$dnsd_pid")
  wait_ready "$work/dnsd.log" "rrl.sh: dnsd ($1)"
}

cell() {  # cell MODE SET ROUND
  local mode=$1 set=$2 round=$3 args=() pid
  config "$mode" > "$work/dnsd-$mode.toml"
  start_dnsd "$work/dnsd-$mode.toml"
  pid=$dnsd_pid
  [ "$set" = geo-many ] && args=(-e -S 65536)
  local c0 c1 t0 t1 out limited
  c0=$(cpu_ticks "$pid"); t0=$(now)
  out=$(taskset -c "$client_cpu" "$work/blast" -p "$port" -d "$work/q-$set" -l "$seconds" \
    -w "$window" "${args[@]}" || true)
  t1=$(now); c1=$(cpu_ticks "$pid")
  # Responses the limiter dropped, slipped or would have: all zero when nobody is over the limit.
  limited=$(curl -s "http://127.0.0.1:$http/metrics" |
    awk '/^nines_dns_rate_limited_total/ && !/action="exempt"/ { s += $NF } END { print s + 0 }')
  stop_pid "$pid"
  echo "$out" | blast_cell_row "$round" "$set" "$mode" "$((c1 - c0))" "$(calc %.6f "$t1 - $t0")" \
    "$limited" >> "$work/cells.tsv"
  tail -1 "$work/cells.tsv" >&2
}

echo "# round set mode qps server_cores qps/server_core limited" >&2
for round in $(seq 1 "$rounds"); do
  for set in ${sets//,/ }; do
    if [ $((round % 2)) = 1 ]; then order="off on"; else order="on off"; fi
    for mode in $order; do cell "$mode" "$set" "$round"; done
  done
done

echo
if [ "$feature" = queues ]; then
  what="udp_queues = 4 (on) vs 1 (off), no [rate_limit]"
  flood_what="udp_queues 1 (off) and 4 (on), no [rate_limit]"
else
  what="[rate_limit] on (nobody over the limit) vs off"
  flood_what="[rate_limit] off and on (20/s, window 5, slip 2)"
fi
echo "== $what, blast -w $window, ${seconds}s cells, median of $rounds rounds"
on_off_summary "$work/cells.tsv" limited
echo "(on/off: the median of each round's ratio; limited: responses the limiter acted on in all 'on' cells)"

[ "$flood" = 0 ] && exit 0
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
echo "# round mode legit_alone legit_flood flood_qps flood_answered flood_tc amplification" >&2
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="off on"; else order="on off"; fi
  for mode in $order; do
    config "$mode" 20 > "$work/dnsd-flood-$mode.toml"
    start_dnsd "$work/dnsd-flood-$mode.toml"
    legit=(taskset -c "$client_cpu" "$flooder" --port "$port" --source 127.0.1.1 --rate 15
      --seconds "$flood")
    alone=$("${legit[@]}")
    "${legit[@]}" > "$work/legit-flood.txt" &
    legit_pid=$!
    pids+=("$legit_pid")
    attack=$(taskset -c "$client_cpu" "$flooder" --port "$port" --source 127.0.0.1 \
      --seconds "$flood" --rate "$flood_rate")
    wait "$legit_pid" || true
    forget_pid "$legit_pid"
    stop_pid "$dnsd_pid"
    with=$(cat "$work/legit-flood.txt")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$(field answered "$alone")" \
      "$(field answered "$with")" "$(field qps "$attack")" "$(field answered "$attack")" \
      "$(field truncated "$attack")" \
      "$(calc %.3f "$(field received_B "$attack") / $(field sent_B "$attack")")" \
      >> "$work/flood.tsv"
    tail -1 "$work/flood.tsv" >&2
  done
done
echo
echo "== flood from 127.0.0.1 ($([ "$flood_rate" = 0 ] && echo unpaced || echo "$flood_rate/s")) with $flood_what, ${flood}s cells, median of $rounds rounds"
awk -F'\t' "$awk_median"'
  { legit[$2] = legit[$2] " " ($3 > 0 ? $4 / $3 : 0); qps[$2] = qps[$2] " " $5
    ans[$2] = ans[$2] " " $6; tc[$2] = tc[$2] " " $7; amp[$2] = amp[$2] " " $8 }
  END {
    printf "%-5s %22s %12s %16s %14s %14s\n", "mode", "legit answers flood/not", "flood qps",
      "flood answered", "flood TC", "amplification"
    for (m = 1; m <= 2; m++) { k = m == 1 ? "off" : "on"
      printf "%-5s %22.3f %12.0f %16.0f %14.0f %14.3f\n", k, med(legit[k]), med(qps[k]),
        med(ans[k]), med(tc[k]), med(amp[k]) }
  }' "$work/flood.tsv"
echo "(legit: answers a client on 127.0.1.1 got at 15 queries/s during the flood over alone;"
echo " amplification: response octets the flooder received per query octet it sent)"
