#!/usr/bin/env bash
# Times `portcullis flows` against DuckDB on ~2 GB of default-format AWS VPC
# flow logs, plain and gzip, as whole processes in one run, and checks both
# tools' counts against the generator's ground truth. See bench/README.md
# ("Flow logs vs DuckDB").
#
# Environment:
#   RUNS=3             timed runs per tool and input (alternating tools)
#   BASE_RECORDS=1700000  records gen_vpc_flow.py writes (~200 MB)
#   COPIES=10          the 2 GB input is the base records written COPIES times
#   SEED=7             generator seed
#   KEEP=0             1: keep the generated files (they are ~2.3 GB)
#   BIN=path           time this binary instead of building target/release/portcullis
#   DUCKDB_VERSION=2.0.0
#
# Exit status: 0 ok; 1 a tool's counts differ from the ground truth.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
BASE_RECORDS=${BASE_RECORDS:-1700000}
COPIES=${COPIES:-10}
SEED=${SEED:-7}
KEEP=${KEEP:-0}
DUCKDB_VERSION=${DUCKDB_VERSION:-2.0.0}
OUT=bench/out
GEN=../shared/flowlogs/gen_vpc_flow.py
AUTH=10.0.0.0/16
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$OUT/flows-results-$STAMP.jsonl"

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
test -f "$GEN" || { echo "run_flows.sh: $GEN not found (../shared is not part of a clone)" >&2; exit 1; }

if [[ -n "${BIN:-}" ]]; then
    SRC_BIN=$BIN
else
    echo "== building (cargo build --release -p portcullis)"
    cargo build --release -p portcullis
    SRC_BIN=target/release/portcullis
fi
PORTCULLIS="$OUT/portcullis-flows-bench"
cp "$SRC_BIN" "$PORTCULLIS"

VENV=bench/.venv-duckdb
if ! "$VENV/bin/python" -c "import duckdb" 2>/dev/null; then
    echo "== installing duckdb $DUCKDB_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "duckdb==$DUCKDB_VERSION"
fi
PY="$VENV/bin/python"
echo "== duckdb $("$PY" -c 'import duckdb; print(duckdb.__version__)')"

BASE="$OUT/flows-base-$SEED-$BASE_RECORDS.log"
PLAIN="$OUT/flows-2g.log"
GZ="$OUT/flows-2g.log.gz"
if [[ ! -f "$BASE.truth.json" ]]; then
    echo "== generating $BASE_RECORDS records (gen_vpc_flow.py, seed $SEED)"
    python3 "$GEN" --out "$BASE" --records "$BASE_RECORDS" --seed "$SEED" --authorized "$AUTH"
fi
echo "== writing $PLAIN and $GZ (the base records x$COPIES)"
python3 bench/flows_make.py "$BASE" "$COPIES" "$PLAIN" "$GZ"
cp "$PLAIN.truth.json" "$GZ.truth.json"
ls -l "$PLAIN" "$GZ"

cleanup() {
    if [[ "$KEEP" != 1 ]]; then
        rm -f "$PLAIN" "$GZ" "$PLAIN.truth.json" "$GZ.truth.json"
    fi
}
trap cleanup EXIT

# The page cache holds the plain file after writing; read the gzip file
# once too, so neither tool pays for the disk in its first run.
cat "$PLAIN" "$GZ" > /dev/null

status=0
for input in "$PLAIN" "$GZ"; do
    name=$(basename "$input")
    echo "== correctness: $name"
    "$PORTCULLIS" flows "$input" --authorized "$AUTH" --no-config -f json -o "$OUT/$name.portcullis.json" || true
    python3 bench/flows_check.py "$input.truth.json" portcullis "$OUT/$name.portcullis.json" || status=1
    "$PY" bench/flows_duckdb.py --authorized "$AUTH" --out "$OUT/$name.duckdb.json" "$input"
    python3 bench/flows_check.py "$input.truth.json" duckdb "$OUT/$name.duckdb.json" || status=1
done

for input in "$PLAIN" "$GZ"; do
    name=$(basename "$input")
    for ((i = 0; i < RUNS; i++)); do
        python3 bench/measure.py --label "portcullis $name" --json "$RESULTS" -- \
            "$PORTCULLIS" flows "$input" --authorized "$AUTH" --no-config -f json -o "$OUT/$name.portcullis.json" || true
        python3 bench/measure.py --label "duckdb $name" --json "$RESULTS" -- \
            "$PY" bench/flows_duckdb.py --authorized "$AUTH" --out "$OUT/$name.duckdb.json" "$input"
    done
done

python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["label"], []).append(r)
print()
print("| input | tool | wall median (min–max) | CPU user+sys median | peak RSS max | load avg before |")
print("|---|---|---|---|---|---|")
table = {}
for label, rs in by.items():
    walls = [r["wall_median_s"] for r in rs]
    cpus = [r["user_median_s"] + r["sys_median_s"] for r in rs]
    rss = max(r["max_rss_kib"] for r in rs) / 1024
    loads = [l for r in rs for l in r["load1"]]
    tool, inp = label.split(" ", 1)
    table[(inp, tool)] = (statistics.median(walls), statistics.median(cpus), rss)
    print(f"| {inp} | {tool} | {statistics.median(walls):.2f} s ({min(walls):.2f}–{max(walls):.2f}) | "
          f"{statistics.median(cpus):.2f} s | {rss:.0f} MiB | {min(loads):.1f}–{max(loads):.1f} |")
print()
for inp in sorted({k[0] for k in table}):
    p, d = table.get((inp, "portcullis")), table.get((inp, "duckdb"))
    if p and d:
        print(f"{inp}: DuckDB/portcullis wall {d[0] / p[0]:.2f}x, CPU {d[1] / p[1]:.2f}x, peak RSS {d[2] / p[2]:.2f}x")
PY
echo "== results: $RESULTS"
exit $status
