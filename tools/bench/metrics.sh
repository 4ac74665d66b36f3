#!/usr/bin/env bash
# Benchmark: what GET /metrics costs dnsd, in one bounded run, on 127.0.0.0/8 only.
#
#   tools/bench/metrics.sh [-l SECONDS] [-c CYCLES] [-t ENDPOINTS] [-n PROBERS] [-N SCRAPES]
#                          [-r ROUNDS] [-b OTHER_BIN] [-s SECTIONS] [-k]
#
#   -l SECONDS   scrape section: length of each load phase (default 5)
#   -c CYCLES    scrape section: with-scrapes phases, each between two without (default 6)
#   -t ENDPOINTS cpu section: endpoints in the zone (default 5000: 100 services x 2 regions)
#   -n PROBERS   cpu section: probers voting on every endpoint (default 10)
#   -N SCRAPES   cpu section: scrapes measured (default 20)
#   -r ROUNDS    pipeline section: rounds, each running every variant once (default 5)
#   -b DIR       pipeline section: also another build's pipeline_bench (e.g. main's build/bin)
#   -s SECTIONS  pipeline,scrape,cpu (default all three)
#   -k           keep the temp dir (zones, configs, logs, one exposition)
#   env: NINES_BIN (default build/bin), NINES_BLAST (default ../shared/bench/blast.c),
#        NINES_BUILD=0 to skip building, CLIENT_CPU (0), SERVER_CPU (1)
#
# 1. scrape: dnsd (threads = 1, every thread pinned to SERVER_CPU, so a scrape takes its CPU from
#    the UDP worker's core) serves the example zones (zones/examples); blast (pinned to
#    CLIENT_CPU) asks a mix of static and policy names (with ECS) for -l seconds without scrapes,
#    then while curl GETs /metrics every second, then without again, CYCLES times. Prints qps per
#    server core of each phase and each with-phase over the mean of its two neighbours (this
#    shared machine drifts more than the effect over a minute, so neighbours are compared, many
#    times, and the median taken). PASS: a median ratio of at least 0.98.
# 2. cpu: dnsd with ENDPOINTS checked endpoints and PROBERS [[health.probers]], fed one signed
#    report per prober with a vote on every endpoint (nines-bench-reports, as probe_bench.sh
#    does), votes kept fresh (report_ttl 600); then N scrapes back to back, and dnsd's CPU
#    (utime+stime, /proc/PID/stat) over them, less its idle CPU over as long a time just before.
#    PASS: under 50 ms of dnsd CPU per scrape.
# 3. pipeline: pipeline_bench in-process, ns per query of a static, a policy (ECS) and a
#    negative answer, without and with --counters (a worker's QueryCounters attached, as in
#    dnsd), and with -b the other build's, rounds alternating; the median ratios. What counting
#    costs the query path itself, free of the machine's noise under blast.
# Every load is bounded in time; every process started here is stopped on exit, by its pid.
# About a minute and a half with the defaults. Needs gcc, taskset, curl, dig and ss.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${NINES_BIN:-$root/build/bin}
blast_src=${NINES_BLAST:-$root/../shared/bench/blast.c}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
phase=5 cycles=6 endpoints=5000 probers=10 scrapes=20 rounds=5 other="" sections=pipeline,scrape,cpu
keep=0
while getopts "l:c:t:n:N:r:b:s:kh" opt; do
  case $opt in
    l) phase=$OPTARG ;;
    c) cycles=$OPTARG ;;
    t) endpoints=$OPTARG ;;
    n) probers=$OPTARG ;;
    N) scrapes=$OPTARG ;;
    r) rounds=$OPTARG ;;
    b) other=$OPTARG ;;
    s) sections=$OPTARG ;;
    k) keep=1 ;;
    *) sed -n '2,40p' "$0"; exit 2 ;;
  esac
