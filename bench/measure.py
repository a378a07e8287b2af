#!/usr/bin/env python3
"""Run a command as a whole process and report its wall time and peak RSS.

Usage:
    measure.py [--runs N] [--label TEXT] [--json FILE] -- COMMAND [ARGS...]

Python 3 standard library only: no GNU `time` needed. Each run starts the
command with subprocess and reaps it with os.wait4(), whose rusage is that
one child's (ru_maxrss is its peak resident set in KiB on Linux, covering
any threads; grandchildren are not counted, and the scan starts none).
Wall time is time.perf_counter() from just before the fork to just after
the reap, so it includes process start, reading the input and writing the
output.

Prints one line per run and a summary (min / median wall, max peak RSS) to
stdout; with --json, appends the summary as one JSON object per line to
FILE. Exits with the command's exit status if any run failed (non-zero),
otherwise 0.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(cmd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code if code >= 0 else 128 - code  # killed by a signal: shell style
    return {
        "wall_s": wall,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "max_rss_kib": ru.ru_maxrss,
        "exit": proc.returncode,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--label", default="")
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command given (put it after --)")
    runs = []
    for i in range(a.runs):
        load = os.getloadavg()[0]
        r = run_once(cmd)
        r["load1_before"] = load
        runs.append(r)
        print("  run %d: wall %.3f s  user %.3f s  sys %.3f s  peak RSS %.1f MiB  exit %d  (load avg %.2f before)" % (
            i + 1, r["wall_s"], r["user_s"], r["sys_s"], r["max_rss_kib"] / 1024, r["exit"], load), flush=True)
    walls = [r["wall_s"] for r in runs]
    summary = {
        "label": a.label,
        "cmd": cmd,
        "runs": len(runs),
        "wall_min_s": min(walls),
        "wall_median_s": statistics.median(walls),
        "wall_max_s": max(walls),
        "user_median_s": statistics.median(r["user_s"] for r in runs),
        "sys_median_s": statistics.median(r["sys_s"] for r in runs),
        "max_rss_kib": max(r["max_rss_kib"] for r in runs),
        "exits": [r["exit"] for r in runs],
        "load1": [round(r["load1_before"], 2) for r in runs],
    }
    print("%s: wall min %.3f s, median %.3f s; peak RSS max %.1f MiB" % (
        a.label or " ".join(cmd), summary["wall_min_s"], summary["wall_median_s"], summary["max_rss_kib"] / 1024))
    if a.json_out:
        with open(a.json_out, "a", encoding="utf-8") as f:
            f.write(json.dumps(summary) + "\n")
    bad = [r["exit"] for r in runs if r["exit"] != 0]
    sys.exit(bad[0] if bad else 0)


if __name__ == "__main__":
    main()
