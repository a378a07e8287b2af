//! Fuzz target: text output never passes an input's control characters to
//! the terminal. A finding whose every string (resource, file, message,
//! sources, path, because, unknown), the snippet lines around it and an
//! input error come from the fuzzer is rendered by the text emitter; the
//! output may hold no control character but newline and tab (and the
//! emitter's own colours, which are off here) and no bidirectional
//! override. The text helpers of `portcullis_files` (escape, the UTF-8
//! positions, line-by-line reading) must not panic and must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_files::display::{escape, escape_lines, shows_nothing};
use portcullis_files::read::{not_utf8, strip_bom, valid_lines};
use portcullis_report::{text::Text, Emitter, Report, ReportError, Sources};
use portcullis_rules::{Because, Finding, FindingKind, PathReach, ReachKind, Severity, Via};
use std::sync::Arc;

struct Snippets(Arc<str>);

impl Sources for Snippets {
    fn text(&self, _file: &str) -> Option<Arc<str>> {
        Some(self.0.clone())
    }
}

fn raw_controls(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

fuzz_target!(|data: &[u8]| {
    // The text helpers on raw bytes.
    let (lines, bad) = valid_lines(data);
    assert_eq!(lines.split('\n').count(), strip_bom(data).split(|&b| b == b'\n').count(), "line numbers are kept");
    for (line, column) in bad {
        assert!(line >= 1 && column >= 1);
    }
    let text = String::from_utf8_lossy(data);
    if let Err(e) = std::str::from_utf8(strip_bom(data)) {
        let err = not_utf8("f", strip_bom(data), e.valid_up_to());
        assert!(err.line() >= 1 && err.column() >= 1);
    }
    let escaped = escape(&text);
    assert!(!raw_controls(&escaped) && !escaped.contains('\n'), "{escaped:?}");
    assert!(!raw_controls(&escape_lines(&text)));
    if !raw_controls(&text) && !text.contains('\n') {
        assert_eq!(escaped, text, "printable text is left alone");
    }
    let _ = shows_nothing(&text);

    // A finding made of the fuzzer's strings, rendered as text.
    let parts: Vec<String> = text.split('\u{1f}').map(str::to_string).collect();
    let part = |i: usize| parts.get(i % parts.len()).cloned().unwrap_or_default();
    let finding = Finding {
        rule: "PC100".into(),
        severity: Severity::Critical,
        kind: FindingKind::Exposure,
        exposure: None,
        port: Some(10257),
        protocol: Some(part(7)),
        resource: part(0),
        file: part(1),
        line: 2,
        column: 1,
        sources: Arc::from(vec![part(2), part(3)]),
        because: Arc::from(vec![Because { file: part(1), line: 1, column: 1, rule: part(4), resource: part(5) }]),
        flag: None,
        message: part(6),
        resource_kind: "security group".into(),
        path: Arc::from(vec![part(5), part(2)]),
        unknown: vec![part(3)],
        // The path is drawn on one line from names the input chose.
        reach: Some(Arc::new(PathReach {
            reach: ReachKind::Unknown,
            reason: Some(part(9)),
            via: vec![Via { hop: part(10), resource: part(0), file: part(1), line: 1, detail: part(11) }],
        })),
        suppressed: None,
    };
    let findings = [finding];
    let errors = [ReportError { file: part(1), line: 3, column: 4, message: part(6) }];
    let sources = Snippets(Arc::from(part(8)));
    let report = Report {
        findings: &findings,
        errors: &errors,
        files_read: 1,
        sources: &sources,
        baseline: None,
        fail_on: None,
    };
    let mut out = Vec::new();
    Text { color: false, quiet: false }.emit(&report, &mut out).expect("writes to memory");
    let shown = String::from_utf8(out).expect("text output is UTF-8");
    assert!(!raw_controls(&shown), "{shown:?}");
});
