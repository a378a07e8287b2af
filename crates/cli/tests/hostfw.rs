//! Host firewalls through the command line (issue 17): a node's saved
//! files are found by a directory walk and recognised by content, every
//! file of every fixture counts as read, its errors come out at their
//! line and column as the reader reports them, a cloud instance that is a
//! node gains the node's firewall after its cloud layers, and
//! `--interface` is checked. (What each fixture admits is checked in
//! `crates/hostfw/tests/fixtures.rs`, and against the kernel in
//! `crates/kernelcheck`.)

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn bin() -> Command {
    let mut c = Command::cargo_bin("portcullis").expect("binary built");
    c.timeout(Duration::from_secs(60));
    c
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../hostfw/fixtures")
}

/// The node's files under `dir`: everything but the fixture's `expect`.
fn files(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("fixture directory").flatten() {
        let p = e.path();
        if p.is_dir() {
            n += files(&p);
        } else if p.file_name().is_some_and(|f| f != "expect") {
            n += 1;
        }
    }
    n
}

/// `scan` of `dir`, walked, as JSON and as text (for its count of files
/// read).
fn scan(dir: &Path, extra: &[&str]) -> (Value, String) {
    let run = |format: &str| {
        let out = bin().arg("scan").arg(dir).args(extra).args(["--no-config", "--format", format]).output().unwrap();
        // 0, 1 (findings) or 2 (input errors, as some fixtures have).
        assert!(out.status.code().is_some_and(|c| c <= 2), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let json: Value = serde_json::from_slice(&run("json")).expect("JSON report");
    (json, String::from_utf8_lossy(&run("text")).into_owned())
}

/// `in N input files` from the text report's last line.
fn files_read(text: &str) -> usize {
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    let words: Vec<&str> = last.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "input").expect("a count of input files");
    words[at - 1].parse().expect("a number of files")
}

#[test]
fn every_fixture_is_found_by_a_walk_and_reports_its_errors_in_place() {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(fixtures()).expect("fixtures").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(dirs.len() >= 30, "too few fixtures: {}", dirs.len());
    let mut problems = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let expect = std::fs::read_to_string(dir.join("expect")).expect("expect file");
        let exp = portcullis_hostfw::expect::parse(&expect).expect("expect file");
        let interface: Vec<&str> = match &exp.interface {
            Some(i) => vec!["--interface", i.as_str()],
            None => vec![],
        };
        let (json, text) = scan(dir, &interface);
        let want_files = files(dir);
        if files_read(&text) != want_files {
            problems.push(format!("{name}: {} files read of {want_files}", files_read(&text)));
        }
        let mut got: Vec<(u32, u32, String)> = json["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let n = |k: &str| e[k].as_u64().unwrap_or(0) as u32;
                (n("line"), n("column"), e["message"].as_str().unwrap_or("").to_string())
            })
            .collect();
        got.sort();
        let mut want = exp.errors.clone();
        want.sort();
        let same = got.len() == want.len()
            && got.iter().zip(&want).all(|(g, w)| (g.0, g.1) == (w.0, w.1) && g.2.contains(&w.2));
        if !same {
            problems.push(format!("{name}: errors\n  got  {got:?}\n  want {want:?}"));
        }
        // A node with no errors and rules is a target: every finding the
        // scan makes is about the node.
        for f in json["findings"].as_array().into_iter().flatten() {
            if f["resource_kind"] != "node" {
                problems.push(format!("{name}: a finding on a {} ({})", f["resource_kind"], f["resource"]));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

const INSTANCES: &str = r#"{"Reservations": [{"Instances": [{"InstanceId": "i-0aaa0000000000001",
  "SubnetId": "subnet-1", "VpcId": "vpc-1", "SecurityGroups": [{"GroupId": "sg-1"}]}]}]}"#;
