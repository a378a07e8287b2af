//! GitHub-flavoured Markdown, for a job summary (`$GITHUB_STEP_SUMMARY`),
//! a pull-request or merge-request comment: the summary line, a count per
//! rule, a table of the findings worst first, then each finding's details
//! folded (`<details>`): the lines around it, sources, reach (`internet`,
//! `none`, `unknown`: a column of the table, and in the details with its
//! reason and the path drawn on one line as the text report draws it), and
//! the lines that let the sources in.
//!
//! Everything that comes from an input is escaped: free text has its
//! Markdown punctuation backslash-escaped, identifiers go in code spans
//! (no mentions, links or emphasis there), HTML parts are entity-escaped,
//! and a snippet's fence is longer than any run of backticks inside it. A
//! comment has a size limit (GitHub: 65,536 characters; a job summary
//! 1 MiB), so the table stops at [`MAX_ROWS`] findings and the details at
//! [`MAX_DETAILS`], saying how many more the full report has.

use crate::html::escape as html;
use crate::snippet::around;
use crate::{headline, position, reach_lines, rule_counts, rule_name, summary, Emitter, Report};
use portcullis_rules::Finding;
use std::fmt::Write as _;
use std::io::{self, Write};

pub struct Markdown;

/// Findings listed in the table.
pub const MAX_ROWS: usize = 500;
/// Findings whose details are shown.
pub const MAX_DETAILS: usize = 50;

/// Free text on one line, its Markdown punctuation escaped (CommonMark
/// allows a backslash before any ASCII punctuation).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            // Terminal escapes and other controls mean nothing on a page.
            c if c.is_control() => out.push('\u{fffd}'),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '<' | '>' | '(' | ')' | '#' | '|' | '~' | '&' | '!'
            | '@' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// An identifier as a code span, safe in a table cell: a fence longer than
/// any run of backticks inside, `|` escaped (GitHub splits table cells
/// before it reads code spans).
pub fn code(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    let one_line = one_line.replace('|', "\\|");
    let longest = longest_run(&one_line, '`');
    let fence = "`".repeat(longest + 1);
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') || one_line.is_empty() { " " } else { "" };
    format!("{fence}{pad}{one_line}{pad}{fence}")
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A fenced code block with the lines around a finding's line.
fn snippet(source: &str, line: u32) -> String {
    let lines = around(source, line);
    if lines.is_empty() {
        return String::new();
    }
    let width = lines.last().map_or(1, |l| l.number.to_string().len());
    let longest = lines.iter().map(|l| longest_run(l.text, '`')).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}text\n");
    for l in &lines {
        let mark = if l.marked { '>' } else { ' ' };
        let cut = if l.cut { " …" } else { "" };
        let _ = writeln!(out, "{mark} {:>width$} | {}{cut}", l.number, l.text);
    }
    let _ = writeln!(out, "{fence}");
    out
}

/// The port column: `tcp/10257`, `--flag`, or nothing.
fn port(f: &Finding) -> String {
    match (&f.protocol, f.port, &f.flag) {
        (Some(protocol), Some(port), _) => format!("{protocol}/{port}"),
        (_, _, Some(flag)) => code(&format!("--{flag}")),
        _ => String::new(),
    }
}

fn details(f: &Finding, report: &Report, out: &mut String) {
    let at = position(&f.file, f.line, f.column);
    let _ = writeln!(
        out,
        "<details>\n<summary>{} {} {} ({})</summary>\n",
        f.severity,
        html(&headline(f)),
        html(&f.resource),
        html(&at)
    );
    let _ = writeln!(out, "{}\n", text(&f.message));
    if let Some(source) = report.sources.text(&f.file) {
        out.push_str(&snippet(&source, f.line));
        out.push('\n');
    }
    if !f.sources.is_empty() {
        let shown: Vec<String> = f.sources.iter().map(|s| code(s)).collect();
        let _ = writeln!(out, "- sources: {}", shown.join(", "));
    }
    if !f.path.is_empty() {
        let hops: Vec<String> = f.path.iter().map(|p| code(p)).collect();
        let _ = writeln!(out, "- path: internet → {} → {}", hops.join(" → "), code(&f.resource));
    }
    if let Some((verdict, via)) = reach_lines(f) {
        let _ = writeln!(out, "- reach: {}", text(&verdict));
        if let Some(via) = via {
            let _ = writeln!(out, "- via: {}", code(&via));
        }
    }
    for b in f.because.iter() {
        let _ = writeln!(
            out,
            "- because: {} {} ({})",
            code(&position(&b.file, b.line, b.column)),
            text(&b.rule),
            code(&b.resource)
        );
    }
    for u in &f.unknown {
        let _ = writeln!(out, "- unknown: {}", text(u));
    }
    out.push_str("\n</details>\n\n");
}