done
[[ $phase =~ ^[0-9]+$ && $phase -ge 2 && $phase -le 60 ]] || { echo "-l: 2 to 60" >&2; exit 2; }
[[ $cycles =~ ^[0-9]+$ && $cycles -ge 1 && $cycles -le 20 ]] || { echo "-c: 1 to 20" >&2; exit 2; }
[[ $endpoints =~ ^[0-9]+$ && $endpoints -ge 2 && $endpoints -le 60000 ]] || { echo "-t: 2 to 60000" >&2; exit 2; }
[[ $probers =~ ^[0-9]+$ && $probers -ge 1 && $probers -le 100 ]] || { echo "-n: 1 to 100" >&2; exit 2; }
[[ $scrapes =~ ^[0-9]+$ && $scrapes -ge 1 && $scrapes -le 500 ]] || { echo "-N: 1 to 500" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 50 ]] || { echo "-r: 1 to 50" >&2; exit 2; }
[ -z "$other" ] || [ -x "$other/pipeline_bench" ] || { echo "-b: no $other/pipeline_bench" >&2; exit 2; }
[ -f "$blast_src" ] || { echo "bench: blast.c not found at $blast_src (set NINES_BLAST)" >&2; exit 1; }
if [ "$(nproc)" -lt 2 ]; then
  echo "WARN: fewer than 2 CPUs; everything shares CPU 0" >&2
  CLIENT_CPU=0 SERVER_CPU=0
fi
if [ "${NINES_BUILD:-1}" != 0 ]; then
  cmake --build "$root/build" --target dnsd nines-bench-reports pipeline_bench >/dev/null
fi
for b in dnsd nines-bench-reports pipeline_bench; do
  [ -x "$bin/$b" ] || { echo "bench: no $bin/$b (build it, or set NINES_BIN)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/nines-metrics-bench.XXXXXX")
