#!/usr/bin/env python3
"""Check a `portcullis diff --format json` report against diff_make.py's truth.

Usage:
    diff_check.py REPORT.json TRUTH.json

Every change must be PC100 on tcp/10257 of a changed group, with the class,
added and removed sources the truth gives; every changed group must have
its change; the report must have no input errors. Exits 1 on any
difference, listing the first ones.
"""

import json
import sys


def main():
    report_path, truth_path = sys.argv[1:3]
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)["changes"]
    wrong = []
    if report.get("errors"):
        wrong.append("input errors: %s" % report["errors"][:3])
    seen = set()
    for c in report["changes"]:
        expected = truth.get(c["resource"])
        got = {"change": c["change"], "added": c["added"], "removed": c["removed"]}
        if c["rule"] != "PC100" or c["port"] != 10257 or c["protocol"] != "tcp" or expected != got:
            wrong.append("unexpected %s %s %s/%s %s: %s (truth: %s)" % (
                c["change"], c["rule"], c["protocol"], c["port"], c["resource"], got, expected))
        if c["resource"] in seen:
            wrong.append("two changes for %s" % c["resource"])
        seen.add(c["resource"])
    for group in sorted(set(truth) - seen):
        wrong.append("missing %s %s" % (truth[group]["change"], group))
    counts = {}
    for c in report["changes"]:
        counts[c["change"]] = counts.get(c["change"], 0) + 1
    print("diff_check: %d changes %s; truth %d; %d differences" % (
        len(report["changes"]), dict(sorted(counts.items())), len(truth), len(wrong)))
    for w in wrong[:20]:
        print("  " + w)
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
