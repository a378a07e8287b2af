//! `portcullis fix` as a user runs it: the dry run prints a diff and
//! writes nothing, `--apply` writes and says so, an unsafe fix waits for
//! `--unsafe-fixes`, and the exit code says whether anything stays open.

use assert_cmd::Command;
use predicates::str::contains;

const OPEN: &str = r#"resource "aws_security_group" "cp" {
  ingress {
    from_port   = 10257
    to_port     = 10257
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"] # why
  }
}
"#;

fn portcullis() -> Command {
    Command::cargo_bin("portcullis").expect("the binary")
}

#[test]
fn dry_run_then_apply() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("main.tf");
    std::fs::write(&file, OPEN).expect("written");
    portcullis()
        .args(["fix", "--authorized", "10.0.0.0/8", "--select", "PC100", "--no-config"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(contains("-    cidr_blocks = [\"0.0.0.0/0\"] # why\n+    cidr_blocks = [\"10.0.0.0/8\"] # why"))
        .stderr(contains("fix (safe)"));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), OPEN, "a dry run writes nothing");
    portcullis()
        .args(["fix", "--authorized", "10.0.0.0/8", "--select", "PC100", "--no-config", "--apply"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(contains("written:"));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), OPEN.replace("0.0.0.0/0", "10.0.0.0/8"));
    portcullis().args(["scan", "--authorized", "10.0.0.0/8", "--no-config"]).arg(dir.path()).assert().code(0);
}

#[test]
fn an_unsafe_fix_waits_for_the_flag() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("main.tf");
    std::fs::write(&file, OPEN).expect("written");
    // No --authorized: private space is assumed, which may cut off a peer.
    portcullis()
        .args(["fix", "--select", "PC100", "--no-config", "--apply"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(contains("unsafe fix not applied (use --unsafe-fixes)"));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), OPEN);
    portcullis()
        .args(["fix", "--select", "PC100", "--no-config", "--apply", "--unsafe-fixes"])
        .arg(dir.path())
        .assert()
        .code(0);
    let fixed = std::fs::read_to_string(&file).expect("read");
    assert!(fixed.contains("\"10.0.0.0/8\"") && !fixed.contains("0.0.0.0/0"), "{fixed}");
}

