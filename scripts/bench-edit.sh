#!/bin/sh
# Benchmarks of the edit engine (see BENCHMARKS.md, "Edit"): `set` on a
# 10,000-item generated backlog (warm parse cache) and `mv` of an item that
# 1,000 others name. Usage: scripts/bench-edit.sh [TARGET_DIR] (default: target)
set -e
T=${1:-target}
C=$T/release/cairn
GEN=$T/release/examples/gen
B=/tmp/edit-bench-10000
rm -rf $B && $GEN $B 10000 > /dev/null
$C check -C $B > /dev/null                     # writes the parse cache
sync                                           # not the generator's writeback in the first fsyncs
echo "set (wall, user, sys):"
for i in 1 2 3 4 5 6 7 8 9 10; do
  /usr/bin/time -f '  %e s %U %S' $C set -C $B story-000005 estimate=$((i % 5 + 1)) > /dev/null
done
echo "set, stages (-v):"
$C set -C $B story-000005 estimate=3 -v 2>&1 >/dev/null | sed 's/^/  /'
echo "set of a relation (parent: the whole backlog is loaded and checked):"
for i in 1 2 3; do
  /usr/bin/time -f '  %e s %U %S' $C set -C $B story-000005 parent=feat-0000$i > /dev/null
done
echo "check, same backlog (the floor: load + graph + rules):"
for i in 1 2 3; do /usr/bin/time -f '  %e s %U %S' $C check -C $B --format json > /dev/null; done
# mv: 900 items get `relates_to: [story-000001]`, 100 a `[[story-000001]]`
# link in the body (plus its own child tasks).
echo "mv (wall, user, sys):"
for i in 1 2 3 4 5; do
  M=/tmp/edit-bench-mv-$i
  rm -rf $M && cp -r $B $M
  python3 - $M <<'PY'
import os, sys
root = sys.argv[1]; n = 0
for name in sorted(os.listdir(os.path.join(root, "tasks"))):
    p = os.path.join(root, "tasks", name); t = open(p).read()
    if "relates_to:" in t: continue
    if n < 900:
        head, sep, rest = t.partition("\n---\n"); t = head + "\nrelates_to: [story-000001]" + sep + rest
    else:
        t += "See [[story-000001]].\n"
    open(p, "w").write(t); n += 1
    if n == 1000: break
PY
  $C check -C $M > /dev/null
  sync
  /usr/bin/time -f '  %e s %U %S' $C mv -C $M story-000001 story-renamed -v 2>&1 >/dev/null | tr '\n' ' '
  echo
  rm -rf $M
done
