#!/usr/bin/env python3
"""Seeded generator of Azure Activity Log files as a diagnostic setting
exports them to a storage account.

Writes `insights-activity-logs/resourceId=/SUBSCRIPTIONS/<sub>/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json`
(one folder per hour), each file one record per line, in the shape of
Microsoft's "Schema from storage account and event hubs"
(learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema):
`time`, `resourceId`, `operationName` (upper case, as exported),
`resultType` (`Start`, then `Success` or `Failure`), `correlationId`,
`callerIpAddress`, `identity.claims`, and on the `Start` record
`properties.requestbody`, the request body as JSON text.

The calls are network security group writes: one rule created or replaced
(`.../securityRules/write`), a group written whole with its rules
(`.../networkSecurityGroups/write`), a rule deleted; most succeed, some
fail, some have no end record (their outcome is unknown). Rules mix
protocols, port fields (one range or a list), source fields (one prefix,
a list, service tags), directions and access, as the REST `SecurityRule`
properties allow. Other Administrative operations are noise.

Used by the tests (the same files read natively and by DuckDB and Spark).
Usage:
  gen_azure_activity.py --out DIR --calls N [--seed S] [--per-file K]
"""

import argparse
import datetime
import json
import os
import random

SUBSCRIPTIONS = ["00000000-1111-2222-3333-444444444444", "55555555-6666-7777-8888-999999999999"]
GROUPS = ["rg-cluster", "rg-edge", "rg-data"]
CALLERS = ["erin@contoso.example", "frank@contoso.example", "pipeline@contoso.example"]
RULE_WRITE = "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE"
RULE_DELETE = "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/DELETE"
GROUP_WRITE = "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE"
NOISE = ["MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION"]
PORT_FIELDS = ["10257", "10250-10260", "*", "443", "2379-2380", "22", "10000-10300", "6443"]
TAGS = ["*", "Internet", "VirtualNetwork", "AzureLoadBalancer"]


