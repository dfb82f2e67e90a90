#!/bin/sh
# The scale benchmark of issue #18 (see BENCHMARKS.md, "Scale"): generates
# backlogs of each size, builds each site from scratch and prints the
# figures of the issue's table: build time (wall, user, sys), peak memory,
# the site's size (apparent bytes, the figure GitHub Pages limits, and disk
# usage), its files, and bytes per item.
#
# Usage: scripts/bench-scale.sh [TARGET_DIR] [SIZES] [SHAPES] [HISTORY]
#   TARGET_DIR  where the release build is (default: target)
#   SIZES       item counts, space-separated (default: "10000 100000"; "" for none)
#   SHAPES      generator shapes (default: "mixed chain star bowtie deep")
#   HISTORY     item counts to build with git history too (gen_history,
#               one commit per item then 2 changes per item; default: "10000")
# Build first: cargo build --release --bin cairn --example gen --example gen_history
# Work folders go under $BENCH_DIR (default /tmp/cairn-scale); each site is
# removed after it is measured.
set -e
T=${1:-target}
SIZES=${2-"10000 100000"}
SHAPES=${3-"mixed chain star bowtie deep"}
HIST=${4-"10000"}
C=$T/release/cairn
GEN=${GEN:-$T/release/examples/gen}
GENH=${GENH:-$T/release/examples/gen_history}
W=${BENCH_DIR:-/tmp/cairn-scale}
mkdir -p "$W"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
printf '%-8s %8s %9s %8s %8s %9s %12s %12s %8s %9s\n' shape items wall_s user_s sys_s peak_MB site_bytes disk_bytes files B/item

measure() { # shape items backlog_dir [build flags]
  shape=$1; n=$2; dir=$3; shift 3
  out=$W/site
  rm -rf "$out" "$dir/.cairn-cache"
  sync
  /usr/bin/time -f '%e %U %S %M' -o "$W/time" "$C" build -C "$dir" --out "$out" --full -q "$@" || true
  # The last line: /usr/bin/time says "Command exited with non-zero status 1"
  # first when the backlog has errors (the site is written all the same).
  tail -n 1 "$W/time" > "$W/time1"
  read -r wall user sys rss < "$W/time1"
  bytes=$(du -s --apparent-size --block-size=1 "$out" | cut -f1)
  disk=$(du -s --block-size=1 "$out" | cut -f1)
  files=$(find "$out" -type f | wc -l)
  printf '%-8s %8s %9s %8s %8s %9s %12s %12s %8s %9s\n' "$shape" "$n" "$wall" "$user" "$sys" $((rss / 1024)) \
    "$bytes" "$disk" "$files" $((bytes / n))
  # Where the bytes go, by top folder (apparent bytes).
  if [ -n "$BREAKDOWN" ]; then
    (cd "$out" && for d in *; do printf '    %-22s %12s\n' "$d" "$(du -s --apparent-size --block-size=1 "$d" | cut -f1)"; done)
  fi
  rm -rf "$out"
}

for n in $SIZES; do
  for shape in $SHAPES; do
    dir=$W/$shape-$n
    rm -rf "$dir" && "$GEN" "$dir" "$n" --shape "$shape" > /dev/null
    measure "$shape" "$n" "$dir" --no-history
    rm -rf "$dir"
  done
done
for n in $HIST; do
  dir=$W/hist-$n
  rm -rf "$dir" && "$GENH" "$dir" "$n" $((n * 3)) > /dev/null
  measure history "$n" "$dir/backlog"
  rm -rf "$dir"
done
