#!/usr/bin/env bash
# Times `portcullis probe` on endpoints that never answer, to show what the
# bounded pool (--concurrency) buys: a silent endpoint costs about four
# timeouts (TLS handshake, the TLS 1.0 and 1.1 hellos, plain HTTP), so the
# run is waiting, not work. The silent server is Python's standard library,
# on loopback only; it accepts connections and never writes.
#
# Environment:
#   TARGETS=16            how many target lines (all the same silent endpoint)
#   TIMEOUT=0.5           --timeout seconds
#   LEVELS="1 4 16"       --concurrency values to time
#   RUNS=1                timed runs per level
#   BIN=path              time this binary instead of building target/debug/portcullis
set -euo pipefail

cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-16}
TIMEOUT=${TIMEOUT:-0.5}
LEVELS=${LEVELS:-"1 4 16"}
RUNS=${RUNS:-1}
OUT=bench/out
mkdir -p "$OUT"

if [[ -z "${BIN:-}" ]]; then
    # Waiting dominates, so a debug build measures the same thing.
    cargo build -q -p portcullis
    BIN=target/debug/portcullis
fi

ready="$OUT/silent-port.txt"
rm -f "$ready"
python3 - "$ready" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(512)
held = []
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(1.0)
deadline = time.time() + 900  # stops by itself
while time.time() < deadline:
    try:
        conn, _ = s.accept()
        held.append(conn)
    except socket.timeout:
        pass
PY
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s "$ready" ]] && break; sleep 0.1; done
port=$(cat "$ready")

targets="$OUT/silent-targets.txt"
for _ in $(seq "$TARGETS"); do echo "127.0.0.1:$port"; done > "$targets"

echo "== $TARGETS silent endpoints, --timeout $TIMEOUT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $LEVELS; do
    python3 bench/measure.py --runs "$RUNS" --label "concurrency $c" -- \
        "$BIN" probe --targets "$targets" --timeout "$TIMEOUT" --concurrency "$c" --fail-on none -f json -o "$OUT/probe-c$c.json"
done