const GROUPS: &str = r#"{"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "vpc-1", "IpPermissions": [
  {"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}"#;
const NODE_V4: &str = "# Generated by iptables-save v1.8.9 on Sun Dec  6 08:00:00 2026
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 10257 -s 10.0.0.0/8 -j ACCEPT
-A INPUT -p tcp --dport 10257 -j DROP
COMMIT
";
const NODE_V6: &str = "# Generated by ip6tables-save v1.8.9 on Sun Dec  6 08:00:00 2026
*filter
:INPUT DROP [0:0]
COMMIT
";

/// The findings on 10257 about the cloud instance `resource` (the node,
/// named alike, is a target of its own).
fn on_10257(v: &Value, resource: &str) -> Vec<Value> {
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["port"] == 10257 && f["resource"] == resource && f["resource_kind"] == "instance")
        .cloned()
        .collect()
}

#[test]
fn a_cloud_instance_that_is_a_node_gains_its_firewall_after_the_cloud_layers() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    write(tmp.path(), "aws/instances.json", INSTANCES);
    write(tmp.path(), "aws/groups.json", GROUPS);
    // Without the node's files the security group leaves 10257 open.
    let (before, _) = scan(tmp.path(), &[]);
    assert_eq!(on_10257(&before, "i-0aaa0000000000001").len(), 1, "{before:#}");
    // The node's firewall admits only 10.0.0.0/8 on 10257: the instance's
    // path is closed to the internet, and the node alone is no finding.
    write(tmp.path(), "nodes/i-0aaa0000000000001/iptables.rules", NODE_V4);
    write(tmp.path(), "nodes/i-0aaa0000000000001/ip6tables.rules", NODE_V6);
    let (after, text) = scan(tmp.path(), &[]);
    assert_eq!(files_read(&text), 4, "{text}");
    assert!(on_10257(&after, "i-0aaa0000000000001").is_empty(), "{after:#}");
    // Opening the node's firewall opens the instance again, and the path
    // names the host firewall last.
    write(tmp.path(), "nodes/i-0aaa0000000000001/iptables.rules", &NODE_V4.replace("-j DROP", "-j ACCEPT"));
    let (open, _) = scan(tmp.path(), &[]);
    let found = on_10257(&open, "i-0aaa0000000000001");
    let [finding] = found.as_slice() else { panic!("{open:#}") };
    let path: Vec<&str> = finding["path"].as_array().expect("path").iter().filter_map(Value::as_str).collect();
    let sg = path.iter().position(|p| p.contains("sg-1")).expect("the security group in the path");
    let host = path.iter().position(|p| p.starts_with("host firewall")).expect("the host firewall in the path");
    assert!(sg < host, "{path:?}");
    let because: Vec<&str> =
        finding["because"].as_array().expect("because").iter().filter_map(|b| b["file"].as_str()).collect();
    assert!(because.iter().any(|f| f.ends_with("iptables.rules")), "{because:?}");
}

#[test]
fn walked_text_that_is_no_firewall_is_left_alone() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    write(tmp.path(), "README.md", "# Notes\n\n* filter the INPUT chain\n");
    write(tmp.path(), "setup.sh", "#!/bin/sh\niptables -A INPUT -p tcp --dport 10257 -j DROP\n");
    write(tmp.path(), "node/iptables.rules", NODE_V4);
    let (json, text) = scan(tmp.path(), &[]);
    assert_eq!(files_read(&text), 1, "{text}");
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(0), "{json:#}");
}

#[test]
fn interface_names_are_checked() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    write(tmp.path(), "node/iptables.rules", NODE_V4);
    for bad in ["", "eth0/1", "a name", "sixteen-chars-xx", "eth0:1"] {
        let out = bin().arg("scan").arg(tmp.path()).args(["--no-config", "--interface", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", String::from_utf8_lossy(&out.stdout));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--interface") && err.contains("not an interface name"), "{bad:?}: {err}");
    }
    let out = bin().arg("scan").arg(tmp.path()).args(["--no-config", "--interface", "enp0s31f6"]).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
}

// Which node a saved ruleset belongs to: its directory named after the
// instance, its private address or its EC2 host name, or `ip -j addr`
// output beside it; two interfaces with the same address join neither.

