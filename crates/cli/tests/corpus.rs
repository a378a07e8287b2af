//! A scan must read all of `../shared/corpus/` (real files from public
//! projects) without a panic. Skips with a notice when the shared folder is
//! absent, unless `PORTCULLIS_REQUIRE_FIXTURES` is set.

use assert_cmd::Command;
use std::path::Path;

#[test]
fn whole_corpus_scans_without_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !corpus.is_dir() {
        let required = std::env::var_os("PORTCULLIS_REQUIRE_FIXTURES").is_some_and(|v| !v.is_empty());
        assert!(!required, "PORTCULLIS_REQUIRE_FIXTURES is set but {} is missing", corpus.display());
        eprintln!("SKIPPED: {} not found (the shared corpus is not part of a clone)", corpus.display());
        return;
    }
    let out = Command::cargo_bin("portcullis")
        .expect("binary")
        .args(["scan", "--format", "json", "--fail-on", "none", "--no-config"])
        .arg(&corpus)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(matches!(out.status.code(), Some(0) | Some(2)), "exit {:?}: {stderr}", out.status.code());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(v["version"], 1);
    // Every error names its file.
    for e in v["errors"].as_array().expect("errors array") {
        assert!(e["file"].as_str().is_some_and(|f| !f.is_empty()), "error without file: {e}");
    }
    // The corpus's Bicep files are real, compiling files: the reader must
    // take every one of them without a syntax error, and find their NSGs.
    let bicep_errors: Vec<&serde_json::Value> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["file"].as_str().is_some_and(|f| f.ends_with(".bicep")))
        .collect();
    assert!(bicep_errors.is_empty(), "errors in Bicep files: {bicep_errors:#?}");
    let bicep_findings = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["file"].as_str().is_some_and(|f| f.ends_with(".bicep")))
        .count();
    assert!(bicep_findings > 0, "no finding from any Bicep file: are they read?");
}
