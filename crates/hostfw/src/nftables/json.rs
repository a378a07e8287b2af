//! `nft -j list ruleset` (libnftables-json(5)): the same ruleset as the
//! text listing, as JSON objects (`table`, `chain`, `set`, `map`, `rule`
//! with `expr` statements). Read into the same [`ast`](super::ast) as the
//! text, so both compile the same way. `nft -j` prints one line: positions
//! are the line and column of each object.

use super::ast::*;
use crate::error::{ErrorKind, HostfwError};
use crate::json::{self, Node};
use portcullis_model::Span;
use portcullis_syntax::LineIndex;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Whether the JSON reader is in place.
pub const READY: bool = true;

/// `{"nftables": [` at the start.
pub fn detect(text: &str) -> bool {
    let head = crate::words::head(text, 256);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{') && t[1..].trim_start().starts_with("\"nftables\"")
}

struct Cx<'a> {
    file: Arc<str>,
    text: &'a str,
    lines: LineIndex,
    errors: Vec<HostfwError>,
}

impl Cx<'_> {
    fn span(&self, n: &Node) -> Span {
        let (l, c) = self.lines.line_column(self.text, n.offset as usize);
        Span::new(self.file.clone(), l, c)
    }

    fn err(&mut self, n: &Node, msg: impl Into<String>) {
        let s = self.span(n);
        self.errors.push(HostfwError::at(&s, ErrorKind::Invalid, msg));
    }
}

fn str_of<'n>(n: &'n Node, key: &str) -> Option<&'n str> {
    n.get(key).and_then(Node::as_str)
}

/// A value as an atom list (a concatenation gives several parts).
fn atoms(n: &Node) -> Option<Vec<Atom>> {
    if let Some(s) = n.as_str() {
        return Some(vec![Atom::One(s.to_string())]);
    }
    if let Some(s) = n.as_number_str() {
        return Some(vec![Atom::One(s.to_string())]);
    }
    if let Some(p) = n.get("prefix") {
        let addr = str_of(p, "addr")?.to_string();
        let len = p.get("len").and_then(Node::as_u64).and_then(|l| u8::try_from(l).ok())?;
        return Some(vec![Atom::Prefix(addr, len)]);
    }
    if let Some(r) = n.get("range").and_then(Node::as_array) {
        let text = |x: &Node| x.as_str().map(str::to_string).or_else(|| x.as_number_str().map(str::to_string));
        return Some(vec![Atom::Range(text(r.first()?)?, text(r.get(1)?)?)]);
    }
    if let Some(parts) = n.get("concat").and_then(Node::as_array) {
        let mut out = Vec::new();
        for p in parts {
            out.extend(atoms(p)?);
        }
        return Some(out);
    }
    // `{"elem": {"val": …, "timeout": …}}`
    if let Some(e) = n.get("elem") {
        return e.get("val").and_then(atoms);
    }
    // Flag values joined: `{"|": ["established", "related"]}`.
    if let Some(parts) = n.get("|").and_then(Node::as_array) {
        let names: Vec<String> = parts.iter().filter_map(|p| p.as_str().map(str::to_string)).collect();
        return Some(vec![Atom::One(names.join("|"))]);
    }
    None
}

fn verdict(n: &Node) -> Option<VerdictSpec> {
    let (k, v) = n.as_object()?.first().map(|m| (m.key.as_ref(), &m.value))?;
    Some(match k {
        "accept" => VerdictSpec::Accept,
        "drop" => VerdictSpec::Drop,
        "reject" => VerdictSpec::Reject,
        "return" => VerdictSpec::Return,
        "continue" => VerdictSpec::Continue,
        "jump" => VerdictSpec::Jump(str_of(v, "target")?.to_string()),
        "goto" => VerdictSpec::Goto(str_of(v, "target")?.to_string()),
        "queue" => VerdictSpec::Undecided("queue decides elsewhere".into()),
        _ => return None,
    })
}

