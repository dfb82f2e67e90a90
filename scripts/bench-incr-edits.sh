#!/bin/bash
# Incremental builds after each kind of edit, for one or more cairn
# binaries alternating (BENCHMARKS.md, "Incremental build, round 4").
# Usage: scripts/bench-incr-edits.sh R W BIN...
#   BIN: binaries with different file names (copies: the names label the
#   output). R: a generated backlog (`gen R 10000`); W: a work folder (/dev/shm).
# Each binary gets its own copy of R (the parse cache is one per root) and
# output folder under W; three rounds of: a full build, a no-change build,
# a title, a status and a dependency edit of stories/story-000036.md (the
# dependency names no item: one more error, then removed), a cairn.yml
# edit. Prints wall, user and sys seconds and the jobs rendered; the `-v`
# lines of each edit go to W/v-BIN-KIND-ROUND.txt.
set -u
R=$1; shift; W=$1; shift; mkdir -p "$W"; : > "$W/err.txt"
t() { /usr/bin/time -q -o "$W/time.txt" -f "%e s %U user %S sys" "$@" >/dev/null 2>>"$W/err.txt"; cat "$W/time.txt"; }
for b in "$@"; do n=$(basename $b); rm -rf "$W/r-$n" "$W/o-$n"; cp -r "$R" "$W/r-$n"; rm -rf "$W/r-$n/.cairn-cache"
  "$b" build -C "$W/r-$n" --no-history --out "$W/o-$n" -q; "$b" build -C "$W/r-$n" --no-history --out "$W/o-$n" -q; done
uptime
for round in 1 2 3; do
  for b in "$@"; do n=$(basename $b); echo "$n full: $(t "$b" build -C "$W/r-$n" --no-history --out "$W/o-$n" -q --full)"; done
  for b in "$@"; do n=$(basename $b); "$b" build -C "$W/r-$n" --no-history --out "$W/o-$n" -q; echo "$n no change: $(t "$b" build -C "$W/r-$n" --no-history --out "$W/o-$n" -q)"; done
  for kind in title status dependency; do
    for b in "$@"; do n=$(basename $b); S=$W/r-$n/stories/story-000036.md
      case $kind in
      title) sed -i -E "0,/^title: /s/^title: (.*)$/title: \1 e$round/" "$S";;
      status) if grep -q '^status: backlog' "$S"; then sed -i -E "0,/^status: /s/^status: .*/status: in_progress/" "$S"; else sed -i -E "0,/^status: /s/^status: .*/status: backlog/" "$S"; fi;;
      dependency) if grep -q '^depends_on: ' "$S"; then sed -i '/^depends_on: /d' "$S"; else sed -i '0,/^parent: /s/^\(parent: .*\)$/\1\ndepends_on: [no-such-item]/' "$S"; fi;;
      esac
      echo "$n $kind: $(t "$b" -v build -C "$W/r-$n" --no-history --out "$W/o-$n" -q) $(grep -o 'rendered [0-9]* of [0-9]* jobs' "$W/err.txt" | tail -1)"; grep -h '^\[' "$W/err.txt" | tail -4 > "$W/v-$n-$kind-$round.txt"; : > "$W/err.txt"
    done
  done
  for b in "$@"; do n=$(basename $b); printf "name: bench-%s\n" "$round" > "$W/r-$n/cairn.yml"
    echo "$n config: $(t "$b" build -C "$W/r-$n" --no-history --out "$W/o-$n" -q)"; done
done
uptime
