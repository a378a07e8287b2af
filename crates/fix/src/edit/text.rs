//! Text surgery shared by every format: a rule's source is one literal
//! at the line and column the reader recorded, and a fix replaces that
//! literal (or removes it from its list) without touching a byte around
//! it. Block-level changes (removing a rule, copying it for a split) are
//! each format's own, in the sibling modules.

use std::ops::Range;

/// One replacement of a byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Splice {
    pub range: Range<usize>,
    pub with: String,
}

/// Applies splices (any order, none overlapping) to `text`.
pub fn apply(text: &str, splices: &[Splice]) -> Result<String, String> {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.range.start, s.range.end));
    for pair in sorted.windows(2) {
        if pair[0].range.end > pair[1].range.start {
            return Err(format!("two changes overlap at byte {}", pair[1].range.start));
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for s in sorted {
        out.push_str(&text[at..s.range.start]);
        out.push_str(&s.with);
        at = s.range.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The byte offset of 1-based `line` and `column` (in characters).
pub fn offset_of(text: &str, line: u32, column: u32) -> Option<usize> {
    let mut start = 0usize;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let rest = &text[start..];
    let end = rest.find('\n').unwrap_or(rest.len());
    let within = rest[..end].char_indices().nth(column.saturating_sub(1) as usize).map(|(i, _)| i).unwrap_or(end);
    Some(start + within)
}

/// A scalar as written: where it is, its quote, its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub range: Range<usize>,
    pub quote: Option<char>,
    pub value: String,
}

/// The literal that starts at (or, for a key's value, right after) `offset`.
pub fn literal_at(text: &str, offset: usize) -> Option<Literal> {
    let bytes = text.as_bytes();
    let mut i = offset;
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    let first = *bytes.get(i)?;
    if first == b'"' || first == b'\'' {
        let mut j = i + 1;
        while j < bytes.len() && bytes[j] != first && bytes[j] != b'\n' {
            if bytes[j] == b'\\' && first == b'"' {
                j += 1;
            }
            j += 1;
        }
        if bytes.get(j) != Some(&first) {
            return None;
        }
        return Some(Literal { range: i..j + 1, quote: Some(first as char), value: text[i + 1..j].to_string() });
    }
    // A plain YAML scalar: up to the end of the line, a comment, or a flow
    // separator.
    let line_end = text[i..].find('\n').map_or(text.len(), |n| i + n);
    let mut end = line_end;
    if let Some(c) = text[i..line_end].find(" #") {
        end = i + c;
    }
    for stop in [',', ']', '}'] {
        if let Some(c) = text[i..end].find(stop) {
            end = i + c;
        }
    }
    let value = text[i..end].trim_end();
    if value.is_empty() {
        return None;
    }
    Some(Literal { range: i..i + value.len(), quote: None, value: value.to_string() })
}

/// What a literal is written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// An element of a bracketed list: the list's range, and the range the
    /// element takes with one separator (what removing it deletes).
    Flow { list: Range<usize>, with_separator: Range<usize>, elements: usize, commas: bool },
    /// An element of a YAML block sequence (`- value` on its own line).
    BlockItem { line: Range<usize>, indent: String },
    /// The value of a key (`key = value`, `key: value`, `"key": value`).
    Value { key: String, key_range: Range<usize> },
}

/// Where the literal at `lit` sits.
pub fn place_of(text: &str, lit: &Literal) -> Option<Place> {
    let before = text[..lit.range.start].trim_end_matches([' ', '\t']);
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    if before[line_start..].trim() == "-" {
        let line_end = text[lit.range.end..].find('\n').map_or(text.len(), |n| lit.range.end + n + 1);
        let dash = line_start + before[line_start..].find('-')?;
        return Some(Place::BlockItem { line: line_start..line_end, indent: text[line_start..dash].to_string() });
    }
    let prev = before.trim_end().chars().last()?;
    if prev == ':' || prev == '=' {
        let key_text = before.trim_end();
        let key_text = &key_text[..key_text.len() - 1];
        let trimmed = key_text.trim_end();
        let quote = trimmed.ends_with('"') || trimmed.ends_with('\'');
        let inner = if quote { &trimmed[..trimmed.len() - 1] } else { trimmed };
        let start = inner.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).map_or(0, |n| n + 1);
        let key = inner[start..].to_string();
        let key_range = if quote { start - 1..trimmed.len() } else { start..trimmed.len() };
        return Some(Place::Value { key, key_range });
    }
    // Inside brackets: find the list's opening bracket at depth zero.
    let open = enclosing_open(text, lit.range.start, b'[', b']')?;
    let close = matching_close(text, open)?;
    let elements = split_elements(text, open + 1..close);
    let commas = text[open + 1..close].contains(',');
    let index = elements.iter().position(|r| r.start <= lit.range.start && lit.range.end <= r.end)?;
    let own = elements[index].clone();
    let with_separator = if elements.len() == 1 {
        own
    } else if index + 1 < elements.len() {
        own.start..elements[index + 1].start
    } else {
        elements[index - 1].end..own.end
    };
    Some(Place::Flow { list: open..close + 1, with_separator, elements: elements.len(), commas })
}

