#!/bin/bash
# Alternates two builds of cairn on title edits of a generated backlog
# (BENCHMARKS.md, "Incremental build, round 8"): scripts/bench-ab.py does
# the work and also prints CPU time and page faults.
#
# Usage: scripts/bench-ab.sh RUNS BIN_A BIN_B [ITEMS]
exec python3 "$(dirname "$0")/bench-ab.py" "$@"
