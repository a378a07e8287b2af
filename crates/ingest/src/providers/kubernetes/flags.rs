//! kube-controller-manager's command line as a list of flags with
//! positions: `--flag=value`, `--flag value`, a boolean flag alone, and
//! commands wrapped in a shell or a log runner (`/bin/sh -c "… kube-controller-manager --a=b 2>&1 | tee …"`,
//! `/go-runner --log-file=… /usr/local/bin/kube-controller-manager`): only
//! what follows the binary is its flags, up to a shell separator.
//!
//! Parsing follows the flag library Kubernetes components use
//! (spf13/pflag): a boolean flag never takes the next word as its value,
//! and a string flag given twice keeps the last value; list flags
//! (`--tls-cipher-suites`, `--authorization-always-allow-paths`) given
//! twice accumulate.

use portcullis_model::{Flag, Origin, Span};
use portcullis_syntax::{Kind, Value};

/// kube-controller-manager's boolean flags (its flag reference,
/// <https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/>):
/// alone they mean `true`, and they never consume the next word.
const BOOL_FLAGS: &[&str] = &[
    "allocate-node-cidrs",
    "alsologtostderr",
    "authentication-skip-lookup",
    "authentication-tolerate-lookup-failure",
    "configure-cloud-routes",
    "contention-profiling",
    "enable-dynamic-provisioning",
    "enable-garbage-collector",
    "enable-hostpath-provisioner",
    "enable-leader-migration",
    "enable-taint-manager",
    "leader-elect",
    "logtostderr",
    "one-output",
    "permit-address-sharing",
    "permit-port-sharing",
    "profiling",
    "skip-headers",
    "skip-log-headers",
    "use-service-account-credentials",
    "version",
];

/// Flags whose values add up when repeated (pflag string slices).
pub const LIST_FLAGS: &[&str] =
    &["authorization-always-allow-paths", "tls-cipher-suites", "controllers", "tls-sni-cert-key", "feature-gates"];

/// A word of a command line and where it starts.
#[derive(Clone, Debug)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// The words of one `command`/`args` item. A plain item is one word; an
/// item with spaces (a shell command string) is split on white space.
///
/// Each word's position is found in the source text, searching forward
/// from the item's position: a multi-line plain or folded scalar has its
/// line breaks folded into spaces, so offsets inside the value are not
/// offsets in the file. A word not found where expected (an escape
/// sequence in a double-quoted scalar) takes the item's position.
pub fn words_of(item: &Value, lines: &[&str]) -> Vec<Word> {
    let text = match &item.kind {
        Kind::String(s) | Kind::Number(s) => s.clone(),
        Kind::Bool(b) => b.to_string(),
        _ => return Vec::new(),
    };
    // Search cursor: 0-based line and byte offset in that line.
    let mut at_line = item.span.line.saturating_sub(1) as usize;
    let mut at_byte = lines
        .get(at_line)
        .map(|l| l.char_indices().nth(item.span.column.saturating_sub(1) as usize).map_or(l.len(), |(b, _)| b))
        .unwrap_or(0);
    let mut out = Vec::new();
    for w in text.split_whitespace() {
        // Words of one item stay within a few lines of each other; a bound
        // keeps a pathological file from quadratic searching.
        let found = (at_line..lines.len().min(at_line + 64)).find_map(|li| {
            let from = if li == at_line { at_byte } else { 0 };
            let line = lines.get(li)?;
            let pos = line.get(from..)?.find(w)?;
            Some((li, from + pos))
        });
        let span = match found {
            Some((li, byte)) => {
                let line = lines.get(li).copied().unwrap_or("");
                let col = line.get(..byte).map_or(0, |p| p.chars().count()) as u32 + 1;
                at_line = li;
                at_byte = byte + w.len();
                Span::new(item.span.file.clone(), li as u32 + 1, col)
            }
            None => item.span.clone(),
        };
        out.push(Word { text: w.to_string(), span });
    }
    out
}

