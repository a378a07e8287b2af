#!/usr/bin/env bash
# The action's diff step, on pull requests: what the change does to who can
# connect, between the pull request's base branch and the commit checked
# out (on `pull_request` events actions/checkout checks out the merge of
# the pull request into its base, so the difference is the pull request's
# own). Both revisions are read from git objects, nothing is checked out;
# the base branch is fetched (one commit deep) when the checkout lacks it.
# Writes annotations on what changed, the Markdown comment to the job
# summary and SARIF of what got worse; like the scan step it records its
# exit code for the verdict step instead of failing.
#
# INPUT_DIFF: auto (on pull requests only, the default), true (fail when
# there is no base to compare with), false (never).
set -euo pipefail
out="${RUNNER_TEMP:?}/portcullis"
mkdir -p "$out"
sarif="$out/diff.sarif"
summary="$out/diff.md"
record() {
    echo "diff-exit-code=$1" >> "${GITHUB_OUTPUT:?}"
}
mode="${INPUT_DIFF:-auto}"
case "$mode" in
    false)
        echo "portcullis: diff not asked (diff: false)"
        exit 0
        ;;
    auto | true) ;;
    *)
        echo "::error title=portcullis::the diff input takes auto, true or false"
        record 2
        exit 0
        ;;
esac
base_ref="${GITHUB_BASE_REF:-}"
if [ -z "$base_ref" ]; then
    if [ "$mode" = true ]; then
        echo "::error title=portcullis::diff: true, but this run is not for a pull request (GITHUB_BASE_REF is empty)"
        record 2
    else
        echo "portcullis: not a pull request: no diff"
    fi
    exit 0
fi
remote="refs/remotes/origin/$base_ref"
if ! git rev-parse --verify --quiet "$remote^{commit}" > /dev/null; then
    echo "portcullis: fetching the base branch $base_ref"
    if ! git fetch --no-tags --depth=1 origin "+refs/heads/$base_ref:$remote"; then
        echo "::error title=portcullis::cannot fetch the base branch $base_ref from origin"
        record 2
        exit 0
    fi
fi
base="$(git rev-parse --verify "$remote^{commit}")"

args=(diff --git "$base..HEAD" --format github --format "sarif=$sarif" --format "markdown=$summary"
    --fail-on "${INPUT_FAIL_ON:-high}")
# As in the scan step: lists split on white space (and commas), never
# evaluated by the shell.
read -r -a sources <<< "$(printf '%s' "${INPUT_AUTHORIZED:-}" | tr ',\n' '  ')"
for s in "${sources[@]}"; do
    args+=(--authorized "$s")
done

code=0
portcullis "${args[@]}" || code=$?
if [ -f "$summary" ]; then
    cat "$summary" >> "${GITHUB_STEP_SUMMARY:?}"
fi
record "$code"
if [ -f "$sarif" ]; then
    echo "diff-sarif=$sarif" >> "${GITHUB_OUTPUT:?}"
fi