impl Emitter for Markdown {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut md = String::from("### portcullis\n\n");
        let _ = writeln!(md, "{}\n", summary(report, |head| format!("**{head}**"), |s| s.to_string()));
        let shown = crate::worst_first(report.findings);
        if !shown.is_empty() {
            md.push_str("| rule | name | findings |\n|---|---|---:|\n");
            for (code, n) in rule_counts(shown.iter().copied()) {
                let _ = writeln!(md, "| {code} | {} | {n} |", rule_name(code));
            }
            md.push_str(
                "\n| severity | finding | resource | port | reach | where | message |\n|---|---|---|---|---|---|---|\n",
            );
            for f in shown.iter().take(MAX_ROWS) {
                let finding = match f.exposure {
                    Some(e) => format!("{} {}", f.rule, e.as_str()),
                    None => f.rule.clone(),
                };
                let _ = writeln!(
                    md,
                    "| {} | {finding} | {} | {} | {} | {} | {} |",
                    f.severity,
                    code(&f.resource),
                    port(f),
                    f.reach.as_ref().map_or("", |r| r.reach.as_str()),
                    code(&position(&f.file, f.line, f.column)),
                    text(&f.message)
                );
            }
            if shown.len() > MAX_ROWS {
                let _ = writeln!(md, "\n… and {} more findings in the full report.", shown.len() - MAX_ROWS);
            }
            md.push('\n');
            for f in shown.iter().take(MAX_DETAILS) {
                details(f, report, &mut md);
            }
            if shown.len() > MAX_DETAILS {
                let _ = writeln!(md, "Details of {MAX_DETAILS} of {} findings are shown.\n", shown.len());
            }
        }
        if let Some(b) = report.baseline {
            if !b.fixed.is_empty() {
                let _ = writeln!(md, "#### Fixed since the baseline ({})\n", b.fixed.len());
                for e in b.fixed {
                    let port = match (&e.protocol, e.port) {
                        (Some(protocol), Some(port)) => format!(" {protocol}/{port}"),
                        _ => String::new(),
                    };
                    let _ = writeln!(md, "- {}{port} {}: {}", e.rule, code(&e.resource), text(&e.message));
                }
                md.push('\n');
            }
        }
        if !report.errors.is_empty() {
            let _ = writeln!(md, "#### Input errors\n");
            for e in report.errors {
                let _ = writeln!(md, "- {}: {}", code(&position(&e.file, e.line, e.column)), text(&e.message));
            }
            md.push('\n');
        }
        out.write_all(md.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_cannot_open_markup() {
        assert_eq!(
            text("<img src=x> *a* [b](c) | @team #1\nx"),
            "\\<img src=x\\> \\*a\\* \\[b\\]\\(c\\) \\| \\@team \\#1 x"
        );
    }

    #[test]
    fn code_spans_outlast_the_backticks_inside() {
        assert_eq!(code("sg-1"), "`sg-1`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }

    #[test]
    fn snippet_fence_is_longer_than_any_backtick_run() {
        let s = snippet("one\n````four\nthree\n", 2);
        assert!(s.starts_with("`````text\n"), "{s}");
        assert!(s.ends_with("\n`````\n"), "{s}");
        assert!(s.contains("> 2 | ````four\n"), "{s}");
    }
}
