#!/usr/bin/env bash
# Compares this build's dnsd with another build's, in one run, on 127.0.0.1 only: is a change
# free? Rounds alternate the two builds so that the machine's drift falls on both alike.
#
#   tools/bench/compare.sh -b OTHER_BIN_DIR [-r ROUNDS] [-l SECONDS] [-q SETS] [-n]
#
#   -b DIR      the other build's bin/ (its dnsd and pipeline_bench), e.g. a checkout of main
#   -r ROUNDS   rounds; each runs both builds once (default 3)
#   -l SECONDS  load per cell (default 3)
#   -q SETS     peers.sh query sets (default www,geo,geo-ecs,geo-many)
#   -n          the big geo table (~76k networks) instead of two networks
#
# Two figures per query set, each the median over the rounds:
#   - pipeline_bench: nanoseconds per query in-process (parse -> look up -> write), this build and
#     the other, and their ratio;
#   - peers.sh with blast (the server kept the bottleneck): answers per second of server CPU of
#     each build, each divided by the bare UDP echo's ("limit") of the same round, and the ratio of
#     the two. A ratio of 1.00 means no change; the noise here is a few percent.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
peers=${NINES_PEERS:-$root/../shared/bench/peers.sh}
other="" rounds=3 seconds=3 sets=www,geo,geo-ecs,geo-many big=""
while getopts "b:r:l:q:nh" opt; do
  case $opt in
    b) other=$OPTARG ;;
    r) rounds=$OPTARG ;;
    l) seconds=$OPTARG ;;
    q) sets=$OPTARG ;;
    n) big=-n ;;
    *) sed -n '2,17p' "$0"; exit 2 ;;
  esac
done
[ -n "$other" ] && [ -x "$other/dnsd" ] && [ -x "$other/pipeline_bench" ] ||
  { echo "compare: -b DIR must hold dnsd and pipeline_bench" >&2; exit 2; }
[ -f "$peers" ] || { echo "compare: peer harness not found at $peers (set NINES_PEERS)" >&2; exit 1; }
this=$root/build/bin

"$root/tools/setup.sh"
"$root/tools/build.sh" >/dev/null
bash "$(dirname "$peers")/install-peers.sh" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The peers' example zone, for pipeline_bench.
mkdir -p "$work/zones"
cp "$(dirname "$peers")/conf/nines.example.test.toml" "$work/zones/example.test.toml"
queries="www.example.test/A geo.example.test/A geo.example.test/A/198.51.100.0/24 nx.example.test/A"

for round in $(seq 1 "$rounds"); do
  for build in other this; do
    bin=$([ $build = this ] && echo "$this" || echo "$other")
    echo "== round $round: $build ($bin)" >&2
    "$bin/pipeline_bench" --zones "$work/zones" $queries 2>/dev/null |
      awk -v b=$build '{ print b "\t" $1 "\t" $2 }' >> "$work/pipeline.tsv"
    NINES_DNSD="$bin/dnsd" bash "$peers" -r 1 -l "$seconds" -s nines,limit -g blast -q "$sets" \
      $big -o "$work/peers-$build-$round.tsv" > "$work/peers-$build-$round.log" 2>&1 || true
    awk -F'\t' -v b=$build '{ print b "\t" $2 "\t" $3 "\t" $11 }' \
      "$work/peers-$build-$round.tsv" >> "$work/peers.tsv"
  done
done

# The median of the space-separated numbers in s (awk has no sort of its own).
median='function med(s,   n, v, i, j, t) {
  n = split(s, v, " ")
  for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > t + 0; j--) v[j+1] = v[j]; v[j+1] = t }
  return (n % 2) ? v[(n + 1) / 2] : (v[n/2] + v[n/2 + 1]) / 2
}'

echo
echo "== pipeline_bench, ns/query (median of $rounds)"
awk -F'\t' "$median"'
  { k = $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k } ns[$1 SUBSEP k] = ns[$1 SUBSEP k] " " $3 }
  END {
    printf "%-40s %10s %10s %8s\n", "query", "other", "this", "this/other"
    for (i = 1; i <= n; i++) { k = order[i]; o = med(ns["other" SUBSEP k]); t = med(ns["this" SUBSEP k])
      printf "%-40s %10.1f %10.1f %8.3f\n", k, o, t, t / o }
  }' "$work/pipeline.tsv"

echo
echo "== blast, answers per second of server CPU, each over the UDP echo of its round (median of $rounds)"
awk -F'\t' "$median"'
  # Rows come in round order: nines then limit for each set of each build.
  { key = $1 SUBSEP $3
    if ($2 == "limit") limit[key] = $4
    if ($2 == "nines") { nines[key] = $4 }
    if ((key in limit) && (key in nines)) {
      if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }
      ratio[key] = ratio[key] " " nines[key] / limit[key]; qps[key] = qps[key] " " nines[key]
      delete limit[key]; delete nines[key]
    }
  }
  END {
    printf "%-12s %12s %10s %12s %10s %11s\n", "set", "other qps", "other/echo", "this qps", "this/echo", "this/other"
    for (i = 1; i <= n; i++) { s = order[i]
      o = med(ratio["other" SUBSEP s]); t = med(ratio["this" SUBSEP s])
      printf "%-12s %12.0f %10.3f %12.0f %10.3f %11.3f\n", s, med(qps["other" SUBSEP s]), o, med(qps["this" SUBSEP s]), t, t / o }
  }' "$work/peers.tsv"
