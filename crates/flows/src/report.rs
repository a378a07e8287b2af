//! From counts to what users read: a critical finding per unauthorized
//! source whose flows a destination accepted, and observations (the JSON
//! `observations` array): those same pairs with their evidence, and a
//! summary per destination, port and verdict with its top sources.

use crate::agg::{Agg, At, Cell, CellKey, Counts, Totals};
use crate::read::Input;
use crate::record::Action;
use crate::time::format_rfc3339;
use portcullis_model::named::public;
use portcullis_model::{Cidr, Protocol};
use portcullis_rules::{Because, ExposureClass, Finding, FindingKind, Severity};
use serde::Serialize;
use std::net::IpAddr;

/// The rule code of an accepted flow from an unauthorized source (PC4xx:
/// flow logs; its docs are in the rule catalog, `catalog::FLOW_RULES`).
pub const RULE_ACCEPTED: &str = "PC400";
/// Its name, readable as what it flags.
pub const RULE_ACCEPTED_NAME: &str = "control-plane-port-accepted-unauthorized-flow";

#[cfg(test)]
#[test]
fn the_rule_is_the_catalogs() {
    let r = &portcullis_rules::catalog::pc400_unauthorized_flow_accepted::RULE;
    assert_eq!((RULE_ACCEPTED, RULE_ACCEPTED_NAME), (r.code, r.name));
}

/// One source as a destination summary lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopSource {
    pub source: String,
    pub authorized: bool,
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
}

/// An entry of the JSON `observations` array (README, "Flow logs").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// `unauthorized-accept` (one source, one destination: the evidence of a
    /// finding) or `destination` (every source of one destination, port and verdict).
    pub kind: &'static str,
    pub destination: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    pub port: u16,
    pub protocol: String,
    /// `accept`, `reject`, or `unknown` (the log states no verdict).
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// `destination` only: flows from authorized and from other sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorized_flows: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unauthorized_flows: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct_sources: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_sources: Option<Vec<TopSource>>,
    /// Rules the log names (GCP firewall `rule_details.reference`, Azure rule names).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// The first record behind this observation.
    pub file: String,
    pub line: u64,
}

/// Run totals (JSON `flow_stats`): the files read, then the record counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub files: usize,
    #[serde(flatten)]
    pub totals: Totals,
}

impl Stats {
    pub fn from_totals(t: &Totals, files: usize) -> Stats {
        Stats { files, totals: t.clone() }
    }
}

/// Findings and observations, sorted.
pub struct Built {
    pub findings: Vec<Finding>,
    pub observations: Vec<Observation>,
}

fn time(t: Option<i64>) -> Option<String> {
    t.map(format_rfc3339)
}

fn proto_name(p: u8) -> String {
    Protocol(p).name()
}

fn file_of(inputs: &[Input], at: At) -> String {
    inputs.get(at.file as usize).map(|i| i.display.clone()).unwrap_or_default()
}

fn sorted_sources(cell: &Cell) -> Vec<(&IpAddr, &crate::agg::SourceStat)> {
    let mut v: Vec<_> = cell.sources.iter().collect();
    v.sort_by(|a, b| b.1.counts.flows.cmp(&a.1.counts.flows).then_with(|| a.0.cmp(b.0)));
    v
}

