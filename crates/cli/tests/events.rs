//! `portcullis events` end to end: fixtures walked as CloudTrail delivers
//! them, every output format, exit codes, bad input, and `--state`.

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/fixtures")
}

fn events(args: &[&str]) -> (Value, i32) {
    let out = Command::cargo_bin("portcullis")
        .unwrap()
        .arg("events")
        .args(args)
        .args(["--no-config", "-f", "json"])
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (v, out.status.code().unwrap())
}

/// A CloudTrail file placed under the S3 key layout, gzip.
fn delivered(root: &Path, fixture: &str) -> PathBuf {
    let day = root.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/30");
    std::fs::create_dir_all(&day).unwrap();
    let path = day.join(format!("111122223333_CloudTrail_us-east-1_20261130T1035Z_{}.json.gz", fixture.len()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(fixtures().join(fixture)).unwrap()).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    path
}

#[test]
fn every_fixture_walked_judged_and_reported() {
    let root = fixtures();
    let (v, code) = events(&[root.to_str().unwrap()]);
    assert_eq!(code, 1, "critical findings fail the run");
    assert_eq!(v["errors"], Value::Array(vec![]));
    let findings = v["findings"].as_array().unwrap();
    let count = |rule: &str| findings.iter().filter(|f| f["rule"] == rule).count();
    // 11 rule openings and the listener created (undetermined without --state).
    assert_eq!(count("PC500"), 12, "{findings:#?}");
    assert_eq!(count("PC501"), 7);
    let first = findings.iter().find(|f| f["rule"] == "PC500" && f["resource"] == "sg-0c0ffee0000000001").unwrap();
    assert_eq!(first["severity"], "critical");
    assert_eq!(first["kind"], "change");
    assert_eq!(first["exposure"], "unrestricted");
    assert_eq!(first["sources"], serde_json::json!(["0.0.0.0/0"]));
    assert!(first["message"].as_str().unwrap().starts_with(
        "arn:aws:sts::111122223333:assumed-role/platform-admin/alice from 198.51.100.24 (aws-cli/2.17.0 md/command#ec2.authorize-security-group-ingress) opened tcp/10257 on security group sg-0c0ffee0000000001 to 0.0.0.0/0 with AuthorizeSecurityGroupIngress"
    ), "{}", first["message"]);
    assert!(first["file"].as_str().unwrap().ends_with("security-group-records.json"));
    let stats = &v["event_stats"];
    assert_eq!(stats["files"], 9);
    assert_eq!(stats["failed"], 4);
    assert_eq!(v["changes"].as_array().unwrap().len(), 19);
}

#[test]
fn text_and_sarif() {
    let path = fixtures().join("aws/security-group-records.json");
    let out = Command::cargo_bin("portcullis")
        .unwrap()
        .args(["events", "--no-config", "--color", "never"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("Timeline of changes to the watched ports:"), "{text}");
    assert!(text.contains("2026-11-30T10:30:00Z  closed    tcp/10257 security group sg-0c0ffee0000000001 by arn:aws:iam::111122223333:user/bob (RevokeSecurityGroupIngress)"), "{text}");
    assert!(
        text.contains(
            "1 file(s) of change events, 5 event(s) read, 4 firewall change call(s) judged, 1 failed call(s)"
        ),
        "{text}"
    );
    let out = Command::cargo_bin("portcullis")
        .unwrap()
        .args(["events", "--no-config", "-f", "sarif"])
        .arg(&path)
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.iter().filter(|r| r["ruleId"] == "PC500").count(), 2);
    assert_eq!(results.iter().filter(|r| r["ruleId"] == "PC501").count(), 2);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules
        .iter()
        .any(|r| r["id"] == "PC500" && r["properties"]["tags"].as_array().unwrap().contains(&Value::from("change"))));
}

#[test]
fn s3_layout_gzip_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    delivered(dir.path(), "aws/security-group-records.json");
    // A file that is not events, found by walking: skipped, not an error.
    std::fs::write(dir.path().join("AWSLogs/README.txt"), "not events").unwrap();
    let (v, code) = events(&[dir.path().to_str().unwrap(), "--fail-on", "none"]);
    assert_eq!(code, 0);
    assert_eq!(v["event_stats"]["files"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 4);
    assert_eq!(v["errors"], Value::Array(vec![]));
}

