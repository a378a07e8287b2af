//! What `portcullis flows` prints besides findings: the observations
//! (every destination's summary per verdict, each unauthorized source that
//! got through) and the run's totals. JSON adds them to the envelope as
//! `observations` and `flow_stats`; text is a report of its own: what got
//! through first, then one table per verdict of every destination with its
//! top sources, then totals and the first malformed lines. SARIF has no
//! place for them and prints the findings alone. Names and addresses from
//! the logs go through `portcullis_files::display::escape` in text.

use crate::{Emitter, Report, ReportError};
use portcullis_files::display::escape;
use portcullis_flows::{Observation, Stats};
use portcullis_rules::flows::pc400_unauthorized_flow_accepted::RULE as ACCEPTED;
use portcullis_rules::Finding;
use serde::Serialize;
use std::fmt::Write;
use std::io;

/// The version 1 envelope with the flow-log parts.
pub struct FlowsJson<'a> {
    pub observations: &'a [Observation],
    pub stats: &'a Stats,
    /// What was not read but loses nothing (data after the last gzip member).
    pub warnings: &'a [ReportError],
}

#[derive(Serialize)]
struct Envelope<'a> {
    version: u32,
    findings: &'a [Finding],
    errors: &'a [ReportError],
    #[serde(skip_serializing_if = "<[ReportError]>::is_empty")]
    warnings: &'a [ReportError],
    observations: &'a [Observation],
    flow_stats: &'a Stats,
}

impl Emitter for FlowsJson<'_> {
    fn emit(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let envelope = Envelope {
            version: 1,
            findings: report.findings,
            errors: report.errors,
            warnings: self.warnings,
            observations: self.observations,
            flow_stats: self.stats,
        };
        serde_json::to_writer_pretty(&mut *out, &envelope).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

/// The text report.
pub struct FlowsText<'a> {
    pub observations: &'a [Observation],
    pub stats: &'a Stats,
    /// What was not read but loses nothing (data after the last gzip member).
    pub warnings: &'a [ReportError],
}

/// `file:line: message` lines.
fn lines(list: &[ReportError]) -> Vec<String> {
    list.iter()
        .map(|e| {
            if e.file.is_empty() {
                e.message.clone()
            } else if e.line == 0 {
                format!("{}: {}", e.file, e.message)
            } else {
                format!("{}:{}: {}", e.file, e.line, e.message)
            }
        })
        .collect()
}

impl Emitter for FlowsText<'_> {
    fn emit(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let text = render(self.observations, self.stats, &lines(report.errors), &lines(self.warnings), report.findings);
        out.write_all(text.as_bytes())
    }
}

/// Rows as aligned columns; every cell (names and addresses from the logs)
/// with its control characters escaped.
fn table(rows: &[Vec<String>], out: &mut String) {
    let rows: Vec<Vec<std::borrow::Cow<'_, str>>> =
        rows.iter().map(|r| r.iter().map(|c| escape(c)).collect()).collect();
    let Some(first) = rows.first() else { return };
    let mut widths = vec![0; first.len()];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    for r in &rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn seen(o: &Observation) -> String {
    match (&o.first_seen, &o.last_seen) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (Some(a), Some(b)) => format!("{a} … {b}"),
        _ => "-".into(),
    }
}

fn dest(o: &Observation) -> String {
    if o.target.is_empty() {
        o.destination.clone()
    } else {
        format!("{} ({})", o.destination, o.target)
    }
}

/// Renders the report. `errors` and `warnings` are ready-made
/// `file:line: message` lines.
fn render(
    observations: &[Observation],
    stats: &Stats,
    errors: &[String],
    warnings: &[String],
    findings: &[Finding],
) -> String {
    let mut out = String::new();
    let accepted: Vec<&Observation> = observations.iter().filter(|o| o.kind == "unauthorized-accept").collect();
    if accepted.is_empty() {
        out.push_str("No accepted flows from unauthorized sources on the watched ports.\n");
    } else {
        let _ = writeln!(
            out,
            "CRITICAL: {} unauthorized source(s) got through (rule {}):\n",
            accepted.len(),
            ACCEPTED.code
        );
        let mut rows = vec![vec![
            "DESTINATION".into(),
            "PORT".into(),
            "SOURCE".into(),
            "FLOWS".into(),
            "PACKETS".into(),
            "BYTES".into(),
            "RULE".into(),
            "SEEN".into(),
        ]];
        for o in &accepted {
            rows.push(vec![
                dest(o),
                format!("{}/{}", o.protocol, o.port),
                o.source.clone().unwrap_or_default(),
                o.flows.to_string(),
                o.packets.to_string(),
                o.bytes.to_string(),
                if o.rules.is_empty() { "-".into() } else { o.rules.join(", ") },
                seen(o),
            ]);
        }
        table(&rows, &mut out);
    }
    for (action, title) in
        [("reject", "Rejected attempts"), ("accept", "Accepted flows"), ("unknown", "Flows without a verdict")]
    {
        let list: Vec<&Observation> =
            observations.iter().filter(|o| o.kind == "destination" && o.action == action).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} per destination:\n");
        let mut rows = vec![vec![
            "DESTINATION".into(),
            "PORT".into(),
            "FLOWS".into(),
            "AUTHORIZED".into(),
            "OTHER".into(),
            "SOURCES".into(),
            "SEEN".into(),
            "TOP SOURCES".into(),
        ]];
        for o in list {
            let top: Vec<String> = o
                .top_sources
                .iter()
                .flatten()
                .map(|t| format!("{}{} ×{}", t.source, if t.authorized { "" } else { "!" }, t.flows))
                .collect();
            rows.push(vec![
                dest(o),
                format!("{}/{}", o.protocol, o.port),
                o.flows.to_string(),
                o.authorized_flows.unwrap_or(0).to_string(),
                o.unauthorized_flows.unwrap_or(0).to_string(),
                o.distinct_sources.unwrap_or(0).to_string(),
                seen(o),
                top.join(", "),
            ]);
        }
        table(&rows, &mut out);
    }
    let _ = writeln!(
        out,
        "\n{} file(s), {} flow record(s), {} on watched ports{}; {} NODATA, {} SKIPDATA, {} malformed{}{}.",
        stats.files,
        stats.totals.records,
        stats.totals.matched,
        if stats.totals.outside_window > 0 {
            format!(" ({} more outside the time window)", stats.totals.outside_window)
        } else {
            String::new()
        },
        stats.totals.nodata,
        stats.totals.skipdata,
        stats.totals.malformed,
        if stats.totals.without_ports > 0 {
            format!(", {} without protocol, port or address (the format cannot tell)", stats.totals.without_ports)
        } else {
            String::new()
        },
        if findings.is_empty() { String::new() } else { format!("; {} finding(s)", findings.len()) },
    );
    if !errors.is_empty() || !warnings.is_empty() {
        out.push('\n');
        for e in errors {
            let _ = writeln!(out, "error: {}", escape(e));
        }
        for w in warnings {
            let _ = writeln!(out, "warning: {}", escape(w));
        }
    }
    out
}
