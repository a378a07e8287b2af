//! GitHub Actions workflow commands: one annotation per finding
//! (`::error file=…,line=…,col=…,title=…::message`), shown on the run and
//! on the pull request's changed lines. Critical and high findings are
//! errors, medium ones warnings, low and info ones notices; suppressed
//! findings are left out; input errors are errors. The message carries
//! the sources, the reach (`internet`, `none` or `unknown`, with the
//! reason) and the path drawn on one line as the text report draws it. The
//! summary line follows as plain log text.
//!
//! Values are escaped as the Actions toolkit does (`@actions/core`,
//! `command.ts`): in the message `%`, carriage return and line feed become
//! `%25`, `%0D`, `%0A`; in a property `:` and `,` too (`%3A`, `%2C`), since
//! they separate properties. Without this, a file name or message holding
//! `::` or a line break could forge a command of its own.
//! Reference: docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands

use crate::{headline, reach_lines, summary, Emitter, Report};
use portcullis_rules::{Finding, Severity};
use std::io::{self, Write};

pub struct Github;

/// The message of a command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property's value (`file=…`, `title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// `file=…,line=…,col=…`: no line for a whole file, no file for a URL (a
/// probe's: it is no file of the repository).
fn location(file: &str, line: u32, column: u32) -> Vec<String> {
    let mut props = Vec::new();
    if file.is_empty() || file.starts_with("https://") || file.starts_with("http://") {
        return props;
    }
    props.push(format!("file={}", escape_property(file)));
    if line > 0 {
        props.push(format!("line={line}"));
        if column > 0 {
            props.push(format!("col={column}"));
        }
    }
    props
}

fn annotation(f: &Finding) -> String {
    let mut props = location(&f.file, f.line, f.column);
    props.push(format!("title={}", escape_property(&format!("{} {}", headline(f), f.resource))));
    let mut message = f.message.clone();
    if !f.sources.is_empty() {
        message.push_str(&format!("\nsources: {}", f.sources.join(", ")));
    }
    if !f.path.is_empty() {
        message.push_str(&format!("\npath: {}", f.path.join(" -> ")));
    }
    if let Some((verdict, via)) = reach_lines(f) {
        message.push_str(&format!("\nreach: {verdict}"));
        if let Some(via) = via {
            message.push_str(&format!("\nvia: {via}"));
        }
    }
    for b in f.because.iter() {
        message.push_str(&format!("\nbecause: {}:{}: {} ({})", b.file, b.line, b.rule, b.resource));
    }
    format!("::{} {}::{}\n", command(f.severity), props.join(","), escape_data(&message))
}

impl Emitter for Github {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
            out.write_all(annotation(f).as_bytes())?;
        }
        for e in report.errors {
            let mut props = location(&e.file, e.line, e.column);
            props.push("title=input error".to_string());
            let message = if e.line == 0 && !e.file.is_empty() {
                format!("{}: {}", e.file, e.message)
            } else {
                e.message.clone()
            };
            writeln!(out, "::error {}::{}", props.join(","), escape_data(&message))?;
        }
        writeln!(out, "{}", summary(report, str::to_string, |s| s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_actions_toolkit_does() {
        assert_eq!(escape_data("100% done\r\nnext::error::x"), "100%25 done%0D%0Anext::error::x");
        assert_eq!(escape_property("a,b:c%d\ne"), "a%2Cb%3Ac%25d%0Ae");
    }
}
