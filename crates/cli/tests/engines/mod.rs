//! The SQL engines the tests run the emitted queries on, each a Python
//! package `.ci/run` installs in its venv: DuckDB, PySpark (with a Java
//! runtime) and sqlglot (a parser for the dialects no engine here runs).
//! Without one, its test prints a notice and passes, unless the
//! `PORTCULLIS_REQUIRE_*` variable `.ci/run` sets says it must run.

#![allow(dead_code)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A Python that can import `module`: `$python_var`, else `python3`.
pub fn python(module: &str, python_var: &str, require_var: &str) -> Option<String> {
    let required = std::env::var_os(require_var).is_some_and(|v| !v.is_empty());
    let py = std::env::var(python_var).unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(py);
    }
    assert!(!required, "{require_var} is set but `{py}` cannot import {module}");
    eprintln!("SKIPPED: no Python with {module} (set {python_var}; .ci/run installs one)");
    None
}

/// Runs `script` with `input` on standard input; its standard output as JSON.
pub fn run_json(py: &str, script: &str, input: &[u8]) -> Value {
    let mut child = std::process::Command::new(py)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The portcullis command's standard output; exit code 0 or 1.
pub fn portcullis(args: &[&str]) -> Vec<u8> {
    let out = assert_cmd::Command::cargo_bin("portcullis").unwrap().args(args).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Generated CloudTrail logs (bench/gen_cloudtrail.py, seeded) under `dir`.
pub fn cloudtrail(dir: &Path, records: usize, seed: u32) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/gen_cloudtrail.py");
    let out = dir.join(format!("cloudtrail-{seed}"));
    let st = std::process::Command::new("python3")
        .arg(script)
        .arg("--out")
        .arg(&out)
        .args(["--records", &records.to_string(), "--seed", &seed.to_string(), "--per-file", "400"])
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    out
}

/// Azure Activity Log files as exported to a storage account, from the
/// seeded generator (bench/gen_azure_activity.py).
pub fn azure_activity(dir: &Path, calls: usize, seed: u32) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/gen_azure_activity.py");
    let out = dir.join(format!("azure-{seed}"));
    let st = std::process::Command::new("python3")
        .arg(script)
        .arg("--out")
        .arg(&out)
        .args(["--calls", &calls.to_string(), "--seed", &seed.to_string(), "--per-file", "400"])
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    out
}

/// What `portcullis events` lists block by block: one key per change,
/// port and stated block, as the SQL queries list rows.
pub type Row = (String, u64, String, String, String);

