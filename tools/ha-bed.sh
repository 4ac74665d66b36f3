#!/usr/bin/env bash
# The multi-region HA bed: Linux network namespaces on one machine, nothing leaving it. The one
# copy of the topology; the integration tests (tests/integration/ha_bed_test.cc) drive it too.
#
#   tools/ha-bed.sh start [DIR]          build the bed, start everything, print how to look at it
#   tools/ha-bed.sh stop [DIR]           stop every process, remove every namespace
#   tools/ha-bed.sh kill-backends|restore-backends REGION
#   tools/ha-bed.sh kill-prober|restore-prober REGION
#   tools/ha-bed.sh blind-prober|unblind-prober REGION   prober loses its path to every backend only
#   tools/ha-bed.sh link-down|link-up REGION             the region's link to the bridge (all of it)
#   tools/ha-bed.sh kill-ns|restore-ns ns1|ns2
#   tools/ha-bed.sh delay REGION SOURCE_PREFIX MS        e.g. delay eu-west '*' 200
#   tools/ha-bed.sh clean-stale                          remove beds of test runs that died
# DIR (default /tmp/nines-ha-bed; HA_BED_DIR) holds configs, logs and pids. Needs root.
#
# Topology: namespace PREFIX-core holds bridge br0; every other namespace has one veth (eth0) on it.
#   PREFIX-us-east  backends 192.0.2.10/.11:8081, prober p-us-east     (192.0.2.0/24)
#   PREFIX-eu-west  backends 198.51.100.10/.11:8081, prober p-eu-west  (198.51.100.0/24)
#   PREFIX-ap-south backends 203.0.113.10/.11:8081, prober p-ap-south  (203.0.113.0/24)
#   PREFIX-ns1 dnsd 192.0.2.53 (DNS :53, HTTP :8053); PREFIX-ns2 dnsd 198.51.100.53
#   PREFIX-client 203.0.113.200
# One L2 segment: the three /24s are on-link everywhere. Distance is simulated by the backends'
# delay files (nines-demo-backend DELAY_FILE): same region 0 ms, us<->eu 40, eu<->ap 70, us<->ap 120.
# PREFIX is "hab-OWNER" (HA_BED_OWNER: a test's pid; "user" for a person), so parallel test runs do
# not collide and a dead run's bed is recognised (clean-stale, run by start).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${HA_BED_BIN:-$root/build/bin}"
command="${1:-}"
shift || true
dir="${HA_BED_DIR:-/tmp/nines-ha-bed}"
if [[ "$command" == start || "$command" == stop ]] && [[ $# -gt 0 ]]; then dir="$1"; shift; fi
owner="${HA_BED_OWNER:-user}"
bulk="${HA_BED_BULK:-0}"  # extra endpoints (0-450), spread over the regions, for `measure`
regions=(us-east eu-west ap-south)
declare -A net=([us-east]=192.0.2 [eu-west]=198.51.100 [ap-south]=203.0.113)
declare -A location=([us-east]="38.9, -77.0" [eu-west]="53.3, -6.3" [ap-south]="19.1, 72.9")
declare -A nsaddr=([ns1]=192.0.2.53 [ns2]=198.51.100.53)
# Printable demo-only keys (base64 of "nines-ha-bed-key-of-p-REGION-0001"-like text).
declare -A key=([us-east]=bmluZXMtaGEtYmVkLWtleS1vZi1wLXVzLWVhc3Q=
                [eu-west]=bmluZXMtaGEtYmVkLWtleS1vZi1wLWV1LXdlc3Q=
                [ap-south]=bmluZXMtaGEtYmVkLWtleS1vZi1wLWFwLXNvdXRo)
token="ha-bed-token"

prefix() {
  if [[ -f "$dir/prefix" ]]; then cat "$dir/prefix"; else echo "hab-$owner"; fi
}
die() { echo "ha-bed: $*" >&2; exit 1; }
region_ok() { [[ -n "${net[${1:-}]:-}" ]] || die "unknown region '${1:-}' (us-east, eu-west, ap-south)"; }

# Starts `NAME` (pid in DIR/pids/NAME.pid, output in DIR/logs/NAME.log) in namespace NS.
launch() {
  local name="$1" ns="$2"
  shift 2
  ip netns exec "$ns" setsid "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$name.pid"
}
# Whether PID runs (a zombie does not: its parent, gone with the start command, may never reap it).
alive() {
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "${state:0:1}" != Z ]]
}
# Stops NAME: SIGTERM, then SIGKILL after 3 s (KILL: at once, a crash).
halt() {
  local name="$1" signal="${2:-TERM}" pidfile="$dir/pids/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  rm -f "$pidfile"
  kill -"$signal" "$pid" 2>/dev/null || return 0
  for _ in $(seq 60); do alive "$pid" || return 0; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
}

