//! The text report: findings first (what got through), then one table per
//! verdict of every destination with its top sources, then totals and the
//! first malformed lines.

use crate::report::{Built, Observation, Stats};
use portcullis_files::display::escape;
use portcullis_rules::Finding;
use std::fmt::Write;

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
pub fn render(built: &Built, stats: &Stats, errors: &[String], warnings: &[String], findings: &[Finding]) -> String {
    let mut out = String::new();
    let accepted: Vec<&Observation> = built.observations.iter().filter(|o| o.kind == "unauthorized-accept").collect();
    if accepted.is_empty() {
        out.push_str("No accepted flows from unauthorized sources on the watched ports.\n");
    } else {
        let _ = writeln!(
            out,
            "CRITICAL: {} unauthorized source(s) got through (rule {}):\n",
            accepted.len(),
            crate::report::RULE_ACCEPTED
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
            built.observations.iter().filter(|o| o.kind == "destination" && o.action == action).collect();
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
