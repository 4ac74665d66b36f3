#!/usr/bin/env bash
# The operator's kit against a real Prometheus: starts a dnsd (an embedded copy of the example
# zone and a zone "ops.test" with one region up and one down) with a remote prober reporting to
# it, and Prometheus (Debian's) scraping both every second with deploy/prometheus/alerts.yml
# loaded. Then checks, each with a deadline:
#   - promtool check metrics on both expositions (no errors, no warnings);
#   - `up` is 1 for both targets (Prometheus' HTTP API);
#   - every alert rule evaluates without error in Prometheus;
#   - every PromQL of every panel of deploy/grafana/nines.json returns at least one series
#     ($__rate_interval -> 10s, $dnsd_job/$prober_job -> the jobs, other $variables -> .*);
#     a failure names the panel.
# dig drives queries (NOERROR, NXDOMAIN, REFUSED; UDP and TCP; service names from two client
# networks) all along, so counters exist.
#
#
#   tools/ops/prometheus-check.sh [--build DIR] [--keep]     (--keep: leave the work dir)
# Nothing leaves 127.0.0.1. Every process it starts is stopped on the way out.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--build DIR] [--keep]" >&2; exit 2 ;;
  esac
done
for tool in prometheus promtool curl jq dig python3; do
  command -v "$tool" >/dev/null || { echo "prometheus-check: $tool is missing (tools/setup.sh)" >&2; exit 1; }
done
dashboard=$root/deploy/grafana/nines.json
alerts=$root/deploy/prometheus/alerts.yml

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $keep == 1 ]]; then echo "prometheus-check: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
say() { echo "prometheus-check: $*"; }
fail() {
  say "FAILED: $*"
  for log in dnsd prober prometheus; do
    [[ -f $work/$log.log ]] && { echo "--- $log.log (last lines)"; tail -n 20 "$work/$log.log"; }
  done
  exit 1
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for SECONDS DESCRIPTION COMMAND...: runs COMMAND every 0.2 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || fail "no $what within ${seconds}s"
    sleep 0.2
  done
}
log_port() {  # log_port FILE PREFIX: the port of the first "PREFIX127.0.0.1:PORT" of the log
  { grep -o "${2}127\.0\.0\.1:[0-9]*" "$1" 2>/dev/null || true; } | head -n 1 | sed 's/.*://'
}

http_port=$(free_port)
key=$(head -c 32 /dev/urandom | base64)
mkdir -p "$work/zones"
cp "$root/zones/examples/example.test.toml" "$work/zones/"
cat >"$work/zones/ops.test.toml" <<ZONE
# us-east's endpoint answers the check (dnsd's own HTTP port), eu-west's does not (127.0.0.2).
origin = "ops.test."
ttl = 60
[soa]
mname = "ns1.ops.test."
rname = "hostmaster.ops.test."
serial = 1
refresh = 3600
retry = 600
expire = 1209600
minimum = 60
[records]
"@" = ["NS ns1.ops.test."]
ns1 = ["A 127.0.0.1"]
[checks.api]
type = "tcp"
port = $http_port
interval = 0.5
timeout = 0.4
rise = 1
fall = 1
[regions.us-east]
location = [38.9, -77.0]
[regions.eu-west]
location = [53.3, -6.3]
[services.www]
policy = "geo"
ttl = 5
check = "api"
expected_load = 1000
[services.www.pools.us-east]
capacity = 1500
endpoints = ["127.0.0.1"]
[services.www.pools.eu-west]
capacity = 1500
endpoints = ["127.0.0.2"]
ZONE
cat >"$work/dnsd.toml" <<CONF
[server]
listen = ["127.0.0.1:0"]
zones = "zones"
threads = 1
[http]
listen = "127.0.0.1:$http_port"
[geo.nets]
"127.0.0.0/8" = { continent = "NA", country = "US", location = [38.9, -77.0] }
"198.51.100.0/24" = { continent = "EU", country = "IE", location = [53.3, -6.3] }
[rate_limit]
responses_per_second = 20
[health]
allow_nets = ["127.0.0.0/8"]
report_ttl = 5.0
[[health.probers]]
id = "ops-1"
key = "$key"
CONF
"$build/bin/dnsd" --config "$work/dnsd.toml" >"$work/dnsd.log" 2>&1 &
pids+=("$!")
wait_for 20 "dnsd ready" grep -q "http listening on 127.0.0.1:$http_port" "$work/dnsd.log"
dns_port=$(log_port "$work/dnsd.log" "info: listening on ")
wait_for 5 "dnsd DNS port" test -n "$dns_port"

cat >"$work/prober.toml" <<CONF
id = "ops-1"
region = "us-east"
key = "$key"
dnsd = ["http://127.0.0.1:$http_port"]
checks_from = "http://127.0.0.1:$http_port"
checks_refresh = 1.0
report_interval = 0.5
metrics_listen = "127.0.0.1:0"
[health]
allow_nets = ["127.0.0.0/8"]
CONF
"$build/bin/prober" --config "$work/prober.toml" >"$work/prober.log" 2>&1 &
pids+=("$!")
wait_for 20 "prober metrics port" grep -q "metrics listening on" "$work/prober.log"
prober_port=$(log_port "$work/prober.log" "metrics listening on http://")

