//! kube-controller-manager's flags, fixed where they are written.
//!
//! A hardening finding names a controller manager and one of its flags.
//! The reader recorded where each flag is written: a word of a pod's
//! command line (`--bind-address=0.0.0.0`, a block or flow list item, or a
//! word of a shell command string), a key of a map (kubeadm `v1beta3`
//! `extraArgs`, RKE `extra_args`, Talos, kops, a
//! `KubeControllerManagerConfiguration`), the `name` of a kubeadm
//! `v1beta4` `{name, value}` entry, or an item of k3s/RKE2
//! `kube-controller-manager-arg` (`bind-address=0.0.0.0`). A fix changes
//! the value in place; a list flag that keeps nothing is removed, so its
//! default (the safe one) applies; a flag the input leaves unset, whose
//! upstream default is the finding, is added next to the component's last
//! written flag, in the same form. Everything else in the file stays byte
//! for byte, comments and layout included. A place this cannot read is
//! reported as not fixable, with the reason.
//!
//! What each fix sets (kube-controller-manager's flag reference,
//! <https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/>):
//! `--bind-address=127.0.0.1` (PC200), `--authorization-always-allow-paths`
//! without the paths beyond `/healthz,/readyz,/livez` (PC203),
//! `--tls-min-version=VersionTLS12` (PC205), `--tls-cipher-suites`
//! without the suites Go lists as insecure (PC206), `--profiling=false`
//! (PC207).

use crate::edit::text::{self, literal_at, offset_of, Literal, Place, Splice};
use crate::edit::unit;
use crate::plan::Safety;
use portcullis_model::{ControllerManager, Estate, Origin, Span};
use portcullis_rules::hardening::pc206_insecure_cipher_suites::GO_INSECURE_CIPHER_SUITES;
use portcullis_rules::Finding;
use std::ops::Range;

/// kube-controller-manager's default `--authorization-always-allow-paths`.
const DEFAULT_PATHS: &[&str] = &["/healthz", "/readyz", "/livez"];

/// What happens to the flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The flag takes this value (written, or added when unset).
    Set(String),
    /// A list flag keeps these items; none: the flag goes, and its default
    /// applies.
    Keep(Vec<String>),
}

/// The change to one flag of one controller manager.
#[derive(Clone, Debug)]
pub struct FlagFix {
    pub rule: String,
    /// The controller manager (`Pod kube-system/kube-controller-manager`).
    pub resource: String,
    pub flag: String,
    /// Where the finding points (the flag, or the component when unset).
    pub span: Span,
    /// Where the flag is written; `None` when the input leaves it unset.
    pub written: Option<Span>,
    /// Its effective value (repeated list flags accumulate).
    pub value: String,
    /// The last flag written for the component: where an unset flag is
    /// added.
    pub last_written: Option<Span>,
    pub change: Change,
    pub safety: Safety,
    /// Why the fix is unsafe, when it is.
    pub risk: Option<&'static str>,
}

impl FlagFix {
    /// What the fix does, for people: `--bind-address=0.0.0.0 → --bind-address=127.0.0.1`.
    pub fn describe(&self) -> String {
        let before = if self.written.is_some() {
            format!("--{}={}", self.flag, self.value)
        } else {
            format!("--{} unset", self.flag)
        };
        let after = match &self.change {
            Change::Set(v) => format!("--{}={v}", self.flag),
            Change::Keep(items) if items.is_empty() => format!("--{} removed (its default applies)", self.flag),
            Change::Keep(items) => format!("--{}={}", self.flag, items.join(",")),
        };
        format!("{before} → {after}")
    }
}