const TWO_INSTANCES: &str = r#"{"Reservations": [{"Instances": [
  {"InstanceId": "i-0aaa0000000000001", "SubnetId": "subnet-1", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.5",
   "SecurityGroups": [{"GroupId": "sg-1"}]},
  {"InstanceId": "i-0bbb0000000000002", "SubnetId": "subnet-2", "VpcId": "vpc-2", "PrivateIpAddress": "10.0.1.6",
   "SecurityGroups": [{"GroupId": "sg-1"}]}]}]}"#;
const SUBNETS: &str = r#"{"Subnets": [
  {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
  {"SubnetId": "subnet-2", "VpcId": "vpc-2", "CidrBlock": "10.0.1.0/24"}]}"#;
const IP_ADDR: &str = r#"[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},
 {"ifindex":2,"ifname":"ens5","addr_info":[{"family":"inet","local":"10.0.1.5","prefixlen":24,"scope":"global"}]}]"#;

/// A node's firewall open on 10257 from everywhere but 192.0.2.0/24.
const OPEN_V4: &str = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 10257 -s 192.0.2.0/24 -j DROP\nCOMMIT\n";

/// A node's firewall open on 10257 (a finding on the node), written
/// under `dir`.
fn open_node(root: &Path, dir: &str) {
    write(root, &format!("{dir}/iptables.rules"), OPEN_V4);
    write(root, &format!("{dir}/ip6tables.rules"), NODE_V6);
}

/// Each instance's 10257 finding path, `None` when it has no finding.
fn instance_paths(v: &Value) -> Vec<(String, Option<Vec<String>>)> {
    ["i-0aaa0000000000001", "i-0bbb0000000000002"]
        .iter()
        .map(|id| {
            let f = on_10257(v, id);
            let path = f.first().map(|f| {
                f["path"].as_array().expect("path").iter().filter_map(Value::as_str).map(str::to_string).collect()
            });
            (id.to_string(), path)
        })
        .collect()
}

fn node_notes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["resource_kind"] == "node")
        // A target's notes follow its layers in the path.
        .flat_map(|f| f["path"].as_array().cloned().unwrap_or_default())
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_node_is_joined_to_its_instance_by_private_address_or_host_name() {
    for (dir, extra) in [
        ("nodes/10.0.1.5", None),
        ("nodes/ip-10-0-1-5.ec2.internal", None),
        ("nodes/cp-1", Some(("nodes/cp-1/addr.json", IP_ADDR))),
    ] {
        let tmp = tempfile::tempdir().expect("temporary directory");
        write(tmp.path(), "aws/instances.json", TWO_INSTANCES);
        write(tmp.path(), "aws/groups.json", GROUPS);
        write(tmp.path(), "aws/subnets.json", SUBNETS);
        open_node(tmp.path(), dir);
        if let Some((path, text)) = extra {
            write(tmp.path(), path, text);
        }
        let (json, _) = scan(tmp.path(), &[]);
        let paths = instance_paths(&json);
        // The instance with 10.0.1.5 ends in the node's firewall; the other does not.
        let joined = paths[0].1.as_ref().unwrap_or_else(|| panic!("{dir}: {json:#}"));
        assert!(joined.iter().any(|h| h.starts_with("host firewall")), "{dir}: {joined:?}");
        let other = paths[1].1.as_ref().unwrap_or_else(|| panic!("{dir}: {json:#}"));
        assert!(!other.iter().any(|h| h.starts_with("host firewall")), "{dir}: {other:?}");
    }
}