code=$(curl -s -o "$work/dnsd.metrics" -w '%{http_code}' "http://127.0.0.1:$http_port/metrics" || true)
[[ $code == 200 ]] || fail "dnsd answers GET /metrics with HTTP $code"

queries() {  # one round of queries of every kind the panels count
  local q=(dig @127.0.0.1 -p "$dns_port" +tries=1 +time=1 +short)
  "${q[@]}" www.example.test A >/dev/null || true
  "${q[@]}" nope.example.test A >/dev/null || true
  "${q[@]}" www.example.test AAAA +tcp >/dev/null || true
  "${q[@]}" www.elsewhere.invalid A >/dev/null || true
  "${q[@]}" www.ops.test A >/dev/null || true
  "${q[@]}" www.ops.test A +subnet=198.51.100.0/24 >/dev/null || true
}
queries

cat >"$work/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $alerts
scrape_configs:
  - job_name: nines-dnsd
    static_configs:
      - targets: ["127.0.0.1:$http_port"]
  - job_name: nines-prober
    static_configs:
      - targets: ["127.0.0.1:$prober_port"]
CONF
promtool check config "$work/prometheus.yml" >/dev/null || fail "promtool check config on the generated config"
prom_port=$(free_port)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=("$!")
prom=http://127.0.0.1:$prom_port
wait_for 30 "Prometheus ready on $prom" curl -sf -o /dev/null "$prom/-/ready"

# promql EXPR: the JSON answer of an instant query.
promql() { curl -s --get --data-urlencode "query=$1" "$prom/api/v1/query"; }
up_is_1() { [[ $(promql "up{job=\"$1\"}" | jq -r '.data.result[0].value[1] // "none"') == 1 ]]; }

# The expositions themselves: promtool must find nothing to say (errors or lint warnings).
check_exposition() {  # NAME URL
  local out
  out=$(curl -sf "$2" | promtool check metrics 2>&1) || fail "promtool check metrics on $1: $out"
  [[ -z $out ]] || fail "promtool check metrics on $1 warns: $out"
  say "promtool check metrics: $1 clean"
}
check_exposition prober "http://127.0.0.1:$prober_port/metrics"
check_exposition dnsd "http://127.0.0.1:$http_port/metrics"

wait_for 60 "up == 1 for the prober" up_is_1 nines-prober
wait_for 60 "up == 1 for dnsd" up_is_1 nines-dnsd
say "Prometheus scrapes both targets"

# shellcheck disable=SC2016  # the $ are Grafana's, not the shell's
substitute() {
  sed -e 's/\$__rate_interval/10s/g; s/\$__interval/5s/g; s/\$__range/1m/g' \
    -e 's/\$dnsd_job/nines-dnsd/g; s/\${dnsd_job}/nines-dnsd/g' \
    -e 's/\$prober_job/nines-prober/g; s/\${prober_job}/nines-prober/g' \
    -e 's/\${[A-Za-z_]*}/.*/g; s/\$[A-Za-z_][A-Za-z_0-9]*/.*/g' <<<"$1"
}

mapfile -t targets < <(jq -r '.panels[] | select(.type != "row") | .title as $t
  | .targets[] | [$t, .refId, .expr] | @tsv' "$dashboard")
[[ ${#targets[@]} -gt 0 ]] || fail "no panel targets in $dashboard"
deadline=$((SECONDS + 60))
while :; do
  queries
  empty=()
  for line in "${targets[@]}"; do
    IFS=$'\t' read -r title ref expr <<<"$line"
    answer=$(promql "$(substitute "$expr")")
    if [[ $(jq -r .status <<<"$answer") != success ]]; then
      fail "panel \"$title\" ($ref): Prometheus refuses its query: $(jq -r .error <<<"$answer"): $expr"
    fi
    [[ $(jq '.data.result | length' <<<"$answer") -gt 0 ]] || empty+=("\"$title\" ($ref): $expr")
  done
  [[ ${#empty[@]} -eq 0 ]] && break
  if ((SECONDS >= deadline)); then
    for panel in "${empty[@]}"; do say "no series: panel $panel"; done
    fail "${#empty[@]} panel queries of $(basename "$dashboard") return nothing"
  fi
  sleep 1
done
say "every panel query returns series (${#targets[@]} of them)"

# Every alert rule evaluates (a rule can be valid syntax and still fail at run time, e.g. a
# many-to-many match).
wait_for 20 "a first evaluation of every rule" bash -c \
  "curl -s '$prom/api/v1/rules' | jq -e '[.data.groups[].rules[] | select(.health == \"unknown\")] | length == 0' >/dev/null"
bad=$(curl -s "$prom/api/v1/rules" | jq -r '.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.lastError)"')
[[ -z $bad ]] || fail "alert rules that fail to evaluate: $bad"
say "every alert rule of $(basename "$alerts") evaluates"

say "PASSED"
