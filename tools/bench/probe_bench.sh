#!/usr/bin/env bash
# Benchmark: health checking at scale, in one bounded run, on 127.0.0.0/8 only.
#
#   tools/bench/probe_bench.sh [-t TARGETS] [-n PROBERS] [-w SECONDS] [-l SECONDS] [-c CYCLES]
#                              [-s SECTIONS] [-k]
#
#   -t TARGETS   endpoints checked (default 5000): one service, one pool, 127.1.X.Y
#   -n PROBERS   stand-in probers reporting to dnsd in the ingest section (default 10)
#   -w SECONDS   prober section: measured window after a 4 s warm-up (default 15)
#   -l SECONDS   ingest section: length of each of its load phases (default 5)
#   -c CYCLES    ingest section: with-reports phases, each between two without (default 8)
#   -s SECTIONS  prober,ingest (default both)
#   -k           keep the temp dir (zone, configs, logs)
#   env: NINES_BIN (default build/bin), NINES_BLAST (default ../shared/bench/blast.c),
#        NINES_BUILD=0 to skip building, CLIENT_CPU (0), SERVER_CPU (1)
#
# 1. prober: build/bin/prober runs TARGETS http checks (interval 1.0 s, timeout 0.5 s), every one
#    connecting to one local responder (nines-bench-http, which also stands in for dnsd and takes
#    the prober's reports). Over the window: checks completed per second (the responder's count of
#    GET /health) and the prober's CPU (utime+stime from /proc/PID/stat). The prober is pinned to
#    CLIENT_CPU, the responder to SERVER_CPU. PASS: at least 99% of TARGETS checks/s (the nominal
#    rate) on less than one core.
# 2. ingest: build/bin/dnsd (threads = 1, pinned to SERVER_CPU, its HTTP API included) serves the
#    same zone with PROBERS [[health.probers]]; blast (pinned to CLIENT_CPU) asks a static name
#    for -l seconds without reports, then while nines-bench-reports (pinned to CLIENT_CPU, beside
#    blast, so that it takes nothing from the server's CPU) POSTs PROBERS x TARGETS results every
#    second, then without again, and so on (CYCLES times with). Prints dnsd's answers per second
#    of its CPU (qps/srv_core) per phase; each with-phase against the mean of the two without-
#    phases around it (this shared machine drifts by more than the effect over a minute, so
#    neighbours are compared, many times, and the median taken); and the share of dnsd's CPU its
#    UDP worker had, with and without. PASS: a median drop of less than 5%, with every report sent
#    accepted and every result applied.
# Every load is bounded in time; every process started here is stopped on exit, by its pid.
# About two minutes in all with the defaults. Needs gcc, taskset, curl, dig, jq and ss.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${NINES_BIN:-$root/build/bin}
blast_src=${NINES_BLAST:-$root/../shared/bench/blast.c}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
targets=5000 probers=10 window=15 phase=5 cycles=8 sections=prober,ingest keep=0
warmup=4 lead=4
while getopts "t:n:w:l:c:s:kh" opt; do
  case $opt in
    t) targets=$OPTARG ;;
    n) probers=$OPTARG ;;
    w) window=$OPTARG ;;
    l) phase=$OPTARG ;;
    c) cycles=$OPTARG ;;
    s) sections=$OPTARG ;;
    k) keep=1 ;;
    *) sed -n '2,31p' "$0"; exit 2 ;;
  esac
done
[[ $targets =~ ^[0-9]+$ && $targets -ge 1 && $targets -le 60000 ]] || { echo "-t: 1 to 60000" >&2; exit 2; }
[[ $probers =~ ^[0-9]+$ && $probers -ge 1 && $probers -le 100 ]] || { echo "-n: 1 to 100" >&2; exit 2; }
[[ $window =~ ^[0-9]+$ && $window -ge 1 && $window -le 60 ]] || { echo "-w: 1 to 60" >&2; exit 2; }
[[ $phase =~ ^[0-9]+$ && $phase -ge 1 && $phase -le 60 ]] || { echo "-l: 1 to 60" >&2; exit 2; }
[[ $cycles =~ ^[0-9]+$ && $cycles -ge 1 && $cycles -le 20 ]] || { echo "-c: 1 to 20" >&2; exit 2; }
[ -f "$blast_src" ] || { echo "bench: blast.c not found at $blast_src (set NINES_BLAST)" >&2; exit 1; }
if [ "$(nproc)" -lt 2 ]; then
  echo "WARN: fewer than 2 CPUs; everything shares CPU 0" >&2
  CLIENT_CPU=0 SERVER_CPU=0
