#!/usr/bin/env python3
"""Generate a large, realistic `aws ec2 describe-security-groups` dump.

Usage:
    gen_sg_dump.py OUT.json [--groups N] [--permissions P] [--seed S]
                            [--scale K] [--exposed-fraction F]

Python 3 standard library only. The output is a pure function of the
arguments (same arguments, same bytes): every random choice comes from one
`random.Random(seed)`, and nothing iterates over a set or a hash-ordered
container.

Shape, as the real CLI prints it (4-space indent, the CLI's key order):

    {
        "SecurityGroups": [
            {
                "Description": "...",
                "GroupName": "...",
                "IpPermissions": [ {FromPort, IpProtocol, IpRanges,
                                    Ipv6Ranges, PrefixListIds, ToPort,
                                    UserIdGroupPairs}, ... ],
                "OwnerId": "123456789012",
                "GroupId": "sg-<17 hex>",
                "IpPermissionsEgress": [ ... ],
                "Tags": [ ... ],            (some groups only)
                "VpcId": "vpc-<17 hex>"
            }, ...
        ]
    }

`--permissions` counts ingress `IpPermissions` objects (egress rules are
extra: every group has the default allow-all egress rule, as in AWS). They
are spread unevenly over the groups: most groups have a handful, some none,
a long tail has hundreds (capped at 1000, AWS's hard per-group maximum).

Ground truth. A fraction of the groups (`--exposed-fraction`, default 2 %)
gets one permission that opens tcp/10257 to 0.0.0.0/0 or ::/0, written in
several equivalent ways (exact port, a range, protocol "6", protocol -1,
IPv6 only). Background permissions may also expose it by accident (a wide
port range open to the world); the truth is therefore not the injected count
but an exact evaluation of every generated ingress permission, with the same
reading portcullis documents:

  * protocol matches tcp when it is "tcp", "6" or "-1";
  * ports: "-1" ignores ports; otherwise FromPort..ToPort inclusive
    (absent or -1 means all ports);
  * `unrestricted` = a matching rule admits 0.0.0.0/0 or ::/0 (no other
    generated public block is wide enough to reach half the public space:
    they are /16 or narrower in IPv4 and /32 or narrower in IPv6);
  * `undetermined` = not unrestricted, and a matching rule names a prefix
    list (its entries are not in the dump, so the answer depends on them);
  * `public` = neither of the above, and a matching rule admits a public
    block (generated public blocks come from AWS-owned ranges only; private
    ones from 10/8, 172.16/12, 192.168/16, 100.64/10, fd00::/8).

Group references (UserIdGroupPairs) are internal sources: without an
explicit authorized list they are not findings. Every group is its own
target (the dump has no instances), so the expected number of PC100 findings
of each class equals the number of groups in that class.

The counts go to stderr and to OUT.json.truth.json.
"""

import argparse
import json
import os
import random
import sys
import time

PORT = 10257

# Common ports seen in real security groups (tcp unless noted by use).
COMMON_TCP = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 9100, 2379, 2380,
              6443, 10250, 10256, 10259, 10258, 3389, 27017, 9200, 5601, 11211,
              53, 25, 465, 587, 8000, 8888, 15672, 5672, 9092, 2181, 30080]
COMMON_UDP = [53, 123, 161, 500, 4500, 1194, 51820, 8472, 4789, 10257]
# Port ranges: some contain 10257 (so a world-open one is an accidental exposure).
TCP_RANGES = [(30000, 32767), (1024, 65535), (8000, 8999), (0, 65535), (10250, 10260),
              (2379, 2380), (9000, 9100), (6000, 7000), (49152, 65535), (10240, 10256)]

PUBLIC_V4_BASES = ["3.", "13.", "15.", "18.", "34.", "35.", "44.", "52.", "54.", "99."]
PRIVATE_V4 = [("10.", 8), ("172.16.", 12), ("192.168.", 16), ("100.64.", 10)]
PUBLIC_V6_BASES = ["2600:1f18", "2600:1f14", "2a05:d018", "2406:da18", "2600:1f1c"]
ACCOUNTS = ["123456789012", "210987654321", "555566667777"]
PREFIX_LISTS = ["pl-63a5400a", "pl-02cd2c6b", "pl-4ea04527", "pl-0e5ef48c3c1a9e2b7"]
WORDS = ["web", "api", "db", "cache", "eks", "k8s", "control-plane", "nodes", "bastion",
         "lb", "ingress", "monitoring", "batch", "etl", "vpn", "jenkins", "ci", "kafka",
         "redis", "elastic", "grafana", "prometheus", "worker", "admin", "legacy"]
