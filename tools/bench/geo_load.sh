#!/usr/bin/env bash
# Geo table load and reload: time and resident memory of dnsd loading a geo service of N networks
# (gen_geo_table.py) beside a 1,000-service zone, against gdnsd loading the same table, and dnsd's
# query rate while it reloads the 100k table. One run, 127.0.0.1 only.
#
#   tools/bench/geo_load.sh [-s SIZES] [-n RELOADS] [-d DNSD] [-l SECONDS] [-c CYCLES] [-i] [-k]
#
#   -s SIZES    comma list of network counts (default 10000,100000,1000000)
#   -n RELOADS  reloads per size (default 5)
#   -d DNSD     the dnsd to measure (default build/bin/dnsd)
#   -l SECONDS  length of each phase of the stall test (default 3; 0 skips the stall test)
#   -c CYCLES   reloading phases of the stall test, each between two quiet ones (default 2)
#   -i          the nets inline in the zone's TOML ([services.geo.geo.nets]) instead of a nets file
#   -k          keep the temp dir
#   env: NINES_BLAST (default ../shared/bench/blast.c), CLIENT_CPU (0), SERVER_CPU (1)
#
# Per size: dnsd (threads = 1) load (start until geo.geo.test answers, asked every 5 ms), VmRSS and
# VmHWM after the load, median reload (SIGHUP until the bumped SOA serial answers), VmRSS after the
# reloads; gdnsd (if installed) start until it answers and its VmRSS; the dnsd/gdnsd ratios.
# Stall test (on the 100k table, or the largest size below it): blast asks www.geo.test A while
# dnsd is reloaded once a second, against quiet phases, as reload.sh does: qps and lost queries.
# Every wait has a deadline; every process started here is stopped by its pid on exit.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/bench/lib.sh
. "$root/tools/bench/lib.sh"
DNSD=$root/build/bin/dnsd
SIZES=10000,100000,1000000
RELOADS=5
LENGTH=3
CYCLES=2
KEEP=0
INLINE=""
while getopts "s:n:d:l:c:ikh" opt; do
  case $opt in
    s) SIZES=$OPTARG ;;
    n) RELOADS=$OPTARG ;;
    d) DNSD=$OPTARG ;;
    l) LENGTH=$OPTARG ;;
    c) CYCLES=$OPTARG ;;
    i) INLINE=--inline ;;
    k) KEEP=1 ;;
    *) sed -n '2,22p' "$0"; exit 2 ;;
  esac