def prefix(rng):
    r = rng.random()
    if r < 0.15:
        return "0.0.0.0/0"
    if r < 0.3:
        return rng.choice(TAGS)
    if r < 0.45:
        return "10.%d.0.0/16" % rng.randrange(256)
    if r < 0.55:
        # Inside, around or beside the authorized 10.0.0.0/16 of the tests.
        return rng.choice(["10.0.0.0/15", "10.0.128.0/17", "10.0.3.7", "198.51.100.0/24", "198.51.100.7"])
    if r < 0.62:
        # Public IPv6 only: the queries count an IPv6 block as authorized
        # only under ::/0, so non-public space (authorized by default)
        # would be listed by them and not by portcullis.
        return rng.choice(["::/0", "2603:1030::/40", "2603:1000::/24"])
    a = rng.choice([13, 20, 40, 51, 52, 104, 137, 168, 191, 203])
    length = rng.choice([8, 12, 16, 20, 24, 28, 32])
    addr = (a << 24) | rng.randrange(1 << 24)
    addr &= (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
    return "%d.%d.%d.%d/%d" % (addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, length)


def rule_properties(rng):
    props = {
        "protocol": rng.choice(["Tcp", "Tcp", "Tcp", "Udp", "*", "Icmp"]),
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "access": "Allow" if rng.random() < 0.8 else "Deny",
        "priority": rng.randrange(100, 4097),
        "direction": "Inbound" if rng.random() < 0.85 else "Outbound",
    }
    if rng.random() < 0.7:
        props["destinationPortRange"] = rng.choice(PORT_FIELDS)
    else:
        props["destinationPortRanges"] = rng.sample([p for p in PORT_FIELDS if p != "*"], rng.randrange(1, 4))
    if rng.random() < 0.7:
        props["sourceAddressPrefix"] = prefix(rng)
    else:
        # A list holds addresses and blocks only (tags go in the one field).
        items = []
        while len(items) < rng.randrange(2, 5):
            p = prefix(rng)
            if p not in TAGS and p not in items:
                items.append(p)
        props["sourceAddressPrefixes"] = items
    return props


class Generator:
    def __init__(self, rng):
        self.rng = rng
        self.n = 0

    def guid(self):
        self.n += 1
        r = self.rng.getrandbits(48)
        return "%08x-0000-4000-8000-%012x" % (self.n, r)

    def nsg_id(self):
        rng = self.rng
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkSecurityGroups/nsg-%02d" % (
            rng.choice(SUBSCRIPTIONS), rng.choice(GROUPS), rng.randrange(40))

    def record(self, t, resource, operation, result, correlation, caller, ip, body=None):
        props = {"eventCategory": "Administrative", "entity": resource, "message": operation.lower(),
                 "statusCode": {"Start": "Created", "Success": "OK", "Failure": "Conflict"}[result]}
        if body is not None:
            props["requestbody"] = json.dumps(body)
        return {
            "time": t.strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
            "resourceId": resource.upper() if self.rng.random() < 0.3 else resource,
            "operationName": operation,
            "category": "Administrative",
            "resultType": result,
            "resultSignature": {"Start": "Started.", "Success": "Succeeded.OK", "Failure": "Failed.Conflict"}[result],
            "durationMs": 0,
            "callerIpAddress": ip,
            "correlationId": correlation,
            "identity": {"claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": caller}},
            "level": "Information",
            "location": "westeurope",
            "properties": props,
        }

    def call(self, t):
        """The records of one call, in time order."""
        rng = self.rng
        kind = rng.random()
        nsg = self.nsg_id()
        caller = rng.choice(CALLERS)
        ip = "203.0.113.%d" % rng.randrange(1, 255)
        correlation = self.guid()
        if kind < 0.1:
            op = rng.choice(NOISE)
            resource = "/subscriptions/%s/resourceGroups/rg-cluster/providers/Microsoft.Compute/virtualMachines/vm-1" % (
                SUBSCRIPTIONS[0])
            return [self.record(t, resource, op, "Success", correlation, caller, ip)]
        if kind < 0.65:
            op, resource = RULE_WRITE, "%s/securityRules/rule-%d" % (nsg, rng.randrange(30))
            body = {"properties": rule_properties(rng)}
        elif kind < 0.9:
            op, resource = GROUP_WRITE, nsg
            names = rng.sample(range(30), rng.randrange(1, 6))
            body = {"location": "westeurope",
                    "properties": {"securityRules": [{"name": "rule-%d" % n, "properties": rule_properties(rng)}
                                                     for n in names]}}
            # A group written with outbound rules only is no change of
            # inbound rules: keep one inbound rule in every group write.
            body["properties"]["securityRules"][0]["properties"]["direction"] = "Inbound"
        else:
            op, resource, body = RULE_DELETE, "%s/securityRules/rule-%d" % (nsg, rng.randrange(30)), None
        out = [self.record(t, resource, op, "Start", correlation, caller, ip, body)]
        end = rng.random()
        later = t + datetime.timedelta(seconds=rng.randrange(1, 20))
        if end < 0.85:
            out.append(self.record(later, resource, op, "Success", correlation, caller, ip))
        elif end < 0.95:
            out.append(self.record(later, resource, op, "Failure", correlation, caller, ip))
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-file", type=int, default=500)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    gen = Generator(rng)
    t = datetime.datetime(2026, 11, 28, 0, 0, 0)
    records = []
    for _ in range(a.calls):
        t += datetime.timedelta(seconds=rng.randrange(1, 30))
        records.extend(gen.call(t))
    records.sort(key=lambda r: r["time"])
    written = 0
    for start in range(0, len(records), a.per_file):
        part = records[start:start + a.per_file]
        first = datetime.datetime.strptime(part[0]["time"][:19], "%Y-%m-%dT%H:%M:%S")
        folder = os.path.join(a.out, "insights-activity-logs", "resourceId=", "SUBSCRIPTIONS", SUBSCRIPTIONS[0],
                              "y=%04d" % first.year, "m=%02d" % first.month, "d=%02d" % first.day,
                              "h=%02d" % first.hour, "m=00", "part-%05d" % (start // a.per_file))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "PT1H.json"), "w", encoding="utf-8") as f:
            for r in part:
                f.write(json.dumps(r) + "\n")
        written += 1
    print("gen_azure_activity: %d calls, %d records in %d files under %s" % (a.calls, len(records), written, a.out))


if __name__ == "__main__":
    main()