fi
if [ "${NINES_BUILD:-1}" != 0 ]; then
  cmake --build "$root/build" --target prober dnsd nines-bench-http nines-bench-reports >/dev/null
fi
for b in prober dnsd nines-bench-http nines-bench-reports; do
  [ -x "$bin/$b" ] || { echo "bench: no $bin/$b (build it, or set NINES_BIN)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/nines-probe-bench.XXXXXX")
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
cleanup() {
  stop_started
  if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
get() { curl -s --noproxy '*' --max-time 5 "$1"; }

http_port=$(free_port 18180)
dns_port=$(free_port 5380)
api_port=$(free_port 18280)
[ "$api_port" != "$http_port" ] || api_port=$(free_port $((http_port + 1)))

# ------------------------------------------------------------------ the zone
mkdir -p "$work/zones"
awk -v n="$targets" -v port="$http_port" 'BEGIN {
  print "# probe_bench.sh: one service, one pool of " n " checked endpoints, every check sent to"
  print "# one local responder (target), and a static name for the query load."
  print "origin = \"probe.bench.test.\""
  print "ttl = 300"
  print "[soa]"
  print "mname = \"ns1.probe.bench.test.\""
  print "rname = \"hostmaster.probe.bench.test.\""
  print "serial = 1"
  print "refresh = 3600"
  print "retry = 900"
  print "expire = 604800"
  print "minimum = 300"
  print "[records]"
  print "\"@\" = [\"NS ns1.probe.bench.test.\"]"
  print "ns1 = [\"A 127.0.0.1\"]"
  print "www = [\"A 192.0.2.1\", \"A 192.0.2.2\"]"
  print "[checks.web]"
  print "type = \"http\""
  print "port = " port
  print "path = \"/health\""
  print "expect_status = [200]"
  print "expect_body = \"ok\""
  print "interval = 1.0"
  print "timeout = 0.5"
  print "rise = 2"
  print "fall = 2"
  print "target = \"127.0.0.1:" port "\""
  print "[regions.bench]"
  print "location = [0.0, 0.0]"
  print "[services.pool]"
  print "policy = \"weighted\""
  print "ttl = 30"
  print "check = \"web\""
  print "[services.pool.pools.bench]"
  printf "endpoints = ["
  for (i = 0; i < n; i++) printf "%s\"127.1.%d.%d\"", (i ? ", " : ""), int(i / 250), i % 250 + 1
  print "]"
}' > "$work/zones/probe.bench.test.toml"
printf 'www.probe.bench.test A\n' > "$work/q-www"

echo "# probe bench: $(date -u +%FT%TZ) host=$(uname -n) cpus=$(nproc) kernel=$(uname -r)"
echo "# targets=$targets probers=$probers window=${window}s phase=${phase}s cycles=$cycles client cpu $CLIENT_CPU, server cpu $SERVER_CPU"
echo "# loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"

status=0