/// The words of a YAML list (or a single string) of command-line items.
pub fn words_of_list(node: Option<&Value>, lines: &[&str]) -> Vec<Word> {
    match node.map(|n| &n.kind) {
        Some(Kind::List(items)) => items.iter().flat_map(|i| words_of(i, lines)).collect(),
        Some(_) => node.map(|n| words_of(n, lines)).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// Whether a word is the controller manager binary (`kube-controller-manager`,
/// `/usr/local/bin/kube-controller-manager`, hyperkube's `controller-manager`).
pub fn is_binary(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word).trim_matches(['"', '\'']);
    base == "kube-controller-manager"
}

fn is_separator(w: &str) -> bool {
    matches!(w, ";" | "|" | "&&" | "||" | "&")
        || w.starts_with('>')
        || w.starts_with("2>")
        || w.starts_with("1>")
        || w.ends_with(';')
}

fn unquote(v: &str) -> &str {
    let v = v.trim_end_matches(';');
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Flags from the words of a command line that follow the binary.
pub fn parse_words(words: &[Word]) -> Vec<Flag> {
    let mut flags: Vec<Flag> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if is_separator(&w.text) {
            break;
        }
        let body = w.text.strip_prefix("--").or_else(|| w.text.strip_prefix('-').filter(|b| b.contains('=')));
        let Some(body) = body.map(unquote) else {
            i += 1;
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), unquote(v).to_string()),
            None if BOOL_FLAGS.contains(&body) => (body.to_string(), "true".to_string()),
            None => match words.get(i + 1) {
                Some(next) if !next.text.starts_with('-') && !is_separator(&next.text) => {
                    i += 1;
                    (body.to_string(), unquote(&next.text).to_string())
                }
                _ => (body.to_string(), String::new()),
            },
        };
        let trailing_sep = w.text.ends_with(';');
        set(&mut flags, Flag { name, value, span: w.span.clone(), origin: Origin::Explicit });
        if trailing_sep {
            break;
        }
        i += 1;
    }
    flags
}

/// Sets a flag as a repeated flag would: list flags accumulate, others
/// keep the last value.
pub fn set(flags: &mut Vec<Flag>, f: Flag) {
    match flags.iter_mut().find(|x| x.name == f.name) {
        Some(x) if LIST_FLAGS.contains(&f.name.as_str()) && x.origin == Origin::Explicit => {
            if !f.value.is_empty() {
                x.value = if x.value.is_empty() { f.value } else { format!("{},{}", x.value, f.value) };
            }
            x.span = f.span;
        }
        Some(x) => *x = f,
        None => flags.push(f),
    }
}

/// Adds the flags a distribution writes itself, unless the input sets them.
pub fn add_defaults(flags: &mut Vec<Flag>, defaults: &[(&str, &str)], span: &Span, who: &str) {
    for (name, value) in defaults {
        if flags.iter().all(|f| f.name != *name) {
            flags.push(Flag {
                name: name.to_string(),
                value: value.to_string(),
                span: span.clone(),
                origin: Origin::Default(format!("{who} sets --{name}={value} unless told otherwise")),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The words of `s` written as a one-line plain scalar at line 1,
    /// column 5.
    fn w(s: &str) -> Vec<Word> {
        let line = format!("  - {s}");
        let node = Value { kind: Kind::String(s.into()), span: Span::new(Arc::from("f"), 1, 5) };
        words_of(&node, &[line.as_str()])
    }

    fn get<'a>(f: &'a [Flag], n: &str) -> Option<&'a str> {
        f.iter().find(|x| x.name == n).map(|x| x.value.as_str())
    }

    #[test]
    fn both_forms_and_booleans() {
        let f = parse_words(&w("--bind-address 0.0.0.0 --profiling --secure-port=10257 --leader-elect false-ish"));
        assert_eq!(get(&f, "bind-address"), Some("0.0.0.0"));
        assert_eq!(get(&f, "profiling"), Some("true"), "a boolean never takes the next word");
        assert_eq!(get(&f, "secure-port"), Some("10257"));
        assert_eq!(get(&f, "leader-elect"), Some("true"));
    }

    #[test]
    fn columns_of_words_in_one_item() {
        let ws = w("kcm --a=b  --c=d");
        assert_eq!(ws.iter().map(|x| x.span.column).collect::<Vec<_>>(), vec![5, 9, 16]);
    }

    #[test]
    fn positions_of_words_in_a_folded_scalar() {
        // `- /usr/local/bin/kube-controller-manager` continued on the next
        // lines, as old kops and GCE manifests wrote it: the value is one
        // line of text, the words sit on three lines of the file.
        let lines = ["    - /bin/kcm", "      --a=b", "      --c=d 2>&1"];
        let node =
            Value { kind: Kind::String("/bin/kcm --a=b --c=d 2>&1".into()), span: Span::new(Arc::from("f"), 1, 7) };
        let ws = words_of(&node, &lines);
        let at: Vec<(u32, u32)> = ws.iter().map(|x| (x.span.line, x.span.column)).collect();
        assert_eq!(at, vec![(1, 7), (2, 7), (3, 7), (3, 13)]);
    }

    #[test]
    fn stops_at_shell_separators_and_lists_accumulate() {
        let f = parse_words(&w("--tls-cipher-suites=A --tls-cipher-suites=B --port=0 --port=10252 2>&1 | tee --log=x"));
        assert_eq!(get(&f, "tls-cipher-suites"), Some("A,B"));
        assert_eq!(get(&f, "port"), Some("10252"), "the last value wins");
        assert_eq!(get(&f, "log"), None);
    }
}
