//! SARIF 2.1.0 with only what got worse: code scanning on a pull request
//! then shows what the change opens, at the head's line, with the base's
//! line as a related location. The rule catalog and locations are the
//! scan report's (`portcullis_report::sarif`).

use super::DiffReport;
use crate::Change;
use portcullis_report::sarif::{descriptor, level, location, write_log};
use portcullis_rules::RULES;
use serde_json::{json, Value};
use std::io::{self, Write};

fn result(c: &Change) -> Value {
    let fingerprint = format!(
        "{}|{}|{}/{}|{}",
        c.rule,
        c.resource,
        c.protocol.as_deref().unwrap_or(""),
        c.port.map(|p| p.to_string()).unwrap_or_default(),
        c.change.as_str()
    );
    let mut r = json!({
        "ruleId": c.rule,
        "level": level(c.severity),
        "message": { "text": c.message },
        "locations": c.head.iter().map(|p| location(&p.file, p.line, 0)).collect::<Vec<_>>(),
        "partialFingerprints": { "portcullis-diff/v1": fingerprint },
        "properties": {
            "change": c.change.as_str(),
            "severity": c.severity.as_str(),
            "resource": c.resource,
            "added": c.added,
            "removed": c.removed,
        }
    });
    if let Some(i) = RULES.iter().position(|r| r.code == c.rule) {
        r["ruleIndex"] = json!(i);
    }
    if let Some(p) = c.port {
        r["properties"]["port"] = json!(p);
    }
    if let Some(b) = &c.base {
        let mut l = location(&b.file, b.line, 0);
        l["id"] = json!(0);
        l["message"] = json!({ "text": "before the change" });
        r["relatedLocations"] = json!([l]);
    }
    r
}

pub fn write(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = RULES.iter().map(|r| descriptor(r)).collect();
    let results: Vec<Value> = report.changes.iter().filter(|c| c.is_worse()).map(result).collect();
    write_log(rules, results, report.errors.iter().map(|e| &e.error), out)
}
