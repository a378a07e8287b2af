#!/usr/bin/env bash
# Times `portcullis events` on a large generated CloudTrail set (the S3 key
# layout, gzip and plain files) against DuckDB running the query
# `portcullis events --emit-sql duckdb` prints, and (when SPARK_PYTHON names
# a Python with PySpark and a Java runtime on PATH) Spark in local mode
# running `--emit-sql spark`'s, as whole processes in one run, alternating,
# and checks that all list the same rows first.
#
# Environment:
#   RUNS=3           timed runs per tool (alternating)
#   RECORDS=500000   CloudTrail records gen_cloudtrail.py writes
#   PER_FILE=500     records per file (CloudTrail writes a file every ~5 min per region)
#   SEED=10257       generator seed
#   KEEP=0           1: keep the generated files
#   BIN=path         time this binary instead of building target/release/portcullis
#   SPARK_PYTHON=path  a Python with pyspark (e.g. .ci/.venv/bin/python after .ci/run): Spark is timed too
#
# Exit status: 0 ok; 1 the tools' rows differ.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
RECORDS=${RECORDS:-500000}
PER_FILE=${PER_FILE:-500}
SEED=${SEED:-10257}
KEEP=${KEEP:-0}
OUT=bench/out
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$OUT/events-results-$STAMP.jsonl"
DATA="$OUT/cloudtrail-$SEED-$RECORDS"

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n "${BIN:-}" ]]; then
    PORTCULLIS=$BIN
else
    echo "== building (cargo build --release -p portcullis)"
    cargo build --release -p portcullis
    PORTCULLIS=target/release/portcullis
fi

VENV=bench/.venv-duckdb
if ! "$VENV/bin/python" -c "import duckdb" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "duckdb==2.0.0"
fi
PY="$VENV/bin/python"

if [[ ! -d "$DATA" ]]; then
    echo "== generating $RECORDS records (gen_cloudtrail.py, seed $SEED)"
    python3 bench/gen_cloudtrail.py --out "$DATA" --records "$RECORDS" --seed "$SEED" --per-file "$PER_FILE"
fi
cleanup() {
    if [[ "$KEEP" != 1 ]]; then rm -rf "$DATA"; fi
}
trap cleanup EXIT
echo "== $(find "$DATA" -type f | wc -l) files, $(du -sh "$DATA" | cut -f1) on disk, $(find "$DATA" -name '*.gz' -exec zcat {} + | wc -c | awk '{printf "%.0f MB", $1/1e6}') of JSON"
# Warm the page cache for both tools.
find "$DATA" -type f -exec cat {} + > /dev/null

"$PORTCULLIS" events "$DATA" --no-config --emit-sql duckdb -o "$OUT/events.sql"
RUNNER="$OUT/events_duckdb.py"
cat > "$RUNNER" <<'PY'
import json, sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = con.execute(open(sys.argv[1]).read()).fetchall()
json.dump(sorted([r[1], r[7], r[9], r[10], r[11]] for r in rows), open(sys.argv[2], "w"))
PY

SPARK_RUNNER="$OUT/events_spark.py"
cat > "$SPARK_RUNNER" <<'PY'
import json, sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").appName("portcullis-bench")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.host", "127.0.0.1")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
script = open(sys.argv[1]).read()
statements = [s for s in script.split(";\n") if any(l.strip() and not l.strip().startswith("--") for l in s.splitlines())]
frame = None
for s in statements:
    frame = spark.sql(s.strip().rstrip(";"))
rows = [r.asDict() for r in frame.collect()]
spark.stop()
json.dump(sorted([r["event_id"], r["port"], r["change"], r["action"], r["source"]] for r in rows), open(sys.argv[2], "w"))
PY
if [[ -n "${SPARK_PYTHON:-}" ]]; then
    "$PORTCULLIS" events "$DATA" --no-config --emit-sql spark -o "$OUT/events.spark.sql"
fi

echo "== correctness: the rows portcullis lists (stated blocks) and DuckDB's (and Spark's)"
"$PORTCULLIS" events "$DATA" --no-config -f json -o "$OUT/events.portcullis.json" || true
"$PY" "$RUNNER" "$OUT/events.sql" "$OUT/events.duckdb.json"
python3 - "$OUT/events.portcullis.json" "$OUT/events.duckdb.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
ours = sorted([c["event_id"], c["port"], c["change"], c["action"], s] for c in report["changes"] for s in c["stated"])
theirs = json.load(open(sys.argv[2]))
stats = report["event_stats"]
print(f"   {stats['events']} events, {stats['judged']} judged, {stats['failed']} failed, {stats['changes']} changes, "
      f"{len(report['findings'])} findings; {len(ours)} rows (portcullis) vs {len(theirs)} (DuckDB)")
sys.exit(0 if ours == theirs else 1)
PY
if [[ -n "${SPARK_PYTHON:-}" ]]; then
    "$SPARK_PYTHON" "$SPARK_RUNNER" "$OUT/events.spark.sql" "$OUT/events.spark-rows.json"
    python3 - "$OUT/events.duckdb.json" "$OUT/events.spark-rows.json" <<'PY'
import json, sys
duck, spark = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(f"   {len(spark)} rows (Spark) vs {len(duck)} (DuckDB, equal to portcullis')")
sys.exit(0 if [list(map(str, r)) for r in duck] == [list(map(str, r)) for r in spark] else 1)
PY
fi

for ((i = 0; i < RUNS; i++)); do
    python3 bench/measure.py --label "portcullis" --json "$RESULTS" -- \
        "$PORTCULLIS" events "$DATA" --no-config -f json -o "$OUT/events.portcullis.json" || true
    python3 bench/measure.py --label "duckdb" --json "$RESULTS" -- \
        "$PY" "$RUNNER" "$OUT/events.sql" "$OUT/events.duckdb.json"
    if [[ -n "${SPARK_PYTHON:-}" ]]; then
        python3 bench/measure.py --label "spark" --json "$RESULTS" -- \
            "$SPARK_PYTHON" "$SPARK_RUNNER" "$OUT/events.spark.sql" "$OUT/events.spark-rows.json"
    fi
done

python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
print("| tool | wall median (min–max) | CPU user+sys median | peak RSS max | load avg before |")
print("|---|---|---|---|---|")
for label in ("portcullis", "duckdb", "spark"):
    rs = [r for r in rows if r["label"] == label]
    if not rs:
        continue
    walls = [r["wall_median_s"] for r in rs]
    cpus = [r["user_median_s"] + r["sys_median_s"] for r in rs]
    loads = [l for r in rs for l in r["load1"]]
    print(f"| {label} | {statistics.median(walls):.2f} s ({min(walls):.2f}–{max(walls):.2f}) | {statistics.median(cpus):.2f} s | "
          f"{max(r['max_rss_kib'] for r in rs) / 1024:.0f} MiB | {min(loads):.1f}–{max(loads):.1f} |")
PY
