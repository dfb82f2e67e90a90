#!/usr/bin/env python3
"""Alternates two builds of cairn on a generated backlog and prints, for
each, the median wall time, CPU time (user + sys) and page faults of its
builds, with quartiles and the 90th percentile of the wall time (see
BENCHMARKS.md, "Incremental build, round 9"): on a host whose speed
drifts, only alternation compares.

Usage: scripts/bench-ab.py RUNS BIN_A BIN_B [ITEMS] [--full | --after-full]
  default: a title edit, then a build; --full: `build --full`, no edit;
  --after-full: a `build --full` (not measured), then a title edit and a
  build (measured).
Each binary gets its own copy of the backlog (the build state and the
query index are keyed by the binary: one copy for both would make every
build a full one). Work folders go under $W (default /dev/shm/cairn-ab);
the generator is $GEN (default target/release/examples/gen)."""
import glob, os, random, re, resource, shutil, statistics, subprocess, sys, time

args = [a for a in sys.argv[1:] if a not in ("--full", "--after-full")]
full = "--full" in sys.argv[1:]
after_full = "--after-full" in sys.argv[1:]
if len(args) < 3:
    sys.exit(__doc__)
runs, bins = int(args[0]), {"A": args[1], "B": args[2]}
items = args[3] if len(args) > 3 else "10000"
w = os.environ.get("W", "/dev/shm/cairn-ab")
gen = os.environ.get("GEN", "target/release/examples/gen")
os.makedirs(w, exist_ok=True)
if not os.path.isdir(f"{w}/base"):
    subprocess.run([gen, f"{w}/base", items], check=True, stdout=subprocess.DEVNULL)


def build(x, extra=()):
    cmd = [bins[x], "build", "-C", f"{w}/{x}", "--no-history", "--out", f"{w}/out-{x}", "-q", *extra]
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(cmd, check=True)
    t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    return (t1 - t0) * 1000, cpu * 1000, r1.ru_minflt - r0.ru_minflt


for x in "AB":
    shutil.rmtree(f"{w}/{x}", ignore_errors=True)
    shutil.rmtree(f"{w}/out-{x}", ignore_errors=True)
    shutil.copytree(f"{w}/base", f"{w}/{x}", symlinks=True)
    build(x)
    build(x)
res = {"A": [], "B": []}
for _ in range(runs):
    for x in "AB":
        if after_full:
            build(x, ["--full"])
        if not full:
            f = sorted(glob.glob(f"{w}/{x}/stories/*.md"))[0]
            with open(f) as fh:
                s = fh.read()
            s = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)} e{random.randint(0, 99999)}", s, count=1, flags=re.M)
            with open(f, "w") as fh:
                fh.write(s)
        res[x].append(build(x, ["--full"] if full else []))
what = "full build" if full else "title edit after --full" if after_full else "title edit"
for x in "AB":
    v = res[x]
    wall = sorted(r[0] for r in v)
    q = lambda p: wall[min(len(wall) - 1, int(p * len(wall)))]
    med = lambda i: statistics.median(r[i] for r in v)
    print(f"{x} {what}: wall median {med(0):.0f} ms (quartiles {q(0.25):.0f}-{q(0.75):.0f}, p90 {q(0.9):.0f}), "
          f"CPU {med(1):.0f} ms, page faults {med(2):.0f}, n={len(v)}  [{bins[x]}]")