# --------------------------------------------------------- 1. prober capacity
prober_section() {
  echo "== prober: $targets http checks every 1.0 s against 127.0.0.1:$http_port"
  taskset -c "$SERVER_CPU" "$bin/nines-bench-http" "127.0.0.1:$http_port" 2>"$work/http.log" &
  local http_pid=$!
  pids+=("$http_pid")
  for _ in $(seq 50); do get "http://127.0.0.1:$http_port/stats" >/dev/null && break; sleep 0.1; done
  cat > "$work/prober.toml" <<EOF
id = "bench-prober"
region = "bench"
key = "$(printf 'nines-bench-prober-key' | base64)"
dnsd = ["http://127.0.0.1:$http_port"]
zones = "$work/zones"
report_interval = 1.0
[health]
allow_nets = ["127.0.0.0/8"]
EOF
  taskset -c "$CLIENT_CPU" "$bin/prober" --config "$work/prober.toml" >"$work/prober.log" 2>&1 &
  local prober_pid=$!
  pids+=("$prober_pid")
  sleep "$warmup"
  kill -0 "$prober_pid" 2>/dev/null || { echo "  prober exited:"; tail -5 "$work/prober.log"; return 1; }
  local s0 s1 c0 c1 r0 r1 t0 t1
  s0=$(get "http://127.0.0.1:$http_port/stats")
  c0=$(cpu_ticks "$prober_pid"); r0=$(cpu_ticks "$http_pid"); t0=$(now)
  sleep "$window"
  s1=$(get "http://127.0.0.1:$http_port/stats")
  c1=$(cpu_ticks "$prober_pid"); r1=$(cpu_ticks "$http_pid"); t1=$(now)
  stop_pid "$prober_pid"
  local ups downs
  ups=$(grep -c -- '-> up' "$work/prober.log" || true)
  downs=$(grep -c -- '-> down' "$work/prober.log" || true)
  awk -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" -v r0="$r0" -v r1="$r1" -v t0="$t0" \
      -v t1="$t1" -v hz="$hz" -v n="$targets" -v ups="$ups" -v downs="$downs" '
    function field(s, k,   m) { return match(s, k "=[0-9]+") ? substr(s, RSTART + length(k) + 1, RLENGTH - length(k) - 1) : 0 }
    BEGIN {
      el = t1 - t0
      checks = field(s1, "health") - field(s0, "health")
      reports = field(s1, "reports") - field(s0, "reports")
      rate = checks / el; cores = (c1 - c0) / hz / el; resp = (r1 - r0) / hz / el
      printf "  window %.1f s: %d checks answered, %d reports received\n", el, checks, reports
      printf "  checks/s           %9.0f   (nominal %d: %.1f%%)\n", rate, n, 100 * rate / n
      printf "  prober CPU cores   %9.3f   (%.1f us per check)\n", cores, (checks ? 1e6 * cores * el / checks : 0)
      printf "  responder CPU      %9.3f\n", resp
      printf "  targets up %d, state changes to down %d (prober log)\n", ups, downs
      ok = rate >= 0.99 * n && cores < 1.0 && ups >= n && downs == 0
      printf "  %s: %d checks/s on < 1 core (measured %.0f checks/s on %.3f cores)\n", ok ? "PASS" : "FAIL", n, rate, cores
      exit ok ? 0 : 1
    }' || status=1
  stop_pid "$http_pid"
}

