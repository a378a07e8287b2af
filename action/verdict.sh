#!/usr/bin/env bash
# The action's last step: fails the job with the scan's exit code (kept by
# the scan step so that the SARIF upload ran first), or with the diff's
# when the pull request makes something worse at or above fail-on.
set -euo pipefail
case "${EXIT_CODE:-}" in
    0) echo "portcullis: nothing at or above fail-on" ;;
    1) echo "::error title=portcullis::findings at or above fail-on (see the annotations and the job summary)"; exit 1 ;;
    2) echo "::error title=portcullis::an input could not be read or the action was misused (see the log)"; exit 2 ;;
    *) echo "::error title=portcullis::the scan did not run"; exit 2 ;;
esac
# Empty when no diff ran (not a pull request, or diff: false).
case "${DIFF_EXIT_CODE:-}" in
    "" | 0) ;;
    1) echo "::error title=portcullis::this pull request lets more in at or above fail-on (see the job summary)"; exit 1 ;;
    *) echo "::error title=portcullis::the diff against the base could not run (see the log)"; exit 2 ;;
esac
