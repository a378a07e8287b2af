//! Writing planned fixes into the inputs' own text.
//!
//! Every reader records where a rule's source is written (one literal per
//! rule line), so a fix is a change of that literal: replaced by the new
//! sources, or removed from its list. Only when a literal cannot change on
//! its own does a fix touch more: a rule whose last source goes is removed
//! whole, a rule whose range splits is copied over the ports that stay, a
//! CloudFormation rule that must hold several CIDRs is copied once per
//! CIDR. Everything else in the file stays byte for byte (comments, short
//! tags, layout), which is why this edits text by the readers' positions
//! instead of serialising a tree again. Each format's rules for blocks are
//! in [`unit`]; literals and lists in [`text`].

pub mod overrides;
pub mod text;
pub mod unit;

use crate::plan::{EntryFix, Strategy};
use portcullis_model::{AddrSet, Cidr};
use std::collections::BTreeMap;
use text::{literal_at, offset_of, place_of, quoted, Literal, Place, Splice};

/// The format of a file a fix edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Terraform,
    TerraformJson,
    CloudFormationYaml,
    CloudFormationJson,
    Arm,
    Bicep,
    Kubernetes,
    /// A Terraform plan: generated, so the fix belongs in the configuration.
    TerraformPlan,
    /// A CLI dump of a live account (`aws-security-groups`, …): fixed with
    /// commands, not by editing the dump.
    Dump(&'static str),
    /// A node's saved firewall (`iptables-save`, an nftables ruleset),
    /// edited by the host branch (`crate::host`).
    Host,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Terraform => "Terraform",
            Format::TerraformJson => "Terraform JSON",
            Format::CloudFormationYaml => "CloudFormation YAML",
            Format::CloudFormationJson => "CloudFormation JSON",
            Format::Arm => "ARM template",
            Format::Bicep => "Bicep",
            Format::Kubernetes => "Kubernetes",
            Format::TerraformPlan => "Terraform plan",
            Format::Dump(kind) => kind,
            Format::Host => "host firewall",
        }
    }

    /// The format of `path`, from the reader's verdict (`read_as`, the
    /// outcome's format) and the name.
    pub fn of(path: &str, read_as: Option<&'static str>) -> Option<Format> {
        if path.ends_with(".tf") {
            return Some(Format::Terraform);
        }
        if path.ends_with(".tf.json") {
            return Some(Format::TerraformJson);
        }
        if path.ends_with(".bicep") {
            return Some(Format::Bicep);
        }
        match read_as? {
            "arm" => Some(Format::Arm),
            "cloudformation" if path.ends_with(".json") => Some(Format::CloudFormationJson),
            "cloudformation" => Some(Format::CloudFormationYaml),
            "kubernetes" => Some(Format::Kubernetes),
            "terraform-plan" => Some(Format::TerraformPlan),
            "terraform" => Some(Format::Terraform),
            "json" => None,
            kind => Some(Format::Dump(kind)),
        }
    }

    fn is_json(self) -> bool {
        matches!(self, Format::TerraformJson | Format::CloudFormationJson | Format::Arm)
    }
}

/// A fix that could not be written, and why.
#[derive(Clone, Debug)]
pub struct Refused {
    pub fix: usize,
    pub reason: String,
}

/// Keys that hold one source, and the key that holds a list of them.
const PLURALS: &[(&str, &str)] =
    &[("source_address_prefix", "source_address_prefixes"), ("sourceAddressPrefix", "sourceAddressPrefixes")];

/// What the literal a fix points at says, checked against what the model
/// read there: a source that came from a variable, a local or a parameter
/// is not at that place, and is not edited.
fn literal_means(lit: &Literal, fix: &EntryFix) -> bool {
    let v = lit.value.trim();
    if let Ok(c) = Cidr::parse(v) {
        return c.to_set() == fix.before;
    }
    if fix.before_internal.iter().any(|s| s.name == v || s.name.ends_with(v)) {
        return true;
    }
    // Azure's keywords for everyone.
    matches!(v, "*" | "Any" | "any" | "Internet" | "0.0.0.0") && !fix.before.is_empty()
}

/// The new literals for what a fix keeps.
fn new_values(fix: &EntryFix) -> Vec<String> {
    let mut out = fix.keep.to_cidr_strings();
    out.extend(fix.keep_internal.iter().map(|s| s.name.clone()));
    out
}

