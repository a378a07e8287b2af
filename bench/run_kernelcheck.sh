#!/usr/bin/env bash
# The differential run of issue 17: generated rule sets loaded into the
# Linux kernel in network namespaces and probed with TCP SYNs, against
# portcullis' verdict for every probe. Needs root, iproute2, nftables,
# iptables and ipset (as .ci/run installs them). Prints per kind: rule sets,
# probes, kernel listings read back, disagreements (must be 0), time.
#
# Environment:
#   IPTABLES=4000 NFT=4000 CLOUD=2000   how many of each (10,000 by default)
#   FIXES=0                             seeds of generated iptables and nftables
#                                       rule sets (two per seed) fixed as `portcullis
#                                       fix` prints, probed before and after, plus every
#                                       host-firewall fixture (firewalld, ufw included)
#   FROM=1000000                        first seed (the test suite uses 0..)
#   EXTRA="--no-relist"                 skip reading the kernel's own listings
#   NICE=10                             run at a lower priority (a shared machine)
set -euo pipefail
cd "$(dirname "$0")/.."
IPTABLES=${IPTABLES:-4000}
NFT=${NFT:-4000}
CLOUD=${CLOUD:-2000}
FROM=${FROM:-1000000}
FIXES=${FIXES:-0}
nice -n 10 cargo build -q --release -p portcullis-kernelcheck --bin kernelcheck
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); kernel $(uname -r); $(nft --version); $(iptables --version)"
exec nice -n "${NICE:-0}" target/release/kernelcheck --iptables "$IPTABLES" --nft "$NFT" --cloud "$CLOUD" \
  --fixes "$FIXES" --fixtures crates/hostfw/fixtures --from "$FROM" ${EXTRA:-}
