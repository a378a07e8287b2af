#!/usr/bin/env bash
# Times `portcullis scan` on a generated AWS estate (100k interfaces, 10k
# route tables, 2k load balancers, as CLI dumps) and checks every PC100
# finding's class, reach and severity against the generator's truth. See
# bench/README.md ("run_reach.sh").
#
# Environment:
#   RUNS=3           timed runs
#   SEED=10257       generator seed
#   ENFORCE=1        exit 3 when the 2 s wall target is missed (0: report only)
#   BIN=path         time this binary instead of building target/release/portcullis
#   OLD=path         also time this (older) binary, runs alternating with
#                    the new one so both see the same load; prints new/old
#
# Exit status: 0 ok; 1 findings do not match the truth (or the scan
# reported input errors); 3 the target (2 s wall) was missed.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SEED=${SEED:-10257}
ENFORCE=${ENFORCE:-1}
OUT=bench/out
ESTATE=$OUT/reach-estate
WALL_TARGET_S=2.0
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$OUT/reach-results-$STAMP.jsonl"

source bench/lib.sh
under_test portcullis-reach-under-test

if [[ ! -s "$ESTATE/truth.json" ]] ||
    ! python3 -c "import json, sys; sys.exit(json.load(open(sys.argv[1]))['seed'] != int(sys.argv[2]))" "$ESTATE/truth.json" "$SEED"; then
    echo "== generating $ESTATE (seed $SEED)"
    rm -rf "$ESTATE"
    python3 bench/gen_reach_estate.py "$ESTATE" --seed "$SEED"
else
    echo "== reusing $ESTATE"
fi
echo "== estate: $(du -sh "$ESTATE" | cut -f1), $(find "$ESTATE" -name '*.json' | wc -l) files"

echo "== checking findings against the truth"
findings=$OUT/reach-findings.json
# Doubles as a warm-up: the dumps are in the page cache afterwards.
PORTCULLIS_TIMINGS=1 "$BIN" scan "$ESTATE" --no-config --format json -o "$findings" --fail-on none 2> "$OUT/reach-timings.txt"
cat "$OUT/reach-timings.txt"
python3 bench/check_reach.py "$findings" "$ESTATE/truth.json"

echo "== timing ($RUNS runs${OLD:+ each, alternating with OLD=$OLD}; load average $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq "$RUNS"); do
    python3 bench/measure.py --runs 1 --label reach-estate --json "$RESULTS" -- \
        "$BIN" scan "$ESTATE" --no-config --format json -o /dev/null --fail-on none
    if [[ -n "${OLD:-}" ]]; then
        python3 bench/measure.py --runs 1 --label old-reach-estate --json "$RESULTS" -- \
            "$OLD" scan "$ESTATE" --no-config --format json -o /dev/null --fail-on none
    fi
done
python3 - "$RESULTS" "$WALL_TARGET_S" "$ENFORCE" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
target, enforce = float(sys.argv[2]), sys.argv[3] == "1"
by = {}
for r in rows:
    by.setdefault(r["label"], []).append(r)
def median(label, key):
    return statistics.median(x[key] for x in by[label])
def cpu(label):
    return statistics.median(x["user_median_s"] + x["sys_median_s"] for x in by[label])
def rss(label):
    return max(x["max_rss_kib"] for x in by[label]) / 1024
for label in ("reach-estate", "old-reach-estate"):
    if label in by:
        loads = [l for x in by[label] for l in x["load1"]]
        print("%-16s median wall %.2f s, min %.2f s, median user %.2f s, sys %.2f s, peak RSS %.0f MiB, load %.1f-%.1f" % (
            label, median(label, "wall_median_s"), min(x["wall_min_s"] for x in by[label]),
            median(label, "user_median_s"), median(label, "sys_median_s"), rss(label), min(loads), max(loads)))
if "old-reach-estate" in by:
    print("new / old: wall x%.2f, CPU x%.2f, peak RSS x%.2f" % (
        median("reach-estate", "wall_median_s") / median("old-reach-estate", "wall_median_s"),
        cpu("reach-estate") / cpu("old-reach-estate"), rss("reach-estate") / rss("old-reach-estate")))
wall = median("reach-estate", "wall_median_s")
ok = wall < target
print("target: wall median %.2f s (< %.1f s: %s), peak RSS %.0f MiB, user+sys %.2f + %.2f s" % (
    wall, target, "ok" if ok else "MISSED", rss("reach-estate"),
    median("reach-estate", "user_median_s"), median("reach-estate", "sys_median_s")))
sys.exit(0 if ok or not enforce else 3)
PY
