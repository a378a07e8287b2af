#!/usr/bin/env python3
"""Two builds timed side by side: the same scans, runs alternating between
the old and the new binary, so both see the same machine load.

  python3 bench/side_by_side.py OLD NEW [--rounds N] [--dump FILE] [--corpus DIR]

Scans (as `bench/run_sg.sh` and `bench/run_checkov.sh` time them):
  - dump:   scan DUMP --format json -o /dev/null --fail-on none
            (default bench/out/sg-50k.json; generate it with bench/run_sg.sh
            or bench/gen_sg_dump.py)
  - corpus: scan CORPUS --format json -o /dev/null --fail-on none --no-config
            (default ../shared/corpus; skipped when absent)

Each round runs old then new on the dump, then new then old on the corpus
(the order flips so neither binary always runs first). Prints the median and
minimum wall time, the median CPU (user + sys) and the maximum peak RSS per
binary and scan, and the new/old ratios, with the load average before and
after. Uses bench/measure.py's way of measuring one process (wall around
fork..reap, rusage of that child).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import run_once  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def load():
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--dump", default=os.path.join(REPO, "bench/out/sg-50k.json"))
    ap.add_argument("--corpus", default=os.path.join(REPO, "../shared/corpus"))
    a = ap.parse_args()

    # Private copies: a rebuild in the work tree must not swap a binary mid-run.
    tmp = tempfile.mkdtemp(prefix="side-by-side-")
    bins = {}
    for name, path in (("old", a.old), ("new", a.new)):
        bins[name] = os.path.join(tmp, "portcullis-" + name)
        shutil.copy(path, bins[name])

    scans = []
    if os.path.isfile(a.dump):
        scans.append(("dump", [a.dump, "--format", "json", "-o", "/dev/null", "--fail-on", "none"]))
    else:
        print("NOTICE: no dump at %s (run bench/run_sg.sh once): dump scan skipped" % a.dump)
    if os.path.isdir(a.corpus):
        scans.append(("corpus", [a.corpus, "--format", "json", "-o", "/dev/null", "--fail-on", "none", "--no-config"]))
    else:
        print("NOTICE: no corpus at %s: corpus scan skipped" % a.corpus)
    if not scans:
        sys.exit(2)

    print("load average before: %s; %d rounds" % (load(), a.rounds))
    results = {(s, b): [] for s, _ in scans for b in bins}
    for r in range(a.rounds):
        for i, (scan, args) in enumerate(scans):
            order = ["old", "new"] if (r + i) % 2 == 0 else ["new", "old"]
            for b in order:
                res = run_once([bins[b], "scan", *args])
                # 2: input errors were reported (real corpus files have some).
                if res["exit"] not in (0, 2):
                    print("FAIL: %s on %s exited %d" % (b, scan, res["exit"]))
                    sys.exit(1)
                results[(scan, b)].append(res)
                print("round %d %-6s %-3s wall %.3f s  cpu %.3f s  rss %.1f MiB" % (
                    r + 1, scan, b, res["wall_s"], res["user_s"] + res["sys_s"], res["max_rss_kib"] / 1024))
    print("load average after: %s" % load())
    print()
    print("| scan | binary | wall median s | wall min s | cpu median s | cpu min s | peak RSS median MiB | peak RSS max MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for scan, _ in scans:
        for b in ("old", "new"):
            rs = results[(scan, b)]
            s = {
                "wall_med": statistics.median(x["wall_s"] for x in rs),
                "wall_min": min(x["wall_s"] for x in rs),
                "cpu_med": statistics.median(x["user_s"] + x["sys_s"] for x in rs),
                "cpu_min": min(x["user_s"] + x["sys_s"] for x in rs),
                "rss_med": statistics.median(x["max_rss_kib"] for x in rs) / 1024,
                "rss_max": max(x["max_rss_kib"] for x in rs) / 1024,
            }
            summary[(scan, b)] = s
            print("| %s | %s | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f |" % (
                scan, b, s["wall_med"], s["wall_min"], s["cpu_med"], s["cpu_min"], s["rss_med"], s["rss_max"]))
    print()
    for scan, _ in scans:
        o, n = summary[(scan, "old")], summary[(scan, "new")]
        print("%s new/old: wall median x%.3f, wall min x%.3f, cpu median x%.3f, cpu min x%.3f, "
              "peak RSS median x%.3f, max x%.3f" % (
                  scan, n["wall_med"] / o["wall_med"], n["wall_min"] / o["wall_min"], n["cpu_med"] / o["cpu_med"],
                  n["cpu_min"] / o["cpu_min"], n["rss_med"] / o["rss_med"], n["rss_max"] / o["rss_max"]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