write_configs() {
  local p="$dir/config" r
  mkdir -p "$p/zones"
  {
    cat <<EOF
origin = "ha.test."
ttl = 300
[soa]
mname = "ns1.ha.test."
rname = "hostmaster.ha.test."
serial = 1
refresh = 3600
retry = 600
expire = 1209600
minimum = 60
[records]
"@" = ["NS ns1.ha.test.", "NS ns2.ha.test."]
ns1 = ["A 192.0.2.53"]
ns2 = ["A 198.51.100.53"]

# Short intervals so faults show in a second or two; timeout above the longest simulated delay.
[checks.web]
type = "http"
port = 8081
path = "/health"
expect_status = [200]
interval = 0.5
timeout = 0.45
rise = 2
fall = 2

EOF
    for r in "${regions[@]}"; do printf '[regions.%s]\nlocation = [%s]\n' "$r" "${location[$r]}"; done
    pools() {  # service, then per region an extra line (or "")
      local service="$1"
      shift
      for r in "${regions[@]}"; do
        printf '[services.%s.pools.%s]\n%sendpoints = ["%s.10", "%s.11"]\n' "$service" "$r" "$1" \
          "${net[$r]}" "${net[$r]}"
        shift
      done
    }
    printf '\n[services.www]\npolicy = "geo"\nttl = 5\nanswers = 2\ncheck = "web"\n'
    pools www "" "" ""
    printf '\n[services.api]\npolicy = "weighted"\nttl = 5\ncheck = "web"\n'
    pools api $'weight = 60\n' $'weight = 30\n' $'weight = 10\n'
    printf '\n[services.db]\npolicy = "failover"\nttl = 5\ncheck = "web"\nslow_start = 2.0\n'
    printf 'order = ["us-east", "eu-west", "ap-south"]\n'
    pools db "" "" ""
    printf '\n[services.lat]\npolicy = "latency"\nttl = 5\nanswers = 2\ncheck = "web"\n'
    pools lat "" "" ""
    if ((bulk > 0)); then  # HA_BED_BULK: more endpoints, for measuring report sizes
      printf '\n[checks.bulk]\ntype = "http"\nport = 8082\npath = "/health"\ninterval = 2.0\n'
      printf 'timeout = 1.0\n\n[services.bulk]\npolicy = "geo"\ncheck = "bulk"\n'
      for r in "${regions[@]}"; do
        printf '[services.bulk.pools.%s]\nendpoints = [' "$r"
        for ((i = 0; i < bulk / 3; i++)); do printf '%s"%s.%d"' "$([[ $i == 0 ]] || echo ', ')" "${net[$r]}" $((100 + i)); done
        printf ']\n'
      done
    fi
  } >"$p/zones/ha.test.toml"
  for n in ns1 ns2; do
    {
      cat <<EOF
[server]
listen = ["0.0.0.0:53"]
zones = "zones"
threads = 1
[http]
listen = "0.0.0.0:8053"
token = "$token"
[geo.nets]
"192.0.2.0/24" = { continent = "NA", country = "US", location = [38.9, -77.0] }
"198.51.100.0/24" = { continent = "EU", country = "IE", location = [53.3, -6.3] }
"203.0.113.0/24" = { continent = "AS", country = "IN", location = [19.1, 72.9] }
[health]
allow_nets = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]
quorum = 0.5
report_ttl = 2.0
EOF
      for r in "${regions[@]}"; do printf '[[health.probers]]\nid = "p-%s"\nkey = "%s"\n' "$r" "${key[$r]}"; done
    } >"$p/$n.toml"
  done
  for r in "${regions[@]}"; do
    cat >"$p/prober-$r.toml" <<EOF
id = "p-$r"
region = "$r"
location = [${location[$r]}]
key = "${key[$r]}"
dnsd = ["http://192.0.2.53:8053", "http://198.51.100.53:8053"]
zones = "zones"
report_interval = 0.5
metrics_listen = "${net[$r]}.10:9154"
[health]
allow_nets = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]
EOF
  done
}

# The delay file of REGION's backends: the simulated one-way distance from each source region.
write_delays() {
  local r="$1" s ms
  for s in "${regions[@]}"; do
    case "$r:$s" in
      "$s:$s") ms=0 ;;
      us-east:eu-west | eu-west:us-east) ms=40 ;;
      eu-west:ap-south | ap-south:eu-west) ms=70 ;;
      *) ms=120 ;;
    esac
    echo "${net[$s]}. $ms"
  done >"$dir/delay-$r"
}

start_backends() {
  local r="$1" p
  p="$(prefix)"
  for i in 10 11; do
    launch "backend-$r-$i" "$p-$r" "$bin/nines-demo-backend" "${net[$r]}.$i:8081" "$dir/delay-$r"
  done
}
start_prober() { launch "prober-$1" "$(prefix)-$1" "$bin/prober" --config "$dir/config/prober-$1.toml"; }
start_dnsd() { launch "$1" "$(prefix)-$1" "$bin/dnsd" --config "$dir/config/$1.toml"; }

