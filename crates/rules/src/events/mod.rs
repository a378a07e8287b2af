//! Change-event rules (PC5xx): what `portcullis events` judged each call
//! to have done to a watched port. One rule a file in this folder; they
//! read the changes `portcullis-events` builds, so a rule's evidence (who,
//! when, from where, which rule) is also in the report.

pub mod pc500_port_opened_by_change;
pub mod pc501_port_closed_by_change;

use crate::finding::{Because, Finding, FindingKind, Severity};
use crate::registry::{Family, Rule, RULES};
use portcullis_events::Change;

/// Every finding the changes support, sorted.
pub fn findings(changes: &[Change]) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in RULES {
        if let Family::Event { check } = rule.family {
            check(changes, &mut out);
        }
    }
    crate::finding::sort_findings(&mut out);
    out
}

/// `alice (arn:…) from 198.51.100.24 with aws-cli/2.17.0`: who made the
/// call, as the log says.
pub fn who(c: &Change) -> String {
    let mut s = if c.principal.is_empty() { "an unnamed principal".to_string() } else { c.principal.clone() };
    if let Some(ip) = &c.source_ip {
        s.push_str(&format!(" from {ip}"));
    }
    if let Some(agent) = &c.user_agent {
        s.push_str(&format!(" ({agent})"));
    }
    s
}

/// ` at 2026-11-30T09:05:47Z`, or nothing when the log has no time.
pub fn when(c: &Change) -> String {
    c.time.as_ref().map(|t| format!(" at {t}")).unwrap_or_default()
}

/// Sources for a message: the first three, then how many more (the
/// finding's `sources` lists them all).
pub fn brief(sources: &[String]) -> String {
    match sources.len() {
        0 => "unauthorized sources".to_string(),
        1..=3 => sources.join(", "),
        n => format!("{} and {} more", sources[..3].join(", "), n - 3),
    }
}

/// `WHO opened tcp/10257 on security group sg-… to SOURCES with CALL (RULE) at TIME`.
pub fn message(c: &Change, sources: &[String]) -> String {
    format!(
        "{} {} {}/{} on {} {} to {} with {} ({}){}",
        who(c),
        c.verdict.name(),
        c.protocol,
        c.port,
        c.resource_kind,
        c.resource,
        brief(sources),
        c.event,
        c.rule,
        when(c),
    )
}

/// A finding about one change; `message` and `severity` are the rule's.
pub(crate) fn finding(rule: &Rule, c: &Change, severity: Severity, sources: Vec<String>, message: String) -> Finding {
    Finding {
        rule: rule.code.to_string(),
        severity,
        kind: FindingKind::Change,
        exposure: None,
        port: Some(c.port),
        protocol: Some(c.protocol.clone()),
        resource: c.resource.clone(),
        file: c.file.clone(),
        line: c.line,
        column: c.column,
        sources: sources.into(),
        because: vec![Because {
            file: c.file.clone(),
            line: c.event_line,
            column: 0,
            rule: format!("{} by {}{}", c.event, who(c), when(c)),
            resource: c.resource.clone(),
        }]
        .into(),
        flag: None,
        message,
        resource_kind: c.resource_kind.to_string(),
        path: vec![format!("{} {}", c.resource_kind, c.resource)].into(),
        unknown: c.unknown.clone(),
        reach: None,
        suppressed: None,
    }
}
