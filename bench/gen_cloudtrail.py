#!/usr/bin/env python3
"""Seeded generator of CloudTrail log files as CloudTrail delivers them.

Writes `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`
(or `.json` with --plain-share), each one JSON document on one line:
`{"Records": [...]}`. The records mix the calls `portcullis events` judges
(security-group permissions authorized, revoked by permission or by rule
id, modified; network ACL entries created, replaced, deleted; groups
created; some calls failed) with other EC2 and IAM noise, in the shapes the
EC2 API reference and the CloudTrail record contents page describe.

Used by the tests (the same files read natively and by DuckDB and Spark)
and by bench/run_events.sh. Usage:
  gen_cloudtrail.py --out DIR --records N [--seed S] [--per-file K] [--plain-share F]
"""

import argparse
import datetime
import gzip
import json
import os
import random

ACCOUNTS = ["111122223333", "444455556666"]
REGIONS = ["us-east-1", "eu-west-1"]
PRINCIPALS = [
    "arn:aws:sts::{acct}:assumed-role/platform-admin/alice",
    "arn:aws:iam::{acct}:user/bob",
    "arn:aws:sts::{acct}:assumed-role/terraform/ci-run-{n}",
    "arn:aws:iam::{acct}:root",
]
AGENTS = ["aws-cli/2.17.0", "console.ec2.amazonaws.com", "APN/1.0 HashiCorp/1.0 Terraform/1.9.5", "Boto3/1.35.0"]
PUBLIC_V6 = ["::/0", "2600:1f18::/32", "2a05:d000::/25"]


