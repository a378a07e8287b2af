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