/// A rule to copy for a split: its text, the port ranges that stay, and
/// the fixes that asked for it.
type Copies = (std::ops::Range<usize>, Vec<(u16, u16)>, Vec<usize>);

/// One fix located in the text.
struct Located<'f> {
    index: usize,
    fix: &'f EntryFix,
    lit: Literal,
    place: Place,
}

/// Writes `fixes` (all in this file) into `text`. Returns the new text and
/// the fixes that could not be written (the others are in the text).
///
/// `module` is the text of every Terraform file of the file's directory
/// (a module), where references to variables and locals are counted.
///
/// `extra` are changes made for fixes written elsewhere (an override of a
/// shared variable in the rule that reads it): they go in with the rest.
pub fn edit(format: Format, text: &str, fixes: &[(usize, &EntryFix)], module: &[String], extra: &[Splice]) -> Edited {
    let mut refused = Vec::new();
    let mut located = Vec::new();
    let mut notes = Vec::new();
    for &(index, fix) in fixes {
        if matches!(fix.strategy, Strategy::DenyAhead { .. }) {
            refused.push(Refused {
                fix: index,
                reason: format!(
                    "the fix is a deny ahead of the rule at a free number ({}); it is written as commands for CLI \
                     dumps, not yet in {}",
                    fix.strategy.describe(),
                    format.name()
                ),
            });
            continue;
        }
        let found = locate(text, fix).and_then(|(lit, place)| {
            if format == Format::Terraform {
                if let Some(reference) = terraform_owner(text, &lit, &place, fix)? {
                    notes.push((index, shared_definition(&reference, fix, module)?));
                }
            }
            Ok((lit, place))
        });
        match found {
            Ok((lit, place)) => located.push(Located { index, fix, lit, place }),
            Err(reason) => refused.push(Refused { fix: index, reason }),
        }
    }
    let (text, refused) = write(format, text, located, refused, extra);
    Edited { text, refused, notes }
}

/// The variable or local (`var.admin`, `local.admin`) a Terraform fix's
/// source is defined in, with its literal; `None` when the source is
/// written in the rule itself (or cannot be read: the edit says why).
pub fn terraform_definition(text: &str, fix: &EntryFix) -> Option<(String, Literal)> {
    let (lit, place) = locate(text, fix).ok()?;
    let reference = terraform_owner(text, &lit, &place, fix).ok()??;
    Some((reference, lit))
}

/// How many places of a module read `reference`.
pub fn readers(module: &[String], reference: &str) -> usize {
    module.iter().map(|t| count_word(t, reference)).sum()
}

/// What [`edit`] made of a file.
pub struct Edited {
    pub text: String,
    pub refused: Vec<Refused>,
    /// Things a fix did that its user should know (fix index, note).
    pub notes: Vec<(usize, String)>,
}

/// Where a Terraform source is written: inside the rule's own resource
/// (`None`), or in a variable's default or a local (the reference that
/// reads it: `var.admin`, `local.admin`).
fn terraform_owner(text: &str, lit: &Literal, place: &Place, fix: &EntryFix) -> Result<Option<String>, String> {
    let mut open = None;
    let mut at = lit.range.start;
    while let Some(o) = text::enclosing_open(text, at, b'{', b'}') {
        open = Some(o);
        at = o;
    }
    let Some(open) = open else { return Err("the source is not inside a block".into()) };
    let header_start = text[..open].rfind('\n').map_or(0, |n| n + 1);
    let header: Vec<&str> = text[header_start..open].split_whitespace().map(|w| w.trim_matches('"')).collect();
    match header.as_slice() {
        ["resource", kind, name] => {
            let address = fix.resource.rsplit("module.").next().unwrap_or(&fix.resource);
            let address = address
                .split_once('.')
                .map(|(_, rest)| rest)
                .filter(|_| fix.resource.starts_with("module."))
                .unwrap_or(address);
            let bare = address.split('[').next().unwrap_or(address);
            if bare == format!("{kind}.{name}") {
                Ok(None)
            } else {
                Err(format!(
                    "the source is written in resource {kind}.{name}, not in the rule's {}: not fixable yet",
                    fix.resource
                ))
            }
        }
        ["variable", name] => Ok(Some(format!("var.{name}"))),
        ["locals"] => {
            // The local is the attribute whose line holds the literal
            // (`name = …`), or the key right before its list.
            let anchor = match place {
                Place::Flow { list, .. } => list.start,
                _ => lit.range.start,
            };
            let line_start = text[..lit.range.start].rfind('\n').map_or(0, |n| n + 1);
            let on_line = text[line_start..]
                .split_once('=')
                .map(|(k, _)| k.trim())
                .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-'));
            let before = text[..anchor].trim_end().trim_end_matches('=').trim_end();
            let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).map_or(0, |n| n + 1);
            let name = on_line.unwrap_or(&before[start..]);
            if name.is_empty() {
                return Err("the local that holds the source could not be named: not fixable yet".into());
            }
            Ok(Some(format!("local.{name}")))
        }
        _ => Err(format!("the source is written in `{}`: not fixable yet", header.join(" "))),
    }
}

