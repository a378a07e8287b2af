//! Human output: one block per finding with the admitting line shown in
//! its source, the admitted sources, and the path of layers; against a
//! baseline, the entries fixed since; then a summary. Suppressed findings
//! are left out and counted in the summary.
//!
//! Every piece of text that comes from an input (names, paths, lines of
//! source, messages) goes through `portcullis_files::display::escape`: a
//! control character in an input must not drive the reader's terminal.

use crate::{severity_counts, Emitter, Report};
use portcullis_files::display::escape;
use portcullis_rules::{Finding, ReachKind, Severity, Via};
use std::io::{self, Write};

pub struct Text {
    pub color: bool,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn sev(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.wrap(code, s.as_str())
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// Lines around `line` (1-based), the marked line prefixed with `>`.
fn snippet(text: &str, line: u32, p: &Paint) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if line == 0 || line as usize > lines.len() {
        return String::new();
    }
    let first = line.saturating_sub(2).max(1);
    let last = (line + 2).min(lines.len() as u32);
    let width = last.to_string().len();
    let mut out = String::new();
    for n in first..=last {
        let src = lines[(n - 1) as usize];
        // Very long lines (minified JSON) are cut, on a char boundary.
        let cut: String = src.chars().take(160).collect();
        let ell = if cut.len() < src.len() { " …" } else { "" };
        let shown = escape(&cut);
        if n == line {
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
    let head = match (&f.protocol, f.port) {
        (Some(pr), Some(port)) => match f.exposure {
            Some(e) => format!("{} {} {}/{}", f.rule, e.as_str(), pr, port),
            None => format!("{} {}/{}", f.rule, pr, port),
        },
        _ => f.rule.clone(),
    };
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
        let shown: Vec<&Finding> = report.findings.iter().filter(|f| f.suppressed.is_none()).collect();
        let suppressed = report.findings.len() - shown.len();
        for f in &shown {
            block(f, report, &p, out)?;
        }
        if let Some(b) = report.baseline {
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
                writeln!(out, "{} {}:{}:{}: {}", p.wrap("1;31", "error:"), file, e.line, e.column, message)?;
            } else {
                writeln!(out, "{} {}: {}", p.wrap("1;31", "error:"), file, message)?;
            }
        }
        if !report.errors.is_empty() {
            writeln!(out)?;
        }
        let counts: Vec<(Severity, usize)> = if suppressed == 0 {
            severity_counts(report.findings)
        } else {
            severity_counts(report.findings)
                .into_iter()
                .map(|(s, _)| (s, shown.iter().filter(|f| f.severity == s).count()))
                .filter(|(_, n)| *n > 0)
                .collect()
        };
        let n = shown.len();
        let by = if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.iter().map(|(s, c)| format!("{c} {}", p.sev(*s))).collect::<Vec<_>>().join(", "))
        };
        let errs = match report.errors.len() {
            0 => String::new(),
            1 => ", 1 input error".to_string(),
            k => format!(", {k} input errors"),
        };
        let files = report.sources.describe_inputs(report.files_read);
        let (new, against) = match report.baseline {
            Some(b) => {
                ("new ", format!("; {} unchanged, {} fixed since the baseline", b.unchanged.len(), b.fixed.len()))
            }
            None => ("", String::new()),
        };
        let head = format!("{n} {new}finding{}", if n == 1 { "" } else { "s" });
        let sup = if suppressed == 0 { String::new() } else { format!("; {suppressed} suppressed") };
        writeln!(out, "{}{} in {}{}{}{}", p.bold(&head), by, files, errs, against, sup)
    }
}
