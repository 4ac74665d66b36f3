#!/usr/bin/env python3
"""Writes a geo table of N networks for the geo load benchmark (geo_load.sh), the same table for
dnsd and gdnsd, deterministic (seeded).

  gen_geo_table.py N OUTDIR [--inline]

Networks: public IPv4 /16s (in gen-geo.py's order, up to all ~57k of them), nested /20s and /24s
inside them (for large N mostly distinct /24s), and ~5% IPv6 networks (/32../48 in 2000::/3, not in 6to4's 2002::/16 or Teredo's
2001::/32, which gdnsd refuses as IPv4-like),
each mapped to one of four regions r1..r4 (a network's fallback is always "dflt").

Writes:
  OUTDIR/nines/geo.test.toml      origin geo.test.: SOA, NS, a static `www`, and a geo service
                                  `geo` (pools r1..r4, dflt; no checks) with the nets in the nets
                                  file OUTDIR/nines/geo.nets (`nets_file`), or with --inline as
                                  [services.geo.geo.nets] in the TOML
  OUTDIR/nines/services.test.toml origin services.test.: 1,000 geo and weighted services of 2-3
                                  regions, a few with country/continent rules
  OUTDIR/gdnsd-nets               the same nets as the body of a gdnsd `nets => { }` map
Prints the number of networks written."""
import os, random, sys

count, out = int(sys.argv[1]), sys.argv[2]
inline = "--inline" in sys.argv[3:]
os.makedirs(os.path.join(out, "nines"), exist_ok=True)
rnd = random.Random(12)
regions = ["r1", "r2", "r3", "r4"]


def skip(a, b):  # as gen-geo.py: private, loopback, CGN and documentation ranges
    return a in (10, 127) or (a == 100 and 64 <= b < 128) or (a == 172 and 16 <= b < 32) \
        or (a == 192 and b == 168) or (a == 198 and b == 51) or (a == 192 and b == 0) \
        or (a == 203 and b == 0)


sixteens = [(a, b) for a in range(1, 224) for b in range(256) if not skip(a, b)]
v6_count = count // 20
v4_count = count - v6_count
nets = {}
n16 = min(len(sixteens), max(1, v4_count // 3))  # a third /16s, the rest nested inside them
for a, b in sixteens[:: max(1, len(sixteens) // n16)][:n16]:
    nets[f"{a}.{b}.0.0/16"] = regions[(a * 256 + b) * 2654435761 % 4]
parents = [tuple(map(int, n.split("/")[0].split(".")[:2])) for n in nets]
attempts = 0
while len(nets) < v4_count and attempts < 20 * count:
    attempts += 1
    a, b = rnd.choice(parents)
    if rnd.random() < 0.1:
        net = f"{a}.{b}.{rnd.randrange(16) * 16}.0/20"
    else:
        net = f"{a}.{b}.{rnd.randrange(256)}.0/24"
    nets.setdefault(net, rnd.choice(regions))
v6 = {}
while len(v6) < v6_count:
    length = rnd.choice((32, 36, 40, 44, 48))
    value = (1 << 125) | (rnd.getrandbits(125 - (128 - length)) << (128 - length))
    groups = [(value >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    if groups[0] == 0x2002 or groups[:2] == [0x2001, 0]:
        continue  # 6to4 and Teredo map IPv4 space: gdnsd refuses nets there
    v6.setdefault("%s::/%d" % (":".join("%x" % g for g in groups[: (length + 15) // 16]), length),
                  rnd.choice(regions))


def v4_key(kv):
    n, l = kv[0].split("/")
    return (int(l),) + tuple(int(x) for x in n.split("."))


ordered = sorted(nets.items(), key=v4_key) + sorted(v6.items())
addr = {"r1": "192.0.2.31", "r2": "192.0.2.32", "r3": "192.0.2.33", "r4": "192.0.2.34",
        "dflt": "192.0.2.20"}
location = {"r1": (10.0, 0.0), "r2": (20.0, 0.0), "r3": (30.0, 0.0), "r4": (40.0, 0.0),
            "dflt": (0.0, 90.0)}


def header(f, origin):
    f.write(f'origin = "{origin}."\nttl = 300\n[soa]\nmname = "ns1.{origin}."\n'
            f'rname = "hostmaster.{origin}."\nserial = 1\nrefresh = 3600\nretry = 900\n'
            f'expire = 604800\nminimum = 300\n[records]\n"@" = ["NS ns1.{origin}."]\n'
            'ns1 = ["A 127.0.0.1"]\n')


with open(os.path.join(out, "nines", "geo.test.toml"), "w") as f:
    header(f, "geo.test")
    f.write('www = ["A 192.0.2.1", "A 192.0.2.2"]\n')
    for r, (lat, lon) in location.items():
        f.write(f"[regions.{r}]\nlocation = [{lat}, {lon}]\n")
    f.write('[services.geo]\npolicy = "geo"\nttl = 300\nanswers = 1\n')
    for r in location:
        f.write(f'[services.geo.pools.{r}]\nendpoints = ["{addr[r]}"]\n')
    if inline:
        f.write('[services.geo.geo.nets]\n"0.0.0.0/0" = ["dflt"]\n"::/0" = ["dflt"]\n')
        for n, r in ordered:
            f.write(f'"{n}" = ["{r}", "dflt"]\n')
    else:
        f.write('[services.geo.geo]\nnets = { "0.0.0.0/0" = ["dflt"], "::/0" = ["dflt"] }\n'
                'nets_file = "geo.nets"\n')
if not inline:
    with open(os.path.join(out, "nines", "geo.nets"), "w") as f:
        for n, r in ordered:
            f.write(f"{n} {r} dflt\n")
with open(os.path.join(out, "gdnsd-nets"), "w") as f:
    for n, r in ordered:
        f.write(f"{n} => [ dc_{r}, dc_default ]\n")

# 1,000 services in the shape of load.sh's generate(), with a few country/continent rules.
svc_regions = [("us-east", 38.9, -77.0), ("eu-west", 53.3, -6.3), ("ap-south", 19.1, 72.9)]
prefixes = {"us-east": "192.0.2.", "eu-west": "198.51.100.", "ap-south": "203.0.113."}
with open(os.path.join(out, "nines", "services.test.toml"), "w") as f:
    header(f, "services.test")
    for name, lat, lon in svc_regions:
        f.write(f"[regions.{name}]\nlocation = [{lat}, {lon}]\n")
    for s in range(1000):
        policy = "weighted" if s % 2 else "geo"
        f.write(f'[services.s{s}]\npolicy = "{policy}"\nttl = 30\nanswers = 1\n')
        used = svc_regions[: 2 + s % 2]
        for region, _, _ in used:
            eps = ", ".join(f'"{prefixes[region]}{(s + k) % 254 + 1}"' for k in range(2))
            f.write(f"[services.s{s}.pools.{region}]\nendpoints = [{eps}]\n")
        if policy == "geo" and s % 10 == 0:
            f.write(f'[services.s{s}.geo]\ncountry = {{ DE = ["eu-west"], IN = ["us-east", '
                    f'"eu-west"] }}\ncontinent = {{ NA = ["us-east"] }}\n')
print(len(ordered))
