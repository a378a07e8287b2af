#!/usr/bin/env bash
# Times `portcullis diff` on two 500,000-permission snapshots (50,000
# security groups each) and checks its changes against the generator's
# truth; `scan` of one snapshot is timed beside it, and with OLD=path the
# same diff by an older build, alternating, so all see the same load. See
# bench/README.md.
#
# Environment:
#   RUNS=3      timed runs of each command
#   SEED=10257  generator seed
#   ENFORCE=1   exit 3 when the diff's median misses 3 s wall (0: report only)
#   BIN=path    time this binary instead of building target/release/portcullis
#   OLD=path    also time this (older) binary's diff, and print new/old ratios
#
# Exit status: 0 ok; 1 the changes do not match the truth; 3 the target was missed.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SEED=${SEED:-10257}
ENFORCE=${ENFORCE:-1}
OUT=bench/out
WALL_TARGET_S=3.0
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$OUT/diff-results-$STAMP.jsonl"

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n "${BIN:-}" ]]; then
    SRC_BIN=$BIN
else
    echo "== building (cargo build --release)"
    cargo build --release -p portcullis
    SRC_BIN=target/release/portcullis
fi
BIN=$OUT/portcullis-diff-under-test
cp "$SRC_BIN" "$BIN"
echo "== binary: $SRC_BIN (sha256 $(sha256sum "$BIN" | cut -c1-12)), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

dump=$OUT/sg-50k.json
if [[ ! -s "$dump" || ! -s "$dump.truth.json" ]] ||
    ! python3 -c "import json, sys; sys.exit(json.load(open(sys.argv[1]))['seed'] != int(sys.argv[2]))" "$dump.truth.json" "$SEED"; then
    echo "== generating $dump (seed $SEED)"
    python3 bench/gen_sg_dump.py "$dump" --seed "$SEED"
fi
snapshots=$OUT/diff-50k
if [[ ! -s "$snapshots/truth.json" ]] ||
    ! python3 -c "import json, sys; sys.exit(json.load(open(sys.argv[1]))['seed'] != int(sys.argv[2]))" "$snapshots/truth.json" "$SEED"; then
    echo "== making the two snapshots in $snapshots"
    python3 bench/diff_make.py "$dump" "$snapshots" --seed "$SEED"
fi

echo "== checking the changes against the truth"
set +e
"$BIN" diff "$snapshots/base.json" "$snapshots/head.json" --format json -o "$OUT/diff-50k.changes.json" --fail-on none
code=$?
set -e
if [[ $code -ne 0 ]]; then
    echo "run_diff.sh: diff exited $code" >&2
    exit 1
fi
python3 bench/diff_check.py "$OUT/diff-50k.changes.json" "$snapshots/truth.json" || exit 1

echo "== timing, $RUNS runs each, alternating"
for i in $(seq "$RUNS"); do
    python3 bench/measure.py --runs 1 --label diff --json "$RESULTS" -- \
        "$BIN" diff "$snapshots/base.json" "$snapshots/head.json" --format json -o /dev/null --fail-on none
    python3 bench/measure.py --runs 1 --label scan --json "$RESULTS" -- \
        "$BIN" scan "$snapshots/head.json" --format json -o /dev/null --fail-on none
    if [[ -n "${OLD:-}" ]]; then
        python3 bench/measure.py --runs 1 --label old-diff --json "$RESULTS" -- \
            "$OLD" diff "$snapshots/base.json" "$snapshots/head.json" --format json -o /dev/null --fail-on none
    fi
done
python3 bench/summarize.py "$RESULTS" --new diff --old old-diff --also scan --per scan --target "$WALL_TARGET_S" --enforce "$ENFORCE"
