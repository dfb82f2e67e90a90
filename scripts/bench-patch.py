#!/usr/bin/env python3
"""PATCH → SSE `reload` latency of `cairn serve` (see BENCHMARKS.md, "Write side").

Usage: scripts/bench-patch.py HOST:PORT ROOT N [GAP_SECONDS] [--save]

Opens `/_cairn/events`, reads the write token from a served page, then N
times: PATCHes the title of a story (a different one each time, a unique
title) with its etag, and times from just before the request to (a) the
200 response and (b) the `reload` event that lists the item's page; waits
GAP to GAP + 0.5 s between edits (default 1: the background settle phase
of the previous edit may still run, and a write waits for it to stop).
Prints both medians.

With --save, each edit is an editor's save instead of a PATCH: the story's
file is written anew (a temporary file renamed over it, as editors do)
with a new title, and the time is from just before the write to the
`reload` event (the watcher sees the save; no HTTP request).
"""
import http.client
import json
import os
import random
import re
import socket
import statistics
import sys
import time

save = "--save" in sys.argv
args = [a for a in sys.argv if a != "--save"]
addr, root, n = args[1], args[2], int(args[3])
gap = float(args[4]) if len(args) > 4 else 1.0
host, port = addr.split(":")
page = http.client.HTTPConnection(host, int(port))
page.request("GET", "/board/")
token = re.search(r'<meta name="cairn-token" content="([0-9a-f]+)"', page.getresponse().read().decode()).group(1)

s = socket.create_connection((host, int(port)))
s.sendall(f"GET /_cairn/events HTTP/1.1\r\nHost: {addr}\r\n\r\n".encode())
f = s.makefile("rb")


def event():
    ev, data = None, []
    while True:
        line = f.readline().decode().rstrip("\r\n")
        if line == "" and ev:
            return ev, "\n".join(data)
        if line.startswith("event: "):
            ev = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])


ids = sorted(x[:-3] for x in os.listdir(os.path.join(root, "stories")) if x.endswith(".md"))
api = http.client.HTTPConnection(host, int(port))


def patch(id):
    """PATCHes the story's title; returns the time just before the request."""
    global api
    # A new connection each time: the server closes one idle for 5 s.
    api.close()
    api = http.client.HTTPConnection(host, int(port))
    api.request("GET", f"/api/v1/items/{id}?fields=id")
    etag = json.loads(api.getresponse().read())["data"]["etag"]
    body = json.dumps({"title": f"Story {id} edit{time.time_ns()}"})
    headers = {"X-Cairn-Token": token, "Origin": f"http://{addr}", "If-Match": f'"{etag}"',
               "Content-Type": "application/json"}
    t0 = time.perf_counter()
    api.request("PATCH", f"/api/v1/items/{id}", body, headers)
    r = api.getresponse()
    r.read()
    assert r.status == 200, r.status
    return t0


def save_file(id):
    """Saves the story with a new title as an editor does (a temporary file
    renamed over it); returns the time just before the write."""
    path = os.path.join(root, "stories", id + ".md")
    with open(path) as fh:
        text = fh.read()
    text = re.sub(r"(?m)^title: .*$", f"title: Story {id} save{time.time_ns()}", text, count=1)
    t0 = time.perf_counter()
    with open(path + ".tmp~", "w") as fh:
        fh.write(text)
    os.rename(path + ".tmp~", path)
    return t0


done, sse = [], []
for k in range(n):
    id = ids[k * 37 % len(ids)]
    t0 = save_file(id) if save else patch(id)
    done.append((time.perf_counter() - t0) * 1000)
    while True:
        ev, data = event()
        changed = json.loads(data).get("changed") if ev == "reload" else None
        if ev == "reload" and (changed is None or f"items/{id}.html" in changed):
            break
    sse.append((time.perf_counter() - t0) * 1000)
    time.sleep(gap + random.random() / 2)
label = "save" if save else "PATCH"
first = "written" if save else "200"
print("%s → %s: median %.1f ms (min %.1f, max %.1f)" % (label, first, statistics.median(done), min(done), max(done)))
print("%s → SSE reload: median %.1f ms (min %.1f, max %.1f)" % (label, statistics.median(sse), min(sse), max(sse)))
print("all (ms):", [round(x, 1) for x in sorted(sse)])
