#!/usr/bin/env python3
"""Generate a large AWS estate as CLI dump files, with its reachability truth.

Usage:
    gen_reach_estate.py OUT_DIR [--interfaces N] [--route-tables R]
                                [--load-balancers L] [--seed S]

Python 3 standard library only. The output is a pure function of the
arguments: every random choice comes from one `random.Random(seed)`, and
nothing iterates over a set or a hash-ordered container.

Defaults: 100,000 network interfaces, 10,000 route tables, 2,000 load
balancers (4/5 ELBv2, 1/5 classic), seed 10257. The estate is spread over
one VPC per 40 route tables; each VPC has 100 subnets (/24s of its /16).

Files, each the shape the AWS CLI prints (4-space indent, the CLI's keys):

    vpcs.json                       aws ec2 describe-vpcs
    subnets.json                    aws ec2 describe-subnets
    route-tables.json               aws ec2 describe-route-tables
    internet-gateways.json          aws ec2 describe-internet-gateways
    egress-only-internet-gateways.json
    nat-gateways.json               aws ec2 describe-nat-gateways
    network-acls.json               aws ec2 describe-network-acls
    security-groups.json            aws ec2 describe-security-groups
    network-interfaces.json         aws ec2 describe-network-interfaces
    elbv2-load-balancers.json       aws elbv2 describe-load-balancers
    elbv2-target-groups.json        aws elbv2 describe-target-groups
    elbv2/listeners-NAME.json       aws elbv2 describe-listeners --load-balancer-arn …
    elbv2/target-health-NAME.json   aws elbv2 describe-target-health --target-group-arn …
                                    (plus "TargetGroupArn": the CLI's output does not
                                    name the group it was asked about)
    elb-load-balancers.json         aws elb describe-load-balancers
    truth.json                      what portcullis must find (below)

The interfaces are the targets (there is no describe-instances dump, so an
instance target of a load balancer is found by its interfaces' attachment,
device index 0). Load balancers' own interfaces are included, as the CLI
lists them ("ELB app/…", requester-managed).

Truth, per interface, for PC100 (tcp/10257), by the semantics in
docs/semantics.md ("Reachability"). The generator only uses building blocks
whose answer is plain, so the truth is computed here independently:

  * sources a security group rule on tcp/10257 may name: 0.0.0.0/0, ::/0,
    52.94.0.0/22 (public, inside 52.0.0.0/8), 13.32.0.0/15 (public, outside
    it), the VPC's range (private), a load balancer's security group;
  * a few subnets have a network ACL that denies tcp/10257 from 0.0.0.0/0
    (then allows everything): IPv4 sources are taken away there;
  * a route table has the local route, a default IPv4 route to the VPC's
    internet gateway, a NAT gateway, a transit gateway, a firewall endpoint
    (a middlebox: unknown), a detached gateway (blackhole) or none; maybe
    52.0.0.0/8 to a peering connection; maybe ::/0 to the internet gateway
    or an egress-only one; maybe the S3 gateway endpoint's prefix list;
  * an interface has a public IPv4 address or not, an IPv6 address or not;
  * a load balancer is internet-facing or internal, in public or NAT
    subnets, with a security group open to the world on its listener port
    (or to 13.32.0.0/15 only); a listener forwards to a target group on
    port 10257 or another port; an ALB or classic ELB reaches a target that
    admits its group or the VPC range, an NLB with instance targets reaches
    a target that admits the client.

The finding's class is what the interface's rules admit plus what load
balancers forwarding to it admit; `reach` is internet when a path exists
for part of those sources, unknown when only a firewall endpoint's part
could, none otherwise; severity is critical, one level lower (high) for
unrestricted with reach none, and high for public.
"""

import argparse
import json
import os
import random
import sys

PORT = 10257
ACCOUNT = "123456789012"
REGION = "us-east-1"
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
AZ_IDS = {"us-east-1a": "use1-az1", "us-east-1b": "use1-az2", "us-east-1c": "use1-az4"}
S3_PREFIX_LIST = "pl-63a5400a"

NARROW_IN_TAKEN = "52.94.0.0/22"   # inside 52.0.0.0/8
NARROW_OUTSIDE = "13.32.0.0/15"
TAKEN_BLOCK = "52.0.0.0/8"


def hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def meet(a, b):
    """The sources in both token sets: 0.0.0.0/0 holds every IPv4 block
    the generator uses; blocks are otherwise disjoint."""
    out = set()
    for x in a:
        for y in b:
            if x == y:
                out.add(x)
            elif x == "0.0.0.0/0" and ":" not in y:
                out.add(y)
            elif y == "0.0.0.0/0" and ":" not in x:
                out.add(x)
    return out


def dump(path, obj):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=4)
        f.write("\n")
    os.replace(tmp, path)


