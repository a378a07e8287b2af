//! A Terraform rule whose sources come from a variable or a local that
//! other places read too: changing the definition would change them as
//! well, so the rule gets its own value instead. The reference in the
//! rule's block (`cidr_blocks = var.admin`) becomes the literal sources
//! the rule keeps (`cidr_blocks = ["10.0.0.0/8"]`), with a comment on the
//! line above that names the variable and says why; the definition and
//! every other reader stay as they are.
//!
//! The reference is found in the rule's own resource block, in the
//! module's files. A resource that reads the reference in several nested
//! blocks is told apart by the rule's ports (`from_port`/`to_port`); a
//! reference inside an expression (`concat(var.a, …)`) or a resource of a
//! child module is refused, with the reason.

use super::text::{enclosing_open, matching_close, quoted, Literal, Splice};
use crate::plan::EntryFix;
use std::ops::Range;

/// Keys that hold one source: the override must be one string.
const SINGULAR: &[&str] = &["source_address_prefix", "cidr_block", "ipv6_cidr_block"];

/// One file of a module: its path (as the scan names it) and text.
pub struct ModuleFile {
    pub path: String,
    pub text: String,
}

/// Where an override is written: the file and the reference's range.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    pub path: String,
    pub start: usize,
    pub end: usize,
}

/// Finds the reference `reference` (`var.admin`) the rule of `fix` reads.
pub fn site(fix: &EntryFix, reference: &str, module: &[ModuleFile]) -> Result<Site, String> {
    if fix.resource.starts_with("module.") {
        return Err(format!(
            "the source comes from {reference} of a child module: an override belongs in the module call: not fixable yet"
        ));
    }
    let address = fix.resource.split('[').next().unwrap_or(&fix.resource);
    let Some((kind, name)) = address.split_once('.') else {
        return Err(format!("the rule's resource {} could not be found", fix.resource));
    };
    for file in module {
        let Some(block) = resource_block(&file.text, kind, name) else { continue };
        let uses: Vec<usize> = word_positions(&file.text[block.clone()], reference).map(|i| block.start + i).collect();
        let chosen: Vec<usize> = if uses.len() <= 1 {
            uses
        } else {
            // Several nested blocks read it: the one with the rule's ports.
            let (lo, hi) = port_bounds(fix);
            uses.into_iter()
                .filter(|&at| {
                    let open = enclosing_open(&file.text, at, b'{', b'}').unwrap_or(block.start);
                    let close = matching_close(&file.text, open).unwrap_or(block.end);
                    let inner = &file.text[open..close];
                    number_of(inner, "from_port") == Some(lo) && number_of(inner, "to_port") == Some(hi)
                })
                .collect()
        };
        return match chosen.as_slice() {
            [at] => Ok(Site { path: file.path.clone(), start: *at, end: *at + reference.len() }),
            [] => Err(format!("the rule's reference to {reference} could not be found in {}", fix.resource)),
            _ => Err(format!("{} reads {reference} in several places that its ports do not tell apart", fix.resource)),
        };
    }
    Err(format!("resource {} is not in the module's files", fix.resource))
}

/// The splices that write `values` at `site` in `text`, and the comment
/// above it. `like` is a literal of the definition, whose quotes the new
/// literals take.
pub fn splices(
    text: &str,
    site: &Site,
    values: &[String],
    reference: &str,
    readers: usize,
    like: &Literal,
) -> Result<Vec<Splice>, String> {
    let (start, end) = (site.start, site.end);
    let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n);
    let before = text[line_start..start].trim_end();
    let after = text[end..line_end].trim_start();
    let rest_is_comment = after.is_empty() || after.starts_with('#') || after.starts_with("//");
    let quote = |v: &String| quoted(&Literal { quote: Some(like.quote.unwrap_or('"')), ..like.clone() }, v);
    let items: Vec<String> = values.iter().map(quote).collect();
    let with = if let Some(key) = before.strip_suffix('=').map(str::trim) {
        if !rest_is_comment {
            return Err(format!("{reference} is part of an expression in the rule: not fixable yet"));
        }
        if SINGULAR.contains(&key) {
            match items.as_slice() {
                [one] => one.clone(),
                _ => {
                    return Err(format!("`{key}` holds one source and the fix needs {}: not fixable yet", items.len()))
                }
            }
        } else {
            format!("[{}]", items.join(", "))
        }
    } else if before.ends_with('[') || before.ends_with(',') {
        if !(after.starts_with(']') || after.starts_with(',')) {
            return Err(format!("{reference} is part of an expression in the rule: not fixable yet"));
        }
        items.join(", ")
    } else {
        return Err(format!("{reference} is part of an expression in the rule: not fixable yet"));
    };
    if values.is_empty() {
        return Err(format!(
            "nothing authorized remains of {reference}: removing the rule is not written for an override yet"
        ));
    }
    let indent = &text[line_start..line_start + (text[line_start..].len() - text[line_start..].trim_start().len())];
    let others = readers.saturating_sub(1);
    let comment = format!(
        "{indent}# portcullis fix: this rule's own sources; {reference} is left as it is for the {others} other place{} that read{} it\n",
        if others == 1 { "" } else { "s" },
        if others == 1 { "s" } else { "" }
    );
    Ok(vec![Splice { range: line_start..line_start, with: comment }, Splice { range: start..end, with }])
}

/// The rule's ports as one range (the bounds its block writes).
fn port_bounds(fix: &EntryFix) -> (u16, u16) {
    let runs = fix.ports.runs();
    (runs.first().map_or(0, |r| r.0), runs.last().map_or(65535, |r| r.1))
}

/// `key = N` in `text`, as a number.
fn number_of(text: &str, key: &str) -> Option<u16> {
    let at = word_positions(text, key).next()?;
    let rest = text[at + key.len()..].trim_start().strip_prefix('=')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The range of `resource "kind" "name" { … }`.
fn resource_block(text: &str, kind: &str, name: &str) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(i) = text[from..].find("resource") {
        let at = from + i;
        from = at + 8;
        let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
        let header: Vec<&str> = text[at..line_end].split_whitespace().map(|w| w.trim_matches('"')).collect();
        if header.len() >= 4 && header[1] == kind && header[2] == name && header[3] == "{" {
            let open = at + text[at..line_end].find('{')?;
            let close = matching_close(text, open)?;
            return Some(open..close + 1);
        }
    }
    None
}

/// Where `word` occurs in `text`, not inside a longer name.
pub fn word_positions<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    text.match_indices(word).map(|(i, _)| i).filter(move |&i| {
        let end = i + word.len();
        (i == 0 || (!ident(b[i - 1]) && b[i - 1] != b'.')) && (end >= b.len() || !ident(b[end]))
    })
}
