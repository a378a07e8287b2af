//! A rule as a unit of text: the block, mapping or object that holds one
//! rule, found from one of its literals, so a rule can be removed whole or
//! copied for a port split. Terraform and Bicep blocks are whole lines
//! from the line that opens the brace to the line that closes it; a JSON
//! object is an array element with its separator; a CloudFormation rule is
//! a YAML block-sequence item.

use super::text::{enclosing_open, matching_close};
use std::ops::Range;

/// The whole lines of the innermost `{ … }` block around `at`.
pub fn brace_block(text: &str, at: usize) -> Option<Range<usize>> {
    let open = enclosing_open(text, at, b'{', b'}')?;
    let close = matching_close(text, open)?;
    let start = text[..open].rfind('\n').map_or(0, |n| n + 1);
    let mut end = text[close..].find('\n').map_or(text.len(), |n| close + n + 1);
    // A block between blank lines takes one of them along, so removing it
    // leaves one blank line, not two.
    let blank_before = start == 0 || text[..start].ends_with("\n\n");
    if blank_before && text[end..].starts_with('\n') {
        end += 1;
    }
    Some(start..end)
}

/// The innermost object around `at` that is an element of an array, with
/// one separator (what removing it deletes), and the whole array's
/// element count.
pub fn array_object(text: &str, at: usize) -> Option<Range<usize>> {
    let mut pos = at;
    loop {
        let open = enclosing_open(text, pos, b'{', b'}')?;
        let before = text[..open].trim_end();
        let prev = before.chars().last()?;
        let close = matching_close(text, open)?;
        // An element of an array when the innermost bracket around the
        // object is `[` (JSON separates elements with commas, Bicep with
        // new lines).
        let array = enclosing_open(text, open, b'[', b']');
        let object = enclosing_open(text, open, b'{', b'}');
        let in_array =
            matches!((array, object), (Some(a), Some(o)) if a > o) || matches!((array, object), (Some(_), None));
        if in_array {
            let after = &text[close + 1..];
            let trimmed = after.trim_start();
            if let Some(rest) = trimmed.strip_prefix(',') {
                // Up to the next element.
                let next = close + 1 + (after.len() - trimmed.len()) + 1 + (rest.len() - rest.trim_start().len());
                let start = text[..open].rfind('\n').map_or(open, |n| n + 1);
                let next_line = text[..next].rfind('\n').map_or(next, |n| n + 1);
                return Some(start..next_line);
            }
            if prev == ',' {
                // The last element: take the comma before it.
                let comma = before.len() - 1;
                let line_end = text[close..].find('\n').map_or(text.len(), |n| close + n);
                return Some(comma..line_end);
            }
            let start = text[..open].rfind('\n').map_or(open, |n| n + 1);
            let end = text[close..].find('\n').map_or(text.len(), |n| close + n + 1);
            return Some(start..end);
        }
        pos = open;
    }
}

/// The YAML block-sequence item (`- Key: …` and its deeper lines) whose
/// mapping holds the line at `at`.
pub fn yaml_item(text: &str, at: usize) -> Option<Range<usize>> {
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let indent_of = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let own = indent_of(&text[line_start..]);
    // Walk back to the dash that opens the item.
    let mut start = line_start;
    let dash_indent = loop {
        let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let line = &text[start..line_end];
        let t = line.trim_start_matches(' ');
        if t.starts_with("- ") && indent_of(line) < own.max(1) + 2 && indent_of(line) <= own {
            break indent_of(line);
        }
        if !t.is_empty() && !t.starts_with('#') && indent_of(line) < own {
            return None;
        }
        if start == 0 {
            return None;
        }
        start = text[..start - 1].rfind('\n').map_or(0, |n| n + 1);
    };
    // Forward to the first line at or left of the dash.
    let mut end = text[start..].find('\n').map_or(text.len(), |n| start + n + 1);
    while end < text.len() {
        let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n + 1);
        let line = &text[end..line_end];
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') && indent_of(line) <= dash_indent {
            break;
        }
        end = line_end;
    }
    // Trailing blank and comment lines belong to what follows.
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terraform_block_is_its_lines() {
        let t = "resource \"x\" \"y\" {\n  ingress {\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";
        let r = brace_block(t, t.find("0.0.0").unwrap()).unwrap();
        assert_eq!(&t[r], "  ingress {\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n");
    }

    #[test]
    fn a_json_array_element_with_its_comma() {
        let t = "{\"a\": [\n  {\"k\": \"1\"},\n  {\"k\": \"2\"}\n]}";
        let first = array_object(t, t.find("\"1\"").unwrap()).unwrap();
        assert_eq!(&t[first], "  {\"k\": \"1\"},\n");
        let last = array_object(t, t.find("\"2\"").unwrap()).unwrap();
        assert_eq!(&t[last], ",\n  {\"k\": \"2\"}");
    }

    #[test]
    fn a_yaml_item_ends_at_the_next_dash() {
        let t = "Ingress:\n  - IpProtocol: tcp\n    CidrIp: 0.0.0.0/0\n  - IpProtocol: udp\n";
        let r = yaml_item(t, t.find("CidrIp").unwrap()).unwrap();
        assert_eq!(&t[r], "  - IpProtocol: tcp\n    CidrIp: 0.0.0.0/0\n");
    }
}
