//! The command line as users meet it: subcommands, flags, config file,
//! exit codes, output formats.

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

const OPEN_SG: &str = r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
  {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
  {"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": [{"CidrIp": "52.94.76.0/24"}]}
]}]}"#;

fn temp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }
    dir
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

#[test]
fn example_scan_finds_the_exposed_control_plane_only() {
    let out = bin().args(["scan", "--format", "json", "--no-config"]).arg(example()).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    let kcm: Vec<&Value> = v["findings"].as_array().unwrap().iter().filter(|f| f["port"] == 10257).collect();
    assert_eq!(kcm.len(), 1, "{kcm:?}");
    assert_eq!(kcm[0]["resource"], "i-0a1a1a1a1a1a1a1a1");
    assert_eq!(kcm[0]["exposure"], "unrestricted");
    assert_eq!(kcm[0]["severity"], "critical");
    assert_eq!(kcm[0]["sources"], serde_json::json!(["0.0.0.0/0", "::/0"]));
    // Its route table sends 0.0.0.0/0 to the internet gateway and it has a
    // public address: the path is drawn, hop by hop.
    assert_eq!(kcm[0]["reach"], "internet");
    let hops: Vec<&str> = kcm[0]["via"].as_array().unwrap().iter().map(|h| h["hop"].as_str().unwrap()).collect();
    assert_eq!(hops, ["internet gateway", "route", "network ACL", "public address", "security group"]);
    // The NACL-mitigated and the restricted control planes are silent.
    let all = v["findings"].as_array().unwrap();
    assert!(all.iter().all(|f| f["resource"] != "i-0b2b2b2b2b2b2b2b2" && f["resource"] != "i-0c3c3c3c3c3c3c3c3"));
}

#[test]
fn json_output_is_deterministic() {
    let run = || bin().args(["scan", "--format", "json", "--no-config"]).arg(example()).output().expect("runs").stdout;
    assert_eq!(run(), run());
}

#[test]
fn text_output_has_snippet_sources_path_and_summary() {
    bin()
        .args(["scan", "--no-config", "--color", "never"])
        .arg(example())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("critical PC100 unrestricted tcp/10257 i-0a1a1a1a1a1a1a1a1"))
        .stdout(predicate::str::contains(">").and(predicate::str::contains("\"CidrIp\": \"0.0.0.0/0\"")))
        .stdout(predicate::str::contains("sources: 0.0.0.0/0, ::/0"))
        .stdout(predicate::str::contains(
            "path:    network ACL acl-0aa0000000000d001 -> security group sg-0a1e5c0ffee000001",
        ))
        .stdout(predicate::str::contains("2 findings (1 critical, 1 medium) in 5 input files"))
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = temp_with(&[("sg.json", OPEN_SG)]);
    // The /24 on 10257 is public: high. Nothing critical.
    bin().current_dir(dir.path()).args(["scan", "sg.json", "--no-config", "--fail-on", "critical"]).assert().code(0);
    bin().current_dir(dir.path()).args(["scan", "sg.json", "--no-config", "--fail-on", "high"]).assert().code(1);
    bin().current_dir(dir.path()).args(["scan", "sg.json", "--no-config", "--fail-on", "none"]).assert().code(0);
    bin()
        .current_dir(dir.path())
        .args(["scan", "sg.json", "--no-config", "--fail-on", "severe"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--fail-on `severe`"));
}

#[test]
fn user_ports_from_flags_and_config_file() {
    let dir = temp_with(&[("infra/aws/sg.json", OPEN_SG), ("portcullis.toml", "ports = [\"8080/tcp\"]\n")]);
    // Discovered upward from the scanned path.
    let out = bin().current_dir(dir.path()).args(["scan", "infra/aws", "--format", "json"]).output().expect("runs");
    let v = json_of(&out);
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["port"] == 8080 && f["rule"] == "PC199"));
    // Without the config, 8080 is not checked...
    let out =
        bin().current_dir(dir.path()).args(["scan", "infra/aws", "--format", "json", "--no-config"]).output().unwrap();
    assert!(json_of(&out)["findings"].as_array().unwrap().iter().all(|f| f["port"] != 8080));
    // ...unless named with --port.
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "infra/aws", "--format", "json", "--no-config", "--port", "8080"])
        .output()
        .unwrap();
    assert!(json_of(&out)["findings"].as_array().unwrap().iter().any(|f| f["port"] == 8080));
}

#[test]
fn authorized_sources_from_config_and_flags() {
    let dir = temp_with(&[("sg.json", OPEN_SG), ("portcullis.toml", "authorized = [\"52.94.76.0/24\"]\n")]);
    let out = bin().current_dir(dir.path()).args(["scan", "sg.json", "--format", "json"]).output().unwrap();
    assert!(json_of(&out)["findings"].as_array().unwrap().iter().all(|f| f["port"] != 10257), "the /24 is authorized");
    let out =
        bin().current_dir(dir.path()).args(["scan", "sg.json", "--format", "json", "--no-config"]).output().unwrap();
    assert!(json_of(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["port"] == 10257 && f["exposure"] == "public"));
}

