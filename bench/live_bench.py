#!/usr/bin/env python3
"""`portcullis scan --aws` against a local moto server: its overhead over a
minimal client fetching the same pages, and Prowler side by side.

Usage (from the repository root, with a Python that has moto[server] and
boto3, e.g. .ci/.venv/bin/python):

    python bench/live_bench.py [--groups 10000] [--instances 2000] [--runs 3]
                               [--prowler bench/.venv-prowler/bin/prowler]
                               [--prowler-groups 1000,10000] [--bin target/release/portcullis]

1. Overhead: one moto server with GROUPS security groups (each admitting
   tcp/10257 from one /32) and INSTANCES instances in eu-west-1. Timed,
   alternating, RUNS times each: `portcullis scan --aws --quiet -f json`
   (reading every call of the AWS reader and scanning), and a minimal client
   in this script: a plain loop over the same calls with the same page
   sizes, signed with botocore's SigV4, each page fetched once as raw bytes
   and not parsed beyond its next-page token and the ids a per-item call
   needs. Both talk to the same server; the server is the limit.
2. Prowler 5.46 (its own venv, `pip install prowler==5.46.0`) running only
   `ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports`
   with `ec2_high_risk_ports: [10257]`, against servers holding each of
   PROWLER_GROUPS groups; portcullis timed on the same server.
3. Correctness: a server with the cases where a rule-by-rule check is wrong
   (10257 open through two CIDR halves; open in the group but denied by the
   subnet's network ACL); what each tool says about each.

Everything talks to 127.0.0.1 only. Prints a Markdown report.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials

REGION = "eu-west-1"
ACCOUNT = "123456789012"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Moto:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2)
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit("moto did not start")

    def client(self, service):
        return boto3.client(service, region_name=REGION, endpoint_url=self.url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def env_for(moto):
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": moto.url, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    })
    return env


def populate(moto, groups, instances):
    ec2 = moto.client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    t0 = time.time()
    ids = []
    for i in range(groups):
        gid = ec2.create_security_group(GroupName=f"g{i}", Description="bench", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257,
            "IpRanges": [{"CidrIp": f"10.{(i >> 8) & 255}.{i & 255}.1/32"}]}])
        ids.append(gid)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    made = 0
    while made < instances:
        n = min(100, instances - made)
        ec2.run_instances(ImageId=image, MinCount=n, MaxCount=n, SecurityGroupIds=[ids[made % len(ids)]] if ids else [])
        made += n
    return time.time() - t0


# The reader's calls and page sizes (crates/live/src/aws/calls.rs).
EC2_CALLS = [
    ("DescribeSecurityGroups", 1000), ("DescribeNetworkAcls", 1000), ("DescribeInstances", 1000),
    ("DescribeNetworkInterfaces", 1000), ("DescribeManagedPrefixLists", 100), ("DescribeRouteTables", 100),
    ("DescribeInternetGateways", 1000), ("DescribeEgressOnlyInternetGateways", 255), ("DescribeNatGateways", 1000),
    ("DescribeAddresses", None), ("DescribeSubnets", 1000), ("DescribeVpcs", 1000),
]


class Minimal:
    """A plain paginated loop: sign, POST, read the bytes, find the token."""

    def __init__(self, url):
        self.url = url
        self.creds = botocore.credentials.Credentials("testing", "testing")
        self.pages = 0

    def post(self, service, version, action, params):
        body = "&".join([f"Action={action}", f"Version={version}"] +
                        [f"{k}={urllib.request.quote(str(v), safe='')}" for k, v in params.items()])
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.url + "/", data=body,
                                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        botocore.auth.SigV4Auth(self.creds, service, REGION).add_auth(req)
        prepared = urllib.request.Request(self.url + "/", data=body.encode(), headers=dict(req.headers.items()), method="POST")
        with urllib.request.urlopen(prepared) as r:
            self.pages += 1
            return r.read()

    def paged(self, service, version, action, size, token_in, token_out, extra=None):
        token, out = None, []
        while True:
            params = dict(extra or {})
            if size:
                params["MaxResults" if service == "ec2" else "PageSize"] = size
            if token:
                params[token_in] = token
            page = self.post(service, version, action, params)
            out.append(page)
            m = re.search(rb"<%s>([^<]+)</%s>" % (token_out.encode(), token_out.encode()), page)
            if not m:
                return out
            token = m.group(1).decode()

    def run(self):
        for action, size in EC2_CALLS:
            pages = self.paged("ec2", "2016-11-15", action, size, "NextToken", "nextToken")
            if action == "DescribeManagedPrefixLists":
                for pl in set(re.findall(rb"<prefixListId>([^<]+)</prefixListId>", b"".join(pages))):
                    self.paged("ec2", "2016-11-15", "GetManagedPrefixListEntries", 100, "NextToken", "nextToken",
                               {"PrefixListId": pl.decode()})
        lbs = self.paged("elasticloadbalancing", "2015-12-01", "DescribeLoadBalancers", 400, "Marker", "NextMarker")
        for arn in re.findall(rb"<LoadBalancerArn>([^<]+)</LoadBalancerArn>", b"".join(lbs)):
            self.paged("elasticloadbalancing", "2015-12-01", "DescribeListeners", 400, "Marker", "NextMarker",
                       {"LoadBalancerArn": arn.decode()})
        tgs = self.paged("elasticloadbalancing", "2015-12-01", "DescribeTargetGroups", 400, "Marker", "NextMarker")
        for arn in set(re.findall(rb"<TargetGroupArn>([^<]+)</TargetGroupArn>", b"".join(tgs))):
            self.post("elasticloadbalancing", "2015-12-01", "DescribeTargetHealth", {"TargetGroupArn": arn.decode()})
        self.paged("elasticloadbalancing", "2012-06-01", "DescribeLoadBalancers", 400, "Marker", "NextMarker")


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_portcullis(binary, moto, out=os.devnull):
    with open(out, "w") as f:
        r = subprocess.run([binary, "scan", "--aws", "--quiet", "-f", "json", "--regions", REGION],
                           env=env_for(moto), stdout=f, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"portcullis failed ({r.returncode}): {r.stderr}")


def prowler_config(path):
    # Prowler's own configuration file with the one change: the high-risk
    # ports list is [10257].
    with open(path, "w") as f:
        f.write("aws:\n  ec2_high_risk_ports:\n    - 10257\n")


def run_prowler(prowler, moto, outdir, config):
    cmd = [prowler, "aws", "--checks", "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
           "--config-file", config, "-f", REGION, "--output-formats", "json-ocsf", "-o", outdir,
           "--no-banner", "--ignore-exit-code-3"]
    r = subprocess.run(cmd, env=env_for(moto), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise SystemExit(f"prowler failed ({r.returncode}):\n{r.stdout[-3000:]}")


def prowler_results(outdir):
    """{security group id: status} from Prowler's OCSF JSON."""
    out = {}
    for name in os.listdir(outdir):
        if name.endswith(".ocsf.json"):
            with open(os.path.join(outdir, name)) as f:
                for finding in json.load(f):
                    rid = finding.get("resources", [{}])[0].get("uid", "")
                    out[rid.rsplit("/", 1)[-1]] = finding.get("status_code")
    return out