/// The ranges of a bracketed list's elements (trimmed), separated by commas
/// or new lines, skipping strings and comments.
fn split_elements(text: &str, inside: Range<usize>) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start: Option<usize> = None;
    let mut i = inside.start;
    let push = |s: Option<usize>, e: usize, out: &mut Vec<Range<usize>>| {
        if let Some(s) = s {
            let t = text[s..e].trim_end();
            if !t.is_empty() {
                out.push(s..s + t.len());
            }
        }
    };
    while i < inside.end {
        let c = b[i];
        match c {
            b'"' | b'\'' => {
                start.get_or_insert(i);
                i = skip_string(b, i);
                continue;
            }
            b'#' => {
                i = text[i..inside.end].find('\n').map_or(inside.end, |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..inside.end].find('\n').map_or(inside.end, |n| i + n);
                continue;
            }
            b'[' | b'{' | b'(' => {
                depth += 1;
                start.get_or_insert(i);
            }
            b']' | b'}' | b')' => depth -= 1,
            b',' | b'\n' if depth == 0 => {
                push(start.take(), i, &mut out);
            }
            b' ' | b'\t' | b'\r' => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    push(start, inside.end, &mut out);
    out
}

fn skip_string(b: &[u8], at: usize) -> usize {
    let q = b[at];
    let mut j = at + 1;
    while j < b.len() && b[j] != q {
        if b[j] == b'\\' && q == b'"' {
            j += 1;
        }
        j += 1;
    }
    j + 1
}

/// The nearest unclosed `open` bracket before `at`, skipping strings on
/// the way back only approximately: the scan runs forward from the text's
/// start so strings and comments are honoured.
pub fn enclosing_open(text: &str, at: usize, open: u8, close: u8) -> Option<usize> {
    let b = text.as_bytes();
    let mut stack: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < at {
        match b[i] {
            b'"' | b'\'' => {
                i = skip_string(b, i);
                continue;
            }
            b'#' => {
                i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                continue;
            }
            c if c == open => stack.push(i),
            c if c == close => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    stack.pop()
}

/// The bracket that closes the one at `open`.
pub fn matching_close(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let (o, c) = (b[open], if b[open] == b'[' { b']' } else { b'}' });
    let mut depth = 0;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' => {
                i = skip_string(b, i);
                continue;
            }
            x if x == o => depth += 1,
            x if x == c => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `value` quoted the way `lit` was.
pub fn quoted(lit: &Literal, value: &str) -> String {
    match lit.quote {
        Some(q) => format!("{q}{value}{q}"),
        None => value.to_string(),
    }
}

/// The indentation of the line holding `offset`.
pub fn indentation(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let rest = &text[start..];
    &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()]
}

/// The whole lines `range` touches, with the final newline.
pub fn whole_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let start = text[..range.start].rfind('\n').map_or(0, |n| n + 1);
    let end = text[range.end..].find('\n').map_or(text.len(), |n| range.end + n + 1);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_element_and_its_separator() {
        let t = "cidr_blocks = [\"0.0.0.0/0\", \"10.0.0.0/8\"]\n";
        let lit = literal_at(t, t.find("\"0.0").unwrap()).unwrap();
        assert_eq!(lit.value, "0.0.0.0/0");
        let Some(Place::Flow { with_separator, elements, .. }) = place_of(t, &lit) else { panic!() };
        assert_eq!(elements, 2);
        assert_eq!(&t[with_separator], "\"0.0.0.0/0\", ");
    }

    #[test]
    fn a_key_value_in_each_syntax() {
        for (t, key) in [
            ("  CidrIp: 0.0.0.0/0 # open\n", "CidrIp"),
            ("  \"sourceAddressPrefix\": \"*\",\n", "sourceAddressPrefix"),
            ("  source_address_prefix = \"*\"\n", "source_address_prefix"),
            ("  sourceAddressPrefix: '*'\n", "sourceAddressPrefix"),
        ] {
            let at = t.rfind(['0', '"', '\'']).map(|_| t.find([':', '=']).unwrap() + 1).unwrap();
            let lit = literal_at(t, at).unwrap();
            let Some(Place::Value { key: k, key_range }) = place_of(t, &lit) else { panic!("{t}") };
            assert_eq!(k, key);
            assert!(t[key_range].contains(key));
        }
        let t = "  CidrIp: 0.0.0.0/0 # open\n";
        assert_eq!(literal_at(t, 10).unwrap().value, "0.0.0.0/0");
    }

    #[test]
    fn a_block_sequence_item() {
        let t = "ranges:\n  - 0.0.0.0/0\n  - 10.0.0.0/8\n";
        let lit = literal_at(t, t.find("0.0").unwrap()).unwrap();
        assert!(matches!(place_of(t, &lit), Some(Place::BlockItem { .. })));
    }

    #[test]
    fn bicep_lists_without_commas() {
        let t = "x: [\n  '0.0.0.0/0'\n  '10.0.0.0/8'\n]\n";
        let lit = literal_at(t, t.find("'0.0").unwrap()).unwrap();
        let Some(Place::Flow { elements, commas, .. }) = place_of(t, &lit) else { panic!() };
        assert_eq!((elements, commas), (2, false));
    }

    #[test]
    fn splices_apply_in_order_and_refuse_overlaps() {
        let s = [Splice { range: 4..5, with: "X".into() }, Splice { range: 0..1, with: "Y".into() }];
        assert_eq!(apply("abcdef", &s).unwrap(), "YbcdXf");
        assert!(apply(
            "abcdef",
            &[Splice { range: 0..3, with: String::new() }, Splice { range: 2..4, with: String::new() }]
        )
        .is_err());
    }
}