# shellcheck source=tools/bench/lib.sh
source "$root/tools/bench/lib.sh"
cleanup() {
  stop_started
  if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
get() { curl -s --noproxy '*' --max-time 10 "$1"; }

dns_port=$(free_port 5480)
api_port=$(free_port 18380)
status=0
echo "# metrics bench: $(date -u +%FT%TZ) host=$(uname -n) cpus=$(nproc) kernel=$(uname -r)"
echo "# loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# start_dnsd CONFIG: starts dnsd pinned to SERVER_CPU and waits for its DNS and HTTP; sets dnsd_pid.
start_dnsd() {
  taskset -c "$SERVER_CPU" "$bin/dnsd" --config "$1" >"$work/dnsd.log" 2>&1 &
  dnsd_pid=$!
  pids+=("$dnsd_pid")
  local ready=0
  for _ in $(seq 150); do
    kill -0 "$dnsd_pid" 2>/dev/null || break
    if get "http://127.0.0.1:$api_port/metrics" >/dev/null &&
        dig +short +time=1 +tries=1 -p "$dns_port" @127.0.0.1 "$2" SOA 2>/dev/null | grep -q .; then
      ready=1; break
    fi
    sleep 0.2
  done
  [ "$ready" = 1 ] || { echo "  dnsd not ready:"; tail -5 "$work/dnsd.log"; return 1; }
  taskset -a -p -c "$SERVER_CPU" "$dnsd_pid" >/dev/null  # every thread, whatever it set itself
}

# ------------------------------------------------- 1. query rate with scrapes
scrape_section() {
  echo "== scrape: blast qps of dnsd (threads = 1, CPU $SERVER_CPU) with GET /metrics every second vs without"
  gcc -O2 -o "$work/blast" "$blast_src"
  cat > "$work/scrape.toml" <<EOF
[server]
listen = ["127.0.0.1:$dns_port"]
zones = "$root/zones/examples"
threads = 1
[http]
listen = ["127.0.0.1:$api_port"]
EOF
  # Static names, policy names (geo and weighted, ECS from blast -e), a negative answer.
  printf '%s\n' "www.example.test A" "www.gslb.example.test A" "api.gslb.example.test A" \
    "example.test SOA" "nx.example.test A" "www.gslb.example.test AAAA" > "$work/q-mix"
  start_dnsd "$work/scrape.toml" example.test || return 1
  get "http://127.0.0.1:$api_port/metrics" > "$work/exposition-examples.txt"
  echo "  exposition: $(wc -c < "$work/exposition-examples.txt") bytes, $(grep -vc '^#' "$work/exposition-examples.txt") samples"
  timeout 10 taskset -c "$CLIENT_CPU" "$work/blast" -p "$dns_port" -d "$work/q-mix" -e -l 2 -w 64 >/dev/null
  : > "$work/phases"
  run_phase() {  # run_phase NAME: one bounded blast, dnsd's CPU over the same interval
    local name=$1 c0 c1 t0 t1 out
    c0=$(cpu_ticks "$dnsd_pid"); t0=$(now)
    out=$(timeout $((phase + 10)) taskset -c "$CLIENT_CPU" "$work/blast" -p "$dns_port" -d "$work/q-mix" -e -l "$phase" -w 64)
    c1=$(cpu_ticks "$dnsd_pid"); t1=$(now)
    awk -v name="$name" -v out="$out" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" '
      BEGIN { n = split(out, kv, /[ =]/); for (i = 1; i < n; i += 2) v[kv[i]] = kv[i + 1]
              el = t1 - t0; cores = (c1 - c0) / hz / el; qps = v["qps"] + 0
              printf "%s %.0f %.3f %.0f %s\n", name, qps, cores, (cores > 0 ? qps / cores : 0), v["lost"] }' \
      >> "$work/phases"
    tail -n 1 "$work/phases" | awk '{ printf "  %-12s qps=%-8s srv_cores=%-6s qps/srv_core=%-8s lost=%s\n", $1, $2, $3, $4, $5 }'
  }
  run_phase without-1
  local k scraper
  for k in $(seq "$cycles"); do
    # The scraper (on the client's CPU) runs a little longer than the phase, bounded.
    ( end=$(( $(date +%s) + phase + 1 ))
      while [ "$(date +%s)" -le "$end" ]; do
        curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}\n' \
          "http://127.0.0.1:$api_port/metrics" >> "$work/scrapes.$k"
        sleep 1
      done ) &
    scraper=$!
    pids+=("$scraper")
    run_phase "with-$k"
    wait "$scraper" || true
    forget_pid "$scraper"
    run_phase "without-$((k + 1))"
  done
  local scraped
  scraped=$(cat "$work"/scrapes.* | grep -c '^200$' || true)
  stop_pid "$dnsd_pid"
  awk -v scraped="$scraped" '
    function median(a, k,   i, j, t) {
      for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    $1 ~ /^with-/ { nw++; with_core[nw] = $4; with_qps[nw] = $2 }
    $1 ~ /^without-/ { no++; without_core[no] = $4; without_qps[no] = $2 }
    END {
      pairs = ""; qpairs = ""
      for (k = 1; k <= nw && k + 1 <= no; k++) {
        around = (without_core[k] + without_core[k + 1]) / 2
        paired[k] = around > 0 ? with_core[k] / around : 0
        qaround = (without_qps[k] + without_qps[k + 1]) / 2
        qpaired[k] = qaround > 0 ? with_qps[k] / qaround : 0
        pairs = pairs sprintf(" %.3f", paired[k]); qpairs = qpairs sprintf(" %.3f", qpaired[k])
      }
      n = k - 1
      printf "  qps/srv_core of each with-phase / its two neighbours:%s\n", pairs
      printf "  qps of each with-phase / its two neighbours:%s\n", qpairs
      mid = n ? median(paired, n) : 0; qmid = n ? median(qpaired, n) : 0
      printf "  scrapes answered 200: %d\n", scraped
      pass = mid >= 0.98 && scraped >= n
      printf "  %s: query rate with a scrape every second / without, median of the pairs: %.4f per server core, %.4f qps (target >= 0.98)\n",
        pass ? "PASS" : "FAIL", mid, qmid
      exit pass ? 0 : 1
    }' "$work/phases" || status=1
}

# ---------------------------------------------- 2. dnsd CPU for one scrape
cpu_section() {
  echo "== cpu: dnsd CPU per GET /metrics with $endpoints endpoints and $probers probers"
  mkdir -p "$work/zones-big"
  local services=$(( (endpoints + 49) / 50 ))
  awk -v n="$endpoints" -v services="$services" 'BEGIN {
    print "# metrics.sh: " services " services, each with regions a and b of up to 25 endpoints each."
    print "origin = \"metrics.bench.test.\""
    print "ttl = 300"
    print "[soa]"
    print "mname = \"ns1.metrics.bench.test.\""
    print "rname = \"hostmaster.metrics.bench.test.\""
    print "serial = 1"
    print "refresh = 3600"
    print "retry = 900"
    print "expire = 604800"
    print "minimum = 300"
    print "[records]"
    print "\"@\" = [\"NS ns1.metrics.bench.test.\"]"
    print "ns1 = [\"A 127.0.0.1\"]"
    print "[checks.web]"
    print "type = \"tcp\""
    print "port = 9"
    print "interval = 1.0"
    print "timeout = 0.5"
    print "[regions.a]"
    print "location = [50.0, 8.0]"
    print "[regions.b]"
    print "location = [40.0, -74.0]"
    i = 0
    for (s = 0; s < services && i < n; s++) {
      print "[services.svc" s "]"
      print "policy = \"geo\""
      print "check = \"web\""
      for (r = 0; r < 2; r++) {
        print "[services.svc" s ".pools." (r ? "b" : "a") "]"
        printf "endpoints = ["
        for (e = 0; e < 25 && i < n; e++) { printf "%s\"127.2.%d.%d\"", (e ? ", " : ""), int(i / 250), i % 250 + 1; i++ }
        print "]"
      }
    }
  }' > "$work/zones-big/metrics.bench.test.toml"
  : > "$work/keys"
  {
    echo "[server]"
    echo "listen = [\"127.0.0.1:$dns_port\"]"
    echo "zones = \"$work/zones-big\""
    echo "threads = 1"
    echo "[http]"
    echo "listen = [\"127.0.0.1:$api_port\"]"
    echo "[health]"
    echo "allow_nets = [\"127.0.0.0/8\"]"
    echo "report_ttl = 600.0"
    for i in $(seq "$probers"); do
      local key
      key=$(printf 'nines-metrics-prober-%03d-secret' "$i" | base64)
      echo "bench-$i $key" >> "$work/keys"
      echo "[[health.probers]]"
      echo "id = \"bench-$i\""
      echo "key = \"$key\""
    done
  } > "$work/cpu.toml"
  start_dnsd "$work/cpu.toml" metrics.bench.test || return 1
  # One round of reports from every prober (each votes on every endpoint), then quiet.
  timeout 30 taskset -c "$CLIENT_CPU" "$bin/nines-bench-reports" --zones "$work/zones-big" \
    --dnsd "http://127.0.0.1:$api_port" --keys "$work/keys" --seconds 1.5 \
    > "$work/reports.out" 2> "$work/reports.err" || { echo "  reports failed:"; cat "$work/reports.err"; return 1; }
  echo "  reports: $(cat "$work/reports.out")"
  sleep 1  # the health view built from the votes is published
  get "http://127.0.0.1:$api_port/metrics" > "$work/exposition-big.txt"
  local up votes
  up=$(grep -c '^nines_endpoint_up{.*} 1$' "$work/exposition-big.txt" || true)
  votes=$(grep -c '^nines_reports_total{prober="bench-[0-9]*",result="accepted"} [1-9]' "$work/exposition-big.txt" || true)
  echo "  exposition: $(wc -c < "$work/exposition-big.txt") bytes, $(grep -vc '^#' "$work/exposition-big.txt") samples; endpoints up: $up of $endpoints; probers with accepted reports: $votes of $probers"
  local c0 c1 t0 t1 i0 i1 elapsed
  c0=$(cpu_ticks "$dnsd_pid"); t0=$(now)
  for _ in $(seq "$scrapes"); do
    taskset -c "$CLIENT_CPU" curl -s --noproxy '*' --max-time 10 -o /dev/null "http://127.0.0.1:$api_port/metrics"
  done
  c1=$(cpu_ticks "$dnsd_pid"); t1=$(now)
  elapsed=$(calc '%.3f' "$t1 - $t0")
  i0=$(cpu_ticks "$dnsd_pid"); sleep "$elapsed"; i1=$(cpu_ticks "$dnsd_pid")
  stop_pid "$dnsd_pid"
  awk -v c="$((c1 - c0))" -v idle="$((i1 - i0))" -v hz="$hz" -v n="$scrapes" -v el="$elapsed" \
      -v up="$up" -v endpoints="$endpoints" -v votes="$votes" -v probers="$probers" '
    BEGIN {
      per = 1000 * (c - idle) / hz / n
      printf "  %d scrapes in %.2f s: dnsd CPU %.0f ms, idle over as long %.0f ms\n", n, el, 1000 * c / hz, 1000 * idle / hz
      ok = up == endpoints && votes == probers
      pass = ok && per < 50
      printf "  %s: dnsd CPU per scrape with %d endpoints and %d probers: %.1f ms (target < 50 ms)%s\n",
        pass ? "PASS" : "FAIL", endpoints, probers, per, ok ? "" : "; NOT every endpoint up by every prober"
      exit pass ? 0 : 1
    }' || status=1
}

