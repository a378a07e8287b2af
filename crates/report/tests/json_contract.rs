//! Specification of the version 1 JSON contract (docs/json.md):
//! the envelope, every contract field of a finding with its JSON type and
//! allowed values, and byte-for-byte determinism. Fields may be added to the
//! contract, so extra keys are allowed on findings and errors but never on
//! the envelope.

mod common;

use common::{errors, findings, render, render_shared};
use portcullis_report::json::Json;
use portcullis_rules::{Finding, FindingKind, Severity};
use serde_json::{Map, Value};

const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "info"];
const KINDS: &[&str] = &["exposure", "hardening", "probe"];
const EXPOSURES: &[&str] = &["unrestricted", "public", "unauthorized", "undetermined"];

fn parsed(text: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("JSON output does not parse: {e}\n{text}"),
    }
}

fn shared() -> Value {
    parsed(&render_shared(&Json))
}

fn obj<'a>(v: &'a Value, what: &str) -> &'a Map<String, Value> {
    v.as_object().unwrap_or_else(|| panic!("{what} is not an object: {v}"))
}

fn field<'a>(o: &'a Map<String, Value>, key: &str, what: &str) -> &'a Value {
    o.get(key).unwrap_or_else(|| panic!("{what} has no `{key}`: {}", Value::Object(o.clone())))
}

fn string<'a>(o: &'a Map<String, Value>, key: &str, what: &str) -> &'a str {
    let v = field(o, key, what);
    v.as_str().unwrap_or_else(|| panic!("{what}.{key} is not a string: {v}"))
}

fn number(o: &Map<String, Value>, key: &str, what: &str) -> u64 {
    let v = field(o, key, what);
    v.as_u64().unwrap_or_else(|| panic!("{what}.{key} is not a non-negative integer: {v}"))
}

fn one_of(o: &Map<String, Value>, key: &str, allowed: &[&str], what: &str) {
    let s = string(o, key, what);
    assert!(allowed.contains(&s), "{what}.{key} is {s:?}, not one of {allowed:?}");
}

#[test]
fn output_is_one_json_object_followed_by_a_newline() {
    let text = render_shared(&Json);
    assert!(text.ends_with("}\n"), "output should end with the object and one newline: {text:?}");
    parsed(&text);
}

#[test]
fn envelope_has_exactly_version_findings_errors() {
    let doc = shared();
    let top = obj(&doc, "the output");
    let mut keys: Vec<&str> = top.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["errors", "findings", "version"]);
    assert_eq!(top["version"], Value::from(1), "contract version");
    assert_eq!(top["findings"].as_array().map(Vec::len), Some(findings().len()));
    assert_eq!(top["errors"].as_array().map(Vec::len), Some(errors().len()));
}

#[test]
fn every_finding_has_every_contract_field_with_its_type() {
    let doc = shared();
    for (i, f) in doc["findings"].as_array().expect("findings is an array").iter().enumerate() {
        let what = format!("findings[{i}]");
        let o = obj(f, &what);
        string(o, "rule", &what);
        one_of(o, "severity", SEVERITIES, &what);
        one_of(o, "kind", KINDS, &what);
        one_of(o, "exposure", EXPOSURES, &what);
        let port = number(o, "port", &what);
        assert!((1..=65535).contains(&port), "{what}.port {port} is not a port");
        one_of(o, "protocol", &["tcp", "udp"], &what);
        assert!(!string(o, "resource", &what).is_empty(), "{what}.resource is empty");
        assert!(!string(o, "file", &what).is_empty(), "{what}.file is empty");
        assert!(number(o, "line", &what) >= 1, "{what}.line is not 1-based");
        assert!(number(o, "column", &what) >= 1, "{what}.column is not 1-based");
        let sources = field(o, "sources", &what).as_array().unwrap_or_else(|| panic!("{what}.sources is not an array"));
        for s in sources {
            assert!(s.is_string(), "{what}.sources has a non-string: {s}");
        }
        let because = field(o, "because", &what).as_array().unwrap_or_else(|| panic!("{what}.because is not an array"));
        assert!(!because.is_empty(), "{what}.because is empty: every finding says which line let it in");
        for (j, b) in because.iter().enumerate() {
            let what = format!("{what}.because[{j}]");
            let b = obj(b, &what);
            string(b, "file", &what);
            assert!(number(b, "line", &what) >= 1, "{what}.line is not 1-based");
            string(b, "rule", &what);
        }
        assert!(!string(o, "message", &what).is_empty(), "{what}.message is empty");
        // `flag` is for hardening findings only; these are all exposures.
        assert!(!o.contains_key("flag"), "{what} is an exposure finding but has `flag`");
    }
}

