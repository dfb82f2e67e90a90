#!/bin/bash
# The memory timeline of `cairn serve` (BENCHMARKS.md, "Serve memory"):
# RSS and peak after the first build and after 20 saves (10 PATCHes and 10
# editor saves, scripts/bench-patch.py), and the time of a few `where` and
# `sort` queries. Compare two binaries by running it for each, alternating.
#
# Usage: scripts/bench-serve-memory.sh BINARY PORT N LABEL
# The backlog is made once by `gen` ($T/release/examples/gen; T defaults to
# target) in $W/pristine-N (W defaults to /dev/shm/cairn-mem) and copied for
# each run; the copy is deleted at the end.
set -u
B=$1; P=$2; N=$3; L=$4
T=${TARGET_DIR:-target}
W=${W:-/dev/shm/cairn-mem}
S=$(cd "$(dirname "$0")" && pwd)
R=$W/run-$L
mkdir -p "$W"
[ -d "$W/pristine-$N" ] || "$T/release/examples/gen" "$W/pristine-$N" "$N" >/dev/null
rm -rf "$R"; cp -a "$W/pristine-$N" "$R"
echo "== $L ($B), $N items; $(uptime)"
start=$(date +%s.%N)
"$B" serve --no-history --port "$P" -C "$R" -q > "$W/serve-$L.log" 2>&1 &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$P/index.html"; do sleep 0.2; done
echo "first build served after $(echo "$(date +%s.%N) - $start" | bc) s"
rss() { echo "$1: $(grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' \n' ' ')"; }
sleep 3; rss "after the first build (+3 s)"
sleep 12; rss "steady (+15 s)"
q() { curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$P/api/v1/items?$1&limit=100"; }
echo "where (3 variants): $(for k in 1 2 3; do echo -n "$(q "where=status%20%3D%3D%20%22ready%22%20and%20estimate%20%3E%20$k") "; done)s"
echo "sort (priority:desc / estimate / title): $(for k in priority:desc estimate title; do echo -n "$(q "sort=$k,id") "; done)s"
python3 "$S/bench-patch.py" "127.0.0.1:$P" "$R" 10 2
python3 "$S/bench-patch.py" "127.0.0.1:$P" "$R" 10 2 --save
rss "after 20 saves"
sleep 20; rss "after 20 saves +20 s"
awk '{printf "cpu: user %.1f s, sys %.1f s\n", $14/100, $15/100}' "/proc/$pid/stat"
kill "$pid"; wait "$pid" 2>/dev/null
rm -rf "$R"
echo "== end $(uptime)"
