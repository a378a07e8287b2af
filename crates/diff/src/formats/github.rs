//! GitHub Actions workflow commands: one annotation a change on the
//! head's line (`::error` for critical and high, `::warning` for medium,
//! `::notice` otherwise and for what got better), escaped as the runner
//! reads them (docs.github.com/en/actions/reference/workflow-commands-for-github-actions).

use super::{delta_text, port_text, DiffReport};
use portcullis_rules::Severity;
use std::io::{self, Write};

/// A message: `%`, CR and LF escaped.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which end a property.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(report: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    for c in report.changes {
        let command = match (c.is_worse(), c.severity) {
            (true, Severity::Critical | Severity::High) => "error",
            (true, Severity::Medium) => "warning",
            _ => "notice",
        };
        let title = format!("{} {} {} {}", c.rule, c.change.as_str(), port_text(c), c.resource);
        let place = c.head.as_ref().or(c.base.as_ref());
        let mut props = Vec::new();
        if let Some(p) = place {
            props.push(format!("file={}", property(&p.file)));
            if p.line > 0 {
                props.push(format!("line={}", p.line));
            }
        }
        props.push(format!("title={}", property(&title)));
        let delta = delta_text(c, 8);
        let message = if delta.is_empty() { c.message.clone() } else { format!("{}\nsources: {delta}", c.message) };
        writeln!(out, "::{command} {}::{}", props.join(","), data(&message))?;
    }
    for e in report.errors {
        let mut props = vec![format!("file={}", property(&e.error.file))];
        if e.error.line > 0 {
            props.push(format!("line={}", e.error.line));
            props.push(format!("col={}", e.error.column));
        }
        writeln!(out, "::error {}::{}", props.join(","), data(&e.error.message))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_reads() {
        assert_eq!(data("a%b\nc\r"), "a%25b%0Ac%0D");
        assert_eq!(property("x:y,z"), "x%3Ay%2Cz");
    }
}