/// The path fields added to version 1 (`reach`, `reach_reason`, `via`):
/// their types, and the values they carry.
#[test]
fn reach_fields_have_their_types_and_values() {
    let doc = shared();
    let out = doc["findings"].as_array().expect("findings is an array");
    let mut seen = Vec::new();
    for (i, (o, f)) in out.iter().zip(findings()).enumerate() {
        let what = format!("findings[{i}]");
        let o = obj(o, &what);
        let Some(reach) = &f.reach else {
            assert!(!o.contains_key("reach") && !o.contains_key("via"), "{what} has path fields without a path");
            continue;
        };
        one_of(o, "reach", &["internet", "none", "unknown"], &what);
        seen.push(string(o, "reach", &what).to_string());
        assert_eq!(o.get("reach_reason").and_then(Value::as_str), reach.reason.as_deref(), "{what}.reach_reason");
        let via = field(o, "via", &what).as_array().unwrap_or_else(|| panic!("{what}.via is not an array"));
        assert_eq!(via.len(), reach.via.len(), "{what}.via");
        for (j, (v, want)) in via.iter().zip(&reach.via).enumerate() {
            let what = format!("{what}.via[{j}]");
            let v = obj(v, &what);
            let mut keys: Vec<&str> = v.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["detail", "file", "hop", "line", "resource"], "{what}");
            assert_eq!(string(v, "hop", &what), want.hop);
            assert_eq!(string(v, "resource", &what), want.resource);
            assert_eq!(string(v, "file", &what), want.file);
            assert_eq!(number(v, "line", &what), u64::from(want.line));
            assert_eq!(string(v, "detail", &what), want.detail);
        }
    }
    seen.sort();
    assert_eq!(seen, ["internet", "none", "unknown"], "the shared findings hold every reach value");
}

/// The values, not just the types: each contract field carries the
/// finding's own value, and findings keep their canonical order.
#[test]
fn findings_carry_their_values_in_canonical_order() {
    let doc = shared();
    let out = doc["findings"].as_array().expect("findings is an array");
    let want = findings();
    assert_eq!(out.len(), want.len());
    for (o, f) in out.iter().zip(&want) {
        assert_eq!(o["rule"], f.rule.as_str());
        assert_eq!(o["severity"], f.severity.as_str());
        assert_eq!(o["kind"], "exposure");
        assert_eq!(o["exposure"], f.exposure.map(|e| e.as_str()).unwrap_or_default());
        assert_eq!(o["port"], Value::from(f.port));
        assert_eq!(o["protocol"], Value::from(f.protocol.clone()));
        assert_eq!(o["resource"], f.resource.as_str());
        assert_eq!(o["file"], f.file.as_str(), "paths are printed as given, spaces and accents included");
        assert_eq!(o["line"], f.line);
        assert_eq!(o["column"], f.column);
        assert_eq!(o["sources"], Value::from(f.sources.to_vec()));
        assert_eq!(o["message"], f.message.as_str());
        let because = o["because"].as_array().expect("because is an array");
        assert_eq!(because.len(), f.because.len());
        for (ob, b) in because.iter().zip(f.because.iter()) {
            assert_eq!(
                (&ob["file"], &ob["line"], &ob["rule"]),
                (&Value::from(b.file.as_str()), &Value::from(b.line), &Value::from(b.rule.as_str()))
            );
        }
    }
    let order: Vec<(&str, &str)> =
        out.iter().map(|o| (o["rule"].as_str().unwrap_or(""), o["exposure"].as_str().unwrap_or(""))).collect();
    assert_eq!(
        order,
        [("PC100", "unrestricted"), ("PC101", "public"), ("PC102", "unauthorized"), ("PC100", "undetermined")],
        "sorted by file, line, column, rule"
    );
}

#[test]
fn errors_have_file_line_message() {
    let doc = shared();
    let out = doc["errors"].as_array().expect("errors is an array");
    for (o, e) in out.iter().zip(errors()) {
        let o = obj(o, "an error");
        assert_eq!(string(o, "file", "an error"), e.file);
        assert_eq!(number(o, "line", "an error"), u64::from(e.line));
        assert_eq!(string(o, "message", "an error"), e.message);
    }
}

#[test]
fn empty_report_is_still_the_full_envelope() {
    let doc = parsed(&render(&Json, &[], &[], 0));
    assert_eq!(doc, serde_json::json!({ "version": 1, "findings": [], "errors": [] }));
}

