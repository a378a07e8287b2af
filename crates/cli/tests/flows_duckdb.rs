//! The query `--emit-sql duckdb` prints, run by DuckDB (the Python
//! package) over sample and synthetic logs, gives the same counts per
//! destination, port, verdict and source class as `portcullis flows`.
//!
//! DuckDB comes from `PORTCULLIS_DUCKDB_PYTHON` (a Python with the `duckdb`
//! package; `.ci/run` makes one in `.ci/.venv`). Without it the test prints
//! a notice and passes, unless `PORTCULLIS_REQUIRE_DUCKDB` is set.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

const RUNNER: &str = r#"
import json, sys, duckdb
cur = duckdb.connect().execute(sys.stdin.read())
cols = [d[0] for d in cur.description]
print(json.dumps([dict(zip(cols, r)) for r in cur.fetchall()], default=str))
"#;

fn python() -> Option<String> {
    let required = std::env::var_os("PORTCULLIS_REQUIRE_DUCKDB").is_some_and(|v| !v.is_empty());
    let py = std::env::var("PORTCULLIS_DUCKDB_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import duckdb"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(py);
    }
    assert!(!required, "PORTCULLIS_REQUIRE_DUCKDB is set but `{py}` cannot import duckdb");
    eprintln!("SKIPPED: no Python with duckdb (set PORTCULLIS_DUCKDB_PYTHON; .ci/run installs one)");
    None
}

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flowlogs");
    if p.is_dir() {
        return Some(p);
    }
    let required = std::env::var_os("PORTCULLIS_REQUIRE_FIXTURES").is_some_and(|v| !v.is_empty());
    assert!(!required, "PORTCULLIS_REQUIRE_FIXTURES is set but {} is missing", p.display());
    eprintln!("SKIPPED (shared part): {} not found", p.display());
    None
}

type Key = (String, u64, u64, String);

#[derive(Debug, Default, PartialEq, Eq)]
struct Row {
    flows: u64,
    authorized: u64,
    unauthorized: u64,
    packets: u64,
    bytes: u64,
    sources: u64,
    first: Option<i64>,
    last: Option<i64>,
}

fn seconds(v: &Value) -> Option<i64> {
    v.as_str().and_then(|s| portcullis_model::date::parse_rfc3339(s).ok()).or_else(|| v.as_i64())
}

fn portcullis_counts(files: &[String], args: &[&str]) -> BTreeMap<Key, Row> {
    let out = Command::cargo_bin("portcullis")
        .unwrap()
        .arg("flows")
        .args(files)
        .args(args)
        .args(["--no-config", "-f", "json", "--top", "0"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], Value::Array(vec![]), "no input errors");
    let mut m = BTreeMap::new();
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
            Row {
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

fn duckdb_counts(py: &str, files: &[String], args: &[&str]) -> BTreeMap<Key, Row> {
    let sql = Command::cargo_bin("portcullis")
        .unwrap()
        .arg("flows")
        .args(files)
        .args(args)
        .args(["--no-config", "--emit-sql", "duckdb"])
        .output()
        .unwrap();
    assert!(sql.status.success());
    let mut child = std::process::Command::new(py)
        .args(["-c", RUNNER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&sql.stdout).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "duckdb: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&sql.stdout)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut m: BTreeMap<Key, Row> = BTreeMap::new();
    for r in rows {
        let key = (
            r["destination"].as_str().unwrap().to_string(),
            r["port"].as_u64().unwrap(),
            r["protocol"].as_u64().unwrap(),
            r["action"].as_str().unwrap().to_string(),
        );
        let e = m.entry(key).or_default();
        let flows = r["flows"].as_u64().unwrap();
        e.flows += flows;
        if r["authorized"].as_bool().unwrap() {
            e.authorized += flows;
        } else {
            e.unauthorized += flows;
        }
        e.packets += r["packets"].as_u64().unwrap();
        e.bytes += r["bytes"].as_u64().unwrap();
        // Authorized and other sources are disjoint: their distinct counts add up.
        e.sources += r["sources"].as_u64().unwrap();
        let (f, l) = (r["first_seen"].as_i64(), r["last_seen"].as_i64());
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

fn generate(dir: &Path, shared: &Path, name: &str, extra: &[&str]) -> String {
    let out = dir.join(name);
    let st = std::process::Command::new("python3")
        .arg(shared.join("gen_vpc_flow.py"))
        .arg("--out")
        .arg(&out)
        .args(["--records", "60000", "--seed", "11", "--target-share", "0.05"])
        .args(extra)
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    out.to_string_lossy().into_owned()
}

#[test]
fn emitted_duckdb_query_agrees_with_portcullis() {
    let Some(py) = python() else { return };
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
    let dir = tempfile::tempdir().unwrap();
    if let Some(sh) = shared() {
        for f in [
            "aws/beats-filebeat-module-aws-vpcflow/accept-reject-traffic.log",
            "aws/beats-filebeat-module-aws-vpcflow/ipv6.log",
            "aws/beats-filebeat-module-aws-vpcflow/no-data-skip-data.log",
            "aws/integrations-aws-vpcflow/test-extra-samples.log",
            "aws/otel-awslogsencoding-vpcflow/valid_vpc_flow_log_multi.log",
        ] {
            files.push(sh.join(f).to_string_lossy().into_owned());
        }
        files.push(generate(dir.path(), &sh, "synthetic.log", &["--repeat-header-every", "1000"]));
        files.push(generate(dir.path(), &sh, "synthetic.log.gz", &[]));
    }
    for args in [
        vec!["--authorized", "10.0.0.0/16", "--port", "22/tcp", "--port", "3389"],
        vec![
            "--authorized",
            "10.0.0.0/16",
            "--authorized",
            "198.51.100.0/25",
            "--since",
            "1700000300",
            "--until",
            "1700000900",
        ],
        vec![],
    ] {
        let ours = portcullis_counts(&files, &args);
        let theirs = duckdb_counts(&py, &files, &args);
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs, "args {args:?}");
    }
}
