#!/bin/bash
# The issues' performance targets in one script (see BENCHMARKS.md,
# "Re-measured on a quiet machine"). Each part prints its figures with
# `uptime` before and after; run it on a quiet machine.
#
# Usage: scripts/bench-targets.sh PART [ARGS]
#   incr            10,000 items: full builds, no-change builds, three title
#                   edits (with -v phases in $W/incr-v-K.txt), a status edit
#   big             100,000 items: first build (time, peak), the site's size,
#                   first check without a cache, warm ready/impact/list --where
#   serve N PORT    N items: `cairn serve`, time to the first page, memory,
#                   PATCH → reload and editor save → reload (bench-patch.py)
# Build first: cargo build --release --bin cairn --example gen
# TARGET_DIR (default target) is where the release build is; work folders
# go under $W (default /dev/shm/cairn-targets) and are left for a rerun.
set -u
T=${TARGET_DIR:-target}
B=$T/release/cairn
E=$T/release/examples
W=${W:-/dev/shm/cairn-targets}
HERE=$(cd "$(dirname "$0")" && pwd)
t() { /usr/bin/time -f "%e s %U user %S sys %M KB" "$@"; }
mkdir -p "$W"
case "${1:-}" in
incr)
  R=$W/g10k; O=$W/out
  rm -rf "$R" "$O"
  "$E/gen" "$R" 10000 >/dev/null
  "$B" build -C "$R" --no-history --out "$O" -q
  uptime
  for k in 1 2; do echo -n "full: "; t "$B" build -C "$R" --no-history --out "$O" -q --full; done
  for k in 1 2; do echo -n "no change: "; t "$B" build -C "$R" --no-history --out "$O" -q; done
  for k in 1 2 3; do
    sed -i -E "0,/^title: /s/^title: (.*)$/title: \1 e$RANDOM/" "$R/stories/story-000036.md"
    echo -n "title edit: "; t "$B" -v build -C "$R" --no-history --out "$O" -q 2> "$W/incr-v-$k.txt"; tail -1 "$W/incr-v-$k.txt"
  done
  sed -i -E "0,/^status: /s/^status: .*/status: in_progress/" "$R/stories/story-000036.md"
  echo -n "status edit: "; t "$B" build -C "$R" --no-history --out "$O" -q
  uptime
  ;;
big)
  R=$W/g100k; O=$W/out100k
  rm -rf "$R" "$O"
  "$E/gen" "$R" 100000 >/dev/null
  uptime
  echo -n "build 100k full: "; t "$B" build -C "$R" --no-history --out "$O" -q --full
  echo "site bytes: $(du -s --apparent-size --block-size=1 "$O" | cut -f1) disk: $(du -s --block-size=1 "$O" | cut -f1) files: $(find "$O" -type f | wc -l)"
  rm -rf "$O"
  for k in 1 2 3; do
    rm -rf "$R/.cairn-cache"
    echo -n "first check (no cache): "; t "$B" check -q -C "$R" > /dev/null
  done
  for k in 1 2 3; do
    echo -n "warm ready: "; t "$B" ready --format json -C "$R" > /dev/null
    echo -n "warm impact: "; t "$B" impact task-019696 --format json -C "$R" > /dev/null
    echo -n "warm list: "; t "$B" list --where 'status == "ready" and estimate > 3' --format json -C "$R" > /dev/null
  done
  uptime
  ;;
serve)
  N=${2:?items}; P=${3:?port}; R=$W/s$N
  rm -rf "$R"
  "$E/gen" "$R" "$N" >/dev/null
  uptime
  start=$(date +%s.%N)
  "$B" serve --no-history --port "$P" -C "$R" -q > "$W/serve-$N.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$P/index.html"; do sleep 0.2; done
  end=$(date +%s.%N)
  echo "serve $N: first build served after $(echo "$end - $start" | bc) s"
  sleep 3
  grep -E "VmRSS|VmHWM" "/proc/$pid/status" | tr '\n' ' '; echo
  python3 "$HERE/bench-patch.py" "127.0.0.1:$P" "$R" 10 2
  python3 "$HERE/bench-patch.py" "127.0.0.1:$P" "$R" 10 2 --save
  grep -E "VmRSS|VmHWM" "/proc/$pid/status" | tr '\n' ' '; echo
  kill "$pid"; wait "$pid" 2>/dev/null
  uptime
  ;;
*)
  sed -n '2,16p' "$0"; exit 2
  ;;
esac
