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
python3 bench/summarize.py "$RESULTS" --new reach-estate --old old-reach-estate --target "$WALL_TARGET_S" --enforce "$ENFORCE"