done
BLAST_SRC=${NINES_BLAST:-$root/../shared/bench/blast.c}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
[ -x "$DNSD" ] || { echo "geo_load.sh: no dnsd at $DNSD" >&2; exit 1; }
HAVE_GDNSD=1
command -v gdnsd >/dev/null || {
  echo "geo_load.sh: gdnsd not installed (../shared/bench/install-peers.sh); gdnsd rows skipped" >&2
  HAVE_GDNSD=0
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nines-geo-load.XXXXXX")
SRV_PID=""
RELOADER_PID=""
cleanup() {
  [ -n "$RELOADER_PID" ] && kill "$RELOADER_PID" 2>/dev/null
  stop_server
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

set_serial() { sed -i "s/^serial = .*/serial = $2/" "$1/nines/geo.test.toml"; }

start_dnsd() {  # start_dnsd DIR PORT: dnsd on DIR's zones, pinned to SERVER_CPU
  printf '[server]\nlisten = ["127.0.0.1:%s"]\nzones = "nines"\nthreads = 1\n' "$2" >"$1/dnsd.toml"
  taskset -c "$SERVER_CPU" "$DNSD" --config "$1/dnsd.toml" >>"$1/dnsd.log" 2>&1 &
  SRV_PID=$!
}

# measure_dnsd DIR SIZE: one start, RELOADS reloads; sets D_LOAD and D_RSS for the ratios
measure_dnsd() {
  local dir=$1 size=$2 port start load rss hwm serial=1 times="" i t rn
  port=$(loopback_port)
  set_serial "$dir" 1
  start=$(now)
  start_dnsd "$dir" "$port"
  if ! load=$(wait_answer "$port" geo.geo.test. A - 300 "$start"); then
    echo "  dnsd: did not answer within 300 s (log: $dir/dnsd.log)" >&2; stop_server; return 1
  fi
  rss=$(mb "$SRV_PID" VmRSS) hwm=$(mb "$SRV_PID" VmHWM)
  for i in $(seq "$RELOADS"); do
    serial=$((serial + 1))
    set_serial "$dir" "$serial"
    t=$(wait_answer "$port" geo.test. SOA "$serial" 300 - hup) || { echo "  dnsd: reload $i not served" >&2; break; }
    times="$times $t"
    sleep 1.2  # dnsd frees the retired table on its next once-a-second tick
  done
  rn=$(mb "$SRV_PID" VmRSS)
  hwm=$(mb "$SRV_PID" VmHWM)
  stop_server
  D_LOAD=$load D_RSS=$rss
  printf '  dnsd   load=%sms rss=%sMB peak=%sMB reload(median of %s)=%sms rss-after-reloads=%sMB\n' \
    "$load" "$rss" "$hwm" "$RELOADS" "$(echo "$times" | median)" "$rn"
}

# measure_gdnsd DIR: gdnsd loading DIR/gdnsd-nets; sets G_LOAD and G_RSS
measure_gdnsd() {
  local dir=$1 port start load rss
  port=$(loopback_port)
  mkdir -p "$dir/gdnsd/zones"
  python3 - "$dir/gdnsd/config" "$dir/gdnsd-nets" "$port" "$dir" <<'PY'
import sys
conf, nets, port, d = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3], sys.argv[4]
open(conf, "w").write("""options => {
  listen => [ 127.0.0.1:%s ]
  udp_threads => 1
  tcp_threads => 1
  run_dir => %s/gdnsd/run
  state_dir => %s/gdnsd/state
}
plugins => { geoip => {
  maps => { geomap => {
    datacenters => [ dc_default, dc_r1, dc_r2, dc_r3, dc_r4 ]
    nets => {
%s    }
  } }
  resources => { geo_res => {
    map => geomap
    service_types => up
    dcmap => { dc_default => 192.0.2.20, dc_r1 => 192.0.2.31, dc_r2 => 192.0.2.32, dc_r3 => 192.0.2.33, dc_r4 => 192.0.2.34 }
  } }
} }
""" % (port, d, d, nets))
PY
  printf '$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 127.0.0.1\nwww A 192.0.2.1\ngeo 300 DYNA geoip!geo_res\n' \
    >"$dir/gdnsd/zones/geo.test"
  start=$(now)
  taskset -c "$SERVER_CPU" gdnsd -c "$dir/gdnsd" start >"$dir/gdnsd.log" 2>&1 &
  SRV_PID=$!
  if ! load=$(wait_answer "$port" geo.geo.test. A - 300 "$start"); then
    echo "  gdnsd: exited or did not answer within 300 s; its log:" >&2; tail -n 5 "$dir/gdnsd.log" >&2; stop_server; return 1
  fi
  rss=$(mb "$SRV_PID" VmRSS)
  stop_server
  G_LOAD=$load G_RSS=$rss
  printf '  gdnsd  load=%sms rss=%sMB\n' "$load" "$rss"
}

# stall_test DIR: quiet and reloading phases of LENGTH seconds, blast asking www.geo.test A
stall_test() {
  local dir=$1 port out q l o quiet=() loud=() lost_r=0 lost_q=0 other=0 c ratios=""
  gcc -O2 -o "$WORK/blast" "$BLAST_SRC" || { echo "cannot build $BLAST_SRC" >&2; return 1; }
  echo "www.geo.test A" >"$WORK/queries"
  port=$(loopback_port)
  set_serial "$dir" 1
  start_dnsd "$dir" "$port"
  wait_answer "$port" geo.geo.test. A - 300 "$(now)" >/dev/null || { echo "  stall test: dnsd did not start" >&2; stop_server; return 1; }
  reloader() {  # once a second, at most LENGTH + 2 times, a new serial and a SIGHUP
    local i=0 serial=100
    while [ "$i" -lt $((LENGTH + 2)) ]; do
      serial=$((serial + 1)); set_serial "$dir" "$serial"; kill -HUP "$SRV_PID"
      i=$((i + 1)); sleep 1
    done
  }
  phase() {  # phase quiet|reload: prints "qps lost other"
    [ "$1" = reload ] && { reloader & RELOADER_PID=$!; }
    out=$(timeout $((LENGTH + 10)) taskset -c "$CLIENT_CPU" "$WORK/blast" -p "$port" -d "$WORK/queries" -l "$LENGTH" -w 64)
    [ "$1" = reload ] && { kill "$RELOADER_PID" 2>/dev/null; wait "$RELOADER_PID" 2>/dev/null; RELOADER_PID=""; }
    echo "$(sed -nE 's/.*qps=([0-9]+).*/\1/p' <<<"$out") $(sed -nE 's/.*lost=([0-9]+).*/\1/p' <<<"$out") $(sed -nE 's/.*OTHER:([0-9]+).*/\1/p' <<<"$out")"
  }
  read -r q l o < <(phase quiet); quiet+=("$q"); lost_q=$((lost_q + l))
  printf '  quiet   qps=%s lost=%s\n' "$q" "$l"
  for c in $(seq "$CYCLES"); do
    read -r q l o < <(phase reload); loud+=("$q"); lost_r=$((lost_r + l)); other=$((other + o))
    printf '  reload  qps=%s lost=%s other_rcodes=%s\n' "$q" "$l" "$o"
    read -r q l o < <(phase quiet); quiet+=("$q"); lost_q=$((lost_q + l))
    printf '  quiet   qps=%s lost=%s\n' "$q" "$l"
    ratios="$ratios $(awk -v r="${loud[$((c - 1))]}" -v a="${quiet[$((c - 1))]}" -v b="${quiet[$c]}" 'BEGIN { printf "%.3f", r / ((a + b) / 2) }')"
  done
  stop_server
  echo "  reloads applied: $(grep -c reloaded "$dir/dnsd.log") (failed: $(grep -c 'reload failed' "$dir/dnsd.log"))"
  echo "  qps reloading / quiet neighbours: $ratios (lost while reloading: $lost_r, quiet: $lost_q, non-NOERROR: $other)"
}

echo "# geo_load.sh: dnsd $DNSD (threads=1, cpu $SERVER_CPU), reloads=$RELOADS; gdnsd: $([ $HAVE_GDNSD = 1 ] && dpkg-query -W -f 'gdnsd ${Version}' gdnsd 2>/dev/null || echo none)"
stall_dir=""
for size in ${SIZES//,/ }; do
  dir=$WORK/$size
  mkdir -p "$dir"
  t0=$(now)
  written=$(python3 "$root/tools/bench/gen_geo_table.py" "$size" "$dir" $INLINE) || { echo "generator failed" >&2; exit 1; }
  echo "== $written networks (+1,000 services; generated in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s; zone $(du -m "$dir/nines/geo.test.toml" | cut -f1) MB)"
  D_LOAD="" G_LOAD=""
  measure_dnsd "$dir" "$size"
  [ "$HAVE_GDNSD" = 1 ] && measure_gdnsd "$dir"
  if [ -n "$D_LOAD" ] && [ -n "$G_LOAD" ]; then
    awk -v dl="$D_LOAD" -v gl="$G_LOAD" -v dr="$D_RSS" -v gr="$G_RSS" \
      'BEGIN { printf "  dnsd/gdnsd: load %.2fx, rss %.2fx\n", (gl > 0 ? dl / gl : 0), (gr > 0 ? dr / gr : 0) }'
  fi
  if [ "$size" -le 100000 ]; then stall_dir=$dir; fi
done
if [ "$LENGTH" -gt 0 ] && [ -n "$stall_dir" ]; then
  echo "== stall test: www.geo.test A while reloading the $(basename "$stall_dir")-network zone once a second"
  stall_test "$stall_dir"
fi