# Adds namespace NAME with eth0 on the core bridge, addresses ADDRESS... (/24 each).
add_ns() {
  local p="$1" name="$2" link="$3"
  shift 3
  ip netns add "$p-$name"
  ip -n "$p-core" link add "$link" type veth peer name eth0 netns "$p-$name"
  ip -n "$p-core" link set "$link" master br0 up
  ip -n "$p-$name" link set lo up
  for a in "$@"; do ip -n "$p-$name" addr add "$a/24" dev eth0; done
  ip -n "$p-$name" link set eth0 up
  for n in 192.0.2.0 198.51.100.0 203.0.113.0; do
    ip -n "$p-$name" route replace "$n/24" dev eth0
  done
}

remove_bed() {  # PREFIX: every process in its namespaces (but this script), then the namespaces
  local p="$1" ns pid
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$p-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      [[ "$pid" == "$$" || "$pid" == "$PPID" ]] || kill -KILL "$pid" 2>/dev/null || true
    done
  done
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$p-" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
}

clean_stale() {  # beds of test runs (numeric owner) whose process is gone
  local owners o
  owners="$(ip netns list | awk '{print $1}' | sed -nE 's/^hab-([0-9]+)-.*/\1/p' | sort -u)"
  for o in $owners; do alive "$o" || remove_bed "hab-$o"; done
}

case "$command" in
  start)
    [[ "$(id -u)" == 0 ]] || die "needs root (network namespaces)"
    for b in dnsd prober nines-demo-backend; do [[ -x "$bin/$b" ]] || die "no $bin/$b (tools/build.sh)"; done
    clean_stale
    p="hab-$owner"
    remove_bed "$p"
    rm -rf "$dir"
    mkdir -p "$dir/pids" "$dir/logs"
    echo "$p" >"$dir/prefix"
    write_configs
    ip netns add "$p-core"
    ip -n "$p-core" link set lo up
    ip -n "$p-core" link add br0 type bridge
    ip -n "$p-core" link set br0 up
    for r in "${regions[@]}"; do
      add_ns "$p" "$r" "v-$r" "${net[$r]}.10" "${net[$r]}.11"
      # The local table moves behind pref 5, so blind-prober's rule (pref 1) can stop this
      # namespace's own TCP to port 8081 (its prober's checks) before local delivery.
      ip -n "$p-$r" rule add pref 5 lookup local
      ip -n "$p-$r" rule del pref 0
      write_delays "$r"
    done
    add_ns "$p" ns1 v-ns1 192.0.2.53
    add_ns "$p" ns2 v-ns2 198.51.100.53
    add_ns "$p" client v-client 203.0.113.200
    for r in "${regions[@]}"; do
      start_backends "$r"
      if ((bulk > 0)); then
        for ((i = 0; i < bulk / 3; i++)); do ip -n "$p-$r" addr add "${net[$r]}.$((100 + i))/32" dev eth0; done
        launch "bulk-$r" "$p-$r" "$bin/nines-demo-backend" "0.0.0.0:8082"
      fi
    done
    start_dnsd ns1
    start_dnsd ns2
    for r in "${regions[@]}"; do start_prober "$r"; done
    for n in ns1 ns2; do
      for _ in $(seq 100); do
        ip netns exec "$p-client" curl -sf -o /dev/null "http://${nsaddr[$n]}:8053/v1/status" && break
        sleep 0.1
      done
      ip netns exec "$p-client" curl -sf -o /dev/null "http://${nsaddr[$n]}:8053/v1/status" ||
        die "$n did not start: $(tail -5 "$dir/logs/$n.log")"
    done
    if [[ "$owner" == user ]]; then
      cat <<EOF
HA bed up (namespaces $p-*, state in $dir). Look at it from the client namespace:
  ip netns exec $p-client curl -s http://192.0.2.53:8053/v1/status     # ns1 (ns2: 198.51.100.53)
  ip netns exec $p-client dig @192.0.2.53 www.ha.test A +subnet=198.51.100.0/24 +short   # EU client
  ip netns exec $p-client dig @198.51.100.53 db.ha.test A +subnet=203.0.113.0/24 +short  # failover
  ip netns exec $p-client dig @192.0.2.53 lat.ha.test A +subnet=203.0.113.0/24 +short   # latency
Status pages in a browser: ip netns exec $p-client curl -s http://192.0.2.53:8053/ > /tmp/s.html
Faults: $0 kill-backends|kill-prober|blind-prober|link-down us-east, kill-ns ns1, delay eu-west '*' 200
        (restore-backends, restore-prober, unblind-prober, link-up, restore-ns undo them)
