# Shell helpers the benchmark scripts share; sourced, never run. Every process a script starts is
# added to `pids`, and only those are ever signalled.
pids=()
forget_pid() {
  local p rest=()
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || rest+=("$p"); done
  pids=("${rest[@]}")
}
stop_pid() {  # TERM one process we started, KILL it after 5 s, reap it
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}
stop_started() {  # every process still in `pids`
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
}

hz=$(getconf CLK_TCK)
now() { date +%s.%N; }
cpu_ticks() {  # utime+stime of a process (every thread, live or gone) in clock ticks
  local s
  { read -r s < "/proc/$1/stat"; } 2>/dev/null || { echo 0; return; }
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo $((${12} + ${13}))
}
port_busy() { ss -Htuan "sport = :$1" 2>/dev/null | grep -q .; }
free_port() {  # free_port BASE: the first port from BASE that nothing uses (TCP or UDP)
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); [ "$p" -lt $(($1 + 200)) ] || return 1; done
  echo "$p"
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
loopback_port() {  # a port the kernel picked, free for both UDP and TCP on 127.0.0.1
  python3 -c 'import socket
for _ in range(100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
    t = socket.socket()
    try: t.bind(("127.0.0.1", s.getsockname()[1]))
    except OSError: continue
    print(s.getsockname()[1]); break'
}
stop_server() {  # stop_pid the script's one server, $SRV_PID, if it runs
  [ -n "${SRV_PID:-}" ] || return 0
  stop_pid "$SRV_PID"
  SRV_PID=""
}
# wait_answer PORT NAME TYPE SERIAL SECONDS START [COMMAND...]: waits until NAME TYPE has an
# answer from $SRV_PID (with SERIAL: an SOA with that serial), asking every 5 ms with a 20 ms
# timeout; prints the milliseconds since START (a `now` time; "-": since just before it ran
# COMMAND, which "hup" makes a SIGHUP to the server). Fails at the deadline or when the server
# exits (wait_answer.py).
wait_answer() { python3 "$(dirname "${BASH_SOURCE[0]}")/wait_answer.py" "$SRV_PID" "$@"; }
mb() { awk -v k="$2" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }  # mb PID FIELD: of /proc/PID/status
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }'; }
wait_ready() {  # wait_ready LOG WHO: until a dnsd's LOG says "ready"; after 30 s, WHO and the log, exit 1
  for _ in $(seq 300); do grep -q "ready" "$1" && return 0; sleep 0.1; done
  echo "$2 not ready after 30 s; its log:" >&2
  cat "$1" >&2
  exit 1
}

# An awk function for a script's awk programs: med("3 1 2") is the median of the numbers in a
# space-separated list.
# shellcheck disable=SC2034  # used by the scripts that source this file
awk_median='function med(s,   n, v, i, j, t) {
  n = split(s, v, " ")
  for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > t + 0; j--) v[j+1] = v[j]; v[j+1] = t }
  return (n % 2) ? v[(n + 1) / 2] : (v[n/2] + v[n/2 + 1]) / 2
}'

# The on/off benchmarks (dnstap.sh, rrl.sh): one dnsd answering blast per cell, each cell a row of
# a cells.tsv: round, set, mode (on/off), answers/s, server cores busy, answers per server core,
# and one count of the script's own (frames dropped, responses limited...).
#
# blast_cell_row ROUND SET MODE TICKS SECONDS COUNT: that row, from blast's output on stdin, the
# dnsd's CPU ticks over the cell and the cell's wall seconds.
blast_cell_row() {
  awk -v round="$1" -v set="$2" -v mode="$3" -v c="$4" -v el="$5" -v hz="$hz" -v count="$6" '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { cpu = c / hz / el; printf "%s\t%s\t%s\t%.0f\t%.3f\t%.0f\t%s\n", round, set, mode,
            v["qps"], cpu, (cpu > 0 ? v["qps"] / cpu : 0), count }'
}
# on_off_summary CELLS COUNT_NAME: per set, the medians of the off and on cells and of each round's
# ratio on/off, in answers per second and per server core, and the count summed over the on cells.
on_off_summary() {
  awk -F'\t' -v count_name="$2" "$awk_median"'
    { k = $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      qps[$3 SUBSEP k] = qps[$3 SUBSEP k] " " $4; per[$3 SUBSEP k] = per[$3 SUBSEP k] " " $6
      if ($3 == "on") counts[k] += $7
      if ($3 == "on") on_q[k SUBSEP $1] = $4; else off_q[k SUBSEP $1] = $4
      if ($3 == "on") on_p[k SUBSEP $1] = $6; else off_p[k SUBSEP $1] = $6 }
    END {
      printf "%-10s %10s %10s %8s %12s %12s %8s %9s\n", "set", "off qps", "on qps", "on/off",
        "off qps/core", "on qps/core", "on/off", count_name
      for (i = 1; i <= n; i++) { k = order[i]; rq = ""; rp = ""
        for (key in on_q) { split(key, p, SUBSEP); if (p[1] != k) continue
          rq = rq " " on_q[key] / off_q[key]; rp = rp " " on_p[key] / off_p[key] }
        printf "%-10s %10.0f %10.0f %8.3f %12.0f %12.0f %8.3f %9d\n", k,
          med(qps["off" SUBSEP k]), med(qps["on" SUBSEP k]), med(rq),
          med(per["off" SUBSEP k]), med(per["on" SUBSEP k]), med(rp), counts[k] }
    }' "$1"
}
