//! What `portcullis events` prints besides findings: every change judged
//! (opened, widened, narrowed, closed, unchanged) and the run's totals.
//! JSON adds them to the envelope as `changes` and `event_stats`; text
//! prints the findings as every command does, then the timeline of changes
//! and the totals. SARIF has no place for them and prints the findings.

use crate::text::Text;
use crate::{Emitter, Report};
use portcullis_events::{Change, Stats};
use portcullis_rules::events::brief;
use portcullis_rules::Finding;
use serde::Serialize;
use std::io;

/// The version 1 envelope with the event parts.
pub struct EventsJson<'a> {
    pub changes: &'a [Change],
    pub stats: &'a Stats,
}

#[derive(Serialize)]
struct Envelope<'a> {
    version: u32,
    findings: &'a [Finding],
    errors: &'a [crate::ReportError],
    changes: &'a [Change],
    event_stats: &'a Stats,
}

impl Emitter for EventsJson<'_> {
    fn emit(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        let envelope = Envelope {
            version: 1,
            findings: report.findings,
            errors: report.errors,
            changes: self.changes,
            event_stats: self.stats,
        };
        serde_json::to_writer_pretty(&mut *out, &envelope).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

/// The findings as text, then the timeline.
pub struct EventsText<'a> {
    pub changes: &'a [Change],
    pub stats: &'a Stats,
    pub color: bool,
}

impl Emitter for EventsText<'_> {
    fn emit(&self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        Text { color: self.color, quiet: false }.emit(report, out)?;
        out.write_all(timeline(self.changes, self.stats).as_bytes())
    }
}

/// One line per change that was not a restatement, in time order.
fn timeline(changes: &[Change], stats: &Stats) -> String {
    let mut out = String::new();
    let shown: Vec<&Change> = changes.iter().filter(|c| c.verdict != portcullis_events::Verdict::Unchanged).collect();
    if !shown.is_empty() {
        out.push_str("\nTimeline of changes to the watched ports:\n");
        for c in shown {
            let sources = if c.added.is_empty() { &c.removed } else { &c.added };
            let listed = if sources.is_empty() { String::new() } else { brief(sources) };
            out.push_str(&format!(
                "  {}  {:<9} {}/{} {} {} by {} ({}) [{}:{}]{}\n",
                c.time.as_deref().unwrap_or("(no time)"),
                c.verdict.name(),
                c.protocol,
                c.port,
                c.resource_kind,
                c.resource,
                if c.principal.is_empty() { "?" } else { c.principal.as_str() },
                c.event,
                c.file,
                c.line,
                if listed.is_empty() { String::new() } else { format!(": {listed}") }
            ));
        }
    }
    out.push_str(&format!(
        "\n{} file(s) of change events, {} event(s) read, {} firewall change call(s) judged, {} failed call(s) (nothing changed), {} change(s) to watched ports.\n",
        stats.files, stats.events, stats.judged, stats.failed, stats.changes
    ));
    out
}
