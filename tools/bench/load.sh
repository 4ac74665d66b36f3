#!/usr/bin/env bash
# Zone load and reload: time and resident memory of dnsd against Knot DNS loading the same
# records from an RFC 1035 zone file, in one run, on 127.0.0.1 only.
#
#   tools/bench/load.sh [-d DNSD] [-b BASELINE_DNSD] [-s SIZES] [-S SERVICES] [-n RELOADS] [-k]
#
#   -d DNSD      the dnsd to measure (default build/bin/dnsd)
#   -b DNSD      a second dnsd (e.g. main's) measured alternately in the same run: row "base"
#   -s SIZES     comma list of name counts (default 1000,10000,100000); each name has an A and a
#                TXT record
#   -S SERVICES  weighted and geo services of 2-3 regions beside the names (default 1000)
#   -n RELOADS   reloads per dnsd (default 20); RSS is taken after 1, 5 and the last
#   -k           keep the temp dir
#
# Per size and server it prints: load (start until the last name answers), RSS and peak RSS
# (VmRSS, VmHWM from /proc) after the load, the median reload (SIGHUP, or `knotc zone-reload`,
# until the new SOA serial answers) and dnsd's RSS after 1, 5 and RELOADS reloads, each taken once
# the old table has been freed (dnsd reaps retired state once a second). Then the ratios to Knot.
# Knot (from ../shared/bench/install-peers.sh) gets the services as plain A RRsets of their
# endpoints: the same names and about the same data, no policy. Every wait has a deadline.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/bench/lib.sh
. "$root/tools/bench/lib.sh"
DNSD=$root/build/bin/dnsd
BASE=""
SIZES=1000,10000,100000
SERVICES=1000
RELOADS=20
KEEP=0
while getopts "d:b:s:S:n:kh" opt; do
  case $opt in
    d) DNSD=$OPTARG ;;
    b) BASE=$OPTARG ;;
    s) SIZES=$OPTARG ;;
    S) SERVICES=$OPTARG ;;
    n) RELOADS=$OPTARG ;;
    k) KEEP=1 ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
[ -x "$DNSD" ] || { echo "load.sh: no dnsd at $DNSD" >&2; exit 1; }
[ -z "$BASE" ] || [ -x "$BASE" ] || { echo "load.sh: no dnsd at $BASE" >&2; exit 1; }
command -v kdig >/dev/null || { echo "load.sh: kdig (knot-dnsutils) not installed" >&2; exit 1; }
HAVE_KNOT=1
command -v knotd >/dev/null && command -v knotc >/dev/null || {
  echo "load.sh: knotd not installed (../shared/bench/install-peers.sh); Knot rows skipped" >&2
  HAVE_KNOT=0
}

ADDR=127.0.0.1  # loopback only
ORIGIN=load.test
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nines-load.XXXXXX")
SRV_PID=""
RESULTS=$WORK/results.tsv
: >"$RESULTS"