def cidr_v4(rng):
    r = rng.random()
    if r < 0.2:
        return "0.0.0.0/0"
    if r < 0.45:
        return "10.%d.0.0/16" % rng.randrange(256)
    if r < 0.55:
        return "192.168.%d.0/24" % rng.randrange(256)
    if r < 0.65:
        return "172.%d.0.0/16" % rng.randrange(16, 32)
    if r < 0.7:
        # Straddles the authorized 10.0.0.0/16 of the tests, or sits inside it.
        return rng.choice(["10.0.0.0/15", "10.0.128.0/17", "10.0.3.7/32", "198.51.100.0/24"])
    a = rng.choice([3, 13, 18, 34, 35, 44, 52, 54, 99, 100, 203])
    length = rng.choice([8, 12, 16, 20, 24, 28, 32])
    addr = (a << 24) | rng.randrange(1 << 24)
    addr &= (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
    return "%d.%d.%d.%d/%d" % (addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, length)


def ports(rng):
    r = rng.random()
    if r < 0.35:
        return ("tcp", 10257, 10257)
    if r < 0.5:
        return ("tcp", 10250, 10260)
    if r < 0.6:
        return ("-1", None, None)
    if r < 0.7:
        return ("6", 0, 65535)
    if r < 0.8:
        return ("udp", 10257, 10257)
    if r < 0.85:
        return ("icmp", -1, -1)
    p = rng.choice([22, 443, 6443, 2379, 8080])
    return ("tcp", p, p)


class Trail:
    def __init__(self, rng):
        self.rng = rng
        self.groups = {}  # group id -> account
        self.rules = []  # (account, group, rule id, permission, cidr field, cidr)
        self.acls = {}
        self.counter = 0

    def next_id(self, prefix, width=17):
        self.counter += 1
        return "%s-%0*x" % (prefix, width, self.counter)

    def base(self, name, acct, region, t):
        rng = self.rng
        principal = rng.choice(PRINCIPALS).format(acct=acct, n=rng.randrange(1000))
        return {
            "eventVersion": "1.09",
            "userIdentity": {"type": "AssumedRole" if ":assumed-role/" in principal else "IAMUser", "arn": principal, "accountId": acct},
            "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "ec2.amazonaws.com",
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": "%d.%d.%d.%d" % (rng.choice([34, 52, 198, 203]), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)),
            "userAgent": rng.choice(AGENTS),
            "requestID": "%08x-0000-4000-8000-%012x" % (rng.randrange(1 << 32), self.counter),
            "eventID": "%08x-1111-4000-8000-%012x" % (rng.randrange(1 << 32), self.counter + 1),
            "eventType": "AwsApiCall",
            "recipientAccountId": acct,
        }

    def group(self, acct):
        mine = [g for g, a in self.groups.items() if a == acct]
        if mine and self.rng.random() < 0.9:
            return self.rng.choice(mine)
        g = self.next_id("sg")
        self.groups[g] = acct
        return g

    def record(self, acct, region, t):
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return self.noise(acct, region, t)
        if r < 0.36:
            e = self.base("CreateSecurityGroup", acct, region, t)
            g = self.next_id("sg")
            self.groups[g] = acct
            e["requestParameters"] = {"groupName": "g-%s" % g, "groupDescription": "generated", "vpcId": "vpc-0a1b2c3d"}
            e["responseElements"] = {"requestId": e["requestID"], "_return": True, "groupId": g}
            return e
        if r < 0.58:
            return self.authorize(acct, region, t)
        if r < 0.66:
            return self.revoke(acct, region, t)
        if r < 0.71:
            return self.modify(acct, region, t)
        return self.acl_entry(acct, region, t)

    def permission(self):
        rng = self.rng
        proto, lo, hi = ports(rng)
        perm = {"ipProtocol": proto, "groups": {}, "prefixListIds": {}}
        if lo is not None:
            perm["fromPort"], perm["toPort"] = lo, hi
        v4 = [{"cidrIp": cidr_v4(rng)} for _ in range(rng.choice([0, 1, 1, 1, 2, 3]))]
        v6 = [{"cidrIpv6": rng.choice(PUBLIC_V6)} for _ in range(rng.choice([0, 0, 0, 1]))]
        if not v4 and not v6:
            v4 = [{"cidrIp": cidr_v4(rng)}]
        perm["ipRanges"] = {"items": v4} if v4 else {}
        perm["ipv6Ranges"] = {"items": v6} if v6 else {}
        if rng.random() < 0.05:
            perm["groups"] = {"items": [{"groupId": "sg-0peer%012x" % rng.randrange(1 << 40)}]}
        if rng.random() < 0.03:
            perm["prefixListIds"] = {"items": [{"prefixListId": "pl-%08x" % rng.randrange(1 << 32)}]}
        return perm

    def authorize(self, acct, region, t):
        rng = self.rng
        e = self.base("AuthorizeSecurityGroupIngress", acct, region, t)
        g = self.group(acct)
        perms = [self.permission() for _ in range(rng.choice([1, 1, 2]))]
        e["requestParameters"] = {"groupId": g, "ipPermissions": {"items": perms}}
        if rng.random() < 0.08:
            e["errorCode"] = "Client.InvalidPermission.Duplicate"
            e["errorMessage"] = "the specified rule already exists"
            e["responseElements"] = None
            return e
        created = []
        for p in perms:
            for field, items in (("cidrIpv4", p["ipRanges"].get("items", [])), ("cidrIpv6", p["ipv6Ranges"].get("items", []))):
                for it in items:
                    rid = self.next_id("sgr")
                    rule = {"groupOwnerId": acct, "groupId": g, "securityGroupRuleId": rid, "isEgress": False, "ipProtocol": p["ipProtocol"]}
                    if "fromPort" in p:
                        rule["fromPort"], rule["toPort"] = p["fromPort"], p["toPort"]
                    cidr = it.get("cidrIp") or it.get("cidrIpv6")
                    rule[field] = cidr
                    created.append(rule)
                    self.rules.append((acct, g, rid, p, field, cidr))
        e["responseElements"] = {"requestId": e["requestID"], "_return": True, "securityGroupRuleSet": {"items": created}}
        return e

    def revoke(self, acct, region, t):
        rng = self.rng
        e = self.base("RevokeSecurityGroupIngress", acct, region, t)
        mine = [r for r in self.rules if r[0] == acct]
        if mine and rng.random() < 0.5:
            acct_, g, rid, p, field, cidr = rng.choice(mine)
            e["requestParameters"] = {"groupId": g, "securityGroupRuleIds": {"items": [{"securityGroupRuleId": rid}]}}
        elif mine:
            acct_, g, rid, p, field, cidr = rng.choice(mine)
            perm = {k: v for k, v in p.items() if k in ("ipProtocol", "fromPort", "toPort")}
            perm["ipRanges"] = {"items": [{"cidrIp": cidr}]} if field == "cidrIpv4" else {}
            perm["ipv6Ranges"] = {"items": [{"cidrIpv6": cidr}]} if field == "cidrIpv6" else {}
            e["requestParameters"] = {"groupId": g, "ipPermissions": {"items": [perm]}}
        else:
            e["requestParameters"] = {"groupId": self.group(acct), "ipPermissions": {"items": [self.permission()]}}
        e["responseElements"] = {"requestId": e["requestID"], "_return": True}
        return e

    def modify(self, acct, region, t):
        rng = self.rng
        e = self.base("ModifySecurityGroupRules", acct, region, t)
        mine = [r for r in self.rules if r[0] == acct]
        if mine:
            _, g, rid, _, _, _ = rng.choice(mine)
        else:
            g, rid = self.group(acct), self.next_id("sgr")
        proto, lo, hi = ports(rng)
        rule = {"IpProtocol": proto, "CidrIpv4": cidr_v4(rng), "Description": "modified"}
        if lo is not None:
            rule["FromPort"], rule["ToPort"] = lo, hi
        e["requestParameters"] = {"ModifySecurityGroupRulesRequest": {"GroupId": g, "SecurityGroupRule": {"SecurityGroupRuleId": rid, "SecurityGroupRule": rule, "tag": 1}}}
        e["responseElements"] = {"ModifySecurityGroupRulesResponse": {"requestId": e["requestID"], "return": True}}
        return e

    def acl_entry(self, acct, region, t):
        rng = self.rng
        acl = "acl-%s-%d" % (acct[-4:], rng.randrange(20))
        name = rng.choice(["CreateNetworkAclEntry", "CreateNetworkAclEntry", "ReplaceNetworkAclEntry", "DeleteNetworkAclEntry"])
        e = self.base(name, acct, region, t)
        number = rng.choice([90, 100, 110, 120, 200])
        egress = rng.random() < 0.2
        params = {"networkAclId": acl, "ruleNumber": number, "egress": egress}
        if name != "DeleteNetworkAclEntry":
            proto, lo, hi = ports(rng)
            proto = {"tcp": "6", "udp": "17", "icmp": "1"}.get(proto, proto)
            params.update({"ruleAction": rng.choice(["allow", "allow", "allow", "deny"]), "aclProtocol": proto, "icmpTypeCode": {}})
            params["portRange"] = {"from": lo, "to": hi} if lo is not None and lo >= 0 else {}
            if rng.random() < 0.1:
                params["ipv6CidrBlock"] = rng.choice(PUBLIC_V6)
            else:
                params["cidrBlock"] = cidr_v4(rng)
        e["requestParameters"] = params
        e["responseElements"] = {"requestId": e["requestID"], "_return": True}
        if rng.random() < 0.05:
            e["errorCode"] = "Client.NetworkAclEntryAlreadyExists"
            e["errorMessage"] = "The network acl entry identified by %d already exists." % number
            e["responseElements"] = None
        return e

    def noise(self, acct, region, t):
        rng = self.rng
        name = rng.choice(["DescribeInstances", "RunInstances", "DescribeSecurityGroups", "CreateTags", "AuthorizeSecurityGroupEgress"])
        e = self.base(name, acct, region, t)
        e["requestParameters"] = {"instancesSet": {"items": [{"instanceId": "i-%017x" % rng.randrange(1 << 60)}]}} if name != "AuthorizeSecurityGroupEgress" else {"groupId": self.group(acct), "ipPermissions": {"items": [self.permission()]}}
        e["responseElements"] = None
        e["readOnly"] = name.startswith("Describe")
        return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-file", type=int, default=500)
    ap.add_argument("--plain-share", type=float, default=0.2)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    trail = Trail(rng)
    start = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    written = 0
    n = 0
    while written < args.records:
        acct, region = rng.choice(ACCOUNTS), rng.choice(REGIONS)
        count = min(args.per_file, args.records - written)
        t0 = start + datetime.timedelta(seconds=written * 7)
        records = [trail.record(acct, region, t0 + datetime.timedelta(seconds=i * 7)) for i in range(count)]
        written += count
        delivered = t0 + datetime.timedelta(seconds=count * 7 + 300)
        day = os.path.join(args.out, "AWSLogs", acct, "CloudTrail", region, delivered.strftime("%Y"), delivered.strftime("%m"), delivered.strftime("%d"))
        os.makedirs(day, exist_ok=True)
        name = "%s_CloudTrail_%s_%s_%016x" % (acct, region, delivered.strftime("%Y%m%dT%H%MZ"), rng.randrange(1 << 64))
        body = json.dumps({"Records": records}, separators=(",", ":")).encode()
        n += 1
        if rng.random() < args.plain_share:
            with open(os.path.join(day, name + ".json"), "wb") as f:
                f.write(body)
        else:
            with gzip.open(os.path.join(day, name + ".json.gz"), "wb", compresslevel=6) as f:
                f.write(body)
    print("%d records in %d files under %s" % (written, n, args.out))


if __name__ == "__main__":
    main()