class Gen:
    def __init__(self, seed, interfaces, route_tables, load_balancers):
        self.rng = random.Random(seed)
        self.n_eni = interfaces
        self.n_rt = route_tables
        self.n_lb = load_balancers
        self.n_vpc = max(1, route_tables // 40)
        self.seen = set()

    def uid(self, prefix, n=17):
        while True:
            v = prefix + hexid(self.rng, n)
            if v not in self.seen:
                self.seen.add(v)
                return v

    # --- the network -------------------------------------------------------
    def build(self):
        rng = self.rng
        self.vpcs = []
        for v in range(self.n_vpc):
            self.vpcs.append({
                "id": self.uid("vpc-"),
                "cidr": "10.%d.0.0/16" % (v % 256) if v < 256 else "172.%d.0.0/16" % (16 + v % 16),
                "v6": "2600:1f18:%x:%x00::/56" % (v // 256, v % 256),
                "index": v,
                "igw": self.uid("igw-"),
                "eigw": self.uid("eigw-"),
                "nat": self.uid("nat-"),
                "tgw": "tgw-0%s" % hexid(rng, 16),
                "pcx": self.uid("pcx-"),
                "fw": self.uid("vpce-"),
                "s3": self.uid("vpce-"),
                "detached_igw": self.uid("igw-"),
            })
        # Route tables: the first of each VPC is its main table.
        per_vpc = self.n_rt // self.n_vpc
        self.tables = []
        for vpc in self.vpcs:
            for k in range(per_vpc):
                self.tables.append(self.route_table(vpc, k == 0))
        # Subnets: 100 per VPC; each VPC's first 20 subnets are associated
        # with its public tables (default route to the gateway), the rest
        # spread over all its tables, some left on the main table.
        self.subnets = []
        for vpc in self.vpcs:
            tables = [t for t in self.tables if t["vpc"] is vpc]
            public = [t for t in tables if t["default"] == "igw" and not t["main"]]
            for j in range(100):
                if j < 20 and public:
                    table = public[j % len(public)]
                elif rng.random() < 0.1:
                    table = None  # the main table answers
                else:
                    table = tables[rng.randrange(len(tables))]
                base = vpc["cidr"].split(".")
                cidr = "%s.%s.%d.0/24" % (base[0], base[1], j)
                self.subnets.append({
                    "id": self.uid("subnet-"),
                    "vpc": vpc,
                    "cidr": cidr,
                    "az": AZS[j % 3],
                    "table": table,
                    "deny_acl": j >= 20 and rng.random() < 0.05,
                    "hosts": 4,
                })
        for s in self.subnets:
            s["effective"] = s["table"] or next(t for t in self.tables if t["vpc"] is s["vpc"] and t["main"])

    def route_table(self, vpc, main):
        rng = self.rng
        if main:
            default = rng.choice(["nat", "none", "igw"])
        else:
            default = rng.choices(["igw", "nat", "tgw", "fw", "blackhole", "none"], weights=[45, 30, 8, 5, 4, 8])[0]
        t = {
            "id": self.uid("rtb-"),
            "vpc": vpc,
            "main": main,
            "default": default,
            "taken": default == "igw" and rng.random() < 0.2,
            "v6": rng.choices([None, "igw", "eigw"], weights=[50, 25, 25])[0],
            "s3": rng.random() < 0.3,
        }
        return t

    # --- security groups -----------------------------------------------------
    def groups(self):
        rng = self.rng
        self.sgs = []
        for vpc in self.vpcs:
            vpc["sgs"] = []
            for k in range(40):
                kind = rng.choices(["world4", "world6", "both", "narrow_in", "narrow_out", "vpc", "lb", "none"],
                                   weights=[14, 5, 4, 6, 6, 20, 25, 20])[0]
                g = {"id": self.uid("sg-"), "vpc": vpc, "kind": kind, "name": "app-%d-%d" % (vpc["index"], k)}
                vpc["sgs"].append(g)
                self.sgs.append(g)
            # Load balancer groups: world on 443 and 80, or one narrow block.
            vpc["lb_sgs"] = []
            for k in range(3):
                g = {"id": self.uid("sg-"), "vpc": vpc, "kind": "lb-world" if k < 2 else "lb-narrow",
                     "name": "lb-%d-%d" % (vpc["index"], k)}
                vpc["lb_sgs"].append(g)
                self.sgs.append(g)
        # App groups of kind "lb" admit one of their VPC's load balancer groups.
        for g in self.sgs:
            if g["kind"] == "lb":
                g["ref"] = rng.choice(g["vpc"]["lb_sgs"])

    # --- interfaces ----------------------------------------------------------
    def interfaces(self, n_app):
        rng = self.rng
        self.enis = []
        subnets = self.subnets
        for i in range(n_app):
            s = subnets[i % len(subnets)]
            vpc = s["vpc"]
            host = 10 + (i // len(subnets)) % 240
            private = s["cidr"].rsplit(".", 1)[0] + ".%d" % host
            e = {
                "id": self.uid("eni-"),
                "instance": self.uid("i-") if rng.random() < 0.9 else None,
                "subnet": s,
                "private": private,
                "public": "54.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
                if rng.random() < 0.35 else None,
                "v6": rng.random() < 0.2,
                "groups": [rng.choice(vpc["sgs"])] if rng.random() < 0.8 else rng.sample(vpc["sgs"], 2),
                "lb_of": None,
            }
            prefix = vpc["v6"].split("00::/")[0] + "00::"
            e["v6addr"] = "%s%x:%x" % (prefix, i >> 16, i & 0xFFFF) if e["v6"] else None
            self.enis.append(e)

    # --- load balancers ------------------------------------------------------
    def load_balancers(self):
        rng = self.rng
        self.lbs = []
        self.tgs = []
        n_classic = self.n_lb // 5
        by_vpc = {}
        for e in self.enis:
            by_vpc.setdefault(e["subnet"]["vpc"]["index"], []).append(e)
        for k in range(self.n_lb):
            vpc = self.vpcs[k % len(self.vpcs)]
            kind = "classic" if k < n_classic else rng.choices(["application", "network"], weights=[60, 40])[0]
            vsubs = [s for s in self.subnets if s["vpc"] is vpc]
            in_public = rng.random() < 0.8
            pool = [s for s in vsubs if s["effective"]["default"] == "igw"] if in_public else \
                [s for s in vsubs if s["effective"]["default"] == "nat"]
            if not pool:
                pool = vsubs
            lb_subnets = []
            for az in AZS[:2]:
                cands = [s for s in pool if s["az"] == az] or pool
                lb_subnets.append(rng.choice(cands))
            name = "%s-%d" % ({"classic": "clb", "application": "alb", "network": "nlb"}[kind], k)
            lb = {
                "name": name,
                "kind": kind,
                "vpc": vpc,
                "scheme": "internet-facing" if rng.random() < 0.8 else "internal",
                "subnets": lb_subnets,
                "sg": rng.choice(vpc["lb_sgs"]) if kind != "network" or rng.random() < 0.3 else None,
                "id": hexid(rng, 16),
            }
            if kind == "classic":
                lb["arn"] = None
            else:
                lb["arn"] = "arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s" % (
                    REGION, ACCOUNT, "app" if kind == "application" else "net", name, lb["id"])
            # Targets: some app interfaces of the VPC, by instance id.
            cands = [e for e in by_vpc.get(vpc["index"], []) if e["instance"]]
            members = rng.sample(cands, min(len(cands), rng.randrange(1, 12))) if cands else []
            listen = 443 if kind != "network" else rng.choice([443, PORT, 6443])
            target_port = PORT if rng.random() < 0.7 else rng.choice([8080, 8443])
            lb["listen"] = listen
            lb["target_port"] = target_port
            if kind == "classic":
                lb["members"] = members
            else:
                tg = {
                    "name": "tg-%d" % k,
                    "id": hexid(rng, 16),
                    "lb": lb,
                    "port": target_port,
                    "protocol": "HTTP" if kind == "application" else "TCP",
                    "members": members,
                }
                tg["arn"] = "arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s" % (REGION, ACCOUNT, tg["name"], tg["id"])
                lb["tg"] = tg
                self.tgs.append(tg)
            self.lbs.append(lb)
            for m in members:
                m.setdefault("memberships", []).append(lb)

    # --- truth ---------------------------------------------------------------
    def truth(self):
        """(class, reach, severity) of PC100 on each app interface, or None;
        and on each security group no interface or load balancer uses (it
        stands for whatever it is attached to: reach unknown)."""
        out = {}
        used = set()
        for e in self.enis:
            if e.get("lb_of"):
                continue
            used.update(g["id"] for g in e["groups"])
            t = self.truth_one(e)
            if t:
                out[e["id"]] = t
        used.update(lb["sg"]["id"] for lb in self.lbs if lb["sg"])
        for g in self.sgs:
            if g["id"] in used:
                continue
            if g["kind"] in ("world4", "world6", "both", "lb-world"):
                out[g["id"]] = ["unrestricted", "unknown", "critical"]
            elif g["kind"] in ("narrow_in", "narrow_out", "lb-narrow"):
                out[g["id"]] = ["public", "unknown", "high"]
        return out

    def admitted(self, e):
        """What the interface's own rules admit on tcp/10257 (after its NACL):
        a set of source tokens, and the load balancer groups it admits."""
        srcs = set()
        lb_groups = set()
        vpc_range = False
        for g in e["groups"]:
            k = g["kind"]
            if k in ("world4", "both"):
                srcs.add("0.0.0.0/0")
            if k in ("world6", "both"):
                srcs.add("::/0")
            if k == "narrow_in":
                srcs.add(NARROW_IN_TAKEN)
            if k == "narrow_out":
                srcs.add(NARROW_OUTSIDE)
            if k == "vpc":
                vpc_range = True
            if k == "lb":
                lb_groups.add(g["ref"]["id"])
        if e["subnet"]["deny_acl"]:
            srcs = {s for s in srcs if ":" in s}
        return srcs, lb_groups, vpc_range

    def lb_admits(self, lb, subnet):
        """Sources the load balancer admits on its listener in one of its
        subnets: its group, then the subnet's network ACL."""
        g = lb["sg"]
        srcs = {"0.0.0.0/0"} if g is None or g["kind"] == "lb-world" else {NARROW_OUTSIDE}
        if subnet["deny_acl"] and lb["listen"] == PORT:
            srcs = {s for s in srcs if ":" in s}
        return srcs

    def v4_route(self, table):
        """(outcome for 0.0.0.0/0 minus 52/8, outcome for 52/8)."""
        d = table["default"]
        base = {"igw": "internet", "fw": "unknown"}.get(d, "none")
        return base, ("none" if table["taken"] else base)

    def truth_one(self, e):
        srcs, lb_groups, vpc_range = self.admitted(e)
        # What load balancers bring (internet-facing ones whose path to the
        # target is complete on the target's side).
        lb_paths = []
        for lb in e.get("memberships", []):
            if lb["target_port"] != PORT or lb["scheme"] != "internet-facing":
                continue
            per_subnet = [(s, self.lb_admits(lb, s)) for s in lb["subnets"]]
            admitted = set().union(*(a for _, a in per_subnet))
            if lb["kind"] == "network":
                # Instance targets: the client's address is preserved.
                via = meet(admitted, srcs)
            else:
                # The target admits the load balancer (its group, or an
                # address range that holds its nodes: the VPC's, or the
                # world's), unless its network ACL denies every IPv4 source
                # on the port, nodes included.
                ok = (lb["sg"] is not None and lb["sg"]["id"] in lb_groups) or vpc_range or "0.0.0.0/0" in srcs
                via = admitted if ok and not e["subnet"]["deny_acl"] else set()
            if via:
                lb_paths.append((lb, via, per_subnet))
        problem = set(srcs)
        for _, via, _ in lb_paths:
            problem |= via
        if not problem:
            return None
        if "0.0.0.0/0" in problem or "::/0" in problem:
            cls = "unrestricted"
        else:
            cls = "public"
        # Reach: direct, then through load balancers.
        outcomes = []
        table = e["subnet"]["effective"]
        rest, taken = self.v4_route(table)
        if e["public"]:
            for s in srcs:
                if s == "0.0.0.0/0":
                    outcomes += [rest, taken]
                elif s == NARROW_IN_TAKEN:
                    outcomes.append(taken)
                elif s == NARROW_OUTSIDE:
                    outcomes.append(rest)
        if e["v6"] and "::/0" in srcs:
            outcomes.append("internet" if table["v6"] == "igw" else "none")
        for lb, via, per_subnet in lb_paths:
            for s, admitted in per_subnet:
                r, tk = self.v4_route(s["effective"])
                for v in meet(via, admitted):
                    outcomes.append(tk if v == NARROW_IN_TAKEN else r)
        if "internet" in outcomes:
            reach = "internet"
        elif "unknown" in outcomes:
            reach = "unknown"
        else:
            reach = "none"
        severity = "critical" if cls == "unrestricted" and reach != "none" else "high"
        return [cls, reach, severity]

    # --- dumps -----------------------------------------------------------------
    def write(self, out):
        rng = self.rng
        tag = lambda name: [{"Key": "Name", "Value": name}]
        dump(os.path.join(out, "vpcs.json"), {"Vpcs": [{
            "CidrBlock": v["cidr"],
            "DhcpOptionsId": "dopt-0%s" % hexid(rng, 16),
            "State": "available",
            "VpcId": v["id"],
            "OwnerId": ACCOUNT,
            "InstanceTenancy": "default",
            "Ipv6CidrBlockAssociationSet": [{
                "AssociationId": "vpc-cidr-assoc-0%s" % hexid(rng, 16),
                "Ipv6CidrBlock": v["v6"],
                "Ipv6CidrBlockState": {"State": "associated"},
                "NetworkBorderGroup": REGION,
                "Ipv6Pool": "Amazon",
            }],
            "CidrBlockAssociationSet": [{
                "AssociationId": "vpc-cidr-assoc-0%s" % hexid(rng, 16),
                "CidrBlock": v["cidr"],
                "CidrBlockState": {"State": "associated"},
            }],
            "IsDefault": False,
            "Tags": tag("vpc-%d" % v["index"]),
        } for v in self.vpcs]})

        dump(os.path.join(out, "subnets.json"), {"Subnets": [{
            "AvailabilityZone": s["az"],
            "AvailabilityZoneId": AZ_IDS[s["az"]],
            "AvailableIpAddressCount": 246,
            "CidrBlock": s["cidr"],
            "DefaultForAz": False,
            "MapPublicIpOnLaunch": s["effective"]["default"] == "igw",
            "MapCustomerOwnedIpOnLaunch": False,
            "State": "available",
            "SubnetId": s["id"],
            "VpcId": s["vpc"]["id"],
            "OwnerId": ACCOUNT,
            "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [],
            "Tags": tag("subnet-%s" % s["cidr"]),
            "SubnetArn": "arn:aws:ec2:%s:%s:subnet/%s" % (REGION, ACCOUNT, s["id"]),
            "EnableDns64": False,
            "Ipv6Native": False,
            "PrivateDnsNameOptionsOnLaunch": {
                "HostnameType": "ip-name",
                "EnableResourceNameDnsARecord": False,
                "EnableResourceNameDnsAAAARecord": False,
            },
        } for s in self.subnets]})

        tables = []
        for t in self.tables:
            v = t["vpc"]
            assoc = []
            if t["main"]:
                assoc.append({"Main": True, "RouteTableAssociationId": "rtbassoc-0%s" % hexid(rng, 16),
                              "RouteTableId": t["id"], "AssociationState": {"State": "associated"}})
            for s in self.subnets:
                if s["table"] is t:
                    assoc.append({"Main": False, "RouteTableAssociationId": "rtbassoc-0%s" % hexid(rng, 16),
                                  "RouteTableId": t["id"], "SubnetId": s["id"],
                                  "AssociationState": {"State": "associated"}})
            routes = [{"DestinationCidrBlock": v["cidr"], "GatewayId": "local", "Origin": "CreateRouteTable",
                       "State": "active"},
                      {"DestinationIpv6CidrBlock": v["v6"], "GatewayId": "local", "Origin": "CreateRouteTable",
                       "State": "active"}]
            d = t["default"]
            if d == "igw":
                routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": v["igw"], "Origin": "CreateRoute",
                               "State": "active"})
            elif d == "nat":
                routes.append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": v["nat"], "Origin": "CreateRoute",
                               "State": "active"})
            elif d == "tgw":
                routes.append({"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": v["tgw"],
                               "Origin": "CreateRoute", "State": "active"})
            elif d == "fw":
                routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": v["fw"], "Origin": "CreateRoute",
                               "State": "active"})
            elif d == "blackhole":
                routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": v["detached_igw"],
                               "Origin": "CreateRoute", "State": "blackhole"})
            if t["taken"]:
                routes.append({"DestinationCidrBlock": TAKEN_BLOCK, "VpcPeeringConnectionId": v["pcx"],
                               "Origin": "CreateRoute", "State": "active"})
            if t["v6"] == "igw":
                routes.append({"DestinationIpv6CidrBlock": "::/0", "GatewayId": v["igw"], "Origin": "CreateRoute",
                               "State": "active"})
            elif t["v6"] == "eigw":
                routes.append({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": v["eigw"],
                               "Origin": "CreateRoute", "State": "active"})
            if t["s3"]:
                routes.append({"DestinationPrefixListId": S3_PREFIX_LIST, "GatewayId": v["s3"],
                               "Origin": "CreateRoute", "State": "active"})
            tables.append({"Associations": assoc, "PropagatingVgws": [], "RouteTableId": t["id"], "Routes": routes,
                           "Tags": [], "VpcId": v["id"], "OwnerId": ACCOUNT})
        dump(os.path.join(out, "route-tables.json"), {"RouteTables": tables})

        dump(os.path.join(out, "internet-gateways.json"), {"InternetGateways": [
            {"Attachments": [{"State": "available", "VpcId": v["id"]}], "InternetGatewayId": v["igw"],
             "OwnerId": ACCOUNT, "Tags": tag("igw-%d" % v["index"])} for v in self.vpcs] + [
            {"Attachments": [], "InternetGatewayId": v["detached_igw"], "OwnerId": ACCOUNT, "Tags": []}
            for v in self.vpcs]})
        dump(os.path.join(out, "egress-only-internet-gateways.json"), {"EgressOnlyInternetGateways": [
            {"Attachments": [{"State": "attached", "VpcId": v["id"]}], "EgressOnlyInternetGatewayId": v["eigw"],
             "Tags": []} for v in self.vpcs]})
        nats = []
        for v in self.vpcs:
            pub = next((s for s in self.subnets if s["vpc"] is v and s["effective"]["default"] == "igw"), None)
            sub = pub or next(s for s in self.subnets if s["vpc"] is v)
            nats.append({"CreateTime": "2024-03-01T10:00:00+00:00", "NatGatewayAddresses": [{
                "AllocationId": "eipalloc-0%s" % hexid(rng, 16),
                "NetworkInterfaceId": "eni-0%s" % hexid(rng, 16),
                "PrivateIp": sub["cidr"].rsplit(".", 1)[0] + ".5",
                "PublicIp": "3.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)),
                "AssociationId": "eipassoc-0%s" % hexid(rng, 16),
                "IsPrimary": True,
                "Status": "succeeded"}],
                "NatGatewayId": v["nat"], "State": "available", "SubnetId": sub["id"], "VpcId": v["id"],
                "Tags": [], "ConnectivityType": "public"})
        dump(os.path.join(out, "nat-gateways.json"), {"NatGateways": nats})

        acls = []
        allow_all = [
            {"CidrBlock": "0.0.0.0/0", "Egress": True, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
            {"CidrBlock": "0.0.0.0/0", "Egress": True, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767},
            {"CidrBlock": "0.0.0.0/0", "Egress": False, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
            {"CidrBlock": "0.0.0.0/0", "Egress": False, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767},
            {"Egress": False, "Ipv6CidrBlock": "::/0", "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 101},
            {"Egress": False, "Ipv6CidrBlock": "::/0", "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32768},
        ]
        for v in self.vpcs:
            subs = [s for s in self.subnets if s["vpc"] is v]
            plain = [s for s in subs if not s["deny_acl"]]
            deny = [s for s in subs if s["deny_acl"]]
            acls.append({"Associations": [{"NetworkAclAssociationId": "aclassoc-0%s" % hexid(rng, 16),
                                           "NetworkAclId": "", "SubnetId": s["id"]} for s in plain],
                         "Entries": allow_all, "IsDefault": True, "NetworkAclId": self.uid("acl-"),
                         "Tags": [], "VpcId": v["id"], "OwnerId": ACCOUNT})
            acls[-1]["Associations"] = [dict(a, NetworkAclId=acls[-1]["NetworkAclId"]) for a in acls[-1]["Associations"]]
            if deny:
                aid = self.uid("acl-")
                acls.append({"Associations": [{"NetworkAclAssociationId": "aclassoc-0%s" % hexid(rng, 16),
                                               "NetworkAclId": aid, "SubnetId": s["id"]} for s in deny],
                             "Entries": [{"CidrBlock": "0.0.0.0/0", "Egress": False, "PortRange": {"From": PORT, "To": PORT},
                                          "Protocol": "6", "RuleAction": "deny", "RuleNumber": 90}] + allow_all,
                             "IsDefault": False, "NetworkAclId": aid, "Tags": tag("no-kcm"), "VpcId": v["id"],
                             "OwnerId": ACCOUNT})
        dump(os.path.join(out, "network-acls.json"), {"NetworkAcls": acls})

        groups = []
        for g in self.sgs:
            perms = []
            k = g["kind"]
            v4, v6, pairs = [], [], []
            if k in ("world4", "both"):
                v4.append({"CidrIp": "0.0.0.0/0"})
            if k in ("world6", "both"):
                v6.append({"CidrIpv6": "::/0"})
            if k == "narrow_in":
                v4.append({"CidrIp": NARROW_IN_TAKEN, "Description": "partner"})
            if k == "narrow_out":
                v4.append({"CidrIp": NARROW_OUTSIDE, "Description": "monitoring SaaS"})
            if k == "vpc":
                v4.append({"CidrIp": g["vpc"]["cidr"]})
            if k == "lb":
                pairs.append({"GroupId": g["ref"]["id"], "UserId": ACCOUNT})
            if v4 or v6 or pairs:
                perms.append({"FromPort": PORT, "IpProtocol": "tcp", "IpRanges": v4, "Ipv6Ranges": v6,
                              "PrefixListIds": [], "ToPort": PORT, "UserIdGroupPairs": pairs})
            if k.startswith("lb-"):
                src = [{"CidrIp": "0.0.0.0/0"}] if k == "lb-world" else [{"CidrIp": NARROW_OUTSIDE}]
                for p in (443, 80, 6443, PORT):
                    perms.append({"FromPort": p, "IpProtocol": "tcp", "IpRanges": src, "Ipv6Ranges": [],
                                  "PrefixListIds": [], "ToPort": p, "UserIdGroupPairs": []})
            perms.append({"FromPort": 22, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                          "Ipv6Ranges": [], "PrefixListIds": [], "ToPort": 22, "UserIdGroupPairs": []})
            groups.append({"Description": "%s security group" % g["name"], "GroupName": g["name"],
                           "IpPermissions": perms, "OwnerId": ACCOUNT, "GroupId": g["id"],
                           "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                                    "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}],
                           "VpcId": g["vpc"]["id"]})
        dump(os.path.join(out, "security-groups.json"), {"SecurityGroups": groups})

        enis = []
        for e in self.enis:
            s = e["subnet"]
            d = {}
            if e["public"]:
                d["Association"] = {"IpOwnerId": "amazon",
                                    "PublicDnsName": "ec2-%s.compute-1.amazonaws.com" % e["public"].replace(".", "-"),
                                    "PublicIp": e["public"]}
            if e.get("lb_of"):
                d["Attachment"] = {"AttachmentId": "ela-attach-0%s" % hexid(rng, 16), "DeleteOnTermination": False,
                                   "DeviceIndex": 1, "InstanceOwnerId": "amazon-elb", "Status": "attached"}
            elif e["instance"]:
                d["Attachment"] = {"AttachTime": "2024-05-01T09:00:00+00:00",
                                   "AttachmentId": "eni-attach-0%s" % hexid(rng, 16), "DeleteOnTermination": True,
                                   "DeviceIndex": 0, "NetworkCardIndex": 0, "InstanceId": e["instance"],
                                   "InstanceOwnerId": ACCOUNT, "Status": "attached"}
            d["AvailabilityZone"] = s["az"]
            d["Description"] = e.get("description", "")
            d["Groups"] = [{"GroupName": g["name"], "GroupId": g["id"]} for g in e["groups"]]
            d["InterfaceType"] = e.get("type", "interface")
            d["Ipv6Addresses"] = [{"Ipv6Address": e["v6addr"], "IsPrimaryIpv6": False}] if e["v6"] else []
            d["MacAddress"] = "0e:%02x:%02x:%02x:%02x:%02x" % tuple(rng.randrange(256) for _ in range(5))
            d["NetworkInterfaceId"] = e["id"]
            d["OwnerId"] = ACCOUNT
            d["PrivateDnsName"] = "ip-%s.ec2.internal" % e["private"].replace(".", "-")
            d["PrivateIpAddress"] = e["private"]
            pip = {"Primary": True, "PrivateDnsName": d["PrivateDnsName"], "PrivateIpAddress": e["private"]}
            if e["public"]:
                pip = {"Association": d["Association"], **pip}
            d["PrivateIpAddresses"] = [pip]
            d["RequesterId"] = "amazon-elb" if e.get("lb_of") else None
            if d["RequesterId"] is None:
                del d["RequesterId"]
            d["RequesterManaged"] = bool(e.get("lb_of"))
            d["SourceDestCheck"] = True
            d["Status"] = "in-use"
            d["SubnetId"] = s["id"]
            d["TagSet"] = []
            d["VpcId"] = s["vpc"]["id"]
            enis.append(d)
        dump(os.path.join(out, "network-interfaces.json"), {"NetworkInterfaces": enis})

        v2 = [lb for lb in self.lbs if lb["kind"] != "classic"]
        dump(os.path.join(out, "elbv2-load-balancers.json"), {"LoadBalancers": [{
            "LoadBalancerArn": lb["arn"],
            "DNSName": "%s-%s.%s.elb.amazonaws.com" % (lb["name"], lb["id"][:10], REGION),
            "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K" if lb["kind"] == "application" else "Z26RNL4JYFTOTI",
            "CreatedTime": "2024-04-01T12:00:00.000000+00:00",
            "LoadBalancerName": lb["name"],
            "Scheme": lb["scheme"],
            "VpcId": lb["vpc"]["id"],
            "State": {"Code": "active"},
            "Type": lb["kind"],
            "AvailabilityZones": [{"ZoneName": s["az"], "SubnetId": s["id"], "LoadBalancerAddresses": []}
                                  for s in lb["subnets"]],
            **({"SecurityGroups": [lb["sg"]["id"]]} if lb["sg"] else {}),
            "IpAddressType": "ipv4",
        } for lb in v2]})
        dump(os.path.join(out, "elbv2-target-groups.json"), {"TargetGroups": [{
            "TargetGroupArn": tg["arn"],
            "TargetGroupName": tg["name"],
            "Protocol": tg["protocol"],
            "Port": tg["port"],
            "VpcId": tg["lb"]["vpc"]["id"],
            "HealthCheckProtocol": tg["protocol"],
            "HealthCheckPort": "traffic-port",
            "HealthCheckEnabled": True,
            "HealthCheckIntervalSeconds": 30,
            "HealthCheckTimeoutSeconds": 5,
            "HealthyThresholdCount": 5,
            "UnhealthyThresholdCount": 2,
            "LoadBalancerArns": [tg["lb"]["arn"]],
            "TargetType": "instance",
            "IpAddressType": "ipv4",
        } for tg in self.tgs]})
        for lb in v2:
            tg = lb["tg"]
            proto = "HTTPS" if lb["kind"] == "application" else "TCP"
            dump(os.path.join(out, "elbv2", "listeners-%s.json" % lb["name"]), {"Listeners": [{
                "ListenerArn": lb["arn"].replace(":loadbalancer/", ":listener/") + "/" + hexid(rng, 16),
                "LoadBalancerArn": lb["arn"],
                "Port": lb["listen"],
                "Protocol": proto,
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg["arn"], "Order": 1,
                                    "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg["arn"], "Weight": 1}],
                                                      "TargetGroupStickinessConfig": {"Enabled": False}}}],
            }]})
            dump(os.path.join(out, "elbv2", "target-health-%s.json" % tg["name"]), {
                "TargetGroupArn": tg["arn"],
                "TargetHealthDescriptions": [{
                    "Target": {"Id": m["instance"], "Port": tg["port"]},
                    "HealthCheckPort": str(tg["port"]),
                    "TargetHealth": {"State": "healthy"},
                } for m in tg["members"]]})
        classic = [lb for lb in self.lbs if lb["kind"] == "classic"]
        dump(os.path.join(out, "elb-load-balancers.json"), {"LoadBalancerDescriptions": [{
            "LoadBalancerName": lb["name"],
            "DNSName": "%s-%s.%s.elb.amazonaws.com" % (lb["name"], lb["id"][:9], REGION),
            "CanonicalHostedZoneName": "%s-%s.%s.elb.amazonaws.com" % (lb["name"], lb["id"][:9], REGION),
            "CanonicalHostedZoneNameID": "Z35SXDOTRQ7X7K",
            "ListenerDescriptions": [{"Listener": {"Protocol": "TCP", "LoadBalancerPort": lb["listen"],
                                                   "InstanceProtocol": "TCP", "InstancePort": lb["target_port"]},
                                      "PolicyNames": []}],
            "Policies": {"AppCookieStickinessPolicies": [], "LBCookieStickinessPolicies": [], "OtherPolicies": []},
            "BackendServerDescriptions": [],
            "AvailabilityZones": [s["az"] for s in lb["subnets"]],
            "Subnets": [s["id"] for s in lb["subnets"]],
            "VPCId": lb["vpc"]["id"],
            "Instances": [{"InstanceId": m["instance"]} for m in lb["members"]],
            "HealthCheck": {"Target": "TCP:%d" % lb["target_port"], "Interval": 30, "Timeout": 5,
                            "UnhealthyThreshold": 2, "HealthyThreshold": 10},
            "SourceSecurityGroup": {"OwnerAlias": ACCOUNT, "GroupName": lb["sg"]["name"]},
            "SecurityGroups": [lb["sg"]["id"]],
            "CreatedTime": "2023-11-02T08:00:00.000000+00:00",
            "Scheme": lb["scheme"],
        } for lb in classic]})

    def lb_interfaces(self):
        """Each load balancer's own interfaces, one per subnet, as the CLI
        lists them (they count toward the interfaces asked for)."""
        rng = self.rng
        out = []
        for lb in self.lbs:
            for s in lb["subnets"]:
                desc = {"classic": "ELB %s" % lb["name"],
                        "application": "ELB app/%s/%s" % (lb["name"], lb["id"]),
                        "network": "ELB net/%s/%s" % (lb["name"], lb["id"])}[lb["kind"]]
                out.append({
                    "id": self.uid("eni-"),
                    "instance": None,
                    "subnet": s,
                    "private": s["cidr"].rsplit(".", 1)[0] + ".%d" % (250 - len(out) % 5),
                    "public": ("18.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)))
                    if lb["scheme"] == "internet-facing" else None,
                    "v6": False,
                    "v6addr": None,
                    "groups": [lb["sg"]] if lb["sg"] else [],
                    "lb_of": lb,
                    "description": desc,
                    "type": "network_load_balancer" if lb["kind"] == "network" else "interface",
                })
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--interfaces", type=int, default=100_000)
    ap.add_argument("--route-tables", type=int, default=10_000)
    ap.add_argument("--load-balancers", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=10257)
    a = ap.parse_args()
    g = Gen(a.seed, a.interfaces, a.route_tables, a.load_balancers)
    g.build()
    g.groups()
    lb_enis = 2 * a.load_balancers
    g.interfaces(a.interfaces - lb_enis)
    g.load_balancers()
    g.enis.extend(g.lb_interfaces())
    truth = g.truth()
    g.write(a.out)
    counts = {}
    for cls, reach, sev in truth.values():
        key = "%s/%s" % (cls, reach)
        counts[key] = counts.get(key, 0) + 1
    summary = {
        "seed": a.seed,
        "interfaces": len(g.enis),
        "route_tables": len(g.tables),
        "subnets": len(g.subnets),
        "vpcs": len(g.vpcs),
        "security_groups": len(g.sgs),
        "load_balancers": len(g.lbs),
        "target_groups": len(g.tgs),
        "pc100": dict(sorted(counts.items())),
        "findings": dict(sorted(truth.items())),
    }
    dump(os.path.join(a.out, "truth.json"), summary)
    print(json.dumps({k: v for k, v in summary.items() if k != "findings"}, indent=2), file=sys.stderr)


if __name__ == "__main__":
    main()
