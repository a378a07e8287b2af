//! Human output: one block per finding with the admitting line shown in
//! its source, the admitted sources, and the path of layers; against a
//! baseline, the entries fixed since; then a summary. Suppressed findings
//! are left out and counted in the summary. Quiet (`--quiet`), only the
//! findings and the errors are printed.
//!
//! Every piece of text that comes from an input (names, paths, lines of
//! source, messages) goes through `portcullis_files::display::escape`: a
//! control character in an input must not drive the reader's terminal.

use crate::{Emitter, Report};
use anstyle::{AnsiColor, Style};
use portcullis_files::display::escape;
use portcullis_rules::{Finding, ReachKind, Severity, Via};
use std::io::{self, Write};

pub struct Text {
    pub color: bool,
    /// Findings and errors only: no baseline section, no summary.
    pub quiet: bool,
}

struct Paint {
    on: bool,
}

// Styles, not escape codes: anstyle renders them, and the command line
// writes through anstream, which turns them into console calls on Windows
// consoles without virtual-terminal support (or strips them).
const CRITICAL: Style = AnsiColor::Red.on_default().bold();
const HIGH: Style = AnsiColor::Red.on_default();
const MEDIUM: Style = AnsiColor::Yellow.on_default();
const LOW: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

impl Paint {
    fn wrap(&self, style: Style, s: &str) -> String {
        if self.on {
            format!("{}{s}{}", style.render(), style.render_reset())
        } else {
            s.to_string()
        }
    }
    fn sev(&self, s: Severity) -> String {
        let style = match s {
            Severity::Critical => CRITICAL,
            Severity::High => HIGH,
            Severity::Medium => MEDIUM,
            Severity::Low => LOW,
            Severity::Info => DIM,
        };
        self.wrap(style, s.as_str())
    }
    fn bold(&self, s: &str) -> String {
        self.wrap(BOLD, s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap(DIM, s)
    }
}

/// Lines around `line` (1-based), the marked line prefixed with `>`.
fn snippet(text: &str, line: u32, p: &Paint) -> String {
    let lines = crate::snippet::around(text, line);
    let width = lines.last().map_or(1, |l| l.number.to_string().len());
    let mut out = String::new();
    for l in lines {
        let ell = if l.cut { " …" } else { "" };
        let n = l.number;
        let shown = escape(l.text);
        if l.marked {
            out.push_str(&format!("  {} {:>width$} | {}{}\n", p.bold(">"), n, p.bold(&shown), ell));
        } else {
            out.push_str(&format!("    {} {}{}\n", p.dim(&format!("{n:>width$} |")), shown, ell));
        }
    }
    out
}

/// The path on one line, each hop with the line that makes it:
/// `internet → igw-1 (routes.json:5) → rtb-1 0.0.0.0/0 (routes.json:12) → …`.
/// A path that does not reach starts at its first known hop.
pub fn draw_path(reach: ReachKind, via: &[Via]) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(via.len() + 1);
    if reach == ReachKind::Internet {
        parts.push("internet".into());
    }
    for v in via {
        let shown = match v.hop.as_str() {
            "internet gateway" | "load balancer" => v.resource.clone(),
            // The destination: the next hop is the hop before it.
            "route" => format!("{} {}", v.resource, v.detail.split(" → ").next().unwrap_or("")),
            "listener" => format!("{} {}", v.resource, v.detail),
            "public address" | "target group" | "interface" if !v.detail.is_empty() => {
                format!("{} {}", v.resource, v.detail)
            }
            _ => v.resource.clone(),
        };
        parts.push(if v.line > 0 { format!("{} ({}:{})", shown.trim_end(), v.file, v.line) } else { shown });
    }
    parts.join(" → ")
}

fn block(f: &Finding, report: &Report, p: &Paint, out: &mut dyn Write) -> io::Result<()> {
    let head = crate::headline(f);
    writeln!(out, "{} {} {}", p.sev(f.severity), p.bold(&escape(&head)), escape(&f.resource))?;
    let file = escape(&f.file);
    if f.line == 0 {
        // No line to point at: a whole file, or the URL a probe asked.
        writeln!(out, "  {} {}", p.dim("-->"), file)?;
    } else {
        writeln!(out, "  {} {}:{}:{}", p.dim("-->"), file, f.line, f.column)?;
    }
    if let Some(text) = report.sources.text(&f.file) {
        write!(out, "{}", snippet(&text, f.line, p))?;
    }
    writeln!(out, "  {}", escape(&f.message))?;
    if !f.sources.is_empty() {
        let shown: Vec<&str> = f.sources.iter().take(12).map(String::as_str).collect();
        let more = if f.sources.len() > 12 { format!(" (and {} more)", f.sources.len() - 12) } else { String::new() };
        writeln!(out, "  {} {}{}", p.dim("sources:"), escape(&shown.join(", ")), more)?;
    }
    if !f.path.is_empty() {
        writeln!(out, "  {} {}", p.dim("path:   "), escape(&f.path.join(" -> ")))?;
    }
    if let Some(r) = &f.reach {
        match &r.reason {
            Some(reason) => writeln!(out, "  {} {}: {}", p.dim("reach:  "), r.reach.as_str(), escape(reason))?,
            None => writeln!(out, "  {} {}", p.dim("reach:  "), r.reach.as_str())?,
        }
        if !r.via.is_empty() {
            writeln!(out, "  {} {}", p.dim("via:    "), escape(&draw_path(r.reach, &r.via)))?;
        }
    }
    for b in f.because.iter() {
        let (file, rule, resource) = (escape(&b.file), escape(&b.rule), escape(&b.resource));
        writeln!(out, "  {} {}:{}: {} ({})", p.dim("because:"), file, b.line, rule, resource)?;
    }
    for u in &f.unknown {
        writeln!(out, "  {} {}", p.dim("unknown:"), escape(u))?;
    }
    writeln!(out)
}

impl Emitter for Text {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let p = Paint { on: self.color };
        // Suppressed findings are not shown; the summary counts them.
        for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
            block(f, report, &p, out)?;
        }
        if let Some(b) = report.baseline.filter(|_| !self.quiet) {
            if !b.fixed.is_empty() {
                writeln!(out, "{}", p.bold(&format!("fixed since the baseline ({}):", b.fixed.len())))?;
                for e in b.fixed {
                    let port = match (&e.protocol, e.port) {
                        (Some(pr), Some(port)) => format!(" {pr}/{port}"),
                        _ => String::new(),
                    };
                    writeln!(out, "  {}{} {}: {}", escape(&e.rule), port, escape(&e.resource), escape(&e.message))?;
                }
                writeln!(out)?;
            }
        }
        for e in report.errors {
            let (file, message) = (escape(&e.file), escape(&e.message));
            if e.line > 0 {
                writeln!(out, "{} {}:{}:{}: {}", p.wrap(CRITICAL, "error:"), file, e.line, e.column, message)?;
            } else {
                writeln!(out, "{} {}: {}", p.wrap(CRITICAL, "error:"), file, message)?;
            }
        }
        if self.quiet {
            return Ok(());
        }
        if !report.errors.is_empty() {
            writeln!(out)?;
        }
        let line = crate::summary(report, |head| p.bold(head), |s| p.sev(s));
        writeln!(out, "{line}")
    }
}