ENVS = ["prod", "staging", "dev", "qa", "sandbox", "shared"]
RULE_DESCRIPTIONS = ["office", "VPN", "monitoring", "peering", "partner", "load balancer",
                     "health checks", "temporary", "from bastion", "CI runners"]


def hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


class Gen:
    def __init__(self, seed, groups, permissions, exposed_fraction):
        self.rng = random.Random(seed)
        self.n = groups
        self.p = permissions
        self.exposed_fraction = exposed_fraction
        rng = self.rng
        seen = {}
        self.ids = []
        while len(self.ids) < groups:
            gid = "sg-" + hexid(rng, 17)
            if gid not in seen:
                seen[gid] = True
                self.ids.append(gid)
        nvpc = max(1, groups // 250)
        self.vpcs = ["vpc-" + hexid(rng, 17) for _ in range(nvpc)]
        self.counts = self.spread()
        # Groups that get an injected exposure: among groups with >= 1 permission.
        candidates = [i for i in range(groups) if self.counts[i] > 0]
        k = min(len(candidates), round(groups * exposed_fraction))
        chosen = rng.sample(candidates, k)
        self.injected = [False] * groups
        for i in chosen:
            self.injected[i] = True
        self.truth = {"unrestricted": 0, "public": 0, "undetermined": 0}
        self.accidental = 0
        self.stats = {"IpRanges": 0, "Ipv6Ranges": 0, "PrefixListIds": 0, "UserIdGroupPairs": 0,
                      "world_v4": 0, "world_v6": 0, "max_permissions_in_a_group": max(self.counts) if self.counts else 0,
                      "groups_without_permissions": sum(1 for c in self.counts if c == 0)}

    def spread(self):
        """Uneven, geometric-ish counts summing exactly to P, each <= 1000."""
        rng = self.rng
        n, p = self.n, self.p
        if n == 0:
            return []
        weights = []
        for _ in range(n):
            u = rng.random()
            if u < 0.08:
                w = 0.0  # no ingress rules at all
            elif u < 0.97:
                w = rng.expovariate(1.0)  # the bulk: geometric-like
            else:
                w = rng.paretovariate(1.2) * 8.0  # the long tail
            weights.append(w)
        total = sum(weights) or 1.0
        cap = 1000
        raw = [min(cap, p * w / total) for w in weights]
        counts = [int(x) for x in raw]
        rest = p - sum(counts)
        # Hand out the remainder one at a time to groups that are under the
        # cap and already have weight, chosen deterministically at random.
        eligible = [i for i in range(n) if weights[i] > 0 and counts[i] < cap]
        if not eligible:
            eligible = list(range(n))
        while rest > 0:
            if not eligible:
                raise SystemExit("gen_sg_dump: more permissions than %d per group can hold" % cap)
            j = rng.randrange(len(eligible))
            i = eligible[j]
            counts[i] += 1
            rest -= 1
            if counts[i] >= cap:
                eligible[j] = eligible[-1]
                eligible.pop()
        return counts

    # --- sources -------------------------------------------------------
    def private_v4(self):
        rng = self.rng
        base, blen = PRIVATE_V4[rng.choices(range(4), weights=[70, 15, 12, 3])[0]]
        plen = rng.choice([8, 12, 16, 16, 20, 24, 24, 24, 28, 32]) if base == "10." else rng.choice([16, 20, 24, 32])
        plen = max(plen, blen)
        if base == "10.":
            a = [10, rng.randrange(256), rng.randrange(256), rng.randrange(256)]
        elif base == "172.16.":
            a = [172, 16 + rng.randrange(16), rng.randrange(256), rng.randrange(256)]
        elif base == "192.168.":
            a = [192, 168, rng.randrange(256), rng.randrange(256)]
        else:
            a = [100, 64 + rng.randrange(64), rng.randrange(256), rng.randrange(256)]
        return mask_v4(a, plen)

    def public_v4(self):
        rng = self.rng
        first = int(rng.choice(PUBLIC_V4_BASES)[:-1])
        plen = rng.choice([16, 20, 24, 24, 27, 28, 32, 32, 32])
        return mask_v4([first, rng.randrange(256), rng.randrange(256), rng.randrange(256)], plen)

    def public_v6(self):
        rng = self.rng
        base = rng.choice(PUBLIC_V6_BASES)
        plen = rng.choice([32, 36, 40, 48, 56, 64])
        if plen == 32:
            return base + "::/32"
        h3 = (rng.getrandbits(16) | 1) & 0xffff
        if plen <= 48:
            return "%s:%x::/%d" % (base, (h3 & (0xffff << (48 - plen)) & 0xffff) or (1 << (48 - plen)), plen)
        h4 = (rng.getrandbits(16) & (0xffff << (64 - plen)) & 0xffff) or (1 << (64 - plen))
        return "%s:%x:%x::/%d" % (base, h3, h4, plen)

    def private_v6(self):
        rng = self.rng
        return "fd%02x:%x:%x::/48" % (rng.randrange(256), rng.getrandbits(16), rng.getrandbits(16))

    # --- permissions ---------------------------------------------------
    def proto_ports(self):
        rng = self.rng
        proto = rng.choices(["tcp", "udp", "-1", "icmp", "6"], weights=[68, 12, 6, 6, 8])[0]
        if proto == "-1":
            return proto, None, None
        if proto == "icmp":
            t = rng.choice([(-1, -1), (8, -1), (0, -1), (3, 4), (11, 0)])
            return proto, t[0], t[1]
        if proto == "udp":
            if rng.random() < 0.1:
                return proto, 0, 65535
            pt = rng.choice(COMMON_UDP)
            return proto, pt, pt
        u = rng.random()
        if u < 0.70:
            pt = rng.choice(COMMON_TCP)
        elif u < 0.85:
            pt = rng.randrange(1, 65536)
            while pt == PORT:
                pt = rng.randrange(1, 65536)
        else:
            lo, hi = rng.choice(TCP_RANGES)
            return proto, lo, hi
        return proto, pt, pt

    def background_permission(self, gi):
        rng = self.rng
        proto, fp, tp = self.proto_ports()
        v4, v6, pls, pairs = [], [], [], []
        kind = rng.random()
        if kind < 0.62:
            for _ in range(rng.choice([1, 1, 1, 1, 2, 2, 3, 5])):
                r = rng.random()
                if r < 0.75:
                    c = self.private_v4()
                elif r < 0.975:
                    c = self.public_v4()
                else:
                    c = "0.0.0.0/0"
                item = {"CidrIp": c}
                if rng.random() < 0.3:
                    item["Description"] = rng.choice(RULE_DESCRIPTIONS)
                v4.append(item)
            if rng.random() < 0.15:
                r = rng.random()
                c = "::/0" if r < 0.2 else (self.public_v6() if r < 0.7 else self.private_v6())
                v6.append({"CidrIpv6": c})
        elif kind < 0.72:
            r = rng.random()
            c = "::/0" if r < 0.1 else (self.public_v6() if r < 0.7 else self.private_v6())
            v6.append({"CidrIpv6": c})
        elif kind < 0.97:
            for _ in range(rng.choice([1, 1, 1, 2])):
                if rng.random() < 0.15:
                    ref = self.ids[gi]
                else:
                    ref = self.ids[rng.randrange(self.n)]
                pair = {"GroupId": ref, "UserId": ACCOUNTS[0] if rng.random() < 0.9 else rng.choice(ACCOUNTS)}
                if rng.random() < 0.2:
                    pair["Description"] = rng.choice(RULE_DESCRIPTIONS)
                pairs.append(pair)
        else:
            pls.append({"PrefixListId": rng.choice(PREFIX_LISTS)})
            if rng.random() < 0.3:
                v4.append({"CidrIp": self.private_v4()})
        p = perm(proto, fp, tp, v4, v6, pls, pairs)
        # Keep accidental world-open exposure of the port rare (so the
        # injected fraction dominates), but not absent: most world-open
        # sources on a rule that covers the port become a public block.
        if matches_tcp(p, PORT) and rng.random() < 0.9:
            for r in v4:
                if r["CidrIp"] == "0.0.0.0/0":
                    r["CidrIp"] = self.public_v4()
            for r in v6:
                if r["CidrIpv6"] == "::/0":
                    r["CidrIpv6"] = self.public_v6()
        return p

    def injected_permission(self):
        rng = self.rng
        form = rng.choices(range(7), weights=[50, 10, 8, 8, 8, 8, 8])[0]
        world4 = {"CidrIp": "0.0.0.0/0"}
        world6 = {"CidrIpv6": "::/0"}
        if form == 0:
            return perm("tcp", PORT, PORT, [world4], [], [], [])
        if form == 1:
            return perm("tcp", PORT, PORT, [{"CidrIp": self.private_v4()}, world4], [world6], [], [])
        if form == 2:
            return perm("6", PORT, PORT, [], [world6], [], [])
        if form == 3:
            return perm("tcp", 10250, 10260, [world4], [], [], [])
        if form == 4:
            return perm("-1", None, None, [world4], [], [], [])
        if form == 5:
            return perm("tcp", 0, 65535, [], [world6], [], [])
        return perm("tcp", PORT, PORT, [dict(world4, Description="temporary debug")], [], [], [])

    def decoy_permission(self):
        """Near misses: must not count as unrestricted exposure of tcp/10257."""
        rng = self.rng
        form = rng.randrange(5)
        world4 = {"CidrIp": "0.0.0.0/0"}
        if form == 0:
            return perm("udp", PORT, PORT, [world4], [], [], [])
        if form == 1:
            return perm("tcp", 10256, 10256, [world4], [], [], [])
        if form == 2:
            return perm("tcp", 10258, 10259, [world4], [{"CidrIpv6": "::/0"}], [], [])
        if form == 3:
            return perm("tcp", PORT, PORT, [{"CidrIp": self.private_v4()}], [], [], [])
        return perm("tcp", PORT, PORT, [{"CidrIp": self.public_v4()}], [], [], [])

    def group(self, gi):
        rng = self.rng
        gid = self.ids[gi]
        vpc = self.vpcs[gi % len(self.vpcs)] if rng.random() < 0.7 else rng.choice(self.vpcs)
        owner = ACCOUNTS[0] if rng.random() < 0.8 else rng.choice(ACCOUNTS)
        w1, env = rng.choice(WORDS), rng.choice(ENVS)
        style = rng.random()
        if style < 0.02:
            name, desc = "default", "default VPC security group"
        elif style < 0.12:
            k = rng.randrange(1, 400)
            name = "launch-wizard-%d" % k
            desc = "launch-wizard-%d created %04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
                k, rng.randrange(2016, 2025), rng.randrange(1, 13), rng.randrange(1, 29),
                rng.randrange(24), rng.randrange(60), rng.randrange(60), rng.randrange(1000))
        elif style < 0.30:
            cl = "%s-%s" % (rng.choice(WORDS), env)
            name = "eks-cluster-sg-%s-%s" % (cl, hexid(rng, 8))
            desc = "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads."
        else:
            name = "%s-%s-%s-%d" % (env, w1, rng.choice(WORDS), gi)
            desc = "%s %s security group" % (env, w1)
        n = self.counts[gi]
        perms = []
        inject_at = rng.randrange(n) if self.injected[gi] else -1
        for k in range(n):
            if k == inject_at:
                perms.append(self.injected_permission())
            elif rng.random() < 0.004:
                perms.append(self.decoy_permission())
            else:
                perms.append(self.background_permission(gi))
        egress = [perm("-1", None, None, [{"CidrIp": "0.0.0.0/0"}], [], [], [])]
        if rng.random() < 0.3:
            egress[0]["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
        if rng.random() < 0.1:
            egress.append(perm("tcp", 443, 443, [], [], [{"PrefixListId": rng.choice(PREFIX_LISTS)}], []))
        g = {"Description": desc, "GroupName": name, "IpPermissions": perms, "OwnerId": owner, "GroupId": gid,
             "IpPermissionsEgress": egress}
        if rng.random() < 0.55:
            tags = [{"Key": "Name", "Value": name}]
            if rng.random() < 0.4:
                tags.append({"Key": "Environment", "Value": env})
            if style >= 0.12 and style < 0.30 or rng.random() < 0.1:
                tags.append({"Key": "kubernetes.io/cluster/%s-%s" % (w1, env), "Value": "owned"})
            g["Tags"] = tags
        g["VpcId"] = vpc
        self.account(gi, perms)
        return g

    def account(self, gi, perms):
        """Evaluate tcp/10257 for one group (see the module docs)."""
        world = public = pl = False
        for p in perms:
            v4 = p["IpRanges"]
            v6 = p["Ipv6Ranges"]
            self.stats["IpRanges"] += len(v4)
            self.stats["Ipv6Ranges"] += len(v6)
            self.stats["PrefixListIds"] += len(p["PrefixListIds"])
            self.stats["UserIdGroupPairs"] += len(p["UserIdGroupPairs"])
            self.stats["world_v4"] += sum(1 for r in v4 if r["CidrIp"] == "0.0.0.0/0")
            self.stats["world_v6"] += sum(1 for r in v6 if r["CidrIpv6"] == "::/0")
            if not matches_tcp(p, PORT):
                continue
            srcs = [r["CidrIp"] for r in v4] + [r["CidrIpv6"] for r in v6]
            for c in srcs:
                if c in ("0.0.0.0/0", "::/0"):
                    world = True
                elif is_generated_public(c):
                    public = True
            if p["PrefixListIds"]:
                pl = True
        if world:
            self.truth["unrestricted"] += 1
            if not self.injected[gi]:
                self.accidental += 1
        elif pl:
            self.truth["undetermined"] += 1
        elif public:
            self.truth["public"] += 1


def mask_v4(a, plen):
    v = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]
    m = (0xffffffff << (32 - plen)) & 0xffffffff if plen else 0
    v &= m
    return "%d.%d.%d.%d/%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255, plen)


