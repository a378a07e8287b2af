#!/usr/bin/env bash
# Times `portcullis scan` against Checkov 3.3.30 (its network-port checks
# only) on the same inputs, as whole processes, in one run.
#
#   bench/run_checkov.sh [FRAMEWORKS] [CORPUS]
#
# FRAMEWORKS defaults to "terraform" (issue: Terraform); pass
# "terraform cloudformation arm bicep" for the whole-corpus comparison.
# CORPUS defaults to ../shared/corpus. Checkov is installed into
# bench/.venv-checkov with pip on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
frameworks="${1:-terraform}"
corpus="${2:-../shared/corpus}"
runs="${RUNS:-3}"
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }

venv=bench/.venv-checkov
if [ ! -x "$venv/bin/checkov" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q checkov==3.3.30
fi
cargo build --release -q
mkdir -p bench/out
bin=bench/out/portcullis-checkov-bench
cp target/release/portcullis "$bin"

# Checkov's checks about a network port open to the internet: security
# groups, NACLs, NSG rules and firewall rules (read from its own sources, so
# the list follows the installed version).
checks_dir="$("$venv/bin/python" -c 'import checkov, os; print(os.path.dirname(checkov.__file__))')"
checks=$(grep -rhoE 'CKV2?_(AWS|AZURE|GCP)_[0-9]+' \
    $(find "$checks_dir" -name '*.py' \( -name 'SecurityGroupUnrestrictedIngress*' -o -name 'NetworkACLUnrestricted*' \
        -o -name 'NSGRule*AccessRestricted*' -o -name 'GoogleComputeFirewallUnrestrictedIngress*' \
        -o -name 'AbsNACLUnrestrictedIngress*' -o -name 'SecurityGroupUnrestrictedIngressAny*' \)) \
    | sort -u | paste -sd, -)
echo "Checkov checks: $checks"

# portcullis scans the corpus directory itself (it reads the formats it
# knows and skips the rest); Checkov gets the same directory and frameworks.
fw_args=()
for f in $frameworks; do fw_args+=(--framework "$f"); done
# Both tools exit non-zero on this corpus (portcullis: 2, some real files
# have errors; Checkov: 1, failed checks): that is a result, not a failure.
python3 bench/measure.py --runs "$runs" --label "portcullis ($frameworks)" -- \
    "$bin" scan "$corpus" --format json -o bench/out/corpus-portcullis.json --fail-on none --no-config || true
python3 bench/measure.py --runs 1 --label "checkov ($frameworks)" -- \
    "$venv/bin/checkov" -d "$corpus" "${fw_args[@]}" --check "$checks" --quiet --compact \
    -o json --output-file-path bench/out/checkov --skip-download || true