def correctness_estate(moto):
    """The two cases; returns {case: security group id}."""
    ec2 = moto.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    cases = {}
    halves = ec2.create_security_group(GroupName="halves", Description="10257 open through two /1", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=halves, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257,
        "IpRanges": [{"CidrIp": "0.0.0.0/1"}, {"CidrIp": "128.0.0.0/1"}]}])
    cases["split CIDR halves (0.0.0.0/1 + 128.0.0.0/1)"] = halves
    denied = ec2.create_security_group(GroupName="nacl-denied", Description="open, denied by the ACL", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=denied, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    cases["network ACL deny (group open to 0.0.0.0/0)"] = denied
    # The denied group's instance sits in a subnet whose ACL denies 10257.
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 10257, "To": 10259})
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=False,
                                 CidrBlock="0.0.0.0/0")
    assoc = [a for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"][0]["Associations"]
             if a["SubnetId"] == subnet][0]["NetworkAclAssociationId"]
    ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)
    other = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.2.0/24")["Subnet"]["SubnetId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[denied])
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=other, SecurityGroupIds=[halves])
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=10000)
    ap.add_argument("--instances", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default="target/release/portcullis")
    ap.add_argument("--prowler", default="bench/.venv-prowler/bin/prowler")
    ap.add_argument("--prowler-groups", default="1000,10000")
    ap.add_argument("--prowler-runs", type=int, default=1)
    ap.add_argument("--skip-overhead", action="store_true", help="only Prowler and the correctness cases")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    report = [f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)", ""]

    # 1. Overhead against the minimal client.
    if not a.skip_overhead:
        overhead(a, binary, report)
    prowler_side(a, binary, report)
    report.append("")
    report.append(f"load average at end: {os.getloadavg()[0]:.1f}")
    print("\n".join(report))