def is_generated_public(c):
    if ":" in c:
        return not c.startswith("fd")
    first = int(c.split(".", 1)[0])
    return first not in (10, 172, 192, 100)


def perm(proto, fp, tp, v4, v6, pls, pairs):
    p = {}
    if fp is not None:
        p["FromPort"] = fp
    p["IpProtocol"] = proto
    p["IpRanges"] = v4
    p["Ipv6Ranges"] = v6
    p["PrefixListIds"] = pls
    if tp is not None:
        p["ToPort"] = tp
    p["UserIdGroupPairs"] = pairs
    return p


def matches_tcp(p, port):
    proto = p["IpProtocol"]
    if proto == "-1":
        return True
    if proto not in ("tcp", "6"):
        return False
    fp, tp = p.get("FromPort"), p.get("ToPort")
    if fp is None or tp is None or fp == -1 or tp == -1:
        return True
    return fp <= port <= tp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--groups", type=int, default=50000)
    ap.add_argument("--permissions", type=int, default=500000)
    ap.add_argument("--seed", type=int, default=10257)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply --groups and --permissions by K (e.g. 0.25, 2)")
    ap.add_argument("--exposed-fraction", type=float, default=0.02,
                    help="fraction of groups given an injected tcp/10257-from-the-world rule")
    a = ap.parse_args()
    groups = int(round(a.groups * a.scale))
    perms = int(round(a.permissions * a.scale))
    if groups < 1 or perms < 0:
        ap.error("need at least one group and a non-negative number of permissions")
    if perms > 1000 * groups:
        ap.error("at most 1000 permissions per group (AWS's limit): raise --groups")
    t0 = time.time()
    g = Gen(a.seed, groups, perms, a.exposed_fraction)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write('{\n    "SecurityGroups": [')
        enc = json.JSONEncoder(indent=4)
        for i in range(groups):
            text = enc.encode(g.group(i))
            f.write("\n" if i == 0 else ",\n")
            f.write("        " + text.replace("\n", "\n        "))
        f.write("\n    ]\n}\n")
    os.replace(tmp, a.out)
    size = os.path.getsize(a.out)
    truth = {
        "file": os.path.basename(a.out),
        "bytes": size,
        "seed": a.seed,
        "groups": groups,
        "permissions": perms,
        "port": PORT,
        "injected_unrestricted": sum(g.injected),
        "accidental_unrestricted": g.accidental,
        "pc100": dict(g.truth),
        "stats": g.stats,
    }
    with open(a.out + ".truth.json", "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    print("gen_sg_dump: wrote %s (%.1f MB, %d groups, %d permissions) in %.1f s" % (
        a.out, size / 1e6, groups, perms, time.time() - t0), file=sys.stderr)
    print("gen_sg_dump: tcp/%d ground truth: unrestricted=%d (injected %d, accidental %d), public=%d, undetermined=%d" % (
        PORT, g.truth["unrestricted"], sum(g.injected), g.accidental, g.truth["public"], g.truth["undetermined"]),
        file=sys.stderr)


if __name__ == "__main__":
    main()
