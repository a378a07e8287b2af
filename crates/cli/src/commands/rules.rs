//! `portcullis rules [CODE]`: the catalog, or one rule's documentation.

use crate::args::{Format, RulesArgs};
use anyhow::{bail, Result};
use portcullis_model::format_ports;
use portcullis_model::PortSet;
use portcullis_rules::catalog::{self, FLOW_RULES, PORT_RULES, PROBE_RULES, SUPPRESSION_RULES};
use portcullis_rules::spec::clean_docs;

fn ports(r: &portcullis_rules::PortRule) -> String {
    if SUPPRESSION_RULES.iter().any(|s| s.code == r.code) {
        "-".into()
    } else if r.ports.is_empty() {
        "--port".into()
    } else {
        format!("tcp/{}", format_ports(&PortSet::from_ranges(r.ports.iter().copied())))
    }
}

pub fn run(args: RulesArgs) -> Result<u8> {
    if let Some(code) = &args.code {
        if let Some(h) = catalog::find_hardening(code) {
            println!(
                "# {} {}\n\nSeverity: {}\nFlags: {}\n\n{}",
                h.code,
                h.name,
                h.severity,
                h.flags.iter().map(|f| format!("--{f}")).collect::<Vec<_>>().join(", "),
                clean_docs(h.docs)
            );
            return Ok(0);
        }
        if let Some(r) = catalog::probe::find(code) {
            println!(
                "# {} {}\n\nSeverity: {}\nPorts: the endpoint `portcullis probe` was given\n\n{}",
                r.code,
                r.name,
                r.severity,
                clean_docs(r.docs)
            );
            return Ok(0);
        }
        if let Some(r) =
            FLOW_RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code) || r.name.eq_ignore_ascii_case(code))
        {
            println!(
                "# {} {}\n\nSeverity: {}\nPorts: the watched ports in the flow logs `portcullis flows` reads\n\n{}",
                r.code,
                r.name,
                r.severity,
                clean_docs(r.docs)
            );
            return Ok(0);
        }
        let Some(r) = catalog::find(code) else {
            bail!("no rule `{code}`; `portcullis rules` lists them");
        };
        if SUPPRESSION_RULES.iter().any(|s| s.code == r.code) {
            println!("# {} {}\n\nSeverity: {}\n\n{}", r.code, r.name, r.severity, clean_docs(r.docs));
            return Ok(0);
        }
        println!(
            "# {} {}\n\nSeverity: {} (when the whole internet can connect)\nPorts: {}\n\n{}",
            r.code,
            r.name,
            r.severity,
            ports(r),
            clean_docs(r.docs)
        );
        return Ok(0);
    }
    if args.format == Format::Json {
        let mut list: Vec<serde_json::Value> = PORT_RULES
            .iter()
            .chain(SUPPRESSION_RULES)
            .map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "severity": r.severity.as_str(),
                    "component": r.component, "ports": ports(r), "summary": r.summary,
                })
            })
            .chain(PROBE_RULES.iter().map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "severity": r.severity.as_str(),
                    "component": "live endpoint (portcullis probe)", "ports": "probe", "summary": r.summary,
                })
            }))
            .collect();
        list.extend(FLOW_RULES.iter().map(|r| {
            serde_json::json!({
                "code": r.code, "name": r.name, "severity": r.severity.as_str(),
                "component": "flow logs (portcullis flows)", "ports": "flows", "summary": r.summary,
            })
        }));
        list.extend(catalog::HARDENING_RULES.iter().map(|r| {
            serde_json::json!({
                "code": r.code, "name": r.name, "severity": r.severity.as_str(), "kind": "hardening",
                "component": r.component, "flags": r.flags, "summary": r.summary,
            })
        }));
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(0);
    }
    println!("{:<6} {:<9} {:<16} {:<42} SUMMARY", "CODE", "SEVERITY", "PORTS", "NAME");
    for r in PORT_RULES.iter().chain(SUPPRESSION_RULES) {
        println!("{:<6} {:<9} {:<16} {:<42} {}", r.code, r.severity.as_str(), ports(r), r.name, r.summary);
    }
    for r in catalog::HARDENING_RULES {
        let flags = format!("--{}", r.flags.first().copied().unwrap_or(""));
        println!("{:<6} {:<9} {:<16} {:<42} {}", r.code, r.severity.as_str(), flags, r.name, r.summary);
    }
    for r in PROBE_RULES {
        println!("{:<6} {:<9} {:<16} {:<42} {}", r.code, r.severity.as_str(), "probe", r.name, r.summary);
    }
    for r in FLOW_RULES {
        println!("{:<6} {:<9} {:<16} {:<42} {}", r.code, r.severity.as_str(), "flows", r.name, r.summary);
    }
    Ok(0)
}
