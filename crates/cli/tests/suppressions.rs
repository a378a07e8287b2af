//! Suppressions, one folder per case under `fixtures/suppressions/`:
//! inputs (and a `portcullis.toml` when the case needs one) plus
//! `expect.json`, scanned by the real binary with `PORTCULLIS_TODAY` fixed.
//! Every finding must be expected, suppressed or not, and every expected
//! one found; meta findings (PC9xx) are matched by their message too.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// Whether a finding of the output is the expected one.
fn matches(want: &Value, got: &Value) -> bool {
    let same = |k: &str| want.get(k).is_none_or(|w| got.get(k) == Some(w));
    let suppressed_ok = match want.get("suppressed") {
        Some(reason) => got["suppressed"]["reason"] == *reason,
        None => got.get("suppressed").is_none(),
    };
    let kind_ok = want.get("suppression_kind").is_none_or(|k| got["suppressed"]["kind"] == *k);
    let message_ok = want["message"].as_str().is_none_or(|m| got["message"].as_str().is_some_and(|g| g.contains(m)));
    same("rule")
        && same("resource")
        && same("port")
        && same("line")
        && same("column")
        && suppressed_ok
        && kind_ok
        && message_ok
}

fn run_case(dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("expect.json")).map_err(|e| e.to_string())?;
    let expect: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let mut inputs: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expect.json" && n != "portcullis.toml")
        .collect();
    inputs.sort();
    let mut cmd = Command::cargo_bin("portcullis").map_err(|e| e.to_string())?;
    cmd.current_dir(dir).env("PORTCULLIS_TODAY", expect["today"].as_str().unwrap_or("2026-01-01"));
    cmd.arg("scan").args(&inputs).args(["--format", "json"]);
    if dir.join("portcullis.toml").is_file() {
        cmd.args(["--config", "portcullis.toml"]);
    } else {
        cmd.arg("--no-config");
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("output is not JSON ({e}): {stdout} {}", String::from_utf8_lossy(&out.stderr)))?;
    let got_f: Vec<&Value> = got["findings"].as_array().into_iter().flatten().collect();
    let want_f: Vec<&Value> = expect["findings"].as_array().into_iter().flatten().collect();
    let mut problems = Vec::new();
    for w in &want_f {
        if !got_f.iter().any(|g| matches(w, g)) {
            problems.push(format!("expected finding missing: {w}"));
        }
    }
    for g in &got_f {
        if !want_f.iter().any(|w| matches(w, g)) {
            problems.push(format!(
                "unexpected finding: {} {} {} suppressed={} {}",
                g["rule"], g["resource"], g["port"], g["suppressed"], g["message"]
            ));
        }
    }
    common::check_errors(&got, &expect, common::FileMatch::Exact, &mut problems);
    if out.status.code() != expect["exit"].as_i64().map(|c| c as i32) {
        problems.push(format!("exit code {:?}, expected {}", out.status.code(), expect["exit"]));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_suppression_case_holds() {
    common::every_case_holds("suppressions", 5, run_case);
}