fn expr(n: &Node) -> Option<Expr> {
    if let Some(p) = n.get("payload") {
        return Some(Expr::Payload(str_of(p, "protocol")?.to_string(), str_of(p, "field")?.to_string()));
    }
    if let Some(m) = n.get("meta") {
        return Some(Expr::Meta(str_of(m, "key")?.to_string()));
    }
    if let Some(c) = n.get("ct") {
        return Some(Expr::Ct(str_of(c, "key")?.to_string()));
    }
    if let Some(f) = n.get("fib") {
        let flags: Vec<String> = f
            .get("flags")
            .and_then(Node::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        return Some(Expr::Fib(flags, str_of(f, "result")?.to_string()));
    }
    let key = n.as_object()?.first()?.key.to_string();
    Some(Expr::Other(key))
}

fn left(n: &Node) -> Option<(Vec<Expr>, Option<Vec<String>>)> {
    if let Some(parts) = n.get("concat").and_then(Node::as_array) {
        return Some((parts.iter().map(expr).collect::<Option<Vec<_>>>()?, None));
    }
    if let Some(pair) = n.get("&").and_then(Node::as_array) {
        let e = expr(pair.first()?)?;
        let mask = pair.get(1)?;
        let bits: Vec<String> = match mask.as_array() {
            Some(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            None => vec![mask.as_str().map(str::to_string).or_else(|| mask.as_number_str().map(str::to_string))?],
        };
        return Some((vec![e], Some(bits)));
    }
    Some((vec![expr(n)?], None))
}

fn statement(cx: &mut Cx, n: &Node, stmts: &mut Vec<Stmt>) {
    let span = cx.span(n);
    let Some(first) = n.as_object().and_then(|o| o.first()) else {
        cx.err(n, "a statement is an object");
        return;
    };
    let (k, v) = (first.key.as_ref(), &first.value);
    if let Some(vd) = verdict(n) {
        if let ("reject", Some(t)) = (k, str_of(v, "type")) {
            stmts.push(Stmt::RejectWith(if t == "tcp reset" { "tcp".into() } else { t.to_string() }));
        }
        stmts.push(Stmt::Verdict(vd, span));
        return;
    }
    match k {
        "match" => {
            let op = match str_of(v, "op") {
                Some("==") => Op::Eq,
                Some("!=") => Op::Ne,
                Some("<") => Op::Lt,
                Some(">") => Op::Gt,
                Some("<=") => Op::Le,
                Some(">=") => Op::Ge,
                // `in`: a flag list or a set lookup, "any of these".
                _ => Op::Implicit,
            };
            let Some((l, mask)) = v.get("left").and_then(left) else {
                cx.err(n, "a match's left side is not an expression portcullis reads");
                stmts.push(Stmt::Unknown("match".into(), span));
                return;
            };
            let Some(r) = v.get("right") else {
                stmts.push(Stmt::Unknown("match without a right side".into(), span));
                return;
            };
            let right = if let Some(name) = r.as_str().and_then(|s| s.strip_prefix('@')) {
                Rhs::SetRef(name.to_string())
            } else if let Some(set) = r.get("set").and_then(Node::as_array) {
                let mut vals = Vec::new();
                for e in set {
                    match atoms(e) {
                        Some(a) => vals.push(a),
                        None => cx.err(e, "a set element portcullis does not read"),
                    }
                }
                Rhs::Set(vals)
            } else if let Some(list) = r.as_array() {
                Rhs::Values(list.iter().filter_map(atoms).collect())
            } else {
                match atoms(r) {
                    Some(a) => Rhs::Values(vec![a]),
                    None => {
                        cx.err(r, "a value portcullis does not read");
                        stmts.push(Stmt::Unknown("match value".into(), span));
                        return;
                    }
                }
            };
            // A flag list written without `in` is the OR of the names.
            let op = match (&right, op) {
                (Rhs::Values(v), Op::Implicit) if v.len() == 1 => Op::Implicit,
                (_, op) => op,
            };
            stmts.push(Stmt::Match { left: l, mask, op, right, span });
        }
        "vmap" => {
            let Some((l, _)) = v.get("key").and_then(left) else {
                stmts.push(Stmt::Unknown("vmap key".into(), span));
                return;
            };
            let map = match v.get("data") {
                Some(d) if d.as_str().is_some_and(|s| s.starts_with('@')) => {
                    VmapRef::Named(d.as_str().unwrap_or_default()[1..].to_string())
                }
                Some(d) => {
                    let mut els = Vec::new();
                    for pair in d.get("set").and_then(Node::as_array).unwrap_or_default() {
                        let Some([key, val]) = pair.as_array().and_then(|a| <&[Node; 2]>::try_from(a).ok()) else {
                            cx.err(pair, "a verdict map element is [key, verdict]");
                            continue;
                        };
                        let s = cx.span(pair);
                        if let Some(k) = atoms(key) {
                            els.push(Element { key: k, value: verdict(val), span: s });
                        }
                    }
                    VmapRef::Inline(els)
                }
                None => {
                    stmts.push(Stmt::Unknown("vmap without data".into(), span));
                    return;
                }
            };
            stmts.push(Stmt::Vmap { left: l, map, span });
        }
        "counter" | "log" | "comment" | "dup" | "snat" | "masquerade" => stmts.push(Stmt::Nothing),
        "limit" | "quota" => {
            let over = v.get("inv").and_then(Node::as_bool).unwrap_or(false);
            stmts.push(if over { Stmt::Const(false, span) } else { Stmt::Nothing });
        }
        "mangle" => {
            let marks = v
                .get("key")
                .and_then(expr)
                .is_some_and(|e| matches!(e, Expr::Meta(ref k) | Expr::Ct(ref k) if k == "mark"));
            stmts.push(if marks { Stmt::SetsMark } else { Stmt::Nothing });
        }
        "notrack" => stmts.push(Stmt::Notrack),
        "dnat" | "redirect" | "tproxy" => stmts.push(Stmt::Rewrites(span)),
        "set" | "map" => {
            let name = str_of(v, "set").or(str_of(v, "map")).unwrap_or_default().trim_start_matches('@').to_string();
            stmts.push(Stmt::UpdatesSet(name));
        }
        "xt" => stmts.push(Stmt::Unknown("an iptables extension translated by iptables-nft (`xt …`)".into(), span)),
        "synproxy" | "fwd" => stmts.push(Stmt::Verdict(VerdictSpec::Undecided(format!("{k} decides elsewhere")), span)),
        other => stmts.push(Stmt::Unknown(format!("statement {other}"), span)),
    }
}

fn set_def(cx: &mut Cx, n: &Node, is_map: bool) -> Option<(String, String, SetDef)> {
    let family = str_of(n, "family")?.to_string();
    let table = str_of(n, "table")?.to_string();
    let name = str_of(n, "name")?.to_string();
    let key: Vec<String> = match n.get("type") {
        Some(t) => match t.as_array() {
            Some(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            None => vec![t.as_str().unwrap_or_default().to_string()],
        },
        None => Vec::new(),
    };
    let flags: Vec<String> = n
        .get("flags")
        .and_then(Node::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut elements = Vec::new();
    for e in n.get("elem").and_then(Node::as_array).unwrap_or_default() {
        let span = cx.span(e);
        if is_map {
            let Some([k, v]) = e.as_array().and_then(|a| <&[Node; 2]>::try_from(a).ok()) else {
                cx.err(e, "a map element is [key, value]");
                continue;
            };
            if let Some(key) = atoms(k) {
                elements.push(Element { key, value: verdict(v), span });
            }
        } else if let Some(key) = atoms(e) {
            elements.push(Element { key, value: None, span });
        } else {
            cx.err(e, "a set element portcullis does not read");
        }
    }
    let dynamic = flags.iter().any(|f| f == "dynamic" || f == "timeout");
    let data = if is_map { str_of(n, "map").map(str::to_string) } else { None };
    Some((family, table, SetDef { name, span: cx.span(n), is_map, key, data, flags, elements, dynamic }))
}

/// Parses `nft -j list ruleset` output into tables.
pub fn parse(path: &str, text: &str) -> (Vec<Table>, Vec<HostfwError>) {
    let file: Arc<str> = Arc::from(path);
    let mut cx = Cx { file: file.clone(), text, lines: LineIndex::new(text), errors: Vec::new() };
    let root = match json::parse(text, json::Options::default()) {
        Ok(r) => r,
        Err(e) => {
            let (l, c) = cx.lines.line_column(text, e.offset().unwrap_or(0) as usize);
            let err =
                HostfwError::at(&Span::new(file, l, c), ErrorKind::Syntax, format!("not valid JSON: {}", e.message));
            return (Vec::new(), vec![err]);
        }
    };
    let Some(items) = root.get("nftables").and_then(Node::as_array) else {
        cx.err(&root, "`nftables` is not a list");
        return (Vec::new(), cx.errors);
    };
    let mut tables: Vec<Table> = Vec::new();
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    let table_of = |cx: &mut Cx,
                    n: &Node,
                    tables: &mut Vec<Table>,
                    index: &mut BTreeMap<(String, String), usize>|
     -> Option<usize> {
        let family = str_of(n, "family")?.to_string();
        let name = str_of(n, "table").or(str_of(n, "name"))?.to_string();
        let key = (family.clone(), name.clone());
        Some(*index.entry(key).or_insert_with(|| {
            tables.push(Table {
                family,
                name,
                span: cx.span(n),
                dormant: false,
                iptables_nft: false,
                chains: Vec::new(),
                sets: Vec::new(),
            });
            tables.len() - 1
        }))
    };
    for item in items {
        let Some(m) = item.as_object().and_then(|o| o.first()) else { continue };
        let (k, v) = (m.key.as_ref(), &m.value);
        match k {
            "metainfo" => {}
            "table" => {
                if let Some(t) = table_of(&mut cx, v, &mut tables, &mut index) {
                    let flags = v.get("flags");
                    let dormant =
                        flags.and_then(Node::as_array).is_some_and(|a| a.iter().any(|x| x.as_str() == Some("dormant")))
                            || flags.and_then(Node::as_str) == Some("dormant");
                    tables[t].dormant = dormant;
                    tables[t].span = cx.span(item);
                }
            }
            "chain" => {
                let Some(t) = table_of(&mut cx, v, &mut tables, &mut index) else { continue };
                let Some(name) = str_of(v, "name") else {
                    cx.err(item, "a chain needs a name");
                    continue;
                };
                let span = cx.span(item);
                let base = str_of(v, "hook").map(|hook| {
                    let devices = match v.get("dev") {
                        Some(d) => match d.as_array() {
                            Some(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                            None => d.as_str().map(|s| vec![s.to_string()]).unwrap_or_default(),
                        },
                        None => Vec::new(),
                    };
                    BaseSpec {
                        kind: str_of(v, "type").unwrap_or("filter").to_string(),
                        hook: hook.to_string(),
                        priority: v.get("prio").and_then(Node::as_i64).unwrap_or(0) as i32,
                        policy: str_of(v, "policy").map(|p| (p.to_string(), span.clone())),
                        devices,
                        span: span.clone(),
                    }
                });
                tables[t].chains.push(ChainDef { name: name.to_string(), span, base, rules: Vec::new() });
            }
            "set" | "map" => {
                if let Some((family, table, set)) = set_def(&mut cx, v, k == "map") {
                    let key = (family, table);
                    if let Some(&t) = index.get(&key) {
                        tables[t].sets.push(set);
                    } else {
                        cx.err(item, "a set of a table not listed before it");
                    }
                }
            }
            "rule" => {
                let Some(t) = table_of(&mut cx, v, &mut tables, &mut index) else { continue };
                let Some(chain) = str_of(v, "chain") else { continue };
                let span = cx.span(item);
                let mut stmts = Vec::new();
                for e in v.get("expr").and_then(Node::as_array).unwrap_or_default() {
                    statement(&mut cx, e, &mut stmts);
                }
                let handle = v.get("handle").and_then(Node::as_i64).unwrap_or(0);
                let raw = crate::words::head(text.get(item.offset as usize..).unwrap_or_default(), 160);
                let label = format!(
                    "rule handle {handle} of {} {} {chain}: {}",
                    tables[t].family,
                    tables[t].name,
                    raw.split("\"expr\":").nth(1).unwrap_or(raw)
                );
                let rule = RuleDef { span, text: label, stmts };
                match tables[t].chains.iter_mut().find(|c| c.name == chain) {
                    Some(c) => c.rules.push(rule),
                    None => cx.err(item, format!("a rule of chain `{chain}`, which is not listed before it")),
                }
            }
            // Flowtables, counters, quotas, ct helpers: not part of a verdict.
            _ => {}
        }
    }
    (tables, cx.errors)
}
