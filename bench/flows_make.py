#!/usr/bin/env python3
"""Builds bench/run_flows.sh's inputs from one generated log.

Usage:
    flows_make.py BASE.log COPIES OUT.log [OUT.log.gz]

Writes OUT.log: BASE's header line, then BASE's records COPIES times (so a
2 GB log costs the generator a tenth of the time: on a loaded 2-core
machine it writes about 10k records a second). Writes OUT.log.truth.json:
BASE's ground truth with every count multiplied by COPIES (distinct
sources stay as they are). With OUT.log.gz, also writes the same text as
gzip: BASE's records compressed once (level 6) and that member repeated,
after a member holding the header, which is a valid multi-member gzip file
as concatenated S3 objects are.

Python 3 standard library only.
"""

import gzip
import json
import shutil
import sys


def scale(node, k):
    if isinstance(node, dict):
        return {key: (v if key.startswith("distinct") else scale(v, k)) for key, v in node.items()}
    if isinstance(node, int) and not isinstance(node, bool):
        return node * k
    return node


def main():
    base, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    gz_out = sys.argv[4] if len(sys.argv) > 4 else None
    with open(base, "rb") as f:
        header = f.readline()
        body_at = f.tell()
    with open(out, "wb") as o:
        o.write(header)
        for _ in range(copies):
            with open(base, "rb") as f:
                f.seek(body_at)
                shutil.copyfileobj(f, o, 1 << 22)
    truth = json.load(open(base + ".truth.json"))
    truth["tcp_10257"] = scale(truth["tcp_10257"], copies)
    truth["log_status"] = scale(truth["log_status"], copies)
    truth["lines"] = {"header": 1, "records": truth["lines"]["records"] * copies,
                      "total": 1 + truth["lines"]["records"] * copies}
    truth["made_by"] = f"flows_make.py: {base} records x{copies}"
    truth.pop("sha256", None)
    with open(out + ".truth.json", "w") as f:
        json.dump(truth, f, indent=2)
    if gz_out:
        member = gz_out + ".member"
        with open(base, "rb") as f, open(member, "wb") as raw:
            f.seek(body_at)
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as z:
                shutil.copyfileobj(f, z, 1 << 22)
        with open(gz_out, "wb") as o:
            with gzip.GzipFile(filename="", mode="wb", fileobj=o, compresslevel=6, mtime=0) as z:
                z.write(header)
            for _ in range(copies):
                with open(member, "rb") as m:
                    shutil.copyfileobj(m, o, 1 << 22)
        import os
        os.remove(member)
    return 0


if __name__ == "__main__":
    sys.exit(main())
