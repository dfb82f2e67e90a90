#!/usr/bin/env bash
# Puts `cairn` on the PATH for the action's later steps: the binary given
# as the `cairn` input, else a cached build, else a build of the action's
# own source (`cargo install --locked`; a few minutes once, then cached).
set -euo pipefail
bin_dir() { echo "$1" >> "${GITHUB_PATH:?GITHUB_PATH is not set: run inside GitHub Actions}"; }
if [ -n "${CAIRN_BIN:-}" ]; then
  [ -x "$CAIRN_BIN" ] || { echo "::error::the cairn input \`$CAIRN_BIN\` is not an executable file"; exit 2; }
  bin_dir "$(cd "$(dirname "$CAIRN_BIN")" && pwd)"
  exit 0
fi
prefix="${CAIRN_PREFIX:?CAIRN_PREFIX is not set}"
if [ ! -x "$prefix/bin/cairn" ]; then
  cargo install --locked --quiet --root "$prefix" --path "${GITHUB_ACTION_PATH:?}"
fi
bin_dir "$prefix/bin"
"$prefix/bin/cairn" --version