# ------------------------------------- 3. the query path in-process, counted or not
pipeline_section() {
  echo "== pipeline: pipeline_bench ns/query without and with --counters${other:+, and $other}, $rounds rounds"
  mkdir -p "$work/zones-pipeline"
  cp "$(dirname "$blast_src")/conf/nines.example.test.toml" "$work/zones-pipeline/example.test.toml"
  local queries="www.example.test/A geo.example.test/A/198.51.100.0/24 nx.example.test/A"
  local round variant
  : > "$work/pipeline.tsv"
  for round in $(seq "$rounds"); do
    for variant in ${other:+other} plain counted; do
      case $variant in
        other) taskset -c "$SERVER_CPU" "$other/pipeline_bench" --zones "$work/zones-pipeline" --seconds 0.5 $queries ;;
        plain) taskset -c "$SERVER_CPU" "$bin/pipeline_bench" --zones "$work/zones-pipeline" --seconds 0.5 $queries ;;
        counted) taskset -c "$SERVER_CPU" "$bin/pipeline_bench" --zones "$work/zones-pipeline" --seconds 0.5 --counters $queries ;;
      esac 2>/dev/null | awk -v v=$variant '{ print v "\t" $1 "\t" $2 }' >> "$work/pipeline.tsv"
    done
  done
  awk -F'\t' "$awk_median"'
    { k = $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k } ns[$1 SUBSEP k] = ns[$1 SUBSEP k] " " $3; has[$1] = 1 }
    END {
      printf "  %-36s %9s %9s %15s", "query", "plain", "counted", "plain/counted"
      if (has["other"]) printf " %9s %13s", "other", "other/plain"
      print ""
      for (i = 1; i <= n; i++) { k = order[i]; p = med(ns["plain" SUBSEP k]); c = med(ns["counted" SUBSEP k])
        printf "  %-36s %9.1f %9.1f %15.3f", k, p, c, p / c
        if (has["other"]) { o = med(ns["other" SUBSEP k]); printf " %9.1f %13.3f", o, o / p }
        print ""
      }
      print "  (ns per query, medians; a ratio of 1.000 is no cost, below 1 the counted or new one is slower)"
    }' "$work/pipeline.tsv"
}

case ",$sections," in *,pipeline,*) pipeline_section || status=1 ;; esac
case ",$sections," in *,scrape,*) scrape_section || status=1 ;; esac
case ",$sections," in *,cpu,*) cpu_section || status=1 ;; esac
echo "# loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
