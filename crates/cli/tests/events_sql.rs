//! The queries `events --emit-sql` prints: DuckDB's run over the same
//! CloudTrail files and Azure Activity Log exports (fixtures and generated
//! ones) gives the rows `portcullis events` lists; Athena's and BigQuery's, which no engine here
//! can run, parse with sqlglot in their dialects (as do `flows`').

mod engines;
use engines::*;
use std::path::Path;

const DUCKDB: &str = r#"
import json, sys, duckdb
con = duckdb.connect()
con.execute('SET enable_progress_bar = false')
cur = con.execute(sys.stdin.read())
cols = [d[0] for d in cur.description]
print(json.dumps([dict(zip(cols, r)) for r in cur.fetchall()], default=str))
"#;

/// Parses each query (a JSON list of [dialect, text]) and prints, per
/// query, how many statements and which top-level expression kinds.
const SQLGLOT: &str = r#"
import json, sys, sqlglot
out = []
for dialect, text in json.load(sys.stdin):
    trees = [t for t in sqlglot.parse(text, read=dialect, error_level=sqlglot.ErrorLevel.RAISE) if t is not None]
    out.append({"statements": len(trees), "kinds": [type(t).__name__ for t in trees],
                "tables": sorted({t.name for tree in trees for t in tree.find_all(sqlglot.exp.Table)})})
print(json.dumps(out))
"#;

fn fixtures() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/fixtures").to_string_lossy().into_owned()
}

#[test]
fn duckdb_lists_what_portcullis_lists() {
    let Some(py) = python("duckdb", "PORTCULLIS_DUCKDB_PYTHON", "PORTCULLIS_REQUIRE_DUCKDB") else { return };
    let dir = tempfile::tempdir().unwrap();
    let generated = cloudtrail(dir.path(), 3000, 7);
    let generated = generated.to_string_lossy().into_owned();
    let azure = azure_activity(dir.path(), 3000, 7).to_string_lossy().into_owned();
    // The delivered CloudTrail fixtures and the Activity Log exported to a
    // storage account (lookup-events and Lake output, the Activity Log as
    // the REST API returns it and GCP's audit log are not files DuckDB's
    // query reads).
    let delivered = |name: &str| format!("{}/aws/{name}", fixtures());
    let exported = format!("{}/azure/activity-log-storage.json", fixtures());
    for (paths, args) in [
        (vec![generated.clone()], vec![]),
        (vec![azure.clone()], vec![]),
        (vec![azure.clone(), exported.clone()], vec!["--authorized", "10.0.0.0/16", "--port", "10250"]),
        (vec![generated.clone(), azure.clone()], vec!["--port", "2379-2380", "--authorized", "198.51.100.0/25"]),
        (
            vec![generated.clone(), delivered("security-group-records.json"), delivered("network-acl-records.json")],
            vec!["--authorized", "10.0.0.0/16", "--authorized", "198.51.100.0/25"],
        ),
        (vec![generated.clone()], vec!["--port", "10250", "--port", "22/tcp", "--authorized", "0.0.0.0/1"]),
    ] {
        let mut all: Vec<&str> = paths.iter().map(String::as_str).collect();
        all.extend_from_slice(&args);
        let ours = native_rows(&all);
        let mut emit = vec!["events", "--no-config", "--emit-sql", "duckdb"];
        emit.extend_from_slice(&all);
        let sql = portcullis(&emit);
        let theirs = sql_rows(&run_json(&py, DUCKDB, &sql));
        assert!(ours.len() > 100, "{} rows: the data exercises the query", ours.len());
        assert_eq!(ours.len(), theirs.len(), "args {args:?}");
        assert_eq!(ours, theirs, "args {args:?}");
    }
}

#[test]
fn athena_and_bigquery_queries_parse_in_their_dialects() {
    let Some(py) = python("sqlglot", "PORTCULLIS_SQLGLOT_PYTHON", "PORTCULLIS_REQUIRE_SQLGLOT") else { return };
    let flows = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flows/fixtures").to_string_lossy().into_owned();
    let mut queries: Vec<(String, String)> = Vec::new();
    for (dialect, sqlglot) in [("athena", "athena"), ("bigquery", "bigquery"), ("spark", "spark"), ("duckdb", "duckdb")]
    {
        for args in [vec!["events", fixtures().as_str()], vec!["flows", flows.as_str()]] {
            let mut all = args.clone();
            all.extend(["--no-config", "--emit-sql", dialect, "--port", "2379-2380", "--authorized", "10.0.0.0/8"]);
            queries.push((sqlglot.to_string(), String::from_utf8(portcullis(&all)).unwrap()));
        }
    }
    let parsed = run_json(&py, SQLGLOT, serde_json::to_string(&queries).unwrap().as_bytes());
    let parsed = parsed.as_array().unwrap();
    assert_eq!(parsed.len(), queries.len());
    for ((dialect, text), p) in queries.iter().zip(parsed) {
        // Spark's views come first; the query is the last statement.
        let kinds = p["kinds"].as_array().unwrap();
        assert_eq!(kinds.last().unwrap(), "Select", "{dialect}: {p}\n{text}");
        let tables: Vec<&str> = p["tables"].as_array().unwrap().iter().filter_map(|t| t.as_str()).collect();
        match dialect.as_str() {
            "athena" if text.contains("portcullis events") => {
                assert!(tables.contains(&"cloudtrail_logs"), "{tables:?}")
            }
            "athena" => assert!(tables.contains(&"vpc_flow_logs"), "{tables:?}"),
            "bigquery" if text.contains("portcullis events") => {
                assert!(tables.contains(&"cloudaudit_googleapis_com_activity"), "{tables:?}")
            }
            _ => {}
        }
    }
}
