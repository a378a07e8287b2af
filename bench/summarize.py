#!/usr/bin/env python3
"""Summarizes the runs `measure.py` appended to RESULTS, one line per label,
with new/old ratios and the target's verdict.

  python3 bench/summarize.py RESULTS --new LABEL [--old LABEL] [--also LABEL]...
                             [--per LABEL] --target SECONDS [--enforce 0|1]

--new is the command the target is about; --old the same command by an
older build (timed alternating with it), for the new/old ratios of wall
time, CPU time and peak memory; --also other commands shown beside them;
--per another label to divide the new median wall time by ("diff / scan").
Exit status: 3 when the new median wall time misses the target and
--enforce is 1, else 0.
"""
import argparse
import json
import statistics
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--new", required=True)
    ap.add_argument("--old")
    ap.add_argument("--also", action="append", default=[])
    ap.add_argument("--per")
    ap.add_argument("--target", type=float, required=True)
    ap.add_argument("--enforce", default="1")
    a = ap.parse_args()

    by = {}
    with open(a.results, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            by.setdefault(r["label"], []).append(r)

    def median(label, key):
        return statistics.median(x[key] for x in by[label])

    def cpu(label):
        return statistics.median(x["user_median_s"] + x["sys_median_s"] for x in by[label])

    def rss(label):
        return max(x["max_rss_kib"] for x in by[label]) / 1024

    if a.new not in by:
        sys.exit("summarize.py: no runs labelled %s in %s" % (a.new, a.results))
    width = max(len(l) for l in [a.new, a.old or "", *a.also])
    for label in [a.new, a.old, *a.also]:
        if label not in by:
            continue
        loads = [l for x in by[label] for l in x["load1"]]
        print("%-*s median wall %.2f s, min %.2f s, median user %.2f s, sys %.2f s, peak RSS %.0f MiB, load %.1f-%.1f" % (
            width, label, median(label, "wall_median_s"), min(x["wall_min_s"] for x in by[label]),
            median(label, "user_median_s"), median(label, "sys_median_s"), rss(label), min(loads), max(loads)))
    if a.per in by:
        print("%s / %s: x%.2f" % (a.new, a.per, median(a.new, "wall_median_s") / median(a.per, "wall_median_s")))
    if a.old in by:
        print("new / old: wall x%.2f, CPU x%.2f, peak RSS x%.2f" % (
            median(a.new, "wall_median_s") / median(a.old, "wall_median_s"),
            cpu(a.new) / cpu(a.old), rss(a.new) / rss(a.old)))
    wall = median(a.new, "wall_median_s")
    ok = wall < a.target
    print("target: %s wall median %.2f s (< %.1f s: %s)" % (a.new, wall, a.target, "met" if ok else "MISSED"))
    sys.exit(3 if (a.enforce == "1" and not ok) else 0)


if __name__ == "__main__":
    main()
