//! The fixture-folder harness the scan suites share: one folder per case
//! under `tests/fixtures/<suite>/` with an `expect.json`, run by the real
//! binary; each suite decides how its findings are compared.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The case folders of a suite, sorted.
pub fn case_dirs(suite: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(suite);
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("fixtures/{suite} exists: {e}"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Runs every case of a suite (at least `min` of them) and fails with all
/// the cases that did not hold, not only the first.
pub fn every_case_holds(suite: &str, min: usize, run_case: impl Fn(&Path) -> Result<(), String>) {
    let dirs = case_dirs(suite);
    assert!(dirs.len() >= min, "expected the {suite} fixtures, found {}", dirs.len());
    let mut failures = Vec::new();
    for d in &dirs {
        if let Err(e) = run_case(d) {
            failures.push(format!("{}: {e}", d.file_name().unwrap_or_default().to_string_lossy()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), dirs.len(), failures.join("\n\n"));
}

/// How an expected error names its file.
#[derive(Clone, Copy)]
pub enum FileMatch {
    /// Exactly as the scan printed it.
    Exact,
    /// The end of the printed path (the scan walked the folder, so paths
    /// carry a `./` or directory prefix).
    Suffix,
}

/// Checks the output's `errors` against the expected ones (file, line,
/// column, and words of the message), and their number; pushes what
/// differs to `problems`.
pub fn check_errors(got: &Value, expect: &Value, files: FileMatch, problems: &mut Vec<String>) {
    let got_e: Vec<&Value> = got["errors"].as_array().into_iter().flatten().collect();
    let want_e: Vec<&Value> = expect["errors"].as_array().into_iter().flatten().collect();
    for w in &want_e {
        let hit = got_e.iter().any(|g| {
            let file_ok = match files {
                FileMatch::Exact => g["file"] == w["file"],
                FileMatch::Suffix => g["file"].as_str().unwrap_or("").ends_with(w["file"].as_str().unwrap_or("?")),
            };
            file_ok
                && g["line"] == w["line"]
                && g["column"] == w["column"]
                && g["message"].as_str().unwrap_or("").contains(w["contains"].as_str().unwrap_or(""))
        });
        if !hit {
            problems.push(format!("expected error not reported: {w} in {got_e:?}"));
        }
    }
    if got_e.len() != want_e.len() {
        problems.push(format!("expected {} errors, got {}: {:?}", want_e.len(), got_e.len(), got_e));
    }
}
