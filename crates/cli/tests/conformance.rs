//! The peers' own fixtures with hand-checked verdicts (`../shared/conformance`,
//! see its README): every case in a format portcullis reads must pass,
//! including those where the peer itself is wrong.
//!
//! The shared folder is not part of a clone: without it the test prints a
//! notice and passes, unless `PORTCULLIS_REQUIRE_FIXTURES` is set (CI sets
//! it), when its absence is a failure.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    if p.is_dir() {
        return Some(p);
    }
    let required = std::env::var_os("PORTCULLIS_REQUIRE_FIXTURES").is_some_and(|v| !v.is_empty());
    assert!(!required, "PORTCULLIS_REQUIRE_FIXTURES is set but {} is missing", p.display());
    eprintln!("SKIPPED: {} not found (the shared fixtures are not part of a clone)", p.display());
    None
}

/// The format of a case, from its input files' content.
fn format_of(files: &[PathBuf]) -> &'static str {
    for f in files {
        let name = f.to_string_lossy();
        if name.ends_with(".tf") {
            return "terraform";
        }
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            return "cloudformation-yaml";
        }
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if text.contains("\"format_version\"") && text.contains("\"planned_values\"") {
            return "terraform-plan-json";
        }
        if text.contains("deploymentTemplate") {
            return "arm";
        }
        if text.contains("\"Resources\"") {
            return "cloudformation-json";
        }
    }
    "unknown"
}

/// Formats this build reads. Each later format joins this list when its
/// reader lands; cases in other formats are counted and named, not hidden.
const SUPPORTED: &[&str] = &["terraform-plan-json", "terraform", "cloudformation-yaml", "cloudformation-json", "arm"];

fn check_case(dir: &Path, files: &[PathBuf]) -> Result<(), String> {
    let expect: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let port = expect["port"].as_u64().ok_or("expect.json has no port")?;
    let names: Vec<String> =
        files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    let out = Command::cargo_bin("portcullis")
        .map_err(|e| e.to_string())?
        .current_dir(dir)
        .arg("scan")
        .args(&names)
        .args(["--port", &port.to_string(), "--format", "json", "--fail-on", "none", "--no-config"])
        .output()
        .map_err(|e| e.to_string())?;
    let got: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("not JSON: {e}"))?;
    // A resource is exposed when an unrestricted finding on the port names
    // it as the target or as a rule that admitted the traffic.
    let mut exposed = std::collections::BTreeSet::new();
    for f in got["findings"].as_array().into_iter().flatten() {
        if f["port"].as_u64() != Some(port) || f["exposure"] != "unrestricted" || f["protocol"] != "tcp" {
            continue;
        }
        let mut names = vec![f["resource"].as_str().unwrap_or("").to_string()];
        for b in f["because"].as_array().into_iter().flatten() {
            names.push(b["resource"].as_str().unwrap_or("").to_string());
        }
        // Peers name ARM resources by the name as written; portcullis by
        // the name deployed, with the written one in the path
        // (`nsg-cp is written [variables('nsg')]`).
        for note in f["path"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if let Some((deployed, written)) = note.split_once(" is written ") {
                if names.iter().any(|n| n == deployed) {
                    names.push(written.to_string());
                }
            }
        }
        exposed.extend(names);
    }
    let mut problems = Vec::new();
    for r in expect["exposed"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if !exposed.contains(r) {
            problems.push(format!("{r} should be exposed on tcp/{port}"));
        }
    }
    for r in expect["not_exposed"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if exposed.contains(r) {
            problems.push(format!("{r} should not be exposed on tcp/{port}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn conformance_cases_in_supported_formats_pass() {
    let Some(root) = shared_dir() else { return };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases under {}", root.display());
    let mut ran = 0;
    let mut not_yet: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for d in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d)
            .expect("readable")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().is_some_and(|n| n != "expect.json"))
            .collect();
        files.sort();
        let fmt = format_of(&files);
        if !SUPPORTED.contains(&fmt) {
            *not_yet.entry(fmt).or_default() += 1;
            continue;
        }
        ran += 1;
        if let Err(e) = check_case(d, &files) {
            failures.push(format!("{}: {e}", d.file_name().unwrap_or_default().to_string_lossy()));
        }
    }
    eprintln!("conformance: {ran} cases run; not yet read by this build: {not_yet:?}");
    assert!(ran > 0, "no conformance case in a supported format");
    assert!(failures.is_empty(), "{} of {ran} conformance cases failed:\n{}", failures.len(), failures.join("\n"));
}
