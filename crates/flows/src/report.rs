//! From counts to what users read: observations (the JSON `observations`
//! array), one per unauthorized source whose flows a destination accepted,
//! with its evidence (rule PC400 of `portcullis-rules` turns each into a
//! finding), and a summary per destination, port and verdict with its top
//! sources.

use crate::agg::{Agg, At, Cell, CellKey, Counts, Totals};
use crate::read::Input;
use crate::record::Action;
use portcullis_model::date::format_rfc3339;
use portcullis_model::Protocol;
use serde::Serialize;
use std::net::IpAddr;

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

fn time(t: Option<i64>) -> Option<String> {
    t.and_then(format_rfc3339)
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

/// Builds the observations of a run's aggregate, in order: per
/// destination, port and verdict its summary, then (accepted only) each
/// unauthorized source. `top` bounds the sources a summary lists.
pub fn build(agg: &Agg<'_>, inputs: &[Input], top: usize) -> Vec<Observation> {
    let watch = agg.watch();
    let mut keys: Vec<&CellKey> = agg.cells.keys().collect();
    keys.sort();
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
            observations.push(base("unauthorized-accept", Some(ip.to_string()), &s.counts, s.at, s.rules.clone()));
        }
    }
    observations
}