cleanup() {
  stop_server
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# generate DIR NAMES SERVICES SERIAL: DIR/nines/load.test.toml and DIR/load.test.zone
generate() {
  python3 - "$@" <<'PY'
import os, sys
out, names, services, serial = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.makedirs(out + "/nines", exist_ok=True)
regions = [("us-east", 38.9, -77.0), ("eu-west", 53.3, -6.3), ("ap-south", 19.1, 72.9)]
prefixes = {"us-east": "192.0.2.", "eu-west": "198.51.100.", "ap-south": "203.0.113."}
def address(i): return "192.0.2.%d" % (i % 254 + 1)
def pools(s):
    used = regions[: 2 + s % 2]  # 2 or 3 regions
    return [(r[0], [prefixes[r[0]] + str((s + k) % 254 + 1) for k in range(2)]) for r in used]
with open(out + "/nines/load.test.toml", "w") as t, open(out + "/load.test.zone", "w") as z:
    t.write('origin = "load.test."\nttl = 3600\n[soa]\nmname = "ns1.load.test."\n'
            'rname = "hostmaster.load.test."\nserial = %d\nrefresh = 3600\nretry = 600\n'
            'expire = 1209600\nminimum = 300\n[records]\n"@" = ["NS ns1.load.test."]\n'
            'ns1 = ["A 192.0.2.53"]\n' % serial)
    z.write("$ORIGIN load.test.\n$TTL 3600\n@ SOA ns1 hostmaster %d 3600 600 1209600 300\n"
            "@ NS ns1\nns1 A 192.0.2.53\n" % serial)
    for i in range(names):
        t.write('h%d = ["A %s", "TXT \\"name %d of the load benchmark\\""]\n' % (i, address(i), i))
        z.write('h%d A %s\nh%d TXT "name %d of the load benchmark"\n' % (i, address(i), i, i))
    for name, lat, lon in regions:
        t.write("[regions.%s]\nlocation = [%s, %s]\n" % (name, lat, lon))
    for s in range(services):
        policy = "weighted" if s % 2 else "geo"
        t.write('[services.s%d]\npolicy = "%s"\nttl = 30\nanswers = 1\n' % (s, policy))
        for region, endpoints in pools(s):
            t.write('[services.s%d.pools.%s]\nendpoints = [%s]\n'
                    % (s, region, ", ".join('"%s"' % e for e in endpoints)))
            for e in endpoints: z.write("s%d A %s\n" % (s, e))
PY
}

# set_serial DIR SERIAL: the serial line of both files
set_serial() {
  sed -i "s/^serial = .*/serial = $2/" "$1/nines/load.test.toml"
  sed -i "3s/^@ SOA ns1 hostmaster [0-9]*/@ SOA ns1 hostmaster $2/" "$1/load.test.zone"
}

# measure_dnsd LABEL BINARY DIR NAMES: one start, RELOADS reloads
measure_dnsd() {
  local label=$1 binary=$2 dir=$3 names=$4 port start load rss hwm serial=1 times="" r1=- r5=- rn=- i t
  port=$(loopback_port)
  set_serial "$dir" 1
  printf '[server]\nlisten = ["%s:%s"]\nzones = "nines"\nthreads = 1\n' "$ADDR" "$port" >"$dir/dnsd.toml"
  start=$(now)
  "$binary" --config "$dir/dnsd.toml" >"$dir/dnsd.$label.log" 2>&1 &
  SRV_PID=$!
  if ! load=$(wait_answer "$port" "h$((names - 1)).$ORIGIN." A - 120 "$start"); then
    echo "  $label: did not answer within 120 s (log: $dir/dnsd.$label.log)" >&2
    stop_server; return 1
  fi
  sleep 1.2  # the first health publication settles
  rss=$(mb "$SRV_PID" VmRSS) hwm=$(mb "$SRV_PID" VmHWM)
  for i in $(seq "$RELOADS"); do
    serial=$((serial + 1))
    set_serial "$dir" "$serial"
    t=$(wait_answer "$port" "$ORIGIN." SOA "$serial" 120 - hup) || { echo "  $label: reload $i not served" >&2; break; }
    times="$times $t"
    sleep 1.2  # dnsd frees the retired table on its next once-a-second tick
    case $i in 1) r1=$(mb "$SRV_PID" VmRSS) ;; 5) r5=$(mb "$SRV_PID" VmRSS) ;; esac
    [ "$i" = "$RELOADS" ] && rn=$(mb "$SRV_PID" VmRSS)
  done
  hwm=$(mb "$SRV_PID" VmHWM)
  stop_server
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$names" "$label" "$load" "$rss" "$hwm" \
    "$(echo "$times" | median)" "$r1" "$r5" "$rn" >>"$RESULTS"
  tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "  %-5s load=%sms rss=%sMB peak=%sMB reload=%sms rss@1=%s rss@5=%s rss@%s=%s\n", $2, $3, $4, $5, $6, $7, $8, n, $9 }' n="$RELOADS"
}

