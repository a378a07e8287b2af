//! SARIF 2.1.0 as GitHub code scanning reads it: the rule catalog with help
//! text, one result per finding with its location, the admitting lines as
//! related locations, and input errors as tool notifications. Compared
//! against a baseline, results carry `baselineState` (`new`/`unchanged`).
//! Spec: docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html; GitHub's
//! subset: docs.github.com/en/code-security/code-scanning (SARIF support).

use crate::{Emitter, Report};
use portcullis_rules::{Finding, Rule, Severity, SuppressionKind, RULES};
use serde_json::{json, Value};
use std::io::{self, Write};

pub struct Sarif;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub ranks alerts by `security-severity` (0.0–10.0, CVSS-like bands).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A relative URI reference for a path as given: forward slashes, no
/// leading `./`, and characters outside RFC 3986's unreserved and path set
/// percent-encoded.
///
/// An absolute path becomes a `file://` URI: GitHub resolves relative URIs
/// against the repository root, where an absolute path would point at the
/// wrong file.
pub fn path_uri(path: &str) -> String {
    // A probe finding's file is the URL it asked: already a URI.
    if path.starts_with("https://") || path.starts_with("http://") {
        return path.to_string();
    }
    let p = path.replace('\\', "/");
    let absolute = p.starts_with('/');
    let p = p.trim_start_matches("./");
    let mut out = String::with_capacity(p.len() + 7);
    if absolute {
        out.push_str("file://");
    }
    for b in p.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            // Not ':': in a first segment (`k8s:prod/x.json`) it would read as a URI scheme.
            | b'@'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'=' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn location(file: &str, line: u32, column: u32) -> Value {
    // Line 0 means "the whole file" (it could not be read): no region.
    if line == 0 {
        return json!({ "physicalLocation": { "artifactLocation": { "uri": path_uri(file) } } });
    }
    let mut region = json!({ "startLine": line });
    if column > 0 {
        region["startColumn"] = json!(column);
    }
    json!({ "physicalLocation": { "artifactLocation": { "uri": path_uri(file) }, "region": region } })
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": f.message },
        "locations": [location(&f.file, f.line, f.column)],
        // Stable across line moves: rule, resource, port (not line numbers).
        "partialFingerprints": {
            "portcullis/v1": f.fingerprint()
        },
        "properties": {
            "severity": f.severity.as_str(),
            "resource": f.resource,
            "sources": f.sources,
        }
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(e) = f.exposure {
        r["properties"]["exposure"] = json!(e.as_str());
    }
    if let Some(p) = f.port {
        r["properties"]["port"] = json!(p);
    }
    if let Some(reach) = &f.reach {
        r["properties"]["reach"] = json!(reach.reach.as_str());
        if let Some(reason) = &reach.reason {
            r["properties"]["reach_reason"] = json!(reason);
        }
        // The path from the internet, hop by hop (SARIF §3.36 codeFlow:
        // one thread of locations in the order a packet passes them).
        if !reach.via.is_empty() {
            let locations: Vec<Value> = reach
                .via
                .iter()
                .map(|v| {
                    let text = if v.detail.is_empty() {
                        format!("{}: {}", v.hop, v.resource)
                    } else {
                        format!("{}: {} ({})", v.hop, v.resource, v.detail)
                    };
                    let mut location = if v.file.is_empty() { json!({}) } else { location(&v.file, v.line, 0) };
                    location["message"] = json!({ "text": text });
                    json!({ "location": location })
                })
                .collect();
            r["codeFlows"] = json!([{
                "message": { "text": format!("reach: {}", reach.reach.as_str()) },
                "threadFlows": [{ "locations": locations }],
            }]);
        }
    }
    // A suppressed finding is still a result, with the suppression as SARIF
    // states it (§3.27.23): in the source (a comment) or external (config).
    if let Some(s) = &f.suppressed {
        let kind = match s.kind {
            SuppressionKind::Inline => "inSource",
            SuppressionKind::Config => "external",
        };
        let mut sup = json!({
            "kind": kind,
            "status": "accepted",
            "justification": s.reason,
            "location": location(&s.file, s.line, s.column),
        });
        if let Some(e) = &s.expires {
            sup["properties"] = json!({ "expires": e });
        }
        r["suppressions"] = json!([sup]);
    }
    if !f.because.is_empty() {
        r["relatedLocations"] = Value::Array(
            f.because
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let mut l = location(&b.file, b.line, b.column);
                    l["id"] = json!(i);
                    l["message"] = json!({ "text": format!("{} ({})", b.rule, b.resource) });
                    l
                })
                .collect(),
        );
    }
    r
}

/// A rule of the driver's catalog, with its docs as help text.
fn descriptor(rule: &Rule) -> Value {
    let docs = rule.markdown();
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.summary },
        "help": { "text": docs, "markdown": docs },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": ["security", rule.family.kind().area(), "kubernetes"],
            "security-severity": security_severity(rule.severity),
        }
    })
}

impl Emitter for Sarif {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // Every rule of the registry, indexed in its (code) order.
        let rules: Vec<Value> = RULES.iter().map(|r| descriptor(r)).collect();
        let rule_index = |f: &Finding| RULES.iter().position(|r| r.code == f.rule);
        // Against a baseline, every current finding is still a result (an
        // upload without them would close their GitHub alerts), marked
        // `new` or `unchanged`; fixed baseline entries have no location and
        // are left out.
        let results: Vec<Value> = match report.baseline {
            None => report.findings.iter().map(|f| result(f, rule_index(f))).collect(),
            Some(b) => {
                let tagged = |f: &Finding, state: &str| {
                    let mut r = result(f, rule_index(f));
                    r["baselineState"] = json!(state);
                    r
                };
                report
                    .findings
                    .iter()
                    .map(|f| tagged(f, "new"))
                    .chain(b.unchanged.iter().map(|f| tagged(f, "unchanged")))
                    .collect()
            }
        };
        let notes: Vec<Value> = report
            .errors
            .iter()
            .map(|e| {
                json!({
                    "level": "error",
                    "message": { "text": e.message },
                    "locations": [location(&e.file, e.line, e.column)],
                })
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "portcullis",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "invocations": [{
                    "executionSuccessful": report.errors.is_empty(),
                    "toolExecutionNotifications": notes,
                }],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        writeln!(out)
    }
}
