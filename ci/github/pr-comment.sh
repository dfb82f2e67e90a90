#!/usr/bin/env bash
# The pull request's backlog diff as one comment, updated in place.
#
# Reads the pull request from the event payload ($GITHUB_EVENT_PATH:
# pull_request.number, base.sha, head.sha), runs `cairn diff BASE..HEAD
# --format markdown` in $CAIRN_ROOT, and creates the comment or updates
# the one it made before (found by its first line, the marker below).
#
# With CAIRN_ACTION_DRY_RUN=FILE nothing is sent: each request GitHub would
# get is appended to FILE as one JSON line {method, path, body}, and the
# id of an existing comment is taken from CAIRN_ACTION_EXISTING_COMMENT
# (empty: none). Exit status: cairn diff's (1 when the change introduces
# errors), after the comment is posted.
set -euo pipefail
marker='<!-- cairn-diff -->'
root="${CAIRN_ROOT:-.}"
event="${GITHUB_EVENT_PATH:?GITHUB_EVENT_PATH is not set}"
repo="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"
read -r number base head < <(python3 - "$event" <<'PY'
import json, sys
try:
    pr = json.load(open(sys.argv[1]))["pull_request"]
    print(int(pr["number"]), pr["base"]["sha"], pr["head"]["sha"])
except (OSError, ValueError, KeyError, TypeError) as e:
    sys.exit(f"::error::{sys.argv[1]}: not a pull_request event payload ({type(e).__name__}: {e})")
PY
)
out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cairn-diff-$number.md"
status=0
{
  echo "$marker"
  cairn diff -C "$root" "$base..$head" --format markdown || status=$?
} > "$out"
if [ "$status" -gt 1 ]; then
  echo "::error::cairn diff failed (exit $status)"
  cat "$out" >&2
  exit "$status"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "file=$out" >> "$GITHUB_OUTPUT"; fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then tail -n +2 "$out" >> "$GITHUB_STEP_SUMMARY"; fi

# The request: create, or update the comment made before.
if [ -n "${CAIRN_ACTION_DRY_RUN:-}" ]; then
  existing="${CAIRN_ACTION_EXISTING_COMMENT:-}"
else
  existing="$(gh api --paginate "repos/$repo/issues/$number/comments" \
    --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)"
fi
if [ -n "$existing" ]; then
  method=PATCH; path="repos/$repo/issues/comments/$existing"
else
  method=POST; path="repos/$repo/issues/$number/comments"
fi
body="$(python3 -c 'import json,sys; print(json.dumps({"body": open(sys.argv[1]).read()}))' "$out")"
if [ -n "${CAIRN_ACTION_DRY_RUN:-}" ]; then
  python3 -c 'import json,sys; print(json.dumps({"method": sys.argv[1], "path": sys.argv[2], "body": json.loads(sys.argv[3])["body"]}))' \
    "$method" "$path" "$body" >> "$CAIRN_ACTION_DRY_RUN"
else
  printf '%s' "$body" | gh api --method "$method" "$path" --input - > /dev/null
fi
exit "$status"
