#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, starts three demo backends on
# 127.0.0.21/.22/.23:8081 (the endpoints of zones/examples/live.example.test.toml) and runs dnsd on
# the example zones on 127.0.0.1:5300 (UDP and TCP) until Ctrl-C; dnsd checks the backends itself
# (the embedded prober). Everything it started is stopped on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
build/bin/ninesctl check zones/examples

# shellcheck source=demo/backends.sh
. tools/demo/backends.sh

cat <<'TRY'

dnsd is starting on 127.0.0.1:5300. In another terminal, try:

  dig @127.0.0.1 -p 5300 www.example.test A
  dig @127.0.0.1 -p 5300 www.example.test AAAA +tcp
  dig @127.0.0.1 -p 5300 alias.example.test A          # CNAME followed inside the zone
  dig @127.0.0.1 -p 5300 anything.wild.example.test TXT  # wildcard
  dig @127.0.0.1 -p 5300 host.sub.example.test A       # referral to a delegated child
  dig @127.0.0.1 -p 5300 nope.example.test A           # NXDOMAIN with the SOA
  dig @127.0.0.1 -p 5300 example.test MX               # MX with the mail host's address
  dig @127.0.0.1 -p 5300 -x 192.0.2.10                 # reverse zone

Traffic management (zones/examples/gslb.example.test.toml):

  dig @127.0.0.1 -p 5300 www.gslb.example.test A +subnet=198.51.100.0/24  # EU client -> eu-west
  dig @127.0.0.1 -p 5300 www.gslb.example.test A +subnet=203.0.113.0/24   # IN client -> ap-south
  dig @127.0.0.1 -p 5300 api.gslb.example.test A +subnet=192.0.2.0/24     # weighted 90/10
  dig @127.0.0.1 -p 5300 db.gslb.example.test A                           # failover primary
  build/bin/ninesctl explain www.gslb.example.test A --ecs 203.0.113.0/24 --config tools/demo/dnsd.toml
  build/bin/ninesctl drain --config tools/demo/dnsd.toml --service www --region ap-south
  build/bin/ninesctl status --config tools/demo/dnsd.toml     (or http://127.0.0.1:8053/ in a browser)

Live health (zones/examples/live.example.test.toml): backends on 127.0.0.21 (us-east),
127.0.0.22 (eu-west) and 127.0.0.23 (ap-south), port 8081, checked every second by dnsd itself:

  dig @127.0.0.1 -p 5300 www.live.example.test A +short                          # 127.0.0.21
  dig @127.0.0.1 -p 5300 www.live.example.test A +short +subnet=198.51.100.0/24  # 127.0.0.22
  dig @127.0.0.1 -p 5300 app.live.example.test A +short                          # failover: .21
  pkill -f "nines-demo-backend 127.0.0.22"     # eu-west fails: within ~3 s the EU client gets .21
  pkill -f "nines-demo-backend 127.0.0.21"     # us-east fails: app fails over to .22 (or .23)
  build/bin/nines-demo-backend 127.0.0.21:8081 &   # back: app returns to .21, ramped in over 10 s
  curl -s http://127.0.0.1:8053/v1/status      # each endpoint's state, reason and votes

Two remote probers instead of the embedded one: tools/demo/two-probers.sh.
TRY
build/bin/dnsd --config tools/demo/dnsd.toml &
dnsd_pid=$!
pids+=("$dnsd_pid")
cat <<OPERATE

Operating it (deploy/ has the systemd units, Prometheus config, alerts and Grafana dashboard):

  status page:  http://127.0.0.1:8053/
  metrics:      http://127.0.0.1:8053/metrics      (curl -s http://127.0.0.1:8053/metrics | grep '^nines_')
  reload:       kill -HUP $dnsd_pid     (or: build/bin/ninesctl reload --config tools/demo/dnsd.toml)
  JSON logs:    build/bin/dnsd --config tools/demo/dnsd.toml --log-format json
  Prometheus:   tools/ops/prometheus-check.sh   (a real Prometheus scraping dnsd and a prober,
                every panel of deploy/grafana/nines.json queried)

Stop it with Ctrl-C.
OPERATE
wait "$dnsd_pid"
