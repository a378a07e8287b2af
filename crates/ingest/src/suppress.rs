//! Inline suppressions: `portcullis:ignore[PC100] reason exp:2026-12-31`
//! written in a comment of an input that has comments (Terraform HCL,
//! CloudFormation YAML, ARM JSON with comments, Bicep).
//!
//! This module only finds and parses them, with their positions; which
//! findings they silence is decided after the check
//! (`portcullis_rules::suppress`).
//!
//! **Which lines a suppression covers.** A comment after code on the same
//! line covers that line; a comment alone on its line covers the next line
//! that has code (so it can sit just above a rule or a resource). When that
//! line opens a block (a `{`, `[` or `(` it does not close, or in YAML a key
//! whose value is indented below it), the whole block is covered: a
//! suppression above a resource covers every rule in it.
//!
//! **What is refused.** A suppression without a reason, without rule codes,
//! with a malformed code or an impossible expiry date is an input error at
//! its line and column, and suppresses nothing.

use crate::error::IngestError;
use portcullis_model::Span;
use std::sync::Arc;

/// The marker that starts a suppression.
pub const MARKER: &str = "portcullis:ignore";

/// Comment syntax of an input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Terraform HCL: `#`, `//`, `/* */`; `"` strings; heredocs.
    Hcl,
    /// YAML: `#` at the start of a line or after white space.
    Yaml,
    /// JSON with comments (ARM templates): `//`, `/* */`; `"` strings.
    Jsonc,
    /// Bicep: `//`, `/* */`; `'` strings and `'''` multi-line strings.
    Bicep,
}

/// One parsed suppression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inline {
    /// Rule codes, upper-cased (`PC100`).
    pub codes: Vec<String>,
    pub reason: String,
    /// The last day it applies, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Where `portcullis:ignore` is written.
    pub span: Span,
    /// The lines it covers, inclusive.
    pub first_line: u32,
    pub last_line: u32,
}

/// What one line holds outside strings and comments.
#[derive(Clone, Copy, Debug, Default)]
struct LineInfo {
    has_code: bool,
    /// Columns of leading white space (YAML blocks).
    indent: u32,
    /// Bracket depth when the line starts and when it ends.
    depth_start: i32,
    depth_end: i32,
}

/// A comment: where it starts (byte offset), its text, and the lines it
/// spans (1-based).
struct Comment<'t> {
    offset: usize,
    text: &'t str,
    line: u32,
    end_line: u32,
    after_code: bool,
}

/// Finds every suppression in `text`. Files without the marker cost one
/// substring search.
pub fn scan(file: &Arc<str>, text: &str, syntax: Syntax) -> (Vec<Inline>, Vec<IngestError>) {
    let mut out = (Vec::new(), Vec::new());
    if memchr::memmem::find(text.as_bytes(), MARKER.as_bytes()).is_none() {
        return out;
    }
    let (comments, lines) = lex(text, syntax);
    for c in comments {
        let Some(at) = c.text.find(MARKER) else { continue };
        let offset = c.offset + at;
        let span = span_at(file, text, offset);
        match parse_directive(&c.text[at + MARKER.len()..]) {
            Ok((codes, reason, expires)) => {
                let (first_line, last_line) = cover(&lines, &c, syntax);
                out.0.push(Inline { codes, reason, expires, span, first_line, last_line });
            }
            Err(msg) => out.1.push(IngestError::invalid(&span, msg)),
        }
    }
    out
}

fn span_at(file: &Arc<str>, text: &str, offset: usize) -> Span {
    let before = &text[..offset.min(text.len())];
    let line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    Span::new(file.clone(), line, before[start..].chars().count() as u32 + 1)
}

