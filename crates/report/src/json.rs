//! The version 1 JSON contract (docs/json.md): `{"version": 1, "findings":
//! […], "errors": […]}`. Findings arrive sorted; serde keeps field order, so
//! the same input prints the same bytes. Compared against a baseline,
//! `findings` are the new ones and `fixed` lists the baseline entries no
//! longer found.

use crate::baseline::BaselineEntry;
use crate::{Emitter, Report, ReportError};
use portcullis_rules::Finding;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Envelope<'a> {
    version: u32,
    findings: &'a [Finding],
    errors: &'a [ReportError],
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<&'a [BaselineEntry]>,
}

pub struct Json;

/// Findings serialized per parallel batch; bounds the memory held at once.
const WINDOW: usize = 8192;

/// One array element at depth 2, as `to_writer_pretty` would print it
/// there: serialized alone, then every line indented by two levels (JSON
/// strings escape newlines, so lines are exactly the structure's lines).
fn element<T: Serialize>(item: &T, buf: &mut Vec<u8>) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(item).map_err(io::Error::other)?;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            buf.push(b'\n');
        }
        buf.extend_from_slice(b"    ");
        buf.extend_from_slice(line);
    }
    Ok(())
}

/// A finding as an array element at depth 2: the bytes [`element`] prints,
/// written directly. Serde's generic path spent about 15,000 instructions
/// per finding on a 140,000-finding report; this is the same text without
/// the indirection and the re-indenting pass. A test checks it against
/// serde's output for findings with every optional field set and unset, so
/// a field added to `Finding` must be added here too.
pub(crate) fn write_finding(f: &Finding, buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"    ");
    let mut o = Obj::open(buf, 3);
    o.str("rule", &f.rule);
    o.str("severity", f.severity.as_str());
    o.str("kind", f.kind.as_str());
    if let Some(e) = f.exposure {
        o.str("exposure", e.as_str());
    }
    if let Some(p) = f.port {
        o.num("port", u64::from(p));
    }
    if let Some(p) = &f.protocol {
        o.str("protocol", p);
    }
    o.str("resource", &f.resource);
    o.str("file", &f.file);
    o.num("line", u64::from(f.line));
    o.num("column", u64::from(f.column));
    o.strs("sources", &f.sources);
    o.objects("because", &f.because, |inner, b| {
        inner.str("file", &b.file);
        inner.num("line", u64::from(b.line));
        inner.num("column", u64::from(b.column));
        inner.str("rule", &b.rule);
        inner.str("resource", &b.resource);
    });
    if let Some(flag) = &f.flag {
        o.str("flag", flag);
    }
    o.str("message", &f.message);
    o.str("resource_kind", &f.resource_kind);
    o.strs("path", &f.path);
    if !f.unknown.is_empty() {
        o.strs("unknown", &f.unknown);
    }
    if let Some(r) = &f.reach {
        o.str("reach", r.reach.as_str());
        if let Some(reason) = &r.reason {
            o.str("reach_reason", reason);
        }
        o.objects("via", &r.via, |inner, v| {
            inner.str("hop", &v.hop);
            inner.str("resource", &v.resource);
            inner.str("file", &v.file);
            inner.num("line", u64::from(v.line));
            inner.str("detail", &v.detail);
        });
    }
    if let Some(s) = &f.suppressed {
        o.key("suppressed");
        let mut inner = Obj::open(o.buf, 4);
        inner.str("kind", s.kind.as_str());
        inner.str("reason", &s.reason);
        if let Some(e) = &s.expires {
            inner.str("expires", e);
        }
        inner.str("file", &s.file);
        inner.num("line", u64::from(s.line));
        inner.num("column", u64::from(s.column));
        inner.close();
    }
    o.close();
}

/// A pretty-printed JSON object being written, its members at `depth`.
struct Obj<'b> {
    buf: &'b mut Vec<u8>,
    depth: usize,
    first: bool,
}

impl<'b> Obj<'b> {
    fn open(buf: &'b mut Vec<u8>, depth: usize) -> Self {
        buf.extend_from_slice(b"{");
        Obj { buf, depth, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        newline(self.buf, self.depth);
        // Keys are this file's own literals: nothing to escape.
        self.buf.push(b'"');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\": ");
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        string(self.buf, v);
    }