measure_knot() {
  local dir=$1 names=$2 port start load rss hwm times="" serial=1 i t r1=-
  port=$(loopback_port)
  mkdir -p "$dir/knot/db"
  set_serial "$dir" 1
  cat >"$dir/knot/knot.conf" <<EOF
server:
    rundir: "$dir/knot"
    listen: $ADDR@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$dir/knot/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $ORIGIN
    file: "$dir/load.test.zone"
EOF
  rm -rf "$dir/knot/db"/*
  start=$(now)
  knotd -c "$dir/knot/knot.conf" >"$dir/knot.log" 2>&1 &
  SRV_PID=$!
  if ! load=$(wait_answer "$port" "h$((names - 1)).$ORIGIN." A - 120 "$start"); then
    echo "  knot: did not answer within 120 s (log: $dir/knot.log)" >&2
    stop_server; return 1
  fi
  sleep 1.2
  rss=$(mb "$SRV_PID" VmRSS) hwm=$(mb "$SRV_PID" VmHWM)
  for i in 1 2 3; do
    serial=$((serial + 1))
    set_serial "$dir" "$serial"
    t=$(wait_answer "$port" "$ORIGIN." SOA "$serial" 120 - knotc -c "$dir/knot/knot.conf" zone-reload "$ORIGIN.") || { echo "  knot: reload $i not served" >&2; break; }
    times="$times $t"
    sleep 1.2
    [ "$i" = 1 ] && r1=$(mb "$SRV_PID" VmRSS)
  done
  hwm=$(mb "$SRV_PID" VmHWM)
  stop_server
  printf '%s\tknot\t%s\t%s\t%s\t%s\t%s\t-\t-\n' "$names" "$load" "$rss" "$hwm" \
    "$(echo "$times" | median)" "$r1" >>"$RESULTS"
  tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "  knot  load=%sms rss=%sMB peak=%sMB reload=%sms rss@1=%s\n", $3, $4, $5, $6, $7 }'
}

echo "# zone load: $(date -u +%FT%TZ) host=$(uname -n) cpus=$(nproc) loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "# dnsd=$DNSD${BASE:+ base=$BASE} services=$SERVICES reloads=$RELOADS"
[ "$HAVE_KNOT" = 1 ] && echo "# $(knotd --version 2>&1 | head -1)"
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
for names in "${SIZE_LIST[@]}"; do
  dir=$WORK/$names
  mkdir -p "$dir"
  generate "$dir" "$names" "$SERVICES" 1
  echo "== $names names x (A, TXT) + $SERVICES services: $(du -k "$dir/nines/load.test.toml" | cut -f1) KB TOML"
  [ -n "$BASE" ] && measure_dnsd base "$BASE" "$dir" "$names"
  measure_dnsd dnsd "$DNSD" "$dir" "$names"
  [ "$HAVE_KNOT" = 1 ] && measure_knot "$dir" "$names"
done

echo
echo "== summary (ms, MB; ratios to Knot in this run: under 2.0 meets the target)"
awk -F'\t' -v n="$RELOADS" '
  { key = $1 SUBSEP $2; row[key] = $0; if (!($1 in seen)) { seen[$1] = 1; sizes[++ns] = $1 }
    if (!($2 in seenl)) { seenl[$2] = 1; labels[++nl] = $2 } }
  function ratio(a, b) { return (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) ? sprintf("%.2f", a / b) : "-" }
  END {
    printf "%-7s %-5s %8s %8s %8s %8s %8s %8s %8s | %6s %6s %6s %8s\n", "names", "who", "load", "rss", "peak", "reload", "rss@1", "rss@5", "rss@" n, "load/k", "rss/k", "rld/k", "rss@" n "/rss"
    for (i = 1; i <= ns; i++) for (j = 1; j <= nl; j++) {
      key = sizes[i] SUBSEP labels[j]; if (!(key in row)) continue
      split(row[key], f, "\t"); split(row[sizes[i] SUBSEP "knot"], k, "\t")
      printf "%-7s %-5s %8s %8s %8s %8s %8s %8s %8s | %6s %6s %6s %8s\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
        ratio(f[3], k[3]), ratio(f[4], k[4]), ratio(f[6], k[6]), ratio(f[9], f[4])
    }
  }' "$RESULTS"