fn is_public(ip: IpAddr) -> bool {
    let c = match ip {
        IpAddr::V4(a) => Cidr::V4 { addr: u32::from(a), len: 32 },
        IpAddr::V6(a) => Cidr::V6 { addr: u128::from(a), len: 128 },
    };
    public().intersects(&c.to_set())
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Builds the report from a run's aggregate. `top` bounds the sources a
/// destination summary lists.
pub fn build(agg: &Agg<'_>, inputs: &[Input], top: usize) -> Built {
    let watch = agg.watch();
    let mut keys: Vec<&CellKey> = agg.cells.keys().collect();
    keys.sort();
    let mut findings = Vec::new();
    let mut observations = Vec::new();
    for key in keys {
        let cell = &agg.cells[key];
        let dst = key.dst.to_string();
        let proto = proto_name(key.protocol);
        let sources = sorted_sources(cell);
        let first_at = sources.iter().map(|s| s.1.at).min().unwrap_or_default();
        let mut rules: Vec<String> = Vec::new();
        for (_, s) in &sources {
            for r in &s.rules {
                if !rules.contains(r) {
                    rules.push(r.clone());
                }
            }
        }
        rules.sort();
        let base = |kind, source: Option<String>, c: &Counts, at: At, rules: Vec<String>| Observation {
            kind,
            destination: dst.clone(),
            target: cell.target.clone(),
            account: cell.account.clone(),
            region: cell.region.clone(),
            port: key.port,
            protocol: proto.clone(),
            action: key.action.as_str(),
            source,
            flows: c.flows,
            packets: c.packets,
            bytes: c.bytes,
            first_seen: time(c.first),
            last_seen: time(c.last),
            authorized_flows: None,
            unauthorized_flows: None,
            distinct_sources: None,
            top_sources: None,
            rules,
            file: file_of(inputs, at),
            line: at.line,
        };
        let mut summary = base("destination", None, &cell.counts, first_at, rules);
        summary.authorized_flows = Some(cell.authorized.flows);
        summary.unauthorized_flows = Some(cell.unauthorized.flows);
        summary.distinct_sources = Some(cell.sources.len() as u64);
        summary.top_sources = Some(
            sources
                .iter()
                .take(top)
                .map(|(ip, s)| TopSource {
                    source: ip.to_string(),
                    authorized: watch.is_authorized(**ip),
                    flows: s.counts.flows,
                    packets: s.counts.packets,
                    bytes: s.counts.bytes,
                })
                .collect(),
        );
        observations.push(summary);
        if key.action != Action::Accept {
            continue;
        }
        let mut by_ip: Vec<_> = sources.iter().filter(|(ip, _)| !watch.is_authorized(**ip)).collect();
        by_ip.sort_by(|a, b| a.0.cmp(b.0));
        for (ip, s) in by_ip {
            let src = ip.to_string();
            let file = file_of(inputs, s.at);
            let obs = base("unauthorized-accept", Some(src.clone()), &s.counts, s.at, s.rules.clone());
            let where_ = if cell.target.is_empty() { dst.clone() } else { format!("{dst} ({})", cell.target) };
            let window = match (&obs.first_seen, &obs.last_seen) {
                (Some(a), Some(b)) => format!(" between {a} and {b}"),
                _ => String::new(),
            };
            let rule_text = if s.rules.is_empty() {
                format!("accepted {proto}/{} from {src} (the log names no rule)", key.port)
            } else {
                format!("accepted {proto}/{} from {src} by {}", key.port, s.rules.join(", "))
            };
            findings.push(Finding {
                rule: RULE_ACCEPTED.to_string(),
                severity: Severity::Critical,
                kind: FindingKind::Exposure,
                exposure: Some(if is_public(**ip) { ExposureClass::Public } else { ExposureClass::Unauthorized }),
                port: Some(key.port),
                protocol: Some(proto.clone()),
                resource: where_.clone(),
                file: file.clone(),
                line: u32::try_from(s.at.line).unwrap_or(u32::MAX),
                column: 0,
                sources: vec![src.clone()].into(),
                because: vec![Because {
                    file,
                    line: u32::try_from(s.at.line).unwrap_or(u32::MAX),
                    column: 0,
                    rule: rule_text,
                    resource: where_.clone(),
                }]
                .into(),
                flag: None,
                message: format!(
                    "{src}, which is not an authorized source, connected to {proto}/{} on {where_}: {} accepted flow record(s), {} packets, {}{window}",
                    key.port,
                    s.counts.flows,
                    s.counts.packets,
                    human_bytes(s.counts.bytes)
                ),
                resource_kind: "flow destination".to_string(),
                path: Default::default(),
                unknown: Vec::new(),
                reach: None,
                suppressed: None,
            });
            observations.push(obs);
        }
    }
    portcullis_rules::finding::sort_findings(&mut findings);
    Built { findings, observations }
}
