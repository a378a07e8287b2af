//! `nft list ruleset` text (and the same syntax in `/etc/nftables.conf`)
//! into the [`ast`](super::ast): a tokenizer that keeps each token's line
//! and column, and a parser for tables, chains, sets, maps and rules
//! (nft(8), <https://wiki.nftables.org/>).
//!
//! `define` variables are substituted; `include` cannot be followed (the
//! file is not in the input) and is reported.

use super::ast::*;
use crate::error::{ErrorKind, HostfwError};
use portcullis_model::Span;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
    /// `{ } ; , ( ) @ $ =` and the end of a line.
    Punct(char),
    Newline,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: u32,
    column: u32,
}

fn tokenize(text: &str, errors: &mut Vec<HostfwError>, file: &Arc<str>) -> Vec<Token> {
    let mut out = Vec::new();
    for (n, line) in crate::words::lines(text) {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let column = i as u32 + 1;
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            if c == '#' {
                // A comment to the end of the line; iptables-nft's warning
                // is kept as a word the parser recognises.
                let rest: String = chars[i..].iter().collect();
                if rest.contains("managed by iptables-nft") {
                    out.push(Token { tok: Tok::Word("#iptables-nft".into()), line: n, column });
                }
                break;
            }
            if c == '"' {
                let mut s = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < chars.len() {
                    if chars[j] == '\\' && j + 1 < chars.len() {
                        s.push(chars[j + 1]);
                        j += 2;
                        continue;
                    }
                    if chars[j] == '"' {
                        closed = true;
                        break;
                    }
                    s.push(chars[j]);
                    j += 1;
                }
                if !closed {
                    errors.push(HostfwError::at(
                        &Span::new(file.clone(), n, column),
                        ErrorKind::Syntax,
                        "a string is not closed on this line",
                    ));
                }
                out.push(Token { tok: Tok::Str(s), line: n, column });
                i = j + 1;
                continue;
            }
            if matches!(c, '{' | '}' | ';' | ',' | '(' | ')' | '@' | '$') {
                out.push(Token { tok: Tok::Punct(c), line: n, column });
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '{' | '}' | ';' | ',' | '(' | ')' | '"' | '@' | '$' | '#')
            {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            if w == "=" {
                out.push(Token { tok: Tok::Punct('='), line: n, column });
            } else {
                out.push(Token { tok: Tok::Word(w), line: n, column });
            }
        }
        out.push(Token { tok: Tok::Newline, line: n, column: chars.len() as u32 + 1 });
    }
    out
}

/// Words that start an expression on the left of a match.
const PROTOCOLS: &[&str] = &[
    "ip", "ip6", "tcp", "udp", "udplite", "sctp", "dccp", "th", "icmp", "icmpv6", "ether", "vlan", "arp", "ah", "esp",
    "comp", "igmp", "dst", "hbh", "frag", "mh", "rt", "srh", "rt0", "rt2", "rt4", "ipsec", "osf", "socket", "exthdr",
];
const BARE_META: &[&str] = &[
    "iifname",
    "oifname",
    "iif",
    "oif",
    "iiftype",
    "oiftype",
    "iifgroup",
    "oifgroup",
    "mark",
    "l4proto",
    "nfproto",
    "protocol",
    "pkttype",
    "skuid",
    "skgid",
    "length",
    "priority",
    "cpu",
    "cgroup",
    "rtclassid",
    "ibriport",
    "obriport",
    "ibrname",
    "obrname",
    "random",
    "time",
    "day",
    "hour",
    "secmark",
    "nftrace",
    "sdif",
    "sdifname",
    "iifkind",
    "oifkind",
];
const VERDICTS: &[&str] = &["accept", "drop", "reject", "return", "continue", "jump", "goto", "queue"];
const STATEMENTS: &[&str] = &[
    "counter",
    "log",
    "limit",
    "quota",
    "comment",
    "notrack",
    "dnat",
    "snat",
    "masquerade",
    "redirect",
    "tproxy",
    "synproxy",
    "fwd",
    "dup",
    "xt",
    "flow",
    "add",
    "update",
    "delete",
    "set",
];

fn is_start(w: &str) -> bool {
    PROTOCOLS.contains(&w)
        || BARE_META.contains(&w)
        || VERDICTS.contains(&w)
        || STATEMENTS.contains(&w)
        || matches!(w, "meta" | "ct" | "fib" | "numgen" | "jhash" | "symhash")
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    file: Arc<str>,
    errors: &'a mut Vec<HostfwError>,
    defines: BTreeMap<String, Vec<Token>>,
    lines: Vec<&'a str>,
    /// The kind after the last `reject with`.
    reject_with: Option<String>,
}

