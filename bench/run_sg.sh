#!/usr/bin/env bash
# Times `portcullis scan` on large generated `describe-security-groups`
# dumps, as a whole process, and checks its PC100 findings against the
# generator's ground truth. See bench/README.md.
#
# Environment:
#   RUNS=3            timed runs per size
#   SIZES="0.25 1 2"  dump sizes as multiples of 50,000 groups / 500,000 permissions
#   SEED=10257        generator seed
#   ENFORCE=1         exit 3 when the 1x dump misses the targets (0: report only)
#   BIN=path          time this binary instead of building target/release/portcullis
#
# Exit status: 0 ok; 1 findings do not match the ground truth (or the scan
# reported input errors); 3 a target (2 s wall, 1 GiB peak RSS) was missed.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SIZES=${SIZES:-"0.25 1 2"}
SEED=${SEED:-10257}
ENFORCE=${ENFORCE:-1}
OUT=bench/out
WALL_TARGET_S=2.0
RSS_TARGET_KIB=$((1024 * 1024))
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$OUT/results-$STAMP.jsonl"

source bench/lib.sh
under_test portcullis-under-test

name_for() { # scale -> dump path
    python3 -c "import sys; g = round(50000 * float(sys.argv[1])); print('%s/sg-%gk.json' % (sys.argv[2], g / 1000))" "$1" "$OUT"
}

for s in $SIZES; do
    dump=$(name_for "$s")
    if [[ ! -s "$dump" || ! -s "$dump.truth.json" ]] ||
        ! python3 -c "import json, sys; sys.exit(json.load(open(sys.argv[1]))['seed'] != int(sys.argv[2]))" "$dump.truth.json" "$SEED"; then
        echo "== generating $dump (scale $s, seed $SEED)"
        python3 bench/gen_sg_dump.py "$dump" --scale "$s" --seed "$SEED"
    else
        echo "== reusing $dump"
    fi
done

echo "== checking findings against the ground truth"
for s in $SIZES; do
    dump=$(name_for "$s")
    findings="$dump.findings.json"
    # This run doubles as a warm-up: the dump is in the page cache afterwards.
    "$BIN" scan "$dump" --format json -o "$findings" --fail-on none
    python3 - "$findings" "$dump.truth.json" <<'PY'
import collections, json, sys
findings, truth = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
if findings.get("errors"):
    print("FAIL %s: the scan reported %d input errors, first: %s" % (
        sys.argv[1], len(findings["errors"]), findings["errors"][0]), file=sys.stderr)
    sys.exit(1)
got = collections.Counter(f.get("exposure") for f in findings["findings"] if f["rule"] == "PC100")
want = truth["pc100"]
ok = True
for cls in ("unrestricted", "public", "undetermined"):
    mark = "ok" if got.get(cls, 0) == want[cls] else "MISMATCH"
    ok &= mark == "ok"
    print("  %-28s PC100 %-12s found %6d  truth %6d  %s" % (truth["file"], cls, got.get(cls, 0), want[cls], mark))
extra = sorted(set(got) - set(want))
if extra:
    ok = False
    print("  unexpected PC100 classes: %s" % {k: got[k] for k in extra})
# One target per group: never two PC100 findings for one resource.
per_resource = collections.Counter(f["resource"] for f in findings["findings"] if f["rule"] == "PC100")
dups = [r for r, n in per_resource.items() if n > 1]
if dups:
    ok = False
    print("  %d groups have more than one PC100 finding, e.g. %s" % (len(dups), dups[0]))
if not ok:
    print("FAIL: PC100 findings do not match the generator's ground truth for %s" % truth["file"], file=sys.stderr)
    sys.exit(1)
PY
done

echo "== timing ($RUNS runs per size; load average $(cut -d' ' -f1-3 /proc/loadavg))"
for s in $SIZES; do
    dump=$(name_for "$s")
    python3 bench/measure.py --runs "$RUNS" --label "$(basename "$dump")" --json "$RESULTS" -- \
        "$BIN" scan "$dump" --format json -o /dev/null --fail-on none
done

echo "== summary ($RESULTS)"
python3 - "$RESULTS" "$WALL_TARGET_S" "$RSS_TARGET_KIB" "$ENFORCE" "$OUT" <<'PY'
import json, os, sys
results, wall_target, rss_target, enforce, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
rows = []
for line in open(results, encoding="utf-8"):
    r = json.loads(line)
    t = json.load(open(os.path.join(out, r["label"] + ".truth.json"), encoding="utf-8"))
    r.update(groups=t["groups"], permissions=t["permissions"], mb=t["bytes"] / 1e6)
    rows.append(r)
rows.sort(key=lambda r: r["permissions"])
print("| dump | groups | permissions | size MB | wall min s | wall median s | user+sys s (median) | peak RSS MiB | median us/permission | peak RSS / input size |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print("| %s | %d | %d | %.0f | %.2f | %.2f | %.2f + %.2f | %.0f | %.2f | %.1fx |" % (
        r["label"], r["groups"], r["permissions"], r["mb"], r["wall_min_s"], r["wall_median_s"],
        r["user_median_s"], r["sys_median_s"],
        r["max_rss_kib"] / 1024, r["wall_median_s"] / r["permissions"] * 1e6,
        r["max_rss_kib"] * 1024 / (r["mb"] * 1e6)))
status = 0
# Scaling: each size against the next. Linear means wall time grows like the
# input; allow 30 % for noise and for costs that grow with memory rather than
# with work (page faults on a VM). A superlinear engine shows far more.
for a, b in zip(rows, rows[1:]):
    size_ratio = b["permissions"] / a["permissions"]
    time_ratio = b["wall_min_s"] / a["wall_min_s"]
    cpu_ratio = (b["user_median_s"] + b["sys_median_s"]) / (a["user_median_s"] + a["sys_median_s"])
    rss_ratio = b["max_rss_kib"] / a["max_rss_kib"]
    linear = time_ratio <= size_ratio * 1.3
    print("scaling %s -> %s: input x%.2f, wall (min) x%.2f, cpu (user+sys) x%.2f, peak RSS x%.2f: %s" % (
        a["label"], b["label"], size_ratio, time_ratio, cpu_ratio, rss_ratio,
        "linear" if linear else "SUPERLINEAR (per-target work grows with unrelated groups?)"))
base = [r for r in rows if r["groups"] == 50000]
for r in base:
    wall_ok = r["wall_median_s"] < wall_target
    rss_ok = r["max_rss_kib"] < rss_target
    print("target on %s: wall median %.2f s (< %.1f s: %s), peak RSS %.0f MiB (< %d MiB: %s)" % (
        r["label"], r["wall_median_s"], wall_target, "ok" if wall_ok else "MISSED",
        r["max_rss_kib"] / 1024, rss_target // 1024, "ok" if rss_ok else "MISSED"))
    if not (wall_ok and rss_ok):
        status = 3
if status and not enforce:
    print("(ENFORCE=0: reporting only)")
    status = 0
sys.exit(status)
PY
