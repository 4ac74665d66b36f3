#!/usr/bin/env bash
# The cost of the dnstap query log: one dnsd answering blast with [query_log] writing every
# response to a file, against the same dnsd with the log off, in one run, on 127.0.0.1 only.
# Rounds alternate the two so that the machine's drift falls on both alike.
#
#   tools/bench/dnstap.sh [-r ROUNDS] [-l SECONDS] [-q SETS] [-w WINDOW] [-s]
#
#   -r ROUNDS   rounds; each runs off and on once per set (default 3)
#   -l SECONDS  load per cell (default 3)
#   -q SETS     www (static answer), geo-ecs (policy answer, ECS), geo-many (ECS from 65,536
#               /24s: no cache helps) (default www,geo-ecs)
#   -w WINDOW   queries blast keeps outstanding (default 64, as peers.sh)
#   -s          move the log's writer thread to the other CPU (beside blast), as an unpinned dnsd
#               would run it: the worker's CPU then carries only the worker's side of the log
#
# dnsd runs one worker pinned to one CPU (its dnstap writer thread shares that CPU, so the
# writer's cost is in the figure, unless -s), blast (../shared/bench/blast.c) on the other. Server
# CPU is the whole dnsd process's, the writer's included, with or without -s. Per cell: answers
# per second, and answers per second of server CPU (utime + stime of the whole dnsd process).
# Printed: the medians and the ratio on/off of each (target >= 0.9), and the frames dnsd said it
# dropped (a log that keeps up drops none; one that drops is cheap for the wrong reason).
set -Eeuo pipefail
trap 'echo "dnstap.sh: failed at line $LINENO" >&2' ERR
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${NINES_SHARED_BENCH:-$root/../shared/bench}
rounds=3 seconds=3 sets=www,geo-ecs window=64 split=""
while getopts "r:l:q:w:sh" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    l) seconds=$OPTARG ;;
    q) sets=$OPTARG ;;
    w) window=$OPTARG ;;
    s) split=1 ;;
    *) sed -n '2,22p' "$0"; exit 2 ;;
  esac
done
[ -f "$shared/blast.c" ] || { echo "dnstap.sh: no blast.c in $shared (set NINES_SHARED_BENCH)" >&2; exit 1; }
dnsd=${NINES_DNSD:-$root/build/bin/dnsd}
# shellcheck source=tools/bench/lib.sh
. "$root/tools/bench/lib.sh"
[ -x "$dnsd" ] || { echo "dnstap.sh: no dnsd at $dnsd (build first, or set NINES_DNSD)" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
gcc -O2 -o "$work/blast" "$shared/blast.c"
mkdir -p "$work/zones"
cp "$shared/conf/nines.example.test.toml" "$work/zones/example.test.toml"
printf 'www.example.test A\n' > "$work/q-www"
printf 'geo.example.test A\n' > "$work/q-geo-ecs"
cp "$work/q-geo-ecs" "$work/q-geo-many"
ncpu=$(nproc)
server_cpu=0 client_cpu=$((ncpu > 1 ? 1 : 0))
port=$((20000 + RANDOM % 20000))

config() {  # config MODE
  printf '[server]\nlisten = ["127.0.0.1:%s"]\nzones = "zones"\nthreads = 1\n' "$port"
  [ "$1" = on ] && printf '[query_log]\npath = "queries.dnstap"\nsample = 1\n'
  return 0
}

cell() {  # cell MODE SET ROUND
  local mode=$1 set=$2 round=$3 args=()
  config "$mode" > "$work/dnsd-$mode.toml"
  # Emptied here, not by the redirection below: that runs in the background job, maybe after the
  # first look for "ready", which would then find the previous cell's.
  rm -f "$work/queries.dnstap"; : > "$work/dnsd.log"
  taskset -c "$server_cpu" "$dnsd" --config "$work/dnsd-$mode.toml" > "$work/dnsd.log" 2>&1 &
  pid=$!
  wait_ready "$work/dnsd.log" "dnstap.sh: dnsd ($mode, $set)"
  if [ -n "$split" ] && [ "$mode" = on ]; then
    # The fstrm I/O thread is the first dnsd creates (Server::open, before any worker): the
    # lowest thread id after the main thread's.
    taskset -p -c "$client_cpu" "$(ls "/proc/$pid/task" | sort -n | sed -n 2p)" > /dev/null
  fi
  case $set in
    geo-ecs) args=(-e) ;;
    geo-many) args=(-e -S 65536) ;;
  esac
  local c0 c1 t0 t1 out
  c0=$(cpu_ticks "$pid"); t0=$(now)
  out=$(taskset -c "$client_cpu" "$work/blast" -p "$port" -d "$work/q-$set" -l "$seconds" \
    -w "$window" "${args[@]}" || true)
  t1=$(now); c1=$(cpu_ticks "$pid")
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  # Drop the log before its pages go to disk, and let ext4 settle: a few hundred MB left to write
  # back stalls the next dnsd's start (journal commits wait on it) and competes with its worker.
  rm -f "$work/queries.dnstap"; sync -f "$work"
  local dropped
  dropped=$(sed -n 's/.*query log: .* queued for writing, \([0-9]*\) dropped.*/\1/p' "$work/dnsd.log")
  echo "$out" | blast_cell_row "$round" "$set" "$mode" "$((c1 - c0))" "$(calc %.6f "$t1 - $t0")" \
    "${dropped:-0}" >> "$work/cells.tsv"
  tail -1 "$work/cells.tsv" >&2
}

echo "# round set mode qps server_cores qps/server_core dropped" >&2
for round in $(seq 1 "$rounds"); do
  for set in ${sets//,/ }; do
    # Alternate which goes first, so neither always runs on a warmer machine.
    if [ $((round % 2)) = 1 ]; then order="off on"; else order="on off"; fi
    for mode in $order; do cell "$mode" "$set" "$round"; done
  done
done

echo
echo "== dnstap every response vs off, blast -w $window, ${seconds}s cells, median of $rounds rounds${split:+, writer on the other CPU}"
on_off_summary "$work/cells.tsv" dropped
echo "(on/off: the median of each round's ratio; dropped: frames dropped over all 'on' cells)"