/// The fix for a hardening finding, or why there is none.
pub fn plan(estate: &Estate, f: &Finding) -> Result<FlagFix, String> {
    let flag = f.flag.as_deref().ok_or("the finding names no flag")?;
    let cm = component(estate, f).ok_or("the controller manager the finding names is not in the model")?;
    let written = cm.flags.iter().find(|x| x.name == flag && x.origin == Origin::Explicit);
    let value = written.map(|x| x.value.clone()).unwrap_or_default();
    let items =
        |v: &str| -> Vec<String> { v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect() };
    let (change, risk): (Change, Option<&'static str>) = match (f.rule.as_str(), flag) {
        ("PC200", "bind-address") => (
            Change::Set("127.0.0.1".into()),
            Some("anything that reaches the port from another host (a metrics scraper, a health check) loses access"),
        ),
        ("PC203", "authorization-always-allow-paths") => (
            Change::Keep(items(&value).into_iter().filter(|p| DEFAULT_PATHS.contains(&p.as_str())).collect()),
            Some("a scraper that read these paths anonymously gets 403 until it presents a token"),
        ),
        ("PC205", "tls-min-version") => (Change::Set("VersionTLS12".into()), None),
        ("PC206", "tls-cipher-suites") => (
            Change::Keep(
                items(&value).into_iter().filter(|s| !GO_INSECURE_CIPHER_SUITES.contains(&s.as_str())).collect(),
            ),
            None,
        ),
        ("PC207", "profiling") => (Change::Set("false".into()), None),
        (rule, _) => return Err(format!("{rule} findings: not fixable yet")),
    };
    if written.is_none() && !matches!(change, Change::Set(_)) {
        return Err(format!("--{flag} is not written in the input: nothing to narrow"));
    }
    let last_written = cm
        .flags
        .iter()
        .filter(|x| x.origin == Origin::Explicit && x.span.file == cm.span.file)
        .max_by_key(|x| (x.span.line, x.span.column))
        .map(|x| x.span.clone());
    Ok(FlagFix {
        rule: f.rule.clone(),
        resource: f.resource.clone(),
        flag: flag.to_string(),
        span: Span::new(f.file.as_str().into(), f.line, f.column),
        written: written.map(|x| x.span.clone()),
        value,
        last_written,
        change,
        safety: if risk.is_some() { Safety::Unsafe } else { Safety::Safe },
        risk,
    })
}

/// The controller manager a finding is about: its id, in the finding's
/// file.
fn component<'e>(estate: &'e Estate, f: &Finding) -> Option<&'e ControllerManager> {
    let mut candidates = estate.controller_managers.iter().filter(|cm| cm.id == f.resource);
    let all: Vec<&ControllerManager> = candidates.by_ref().collect();
    let at = |s: &Span| s.file.as_ref() == f.file && s.line == f.line && s.column == f.column;
    all.iter()
        .copied()
        .find(|cm| at(&cm.span) || cm.flags.iter().any(|x| at(&x.span)))
        .or_else(|| all.iter().copied().find(|cm| cm.span.file.as_ref() == f.file))
}

