//! kube-controller-manager's configuration and Kubernetes Services, read
//! from every place they are written: each folder under
//! `fixtures/kubernetes/` is one case (inputs + `expect.json`), scanned by
//! the real binary. Every PC2xx finding and every PC100 finding must match
//! the expectation exactly (rule, resource, flag, severity, line; for
//! exposures the class and sources); `message_contains` pins the words a
//! finding must say; input errors must match by file, line and column.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The findings this suite pins: the hardening rules and the flagship
/// port rule (Services and firewalls in front of 10257).
fn pinned(f: &Value) -> bool {
    let rule = f["rule"].as_str().unwrap_or("");
    rule.starts_with("PC2") || (rule == "PC100" && f["port"].as_u64() == Some(10257))
}

type Key = (String, String, String, String, u64, String, Vec<String>);

fn key(f: &Value) -> Key {
    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
    let mut sources: Vec<String> =
        f["sources"].as_array().unwrap_or(&Vec::new()).iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
    sources.sort();
    (s("rule"), s("resource"), s("flag"), s("severity"), f["line"].as_u64().unwrap_or(0), s("exposure"), sources)
}

fn run_case(dir: &Path) -> Result<(), String> {
    let expect: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let mut cmd = Command::cargo_bin("portcullis").map_err(|e| e.to_string())?;
    // The folder is walked, as a user would scan a repository: detection is
    // by content, and `expect.json` itself must be left alone.
    cmd.current_dir(dir).args(["scan", ".", "--format", "json", "--fail-on", "none", "--no-config"]);
    let out = cmd.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Value = serde_json::from_str(&stdout).map_err(|e| format!("output is not JSON ({e}): {stdout}"))?;
    let got_all: Vec<&Value> = got["findings"].as_array().into_iter().flatten().filter(|f| pinned(f)).collect();
    let got_f: BTreeSet<Key> = got_all.iter().map(|f| key(f)).collect();
    let want_all: Vec<&Value> = expect["findings"].as_array().into_iter().flatten().collect();
    let want_f: BTreeSet<Key> = want_all.iter().map(|f| key(f)).collect();
    let mut problems = Vec::new();
    if got_f != want_f || got_all.len() != want_all.len() {
        problems.push(format!(
            "findings differ\n  missing: {:?}\n  unexpected: {:?}",
            want_f.difference(&got_f).collect::<Vec<_>>(),
            got_f.difference(&want_f).collect::<Vec<_>>()
        ));
    }
    for w in &want_all {
        let Some(words) = w["message_contains"].as_str() else { continue };
        let hit = got_all.iter().any(|g| key(g) == key(w) && g["message"].as_str().unwrap_or("").contains(words));
        if !hit {
            problems.push(format!("no {} finding on {} says `{words}`", w["rule"], w["resource"]));
        }
    }
    common::check_errors(&got, &expect, common::FileMatch::Suffix, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_kubernetes_case_holds() {
    common::every_case_holds("kubernetes", 10, run_case);
}

/// Every hardening rule has a case where it fires and a case where the
/// same place says the safe thing and it does not.
#[test]
fn every_hardening_rule_is_exercised_both_ways() {
    let mut fired = BTreeSet::new();
    let mut good_cases = 0;
    for d in common::case_dirs("kubernetes") {
        let expect: Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("expect.json")).expect("readable")).expect("JSON");
        for f in expect["findings"].as_array().into_iter().flatten() {
            fired.insert(f["rule"].as_str().unwrap_or("").to_string());
        }
        if d.file_name().is_some_and(|n| n.to_string_lossy().starts_with("good-")) {
            good_cases += 1;
        }
    }
    for r in portcullis_rules::registry::family(portcullis_rules::FamilyKind::Hardening) {
        assert!(fired.contains(r.code), "{} has no bad fixture", r.code);
    }
    assert!(good_cases >= 8, "expected a good fixture per configuration location, found {good_cases}");
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubernetes").join(name)
}

/// SARIF results of hardening findings point at a driver rule that exists
/// (by id and by index) and at the flag's line.
#[test]
fn sarif_results_of_hardening_findings_resolve_to_their_rules() {
    let out = Command::cargo_bin("portcullis")
        .expect("binary")
        .current_dir(fixture("bad-kubeadm-static-pod"))
        .args(["scan", ".", "--format", "sarif", "--fail-on", "none", "--no-config"])
        .output()
        .expect("runs");
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 5, "{results:?}");
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"].as_str(), Some(id));
        assert!(rules[idx]["help"]["text"].as_str().unwrap_or("").contains("## Why is this bad?"));
        let line = r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap_or(0);
        assert!(line >= 1, "{r}");
    }
    let bind = results.iter().find(|r| r["ruleId"] == "PC200").expect("PC200 result");
    assert_eq!(bind["locations"][0]["physicalLocation"]["region"]["startLine"], 15);
}

/// `portcullis rules PC200` prints the rule's documentation; the list
/// names every hardening rule.
#[test]
fn rules_command_shows_hardening_rules() {
    let one = Command::cargo_bin("portcullis").expect("binary").args(["rules", "PC200"]).output().expect("runs");
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(one.status.success());
    assert!(text.contains("controller-manager-bound-to-all-interfaces") && text.contains("Flags: --bind-address"));
    assert!(text.contains("CIS Kubernetes Benchmark 1.3.7"), "{text}");
    let all = Command::cargo_bin("portcullis").expect("binary").args(["rules"]).output().expect("runs");
    let list = String::from_utf8_lossy(&all.stdout);
    for r in portcullis_rules::registry::family(portcullis_rules::FamilyKind::Hardening) {
        assert!(list.contains(r.code) && list.contains(r.name), "{} missing from `portcullis rules`", r.code);
    }
}

/// The exit code follows `--fail-on`: a medium hardening finding fails at
/// the default threshold and passes `--fail-on high` when nothing is high.
#[test]
fn hardening_findings_drive_the_exit_code() {
    let run = |args: &[&str]| {
        Command::cargo_bin("portcullis")
            .expect("binary")
            .current_dir(fixture("bad-rke-cluster"))
            .args(["scan", ".", "--no-config"])
            .args(args)
            .output()
            .expect("runs")
            .status
            .code()
    };
    assert_eq!(run(&[]), Some(1));
    assert_eq!(run(&["--fail-on", "high"]), Some(0));
}