/// `[PC100,PC101] reason exp:2026-12-31` → codes, reason, expiry.
fn parse_directive(rest: &str) -> Result<(Vec<String>, String, Option<String>), String> {
    let usage = "write `portcullis:ignore[PC100] reason` (optionally `exp:YYYY-MM-DD`)";
    let Some(inner) = rest.strip_prefix('[') else {
        return Err(format!("suppression names no rule codes: {usage}"));
    };
    let Some(close) = inner.find(']') else {
        return Err(format!("suppression: `[` is not closed: {usage}"));
    };
    let mut codes = Vec::new();
    for c in inner[..close].split(',').map(str::trim) {
        let ok = c.len() >= 3
            && c.bytes().take_while(u8::is_ascii_alphabetic).count() >= 1
            && c.trim_start_matches(|ch: char| ch.is_ascii_alphabetic()).bytes().all(|b| b.is_ascii_digit())
            && c.bytes().last().is_some_and(|b| b.is_ascii_digit());
        if !ok {
            return Err(format!("suppression: `{c}` is not a rule code like PC100: {usage}"));
        }
        codes.push(c.to_ascii_uppercase());
    }
    let mut expires = None;
    let mut words = Vec::new();
    for w in inner[close + 1..].split_whitespace() {
        match w.strip_prefix("exp:") {
            Some(d) => {
                if !valid_date(d) {
                    return Err(format!("suppression: expiry `{w}` is not a date written exp:YYYY-MM-DD"));
                }
                if expires.replace(d.to_string()).is_some() {
                    return Err("suppression: more than one expiry date".to_string());
                }
            }
            None => words.push(w),
        }
    }
    let reason = words.join(" ");
    let reason = reason.trim_start_matches([':', '-', '—']).trim().to_string();
    // Only invisible characters (a zero-width space) are no reason either.
    if portcullis_files::display::shows_nothing(&reason) {
        return Err(format!(
            "suppression of {} has no reason: say why after the codes, e.g. `portcullis:ignore[{}] vendor scrapes metrics until the VPN is up`",
            codes.join(","),
            codes.join(",")
        ));
    }
    Ok((codes, reason, expires))
}

/// A real calendar day written `YYYY-MM-DD`.
pub fn valid_date(d: &str) -> bool {
    portcullis_model::Date::parse(d).is_ok()
}

/// The lines a suppression comment covers (see the module docs).
fn cover(lines: &[LineInfo], c: &Comment, syntax: Syntax) -> (u32, u32) {
    let target = if c.after_code {
        c.line
    } else {
        match (c.end_line as usize + 1..=lines.len()).find(|&l| lines[l - 1].has_code) {
            Some(l) => l as u32,
            // Nothing follows: it covers its own line, and so nothing.
            None => return (c.line, c.line),
        }
    };
    let t = &lines[target as usize - 1];
    let mut last = target;
    if syntax == Syntax::Yaml {
        for (i, l) in lines.iter().enumerate().skip(target as usize) {
            if !l.has_code {
                continue;
            }
            if l.indent <= t.indent {
                break;
            }
            last = i as u32 + 1;
        }
    } else if t.depth_end > t.depth_start {
        // The block closes on the first later line that ends at or below
        // the depth this one started at.
        last = lines
            .iter()
            .enumerate()
            .skip(target as usize)
            .find(|(_, l)| l.depth_end <= t.depth_start)
            .map_or(lines.len() as u32, |(i, _)| i as u32 + 1);
    }
    (target, last)
}

