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
