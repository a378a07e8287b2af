//! Text for a terminal: one block a change, worst first, then the input
//! problems and a summary line.

use super::{delta_text, place_text, port_text, summary, DiffReport};
use std::io::{self, Write};

pub fn write(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    for c in report.changes {
        writeln!(
            out,
            "{:<8} {:<8} {} {} {}",
            c.change.as_str(),
            c.severity.as_str(),
            c.rule,
            port_text(c),
            c.resource
        )?;
        writeln!(out, "  {}", c.message)?;
        if let Some(from) = &c.moved_from {
            writeln!(out, "  moved from {from}")?;
        }
        let delta = delta_text(c, 16);
        if !delta.is_empty() {
            writeln!(out, "  sources: {delta}")?;
        }
        writeln!(
            out,
            "  {}: {}  {}: {}",
            report.base_label,
            place_text(c.base.as_ref()),
            report.head_label,
            place_text(c.head.as_ref())
        )?;
        writeln!(out)?;
    }
    for e in report.errors {
        let side = report.label(e.side);
        writeln!(out, "error ({side}): {}:{}:{}: {}", e.error.file, e.error.line, e.error.column, e.error.message)?;
    }
    let worse = report.changes.iter().filter(|c| c.is_worse()).count();
    writeln!(out, "{} → {}: {} ({worse} worse)", report.base_label, report.head_label, summary(report.changes))
}
