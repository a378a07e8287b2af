#!/usr/bin/env python3
"""DuckDB's side of bench/run_flows.sh: the flow-log report as SQL.

Usage:
    flows_duckdb.py --out RESULT.json [--authorized CIDR ...] [--port N] [--emitted SQLFILE] FILE...

Reads AWS VPC flow logs in the default (version 2) format, plain or gzip,
with DuckDB's CSV reader (typed columns, the header line skipped, `-` as
NULL), keeps records with log-status OK, protocol 6 and the destination
port, classifies each source against the authorized IPv4 CIDRs and counts
flows, packets, bytes and distinct sources per destination, action and
source class. With --emitted, runs the query `portcullis flows --emit-sql
duckdb` printed instead (all-text columns; slower, same result).

Writes the rows as JSON. Needs the `duckdb` package (bench/run_flows.sh
installs it into bench/.venv-duckdb).
"""

import argparse
import ipaddress
import json
import sys

import duckdb

COLUMNS = [("version", "INTEGER"), ("account_id", "VARCHAR"), ("interface_id", "VARCHAR"),
           ("srcaddr", "VARCHAR"), ("dstaddr", "VARCHAR"), ("srcport", "INTEGER"), ("dstport", "INTEGER"),
           ("protocol", "INTEGER"), ("packets", "BIGINT"), ("bytes", "BIGINT"), ("start", "BIGINT"),
           ("end", "BIGINT"), ("action", "VARCHAR"), ("log_status", "VARCHAR")]


def query(files, authorized, port):
    ranges = []
    for c in authorized:
        n = ipaddress.ip_network(c, strict=False)
        if n.version != 4:
            sys.exit("flows_duckdb.py: IPv4 CIDRs only")
        ranges.append(f"src_v4 BETWEEN {int(n.network_address)} AND {int(n.broadcast_address)}")
    auth = " OR ".join(ranges) or "FALSE"
    cols = ", ".join(f"'{n}': '{t}'" for n, t in COLUMNS)
    flist = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"""
WITH hits AS (
  SELECT srcaddr AS src, dstaddr AS dst, action, packets, bytes
  FROM read_csv([{flist}], delim = ' ', header = true, quote = '', escape = '', nullstr = '-',
                columns = {{{cols}}})
  WHERE log_status = 'OK' AND protocol = 6 AND dstport = {port}
), classified AS (
  SELECT *, split_part(src, '.', 1)::BIGINT * 16777216 + split_part(src, '.', 2)::BIGINT * 65536
            + split_part(src, '.', 3)::BIGINT * 256 + split_part(src, '.', 4)::BIGINT AS src_v4
  FROM hits
)
SELECT dst AS destination, lower(action) AS action, ({auth}) AS authorized,
       count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes, count(DISTINCT src) AS sources
FROM classified
GROUP BY ALL
ORDER BY ALL
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--authorized", action="append", default=[])
    ap.add_argument("--port", type=int, default=10257)
    ap.add_argument("--emitted", help="run this SQL file instead of the built-in query")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    sql = open(a.emitted).read() if a.emitted else query(a.files, a.authorized, a.port)
    cur = duckdb.connect().execute(sql)
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    with open(a.out, "w") as f:
        json.dump(rows, f, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
