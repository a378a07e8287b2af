# Shared by the bench runners: `source bench/lib.sh`, then
# `under_test NAME` builds (or takes $BIN), copies the binary to
# bench/out/NAME and sets BIN to the copy. A private copy: another build in
# this work tree must not swap the binary between timed runs.

under_test() {
    local src
    echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ -n "${BIN:-}" ]]; then
        echo "== using BIN=$BIN (not building)"
        src=$BIN
    else
        echo "== building (cargo build --release)"
        cargo build --release
        src=target/release/portcullis
    fi
    test -x "$src" || { echo "$0: $src was not built" >&2; exit 1; }
    mkdir -p bench/out
    BIN=bench/out/$1
    [[ "$src" -ef "$BIN" ]] || cp "$src" "$BIN"
    local from
    if [[ "$src" == target/release/portcullis ]]; then
        from="built from commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' + uncommitted changes' || true)"
    else
        from="given with BIN"
    fi
    echo "== binary: $src (sha256 $(sha256sum "$BIN" | cut -c1-12)), $from"
}