/// How a written flag sits in the text.
#[derive(Debug)]
enum Written {
    /// `--name=value` or `name=value` inside a scalar: the value's bytes
    /// (inside its quotes, if quoted; empty after the name for a bare
    /// boolean), the whole word, and the scalar that holds only this word
    /// when it is one (a list item of its own).
    Word { value: Range<usize>, bare: bool, word: Range<usize>, alone: Option<Literal>, dashes: &'static str },
    /// `name: value`: the value's literal.
    Key { lit: Literal },
    /// A kubeadm v1beta4 `{name, value}` entry: the value's literal and the
    /// whole item.
    Entry { name: Literal, lit: Literal, item: Range<usize> },
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// Reads what is written at `span`.
fn written_at(text: &str, span: &Span) -> Result<Written, String> {
    let at = offset_of(text, span.line, span.column).ok_or("the flag's line is not in the file any more")?;
    let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    let mut start = at;
    let quote = text[at..].chars().next().filter(|c| *c == '"' || *c == '\'');
    if quote.is_some() {
        start += 1;
    }
    let dashes = if text[start..].starts_with("--") {
        "--"
    } else if text[start..].starts_with('-') && !text[start..].starts_with("- ") {
        "-"
    } else {
        ""
    };
    let name_start = start + dashes.len();
    let name_end = text[name_start..line_end].find(|c: char| !is_name_char(c)).map_or(line_end, |n| name_start + n);
    let name = &text[name_start..name_end];
    if name.is_empty() {
        return Err("no flag at the flag's position".into());
    }
    let next = text[name_end..line_end].chars().next();
    match next {
        Some('=') => {
            let mut value_start = name_end + 1;
            let inner_quote = text[value_start..].chars().next().filter(|c| *c == '"' || *c == '\'');
            let value_end = match inner_quote {
                Some(q) => {
                    value_start += 1;
                    text[value_start..line_end].find(q).map(|n| value_start + n).ok_or("an unclosed quote")?
                }
                None => text[value_start..line_end]
                    .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ';')
                    .map_or(line_end, |n| value_start + n),
            };
            let word_end = value_end + usize::from(inner_quote.is_some());
            Ok(Written::Word {
                value: value_start..value_end,
                bare: false,
                word: start..word_end,
                alone: alone(text, start, word_end),
                dashes,
            })
        }
        Some(':') if dashes.is_empty() && name == "name" => {
            let name_lit = literal_at(text, name_end + 1).ok_or("the entry's name could not be read")?;
            let item = unit::yaml_item(text, at).ok_or("the entry's item could not be read")?;
            let lit =
                key_in(text, item.clone(), "value").ok_or("the entry has no `value` on one line: not fixable yet")?;
            Ok(Written::Entry { name: name_lit, lit, item })
        }
        Some(':') => {
            let lit = literal_at(text, name_end + 1)
                .filter(|l| !l.value.starts_with('[') && !l.value.starts_with('|') && !l.value.starts_with('>'))
                .ok_or("the flag's value is not written on its key's line: not fixable yet")?;
            Ok(Written::Key { lit })
        }
        _ if !dashes.is_empty() => {
            // `--profiling` alone, or `--flag value` (two words).
            let after = text[name_end..line_end].trim_start_matches([' ', '\t']);
            let next_word = after.chars().next();
            if next_word.is_none_or(|c| c == '-' || c == '"' || c == '\'' || c == '#' || c == ']' || c == ',') {
                let word_end = name_end;
                Ok(Written::Word {
                    value: name_end..name_end,
                    bare: true,
                    word: start..word_end,
                    alone: alone(text, start, word_end),
                    dashes,
                })
            } else {
                Err("the flag's value is a separate word: not fixable yet".into())
            }
        }
        _ => Err("the flag's place could not be read: not fixable yet".into()),
    }
}

/// The scalar (a list item) that holds exactly the word `start..end`:
/// a block-sequence item (`- --flag=value`, quoted or not, a comment
/// after it) or a flow-list element (`["kcm", "--flag=value"]`). A word
/// that shares its scalar with others (a shell command string) has none.
fn alone(text: &str, start: usize, end: usize) -> Option<Literal> {
    let b = text.as_bytes();
    let quote = (start > 0 && matches!(b[start - 1], b'"' | b'\'')).then(|| b[start - 1]);
    let from = if quote.is_some() { start - 1 } else { start };
    let to = match quote {
        Some(q) => (b.get(end) == Some(&q)).then_some(end + 1)?,
        None => end,
    };
    let line_start = text[..from].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[to..].find('\n').map_or(text.len(), |n| to + n);
    let before = text[line_start..from].trim();
    let after = text[to..line_end].trim_start();
    let block = before == "-" && (after.is_empty() || after.starts_with('#'));
    let flow = quote.is_some()
        && (before.ends_with('[') || before.ends_with(','))
        && (after.starts_with(',') || after.starts_with(']'));
    (block || flow).then(|| Literal {
        range: from..to,
        quote: quote.map(char::from),
        value: text[start..end].to_string(),
    })
}

/// The literal of `key: value` on a line of `range`.
fn key_in(text: &str, range: Range<usize>, key: &str) -> Option<Literal> {
    let mut at = range.start;
    for line in text[range.clone()].split_inclusive('\n') {
        let body = line.trim_start().trim_start_matches("- ").trim_start();
        if let Some(rest) = body.strip_prefix(key) {
            if rest.trim_start().starts_with(':') {
                let colon = at + (line.len() - body.len()) + key.len() + rest.find(':')?;
                return literal_at(text, colon + 1);
            }
        }
        at += line.len();
    }
    None
}

/// `value` as a YAML scalar written like `lit`: in its quotes; plain when
/// `lit` is plain and YAML reads both alike (a string where a string was,
/// a boolean where a boolean was, as kops' `enableProfiling: true`); a
/// plain string that YAML would read as a boolean or a number is
/// double-quoted, so a map of strings (kubeadm's `extraArgs`) stays one.
fn scalar_like(lit: &Literal, value: &str) -> String {
    let typed =
        |v: &str| v.parse::<f64>().is_ok() || matches!(v, "true" | "false" | "True" | "False" | "TRUE" | "FALSE");
    match lit.quote {
        Some(_) => text::quoted(lit, value),
        None if typed(value) && !typed(&lit.value) => format!("\"{value}\""),
        None => value.to_string(),
    }
}

/// The splices that make `fix` in `text`.
pub fn splices(text: &str, fix: &FlagFix) -> Result<Vec<Splice>, String> {
    match &fix.written {
        Some(span) => change_written(text, fix, span),
        None => add(text, fix),
    }
}

fn change_written(text: &str, fix: &FlagFix, span: &Span) -> Result<Vec<Splice>, String> {
    let place = written_at(text, span)?;
    let now = match &place {
        Written::Word { value, .. } => text[value.clone()].to_string(),
        Written::Key { lit } | Written::Entry { lit, .. } => lit.value.clone(),
    };
    let shown_now = if now.is_empty() { "true" } else { now.as_str() };
    let effective = fix.value.trim();
    if shown_now.trim() != effective && !(matches!(place, Written::Key { .. }) && effective.contains(',')) {
        return Err(format!(
            "--{} is written more than once (the value here, `{now}`, is not the effective `{effective}`): not fixable yet",
            fix.flag
        ));
    }
    let new_value = match &fix.change {
        Change::Set(v) => Some(v.clone()),
        Change::Keep(items) if items.is_empty() => None,
        Change::Keep(items) => Some(items.join(",")),
    };
    match (place, new_value) {
        (Written::Word { value, bare: true, .. }, Some(v)) => Ok(vec![Splice { range: value, with: format!("={v}") }]),
        (Written::Word { value, .. }, Some(v)) => Ok(vec![Splice { range: value, with: v }]),
        (Written::Key { lit }, Some(v)) | (Written::Entry { lit, .. }, Some(v)) => {
            Ok(vec![Splice { range: lit.range.clone(), with: scalar_like(&lit, &v) }])
        }
        (Written::Word { word, alone, .. }, None) => match alone {
            Some(lit) => remove_item(text, &lit),
            None => {
                // A word of a shell command string: the word and the blank
                // before it.
                let from = text[..word.start].trim_end_matches([' ', '\t']).len();
                if from == word.start || text[from..word.start].contains('\n') {
                    return Err("the flag's word could not be removed cleanly: not fixable yet".into());
                }
                Ok(vec![Splice { range: from..word.end, with: String::new() }])
            }
        },
        (Written::Key { lit }, None) => {
            Ok(vec![Splice { range: text::whole_lines(text, lit.range.clone()), with: String::new() }])
        }
        (Written::Entry { item, .. }, None) => Ok(vec![Splice { range: item, with: String::new() }]),
    }
}

/// Removes a list item (a block-sequence line or a flow-list element).
fn remove_item(text: &str, lit: &Literal) -> Result<Vec<Splice>, String> {
    match text::place_of(text, lit) {
        Some(Place::BlockItem { line, .. }) => Ok(vec![Splice { range: line, with: String::new() }]),
        Some(Place::Flow { with_separator, elements, .. }) if elements > 1 => {
            Ok(vec![Splice { range: with_separator, with: String::new() }])
        }
        _ => Err("the flag's list item could not be removed: not fixable yet".into()),
    }
}

/// Adds an unset flag next to the last written flag, in its form.
fn add(text: &str, fix: &FlagFix) -> Result<Vec<Splice>, String> {
    let Change::Set(v) = &fix.change else { return Err("nothing to add".into()) };
    let last = fix
        .last_written
        .as_ref()
        .ok_or_else(|| format!("--{} is unset and no flag is written to add it next to: not fixable yet", fix.flag))?;
    let place = written_at(text, last)?;
    match place {
        Written::Word { alone: Some(lit), dashes, .. } => {
            let item = text::quoted(&lit, &format!("{dashes}{}={v}", fix.flag));
            match text::place_of(text, &lit) {
                Some(Place::BlockItem { line, indent }) => {
                    Ok(vec![Splice { range: line.end..line.end, with: format!("{indent}- {item}\n") }])
                }
                Some(Place::Flow { .. }) => {
                    Ok(vec![Splice { range: lit.range.end..lit.range.end, with: format!(", {item}") }])
                }
                _ => Err("the last flag's list item could not be read: not fixable yet".into()),
            }
        }
        Written::Word { word, alone: None, dashes, .. } => {
            if dashes.is_empty() {
                return Err("the last flag's form could not be read: not fixable yet".into());
            }
            Ok(vec![Splice { range: word.end..word.end, with: format!(" {dashes}{}={v}", fix.flag) }])
        }
        Written::Key { lit } => {
            let lines = text::whole_lines(text, lit.range.clone());
            let indent = text::indentation(text, lit.range.start);
            let line = &text[lines.clone()];
            if line.trim_start().starts_with('-') {
                return Err("the last flag is not a map key of its own line: not fixable yet".into());
            }
            let newline = if line.ends_with('\n') { "" } else { "\n" };
            Ok(vec![Splice {
                range: lines.end..lines.end,
                with: format!("{newline}{indent}{}: {}\n", fix.flag, scalar_like(&lit, v)),
            }])
        }
        Written::Entry { name, lit, item } => {
            // A copy of the last entry with its name and value replaced.
            let original = &text[item.clone()];
            let name_at = name.range.start - item.start..name.range.end - item.start;
            let value_at = lit.range.start - item.start..lit.range.end - item.start;
            let mut copy = text::apply(
                original,
                &[
                    Splice { range: name_at, with: text::quoted(&name, &fix.flag) },
                    Splice { range: value_at, with: scalar_like(&lit, v) },
                ],
            )?;
            if !copy.ends_with('\n') {
                copy.insert(0, '\n');
            }
            Ok(vec![Splice { range: item.end..item.end, with: copy }])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn fix(flag: &str, written: Option<(u32, u32)>, value: &str, last: Option<(u32, u32)>, change: Change) -> FlagFix {
        let span = |(l, c): (u32, u32)| Span::new(Arc::from("f"), l, c);
        FlagFix {
            rule: "PC200".into(),
            resource: "x".into(),
            flag: flag.into(),
            span: span((1, 1)),
            written: written.map(span),
            value: value.into(),
            last_written: last.map(span),
            change,
            safety: Safety::Safe,
            risk: None,
        }
    }

    fn run(t: &str, f: &FlagFix) -> String {
        text::apply(t, &splices(t, f).expect("a change")).expect("applies")
    }

    #[test]
    fn a_word_in_a_shell_string_is_changed_and_removed_in_place() {
        let t = "    - /bin/sh -c \"kube-controller-manager --tls-cipher-suites=A,B --x=y 2>&1\"\n";
        let col = t.find("--tls").unwrap() as u32 + 1;
        let keep = fix("tls-cipher-suites", Some((1, col)), "A,B", None, Change::Keep(vec!["B".into()]));
        assert_eq!(run(t, &keep), t.replace("=A,B", "=B"));
        let drop = fix("tls-cipher-suites", Some((1, col)), "A,B", None, Change::Keep(vec![]));
        assert_eq!(run(t, &drop), t.replace(" --tls-cipher-suites=A,B", ""));
    }

    #[test]
    fn a_bare_boolean_gets_its_value() {
        let t = "command: [\"kube-controller-manager\", \"--profiling\"]\n";
        let col = t.find("--prof").unwrap() as u32 + 1;
        let f = fix("profiling", Some((1, col)), "true", None, Change::Set("false".into()));
        assert_eq!(run(t, &f), t.replace("--profiling", "--profiling=false"));
    }

    #[test]
    fn a_flow_list_item_is_removed_with_its_separator() {
        let t = "args: [\"--a=b\", \"--tls-cipher-suites=X\"]\n";
        let col = t.find("--tls").unwrap() as u32 + 1;
        let f = fix("tls-cipher-suites", Some((1, col)), "X", None, Change::Keep(vec![]));
        assert_eq!(run(t, &f), "args: [\"--a=b\"]\n");
    }

    #[test]
    fn a_repeated_list_flag_is_refused() {
        let t = "- --tls-cipher-suites=A\n- --tls-cipher-suites=B\n";
        let f = fix("tls-cipher-suites", Some((2, 3)), "A,B", None, Change::Keep(vec![]));
        assert!(splices(t, &f).unwrap_err().contains("more than once"));
    }

    #[test]
    fn a_map_value_stays_a_string() {
        let t = "extraArgs:\n  profiling: \"true\"\n  bind-address: 0.0.0.0 # was open\n";
        let f = fix("profiling", Some((2, 3)), "true", None, Change::Set("false".into()));
        assert_eq!(run(t, &f), t.replace("\"true\"", "\"false\""));
        let f = fix("profiling", None, "", Some((3, 3)), Change::Set("false".into()));
        assert_eq!(run(t, &f), format!("{t}  profiling: \"false\"\n"));
    }
}