/// The aws-cli commands `fix` prints for a live account, run for real:
/// an estate built in moto (a real implementation of the EC2 API), read
/// with `scan --aws --save`, fixed with `fix --format aws-cli` on the saved
/// dumps, each printed command run with the AWS CLI against the same
/// server, and the account read live again after every command: no finding
/// appears that was not there, none admits a source it did not admit (the
/// order authorize-then-revoke never widens), and after the last command
/// the fixed findings are gone. Skips with a notice without moto, unless
/// `PORTCULLIS_REQUIRE_MOTO` is set.
#[test]
fn aws_cli_commands_run_against_moto_close_the_findings_without_widening() {
    use portcullis_live::testing::Moto;
    use portcullis_model::{AddrSet, Cidr};
    use std::collections::BTreeMap;
    let Some(moto) = Moto::shared() else { return };
    let region = "ca-central-1";
    moto.python(&format!(
        "ec2 = client('ec2', {region:?})\n\
         vpc = ec2.create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']\n\
         subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.30.1.0/24', AvailabilityZone={region:?} + 'a')['Subnet']['SubnetId']\n\
         igw = ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']\n\
         ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)\n\
         rtb = ec2.create_route_table(VpcId=vpc)['RouteTable']['RouteTableId']\n\
         ec2.create_route(RouteTableId=rtb, DestinationCidrBlock='0.0.0.0/0', GatewayId=igw)\n\
         ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)\n\
         kcm = ec2.create_security_group(GroupName='kcm', Description='controller manager', VpcId=vpc)['GroupId']\n\
         ec2.authorize_security_group_ingress(GroupId=kcm, IpPermissions=[\n\
             {{'IpProtocol': 'tcp', 'FromPort': 10257, 'ToPort': 10257, 'IpRanges': [{{'CidrIp': '0.0.0.0/0'}}], 'Ipv6Ranges': [{{'CidrIpv6': '::/0'}}]}},\n\
             {{'IpProtocol': 'tcp', 'FromPort': 22, 'ToPort': 22, 'IpRanges': [{{'CidrIp': '0.0.0.0/0'}}]}}])\n\
         wide = ec2.create_security_group(GroupName='nodes', Description='node ports', VpcId=vpc)['GroupId']\n\
         ec2.authorize_security_group_ingress(GroupId=wide, IpPermissions=[\n\
             {{'IpProtocol': 'tcp', 'FromPort': 10250, 'ToPort': 10260, 'IpRanges': [{{'CidrIp': '198.51.100.0/24'}}, {{'CidrIp': '10.0.0.0/8'}}]}}])\n\
         image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']\n\
         ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType='t3.small',\n\
             NetworkInterfaces=[{{'DeviceIndex': 0, 'SubnetId': subnet, 'Groups': [kcm, wide], 'AssociatePublicIpAddress': True}}])\n"
    ));
    let env = moto.client_env(region);
    let work = tempfile::tempdir().expect("a directory");
    let cwd = work.path();
    let regions = format!("--regions={region}");
    let authorized = ["--authorized", "10.0.0.0/8", "--no-config"];
    // `scan --aws` of the region with `extra` flags, against moto.
    let scan_aws = |extra: &[&str]| {
        portcullis()
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().cloned())
            .current_dir(cwd)
            .args(["scan", "--aws", &regions, "--quiet"])
            .args(extra)
            .args(authorized)
            .output()
            .expect("scan runs")
    };
    // What a live read finds: fingerprint (rule, resource, port) → the
    // sources it admits beyond the authorized ones.
    let live = || -> BTreeMap<String, AddrSet> {
        let out = scan_aws(&["-f", "json"]);
        assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["kind"] == "exposure")
            .map(|f| {
                let key = format!("{} {} {}", f["rule"], f["resource"], f["port"]);
                let sources = f["sources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| Cidr::parse(s.as_str().expect("a source")).expect("a CIDR"));
                (key, AddrSet::from_cidrs(sources))
            })
            .collect()
    };
    let before = live();
    assert!(before.keys().any(|k| k.starts_with("\"PC100\"")), "the estate is flagged: {before:#?}");
    let saved = scan_aws(&["--save", "saved"]);
    assert_eq!(saved.status.code(), Some(1), "{}", String::from_utf8_lossy(&saved.stderr));
    let fixed = portcullis()
        .current_dir(cwd)
        .args(["fix", "saved", "--format", "aws-cli", "--select", "PC100,PC101,PC102"])
        .args(authorized)
        .output()
        .expect("fix runs");
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    assert_eq!(fixed.status.code(), Some(0), "everything selected closes: {stderr}");
    let commands: Vec<String> = String::from_utf8_lossy(&fixed.stdout).lines().map(String::from).collect();
    assert!(commands.iter().any(|c| c.contains("revoke-security-group-ingress")), "{commands:#?}");
    assert!(commands.iter().any(|c| c.contains("FromPort=10258,ToPort=10260")), "the range is split: {commands:#?}");
    let mut previous = before.clone();
    for command in &commands {
        let words = shell_words(command);
        assert_eq!(&words[..2], ["aws", "ec2"], "{command}");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        moto.aws(region, &args);
        // After each command: nothing new, nothing wider.
        let now = live();
        for (key, sources) in &now {
            let Some(was) = before.get(key) else { panic!("after `{command}`: a new finding {key}: {sources:?}") };
            assert!(
                was.contains_set(sources),
                "after `{command}`: {key} admits {:?}, before {:?}",
                sources.to_cidr_strings(),
                was.to_cidr_strings()
            );
        }
        previous = now;
    }
    let selected = |k: &String| ["\"PC100\"", "\"PC101\"", "\"PC102\""].iter().any(|c| k.starts_with(c));
    let left: Vec<&String> = previous.keys().filter(|k| selected(k)).collect();
    assert!(left.is_empty(), "still open after the commands: {left:#?}");
    // The 22 rule and the ports that stay are untouched.
    let groups = moto.aws(region, &["ec2", "describe-security-groups"]);
    assert!(groups.contains("\"FromPort\": 22"), "{groups}");
    assert!(groups.contains("\"FromPort\": 10258"), "{groups}");
}