impl Parser<'_> {
    fn span_at(&self, t: &Token) -> Span {
        Span::new(self.file.clone(), t.line, t.column)
    }

    fn here(&self) -> Span {
        match self.toks.get(self.pos) {
            Some(t) => self.span_at(t),
            None => self.toks.last().map(|t| self.span_at(t)).unwrap_or_else(|| Span::new(self.file.clone(), 1, 1)),
        }
    }

    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.errors.push(HostfwError::at(&span, ErrorKind::Syntax, msg));
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_word(&self) -> Option<&str> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline) | Some(Tok::Punct(';'))) {
            self.pos += 1;
        }
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> Option<String> {
        match self.peek().cloned() {
            Some(Tok::Word(w)) | Some(Tok::Str(w)) => {
                self.pos += 1;
                Some(w)
            }
            _ => None,
        }
    }

    /// Skips to the end of the current braced block (the opening brace
    /// already read).
    fn skip_block(&mut self) {
        let mut depth = 1;
        while let Some(t) = self.next() {
            match t.tok {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// Skips to the end of the line.
    fn skip_line(&mut self) {
        while let Some(t) = self.peek() {
            if matches!(t, Tok::Newline | Tok::Punct(';')) {
                break;
            }
            if matches!(t, Tok::Punct('}')) {
                return;
            }
            if matches!(t, Tok::Punct('{')) {
                self.pos += 1;
                self.skip_block();
                continue;
            }
            self.pos += 1;
        }
    }

    fn ruleset(&mut self) -> Vec<Table> {
        let mut tables = Vec::new();
        loop {
            self.skip_newlines();
            let Some(t) = self.next() else { break };
            let span = self.span_at(&t);
            match &t.tok {
                Tok::Word(w) if w == "table" || (w == "add" && self.peek_word() == Some("table")) => {
                    if w == "add" {
                        self.pos += 1;
                    }
                    if let Some(tb) = self.table(span) {
                        tables.push(tb);
                    }
                }
                Tok::Word(w) if w == "flush" || w == "#iptables-nft" => self.skip_line(),
                Tok::Word(w) if w.starts_with("#!") => self.skip_line(),
                Tok::Word(w) if w == "define" || w == "redefine" => self.define(),
                Tok::Word(w) if w == "include" => {
                    self.err(span, "`include` names a file that is not in the input: save `nft list ruleset` instead");
                    self.skip_line();
                }
                Tok::Word(w) => {
                    let w = w.clone();
                    self.err(span, format!("`{w}` does not start a table (`table FAMILY NAME {{`)"));
                    self.skip_line();
                }
                Tok::Punct('}') => self.err(span, "a `}` closes nothing"),
                _ => {
                    self.err(span, "expected a table");
                    self.skip_line();
                }
            }
        }
        tables
    }

    fn define(&mut self) {
        let Some(name) = self.word() else {
            let s = self.here();
            self.err(s, "`define` needs a name");
            self.skip_line();
            return;
        };
        if !self.eat_punct('=') {
            let s = self.here();
            self.err(s, "`define NAME = VALUE`");
        }
        let mut value = Vec::new();
        let mut depth = 0;
        while let Some(t) = self.peek().cloned() {
            match t {
                Tok::Newline if depth == 0 => break,
                Tok::Punct(';') if depth == 0 => break,
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth -= 1,
                _ => {}
            }
            let tok = self.toks[self.pos].clone();
            if tok.tok != Tok::Newline {
                value.push(tok);
            }
            self.pos += 1;
        }
        self.defines.insert(name, value);
    }

    fn table(&mut self, span: Span) -> Option<Table> {
        let first = self.word();
        let (family, name) = match (first, self.peek_word().map(str::to_string)) {
            (Some(f), Some(n)) if matches!(f.as_str(), "ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev") => {
                self.pos += 1;
                (f, n)
            }
            (Some(n), _) => ("ip".to_string(), n),
            (None, _) => {
                self.err(span, "`table` needs a name");
                self.skip_line();
                return None;
            }
        };
        let mut table =
            Table { family, name, span, dormant: false, iptables_nft: false, chains: Vec::new(), sets: Vec::new() };
        if !self.eat_punct('{') {
            // `add table ip x` on its own line.
            self.skip_line();
            return Some(table);
        }
        loop {
            self.skip_newlines();
            let Some(t) = self.next() else {
                self.err(table.span.clone(), "this table's `{` is never closed");
                break;
            };
            let s = self.span_at(&t);
            match t.tok {
                Tok::Punct('}') => break,
                Tok::Word(w) => match w.as_str() {
                    "chain" => {
                        if let Some(c) = self.chain(s) {
                            table.chains.push(c);
                        }
                    }
                    "set" | "map" => {
                        if let Some(st) = self.set(s, w == "map") {
                            table.sets.push(st);
                        }
                    }
                    "flags" => {
                        while let Some(f) = self.word() {
                            table.dormant |= f == "dormant";
                            if !self.eat_punct(',') {
                                break;
                            }
                        }
                    }
                    "#iptables-nft" => table.iptables_nft = true,
                    "comment" => self.skip_line(),
                    _ => {
                        // Stateful objects, flowtables: not part of a verdict.
                        self.skip_line();
                    }
                },
                _ => {
                    self.err(s, "expected a chain, a set or a map");
                    self.skip_line();
                }
            }
        }
        Some(table)
    }

    fn chain(&mut self, span: Span) -> Option<ChainDef> {
        let Some(name) = self.word() else {
            self.err(span, "`chain` needs a name");
            self.skip_line();
            return None;
        };
        let mut chain = ChainDef { name, span, base: None, rules: Vec::new() };
        if !self.eat_punct('{') {
            self.skip_line();
            return Some(chain);
        }
        loop {
            while matches!(self.peek(), Some(Tok::Newline)) {
                self.pos += 1;
            }
            let Some(t) = self.toks.get(self.pos).cloned() else {
                self.err(chain.span.clone(), "this chain's `{` is never closed");
                break;
            };
            let s = self.span_at(&t);
            match &t.tok {
                Tok::Punct('}') => {
                    self.pos += 1;
                    break;
                }
                Tok::Punct(';') => self.pos += 1,
                Tok::Word(w) if w == "type" => self.base_spec(&mut chain, s),
                Tok::Word(w) if w == "policy" => {
                    self.pos += 1;
                    let p = self.word().unwrap_or_default();
                    if p != "accept" && p != "drop" {
                        self.err(s.clone(), format!("a policy is `accept` or `drop`, not `{p}`"));
                    }
                    match &mut chain.base {
                        Some(b) => b.policy = Some((p, s)),
                        None => self.err(s, "a policy on a chain that hooks nothing"),
                    }
                }
                Tok::Word(w) if w == "comment" || w == "devices" || w == "flags" => self.skip_line(),
                _ => {
                    let r = self.rule(s);
                    chain.rules.push(r);
                }
            }
        }
        Some(chain)
    }

    fn base_spec(&mut self, chain: &mut ChainDef, span: Span) {
        self.pos += 1;
        let kind = self.word().unwrap_or_default();
        let mut hook = String::new();
        let mut priority = 0i32;
        let mut devices = Vec::new();
        while let Some(t) = self.peek().cloned() {
            match t {
                Tok::Newline | Tok::Punct(';') | Tok::Punct('}') => break,
                Tok::Word(w) if w == "hook" => {
                    self.pos += 1;
                    hook = self.word().unwrap_or_default();
                }
                Tok::Word(w) if w == "device" => {
                    self.pos += 1;
                    devices.extend(self.word());
                }
                Tok::Word(w) if w == "devices" => {
                    self.pos += 1;
                    self.eat_punct('=');
                    if self.eat_punct('{') {
                        while let Some(d) = self.word() {
                            devices.push(d);
                            self.eat_punct(',');
                        }
                        self.eat_punct('}');
                    } else {
                        devices.extend(self.word());
                    }
                }
                Tok::Word(w) if w == "priority" => {
                    self.pos += 1;
                    let s = self.here();
                    match self.priority(&chain_family_hint(&kind)) {
                        Some(p) => priority = p,
                        None => self.err(s, "a priority is a number or a standard name (filter, raw, mangle…)"),
                    }
                }
                _ => self.pos += 1,
            }
        }
        chain.base = Some(BaseSpec { kind, hook, priority, policy: None, devices, span });
    }

    /// `filter`, `raw - 10`, `-300`, `filter + 5`.
    fn priority(&mut self, _hint: &str) -> Option<i32> {
        let first = self.word()?;
        let base = standard_priority(&first).or_else(|| first.parse::<i32>().ok())?;
        let mut p = base;
        if let Some(op) = self.peek_word().map(str::to_string) {
            if op == "+" || op == "-" {
                self.pos += 1;
                let n: i32 = self.word()?.parse().ok()?;
                p = if op == "+" { p + n } else { p - n };
            } else if let Some(n) = op.strip_prefix('+').and_then(|n| n.parse::<i32>().ok()) {
                self.pos += 1;
                p += n;
            } else if let Some(n) = op.strip_prefix('-').and_then(|n| n.parse::<i32>().ok()) {
                self.pos += 1;
                p -= n;
            }
        }
        Some(p)
    }

    fn set(&mut self, span: Span, is_map: bool) -> Option<SetDef> {
        let Some(name) = self.word() else {
            self.err(span, "a set needs a name");
            self.skip_line();
            return None;
        };
        let mut set = SetDef {
            name,
            span,
            is_map,
            key: Vec::new(),
            data: None,
            flags: Vec::new(),
            elements: Vec::new(),
            dynamic: false,
        };
        if !self.eat_punct('{') {
            self.skip_line();
            return Some(set);
        }
        loop {
            self.skip_newlines();
            let Some(t) = self.next() else {
                self.err(set.span.clone(), "this set's `{` is never closed");
                break;
            };
            let s = self.span_at(&t);
            match t.tok {
                Tok::Punct('}') => break,
                Tok::Word(w) if w == "type" || w == "typeof" => {
                    // Parts joined by `.`; a map's data after `:`.
                    let mut parts = vec![String::new()];
                    let mut data: Option<String> = None;
                    while let Some(tk) = self.peek().cloned() {
                        match tk {
                            Tok::Newline | Tok::Punct(';') | Tok::Punct('}') => break,
                            Tok::Word(x) if x == "." => parts.push(String::new()),
                            Tok::Word(x) if x == ":" => data = Some(String::new()),
                            Tok::Word(x) => {
                                let slot = match &mut data {
                                    Some(d) => d,
                                    None => parts.last_mut().expect("one part"),
                                };
                                if !slot.is_empty() {
                                    slot.push(' ');
                                }
                                slot.push_str(&x);
                            }
                            _ => {}
                        }
                        self.pos += 1;
                    }
                    set.key = parts;
                    set.data = data;
                }
                Tok::Word(w) if w == "flags" => {
                    while let Some(f) = self.word() {
                        set.dynamic |= f == "dynamic" || f == "timeout";
                        set.flags.push(f);
                        if !self.eat_punct(',') {
                            break;
                        }
                    }
                }
                Tok::Word(w) if w == "elements" => {
                    self.eat_punct('=');
                    if !self.eat_punct('{') {
                        self.err(s, "`elements = { … }`");
                        self.skip_line();
                        continue;
                    }
                    set.elements = self.elements(is_map);
                }
                _ => self.skip_line(),
            }
        }
        Some(set)
    }

    /// Elements up to the closing brace (the opening one read).
    fn elements(&mut self, with_values: bool) -> Vec<Element> {
        let mut out = Vec::new();
        loop {
            while matches!(self.peek(), Some(Tok::Newline) | Some(Tok::Punct(','))) {
                self.pos += 1;
            }
            match self.peek() {
                None => break,
                Some(Tok::Punct('}')) => {
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            let span = self.here();
            let key = self.concat_value();
            if key.is_empty() {
                let s = self.here();
                self.err(s, "expected an element");
                self.pos += 1;
                continue;
            }
            // Element options: `timeout 1h`, `expires 10m`, `counter packets 0 bytes 0`, `comment "…"`.
            let mut value = None;
            loop {
                match self.peek_word() {
                    Some(":") if with_values => {
                        self.pos += 1;
                        value = self.verdict_spec();
                        if value.is_none() {
                            let s = self.here();
                            self.err(s, "a map element's value is read only when it is a verdict");
                            while !matches!(self.peek(), None | Some(Tok::Punct(',')) | Some(Tok::Punct('}'))) {
                                self.pos += 1;
                            }
                        }
                    }
                    Some("timeout" | "expires" | "comment" | "counter" | "packets" | "bytes") => {
                        self.pos += 1;
                        if !matches!(self.peek_word(), Some("packets") | Some("bytes") | Some("counter")) {
                            self.word();
                        }
                    }
                    _ => break,
                }
            }
            out.push(Element { key, value, span });
        }
        out
    }

    /// One value, or concatenated values `a . b`.
    fn concat_value(&mut self) -> Vec<Atom> {
        let mut parts = Vec::new();
        while let Some(mut a) = self.atom() {
            // `syn | ack`: bits joined into one value.
            while self.peek_word() == Some("|") {
                self.pos += 1;
                match (a, self.atom()) {
                    (Atom::One(x), Some(Atom::One(y))) => a = Atom::One(format!("{x}|{y}")),
                    (x, _) => {
                        a = x;
                        break;
                    }
                }
            }
            parts.push(a);
            if self.peek_word() == Some(".") {
                self.pos += 1;
                continue;
            }
            break;
        }
        parts
    }

    /// Replaces `$name` at the current position by its definition.
    fn expand_variable(&mut self) {
        while self.peek() == Some(&Tok::Punct('$')) {
            let at = self.here();
            let name = match self.toks.get(self.pos + 1).map(|t| &t.tok) {
                Some(Tok::Word(w)) => w.clone(),
                _ => return,
            };
            let Some(value) = self.defines.get(&name).cloned() else {
                self.err(at, format!("`${name}` is not defined"));
                return;
            };
            // The definition's tokens, placed where the variable is used.
            let value: Vec<Token> =
                value.into_iter().map(|t| Token { line: at.line, column: at.column, ..t }).collect();
            self.toks.splice(self.pos..self.pos + 2, value);
        }
    }

    fn atom(&mut self) -> Option<Atom> {
        self.expand_variable();
        let w = match self.peek().cloned()? {
            Tok::Word(w) => w,
            Tok::Str(s) => {
                self.pos += 1;
                // `"09:00"-"17:00"`: a range of quoted values.
                if self.peek_word() == Some("-") {
                    if let Some(Tok::Str(e)) = self.toks.get(self.pos + 1).map(|t| t.tok.clone()) {
                        self.pos += 2;
                        return Some(Atom::Range(s, e));
                    }
                }
                return Some(Atom::One(s));
            }
            _ => return None,
        };
        // Values that are also keywords elsewhere: protocol names, meta
        // keys, conntrack statuses (`ct status dnat`).
        if is_start(&w)
            && !matches!(
                w.as_str(),
                "dnat"
                    | "snat"
                    | "tcp"
                    | "udp"
                    | "ip"
                    | "ip6"
                    | "icmp"
                    | "icmpv6"
                    | "sctp"
                    | "dccp"
                    | "udplite"
                    | "esp"
                    | "ah"
                    | "mark"
                    | "protocol"
                    | "length"
                    | "priority"
                    | "time"
                    | "day"
                    | "hour"
                    | "random"
                    | "comp"
            )
        {
            return None;
        }
        if matches!(w.as_str(), "." | ":" | "/" | "==" | "!=") {
            return None;
        }
        self.pos += 1;
        Some(parse_atom(&w))
    }

    fn verdict_spec(&mut self) -> Option<VerdictSpec> {
        let w = self.peek_word()?.to_string();
        let v = match w.as_str() {
            "accept" => VerdictSpec::Accept,
            "drop" => VerdictSpec::Drop,
            "return" => VerdictSpec::Return,
            "continue" => VerdictSpec::Continue,
            "jump" | "goto" => {
                self.pos += 1;
                let target = self.word().unwrap_or_default();
                return Some(if w == "jump" { VerdictSpec::Jump(target) } else { VerdictSpec::Goto(target) });
            }
            _ => return None,
        };
        self.pos += 1;
        Some(v)
    }

    /// One rule: the tokens up to the end of its line.
    fn rule(&mut self, span: Span) -> RuleDef {
        let start = self.pos;
        let line_text = self.lines.get(span.line as usize - 1).map(|l| l.trim().to_string()).unwrap_or_default();
        let mut stmts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::Newline) | Some(Tok::Punct(';')) | Some(Tok::Punct('}')) => break,
                _ => {}
            }
            let before = self.pos;
            match self.statement() {
                Some(s) => {
                    if let Some(kind) = self.reject_with.take() {
                        stmts.push(Stmt::RejectWith(kind));
                    }
                    stmts.push(s)
                }
                None => {
                    if self.pos == before {
                        self.pos += 1;
                    }
                }
            }
        }
        if self.pos == start {
            self.pos += 1;
        }
        // Handles in `nft -a` output: `# handle 4` was a comment.
        let text = line_text.split(" # ").next().unwrap_or_default().to_string();
        RuleDef { span, text, stmts }
    }

    fn statement(&mut self) -> Option<Stmt> {
        let t = self.toks.get(self.pos).cloned()?;
        let span = self.span_at(&t);
        let w = match &t.tok {
            Tok::Word(w) => w.clone(),
            Tok::Punct('@') => {
                // `@nh,16,8 …`: a raw payload expression.
                self.skip_unknown();
                return Some(Stmt::Unknown("raw payload expression".into(), span));
            }
            _ => {
                self.err(span.clone(), "expected a match, a statement or a verdict");
                self.pos += 1;
                return Some(Stmt::Unknown("unreadable part of a rule".into(), span));
            }
        };
        if let Some(v) = self.verdict_word(&w, &span) {
            return Some(v);
        }
        match w.as_str() {
            "counter" => {
                self.pos += 1;
                while matches!(self.peek_word(), Some("packets") | Some("bytes") | Some("name")) {
                    self.pos += 2;
                }
                return Some(Stmt::Nothing);
            }
            "comment" => {
                self.pos += 1;
                self.word();
                return Some(Stmt::Nothing);
            }
            "log" => {
                self.pos += 1;
                while let Some(k) = self.peek_word() {
                    if !matches!(k, "prefix" | "level" | "flags" | "group" | "snaplen" | "queue-threshold") {
                        break;
                    }
                    self.pos += 1;
                    self.word();
                    while self.eat_punct(',') {
                        self.word();
                    }
                }
                return Some(Stmt::Nothing);
            }
            "limit" => {
                // `limit rate [over] N/unit [burst N packets]`: at rest a
                // bucket is full, so only `over` changes anything (never).
                self.pos += 1;
                self.word();
                let over = self.peek_word() == Some("over");
                if over {
                    self.pos += 1;
                }
                while let Some(k) = self.peek_word() {
                    if is_start(k) {
                        break;
                    }
                    self.pos += 1;
                }
                return Some(if over { Stmt::Const(false, span) } else { Stmt::Nothing });
            }
            "quota" => {
                self.pos += 1;
                let over = self.peek_word() == Some("over");
                while let Some(k) = self.peek_word() {
                    if is_start(k) && k != "quota" {
                        break;
                    }
                    self.pos += 1;
                }
                return Some(if over { Stmt::Const(false, span) } else { Stmt::Nothing });
            }
            "notrack" => {
                self.pos += 1;
                return Some(Stmt::Notrack);
            }
            "dnat" | "snat" | "masquerade" | "redirect" | "tproxy" => {
                self.skip_to_verdict();
                return Some(if w == "snat" || w == "masquerade" { Stmt::Nothing } else { Stmt::Rewrites(span) });
            }
            "synproxy" | "fwd" | "queue" => {
                self.skip_to_verdict();
                return Some(Stmt::Verdict(VerdictSpec::Undecided(format!("{w} decides elsewhere")), span));
            }
            "dup" => {
                self.skip_to_verdict();
                return Some(Stmt::Nothing);
            }
            "xt" => {
                self.skip_unknown();
                return Some(Stmt::Unknown("an iptables extension translated by iptables-nft (`xt …`)".into(), span));
            }
            "add" | "update" | "delete"
                if matches!(self.toks.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Punct('@'))) =>
            {
                self.pos += 2;
                let name = self.word().unwrap_or_default();
                if self.eat_punct('{') {
                    self.skip_block();
                }
                return Some(Stmt::UpdatesSet(name));
            }
            _ => {}
        }
        // A match, a `set` statement (`meta mark set 1`), or a vmap.
        let left = self.left()?;
        if self.peek_word() == Some("set") {
            self.pos += 1;
            self.skip_unknown();
            let marks = left.iter().any(|e| matches!(e, Expr::Meta(k) | Expr::Ct(k) if k == "mark"));
            return Some(if marks { Stmt::SetsMark } else { Stmt::Nothing });
        }
        if self.peek_word() == Some("vmap") {
            self.pos += 1;
            let map = if self.eat_punct('@') {
                VmapRef::Named(self.word().unwrap_or_default())
            } else if self.eat_punct('{') {
                VmapRef::Inline(self.elements(true))
            } else {
                self.err(span.clone(), "`vmap` needs a map");
                return Some(Stmt::Unknown("vmap".into(), span));
            };
            return Some(Stmt::Vmap { left, map, span });
        }
        if self.peek_word() == Some("map") {
            self.pos += 1;
            self.skip_unknown();
            return Some(Stmt::Nothing);
        }
        let mut mask = None;
        if self.peek_word() == Some("&") || self.peek_word() == Some("and") {
            self.pos += 1;
            mask = Some(self.bits());
        }
        let op = match self.peek_word() {
            Some("==" | "eq") => Op::Eq,
            Some("!=" | "ne") => Op::Ne,
            Some("<" | "lt") => Op::Lt,
            Some(">" | "gt") => Op::Gt,
            Some("<=" | "le") => Op::Le,
            Some(">=" | "ge") => Op::Ge,
            _ => Op::Implicit,
        };
        if op != Op::Implicit {
            self.pos += 1;
        }
        self.expand_variable();
        let right = if self.eat_punct('@') {
            Rhs::SetRef(self.word().unwrap_or_default())
        } else if self.eat_punct('{') {
            Rhs::Set(self.elements(false).into_iter().map(|e| e.key).collect())
        } else {
            let first = self.concat_value();
            if first.is_empty() {
                // A bare expression with nothing to compare: `fib … oif missing`
                // reads `missing` as a value; anything else is unknown.
                if let Some(Expr::Fib(..)) = left.first() {
                    return Some(Stmt::Match { left, mask, op, right: Rhs::Values(vec![]), span });
                }
                self.err(span.clone(), "a match needs a value");
                return Some(Stmt::Unknown("incomplete match".into(), span));
            }
            let mut values = vec![first];
            while self.eat_punct(',') {
                let v = self.concat_value();
                if v.is_empty() {
                    break;
                }
                values.push(v);
            }
            if self.peek_word() == Some("/") {
                self.pos += 1;
                let m = self.bits();
                let v: Vec<String> = values.iter().flatten().map(atom_text).collect();
                Rhs::Masked(v, m)
            } else {
                Rhs::Values(values)
            }
        };
        Some(Stmt::Match { left, mask, op, right, span })
    }

    /// Names of bits: `syn`, `fin,syn`, `(fin|syn|rst)`, `fin|syn`.
    fn bits(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let paren = self.eat_punct('(');
        while let Some(w) = self.peek_word().map(str::to_string) {
            if w == "|" {
                self.pos += 1;
                continue;
            }
            if !paren && (is_start(&w) || matches!(w.as_str(), "==" | "!=" | "eq" | "ne")) {
                break;
            }
            self.pos += 1;
            out.extend(w.split('|').filter(|s| !s.is_empty()).map(str::to_string));
            if !paren && !self.eat_punct(',') && self.peek_word() != Some("|") {
                break;
            }
        }
        if paren {
            self.eat_punct(')');
        }
        out
    }

    fn verdict_word(&mut self, w: &str, span: &Span) -> Option<Stmt> {
        let v = match w {
            "accept" => VerdictSpec::Accept,
            "drop" => VerdictSpec::Drop,
            "return" => VerdictSpec::Return,
            "continue" => VerdictSpec::Continue,
            "reject" => {
                self.pos += 1;
                if self.peek_word() == Some("with") {
                    self.pos += 1;
                    self.reject_with = self.peek_word().map(str::to_string);
                    // `with tcp reset`, `with icmp type X`, `with icmpx admin-prohibited`.
                    while let Some(k) = self.peek_word() {
                        if VERDICTS.contains(&k) || k == "comment" || k == "counter" {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                return Some(Stmt::Verdict(VerdictSpec::Reject, span.clone()));
            }
            "jump" | "goto" => {
                self.pos += 1;
                let target = self.word().unwrap_or_default();
                let v = if w == "jump" { VerdictSpec::Jump(target) } else { VerdictSpec::Goto(target) };
                return Some(Stmt::Verdict(v, span.clone()));
            }
            _ => return None,
        };
        self.pos += 1;
        Some(Stmt::Verdict(v, span.clone()))
    }

    fn skip_to_verdict(&mut self) {
        self.pos += 1;
        while let Some(t) = self.peek() {
            match t {
                Tok::Newline | Tok::Punct(';') | Tok::Punct('}') => break,
                Tok::Word(w) if VERDICTS.contains(&w.as_str()) || w == "comment" => break,
                Tok::Punct('{') => {
                    self.pos += 1;
                    self.skip_block();
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Skips an expression the reader does not evaluate, up to what starts
    /// the next statement.
    fn skip_unknown(&mut self) {
        self.pos += 1;
        while let Some(t) = self.peek() {
            match t {
                Tok::Newline | Tok::Punct(';') | Tok::Punct('}') => break,
                Tok::Word(w)
                    if VERDICTS.contains(&w.as_str()) || matches!(w.as_str(), "counter" | "log" | "comment") =>
                {
                    break
                }
                Tok::Punct('{') => {
                    self.pos += 1;
                    self.skip_block();
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The left side: one expression or several joined by `.`.
    fn left(&mut self) -> Option<Vec<Expr>> {
        let mut out = Vec::new();
        loop {
            let e = self.expr()?;
            out.push(e);
            if self.peek_word() == Some(".") {
                self.pos += 1;
                continue;
            }
            break;
        }
        Some(out)
    }

    fn expr(&mut self) -> Option<Expr> {
        let t = self.toks.get(self.pos).cloned()?;
        let span = self.span_at(&t);
        let Tok::Word(w) = t.tok else { return None };
        self.pos += 1;
        if w == "meta" {
            return Some(Expr::Meta(self.word().unwrap_or_default()));
        }
        if BARE_META.contains(&w.as_str()) {
            return Some(Expr::Meta(w));
        }
        if w == "ct" {
            let mut key = self.word().unwrap_or_default();
            // `ct original saddr`, `ct reply ip saddr`.
            if matches!(key.as_str(), "original" | "reply") {
                key.push(' ');
                key.push_str(&self.word().unwrap_or_default());
            }
            return Some(Expr::Ct(key));
        }
        if w == "fib" {
            let mut inputs = vec![self.word().unwrap_or_default()];
            while self.peek_word() == Some(".") {
                self.pos += 1;
                inputs.push(self.word().unwrap_or_default());
            }
            let result = self.word().unwrap_or_default();
            return Some(Expr::Fib(inputs, result));
        }
        if PROTOCOLS.contains(&w.as_str()) {
            let field = self.word().unwrap_or_default();
            return Some(Expr::Payload(w, field));
        }
        self.err(span, format!("`{w}` is not an expression portcullis reads"));
        Some(Expr::Other(w))
    }
}

fn chain_family_hint(kind: &str) -> String {
    kind.to_string()
}

/// nft(8), "STANDARD PRIORITY NAMES" (families ip, ip6, inet, arp, netdev).
pub fn standard_priority(name: &str) -> Option<i32> {
    Some(match name {
        "raw" => -300,
        "mangle" => -150,
        "dstnat" => -100,
        "filter" => 0,
        "security" => 50,
        "srcnat" => 100,
        _ => return None,
    })
}

fn parse_atom(w: &str) -> Atom {
    if let Some((a, l)) = w.rsplit_once('/') {
        if let Ok(n) = l.parse::<u8>() {
            return Atom::Prefix(a.to_string(), n);
        }
    }
    // A range: `a-b`, but not a name with a dash (`ipv6-icmp`) and not an
    // IPv6 address alone.
    if let Some((a, b)) = w.split_once('-') {
        let numeric = |s: &str| {
            s.chars().next().is_some_and(|c| c.is_ascii_hexdigit())
                && (s.contains('.') || s.contains(':') || s.bytes().all(|c| c.is_ascii_digit()))
        };
        if numeric(a) && numeric(b) {
            return Atom::Range(a.to_string(), b.to_string());
        }
    }
    Atom::One(w.to_string())
}

pub fn atom_text(a: &Atom) -> String {
    match a {
        Atom::One(s) => s.clone(),
        Atom::Range(a, b) => format!("{a}-{b}"),
        Atom::Prefix(a, n) => format!("{a}/{n}"),
    }
}

/// Whether `text` is nftables ruleset text.
pub fn detect(text: &str) -> bool {
    let head = crate::words::head(text, 64 * 1024);
    for (_, l) in crate::words::lines(head) {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("flush ruleset") || t.starts_with("define ") {
            continue;
        }
        let mut w = t.split_whitespace();
        return w.next() == Some("table")
            && matches!(w.next(), Some("ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev"))
            && t.ends_with('{');
    }
    false
}

/// Parses ruleset text into tables.
pub fn parse(path: &str, text: &str) -> (Vec<Table>, Vec<HostfwError>) {
    let file: Arc<str> = Arc::from(path);
    let mut errors = Vec::new();
    let toks = tokenize(text, &mut errors, &file);
    let lines: Vec<&str> = crate::words::lines(text).map(|(_, l)| l).collect();
    let mut p = Parser { toks, pos: 0, file, errors: &mut errors, defines: BTreeMap::new(), lines, reject_with: None };
    let tables = p.ruleset();
    (tables, errors)
}
