#!/usr/bin/env python3
"""Check a scan's PC100 findings against gen_reach_estate.py's truth.

Usage:
    check_reach.py FINDINGS.json TRUTH.json

Every resource the truth names must have exactly one PC100 finding with the
truth's exposure class, reach and severity; no other resource may have one;
the scan must report no input errors. Prints a table of counts by class and
reach (found and expected) and the first differences; exits 1 on any.
"""

import collections
import json
import sys


def main():
    findings_path, truth_path = sys.argv[1:3]
    with open(findings_path, encoding="utf-8") as f:
        report = json.load(f)
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    ok = True
    if report.get("errors"):
        print("FAIL: the scan reported %d input errors, first: %s" % (len(report["errors"]), report["errors"][0]))
        ok = False
    got = {}
    twice = []
    for f in report["findings"]:
        if f["rule"] != "PC100":
            continue
        if f["resource"] in got:
            twice.append(f["resource"])
        got[f["resource"]] = [f.get("exposure"), f.get("reach"), f["severity"]]
    want = truth["findings"]
    count = collections.Counter()
    for r, v in got.items():
        count[("found",) + tuple(v[:2])] += 1
    for r, v in want.items():
        count[("truth",) + tuple(v[:2])] += 1
    keys = sorted({k[1:] for k in count})
    print("  %-14s %-9s %8s %8s" % ("class", "reach", "found", "truth"))
    for k in keys:
        a, b = count[("found",) + k], count[("truth",) + k]
        print("  %-14s %-9s %8d %8d  %s" % (k[0], k[1], a, b, "ok" if a == b else "MISMATCH"))
    missing = [r for r in want if r not in got]
    extra = [r for r in got if r not in want]
    wrong = [(r, got[r], want[r]) for r in want if r in got and got[r] != want[r]]
    for what, items in (("missing", missing), ("unexpected", extra), ("different", wrong), ("twice", twice)):
        if items:
            ok = False
            print("  %d %s, e.g. %s" % (len(items), what, items[:3]))
    with_via = sum(1 for f in report["findings"] if f["rule"] == "PC100" and f.get("via"))
    through_lb = sum(1 for f in report["findings"]
                     if f["rule"] == "PC100" and any(h["hop"] == "load balancer" for h in f.get("via", [])))
    print("  PC100 findings: %d, with a drawn path: %d, through a load balancer: %d" % (len(got), with_via, through_lb))
    if not ok:
        print("FAIL: PC100 findings do not match the generator's truth", file=sys.stderr)
        sys.exit(1)
    print("  all %d PC100 findings match the truth" % len(want))


if __name__ == "__main__":
    main()