#[test]
fn hardening_finding_carries_its_flag() {
    // No hardening rule exists yet; this pins the contract for when one does.
    let f = Finding {
        kind: FindingKind::Hardening,
        severity: Severity::Medium,
        exposure: None,
        flag: Some("bind-address".into()),
        message: "kube-controller-manager listens on every address (--bind-address=0.0.0.0)".into(),
        ..common::unrestricted_pc100()
    };
    let doc = parsed(&render(&Json, &[f], &[], 1));
    let o = &doc["findings"][0];
    assert_eq!(o["kind"], "hardening");
    assert_eq!(o["flag"], "bind-address");
    assert!(o.get("exposure").is_none(), "a hardening finding has no exposure class: {o}");
}

#[test]
fn same_input_prints_the_same_bytes() {
    let first = render_shared(&Json);
    let second = render_shared(&Json);
    assert_eq!(first, second);
}

/// The exact bytes for one finding and one error: field order and layout
/// are part of "the same input prints the same bytes" across versions too.
#[test]
fn exact_bytes_for_one_finding_and_one_error() {
    let text = render(&Json, &[common::public_pc101()], &errors()[..1], 1);
    let want = r#"{
  "version": 1,
  "findings": [
    {
      "rule": "PC101",
      "severity": "low",
      "kind": "exposure",
      "exposure": "public",
      "port": 6443,
      "protocol": "tcp",
      "resource": "i-0123456789abcdef0",
      "file": "dumps/security-groups.json",
      "line": 13,
      "column": 24,
      "sources": [
        "203.0.113.0/24"
      ],
      "because": [
        {
          "file": "dumps/security-groups.json",
          "line": 13,
          "column": 24,
          "rule": "inbound tcp 6443 from 203.0.113.0/24",
          "resource": "sg-0cp1234567890abcd"
        }
      ],
      "message": "tcp/6443 (kube-apiserver) on instance i-0123456789abcdef0 is reachable from public sources that are not authorized: 203.0.113.0/24",
      "resource_kind": "instance",
      "path": [
        "security group sg-0cp1234567890abcd"
      ]
    }
  ],
  "errors": [
    {
      "file": "dumps/broken.json",
      "line": 3,
      "column": 17,
      "message": "expected `,` or `}` after an object member"
    }
  ]
}
"#;
    assert_eq!(text, want);
}

#[test]
fn large_reports_print_the_same_bytes_as_one_serde_pass() {
    // Past a window of findings the emitter serializes in parallel; the
    // bytes must be exactly what serde's pretty printer gives in one pass.
    let base = findings();
    let many: Vec<Finding> = (0..20_000)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            f.resource = format!("sg-{i:08}");
            f
        })
        .collect();
    let errs = errors();
    let got = render(&Json, &many, &errs, 1);
    // A struct, not `json!`: a `Value` map would sort the keys.
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        version: u32,
        findings: &'a [Finding],
        errors: &'a [portcullis_report::ReportError],
    }
    let mut want =
        serde_json::to_string_pretty(&Envelope { version: 1, findings: &many, errors: &errs }).expect("serializes");
    want.push('\n');
    assert!(got == want, "parallel output differs from serde's (lengths {} and {})", got.len(), want.len());
}

#[test]
fn large_reports_against_a_baseline_add_fixed_as_serde_would() {
    use portcullis_report::baseline::{BaselineDiff, BaselineEntry};
    use portcullis_report::{Emitter, NoSources, Report};
    let base = findings();
    let many: Vec<Finding> = (0..10_000)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            f.resource = format!("sg-{i:08}");
            f
        })
        .collect();
    let fixed: Vec<BaselineEntry> = base.iter().map(BaselineEntry::of).collect();
    let report = Report {
        findings: &many,
        errors: &[],
        files_read: 1,
        sources: &NoSources,
        baseline: Some(BaselineDiff { unchanged: &[], fixed: &fixed }),
        fail_on: None,
    };
    let mut got = Vec::new();
    Json.emit(&report, &mut got).unwrap();
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        version: u32,
        findings: &'a [Finding],
        errors: &'a [portcullis_report::ReportError],
        fixed: &'a [BaselineEntry],
    }
    let mut want = serde_json::to_string_pretty(&Envelope { version: 1, findings: &many, errors: &[], fixed: &fixed })
        .expect("serializes");
    want.push('\n');
    assert!(String::from_utf8(got).unwrap() == want, "parallel output differs from serde's");
}
