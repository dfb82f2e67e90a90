#!/bin/bash
# Usage: (cd DIR; scripts/bench-incr-alt.sh BIN_A BIN_B [ROUNDS]) with DIR/gb and DIR/gp two copies of one `gen … 10000` backlog.
# alt.sh: one title edit per binary in turn, N rounds; A=base on gb, B=new on gp
A=$1; B=$2; N=${3:-3}
t() { /usr/bin/time -f "%e s %U user %S sys" $1 -v build -C $2 --no-history --out $2-out -q 2>&1 | grep -E "render\+write\] (incr|full|context)| s .*user" | tr '\n' ' ' | sed 's/(rss [0-9]* MB)//g'; echo; }
for b in "$A gb" "$B gp"; do set -- $b; $1 build -C $2 --no-history --out $2-out -q --full 2>/dev/null; sed -i "s/^title: .*/title: warm $$/" $2/stories/story-000036.md; $1 build -C $2 --no-history --out $2-out -q 2>/dev/null; done
for r in $(seq $N); do for b in "$A gb" "$B gp"; do set -- $b; sed -i "s/^title: .*/title: Edited $r $$/" $2/stories/story-000036.md; echo -n "$(basename $1) title r$r load $(cut -d' ' -f1 /proc/loadavg): "; t $1 $2; done; done
