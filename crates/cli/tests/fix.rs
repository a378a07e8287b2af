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