/// One pass over the text: the comments, and for each line whether it
/// has code and its bracket depth (strings and comments excluded).
fn lex(text: &str, syntax: Syntax) -> (Vec<Comment<'_>>, Vec<LineInfo>) {
    let b = text.as_bytes();
    let mut comments = Vec::new();
    let mut lines: Vec<LineInfo> = Vec::new();
    let mut cur = LineInfo::default();
    let mut at_line_start = true;
    let mut line: u32 = 1;
    let mut depth: i32 = 0;
    let mut heredoc: Option<String> = None;
    let mut i = 0;
    let new_line = |lines: &mut Vec<LineInfo>, cur: &mut LineInfo, depth: i32| {
        cur.depth_end = depth;
        lines.push(*cur);
        *cur = LineInfo { depth_start: depth, ..Default::default() };
    };
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            new_line(&mut lines, &mut cur, depth);
            line += 1;
            at_line_start = true;
            i += 1;
            // An HCL heredoc's body is text until its closing marker.
            if let Some(marker) = heredoc.take() {
                while i < b.len() {
                    let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |e| i + e);
                    let closes = text[i..end].trim() == marker;
                    cur.has_code = true;
                    if end >= b.len() {
                        i = end;
                        break;
                    }
                    new_line(&mut lines, &mut cur, depth);
                    line += 1;
                    i = end + 1;
                    if closes {
                        break;
                    }
                }
            }
            continue;
        }
        if at_line_start {
            if c == b' ' || c == b'\t' {
                cur.indent += 1;
                i += 1;
                continue;
            }
            at_line_start = false;
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            continue;
        }
        let rest = &b[i..];
        let line_comment = match syntax {
            Syntax::Hcl => c == b'#' || rest.starts_with(b"//"),
            Syntax::Yaml => c == b'#' && (i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n')),
            Syntax::Jsonc | Syntax::Bicep => rest.starts_with(b"//"),
        };
        if line_comment {
            let end = memchr::memchr(b'\n', rest).map_or(b.len(), |e| i + e);
            comments.push(Comment { offset: i, text: &text[i..end], line, end_line: line, after_code: cur.has_code });
            i = end;
            continue;
        }
        if syntax != Syntax::Yaml && rest.starts_with(b"/*") {
            let end = memchr::memmem::find(&rest[2..], b"*/").map_or(b.len(), |e| i + 2 + e + 2);
            let body = &text[i..end];
            let newlines = body.bytes().filter(|&x| x == b'\n').count();
            comments.push(Comment {
                offset: i,
                text: body,
                line,
                end_line: line + newlines as u32,
                after_code: cur.has_code,
            });
            for _ in 0..newlines {
                new_line(&mut lines, &mut cur, depth);
                line += 1;
            }
            i = end;
            continue;
        }
        cur.has_code = true;
        match c {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth -= 1,
            _ => {}
        }
        // Strings: skipped whole, so a `#` or `//` inside one is text.
        let quote = match syntax {
            Syntax::Hcl | Syntax::Jsonc => c == b'"',
            Syntax::Bicep => c == b'\'',
            Syntax::Yaml => {
                (c == b'"' || c == b'\'')
                    && b[..i]
                        .iter()
                        .rev()
                        .find(|x| !matches!(x, b' ' | b'\t'))
                        .is_none_or(|p| matches!(p, b':' | b'-' | b'[' | b'{' | b',' | b'\n' | b'?'))
            }
        };
        if syntax == Syntax::Bicep && rest.starts_with(b"'''") {
            let end = memchr::memmem::find(&rest[3..], b"'''").map_or(b.len(), |e| i + 3 + e + 3);
            for _ in 0..b[i..end].iter().filter(|&&x| x == b'\n').count() {
                new_line(&mut lines, &mut cur, depth);
                cur.has_code = true;
                line += 1;
            }
            i = end;
            continue;
        }
        if quote {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'\n' {
                if b[j] == b'\\' && (c == b'"' || syntax == Syntax::Bicep) {
                    j += 2;
                    continue;
                }
                if b[j] == c {
                    // YAML's '' is an escaped quote.
                    if syntax == Syntax::Yaml && c == b'\'' && b.get(j + 1) == Some(&b'\'') {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j += 1;
            }
            i = (j + 1).min(b.len());
            continue;
        }
        if syntax == Syntax::Hcl && rest.starts_with(b"<<") {
            let mut j = i + 2;
            if b.get(j) == Some(&b'-') {
                j += 1;
            }
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > start {
                heredoc = Some(text[start..j].to_string());
                i = j;
                continue;
            }
        }
        i += 1;
    }
    new_line(&mut lines, &mut cur, depth);
    (comments, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_ok(text: &str, syntax: Syntax) -> Vec<Inline> {
        let (found, errors) = scan(&Arc::from("f"), text, syntax);
        assert!(errors.is_empty(), "{errors:?}");
        found
    }

    fn lines(s: &Inline) -> (u32, u32) {
        (s.first_line, s.last_line)
    }

    #[test]
    fn hcl_above_a_block_covers_the_block() {
        let text = r##"
# portcullis:ignore[PC100] metrics vendor, until the VPN exp:2026-12-31
resource "aws_security_group" "cp" {
  ingress {
    cidr_blocks = ["0.0.0.0/0"] // portcullis:ignore[pc101,PC103] "#" in a string above is text
  }
  description = <<EOT
  # portcullis:ignore[PC100] inside a heredoc is text
EOT
}
"##;
        let s = scan_ok(text, Syntax::Hcl);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(lines(&s[0]), (3, 10));
        assert_eq!(s[0].codes, ["PC100"]);
        assert_eq!(s[0].expires.as_deref(), Some("2026-12-31"));
        assert_eq!(s[0].reason, "metrics vendor, until the VPN");
        assert_eq!((s[0].span.line, s[0].span.column), (2, 3));
        assert_eq!(lines(&s[1]), (5, 5));
        assert_eq!(s[1].codes, ["PC101", "PC103"]);
    }

    #[test]
    fn yaml_key_covers_its_indented_block() {
        let text = "Resources:\n  # portcullis:ignore[PC100] lab account\n  Sg:\n    Type: x\n\n    Properties:\n      A: '#not'\n  Other:\n    Type: y\n";
        let s = scan_ok(text, Syntax::Yaml);
        assert_eq!(lines(&s[0]), (3, 7));
        let inline = scan_ok("a: b # portcullis:ignore[PC100] why\nc: 'x # portcullis:ignore[PC1] no'\n", Syntax::Yaml);
        assert_eq!(inline.len(), 1);
        assert_eq!(lines(&inline[0]), (1, 1));
    }

    #[test]
    fn jsonc_and_bicep_blocks() {
        let text = "{\n  /* portcullis:ignore[PC100]\n     reviewed */\n  \"a\": [\n    1\n  ],\n  \"b\": \"// portcullis:ignore[PC100] x\"\n}";
        let s = scan_ok(text, Syntax::Jsonc);
        assert_eq!(s.len(), 1);
        assert_eq!(lines(&s[0]), (4, 6));
        let bicep = "// portcullis:ignore[PC100] ok\nresource x 'T@1' = {\n  d: '''\n}\n'''\n}\nvar y = 1\n";
        let s = scan_ok(bicep, Syntax::Bicep);
        assert_eq!(lines(&s[0]), (2, 6));
    }

    #[test]
    fn refused_suppressions_are_errors_at_their_position() {
        for (text, want) in [
            ("# portcullis:ignore[PC100]\nx", "has no reason"),
            ("# portcullis:ignore[PC100]   exp:2026-01-01  \nx", "has no reason"),
            ("x # portcullis:ignore reason", "names no rule codes"),
            ("x # portcullis:ignore[PC100 reason", "not closed"),
            ("x # portcullis:ignore[10257] reason", "not a rule code"),
            ("x # portcullis:ignore[PC100] reason exp:2026-02-30", "not a date"),
        ] {
            let (found, errors) = scan(&Arc::from("f.tf"), text, Syntax::Hcl);
            assert!(found.is_empty(), "{text}");
            assert_eq!(errors.len(), 1, "{text}");
            assert!(errors[0].message.contains(want), "{text}: {}", errors[0].message);
            assert!(errors[0].line >= 1 && errors[0].column >= 1);
        }
        assert!(valid_date("2028-02-29") && !valid_date("2027-02-29") && !valid_date("2026-1-01"));
    }
}