# ------------------------------------------------------------- 2. dnsd ingest
ingest_section() {
  echo "== ingest: dnsd (threads = 1, CPU $SERVER_CPU) with $probers probers x $targets results/s"
  gcc -O2 -o "$work/blast" "$blast_src"
  : > "$work/keys"
  {
    echo "[server]"
    echo "listen = [\"127.0.0.1:$dns_port\"]"
    echo "zones = \"$work/zones\""
    echo "threads = 1"
    echo "[http]"
    echo "listen = [\"127.0.0.1:$api_port\"]"
    echo "[health]"
    echo "allow_nets = [\"127.0.0.0/8\"]"
    for i in $(seq "$probers"); do
      local key
      key=$(printf 'nines-bench-prober-%03d-secret' "$i" | base64)
      echo "bench-$i $key" >> "$work/keys"
      echo "[[health.probers]]"
      echo "id = \"bench-$i\""
      echo "key = \"$key\""
    done
  } > "$work/dnsd.toml"
  taskset -c "$SERVER_CPU" "$bin/dnsd" --config "$work/dnsd.toml" >"$work/dnsd.log" 2>&1 &
  local dnsd_pid=$!
  pids+=("$dnsd_pid")
  local ready=0
  for _ in $(seq 100); do
    kill -0 "$dnsd_pid" 2>/dev/null || break
    if dig +short +time=1 +tries=1 -p "$dns_port" @127.0.0.1 www.probe.bench.test A 2>/dev/null |
        grep -q 192.0.2 && get "http://127.0.0.1:$api_port/v1/status" >/dev/null; then
      ready=1; break
    fi
    sleep 0.2
  done
  [ "$ready" = 1 ] || { echo "  dnsd not ready:"; tail -5 "$work/dnsd.log"; return 1; }
  taskset -a -p -c "$SERVER_CPU" "$dnsd_pid" >/dev/null  # every thread, whatever it set itself
  cores_of() {  # cores_of PID SECONDS: the process's CPU over the next SECONDS, in cores
    local c0 c1 t0 t1
    c0=$(cpu_ticks "$1"); t0=$(now); sleep "$2"; c1=$(cpu_ticks "$1"); t1=$(now)
    calc '%.3f' "($c1 - $c0) / $hz / ($t1 - $t0)"
  }
  local idle_cores ingest_cores
  idle_cores=$(cores_of "$dnsd_pid" 2)
  # 2 s unrecorded warm-up
  timeout 10 taskset -c "$CLIENT_CPU" "$work/blast" -p "$dns_port" -d "$work/q-www" -l 2 -w 64 >/dev/null
  : > "$work/phases"
  steal_ticks() { awk -v cpu="cpu$SERVER_CPU" '$1 == cpu { print $9 + 0 }' /proc/stat; }
  thread_ticks() {  # "TID utime+stime" for every thread of dnsd
    local t s
    for t in /proc/"$dnsd_pid"/task/*; do
      { read -r s < "$t/stat"; } 2>/dev/null || continue
      s=${s##*) }
      # shellcheck disable=SC2086
      set -- $s
      echo "${t##*/} $((${12} + ${13}))"
    done
  }
  worker_tid=""  # the UDP worker: the thread that works hardest in the first phase
  run_phase() {  # run_phase NAME: one bounded blast, dnsd's CPU over the same interval
    local name=$1 c0 c1 t0 t1 s0 s1 out
    thread_ticks > "$work/threads.before"
    c0=$(cpu_ticks "$dnsd_pid"); s0=$(steal_ticks); t0=$(now)
    out=$(timeout $((phase + 10)) taskset -c "$CLIENT_CPU" "$work/blast" -p "$dns_port" -d "$work/q-www" -l "$phase" -w 64)
    c1=$(cpu_ticks "$dnsd_pid"); s1=$(steal_ticks); t1=$(now)
    thread_ticks > "$work/threads.after"
    [ -n "$worker_tid" ] || worker_tid=$(awk 'NR == FNR { b[$1] = $2; next }
        { d = $2 - b[$1]; if (d > best) { best = d; tid = $1 } } END { print tid }' \
        "$work/threads.before" "$work/threads.after")
    local worker
    worker=$(awk -v tid="$worker_tid" 'NR == FNR { if ($1 == tid) b = $2; next }
        $1 == tid { print $2 - b }' "$work/threads.before" "$work/threads.after")
    awk -v name="$name" -v out="$out" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
        -v steal=$((s1 - s0)) -v worker="${worker:-0}" '
      BEGIN { n = split(out, kv, /[ =]/); for (i = 1; i < n; i += 2) v[kv[i]] = kv[i + 1]
              el = t1 - t0; cores = (c1 - c0) / hz / el; qps = v["qps"] + 0
              printf "%s %.0f %.3f %.0f %s %s %.1f %.3f\n", name, qps, cores, (cores > 0 ? qps / cores : 0),
                v["lat_us"], v["lost"], 100 * steal / hz / el, worker / hz / el }' \
      >> "$work/phases"
    tail -n 1 "$work/phases" | awk '{ printf "  %-12s qps=%-8s srv_cores=%-6s worker_cores=%-6s qps/srv_core=%-8s lat_us=%-5s lost=%-3s steal=%s%%\n", $1, $2, $3, $8, $4, $5, $6, $7 }'
  }
  # without, with, without, ... : the query load alternates so that drift in this shared machine
  # falls on both sides of the ratio.
  run_phase without-1
  local k gen_pid g0 g1 t0 t1 gen_ticks=0 gen_seconds=0
  for k in $(seq "$cycles"); do
    taskset -c "$CLIENT_CPU" "$bin/nines-bench-reports" --zones "$work/zones" \
      --dnsd "http://127.0.0.1:$api_port" --keys "$work/keys" --seconds $((lead + phase + 1)) \
      >"$work/reports.$k.out" 2>"$work/reports.$k.err" &
    gen_pid=$!
    pids+=("$gen_pid")
    # The lead: every prober sends its first report within the first second (at the first cycle
    # all targets go from unknown to up); over the rest, dnsd's CPU with reports and no queries is
    # the cost of taking them (and of the health publication that follows).
    sleep 1
    if [ "$k" = 1 ]; then ingest_cores=$(cores_of "$dnsd_pid" $((lead - 1))); else sleep 1; fi
    g0=$(cpu_ticks "$gen_pid"); t0=$(now)
    run_phase "with-$k"
    g1=$(cpu_ticks "$gen_pid"); t1=$(now)
    gen_ticks=$((gen_ticks + g1 - g0)); gen_seconds=$(calc '%.3f' "$gen_seconds + $t1 - $t0")
    wait "$gen_pid" || true  # bounded by its --seconds
    forget_pid "$gen_pid"
    sleep 1
    run_phase "without-$((k + 1))"
  done
  local accepted refused summary
  summary=$(cat "$work"/reports.*.out | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); k = kv[1]; if (!(k in v)) order[++n] = k; v[k] += kv[2]; last[k] = kv[2] } }
    END { for (i = 1; i <= n; i++) { k = order[i]
            x = (k == "targets" || k == "body_bytes") ? last[k] : (k ~ /_ms$/ ? sprintf("%.2f", v[k] / NR) : v[k])
            printf "%s%s=%s", (i > 1 ? " " : ""), k, x } print "" }')
  get "http://127.0.0.1:$api_port/v1/status" > "$work/status.json"
  accepted=$(jq '[.probers[]? | .reports.accepted // 0] | add // 0' "$work/status.json")
  refused=$(jq '[.probers[]? | .reports | to_entries[] | select(.key != "accepted") | .value] | add // 0' "$work/status.json")
  stop_pid "$dnsd_pid"
  echo "  reports ($cycles runs of the generator): $summary"
  echo "  dnsd CPU without queries: $idle_cores cores idle (no votes yet), $ingest_cores cores while taking the reports"
  echo "  dnsd /v1/status: accepted=$accepted refused=$refused; generator CPU $(calc '%.3f' "$gen_ticks / $hz / $gen_seconds") cores (CPU $CLIENT_CPU)"
  awk -v accepted="$accepted" -v refused="$refused" -v summary="$summary" -v n="$targets" \
      -v probers="$probers" -v phase="$phase" -v cycles="$cycles" '
    function median(a, k,   i, j, t) {  # sorts a[1..k] in place
      for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    $1 ~ /^with-/ { wq += $2; wc += $4; ws += ($3 > 0 ? $8 / $3 : 0); nw++; with_core[nw] = $4 }
    $1 ~ /^without-/ { oq += $2; oc += $4; os += ($3 > 0 ? $8 / $3 : 0); no++; without_core[no] = $4 }
    END {
      m = split(summary, parts, " ")
      for (i = 1; i <= m; i++) { split(parts[i], kv, "="); g[kv[1]] = kv[2] + 0 }
      ratio = (no && oc > 0) ? (wc / nw) / (oc / no) : 0
      qratio = (no && oq > 0) ? (wq / nw) / (oq / no) : 0
      pairs = ""
      for (k = 1; k <= nw && k + 1 <= no; k++) {
        around = (without_core[k] + without_core[k + 1]) / 2
        paired[k] = around > 0 ? with_core[k] / around : 0
        pairs = pairs sprintf(" %.3f", paired[k])
      }
      npaired = k - 1
      sent = g["reports"]; ok = g["ok"]; applied = g["applied"]
      printf "  qps/srv_core of each with-phase / its two neighbours:%s\n", pairs
      mid = npaired ? median(paired, npaired) : 0
      printf "  qps/srv_core with / without: median of the pairs %.4f (drop %.1f%%); means %.4f (drop %.1f%%); qps means %.4f\n",
        mid, 100 * (1 - mid), ratio, 100 * (1 - ratio), qratio
      ratio = mid
      # The UDP worker share of dnsd CPU does not drift with the machine as qps does: how much of
      # the server core the other threads (report ingest, health publication) took from queries.
      printf "  UDP worker share of dnsd CPU: %.3f without, %.3f with reports (ratio %.4f: %.1f%% of the core taken from queries)\n",
        os / no, ws / nw, (os > 0 ? (ws / nw) / (os / no) : 0), 100 * (os / no - ws / nw)
      all = sent > 0 && accepted == sent && ok == sent && refused == 0 && applied == sent * n &&
            sent >= 0.9 * probers * phase * cycles
      printf "  reports sent %d, accepted %d, refused %d, results applied %d of %d\n", sent, accepted, refused, applied, sent * n
      pass = all && ratio >= 0.95
      printf "  %s: dnsd ingesting %d x %d results/s with a query-rate drop < 5%% (measured %.1f%%%s)\n",
        pass ? "PASS" : "FAIL", probers, n, 100 * (1 - ratio), all ? "" : "; NOT every report was accepted and applied"
      exit pass ? 0 : 1
    }' "$work/phases" || status=1
}

case ",$sections," in *,prober,*) prober_section || status=1 ;; esac
case ",$sections," in *,ingest,*) ingest_section || status=1 ;; esac
echo "# loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