pub fn native_rows(args: &[&str]) -> Vec<Row> {
    let mut all = vec!["events", "--no-config", "-f", "json"];
    all.extend_from_slice(args);
    let v: Value = serde_json::from_slice(&portcullis(&all)).unwrap();
    assert_eq!(v["errors"], Value::Array(vec![]), "no input errors");
    let mut rows = Vec::new();
    for c in v["changes"].as_array().unwrap() {
        for s in c["stated"].as_array().unwrap() {
            rows.push((
                c["event_id"].as_str().unwrap().to_string(),
                c["port"].as_u64().unwrap(),
                c["change"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
                s.as_str().unwrap().to_string(),
            ));
        }
    }
    rows.sort();
    rows
}

/// The same key from a query's result rows.
pub fn sql_rows(rows: &Value) -> Vec<Row> {
    let mut out: Vec<Row> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["event_id"].as_str().unwrap().to_string(),
                r["port"].as_u64().unwrap(),
                r["change"].as_str().unwrap().to_string(),
                r["action"].as_str().unwrap().to_string(),
                r["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `flows`' counts per destination, port, protocol and verdict: what its
/// `destination` observations say, and what the queries' rows add up to.
pub type FlowKey = (String, u64, u64, String);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct FlowRow {
    pub flows: u64,
    pub authorized: u64,
    pub unauthorized: u64,
    pub packets: u64,
    pub bytes: u64,
    pub sources: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

fn seconds(v: &Value) -> Option<i64> {
    v.as_str().and_then(|s| portcullis_model::date::parse_rfc3339(s).ok()).or_else(|| v.as_i64())
}

pub fn flow_counts_native(files: &[String], args: &[&str]) -> std::collections::BTreeMap<FlowKey, FlowRow> {
    let mut all = vec!["flows"];
    all.extend(files.iter().map(String::as_str));
    all.extend_from_slice(args);
    all.extend(["--no-config", "-f", "json", "--top", "0"]);
    let v: Value = serde_json::from_slice(&portcullis(&all)).unwrap();
    assert_eq!(v["errors"], Value::Array(vec![]), "no input errors");
    let mut m = std::collections::BTreeMap::new();
    for o in v["observations"].as_array().unwrap().iter().filter(|o| o["kind"] == "destination") {
        let proto = match o["protocol"].as_str().unwrap() {
            "tcp" => 6,
            "udp" => 17,
            p => p.parse().unwrap(),
        };
        m.insert(
            (
                o["destination"].as_str().unwrap().to_string(),
                o["port"].as_u64().unwrap(),
                proto,
                o["action"].as_str().unwrap().to_string(),
            ),
            FlowRow {
                flows: o["flows"].as_u64().unwrap(),
                authorized: o["authorized_flows"].as_u64().unwrap(),
                unauthorized: o["unauthorized_flows"].as_u64().unwrap(),
                packets: o["packets"].as_u64().unwrap(),
                bytes: o["bytes"].as_u64().unwrap(),
                sources: o["distinct_sources"].as_u64().unwrap(),
                first: seconds(&o["first_seen"]),
                last: seconds(&o["last_seen"]),
            },
        );
    }
    m
}

/// A query's rows (one per destination, port, protocol, verdict and
/// source class) added up per destination, port, protocol and verdict.
pub fn flow_counts_sql(rows: &Value) -> std::collections::BTreeMap<FlowKey, FlowRow> {
    let number = |v: &Value| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap();
    let mut m: std::collections::BTreeMap<FlowKey, FlowRow> = std::collections::BTreeMap::new();
    for r in rows.as_array().unwrap() {
        let key = (
            r["destination"].as_str().unwrap().to_string(),
            number(&r["port"]),
            number(&r["protocol"]),
            r["action"].as_str().unwrap().to_string(),
        );
        let e = m.entry(key).or_default();
        let flows = number(&r["flows"]);
        e.flows += flows;
        if r["authorized"].as_bool().unwrap() {
            e.authorized += flows;
        } else {
            e.unauthorized += flows;
        }
        e.packets += number(&r["packets"]);
        e.bytes += number(&r["bytes"]);
        // Authorized and other sources are disjoint: their distinct counts add up.
        e.sources += number(&r["sources"]);
        let (f, l) = (seconds(&r["first_seen"]), seconds(&r["last_seen"]));
        e.first = match (e.first, f) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        e.last = match (e.last, l) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    m
}

/// `../shared/flowlogs`, or a visible skip (a failure under
/// `PORTCULLIS_REQUIRE_FIXTURES`).
pub fn shared_flowlogs() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flowlogs");
    if p.is_dir() {
        return Some(p);
    }
    let required = std::env::var_os("PORTCULLIS_REQUIRE_FIXTURES").is_some_and(|v| !v.is_empty());
    assert!(!required, "PORTCULLIS_REQUIRE_FIXTURES is set but {} is missing", p.display());
    eprintln!("SKIPPED (shared part): {} not found", p.display());
    None
}

/// The flow logs both flow-query tests read: the crate's own fixtures, the
/// shared samples, and two synthetic logs (one with repeated headers, one
/// gzip) from the shared seeded generator.
pub fn flow_logs(dir: &Path) -> Vec<String> {
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flows/fixtures/AWSLogs");
    let mut files: Vec<String> = vec![];
    let mut stack = vec![own];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p.to_string_lossy().into_owned());
            }
        }
    }
    if let Some(sh) = shared_flowlogs() {
        for f in [
            "aws/beats-filebeat-module-aws-vpcflow/accept-reject-traffic.log",
            "aws/beats-filebeat-module-aws-vpcflow/ipv6.log",
            "aws/beats-filebeat-module-aws-vpcflow/no-data-skip-data.log",
            "aws/integrations-aws-vpcflow/test-extra-samples.log",
            "aws/otel-awslogsencoding-vpcflow/valid_vpc_flow_log_multi.log",
        ] {
            files.push(sh.join(f).to_string_lossy().into_owned());
        }
        for (name, extra) in [("synthetic.log", vec!["--repeat-header-every", "1000"]), ("synthetic.log.gz", vec![])] {
            let out = dir.join(name);
            let st = std::process::Command::new("python3")
                .arg(sh.join("gen_vpc_flow.py"))
                .arg("--out")
                .arg(&out)
                .args(["--records", "60000", "--seed", "11", "--target-share", "0.05"])
                .args(extra)
                .output()
                .unwrap();
            assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
            files.push(out.to_string_lossy().into_owned());
        }
    }
    files
}

/// The argument sets both flow-query tests compare under.
pub const FLOW_ARGS: [&[&str]; 3] = [
    &["--authorized", "10.0.0.0/16", "--port", "22/tcp", "--port", "3389"],
    &[
        "--authorized",
        "10.0.0.0/16",
        "--authorized",
        "198.51.100.0/25",
        "--since",
        "1700000300",
        "--until",
        "1700000900",
    ],
    &[],
];
