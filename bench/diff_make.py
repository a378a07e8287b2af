#!/usr/bin/env python3
"""Make the two snapshots `portcullis diff` is benchmarked on, and the truth.

Usage:
    diff_make.py DUMP.json OUT_DIR [--changes N] [--seed S]

DUMP.json is a `describe-security-groups` dump from gen_sg_dump.py (50,000
groups, 500,000 permissions by default). Writes OUT_DIR/base.json,
OUT_DIR/head.json and OUT_DIR/truth.json.

Both snapshots are the dump with a few groups changed. The changed groups
are taken (seeded) among those the generator gave no ingress permission at
all, so their exposure is exactly what is written here and the truth needs
no evaluator: N/4 groups of each class.

- opened:   base none;                       head tcp/10257 from 0.0.0.0/0
- closed:   base tcp/10257 from 0.0.0.0/0;   head none
- widened:  base tcp/10257 from 52.94.0.0/16; head 52.94.0.0/16 and 3.5.0.0/16
- narrowed: the reverse of widened

Every other group is the same in both, so any other change `diff` reports
is wrong. The ranges are public (AWS's own), so they are findings without
`--authorized`. Python 3 standard library only.
"""

import argparse
import json
import os
import random


def permission(cidrs):
    return {
        "FromPort": 10257,
        "IpProtocol": "tcp",
        "IpRanges": [{"CidrIp": c} for c in cidrs],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "ToPort": 10257,
        "UserIdGroupPairs": [],
    }


SIDES = {
    # class: (base cidrs, head cidrs, added, removed); None = no permission
    "opened": (None, ["0.0.0.0/0"], ["0.0.0.0/0"], []),
    "closed": (["0.0.0.0/0"], None, [], ["0.0.0.0/0"]),
    "widened": (["52.94.0.0/16"], ["3.5.0.0/16", "52.94.0.0/16"], ["3.5.0.0/16"], []),
    "narrowed": (["3.5.0.0/16", "52.94.0.0/16"], ["52.94.0.0/16"], [], ["3.5.0.0/16"]),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump")
    ap.add_argument("out")
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=10257)
    a = ap.parse_args()
    with open(a.dump, encoding="utf-8") as f:
        doc = json.load(f)
    groups = doc["SecurityGroups"]
    empty = [i for i, g in enumerate(groups) if not g["IpPermissions"]]
    per_class = a.changes // len(SIDES)
    if per_class * len(SIDES) > len(empty):
        raise SystemExit("diff_make: only %d groups without ingress permissions" % len(empty))
    rng = random.Random(a.seed)
    chosen = rng.sample(empty, per_class * len(SIDES))
    truth = {}
    plan = {}
    for n, (name, sides) in enumerate(SIDES.items()):
        for i in chosen[n * per_class:(n + 1) * per_class]:
            plan[i] = sides
            base, head, added, removed = sides
            truth[groups[i]["GroupId"]] = {"change": name, "added": added, "removed": removed}
    os.makedirs(a.out, exist_ok=True)
    for side, which in (("base", 0), ("head", 1)):
        for i, sides in plan.items():
            cidrs = sides[which]
            groups[i]["IpPermissions"] = [] if cidrs is None else [permission(cidrs)]
        with open(os.path.join(a.out, side + ".json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=4)
            f.write("\n")
    with open(os.path.join(a.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump({"seed": a.seed, "dump": os.path.basename(a.dump), "changes": truth}, f, indent=2, sort_keys=True)
    print("diff_make: %d groups changed, %d of each class, in %s" % (len(truth), per_class, a.out))


if __name__ == "__main__":
    main()
