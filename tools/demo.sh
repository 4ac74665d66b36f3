#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds, and runs dnsd on the example zones
# on 127.0.0.1:5300 (UDP and TCP) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
build/bin/ninesctl check zones/examples
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

Stop it with Ctrl-C.
TRY
exec build/bin/dnsd --config tools/demo/dnsd.toml