/// A command line split into words as `sh` would: single quotes keep
/// what they hold.
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            _ => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// A network ACL whose allow of every protocol admits tcp/10257 from
/// anywhere: `fix` leaves the rule alone and prints entries ahead of it at
/// free rule numbers (an allow of the authorized range, then the deny),
/// which the AWS CLI creates in moto; the ACL dumped again by the CLI
/// after each command never admits more, and after the last the finding
/// is gone while every other port keeps its answer. Skips with a notice
/// without moto, unless `PORTCULLIS_REQUIRE_MOTO` is set.
#[test]
fn a_network_acl_gets_a_deny_ahead_that_the_aws_cli_creates_in_moto() {
    use portcullis_live::testing::Moto;
    let Some(moto) = Moto::shared() else { return };
    let region = "sa-east-1";
    let acl = moto.python(&format!(
        "ec2 = client('ec2', {region:?})\n\
         vpc = ec2.create_vpc(CidrBlock='10.40.0.0/16')['Vpc']['VpcId']\n\
         acl = ec2.create_network_acl(VpcId=vpc)['NetworkAcl']['NetworkAclId']\n\
         ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol='6', RuleAction='deny', Egress=False,\n\
             CidrBlock='192.0.2.0/24', PortRange={{'From': 0, 'To': 65535}})\n\
         ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol='-1', RuleAction='allow', Egress=False,\n\
             CidrBlock='0.0.0.0/0')\n\
         print(acl)\n"
    ));
    let acl = acl.trim().lines().last().expect("the ACL id").to_string();
    let work = tempfile::tempdir().expect("a directory");
    let dump = work.path().join("ec2-describe-network-acls.json");
    let write_dump = || {
        let text = moto.aws(region, &["ec2", "describe-network-acls", "--network-acl-ids", &acl]);
        std::fs::write(&dump, text).expect("the dump written");
    };
    let scan = |ports: &str| -> serde_json::Value {
        let out = portcullis()
            .args(["scan", "-f", "json", "--authorized", "10.0.0.0/8", "--no-config", "--port", ports])
            .arg(&dump)
            .output()
            .expect("scan runs");
        assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("a JSON report")
    };
    let findings = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| (format!("{} {}", f["rule"], f["port"]), f["sources"].to_string()))
            .collect()
    };
    write_dump();
    let before = findings(&scan("22"));
    assert!(before.iter().any(|(k, _)| k == "\"PC100\" 10257"), "{before:?}");
    let fixed = portcullis()
        .args(["fix", "--format", "aws-cli", "--select", "PC100", "--authorized", "10.0.0.0/8", "--no-config"])
        .arg(&dump)
        .output()
        .expect("fix runs");
    let stderr = String::from_utf8_lossy(&fixed.stderr);
    assert_eq!(fixed.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("deny ahead"), "the strategy is named: {stderr}");
    let commands: Vec<String> = String::from_utf8_lossy(&fixed.stdout).lines().map(String::from).collect();
    assert_eq!(commands.len(), 2, "{commands:#?}");
    assert!(commands[0].contains("--rule-number 98") && commands[0].contains("--rule-action allow"), "{commands:#?}");
    assert!(commands[1].contains("--rule-number 99") && commands[1].contains("--rule-action deny"), "{commands:#?}");
    assert!(commands.iter().all(|c| c.contains("--port-range From=10257,To=10257")), "{commands:#?}");
    for command in &commands {
        let words = shell_words(command);
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        moto.aws(region, &args);
        write_dump();
        let now = findings(&scan("22"));
        for f in &now {
            assert!(before.contains(f), "after `{command}`: {f:?} was not there before: {before:?}");
        }
    }
    let after = findings(&scan("22"));
    assert!(!after.iter().any(|(k, _)| k.starts_with("\"PC100\"")), "{after:?}");
    // Port 22 (asked with --port) still answers as before: the rule stays.
    let kept = |list: &[(String, String)]| list.iter().filter(|(k, _)| k.ends_with(" 22")).cloned().collect::<Vec<_>>();
    assert_eq!(kept(&after), kept(&before));
    assert!(!kept(&before).is_empty(), "port 22 is flagged before and after: {before:?}");
}