#[test]
fn a_joined_node_is_a_hop_of_the_path_from_the_internet() {
    // An interface with a public address behind an internet gateway.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/semantics/reach-dump-elastic-ip");
    let tmp = tempfile::tempdir().expect("temporary directory");
    for e in std::fs::read_dir(&fixture).expect("fixture").flatten() {
        if e.file_name() != "expect.json" {
            std::fs::copy(e.path(), tmp.path().join(e.file_name())).expect("copy");
        }
    }
    open_node(tmp.path(), "nodes/ip-10-0-1-13.ec2.internal");
    let (json, _) = scan(tmp.path(), &[]);
    let f = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["resource"] == "eni-0d4d4d4d4d4d4d4d4" && f["port"] == 10257)
        .unwrap_or_else(|| panic!("{json:#}"));
    let hops: Vec<(&str, &str)> = f["via"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h["hop"].as_str()?, h["resource"].as_str()?)))
        .collect();
    assert_eq!(f["reach"], "internet");
    assert_eq!(hops.last(), Some(&("host firewall", "ip-10-0-1-13.ec2.internal")), "{:#}", f["via"]);
}

#[test]
fn a_node_no_target_matches_is_its_own_target_and_says_so() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    write(tmp.path(), "aws/instances.json", TWO_INSTANCES);
    write(tmp.path(), "aws/groups.json", GROUPS);
    open_node(tmp.path(), "nodes/cp-9");
    let (json, _) = scan(tmp.path(), &[]);
    assert!(instance_paths(&json)
        .iter()
        .all(|(_, p)| p.as_ref().is_some_and(|p| !p.iter().any(|h| h.starts_with("host firewall")))));
    let notes = node_notes(&json);
    assert!(notes.iter().any(|n| n.contains("node cp-9: no cloud target")), "{notes:?}");
}

#[test]
fn the_same_private_address_in_two_networks_joins_neither() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    write(tmp.path(), "aws/instances.json", &TWO_INSTANCES.replace("10.0.1.6", "10.0.1.5"));
    write(tmp.path(), "aws/groups.json", GROUPS);
    write(tmp.path(), "aws/subnets.json", SUBNETS);
    open_node(tmp.path(), "nodes/10.0.1.5");
    let (json, _) = scan(tmp.path(), &[]);
    for (id, path) in instance_paths(&json) {
        let path = path.unwrap_or_else(|| panic!("{id}: {json:#}"));
        assert!(!path.iter().any(|h| h.starts_with("host firewall")), "{id}: {path:?}");
    }
    let notes = node_notes(&json);
    assert!(notes.iter().any(|n| n.contains("not joined") && n.contains("vpc-1") && n.contains("vpc-2")), "{notes:?}");
}

// `fix` on a node's own firewall: saved iptables-save files and nftables
// rulesets are edited (and re-scanned after --apply); firewalld and ufw get
// commands (--format shell). That the commands do in the kernel what the
// saved form says is checked in crates/kernelcheck (tests/kernel.rs).

fn fix(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = bin().arg("fix").arg(dir).args(["--no-config"]).args(extra).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn node_findings(dir: &Path, extra: &[&str]) -> usize {
    let (json, _) = scan(dir, extra);
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["resource_kind"] == "node" && f["port"] == 10257)
        .count()
}

