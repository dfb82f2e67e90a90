#!/bin/bash
# Alternates two builds of cairn on title edits of a generated backlog and
# prints each one's median wall time (see BENCHMARKS.md, "Incremental
# build, round 8"): on a host whose speed drifts, only alternation compares.
#
# Usage: scripts/bench-ab.sh RUNS BIN_A BIN_B [ITEMS]
# Each binary gets its own copy of the backlog (the build state and the
# query index are keyed by the binary: one copy for both would make every
# build a full one). Work folders go under $W (default /dev/shm/cairn-ab).
set -eu
N=${1:?runs}; A=${2:?binary A}; B=${3:?binary B}; ITEMS=${4:-10000}
W=${W:-/dev/shm/cairn-ab}
GEN=${GEN:-target/release/examples/gen}
mkdir -p "$W"
[ -d "$W/base" ] || "$GEN" "$W/base" "$ITEMS" >/dev/null
for x in A B; do
  rm -rf "$W/$x" "$W/out-$x"
  cp -r "$W/base" "$W/$x"
  bin=$A; [ "$x" = B ] && bin=$B
  "$bin" build -C "$W/$x" --no-history --out "$W/out-$x" -q
  "$bin" build -C "$W/$x" --no-history --out "$W/out-$x" -q
done
for k in $(seq "$N"); do
  for x in A B; do
    bin=$A; [ "$x" = B ] && bin=$B
    f=$(find "$W/$x/stories" -name '*.md' | sort | head -1)
    sed -i -E "0,/^title: /s/^title: (.*)$/title: \1 e$RANDOM/" "$f"
    s=$(date +%s%N)
    "$bin" build -C "$W/$x" --no-history --out "$W/out-$x" -q
    e=$(date +%s%N)
    echo "$x $(( (e - s) / 1000 ))"
  done
done | python3 -c '
import sys, statistics as st
d = {"A": [], "B": []}
for line in sys.stdin:
    x, us = line.split()
    d[x].append(int(us) / 1000)
for x in "AB":
    v = sorted(d[x])
    print(x, "title edit: median %.1f ms, quartiles %.1f-%.1f ms, n=%d" % (st.median(v), v[len(v) // 4], v[3 * len(v) // 4], len(v)))
'