#[test]
fn a_named_file_that_holds_no_events_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("plan.json");
    std::fs::write(&other, "{\"format_version\": \"1.2\"}").unwrap();
    let (v, code) = events(&[other.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(v["errors"][0]["message"].as_str().unwrap().starts_with("not change events portcullis reads"), "{v}");
    let (v, code) = events(&[dir.path().join("missing.json").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
}

/// A `describe-security-groups` dump of the group the events changed.
fn state(dir: &Path, cidr: Option<&str>) -> PathBuf {
    let ranges = cidr.map(|c| format!("[{{\"CidrIp\": \"{c}\"}}]")).unwrap_or_else(|| "[]".into());
    let dump = format!(
        r#"{{"SecurityGroups": [{{"GroupId": "sg-0c0ffee0000000001", "GroupName": "control-plane", "Description": "cp", "VpcId": "vpc-1",
  "IpPermissions": [{{"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": {ranges}, "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}}],
  "IpPermissionsEgress": []}}]}}"#
    );
    let path = dir.join(format!("state-{}.json", cidr.map_or(0, str::len)));
    std::fs::write(&path, dump).unwrap();
    path
}

#[test]
fn state_says_whether_an_opening_is_still_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let events_file = fixtures().join("aws/lake-query-results.json");
    let lake = events_file.to_str().unwrap();
    let in_effect = |v: &Value| v["changes"][0]["in_effect"].clone();
    // The Lake row opened sg-0e00…: that group is not in the state.
    let still = state(dir.path(), Some("0.0.0.0/0"));
    let (v, _) = events(&[lake, "--state", still.to_str().unwrap()]);
    assert_eq!(in_effect(&v)["status"], "unknown");

    let records = fixtures().join("aws/security-group-records.json");
    let (v, _) = events(&[records.to_str().unwrap(), "--state", still.to_str().unwrap()]);
    let opened = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["verdict"] == "opened" && c["added"][0] == "0.0.0.0/0")
        .unwrap();
    assert_eq!(opened["in_effect"]["status"], "yes");
    assert_eq!(opened["in_effect"]["targets"], serde_json::json!(["sg-0c0ffee0000000001"]));
    assert_eq!(opened["in_effect"]["sources"], serde_json::json!(["0.0.0.0/0"]));
    let message = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PC500" && f["sources"][0] == "0.0.0.0/0")
        .unwrap()["message"]
        .clone();
    assert!(message.as_str().unwrap().contains("still in effect on sg-0c0ffee0000000001: 0.0.0.0/0"), "{message}");

    let closed = state(dir.path(), Some("10.0.0.0/8"));
    let (v, _) = events(&[records.to_str().unwrap(), "--state", closed.to_str().unwrap()]);
    let opened = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["verdict"] == "opened" && c["added"][0] == "0.0.0.0/0")
        .unwrap();
    assert_eq!(opened["in_effect"]["status"], "no");

    // The output may not replace the state read.
    let out = Command::cargo_bin("portcullis")
        .unwrap()
        .args(["events", "--no-config"])
        .arg(&records)
        .arg("--state")
        .arg(&closed)
        .arg("-o")
        .arg(&closed)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("also an input"));
}

/// The AWS CLI dumps of an internet-facing NLB (no security groups, IPv4)
/// whose TCP 10257 listener forwards to a target group on 10257.
fn nlb_state() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/semantics/reach-dump-nlb-to-private-instance")
}

fn listener_changes(v: &Value) -> Vec<Value> {
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource_kind"] == "load balancer listener")
        .cloned()
        .collect()
}

#[test]
fn a_listener_call_without_a_snapshot_is_undetermined_and_says_what_decides_it() {
    let records = fixtures().join("aws/listener-records.json");
    let (v, code) = events(&[records.to_str().unwrap()]);
    assert_eq!(code, 1, "an undetermined opening fails at the default --fail-on: {v}");
    let changes = listener_changes(&v);
    // The deletion closes nothing known: what the listener forwarded to
    // is not in the calls.
    assert_eq!(changes.len(), 1, "{changes:?}");
    let opened = &changes[0];
    assert_eq!(opened["event"], "CreateListener");
    assert_eq!(opened["verdict"], "opened");
    assert_eq!(opened["exposure"], "undetermined");
    assert_eq!(opened["before_known"], true, "a created listener did not exist before");
    assert_eq!(opened["principal"], "arn:aws:sts::123456789012:assumed-role/platform-deployer/deployer");
    assert_eq!(
        opened["resource"],
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/kcm/7e4b2fa4c9f1d2a3/f2f7dc8efc522ab2"
    );
    assert_eq!(opened["rule"], "listener TCP:10257 forwarding to kcm-targets");
    let unknown = opened["unknown"].to_string();
    assert!(unknown.contains("the target port") && unknown.contains("who the load balancer admits"), "{unknown}");
    // The failed call changed nothing: counted, not judged.
    assert_eq!(v["event_stats"]["failed"], 1, "{}", v["event_stats"]);
}

#[test]
fn a_snapshot_decides_what_a_listener_opened_and_whether_it_still_is() {
    let records = fixtures().join("aws/listener-records.json");
    let state = nlb_state();
    let (v, code) = events(&[records.to_str().unwrap(), "--state", state.to_str().unwrap()]);
    assert_eq!(code, 1);
    let changes = listener_changes(&v);
    let opened = &changes[0];
    assert_eq!(opened["verdict"], "opened");
    assert_eq!(opened["port"], 10257);
    // No security groups on the NLB, IPv4 only: the whole IPv4 internet.
    assert_eq!(opened["added"], serde_json::json!(["0.0.0.0/0"]));
    assert_eq!(opened["exposure"], "unrestricted");
    assert!(opened.get("unknown").is_none(), "{opened}");
    // The snapshot still has the listener forwarding to the group.
    assert_eq!(opened["in_effect"]["status"], "yes");
    assert_eq!(opened["in_effect"]["targets"], serde_json::json!(["kcm-targets"]));
    assert_eq!(changes[1]["verdict"], "closed");
    assert_eq!(changes[1]["removed"], serde_json::json!(["0.0.0.0/0"]));
    let finding = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "PC500").unwrap();
    assert_eq!(finding["severity"], "critical", "{finding}");
}

#[test]
fn a_listener_whose_target_group_sends_to_another_port_opens_nothing_watched() {
    let records = fixtures().join("aws/listener-records.json");
    // The same snapshot with the target group, and its registered target,
    // on 8443.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(nlb_state()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = if name.starts_with("target-") { text.replace("\"Port\": 10257", "\"Port\": 8443") } else { text };
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let (v, code) = events(&[records.to_str().unwrap(), "--state", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert!(listener_changes(&v).is_empty(), "{:?}", listener_changes(&v));
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["rule"] != "PC500"));
}