#[test]
fn fix_edits_saved_rules_and_the_rescan_finds_the_port_closed() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    open_node(tmp.path(), "nodes/cp-1");
    write(
        tmp.path(),
        "nodes/cp-2/ruleset.nft",
        "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n",
    );
    let auth = ["--authorized", "10.0.0.0/8", "--authorized", "fd00::/8"];
    assert_eq!(node_findings(tmp.path(), &auth), 2);
    let before = std::fs::read_to_string(tmp.path().join("nodes/cp-1/iptables.rules")).unwrap();
    let (code, out, err) = fix(tmp.path(), &auth);
    assert_eq!(code, 0, "{out}\n{err}");
    for line in [
        "+:portcullis-10257 - [0:0]",
        "+-A INPUT -p tcp -m tcp --dport 10257 -j portcullis-10257",
        "+-A portcullis-10257 -s 10.0.0.0/8 -j RETURN",
        "+-A portcullis-10257 -j DROP",
        "+table inet portcullis-10257 {",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing:\n{out}");
    }
    assert!(err.contains("fix (safe)") && err.contains("host firewall of node cp-1 (iptables)"), "{err}");
    assert!(err.contains("host firewall of node cp-2 (nftables)"), "{err}");
    // A dry run writes nothing.
    assert_eq!(std::fs::read_to_string(tmp.path().join("nodes/cp-1/iptables.rules")).unwrap(), before);
    // With --format shell, the commands for the running nodes too.
    let (_, shell, _) = fix(tmp.path(), &[&auth[..], &["--format", "shell"]].concat());
    assert!(
        shell.contains("\niptables -N portcullis-10257\n")
            && shell.contains("\nnft -f /etc/nftables.d/portcullis-10257.nft\n"),
        "{shell}"
    );
    let (code, _, err) = fix(tmp.path(), &[&auth[..], &["--apply"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("written:") && !err.contains("restored"), "{err}");
    assert_eq!(node_findings(tmp.path(), &auth), 0);
    // Fixed once: nothing left to fix.
    let (code, out, _) = fix(tmp.path(), &auth);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn fix_prints_commands_for_firewalld_and_ufw_nodes() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    write(
        tmp.path(),
        "nodes/fw-1/etc/firewalld/zones/public.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n  <short>Public</short>\n  <port port=\"10257\" protocol=\"tcp\"/>\n</zone>\n",
    );
    write(
        tmp.path(),
        "nodes/u-1/ufw-status.txt",
        "Status: active\nLogging: on (low)\nDefault: deny (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n\n\
         To                         Action      From\n--                         ------      ----\n\
         10257/tcp                  ALLOW IN    Anywhere\n10257/tcp (v6)             ALLOW IN    Anywhere (v6)\n",
    );
    let auth = ["--authorized", "10.0.0.0/8"];
    // Commands only: the default --format refuses, saying why.
    let (code, out, err) = fix(tmp.path(), &auth);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("firewalld is changed by commands on the node") && err.contains("--format shell"), "{err}");
    let (code, out, err) = fix(tmp.path(), &[&auth[..], &["--format", "shell"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("firewall-cmd --permanent --ipset=portcullis-10257-v4 --add-entry=10.0.0.0/8"), "{out}");
    assert!(out.contains("--zone=public --add-rich-rule='rule priority=\"-32768\" family=\"ipv4\" source NOT ipset=\"portcullis-10257-v4\""), "{out}");
    assert!(out.contains("ufw prepend deny proto tcp from 0.0.0.0/5 to any port 10257"), "{out}");
    assert!(out.contains("ufw prepend deny proto tcp from ::/0 to any port 10257"), "{out}");
    // Without --authorized: unsafe, left out unless asked for.
    let (code, _, err) = fix(tmp.path(), &["--format", "shell"]);
    assert_eq!(code, 1);
    assert!(err.contains("unsafe fix not applied (use --unsafe-fixes)"), "{err}");
    let (code, out, err) = fix(tmp.path(), &["--format", "shell", "--unsafe-fixes"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("fix (unsafe)") && out.contains("firewall-cmd"), "{err}");
}

#[test]
fn the_readme_shows_the_host_fixes_as_they_are_printed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    for args in [
        &["examples/hostfw/nodes/cp-2", "--authorized", "10.0.0.0/8", "--select", "PC100"][..],
        &["examples/hostfw/nodes/worker-1", "--authorized", "10.0.0.0/8", "--format", "shell"][..],
    ] {
        let out = bin().current_dir(&root).arg("fix").args(args).arg("--no-config").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let shown = format!("$ portcullis fix {}\n", args.join(" "));
        let at = readme.find(&shown).unwrap_or_else(|| panic!("README has no `{}`", shown.trim()));
        let printed = [out.stdout, out.stderr].concat();
        let printed = String::from_utf8_lossy(&printed);
        assert!(
            readme[at + shown.len()..].starts_with(printed.as_ref()),
            "README.md's `{}` differs from what it prints:\n{printed}",
            shown.trim()
        );
    }
}