#[test]
fn misuse_and_bad_config_exit_2_with_a_message() {
    let dir = temp_with(&[("sg.json", OPEN_SG), ("bad.toml", "ports = [\"99999\"]\n"), ("typo.toml", "port = 1\n")]);
    bin()
        .current_dir(dir.path())
        .args(["scan", "sg.json", "--config", "bad.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`99999` is not a port number"));
    bin()
        .current_dir(dir.path())
        .args(["scan", "sg.json", "--config", "typo.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("typo.toml").and(predicate::str::contains("unknown field `port`")));
    bin()
        .current_dir(dir.path())
        .args(["scan", "sg.json", "--no-config", "--authorized", "10.0.0.0/33"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("prefix length is at most 32"));
    bin().current_dir(dir.path()).args(["scan", "missing.json", "--no-config"]).assert().code(2);
}

#[test]
fn directories_are_walked_honouring_gitignore() {
    let dir = temp_with(&[
        ("a/sg.json", OPEN_SG),
        ("ignored/sg.json", &OPEN_SG.replace("sg-1", "sg-ignored")),
        (".gitignore", "ignored/\n"),
        ("notes.txt", "not an input"),
        ("package.json", "{\"name\": \"x\"}"),
    ]);
    let out = bin().current_dir(dir.path()).args(["scan", ".", "--format", "json", "--no-config"]).output().unwrap();
    let v = json_of(&out);
    let resources: Vec<&str> =
        v["findings"].as_array().unwrap().iter().filter_map(|f| f["resource"].as_str()).collect();
    assert!(resources.contains(&"sg-1"));
    assert!(!resources.contains(&"sg-ignored"));
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn sarif_output_is_sarif() {
    let out = bin().args(["scan", "--format", "sarif", "--no-config"]).arg(example()).output().unwrap();
    let v = json_of(&out);
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().any(|r| r["ruleId"] == "PC100" && r["level"] == "error"));
}

#[test]
fn rules_lists_the_catalog_and_prints_docs() {
    bin()
        .arg("rules")
        .assert()
        .success()
        .stdout(predicate::str::contains("PC100").and(predicate::str::contains("controller-manager-port-reachable")))
        .stdout(predicate::str::contains("tcp/2379-2380"));
    bin()
        .args(["rules", "PC100"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## What it does").and(predicate::str::contains("## References")));
    bin().args(["rules", "PC999"]).assert().code(2).stderr(predicate::str::contains("no rule `PC999`"));
}

#[test]
fn explain_lists_every_target_with_responsible_lines() {
    let out = bin().args(["explain", "--format", "json", "--no-config"]).arg(example()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out);
    let targets = v["targets"].as_array().unwrap();
    let by_id = |id: &str| targets.iter().find(|t| t["target"] == id).unwrap_or_else(|| panic!("{id} missing"));
    let exposed = &by_id("i-0a1a1a1a1a1a1a1a1")["ports"][0];
    assert_eq!(exposed["verdict"], "unrestricted");
    assert!(exposed["pieces"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["line"] == 26 && p["rule"] == "inbound tcp 10257 from 0.0.0.0/0"));
    let mitigated = &by_id("i-0b2b2b2b2b2b2b2b2")["ports"][0];
    assert_eq!(mitigated["verdict"], "closed");
    // The NACL deny that mitigates the open group is named, with its line.
    assert_eq!(mitigated["denied"][0]["sources"], serde_json::json!(["0.0.0.0/0"]));
    assert_eq!(mitigated["denied"][0]["rule"], "rule 90 deny tcp 10257-10259 from 0.0.0.0/0");
    assert_eq!(mitigated["denied"][0]["line"], 69);
    let clean = &by_id("i-0c3c3c3c3c3c3c3c3")["ports"][0];
    assert_eq!(clean["verdict"], "authorized only");
    assert_eq!(clean["admitted"], serde_json::json!(["10.20.0.0/16"]));
    bin()
        .args(["explain", "--no-config", "--target", "i-0c3c3c3c3c3c3c3c3"])
        .arg(example())
        .assert()
        .success()
        .stdout(predicate::str::contains("tcp/10257: authorized only — admits 10.20.0.0/16"));
    bin().args(["explain", "--no-config", "--target", "i-nope"]).arg(example()).assert().code(2);
}

#[test]
fn terraform_example_honours_deny_order_and_variables() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/terraform");
    let kcm = |extra: &[&str]| -> Vec<(String, String)> {
        let out = bin().args(["scan", "--format", "json", "--no-config"]).args(extra).arg(&dir).output().unwrap();
        let v = json_of(&out);
        assert_eq!(v["errors"], serde_json::json!([]));
        let mut r: Vec<(String, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["port"] == 10257)
            .map(|f| (f["resource"].as_str().unwrap().to_string(), f["exposure"].as_str().unwrap().to_string()))
            .collect();
        r.sort();
        r
    };
    // Azure's deny at 100 shadows its allow at 200 for 10257 only.
    assert_eq!(
        kcm(&[]),
        vec![
            ("aws_security_group.control_plane".to_string(), "unrestricted".to_string()),
            ("google_compute_firewall.control_plane".to_string(), "unrestricted".to_string()),
        ]
    );
    // The conditional follows the variable.
    assert_eq!(
        kcm(&["--var", "open_health_ports=false"]),
        vec![("google_compute_firewall.control_plane".to_string(), "unrestricted".to_string())]
    );
}
