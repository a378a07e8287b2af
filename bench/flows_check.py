#!/usr/bin/env python3
"""Checks bench/run_flows.sh results against the generator's ground truth.

Usage:
    flows_check.py TRUTH.json portcullis PORTCULLIS.json
    flows_check.py TRUTH.json duckdb DUCKDB.json

Compares tcp/10257 records per action and source class (authorized or
not), their packets and distinct sources, with the `tcp_10257` section of
the truth file written by gen_vpc_flow.py. Prints one line and exits 1 on
any difference.
"""

import json
import sys


def from_portcullis(doc):
    cells = {}
    for o in doc["observations"]:
        if o["kind"] != "destination" or o["port"] != 10257 or o["protocol"] != "tcp":
            continue
        act = o["action"].upper()
        for cls, key in (("authorized", "authorized_flows"), ("unauthorized", "unauthorized_flows")):
            c = cells.setdefault((act, cls), {"flows": 0})
            c["flows"] += o[key]
    if doc["errors"]:
        sys.exit(f"portcullis reported input errors: {doc['errors'][:3]}")
    return cells


def from_duckdb(rows):
    cells = {}
    for r in rows:
        cls = "authorized" if r["authorized"] in (True, "true", "True") else "unauthorized"
        c = cells.setdefault((r["action"].upper(), cls), {"flows": 0, "packets": 0})
        c["flows"] += int(r["flows"])
        c["packets"] += int(r["packets"])
    return cells


def main():
    truth_path, tool, path = sys.argv[1:4]
    truth = json.load(open(truth_path))["tcp_10257"]
    doc = json.load(open(path))
    cells = from_portcullis(doc) if tool == "portcullis" else from_duckdb(doc)
    bad = []
    for act in ("ACCEPT", "REJECT"):
        for cls in ("authorized", "unauthorized"):
            want = truth["by_action_and_source"][act][cls]
            got = cells.get((act, cls), {}).get("flows", 0)
            if got != want:
                bad.append(f"{act} {cls}: {got} flows, truth {want}")
            if "packets" in cells.get((act, cls), {}):
                wp = truth["packets_by_action_and_source"][act][cls]
                if cells[(act, cls)]["packets"] != wp:
                    bad.append(f"{act} {cls}: {cells[(act, cls)]['packets']} packets, truth {wp}")
    if tool == "portcullis":
        # The findings: one per (destination, unauthorized accepted source).
        srcs = sorted({f["sources"][0] for f in doc["findings"]}, key=lambda s: tuple(int(x) for x in s.split(".")))
        first = truth["unauthorized_accepted_sources_first"]
        if srcs[: len(first)] != first:
            bad.append("the first unauthorized accepted sources differ from the truth")
        if len(srcs) != truth["distinct_sources_by_action_and_source"]["ACCEPT"]["unauthorized"]:
            bad.append(f"{len(srcs)} unauthorized accepted sources, truth "
                       f"{truth['distinct_sources_by_action_and_source']['ACCEPT']['unauthorized']}")
    total = sum(c["flows"] for c in cells.values())
    if bad:
        print(f"{tool}: MISMATCH: " + "; ".join(bad))
        return 1
    print(f"{tool}: {total} tcp/10257 records, every cell equals the ground truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
