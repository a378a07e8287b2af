//! `portcullis rules [CODE]`: the registry, or one rule's documentation.

use crate::args::{RulesArgs, RulesFormat};
use anyhow::{bail, Result};
use portcullis_model::{format_ports, PortSet};
use portcullis_rules::registry::{self, Family, FamilyKind, Rule};

/// The PORTS column of the list: what a rule is checked on.
fn ports(r: &Rule) -> String {
    match &r.family {
        Family::Port { ports: [], .. } => "--port".into(),
        Family::Port { ports, .. } => format!("tcp/{}", format_ports(&PortSet::from_ranges(ports.iter().copied()))),
        Family::Hardening { flags, .. } => format!("--{}", flags.first().copied().unwrap_or("")),
        Family::Probe { .. } => "probe".into(),
        Family::Flow { .. } => "flows".into(),
        Family::Event { .. } => "events".into(),
        Family::Suppression => "-".into(),
    }
}

/// The lines between a rule's title and its docs.
fn facts(r: &Rule) -> String {
    match &r.family {
        Family::Port { .. } => {
            format!("Severity: {} (when the whole internet can connect)\nPorts: {}", r.severity, ports(r))
        }
        Family::Hardening { flags, .. } => format!(
            "Severity: {}\nFlags: {}",
            r.severity,
            flags.iter().map(|f| format!("--{f}")).collect::<Vec<_>>().join(", ")
        ),
        Family::Probe { .. } => {
            format!("Severity: {}\nPorts: the endpoint `portcullis probe` was given", r.severity)
        }
        Family::Flow { .. } => {
            format!("Severity: {}\nPorts: the watched ports in the flow logs `portcullis flows` reads", r.severity)
        }
        Family::Event { .. } => format!(
            "Severity: {} (when the whole internet was let in)\nPorts: the watched ports in the change events `portcullis events` reads",
            r.severity
        ),
        Family::Suppression => format!("Severity: {}", r.severity),
    }
}

/// One rule as an element of `rules --format json`.
fn json(r: &Rule) -> serde_json::Value {
    match &r.family {
        Family::Hardening { component, flags, .. } => serde_json::json!({
            "code": r.code, "name": r.name, "severity": r.severity.as_str(), "kind": "hardening",
            "component": component, "flags": flags, "summary": r.summary,
        }),
        _ => serde_json::json!({
            "code": r.code, "name": r.name, "severity": r.severity.as_str(),
            "component": r.component(), "ports": ports(r), "summary": r.summary,
        }),
    }
}

/// The families in the order each listing has always shown them (the
/// registry itself is in code order, as SARIF lists it).
const TEXT_ORDER: [FamilyKind; 6] = [
    FamilyKind::Port,
    FamilyKind::Suppression,
    FamilyKind::Hardening,
    FamilyKind::Probe,
    FamilyKind::Flow,
    FamilyKind::Event,
];
const JSON_ORDER: [FamilyKind; 6] = [
    FamilyKind::Port,
    FamilyKind::Suppression,
    FamilyKind::Probe,
    FamilyKind::Flow,
    FamilyKind::Event,
    FamilyKind::Hardening,
];

pub fn run(args: RulesArgs) -> Result<u8> {
    if let Some(code) = &args.code {
        let Some(r) = registry::find(code) else {
            bail!("no rule `{code}`; `portcullis rules` lists them");
        };
        println!("# {} {}\n\n{}\n\n{}", r.code, r.name, facts(r), r.markdown());
        return Ok(0);
    }
    if args.format == RulesFormat::Json {
        let list: Vec<serde_json::Value> =
            JSON_ORDER.iter().flat_map(|&kind| registry::family(kind)).map(json).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(0);
    }
    println!("{:<6} {:<9} {:<16} {:<42} SUMMARY", "CODE", "SEVERITY", "PORTS", "NAME");
    for r in TEXT_ORDER.iter().flat_map(|&kind| registry::family(kind)) {
        println!("{:<6} {:<9} {:<16} {:<42} {}", r.code, r.severity.as_str(), ports(r), r.name, r.summary);
    }
    Ok(0)
}
