#!/usr/bin/env bash
# The action's scan step: one run writes annotations on the log (github),
# SARIF for code scanning, the Markdown job summary and any reports asked.
# Its exit code is kept as a step output, not returned, so that the SARIF
# upload still runs; the verdict step fails the job afterwards.
set -euo pipefail
out="${RUNNER_TEMP:?}/portcullis"
mkdir -p "$out"
sarif="$out/portcullis.sarif"
summary="$out/summary.md"

args=(scan --format github --format "sarif=$sarif" --format "markdown=$summary" --fail-on "${INPUT_FAIL_ON:-high}")
# Inputs are lists separated by white space (and commas for sources); no
# value is ever evaluated by the shell.
read -r -a formats <<< "$(printf '%s' "${INPUT_FORMAT:-}" | tr '\n' ' ')"
for f in "${formats[@]}"; do
    args+=(--format "$f")
done
read -r -a sources <<< "$(printf '%s' "${INPUT_AUTHORIZED:-}" | tr ',\n' '  ')"
for s in "${sources[@]}"; do
    args+=(--authorized "$s")
done
read -r -a paths <<< "$(printf '%s' "${INPUT_PATHS:-.}" | tr '\n' ' ')"
args+=(-- "${paths[@]}")

code=0
portcullis "${args[@]}" || code=$?
if [ -f "$summary" ]; then
    cat "$summary" >> "${GITHUB_STEP_SUMMARY:?}"
fi
{
    echo "exit-code=$code"
    # No SARIF when the run failed before writing it (a bad flag).
    if [ -f "$sarif" ]; then
        echo "sarif=$sarif"
    fi
} >> "${GITHUB_OUTPUT:?}"
