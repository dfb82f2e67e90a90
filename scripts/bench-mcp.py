#!/usr/bin/env python3
"""Times `list_items` calls of `cairn mcp` (round trip over stdio, as a
client sees it): the first call (which loads the backlog) and N more with
nothing changed on disk, then one after a file is edited.

    python3 scripts/bench-mcp.py CAIRN ROOT [N]
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

cairn, root = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
p = subprocess.Popen([cairn, "mcp", "-C", root], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
next_id = 0


def call(method, params):
    global next_id
    next_id += 1
    p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params}) + "\n")
    p.stdin.flush()
    t = time.perf_counter()
    reply = json.loads(p.stdout.readline())
    ms = (time.perf_counter() - t) * 1000
    assert reply.get("id") == next_id and "error" not in reply, reply
    return reply["result"], ms


call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}})
queries = [
    {"where": 'status == "ready"', "sort": "priority:desc,id", "limit": 20},
    {"limit": 100},
    {"where": 'kind == "story" and estimate > 3', "fields": ["id", "title", "estimate"], "limit": 50},
]
res, first = call("tools/call", {"name": "list_items", "arguments": queries[0]})
print(f"first call (loads the backlog): {first:.1f} ms, total {res['structuredContent']['total']}")
for q in queries:
    times = [call("tools/call", {"name": "list_items", "arguments": q})[1] for _ in range(n)]
    print(f"{json.dumps(q)}: median {statistics.median(times):.1f} ms, min {min(times):.1f}, max {max(times):.1f} ({n} calls)")
# One file edited on disk: the next call loads again (through the parse cache).
f = sorted((Path(root) / "stories").glob("*.md"))[0]
f.write_text(f.read_text().replace("title: ", "title: Edited ", 1))
after = [call("tools/call", {"name": "list_items", "arguments": queries[0]})[1] for _ in range(4)]
print("after one file edited, four calls: " + ", ".join(f"{t:.1f} ms" for t in after))
p.stdin.close()
p.wait()