    fn num(&mut self, k: &str, v: u64) {
        self.key(k);
        // Writing to a `Vec` cannot fail.
        let _ = write!(self.buf, "{v}");
    }

    fn strs(&mut self, k: &str, vs: &[String]) {
        self.key(k);
        if vs.is_empty() {
            self.buf.extend_from_slice(b"[]");
            return;
        }
        self.buf.push(b'[');
        for (i, v) in vs.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            newline(self.buf, self.depth + 1);
            string(self.buf, v);
        }
        newline(self.buf, self.depth);
        self.buf.push(b']');
    }

    /// An array of objects, each written by `each`.
    fn objects<T>(&mut self, k: &str, items: &[T], each: impl Fn(&mut Obj, &T)) {
        self.key(k);
        if items.is_empty() {
            self.buf.extend_from_slice(b"[]");
            return;
        }
        self.buf.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            newline(self.buf, self.depth + 1);
            let mut inner = Obj::open(self.buf, self.depth + 2);
            each(&mut inner, item);
            inner.close();
        }
        newline(self.buf, self.depth);
        self.buf.push(b']');
    }

    fn close(self) {
        if self.first {
            self.buf.push(b'}');
        } else {
            newline(self.buf, self.depth - 1);
            self.buf.push(b'}');
        }
    }
}

fn newline(buf: &mut Vec<u8>, depth: usize) {
    buf.push(b'\n');
    buf.resize(buf.len() + 2 * depth, b' ');
}

/// A JSON string with serde_json's escapes: `"`, `\\`, the short forms of
/// \b \f \n \r \t, and `\u00XX` (lower-case hex) for other control
/// characters. Everything else, non-ASCII included, is copied as is.
fn string(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    // Nearly every string needs no escape: find the first byte that might,
    // eight at a time, and go byte by byte only from there.
    let mut start = 0;
    while let Some(chunk) = bytes.get(start..start + 8).and_then(|c| <[u8; 8]>::try_from(c).ok()) {
        if may_need_escape(u64::from_le_bytes(chunk)) {
            break;
        }
        start += 8;
    }
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[run..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(esc);
        }
        run = i + 1;
    }
    buf.extend_from_slice(&bytes[run..]);
    buf.push(b'"');
}

impl Emitter for Json {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // Small reports: serde prints the envelope in one go.
        if report.findings.len() < WINDOW {
            let env = Envelope {
                version: 1,
                findings: report.findings,
                errors: report.errors,
                fixed: report.baseline.map(|b| b.fixed),
            };
            serde_json::to_writer_pretty(&mut *out, &env).map_err(io::Error::other)?;
            return writeln!(out);
        }
        // Large ones (a 50k-group account prints 140k findings): the same
        // bytes, with the findings serialized on every core, a window at a
        // time.
        use rayon::prelude::*;
        out.write_all(b"{\n  \"version\": 1,\n  \"findings\": [\n")?;
        for (w, window) in report.findings.chunks(WINDOW).enumerate() {
            let parts: Vec<io::Result<Vec<u8>>> = window
                .par_chunks(512)
                .map(|chunk| {
                    let mut buf = Vec::with_capacity(chunk.len() * 1024);
                    for (i, f) in chunk.iter().enumerate() {
                        if i > 0 {
                            buf.extend_from_slice(b",\n");
                        }
                        write_finding(f, &mut buf);
                    }
                    Ok(buf)
                })
                .collect();
            for (i, part) in parts.into_iter().enumerate() {
                if w > 0 || i > 0 {
                    out.write_all(b",\n")?;
                }
                out.write_all(&part?)?;
            }
        }
        out.write_all(b"\n  ],\n  \"errors\": ")?;
        array(report.errors, out)?;
        if let Some(b) = report.baseline {
            out.write_all(b",\n  \"fixed\": ")?;
            array(b.fixed, out)?;
        }
        out.write_all(b"\n}\n")
    }
}

/// A top-level array member's value, as `to_writer_pretty` prints it.
fn array<T: Serialize>(items: &[T], out: &mut dyn Write) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[\n")?;
    let mut buf = Vec::new();
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b",\n");
        }
        element(e, &mut buf)?;
    }
    out.write_all(&buf)?;
    out.write_all(b"\n  ]")
}