Stop:   $0 stop
EOF
    fi
    ;;
  stop)
    if [[ -d "$dir/pids" ]]; then for f in "$dir"/pids/*.pid; do [[ -f "$f" ]] && halt "$(basename "$f" .pid)"; done; fi
    remove_bed "$(prefix)"
    ;;
  clean-stale) clean_stale ;;
  kill-backends) region_ok "${1:-}"; halt "backend-$1-10" KILL; halt "backend-$1-11" KILL ;;
  restore-backends) region_ok "${1:-}"; start_backends "$1" ;;
  kill-prober) region_ok "${1:-}"; halt "prober-$1" ;;
  restore-prober) region_ok "${1:-}"; start_prober "$1" ;;
  blind-prober) region_ok "${1:-}"; ip -n "$(prefix)-$1" rule add pref 1 iif lo ipproto tcp dport 8081 prohibit ;;
  unblind-prober) region_ok "${1:-}"; ip -n "$(prefix)-$1" rule del pref 1 ;;
  link-down) region_ok "${1:-}"; ip -n "$(prefix)-core" link set "v-$1" down ;;
  link-up) region_ok "${1:-}"; ip -n "$(prefix)-core" link set "v-$1" up ;;
  kill-ns) [[ -n "${nsaddr[${1:-}]:-}" ]] || die "ns1 or ns2"; halt "$1" KILL ;;
  restore-ns) [[ -n "${nsaddr[${1:-}]:-}" ]] || die "ns1 or ns2"; start_dnsd "$1" ;;
  delay)
    region_ok "${1:-}"
    [[ $# -eq 3 ]] || die "delay REGION SOURCE_PREFIX MS"
    { echo "$2 $3"; cat "$dir/delay-$1"; } >"$dir/delay-$1.new" && mv "$dir/delay-$1.new" "$dir/delay-$1"
    ;;
  measure)  # SECONDS: reports/s and bytes/s into ns1 (its link carries nothing else meanwhile)
    p="$(prefix)"
    seconds="${1:-10}"
    sample() {
      local rx tx reports
      rx="$(ip netns exec "$p-ns1" cat /sys/class/net/eth0/statistics/rx_bytes)"
      tx="$(ip netns exec "$p-ns1" cat /sys/class/net/eth0/statistics/tx_bytes)"
      reports="$(ip netns exec "$p-client" curl -sf http://192.0.2.53:8053/metrics |
        awk '/^nines_reports_total\{.*result="accepted"/ {n += $2} END {print n + 0}')"
      echo "$rx $tx $reports $(cpu ns1) $(cpu prober-us-east)"
    }
    cpu() {  # clock ticks of user + system time NAME has used
      sed 's/.*) //' "/proc/$(cat "$dir/pids/$1.pid")/stat" | awk '{print $12 + $13}'
    }
    read -r rx0 tx0 n0 dnsd0 prober0 < <(sample)
    sleep "$seconds"
    read -r rx1 tx1 n1 dnsd1 prober1 < <(sample)
    hz="$(getconf CLK_TCK)"
    targets="$(ip netns exec "$p-client" curl -sf http://192.0.2.53:8053/v1/checks | grep -o '"id"' | wc -l)"
    awk -v s="$seconds" -v rx=$((rx1 - rx0)) -v tx=$((tx1 - tx0)) -v n=$((n1 - n0)) -v t="$targets" \
      -v d=$((dnsd1 - dnsd0)) -v p=$((prober1 - prober0)) -v hz="$hz" \
      'BEGIN { printf "targets %d: %.1f reports/s into ns1, %.0f bytes/s in, %.0f bytes/s out, %.0f bytes in per report; CPU: ns1 %.1f%%, prober-us-east %.1f%%\n", t, n / s, rx / s, tx / s, (n ? rx / n : 0), 100 * d / hz / s, 100 * p / hz / s }'
    ;;
  reset-delays) for r in "${regions[@]}"; do write_delays "$r"; done ;;
  restore-all)  # undo every fault: links up, probers unblinded, delays reset, the missing restarted
    p="$(prefix)"
    for r in "${regions[@]}"; do
      ip -n "$p-core" link set "v-$r" up
      ip -n "$p-$r" rule del pref 1 2>/dev/null || true
      write_delays "$r"
      for i in 10 11; do
        [[ -f "$dir/pids/backend-$r-$i.pid" ]] ||
          launch "backend-$r-$i" "$p-$r" "$bin/nines-demo-backend" "${net[$r]}.$i:8081" "$dir/delay-$r"
      done
      [[ -f "$dir/pids/prober-$r.pid" ]] || start_prober "$r"
    done
    for n in ns1 ns2; do [[ -f "$dir/pids/$n.pid" ]] || start_dnsd "$n"; done
    ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
