//! JUnit XML, the test-report format GitLab (`artifacts:reports:junit`),
//! Jenkins (`junit`) and Azure DevOps (`PublishTestResults`) read: one
//! `testsuite` per rule that found something, one `testcase` per finding
//! (its target and port, or component and flag), and one suite for the
//! input errors.
//!
//! A finding at or above `--fail-on` is a `failure` (its type the
//! severity, its message the finding's, its text the location, sources,
//! reach with its reason, the path drawn on one line, and the lines that
//! let the sources in); one below passes, its
//! details in `system-out`; a suppressed one is `skipped` with the reason.
//! An input error is an `error`. A run with nothing to say is one passing
//! test case, so a CI step that refuses empty reports still reads it.
//! The shape is the one the Jenkins xUnit plugin's `junit-10.xsd` defines
//! (tests/junit_schema.rs checks every report against its rules;
//! docs/formats.md describes the mapping).

use crate::{headline, position, reach_lines, rule_counts, rule_name, summary, Emitter, Report};
use portcullis_rules::Finding;
use std::io::{self, Write};

pub struct Junit;

/// Text made safe for XML 1.0, in an attribute (`attribute`) or between
/// tags: markup escaped, and characters XML 1.0 cannot carry at all
/// (control characters other than tab, line feed and carriage return;
/// U+FFFE and U+FFFF) replaced by U+FFFD, since inputs may hold anything.
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            // A raw line break in an attribute is read back as a space.
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

fn attr(s: &str) -> String {
    escape(s, true)
}

fn text(s: &str) -> String {
    escape(s, false)
}

/// What a test case is about: the target and port, the component and
/// flag, or the resource alone.
fn case_name(f: &Finding) -> String {
    match (&f.protocol, f.port, &f.flag) {
        (Some(protocol), Some(port), _) => format!("{} {protocol}/{port}", f.resource),
        (_, _, Some(flag)) => format!("{} --{flag}", f.resource),
        _ => f.resource.clone(),
    }
}

/// The finding in full, as the body of its failure or its output.
fn details(f: &Finding) -> String {
    let mut out = format!("{} {}\n{}\n{}\n", f.severity, headline(f), position(&f.file, f.line, f.column), f.message);
    if !f.sources.is_empty() {
        out.push_str(&format!("sources: {}\n", f.sources.join(", ")));
    }
    if !f.path.is_empty() {
        out.push_str(&format!("path: {}\n", f.path.join(" -> ")));
    }
    if let Some((verdict, via)) = reach_lines(f) {
        out.push_str(&format!("reach: {verdict}\n"));
        if let Some(via) = via {
            out.push_str(&format!("via: {via}\n"));
        }
    }
    for b in f.because.iter() {
        out.push_str(&format!("because: {}: {} ({})\n", position(&b.file, b.line, b.column), b.rule, b.resource));
    }
    for u in &f.unknown {
        out.push_str(&format!("unknown: {u}\n"));
    }
    out
}

fn case(f: &Finding, report: &Report, out: &mut String) {
    out.push_str(&format!("    <testcase classname=\"portcullis.{}\" name=\"{}\"", attr(&f.rule), attr(&case_name(f))));
    if let Some(s) = &f.suppressed {
        let why = format!("suppressed ({}): {}", position(&s.file, s.line, s.column), s.reason);
        out.push_str(&format!(">\n      <skipped message=\"{}\"/>\n    </testcase>\n", attr(&why)));
    } else if report.fails(f) {
        out.push_str(&format!(
            ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            f.severity,
            attr(&f.message),
            text(&details(f))
        ));
    } else {
        out.push_str(&format!(">\n      <system-out>{}</system-out>\n    </testcase>\n", text(&details(f))));
    }
}

impl Emitter for Junit {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let failures = report.findings.iter().filter(|f| report.fails(f)).count();
        let errors = report.errors.len();
        let mut tests = report.findings.len() + errors;
        let clean = tests == 0;
        if clean {
            tests = 1;
        }
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.push_str(&format!(
            "<testsuites name=\"portcullis\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n"
        ));
        for (code, n) in rule_counts(report.findings) {
            let of_rule: Vec<&Finding> = report.findings.iter().filter(|f| f.rule == code).collect();
            let failed = of_rule.iter().filter(|f| report.fails(f)).count();
            let skipped = of_rule.iter().filter(|f| f.suppressed.is_some()).count();
            let name = format!("{code} {}", rule_name(code));
            xml.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">\n",
                attr(name.trim_end())
            ));
            for f in of_rule {
                case(f, report, &mut xml);
            }
            xml.push_str("  </testsuite>\n");
            // Suite by suite: a large report is never held whole.
            out.write_all(xml.as_bytes())?;
            xml.clear();
        }
        if errors > 0 {
            xml.push_str(&format!(
                "  <testsuite name=\"input errors\" tests=\"{errors}\" failures=\"0\" errors=\"{errors}\">\n"
            ));
            for e in report.errors {
                let at = position(&e.file, e.line, e.column);
                xml.push_str(&format!(
                    "    <testcase classname=\"portcullis.input\" name=\"{}\">\n      <error type=\"input\" message=\"{}\">{}</error>\n    </testcase>\n",
                    attr(&at),
                    attr(&e.message),
                    text(&format!("{at}: {}", e.message))
                ));
            }
            xml.push_str("  </testsuite>\n");
        }
        if clean {
            let line = summary(report, str::to_string, |s| s.to_string());
            xml.push_str(&format!(
                "  <testsuite name=\"portcullis\" tests=\"1\" failures=\"0\" errors=\"0\">\n    <testcase classname=\"portcullis\" name=\"no findings\">\n      <system-out>{}</system-out>\n    </testcase>\n  </testsuite>\n",
                text(&line)
            ));
        }
        xml.push_str("</testsuites>\n");
        out.write_all(xml.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_replaces_what_xml_cannot_carry() {
        assert_eq!(attr("a<b>&\"c'\nd"), "a&lt;b&gt;&amp;&quot;c&apos;&#10;d");
        assert_eq!(text("a<b>&\"c'\nd\te"), "a&lt;b&gt;&amp;\"c'\nd\te");
        assert_eq!(text("\u{0}\u{1b}[31m\u{fffe}"), "\u{fffd}\u{fffd}[31m\u{fffd}");
        assert_eq!(text("a\rb"), "a&#13;b");
    }
}
