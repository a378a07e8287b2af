//! `portcullis flows` end to end on the project's own fixtures
//! (crates/flows/fixtures): the JSON envelope with observations, SARIF,
//! exit codes, malformed lines reported with file:line, time windows,
//! `--top`, the config file, and `--emit-sql`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../flows/fixtures")
}

fn s3_file() -> PathBuf {
    fixtures().join(
        "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/05/06/123456789012_vpcflowlogs_eu-west-1_fl-0a1b2c3d_20240506T1200Z_abcd1234.log",
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("portcullis").unwrap().arg("flows").args(args).arg("--no-config").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = run(&a);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")))
}

#[test]
fn accepted_unauthorized_flows_are_critical_findings() {
    let f = s3_file();
    let (code, v) = json(&[f.to_str().unwrap(), "--authorized", "10.0.0.0/16"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["version"], 1);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{v:#}");
    let fi = &findings[0];
    assert_eq!(fi["rule"], "PC400");
    assert_eq!(fi["severity"], "critical");
    assert_eq!(fi["exposure"], "public");
    assert_eq!(fi["sources"][0], "1.128.0.7");
    assert_eq!(fi["port"], 10257);
    assert_eq!(fi["line"], 2);
    assert!(fi["resource"].as_str().unwrap().contains("10.0.1.5"));
    let obs = v["observations"].as_array().unwrap();
    let acc = obs.iter().find(|o| o["kind"] == "unauthorized-accept").unwrap();
    assert_eq!(acc["flows"], 2);
    assert_eq!(acc["packets"], 20);
    assert_eq!(acc["bytes"], 5500);
    assert_eq!(acc["first_seen"], "2024-05-06T12:00:00Z");
    assert_eq!(acc["last_seen"], "2024-05-06T12:02:40Z");
    assert_eq!(acc["account"], "123456789012");
    assert_eq!(acc["region"], "eu-west-1", "from the S3 key");
    let rejected = obs.iter().find(|o| o["kind"] == "destination" && o["action"] == "reject").unwrap();
    assert_eq!(rejected["flows"], 3);
    assert_eq!(rejected["unauthorized_flows"], 3);
    assert_eq!(rejected["distinct_sources"], 2);
    assert_eq!(rejected["top_sources"][0]["source"], "198.51.100.9");
    assert_eq!(rejected["top_sources"][0]["flows"], 2);
    let accepted = obs.iter().find(|o| o["kind"] == "destination" && o["action"] == "accept").unwrap();
    assert_eq!((accepted["flows"].as_u64(), accepted["authorized_flows"].as_u64()), (Some(3), Some(1)));
    let stats = &v["flow_stats"];
    assert_eq!(stats["records"], 9);
    assert_eq!(stats["matched"], 6, "not the reply from 10257, the UDP record or port 10250");
    assert_eq!((stats["nodata"].as_u64(), stats["skipdata"].as_u64()), (Some(1), Some(1)));
    assert_eq!(v["errors"], Value::Array(vec![]));
}

#[test]
fn without_an_authorized_list_private_sources_are_authorized() {
    let (code, v) = json(&[s3_file().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        1,
        "10.0.4.20 is private and authorized by default; 1.128.0.7 is public"
    );
    let (code, v) = json(&[s3_file().to_str().unwrap(), "--authorized", "0.0.0.0/0"]);
    assert_eq!((code, v["findings"].as_array().unwrap().len()), (0, 0));
}

#[test]
fn config_file_supplies_authorized_sources() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(s3_file(), dir.path().join("flows.log")).unwrap();
    std::fs::write(dir.path().join("portcullis.toml"), "authorized = [\"1.128.0.0/24\", \"10.0.0.0/8\"]\n").unwrap();
    let out = Command::cargo_bin("portcullis")
        .unwrap()
        .args(["flows", "-f", "json"])
        .arg(dir.path().join("flows.log"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn malformed_lines_are_reported_not_fatal() {
    let f = fixtures().join("aws-bad-lines.log");
    let (code, v) = json(&[f.to_str().unwrap(), "--authorized", "10.0.0.0/8"]);
    assert_eq!(code, 2, "input errors win over findings, as in scan");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "the good lines still count");
    assert_eq!(v["observations"][1]["flows"], 2);
    assert_eq!(v["flow_stats"]["malformed"], 6);
    let errors = v["errors"].as_array().unwrap();
    let lines: Vec<u64> = errors.iter().filter(|e| e["file"] != "").map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "the first five, with their lines");
    assert!(errors[0]["message"].as_str().unwrap().contains("13 fields"));
    assert!(errors[1]["message"].as_str().unwrap().contains("srcaddr `203.0.113.300`"));
    assert!(errors.iter().any(|e| e["message"].as_str().unwrap().contains("6 malformed record(s) in all")));
    // Text output names file:line.
    let (_, text, _) = run(&[f.to_str().unwrap(), "--authorized", "10.0.0.0/8"]);
    assert!(text.contains("aws-bad-lines.log:4: malformed record: srcaddr"), "{text}");
}

#[test]
fn time_window_and_top() {
    let f = s3_file();
    let f = f.to_str().unwrap();
    let (_, v) = json(&[f, "--authorized", "10.0.0.0/16", "--since", "2024-05-06T12:02:00Z"]);
    let acc = v["observations"].as_array().unwrap().iter().find(|o| o["kind"] == "unauthorized-accept").unwrap();
    assert_eq!(acc["flows"], 1, "only the record that ends after the window opens");
    assert_eq!(v["flow_stats"]["outside_window"], 3);
    let (code, v) = json(&[f, "--authorized", "10.0.0.0/16", "--until", "1714996700"]);
    assert_eq!(code, 0);
    assert_eq!(v["flow_stats"]["matched"], 0);
    let (_, v) = json(&[f, "--top", "1"]);
    for o in v["observations"].as_array().unwrap().iter().filter(|o| o["kind"] == "destination") {
        assert!(o["top_sources"].as_array().unwrap().len() <= 1);
    }
    let (code, _, err) = run(&[f, "--since", "last tuesday"]);
    assert_eq!(code, 2);
    assert!(err.contains("--since"), "{err}");
}

/// A day the calendar does not have is refused, with the reason, never
/// read as a day of the next month (2024-02-31 was once March 2).
#[test]
fn days_the_calendar_does_not_have_are_refused() {
    let f = s3_file();
    let f = f.to_str().unwrap();
    for (flag, day, why) in [
        ("--since", "2024-02-31", "February 2024 has 29 days, not 31"),
        ("--until", "2023-02-29T10:00:00Z", "February 2023 has 28 days, not 29"),
        ("--since", "2024-04-31", "April 2024 has 30 days, not 31"),
        ("--until", "2024-13-01", "there is no month 13"),
    ] {
        let (code, out, err) = run(&[f, flag, day]);
        assert_eq!(code, 2, "{flag} {day}: {err}");
        assert!(out.is_empty(), "{flag} {day}: no report: {out}");
        assert!(err.contains(&format!("{flag} `{day}` is not a day of the calendar: {why}")), "{flag} {day}: {err}");
    }
    // The last days of the months are days.
    for day in ["2024-02-29", "2024-04-30", "2023-12-31T23:59:59Z"] {
        let (code, _, err) = run(&[f, "--since", day, "--fail-on", "none"]);
        assert_eq!(code, 0, "{day}: {err}");
    }
}

#[test]
fn azure_v1_gcp_firewall_and_cloudwatch() {
    let d = fixtures();
    let (code, v) = json(&[
        d.join("azure-nsg-v1.json").to_str().unwrap(),
        d.join("gcp-firewall.ndjson").to_str().unwrap(),
        d.join("cloudwatch-subscription.json").to_str().unwrap(),
        "--authorized",
        "10.0.0.0/8",
    ]);
    assert_eq!(code, 2, "the fixtures hold malformed entries");
    let srcs: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["sources"][0].as_str().unwrap()).collect();
    assert_eq!(srcs.len(), 3, "{v:#}");
    for s in ["192.0.2.44", "192.0.2.99", "192.0.2.200"] {
        assert!(srcs.contains(&s), "{s} in {srcs:?}");
    }
    let obs = v["observations"].as_array().unwrap();
    let gcp = obs.iter().find(|o| o["source"] == "192.0.2.99").unwrap();
    assert_eq!(gcp["rules"][0], "network:default/firewall:allow-kcm-any");
    assert_eq!(gcp["target"], "cp-node-1");
    let azure = obs.iter().find(|o| o["source"] == "192.0.2.44").unwrap();
    assert_eq!(azure["rules"][0], "UserRule_AllowKcmFromAnywhere");
    assert_eq!(azure["flows"], 2);
    assert_eq!(azure["target"], "CP-NSG");
    let denied =
        obs.iter().find(|o| o["kind"] == "destination" && o["destination"] == "10.1.0.4" && o["action"] == "reject");
    assert_eq!(denied.unwrap()["flows"], 1, "the UDP tuple is not tcp/10257");
    let cw = obs.iter().find(|o| o["source"] == "192.0.2.200").unwrap();
    assert_eq!(cw["target"], "eni-0fff5555aaaa6666b");
    let errs: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e["file"].as_str().unwrap().rsplit('/').next().unwrap(), e["line"]))
        .collect();
    assert_eq!(errs, vec!["azure-nsg-v1.json:12", "gcp-firewall.ndjson:3"]);
    assert_eq!(v["flow_stats"]["nodata"], 1);
}

#[test]
fn sarif_and_text() {
    let f = s3_file();
    let (code, out, _) = run(&[f.to_str().unwrap(), "--authorized", "10.0.0.0/16", "-f", "sarif"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "PC400");
    assert_eq!(results[0]["level"], "error");
    let (code, out, _) = run(&[f.to_str().unwrap(), "--authorized", "10.0.0.0/16", "--fail-on", "none"]);
    assert_eq!(code, 0);
    assert!(out.contains("CRITICAL: 1 unauthorized source(s) got through"), "{out}");
    assert!(out.contains("Rejected attempts per destination"), "{out}");
    assert!(out.contains("198.51.100.9! ×2"), "{out}");
}

#[test]
fn unrecognized_named_file_is_an_error_walked_one_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let prose = dir.path().join("notes.txt");
    std::fs::write(&prose, "Phony unsupported log format.\n").unwrap();
    let (code, v) = json(&[prose.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("not a flow log"));
    let (code, v) = json(&[dir.path().to_str().unwrap()]);
    assert_eq!((code, v["flow_stats"]["files"].as_u64()), (0, Some(0)));
}

#[test]
fn emit_sql_inlines_sources_and_ports() {
    let f = s3_file();
    for (dialect, needles) in [
        (
            "athena",
            vec!["FROM vpc_flow_logs", "contains('10.0.0.0/16', TRY_CAST(srcaddr AS IPADDRESS))", "dstport = 10257"],
        ),
        (
            "bigquery",
            vec![
                "compute_googleapis_com_firewall",
                "NET.IP_TRUNC(ip, 16)",
                "port = 10257",
                "(protocol = 17 AND port = 53)",
            ],
        ),
        ("duckdb", vec!["read_csv(", "src_v4 BETWEEN 167772160 AND 167837695", "proto = 6 AND port = 10257"]),
    ] {
        let (code, out, err) =
            run(&[f.to_str().unwrap(), "--authorized", "10.0.0.0/16", "--port", "53/udp", "--emit-sql", dialect]);
        assert_eq!(code, 0, "{err}");
        for n in needles {
            assert!(out.contains(n), "{dialect}: {n} in\n{out}");
        }
    }
}
