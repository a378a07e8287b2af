#!/usr/bin/env python3
"""Byte-for-byte comparison of two portcullis builds' reports.

A refactor that must not change behaviour (a restructure, a speed-up) is
checked by running the old and the new binary on the same inputs and
comparing standard output and exit code exactly:

  python3 bench/compare_outputs.py OLD_BINARY NEW_BINARY [--shared DIR] [--jobs N]

Inputs, all run from the repository root so file names match:
  - every fixture directory of the repository (examples/, crates/*/fixtures,
    crates/*/tests/fixtures) scanned as a whole, and every file in it
    scanned on its own;
  - every case of the shared conformance folder, its input files named
    one by one with the case's port (as the conformance test does);
  - every project of the shared corpus, and the whole corpus at once;
  - every sample of the shared flow-log folder, and every flow-log fixture
    of the repository, through `flows`;
  - the rule registry: `rules`, `rules --format json` and `rules CODE` for
    every code the old build lists.
Each input is run through `scan --format json`, `scan --format sarif`,
`scan --format text` and `explain --format json` (flow logs through
`flows --format json`, and the repository's also through `--format text`
and `--format sarif`). The shared folder is optional; without it only the
repository's own fixtures are compared, and the script says so.

Exit status: 0 when every output is identical, 1 otherwise (the first
differences are printed), 2 on misuse.
"""

import argparse
import concurrent.futures
import difflib
import json
import os
import subprocess
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FIXTURE_ROOTS = ["examples", "crates"]
COMMON = ["--fail-on", "none", "--no-config"]


def fixture_dirs():
    """Directories under the fixture roots that directly hold input files."""
    out = []
    for root in FIXTURE_ROOTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(REPO, root)):
            dirnames[:] = sorted(d for d in dirnames if d not in ("target", "src"))
            rel = os.path.relpath(dirpath, REPO)
            if root == "crates" and "fixtures" not in rel.split(os.sep):
                continue
            files = sorted(f for f in filenames if not f.startswith("."))
            if files:
                out.append((rel, files))
    return out


def scan_runs(paths, extra=()):
    """The four report commands over one set of paths."""
    paths = list(paths)
    extra = list(extra)
    return [
        ["scan", *paths, "--format", "json", *COMMON, *extra],
        ["scan", *paths, "--format", "sarif", *COMMON, *extra],
        ["scan", *paths, "--format", "text", "--color", "never", *COMMON, *extra],
        ["explain", *paths, "--format", "json", "--no-config", *extra],
    ]


FLOW_FIXTURES = os.path.join("crates", "flows", "fixtures")


def rules_runs(old):
    """The registry as the old build lists it, and each rule's page."""
    listing = subprocess.run([old, "rules", "--format", "json"], capture_output=True, timeout=60, check=True)
    codes = [r["code"] for r in json.loads(listing.stdout)]
    return [["rules"], ["rules", "--format", "json"], *(["rules", c] for c in codes)]


def flow_runs(paths):
    paths = list(paths)
    return [
        ["flows", *paths, "--format", fmt, "--no-config", "--color", "never"] for fmt in ("json", "text", "sarif")
    ]


def cases(shared, old):
    runs = [(REPO, rules_runs(old))]
    for rel, files in fixture_dirs():
        runs.append((REPO, scan_runs([rel])))
        for f in files:
            runs.append((REPO, scan_runs([os.path.join(rel, f)])))
        if rel.startswith(FLOW_FIXTURES):
            runs.append((REPO, flow_runs([rel])))
            runs.extend((REPO, flow_runs([os.path.join(rel, f)])) for f in files)
    if shared is None:
        return runs
    conformance = os.path.join(shared, "conformance")
    if os.path.isdir(conformance):
        for case in sorted(os.listdir(conformance)):
            d = os.path.join(conformance, case)
            expect = os.path.join(d, "expect.json")
            if not os.path.isfile(expect):
                continue
            with open(expect, encoding="utf-8") as f:
                port = str(json.load(f)["port"])
            names = sorted(n for n in os.listdir(d) if n != "expect.json" and os.path.isfile(os.path.join(d, n)))
            runs.append((d, scan_runs(names, ["--port", port])))
    corpus = os.path.join(shared, "corpus")
    if os.path.isdir(corpus):
        for project in sorted(os.listdir(corpus)):
            if os.path.isdir(os.path.join(corpus, project)):
                runs.append((corpus, scan_runs([project])))
        runs.append((shared, scan_runs(["corpus"])))
    flowlogs = os.path.join(shared, "flowlogs")
    if os.path.isdir(flowlogs):
        for dirpath, dirnames, filenames in os.walk(flowlogs):
            dirnames.sort()
            for f in sorted(filenames):
                # The samples' expected parses, notices and the generator are
                # not flow logs.
                if f.endswith(("expected.json", "_expected.yaml", ".md", ".txt", ".py")) or f == "MANIFEST.json":
                    continue
                rel = os.path.relpath(os.path.join(dirpath, f), flowlogs)
                if rel.startswith("LICENSES"):
                    continue
                runs.append((flowlogs, [["flows", rel, "--format", "json", "--no-config"]]))
    return runs


def run(binary, cwd, argv):
    p = subprocess.run([binary, *argv], cwd=cwd, capture_output=True, timeout=600)
    return p.returncode, p.stdout


def compare(old, new, cwd, argv):
    a = run(old, cwd, argv)
    b = run(new, cwd, argv)
    if a == b:
        return None
    lines = []
    if a[0] != b[0]:
        lines.append(f"  exit code {a[0]} -> {b[0]}")
    if a[1] != b[1]:
        diff = difflib.unified_diff(
            a[1].decode("utf-8", "replace").splitlines(),
            b[1].decode("utf-8", "replace").splitlines(),
            "old",
            "new",
            lineterm="",
            n=1,
        )
        lines.extend("  " + l for l in list(diff)[:40])
    return f"{os.path.relpath(cwd, REPO)}: portcullis {' '.join(argv)}\n" + "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    old, new = os.path.abspath(args.old), os.path.abspath(args.new)
    for b in (old, new):
        if not os.access(b, os.X_OK):
            print(f"not an executable: {b}", file=sys.stderr)
            return 2
    shared = os.path.normpath(args.shared)
    if not os.path.isdir(shared):
        print(f"NOTICE: {shared} not found: comparing the repository's own fixtures only", file=sys.stderr)
        shared = None
    jobs = [(cwd, argv) for cwd, argvs in cases(shared, old) for argv in argvs]
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(lambda j: compare(old, new, *j), jobs):
            if result:
                failures.append(result)
    for f in failures[:20]:
        print(f)
    print(f"{len(jobs)} outputs compared, {len(failures)} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
