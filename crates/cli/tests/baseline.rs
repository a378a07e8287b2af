//! `--baseline` and `--write-baseline`: only new findings count, fixed ones
//! are listed, and fingerprints survive edits that move lines.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    Command::cargo_bin("portcullis").expect("binary built")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/aws")
}

/// A temp dir with a copy of the AWS example under `aws/`.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("aws")).expect("mkdir");
    for name in ["instances.json", "network-acls.json", "security-groups.json"] {
        std::fs::copy(example().join(name), dir.path().join("aws").join(name)).expect("copy");
    }
    dir
}

fn groups(dir: &Path) -> PathBuf {
    dir.join("aws/security-groups.json")
}

/// Edits the copy's security groups as JSON.
fn edit_groups(dir: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(groups(dir)).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(groups(dir), serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn scan(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let out =
        bin().current_dir(dir).args(["scan", "aws", "--no-config", "--format", "json"]).args(extra).output().unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).expect("JSON output"))
}

fn write_baseline(dir: &Path) {
    bin().current_dir(dir).args(["scan", "aws", "--no-config", "--write-baseline", "base.json"]).assert().code(1);
}

#[test]
fn written_baseline_is_sorted_and_silences_a_rescan() {
    let dir = example_copy();
    write_baseline(dir.path());
    let text = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    let fps: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|e| e["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(fps, ["PC100|i-0a1a1a1a1a1a1a1a1|tcp/10257", "PC101|i-0a1a1a1a1a1a1a1a1|tcp/6443"]);
    assert_eq!(v["findings"][0]["port"], 10257);
    assert!(!text.contains("\"line\""), "no line numbers in a baseline");
    // Deterministic: writing again gives the same bytes.
    write_baseline(dir.path());
    assert_eq!(std::fs::read_to_string(dir.path().join("base.json")).unwrap(), text);

    let (code, v) = scan(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["fixed"], serde_json::json!([]));
    // Without --baseline, no `fixed` member.
    let (_, v) = scan(dir.path(), &[]);
    assert!(v.get("fixed").is_none());
}

#[test]
fn moved_lines_keep_fingerprints() {
    let dir = example_copy();
    write_baseline(dir.path());
    let (_, before) = scan(dir.path(), &[]);
    // Blank lines on top, and the group's keys reordered above its rules.
    let text = std::fs::read_to_string(groups(dir.path())).unwrap();
    let text = text.replacen(
        "\"Description\": \"control plane of cluster prod-eu (kubeadm)\",\n            \"GroupName\": \"prod-eu-control-plane\",",
        "\"GroupName\": \"prod-eu-control-plane\",\n            \"OwnerId\": \"123456789012\",\n            \"Description\": \"control plane of cluster prod-eu (kubeadm)\",",
        1,
    );
    let text = text.replacen(
        "\"OwnerId\": \"123456789012\",\n            \"GroupId\": \"sg-0a1e",
        "\"GroupId\": \"sg-0a1e",
        1,
    );
    assert!(text.contains("\"GroupName\": \"prod-eu-control-plane\",\n            \"OwnerId\""), "keys reordered");
    std::fs::write(groups(dir.path()), format!("\n\n\n{text}")).unwrap();
    let (_, after) = scan(dir.path(), &[]);
    assert_ne!(before["findings"][0]["line"], after["findings"][0]["line"], "the edit moved the finding");
    assert_eq!(after["findings"].as_array().unwrap().len(), 2);

    let (code, v) = scan(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["fixed"], serde_json::json!([]));
}

#[test]
fn a_newly_opened_port_is_the_only_new_finding() {
    let dir = example_copy();
    write_baseline(dir.path());
    edit_groups(dir.path(), |v| {
        let perms = v["SecurityGroups"][0]["IpPermissions"].as_array_mut().unwrap();
        perms.push(serde_json::json!({
            "FromPort": 10259, "ToPort": 10259, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]
        }));
    });
    let (code, v) = scan(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(code, Some(1));
    let new = v["findings"].as_array().unwrap();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["port"], 10259);
    assert_eq!(new[0]["resource"], "i-0a1a1a1a1a1a1a1a1");
    assert_eq!(v["fixed"], serde_json::json!([]));

    // SARIF keeps every result, marked new or unchanged.
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "aws", "--no-config", "--format", "sarif", "--baseline", "base.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut states: Vec<(u64, &str)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["properties"]["port"].as_u64().unwrap(), r["baselineState"].as_str().unwrap()))
        .collect();
    states.sort();
    assert_eq!(states, [(6443, "unchanged"), (10257, "unchanged"), (10259, "new")]);
}

#[test]
fn a_removed_exposure_is_listed_as_fixed() {
    let dir = example_copy();
    write_baseline(dir.path());
    // The 6443 rule no longer admits the internet.
    edit_groups(dir.path(), |v| v["SecurityGroups"][0]["IpPermissions"][0]["IpRanges"] = serde_json::json!([]));
    let (code, v) = scan(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["findings"], serde_json::json!([]));
    let fixed = v["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["fingerprint"], "PC101|i-0a1a1a1a1a1a1a1a1|tcp/6443");
    bin()
        .current_dir(dir.path())
        .args(["scan", "aws", "--no-config", "--color", "never", "--baseline", "base.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("fixed since the baseline (1):"))
        .stdout(predicate::str::contains("PC101 tcp/6443 i-0a1a1a1a1a1a1a1a1"))
        .stdout(predicate::str::contains("0 new findings in 3 input files; 1 unchanged, 1 fixed since the baseline"));

    // Compare against the old baseline, then overwrite it with the new state.
    bin()
        .current_dir(dir.path())
        .args(["scan", "aws", "--no-config", "--baseline", "base.json", "--write-baseline", "base.json"])
        .assert()
        .code(0);
    let (_, v) = scan(dir.path(), &["--baseline", "base.json"]);
    assert_eq!(v["fixed"], serde_json::json!([]));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("base.json")).unwrap()).unwrap();
    assert_eq!(written["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_bad_baseline_exits_2_naming_the_file() {
    let dir = example_copy();
    std::fs::write(dir.path().join("broken.json"), "{\"version\": 1, \"findings\": [\n  {\"fingerprint\": }\n]}\n")
        .unwrap();
    bin()
        .current_dir(dir.path())
        .args(["scan", "aws", "--no-config", "--baseline", "broken.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("malformed baseline broken.json: line 2, column 19"));
    std::fs::write(dir.path().join("v2.json"), "{\"version\": 2, \"findings\": []}").unwrap();
    bin()
        .current_dir(dir.path())
        .args(["scan", "aws", "--no-config", "--baseline", "v2.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("v2.json").and(predicate::str::contains("version 2")));
    bin()
        .current_dir(dir.path())
        .args(["scan", "aws", "--no-config", "--baseline", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read baseline missing.json"));
}