/// A variable or local is changed where it is defined only when nothing
/// else reads it (the fixes of one that other places read are overrides,
/// written before: see [`overrides`]).
fn shared_definition(reference: &str, fix: &EntryFix, module: &[String]) -> Result<String, String> {
    let uses = readers(module, reference);
    if uses != 1 {
        return Err(format!(
            "the source comes from {reference}, which {uses} places read: changing its definition would change them \
             too, and no override could be written"
        ));
    }
    if matches!(fix.strategy, Strategy::Split { .. }) {
        return Err(format!("the source comes from {reference}: a split would copy the reference: not fixable yet"));
    }
    Ok(format!("changed where {reference} is defined: nothing else reads it"))
}

/// Occurrences of `word` not inside a longer name.
fn count_word(text: &str, word: &str) -> usize {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    text.match_indices(word)
        .filter(|(i, _)| {
            let end = i + word.len();
            (*i == 0 || (!ident(b[i - 1]) && b[i - 1] != b'.')) && (end >= b.len() || !ident(b[end]))
        })
        .count()
}

/// Writes located fixes into the text.
fn write<'f>(
    format: Format,
    text: &str,
    located: Vec<Located<'f>>,
    mut refused: Vec<Refused>,
    extra: &[Splice],
) -> (String, Vec<Refused>) {
    let mut splices: Vec<Owned> = Vec::new();
    // Lists first: the elements of one list are changed together, so a
    // removal takes the right separators and an emptied list is seen.
    let mut lists: BTreeMap<usize, Vec<&Located>> = BTreeMap::new();
    let mut removals: Vec<(&Located, &'static str)> = Vec::new();
    for l in &located {
        if let Place::Flow { list, .. } = &l.place {
            lists.entry(list.start).or_default().push(l);
        }
    }
    for group in lists.values() {
        let Place::Flow { list, .. } = &group[0].place else { continue };
        match list_splices(format, text, list.clone(), group) {
            Ok(s) => splices.extend(s),
            Err(emptied) if emptied => removals.extend(group.iter().map(|l| (*l, "its list is now empty"))),
            Err(_) => refused
                .extend(group.iter().map(|l| Refused { fix: l.index, reason: "the list could not be read".into() })),
        }
    }
    for l in &located {
        match &l.place {
            Place::Flow { .. } => {}
            Place::BlockItem { line, indent } => {
                let values = new_values(l.fix);
                if values.is_empty() {
                    splices.push((vec![l.index], Splice { range: line.clone(), with: String::new() }));
                } else {
                    let mut with = quoted(&l.lit, &values[0]);
                    for v in &values[1..] {
                        with.push_str(&format!("\n{indent}- {}", quoted(&l.lit, v)));
                    }
                    splices.push((vec![l.index], Splice { range: l.lit.range.clone(), with }));
                }
            }
            Place::Value { key, key_range } => {
                let values = new_values(l.fix);
                match values.len() {
                    0 => removals.push((l, "its only source goes")),
                    1 => splices
                        .push((vec![l.index], Splice { range: l.lit.range.clone(), with: quoted(&l.lit, &values[0]) })),
                    _ => match value_to_list(format, text, &l.lit, key, key_range.clone(), &values) {
                        Some(s) => splices.extend(s.into_iter().map(|s| (vec![l.index], s))),
                        None if format == Format::CloudFormationYaml => match yaml_copies(text, l, &values) {
                            Some(s) => splices.push((vec![l.index], s)),
                            None => refused.push(Refused {
                                fix: l.index,
                                reason: format!(
                                    "`{key}` holds one CIDR and the rule is not a list item: not fixable yet"
                                ),
                            }),
                        },
                        None => refused.push(Refused {
                            fix: l.index,
                            reason: format!(
                                "`{key}` holds one source and the fix needs {}: not fixable yet in {}",
                                values.len(),
                                format.name()
                            ),
                        }),
                    },
                }
            }
        }
    }
    // Removing whole rules.
    let mut removed_units: BTreeMap<usize, (std::ops::Range<usize>, Vec<usize>)> = BTreeMap::new();
    for (l, _why) in &removals {
        let unit = rule_unit(format, text, l.lit.range.start);
        // Another source of the same rule stays: the rule stays, and only
        // this list empties.
        let others_stay = unit.as_ref().is_some_and(|u| {
            located.iter().any(|o| {
                o.index != l.index
                    && u.start <= o.lit.range.start
                    && o.lit.range.end <= u.end
                    && !new_values(o.fix).is_empty()
            })
        });
        if others_stay {
            match &l.place {
                Place::Flow { list, .. } => {
                    splices.push((vec![l.index], Splice { range: list.start + 1..list.end - 1, with: String::new() }))
                }
                _ => refused.push(Refused {
                    fix: l.index,
                    reason: "the rule keeps other sources and this field cannot be empty: not fixable yet".into(),
                }),
            }
            continue;
        }
        match unit {
            Some(r) => {
                removed_units.entry(r.start).or_insert_with(|| (r, Vec::new())).1.push(l.index);
            }
            None => refused.push(Refused {
                fix: l.index,
                reason: format!("removing the whole rule is not fixable yet in {}", format.name()),
            }),
        }
    }
    // Splits: copies of the rule over the ports that stay.
    let mut copies: BTreeMap<usize, Copies> = BTreeMap::new();
    for l in &located {
        let Strategy::Split { stay } = &l.fix.strategy else { continue };
        if l.fix.layer_kind != portcullis_model::LayerKind::AllowUnion {
            refused.push(Refused {
                fix: l.index,
                reason: "splitting a port range in an ordered layer needs a free priority: not fixable yet".into(),
            });
            continue;
        }
        let unit = match format {
            Format::Terraform => unit::brace_block(text, l.lit.range.start),
            Format::CloudFormationYaml => unit::yaml_item(text, l.lit.range.start),
            _ => None,
        };
        let Some(unit) = unit else {
            refused.push(Refused {
                fix: l.index,
                reason: format!("splitting a port range is not fixable yet in {}", format.name()),
            });
            continue;
        };
        let slot = copies.entry(unit.start).or_insert_with(|| (unit.clone(), stay.clone(), Vec::new()));
        if &slot.1 != stay {
            refused.push(Refused {
                fix: l.index,
                reason: "the rule's sources need different port splits: not fixable yet".into(),
            });
            continue;
        }
        slot.2.push(l.index);
    }
    // The copies go right after the rule (or in its place, when the rule
    // itself goes). A copy is made from the original text: changes inside
    // the rule stay with the rule.
    let mut inserted: BTreeMap<usize, (String, Vec<usize>)> = BTreeMap::new();
    for (unit, stay, members) in copies.values() {
        let original = &text[unit.clone()];
        let mut with = String::new();
        for &(lo, hi) in stay {
            match ported_copy(format, original, lo, hi) {
                Some(copy) => with.push_str(&copy),
                None => {
                    refused.extend(members.iter().map(|&fix| Refused {
                        fix,
                        reason: "the rule's port fields could not be read for the split: not fixable yet".into(),
                    }));
                    with.clear();
                    break;
                }
            }
        }
        if !with.is_empty() {
            inserted.insert(unit.start, (with, members.clone()));
        }
    }
    for (r, mut owners) in removed_units.into_values() {
        // A removed rule drops every change inside it (their fixes now
        // depend on the removal).
        splices.retain(|(o, s)| {
            let inside = r.start <= s.range.start && s.range.end <= r.end;
            if inside {
                owners.extend(o.iter().copied());
            }
            !inside
        });
        let with = match inserted.remove(&r.start) {
            Some((with, members)) => {
                owners.extend(members);
                with
            }
            None => String::new(),
        };
        splices.push((owners, Splice { range: r, with }));
    }
    for (start, (with, members)) in inserted {
        let end = copies[&start].0.end;
        splices.push((members, Splice { range: end..end, with }));
    }
    // A change shared by a fix that could not be written is not written,
    // and its other fixes are refused with it: nothing is half done.
    loop {
        let refused_ids: std::collections::BTreeSet<usize> = refused.iter().map(|r| r.fix).collect();
        let mut more = Vec::new();
        splices.retain(|(owners, _)| {
            if owners.iter().any(|o| refused_ids.contains(o)) {
                more.extend(owners.iter().filter(|o| !refused_ids.contains(o)).map(|&fix| Refused {
                    fix,
                    reason: "it shares a change with a fix that could not be written".into(),
                }));
                return false;
            }
            true
        });
        if more.is_empty() {
            break;
        }
        refused.extend(more);
    }
    let mut plain: Vec<Splice> = splices.into_iter().map(|(_, s)| s).collect();
    plain.extend(extra.iter().cloned());
    plain.sort_by_key(|s| (s.range.start, s.range.end));
    plain.dedup();
    match text::apply(text, &plain) {
        Ok(out) => (out, refused),
        Err(reason) => {
            refused.extend(located.iter().map(|l| Refused { fix: l.index, reason: reason.clone() }));
            (text.to_string(), refused)
        }
    }
}

/// A splice and the fixes that need it.
type Owned = (Vec<usize>, Splice);

/// Where a fix's literal is, checked against the model.
fn locate(text: &str, fix: &EntryFix) -> Result<(Literal, Place), String> {
    let at = offset_of(text, fix.span.line, fix.span.column)
        .ok_or_else(|| format!("line {} is not in the file any more", fix.span.line))?;
    let lit = literal_at(text, at).ok_or_else(|| "no literal source at the rule's position".to_string())?;
    if !literal_means(&lit, fix) {
        return Err(format!(
            "the source `{}` at line {} is not written there as a literal (it comes from a variable, a local or \
             an expression): not fixable yet",
            lit.value, fix.span.line
        ));
    }
    let place = place_of(text, &lit).ok_or_else(|| "the source's place in the file could not be read".to_string())?;
    Ok((lit, place))
}

/// Changes to one bracketed list. `Err(true)` when every element goes.
fn list_splices(
    format: Format,
    text: &str,
    list: std::ops::Range<usize>,
    group: &[&Located],
) -> Result<Vec<Owned>, bool> {
    let Some(Place::Flow { elements, commas, .. }) = group.first().map(|l| &l.place) else { return Err(false) };
    let inside = list.start + 1..list.end - 1;
    let multi_line = text[inside.clone()].contains('\n');
    let removed: Vec<&Located> = group.iter().copied().filter(|l| new_values(l.fix).is_empty()).collect();
    if removed.len() == *elements {
        return Err(true);
    }
    let indent = group.first().map(|l| text::indentation(text, l.lit.range.start).to_string()).unwrap_or_default();
    let separator = if !multi_line {
        ", ".to_string()
    } else if *commas || format.is_json() {
        format!(",\n{indent}")
    } else {
        format!("\n{indent}")
    };
    let mut out = Vec::new();
    for l in group {
        let values = new_values(l.fix);
        if values.is_empty() {
            let Place::Flow { with_separator, .. } = &l.place else { continue };
            out.push((vec![l.index], Splice { range: with_separator.clone(), with: String::new() }));
        } else {
            let with: Vec<String> = values.iter().map(|v| quoted(&l.lit, v)).collect();
            out.push((vec![l.index], Splice { range: l.lit.range.clone(), with: with.join(&separator) }));
        }
    }
    // Two neighbours removed: their separators may overlap; merge them.
    out.sort_by_key(|(_, s)| s.range.start);
    let mut merged: Vec<Owned> = Vec::new();
    for (owners, s) in out {
        if let Some((last_owners, last)) = merged.last_mut() {
            if last.with.is_empty() && s.with.is_empty() && s.range.start <= last.range.end {
                last.range.end = last.range.end.max(s.range.end);
                last_owners.extend(owners);
                continue;
            }
            if s.range.start < last.range.end {
                // A removal's separator ran into a replaced neighbour.
                if last.with.is_empty() {
                    last.range.end = s.range.start;
                } else {
                    return Err(false);
                }
            }
        }
        merged.push((owners, s));
    }
    Ok(merged)
}

/// `key: one` becomes `keys: [a, b]` where the provider has a plural key.
fn value_to_list(
    format: Format,
    text: &str,
    lit: &Literal,
    key: &str,
    key_range: std::ops::Range<usize>,
    values: &[String],
) -> Option<Vec<Splice>> {
    let plural = PLURALS.iter().find(|(one, _)| *one == key)?.1;
    let key_text = &text[key_range.clone()];
    let new_key = key_text.replacen(key, plural, 1);
    let items: Vec<String> = values.iter().map(|v| quoted(lit, v)).collect();
    let list = if format == Format::Bicep {
        let indent = text::indentation(text, lit.range.start);
        format!("[\n{indent}  {}\n{indent}]", items.join(&format!("\n{indent}  ")))
    } else {
        format!("[{}]", items.join(", "))
    };
    Some(vec![Splice { range: key_range, with: new_key }, Splice { range: lit.range.clone(), with: list }])
}

/// A CloudFormation rule item copied once per CIDR (`CidrIp` holds one).
fn yaml_copies(text: &str, l: &Located, values: &[String]) -> Option<Splice> {
    let item = unit::yaml_item(text, l.lit.range.start)?;
    let original = &text[item.clone()];
    let at = l.lit.range.start - item.start..l.lit.range.end - item.start;
    let mut with = String::new();
    for v in values {
        with.push_str(&original[..at.start]);
        with.push_str(&quoted(&l.lit, v));
        with.push_str(&original[at.end..]);
    }
    Some(Splice { range: item, with })
}

/// The text of a whole rule, for removal.
fn rule_unit(format: Format, text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    match format {
        Format::Terraform => unit::brace_block(text, at),
        Format::CloudFormationYaml | Format::Kubernetes => unit::yaml_item(text, at),
        Format::TerraformJson | Format::CloudFormationJson | Format::Arm | Format::Bicep => {
            unit::array_object(text, at)
        }
        _ => None,
    }
}

/// A copy of a rule's text over ports `lo`-`hi`: its port fields changed,
/// and a resource's name suffixed so the copy is a resource of its own.
fn ported_copy(format: Format, original: &str, lo: u16, hi: u16) -> Option<String> {
    let (from, to) = match format {
        Format::Terraform => ("from_port", "to_port"),
        Format::CloudFormationYaml => ("FromPort", "ToPort"),
        _ => return None,
    };
    let mut splices = Vec::new();
    for (key, value) in [(from, lo), (to, hi)] {
        let k = find_key(original, key)?;
        let after = original[k + key.len()..].find([':', '='])? + k + key.len() + 1;
        let lit = literal_at(original, after)?;
        splices.push(Splice { range: lit.range.clone(), with: quoted(&lit, &value.to_string()) });
    }
    if format == Format::Terraform {
        let header = original.lines().next()?;
        if header.trim_start().starts_with("resource ") {
            // resource "type" "name" {: the second label gets a suffix.
            let quotes: Vec<usize> = header.match_indices('"').map(|(i, _)| i).collect();
            if quotes.len() >= 4 {
                splices.push(Splice { range: quotes[3]..quotes[3], with: format!("_ports_{lo}_{hi}") });
            }
        }
    }
    text::apply(original, &splices).ok()
}

/// The first occurrence of `key` as a whole word outside strings.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(key) {
        let at = from + i;
        let before_ok = at == 0 || !text.as_bytes()[at - 1].is_ascii_alphanumeric() && text.as_bytes()[at - 1] != b'_';
        let end = at + key.len();
        let after_ok =
            end >= text.len() || !text.as_bytes()[end].is_ascii_alphanumeric() && text.as_bytes()[end] != b'_';
        if before_ok && after_ok {
            return Some(at);
        }
        from = end;
    }
    None
}

/// What a fix does, for people: `0.0.0.0/0 → 10.0.0.0/8`.
pub fn describe(fix: &EntryFix) -> String {
    let before = sources_text(&fix.before, &fix.before_internal.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
    let after = new_values(fix);
    let after = if after.is_empty() { "nothing".to_string() } else { after.join(", ") };
    format!("{before} → {after}")
}

fn sources_text(addrs: &AddrSet, internal: &[String]) -> String {
    let mut all = addrs.to_cidr_strings();
    all.extend(internal.iter().cloned());
    all.join(", ")
}