/// Whether any of eight bytes is below 0x20, `"` or `\\` (the classic
/// "has a byte less than n" and "has a zero byte" word tricks: no false
/// negatives; a rare false positive only costs the byte-by-byte path).
fn may_need_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    below_space | quote | backslash != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_rules::{
        Because, ExposureClass, FindingKind, PathReach, ReachKind, Severity, Suppressed, SuppressionKind, Via,
    };

    fn finding(full: bool, text: &str) -> Finding {
        let because = Because {
            file: format!("dir/{text}.json"),
            line: 7,
            column: 65_535,
            rule: format!("allow tcp 10257 from {text}"),
            resource: "sg-1".into(),
        };
        Finding {
            rule: "PC100".into(),
            severity: if full { Severity::Critical } else { Severity::Info },
            kind: if full { FindingKind::Exposure } else { FindingKind::Hardening },
            exposure: full.then_some(ExposureClass::Undetermined),
            port: full.then_some(10257),
            protocol: full.then(|| "tcp".into()),
            resource: text.into(),
            file: text.into(),
            line: u32::MAX,
            column: 0,
            sources: if full { vec!["0.0.0.0/0".into(), text.into()].into() } else { Default::default() },
            because: if full { vec![because.clone(), because].into() } else { Default::default() },
            flag: full.then(|| "bind-address".into()),
            message: format!("message with {text}"),
            resource_kind: "security group".into(),
            path: if full { vec![text.into()].into() } else { Default::default() },
            unknown: if full { vec![text.into(), String::new()] } else { Vec::new() },
            // Every shape: a reason and hops, or neither (and no field).
            reach: match (full, text.len() % 2) {
                (true, _) => Some(std::sync::Arc::new(PathReach {
                    reach: ReachKind::None,
                    reason: Some(format!("no route: {text}")),
                    via: vec![
                        Via {
                            hop: "route".into(),
                            resource: format!("rtb-{text}"),
                            file: text.into(),
                            line: 4,
                            detail: format!("{text} → igw"),
                        },
                        Via {
                            hop: "interface".into(),
                            resource: text.into(),
                            file: String::new(),
                            line: 0,
                            detail: String::new(),
                        },
                    ],
                })),
                (false, 0) => {
                    Some(std::sync::Arc::new(PathReach { reach: ReachKind::Unknown, reason: None, via: Vec::new() }))
                }
                (false, _) => None,
            },
            suppressed: (!text.is_empty()).then(|| {
                Box::new(Suppressed {
                    kind: if full { SuppressionKind::Inline } else { SuppressionKind::Config },
                    reason: format!("reason: {text}"),
                    expires: full.then(|| "2026-12-31".into()),
                    file: text.into(),
                    line: 3,
                    column: 9,
                })
            }),
        }
    }

    #[test]
    fn hand_written_findings_match_serde_byte_for_byte() {
        // Every escape serde_json knows, control characters, non-ASCII and
        // a quote at both ends.
        let texts = [
            "plain",
            "\"quoted\"",
            "back\\slash",
            "a\nb\rc\td\u{8}e\u{c}f",
            "\u{1}\u{1f}\u{7f}",
            "é ✓ /",
            "",
            "sixteen bytes ok then a \" quote",
            "0123456789abcdef\\0123456789abcdef\n01234567",
            "eight by\u{1f}eight by\teight by\u{80}\u{ff}~!",
        ];
        for full in [true, false] {
            for t in texts {
                let f = finding(full, t);
                let (mut ours, mut serde) = (Vec::new(), Vec::new());
                write_finding(&f, &mut ours);
                element(&f, &mut serde).expect("serializes");
                assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&serde), "full={full} text={t:?}");
            }
        }
    }

    #[test]
    fn escape_filter_never_misses_a_byte_that_needs_escaping() {
        let naive = |w: [u8; 8]| w.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        // Every byte value at every position, among bytes that need nothing.
        for pos in 0..8 {
            for b in 0..=255u8 {
                let mut w = [b'a'; 8];
                w[pos] = b;
                assert_eq!(may_need_escape(u64::from_le_bytes(w)), naive(w), "byte {b:#x} at {pos}");
            }
        }
        // And random words: a miss would corrupt output.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let w = x.to_le_bytes();
            if naive(w) {
                assert!(may_need_escape(x), "missed {w:?}");
            }
        }
    }
}
