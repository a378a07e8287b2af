//! Bad input gets an error with file, line and column; the rest is read.

mod common;
use common::*;
use portcullis_events::{read_input, Input};
use std::io::Write;

fn read(dir: &std::path::Path, name: &str, bytes: &[u8]) -> portcullis_events::FileOutcome {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    read_input(&Input { path, display: name.to_string(), named: true })
}

#[test]
fn truncated_json_is_an_error_at_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("aws/security-group-records.json")).unwrap();
    let cut = &text[..text.len() / 2];
    let out = read(dir.path(), "cut.json", cut.as_bytes());
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    let e = &out.errors[0];
    assert_eq!(e.line as usize, cut.lines().count(), "{e}");
    assert!(e.column > 0);
}

#[test]
fn an_unreadable_event_is_an_error_and_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"Records": [
  {"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress", "eventTime": "2026-11-30T09:00:00Z",
   "requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcpp", "fromPort": 10257, "toPort": 10257, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}},
  {"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress", "eventTime": "2026-11-30T09:01:00Z",
   "requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 10257, "toPort": 10257, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/33"}, {"cidrIp": "0.0.0.0/0"}]}}]}}}
]}"#;
    let out = read(dir.path(), "bad.json", text.as_bytes());
    let mut messages: Vec<String> =
        out.errors.iter().map(|e| format!("{}:{}:{}: {e}", e.file, e.line, e.column)).collect();
    messages.sort();
    assert_eq!(
        messages,
        [
            "bad.json:3:25: AuthorizeSecurityGroupIngress changes no rule portcullis can read",
            "bad.json:3:73: ipProtocol `tcpp` is not a protocol",
            "bad.json:5:154: `0.0.0.0/33` is not a CIDR block: an IPv4 prefix length is at most 32",
        ]
    );
    assert_eq!(out.events.len(), 1, "the second event is read, with its good block");
    let j = portcullis_events::judge(out.events, &default_watch(), &mut Default::default());
    assert!(j.iter().any(|c| c.added == ["0.0.0.0/0"]));
}

#[test]
fn ndjson_with_a_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture("gcp/cloudaudit-activity.json")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(2, "{\"protoPayload\": ");
    let out = read(dir.path(), "audit.json", lines.join("\n").as_bytes());
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].line, 3);
    assert_eq!(out.events.len(), 10);
}

#[test]
fn gzip_reads_like_the_plain_file_and_a_bomb_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(fixture("aws/security-group-records.json")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text).unwrap();
    let out = read(dir.path(), "x.json.gz", &gz.finish().unwrap());
    let plain = read(dir.path(), "x.json", &text);
    assert_eq!(out.events.len(), plain.events.len());
    assert!(out.errors.is_empty());
    // Corrupt gzip: an error naming gzip, no panic.
    let out = read(dir.path(), "broken.json.gz", &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    assert!(out.errors.iter().any(|e| e.to_string().starts_with("gzip:")), "{:?}", out.errors);
}

#[test]
fn mangled_inputs_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for name in ["aws/security-group-records.json", "azure/activity-log-cli.json", "gcp/cloudaudit-activity.json"] {
        let text = std::fs::read(fixture(name)).unwrap();
        for round in 0..200 {
            let mut bytes = text.clone();
            for _ in 0..(1 + round % 8) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % bytes.len();
                bytes[at] = b"{}[]\":,0a-/ \n"[(seed >> 32) as usize % 13];
            }
            let out = read(dir.path(), "m.json", &bytes);
            let _ = portcullis_events::judge(out.events, &default_watch(), &mut Default::default());
        }
    }
}
