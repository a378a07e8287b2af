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
