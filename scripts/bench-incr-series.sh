#!/bin/bash
# Usage: scripts/bench-incr-series.sh BIN ROOT OUT (ROOT: a fresh `gen ROOT 10000`).
# series.sh BIN ROOT OUT: warm-up, --full, no change x2, 3 title edits, status -> in_progress,
# depends_on added, estimate_unit appended to cairn.yml, no change.
BIN=$1; ROOT=$2; OUT=$3
F=$ROOT/stories/story-000036.md
b() { echo "## $1 (load $(cut -d' ' -f1 /proc/loadavg))"; /usr/bin/time -f "TIME %e s %U user %S sys %M KB" $BIN -v build -C $ROOT --no-history --out $OUT -q $2 2>&1 | grep -E "^\[|TIME" ; }
b warmup
b full --full
b nochange; b nochange
for k in 1 2 3; do sed -i "s/^title: .*/title: Edited title $k $$/" $F; b "title $k"; done
sed -i "s/^status: .*/status: in_progress/" $F; b status
sed -i "s/^parent: .*/&\ndepends_on: [story-000567]/" $F; b dependency
echo "estimate_unit: hours" >> $ROOT/cairn.yml; b config
b nochange
