#!/usr/bin/env bash
# Gives the example backlog a real history: replays a scripted sequence of
# dated commits (sprint 46 planned and delivered, sprint 47 under way with
# scope added, a re-estimate, a re-open and a story moved to sprint 48) into
# a fresh git repository, ending in exactly the content of example-backlog/.
#
#   scripts/example-history.sh /tmp/acme
#   cairn -C /tmp/acme burndown 2026-s47
#   cairn -C /tmp/acme metrics
#   cairn -C /tmp/acme build && open /tmp/acme/_site/index.html
#
# The story is in examples/example_history.rs; see docs/metrics.md.
set -euo pipefail
out="${1:?usage: scripts/example-history.sh OUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
cargo run --quiet --example example_history -- "$out" "$here/example-backlog"