def overhead(a, binary, report):
    moto = Moto()
    took = populate(moto, a.groups, a.instances)
    report.append(f"## Overhead: {a.groups:,} security groups, {a.instances:,} instances ({took:.0f} s to build in moto)")
    report.append("")
    ours, minimal, pages = [], [], 0
    for _ in range(a.runs):
        ours.append(timed(lambda: run_portcullis(binary, moto)))
        m = Minimal(moto.url)
        minimal.append(timed(m.run))
        pages = m.pages
    report.append("| client | runs (s) | median (s) |")
    report.append("|---|---|---|")
    report.append(f"| portcullis scan --aws (read + scan) | {', '.join(f'{t:.2f}' for t in ours)} | {statistics.median(ours):.2f} |")
    report.append(f"| minimal paginated client ({pages} requests) | {', '.join(f'{t:.2f}' for t in minimal)} | {statistics.median(minimal):.2f} |")
    report.append("")
    report.append(f"ratio portcullis / minimal: {statistics.median(ours) / statistics.median(minimal):.2f}")
    report.append("")
    moto.stop()


def prowler_side(a, binary, report):
    # 2. Prowler.
    if os.path.exists(a.prowler):
        work = tempfile.mkdtemp()
        config = os.path.join(work, "config.yaml")
        prowler_config(config)
        report.append("## Against Prowler 5.46 (`ec2_high_risk_ports: [10257]`)")
        report.append("")
        report.append("| groups | portcullis (s) | Prowler (s) | ratio |")
        report.append("|---|---|---|---|")
        for n in [int(x) for x in a.prowler_groups.split(",") if x]:
            moto = Moto()
            populate(moto, n, 0)
            ours, theirs = [], []
            for i in range(a.prowler_runs):
                ours.append(timed(lambda: run_portcullis(binary, moto)))
                out = os.path.join(work, f"p{n}-{i}")
                theirs.append(timed(lambda: run_prowler(a.prowler, moto, out, config)))
            o, t = statistics.median(ours), statistics.median(theirs)
            report.append(f"| {n:,} | {o:.2f} | {t:.2f} | {t / o:.1f}x |")
            moto.stop()
        report.append("")

        # 3. Correctness.
        moto = Moto()
        cases = correctness_estate(moto)
        out = os.path.join(work, "cases")
        run_prowler(a.prowler, moto, out, config)
        theirs = prowler_results(out)
        ours_json = os.path.join(work, "cases.json")
        run_portcullis(binary, moto, ours_json)
        with open(ours_json) as f:
            findings = json.load(f)["findings"]
        report.append("## Where a rule-by-rule check is wrong")
        report.append("")
        report.append("| case | truth | Prowler | portcullis |")
        report.append("|---|---|---|---|")
        truth = {"split CIDR halves (0.0.0.0/1 + 128.0.0.0/1)": "open to the whole internet",
                 "network ACL deny (group open to 0.0.0.0/0)": "closed (the ACL denies 10257)"}
        for case, gid in cases.items():
            mine = [f for f in findings if f.get("port") == 10257 and gid in json.dumps(f)]
            said = ", ".join(sorted({f"{f['rule']} {f['exposure']}" for f in mine})) or "no finding (closed)"
            report.append(f"| {case} | {truth[case]} | {theirs.get(gid, 'no result')} | {said} |")
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)
    else:
        report.append(f"(Prowler not found at {a.prowler}: install it with "
                      "`python3 -m venv bench/.venv-prowler && bench/.venv-prowler/bin/pip install prowler==5.46.0`)")


if __name__ == "__main__":
    main()
