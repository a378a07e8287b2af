//! The semantics the foundation issue pins: each folder under
//! `fixtures/semantics/` is one case (inputs + `expect.json`), scanned by
//! the real binary; findings on the checked ports and input errors must
//! match exactly.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

type Key = (String, String, u64, String, Vec<String>);

fn key(f: &Value) -> Key {
    let mut sources: Vec<String> =
        f["sources"].as_array().unwrap_or(&Vec::new()).iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
    sources.sort();
    (
        f["rule"].as_str().unwrap_or("").to_string(),
        f["resource"].as_str().unwrap_or("").to_string(),
        f["port"].as_u64().unwrap_or(0),
        f["exposure"].as_str().unwrap_or("").to_string(),
        sources,
    )
}

fn run_case(dir: &Path) -> Result<(), String> {
    let expect: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let mut inputs: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expect.json")
        .collect();
    inputs.sort();
    let mut cmd = Command::cargo_bin("portcullis").map_err(|e| e.to_string())?;
    cmd.current_dir(dir).arg("scan").args(&inputs).args(["--format", "json", "--fail-on", "none", "--no-config"]);
    for a in expect["args"].as_array().into_iter().flatten() {
        cmd.arg(a.as_str().unwrap_or(""));
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Value = serde_json::from_str(&stdout).map_err(|e| format!("output is not JSON ({e}): {stdout}"))?;
    let ports: BTreeSet<u64> =
        expect["check_ports"].as_array().into_iter().flatten().filter_map(Value::as_u64).collect();
    let got_f: BTreeSet<Key> = got["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| ports.contains(&f["port"].as_u64().unwrap_or(0)))
        .map(key)
        .collect();
    let want_f: BTreeSet<Key> = expect["findings"].as_array().into_iter().flatten().map(key).collect();
    let mut problems = Vec::new();
    if got_f != want_f {
        problems.push(format!(
            "findings differ\n  missing: {:?}\n  unexpected: {:?}",
            want_f.difference(&got_f).collect::<Vec<_>>(),
            got_f.difference(&want_f).collect::<Vec<_>>()
        ));
    }
    // Optional message checks: words it must have and must not have.
    for w in expect["findings"].as_array().into_iter().flatten() {
        let words = |k: &str| w[k].as_array().into_iter().flatten().filter_map(Value::as_str).collect::<Vec<_>>();
        let (has, lacks) = (words("message_has"), words("message_lacks"));
        if has.is_empty() && lacks.is_empty() {
            continue;
        }
        let found = got["findings"].as_array().into_iter().flatten().find(|g| key(g) == key(w));
        let message = found.and_then(|g| g["message"].as_str()).unwrap_or("");
        for h in has.iter().filter(|h| !message.contains(*h)) {
            problems.push(format!("message of {:?} lacks {h:?}: {message}", key(w)));
        }
        for l in lacks.iter().filter(|l| message.contains(*l)) {
            problems.push(format!("message of {:?} has {l:?}: {message}", key(w)));
        }
    }
    // Optional naming checks: texts the `path` must hold (target notes:
    // a Bicep symbol, why a name is not known), and the `because` lines'
    // resources and rules, in order.
    for w in expect["findings"].as_array().into_iter().flatten() {
        let Some(g) = got["findings"].as_array().into_iter().flatten().find(|g| key(g) == key(w)) else { continue };
        let path: Vec<&str> = g["path"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        for h in w["path_has"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !path.iter().any(|p| p.contains(h)) {
                problems.push(format!("path of {:?} lacks {h:?}: {path:?}", key(w)));
            }
        }
        for (field, want_key) in [("resource", "because_resources"), ("rule", "because_rules")] {
            let Some(want) = w[want_key].as_array() else { continue };
            let want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
            let have: Vec<&str> =
                g["because"].as_array().into_iter().flatten().filter_map(|b| b[field].as_str()).collect();
            if have != want {
                problems.push(format!("because {field}s of {:?} are {have:?}, expected {want:?}", key(w)));
            }
        }
    }
    // Optional path checks: `reach`, words its reason must have, the hops
    // of `via` (as `hop resource`, in order) and the severity.
    for w in expect["findings"].as_array().into_iter().flatten() {
        let found = got["findings"].as_array().into_iter().flatten().find(|g| key(g) == key(w));
        let Some(g) = found else { continue };
        for field in ["reach", "severity"] {
            if let Some(want) = w[field].as_str() {
                if g[field].as_str() != Some(want) {
                    problems.push(format!("{field} of {:?} is {}, expected {want}", key(w), g[field]));
                }
            }
        }
        let reason = g["reach_reason"].as_str().unwrap_or("");
        for h in w["reach_reason_has"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !reason.contains(h) {
                problems.push(format!("reach_reason of {:?} lacks {h:?}: {reason}", key(w)));
            }
        }
        if let Some(want) = w["via_hops"].as_array() {
            let got_hops: Vec<String> = g["via"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| format!("{} {}", v["hop"].as_str().unwrap_or(""), v["resource"].as_str().unwrap_or("")))
                .collect();
            let want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
            if got_hops != want {
                problems.push(format!("via of {:?} is {got_hops:?}, expected {want:?}", key(w)));
            }
            for v in g["via"].as_array().into_iter().flatten() {
                let named = v["file"].as_str().is_some_and(|f| !f.is_empty());
                if named && v["line"].as_u64().unwrap_or(0) == 0 {
                    problems.push(format!("hop {v} of {:?} names a file but no line", key(w)));
                }
            }
        }
    }
    common::check_errors(&got, &expect, common::FileMatch::Exact, &mut problems);
    let want_code = if expect["errors"].as_array().is_none_or(Vec::is_empty) { 0 } else { 2 };
    if out.status.code() != Some(want_code) {
        problems.push(format!("exit code {:?}, expected {want_code}", out.status.code()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_semantics_case_holds() {
    common::every_case_holds("semantics", 20, run_case);
}
