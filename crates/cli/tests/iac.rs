//! Template parameters, Bicep and suppressions as users meet them on the
//! command line (the fixture folders in `fixtures/semantics/` cover the
//! findings; these cover flags, messages and exit codes).

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::cargo_bin("portcullis").expect("binary built")
}

fn temp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

const ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"src": {"type": "string", "defaultValue": "10.0.0.0/8"}},
  "resources": [{"type": "Microsoft.Network/networkSecurityGroups", "name": "nsg",
    "properties": {"securityRules": [{"name": "kcm", "properties": {"priority": 100, "direction": "Inbound",
      "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "[parameters('src')]", "sourcePortRange": "*",
      "destinationAddressPrefix": "*", "destinationPortRange": "10257"}}]}}]
}"#;

#[test]
fn a_malformed_parameters_file_is_an_error_with_its_position() {
    let dir = temp_with(&[("t.json", ARM), ("p.json", "{\n  \"parameters\": {\"src\": \"*\"}\n}")]);
    bin()
        .current_dir(dir.path())
        .args(["scan", "t.json", "--no-config", "--parameters", "p.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("p.json:2:25").and(predicate::str::contains("{\"value\": …}")));
    bin()
        .current_dir(dir.path())
        .args(["scan", "t.json", "--no-config", "--parameters", "missing.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.json"));
}

#[test]
fn parameters_override_defaults_and_without_them_defaults_hold() {
    let dir = temp_with(&[("t.json", ARM), ("p.json", r#"{"parameters": {"src": {"value": "0.0.0.0/0"}}}"#)]);
    bin().current_dir(dir.path()).args(["scan", "t.json", "--no-config"]).assert().code(0);
    bin()
        .current_dir(dir.path())
        .args(["scan", "t.json", "--no-config", "--parameters", "p.json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("PC100 unrestricted tcp/10257 nsg"));
}

const TF: &str = r#"resource "aws_security_group" "cp" {
  ingress {
    from_port   = 10257
    to_port     = 10257
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"] # portcullis:ignore[PC100] vendor scrapes metrics exp:2026-12-31
  }
  ingress {
    from_port   = 10250
    to_port     = 10250
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

#[test]
fn text_hides_suppressed_findings_and_counts_them() {
    let dir = temp_with(&[("main.tf", TF)]);
    let out = bin()
        .current_dir(dir.path())
        .env("PORTCULLIS_TODAY", "2026-06-01")
        .args(["scan", "main.tf", "--no-config"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("PC100"), "{text}");
    assert!(text.contains("PC103 unrestricted tcp/10250"), "{text}");
    assert!(text.contains("1 finding (1 high) in 1 input file; 1 suppressed"), "{text}");
    // Only the suppressed finding left: the run passes.
    let only = TF.replace("10250", "22");
    let dir = temp_with(&[("main.tf", &only)]);
    bin()
        .current_dir(dir.path())
        .env("PORTCULLIS_TODAY", "2026-06-01")
        .args(["scan", "main.tf", "--no-config"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 findings in 1 input file; 1 suppressed"));
    // The day after its expiry it no longer suppresses, and says so.
    bin()
        .current_dir(dir.path())
        .env("PORTCULLIS_TODAY", "2027-01-01")
        .args(["scan", "main.tf", "--no-config"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("PC100 unrestricted").and(predicate::str::contains("PC900")));
}

#[test]
fn baselines_leave_suppressed_findings_out_so_an_expiry_brings_them_back_as_new() {
    let dir = temp_with(&[("main.tf", TF)]);
    let scan = |today: &str, extra: &[&str]| {
        bin()
            .current_dir(dir.path())
            .env("PORTCULLIS_TODAY", today)
            .args(["scan", "main.tf", "--no-config", "--format", "json"])
            .args(extra)
            .output()
            .expect("runs")
    };
    let out = scan("2026-06-01", &["--write-baseline", "base.json"]);
    assert_eq!(out.status.code(), Some(1));
    let base = std::fs::read_to_string(dir.path().join("base.json")).expect("baseline written");
    assert!(base.contains("PC103") && !base.contains("PC100"), "{base}");
    let out = scan("2026-06-01", &["--baseline", "base.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(rules, ["PC100"], "only the suppressed finding is listed: {v}");
    let out = scan("2027-01-01", &["--baseline", "base.json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut rules: Vec<&str> = v["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    rules.sort();
    assert_eq!(rules, ["PC100", "PC900"], "{v}");
}

#[test]
fn bad_dates_and_config_entries_are_refused_with_their_place() {
    let dir = temp_with(&[("main.tf", TF)]);
    bin()
        .current_dir(dir.path())
        .env("PORTCULLIS_TODAY", "2026-13-01")
        .args(["scan", "main.tf", "--no-config"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("PORTCULLIS_TODAY"));
    let cfg = "fail_on = \"low\"\n\n[[suppress]]\nrule = \"PC100\"\nresource = \"aws_security_group.cp\"\n";
    let dir = temp_with(&[("main.tf", TF), ("portcullis.toml", cfg)]);
    bin()
        .current_dir(dir.path())
        .args(["scan", "main.tf"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("portcullis.toml:3:1").and(predicate::str::contains("no `reason`")));
    let cfg = "[[suppress]]\nrule = \"PC100\"\nresource = \"x\"\nreason = \"r\"\nexpires = \"soon\"\n";
    let dir = temp_with(&[("main.tf", TF), ("portcullis.toml", cfg)]);
    bin().current_dir(dir.path()).args(["scan", "main.tf"]).assert().code(2).stderr(predicate::str::contains("soon"));
}

#[test]
fn the_suppression_rules_are_documented() {
    bin().args(["rules", "PC900"]).assert().success().stdout(predicate::str::contains("## Why is this bad?"));
    bin().args(["rules", "suppression-matches-nothing"]).assert().success().stdout(predicate::str::contains("PC901"));
    bin().args(["rules"]).assert().success().stdout(predicate::str::contains("PC900"));
}

/// The README shows this run's output: keep them the same.
#[test]
fn the_readme_suppression_example_prints_what_the_readme_shows() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/suppressions");
    let out = bin()
        .current_dir(example.join("../.."))
        .env("PORTCULLIS_TODAY", "2026-11-27")
        .args(["scan", "examples/suppressions", "--no-config"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let readme = std::fs::read_to_string(example.join("../../README.md")).expect("README");
    for line in [
        "  suppression of PC101 expired on 2026-03-31 (today is 2026-11-27): the 1 finding it covered is reported again; its reason was \"public API endpoint, OIDC only\"",
        "  suppression of PC103 matches no finding: delete it if it is stale, or move it onto (or just above) the rule or resource it is meant for",
        "4 findings (1 critical, 1 medium, 2 low) in 1 input file; 2 suppressed",
        "critical PC106 unrestricted tcp/10258 aws_security_group.metrics",
    ] {
        assert!(text.contains(line), "scan output lacks {line:?}:\n{text}");
        assert!(readme.contains(line), "README lacks {line:?}");
    }
}
