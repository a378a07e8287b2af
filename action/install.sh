#!/usr/bin/env bash
# The action's install step: `portcullis` on PATH when its version is this
# action's, else built from the action's own checkout with the README's
# install line into the runner's temporary directory, and put on PATH for
# the following steps ($GITHUB_PATH).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
want="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)"
if command -v portcullis >/dev/null 2>&1 && [ "$(portcullis --version | awk '{print $2}')" = "$want" ]; then
    echo "portcullis $want is on PATH: $(command -v portcullis)"
    exit 0
fi
root="${RUNNER_TEMP:?}/portcullis-$want"
if [ ! -x "$root/bin/portcullis" ]; then
    cargo install --locked --path "$here/crates/cli" --root "$root"
fi
echo "$root/bin" >> "${GITHUB_PATH:?}"
"$root/bin/portcullis" --version
