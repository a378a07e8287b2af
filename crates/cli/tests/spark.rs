//! The queries `flows --emit-sql spark` and `events --emit-sql spark`
//! print, run by Spark in local mode on the same data as the native runs:
//! the counts (flows) and the rows (events) are equal.
//!
//! One SparkSession runs every query: a JVM start costs seconds, so this
//! test process starts Python once with all the queries. PySpark and a Java
//! runtime come from `.ci/run` (`PORTCULLIS_SPARK_PYTHON`); without them the
//! test prints a notice and passes, unless `PORTCULLIS_REQUIRE_SPARK` is set.

mod engines;
use engines::*;
use serde_json::Value;
use std::time::Instant;

/// Runs a JSON list of scripts (statements separated by `;` at line ends;
/// the last one's rows are the result) in one local session, and prints
/// the results with the session's start-up time and each query's time.
const RUNNER: &str = r#"
import json, sys, time
started = time.time()
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").appName("portcullis-tests")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.host", "127.0.0.1")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
ready = time.time()
results, times = [], []
for script in json.load(sys.stdin):
    t = time.time()
    statements = [s for s in script.split(";\n") if any(l.strip() and not l.strip().startswith("--") for l in s.splitlines())]
    frame = None
    for s in statements:
        frame = spark.sql(s.strip().rstrip(";"))
    results.append([r.asDict() for r in frame.collect()])
    times.append(time.time() - t)
spark.stop()
print(json.dumps({"startup": ready - started, "times": times, "results": results}, default=str))
"#;

#[test]
fn spark_runs_every_query_in_one_session() {
    let Some(py) = python("pyspark", "PORTCULLIS_SPARK_PYTHON", "PORTCULLIS_REQUIRE_SPARK") else { return };
    let dir = tempfile::tempdir().unwrap();

    // Events: generated CloudTrail logs and Azure Activity Log exports
    // under one directory, two authorized lists.
    let generated = dir.path().join("events");
    std::fs::create_dir_all(&generated).unwrap();
    cloudtrail(&generated, 3000, 7);
    azure_activity(&generated, 2000, 7);
    let generated = generated.to_string_lossy().into_owned();
    let event_args: [&[&str]; 2] = [&[], &["--authorized", "10.0.0.0/16", "--port", "10250"]];
    // Flows: the same logs as the DuckDB test.
    let files = flow_logs(dir.path());

    let mut scripts: Vec<String> = Vec::new();
    let mut expected_events = Vec::new();
    for args in event_args {
        let mut all = vec![generated.as_str()];
        all.extend_from_slice(args);
        expected_events.push(native_rows(&all));
        let mut emit = vec!["events", "--no-config", "--emit-sql", "spark"];
        emit.extend_from_slice(&all);
        scripts.push(String::from_utf8(portcullis(&emit)).unwrap());
    }
    let mut expected_flows = Vec::new();
    for args in FLOW_ARGS {
        expected_flows.push(flow_counts_native(&files, args));
        let mut emit = vec!["flows"];
        emit.extend(files.iter().map(String::as_str));
        emit.extend_from_slice(args);
        emit.extend(["--no-config", "--emit-sql", "spark"]);
        scripts.push(String::from_utf8(portcullis(&emit)).unwrap());
    }

    let wall = Instant::now();
    let out = run_json(&py, RUNNER, serde_json::to_string(&scripts).unwrap().as_bytes());
    eprintln!(
        "spark: {:.1} s in all, session start {:.1} s, queries {:?} s",
        wall.elapsed().as_secs_f64(),
        out["startup"].as_f64().unwrap(),
        out["times"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t.as_f64().unwrap() * 10.0).round() / 10.0)
            .collect::<Vec<_>>()
    );
    let results: &Vec<Value> = out["results"].as_array().unwrap();
    assert_eq!(results.len(), scripts.len());
    for (i, ours) in expected_events.iter().enumerate() {
        let theirs = sql_rows(&results[i]);
        assert!(ours.len() > 100, "{} rows: the data exercises the query", ours.len());
        assert_eq!(ours, &theirs, "events, args {:?}", event_args[i]);
    }
    for (i, ours) in expected_flows.iter().enumerate() {
        let theirs = flow_counts_sql(&results[event_args.len() + i]);
        assert!(!ours.is_empty());
        assert_eq!(ours, &theirs, "flows, args {:?}", FLOW_ARGS[i]);
    }
}
