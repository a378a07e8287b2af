//! A pull-request comment: a heading that says what the change does, a
//! table of what it opens or widens (worst first), what it narrows or
//! closes, and the details (the lines on both sides and the exact source
//! delta) collapsed under `<details>`, so a long list stays out of the way.

use super::{delta_text, place_text, port_text, summary, DiffReport};
use crate::Change;
use std::io::{self, Write};

/// Text in a table cell: `|` would end the cell, a newline the row.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn table(out: &mut dyn Write, changes: &[&Change]) -> io::Result<()> {
    writeln!(out, "| Change | Severity | Rule | Port | Resource | Sources | Line |")?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for c in changes {
        // What got worse is at the head's line; what got better, at the
        // base's line that admitted what was removed.
        let line = if c.is_worse() { c.head.as_ref().or(c.base.as_ref()) } else { c.base.as_ref().or(c.head.as_ref()) };
        writeln!(
            out,
            "| {} | {} | {} | {} | `{}` | {} | {} |",
            c.change.as_str(),
            c.severity.as_str(),
            c.rule,
            port_text(c),
            cell(&c.resource),
            cell(&delta_text(c, 4)),
            cell(&place_text(line))
        )?;
    }
    Ok(())
}

pub fn write(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    let worse: Vec<&Change> = report.changes.iter().filter(|c| c.is_worse()).collect();
    let better: Vec<&Change> = report.changes.iter().filter(|c| !c.is_worse()).collect();
    writeln!(
        out,
        "### portcullis diff `{}` → `{}`: {}",
        cell(report.base_label),
        cell(report.head_label),
        summary(report.changes)
    )?;
    writeln!(out)?;
    if report.changes.is_empty() {
        writeln!(out, "This change does not change who can connect to the checked ports.")?;
    }
    if !worse.is_empty() {
        writeln!(out, "**This change lets more in:**")?;
        writeln!(out)?;
        table(out, &worse)?;
        writeln!(out)?;
    }
    if !better.is_empty() {
        writeln!(out, "**This change lets less in:**")?;
        writeln!(out)?;
        table(out, &better)?;
        writeln!(out)?;
    }
    if !report.changes.is_empty() {
        writeln!(out, "<details><summary>Details</summary>")?;
        writeln!(out)?;
        for c in report.changes {
            writeln!(
                out,
                "- **{} {} {} `{}`**: {}",
                c.change.as_str(),
                c.rule,
                port_text(c),
                cell(&c.resource),
                cell(&c.message)
            )?;
            if let Some(from) = &c.moved_from {
                writeln!(out, "  - moved from `{from}`")?;
            }
            for (what, sources) in [("added", &c.added), ("removed", &c.removed)] {
                if !sources.is_empty() {
                    let listed: Vec<String> = sources.iter().map(|s| format!("`{s}`")).collect();
                    writeln!(out, "  - {what}: {}", listed.join(", "))?;
                }
            }
            writeln!(
                out,
                "  - {}: {}; {}: {}",
                report.base_label,
                place_text(c.base.as_ref()),
                report.head_label,
                place_text(c.head.as_ref())
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "**Inputs that could not be read:**")?;
        writeln!(out)?;
        for e in report.errors {
            let side = report.label(e.side);
            writeln!(
                out,
                "- ({side}) `{}:{}:{}`: {}",
                cell(&e.error.file),
                e.error.line,
                e.error.column,
                cell(&e.error.message)
            )?;
        }
    }
    Ok(())
}
