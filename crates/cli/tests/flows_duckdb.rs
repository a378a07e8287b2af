//! The query `--emit-sql duckdb` prints, run by DuckDB (the Python
//! package) over sample and synthetic logs, gives the same counts per
//! destination, port, verdict and source class as `portcullis flows`.
//!
//! DuckDB comes from `PORTCULLIS_DUCKDB_PYTHON` (a Python with the `duckdb`
//! package; `.ci/run` makes one in `.ci/.venv`). Without it the test prints
//! a notice and passes, unless `PORTCULLIS_REQUIRE_DUCKDB` is set.

mod engines;
use engines::*;

const RUNNER: &str = r#"
import json, sys, duckdb
cur = duckdb.connect().execute(sys.stdin.read())
cols = [d[0] for d in cur.description]
print(json.dumps([dict(zip(cols, r)) for r in cur.fetchall()], default=str))
"#;

#[test]
fn emitted_duckdb_query_agrees_with_portcullis() {
    let Some(py) = python("duckdb", "PORTCULLIS_DUCKDB_PYTHON", "PORTCULLIS_REQUIRE_DUCKDB") else { return };
    let dir = tempfile::tempdir().unwrap();
    let files = flow_logs(dir.path());
    for args in FLOW_ARGS {
        let ours = flow_counts_native(&files, args);
        let mut emit = vec!["flows"];
        emit.extend(files.iter().map(String::as_str));
        emit.extend_from_slice(args);
        emit.extend(["--no-config", "--emit-sql", "duckdb"]);
        let theirs = flow_counts_sql(&run_json(&py, RUNNER, &portcullis(&emit)));
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs, "args {args:?}");
    }
}
