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

Stop it with Ctrl-C.
TRY
exec build/bin/dnsd --config tools/demo/dnsd.toml
