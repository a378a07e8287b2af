//! nftables rulesets: `nft list ruleset` text ([`text`]) and `nft -j list
//! ruleset` JSON ([`json`]) read into one [`ast`], then compiled here into
//! a [`Ruleset`].
//!
//! Every base chain a packet for this host crosses is a hook: `filter`
//! chains on `input` and `prerouting` of tables `ip`, `ip6` and `inet`, and
//! `ingress` chains of `netdev` (and `inet`) tables for their devices,
//! ordered by hook then priority (nft(8), "CHAINS"; the netfilter hooks
//! page of the nftables wiki, <https://wiki.nftables.org/wiki-nftables/index.php/Netfilter_hooks>).
//! A base chain without a policy accepts. `nat` chains rewrite addresses
//! and are not evaluated (a note says so when they rewrite destinations).
//! Matches read as in the iptables reader: conntrack `NEW`, a bare SYN, a
//! unicast packet to a local address, marks 0 unless a rule sets them.

pub mod ast;
pub mod json;
pub mod text;

use crate::error::{ErrorKind, HostfwError};
use crate::node::node_of;
use crate::ruleset::{action_of, PlacedHook, Ruleset, Stage, CONNTRACK_PRIORITY};
use crate::values;
use ast::*;
use portcullis_model::{
    program::tcp_flags, AddrSet, Arm, Cond, CtStates, Family, Hook, IfaceName, IntervalSet, PortSet, Protocol, Rule,
    Span, Then, Unknown, Verdict,
};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// What a set's key part holds, from the expression that looks it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Addr(Family),
    Dest(Family),
    DestPort,
    SourcePort,
    Proto,
    Iface {
        exact: bool,
    },
    OutIface,
    CtState,
    TcpFlags,
    Mark,
    NfProto,
    PktType,
    /// Conntrack status bits: a new connection's first packet has none but
    /// those NAT gives it, and NAT is not evaluated (a note says so).
    CtStatus,
    /// Anything else: not evaluated.
    Other,
}

/// What a left-hand expression is, and the conditions it implies (`tcp
/// dport` only matches TCP; `ip saddr` only IPv4).
fn kind_of(e: &Expr) -> (Kind, Vec<Cond>) {
    let fam = |f: Family| Cond::Source(values::family_all(f));
    match e {
        Expr::Payload(p, f) => match (p.as_str(), f.as_str()) {
            ("ip", "saddr") => (Kind::Addr(Family::V4), vec![fam(Family::V4)]),
            ("ip6", "saddr") => (Kind::Addr(Family::V6), vec![fam(Family::V6)]),
            ("ip", "daddr") => (Kind::Dest(Family::V4), vec![fam(Family::V4)]),
            ("ip6", "daddr") => (Kind::Dest(Family::V6), vec![fam(Family::V6)]),
            ("ip", "protocol") => (Kind::Proto, vec![fam(Family::V4)]),
            ("ip6", "nexthdr") => (Kind::Proto, vec![fam(Family::V6)]),
            ("tcp" | "udp" | "udplite" | "sctp" | "dccp", "dport") => {
                let proto =
                    values::protocol(p).ok().flatten().map(|x| vec![Cond::Protocol(vec![x])]).unwrap_or_default();
                (Kind::DestPort, proto)
            }
            ("tcp" | "udp" | "udplite" | "sctp" | "dccp", "sport") => {
                let proto =
                    values::protocol(p).ok().flatten().map(|x| vec![Cond::Protocol(vec![x])]).unwrap_or_default();
                (Kind::SourcePort, proto)
            }
            ("th", "dport") => (Kind::DestPort, vec![]),
            ("th", "sport") => (Kind::SourcePort, vec![]),
            ("tcp", "flags") => (Kind::TcpFlags, vec![Cond::Protocol(vec![Protocol::TCP])]),
            ("icmp", _) => (Kind::Other, vec![Cond::Protocol(vec![Protocol::ICMP])]),
            ("icmpv6", _) => (Kind::Other, vec![Cond::Protocol(vec![Protocol::ICMPV6])]),
            _ => (Kind::Other, vec![]),
        },
        Expr::Meta(k) => match k.as_str() {
            "l4proto" => (Kind::Proto, vec![]),
            "nfproto" | "protocol" => (Kind::NfProto, vec![]),
            "iifname" => (Kind::Iface { exact: false }, vec![]),
            "iif" => (Kind::Iface { exact: true }, vec![]),
            "oifname" | "oif" => (Kind::OutIface, vec![]),
            "mark" => (Kind::Mark, vec![]),
            "pkttype" => (Kind::PktType, vec![]),
            _ => (Kind::Other, vec![]),
        },
        Expr::Ct(k) => match k.as_str() {
            "state" => (Kind::CtState, vec![]),
            "status" => (Kind::CtStatus, vec![]),
            "mark" => (Kind::Mark, vec![]),
            _ => (Kind::Other, vec![]),
        },
        _ => (Kind::Other, vec![]),
    }
}

fn ct_state_bits(s: &str) -> Option<CtStates> {
    Some(match s {
        "new" => CtStates::NEW,
        "established" => CtStates::ESTABLISHED,
        "related" => CtStates::RELATED,
        "invalid" => CtStates::INVALID,
        "untracked" => CtStates::UNTRACKED,
        _ => return None,
    })
}

fn tcp_flag_bit(s: &str) -> Option<u8> {
    Some(match s {
        "fin" => tcp_flags::FIN,
        "syn" => tcp_flags::SYN,
        "rst" => tcp_flags::RST,
        "psh" => tcp_flags::PSH,
        "ack" => tcp_flags::ACK,
        "urg" => tcp_flags::URG,
        "ecn" => tcp_flags::ECE,
        "cwr" => tcp_flags::CWR,
        _ => {
            let n = parse_number(s)?;
            return u8::try_from(n).ok();
        }
    })
}

fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Compiles one table set into a ruleset.
struct Compiler<'a> {
    rs: Ruleset,
    errors: &'a mut Vec<HostfwError>,
    sets_marks: bool,
    untracks: bool,
}

/// A condition built from a value for one kind of key.
impl Compiler<'_> {
    fn err(&mut self, span: &Span, msg: impl Into<String>) {
        self.errors.push(HostfwError::at(span, ErrorKind::Invalid, msg));
    }

    fn unknown(span: &Span, what: impl Into<String>, reason: impl Into<String>) -> Cond {
        Cond::Unknown(Unknown { what: what.into(), reason: reason.into(), span: span.clone() })
    }

    /// The condition "key part of `kind` equals `atom`".
    fn atom_cond(&mut self, kind: Kind, atom: &Atom, span: &Span) -> Cond {
        let bad = |c: &mut Self, msg: String| {
            c.err(span, msg.clone());
            Self::unknown(span, text::atom_text(atom), msg)
        };
        match kind {
            Kind::Addr(f) => match addr_atom(atom, f) {
                Ok(s) => Cond::Source(s),
                Err(e) => bad(self, e),
            },
            Kind::Dest(f) => match addr_atom(atom, f) {
                Ok(s) if s == values::family_all(f) => Cond::Const(true),
                Ok(s) => {
                    let lo = values::block(if f == Family::V4 { "127.0.0.0/8" } else { "::1/128" }, None)
                        .unwrap_or_default();
                    if lo.contains_set(&s) {
                        Cond::Const(false)
                    } else {
                        Self::unknown(
                            span,
                            format!("destination {}", text::atom_text(atom)),
                            "the node's own addresses are not in the input",
                        )
                    }
                }
                Err(e) => bad(self, e),
            },
            Kind::DestPort | Kind::SourcePort => {
                let ports = match atom {
                    Atom::One(s) => values::port(s).map(PortSet::point),
                    Atom::Range(a, b) => values::port_range(&format!("{a}-{b}"), '-', false),
                    Atom::Prefix(..) => Err("a port has no prefix".into()),
                };
                match ports {
                    Ok(p) if kind == Kind::DestPort => Cond::DestPort(p),
                    Ok(p) => Cond::SourcePort(p),
                    Err(e) => bad(self, e),
                }
            }
            Kind::Proto => match atom {
                Atom::One(s) => match values::protocol(s) {
                    Ok(Some(p)) => Cond::Protocol(vec![p]),
                    Ok(None) => Cond::Const(true),
                    Err(e) => bad(self, e),
                },
                Atom::Range(a, b) => match (a.parse::<u8>(), b.parse::<u8>()) {
                    (Ok(a), Ok(b)) => Cond::Protocol((a..=b).map(Protocol).collect()),
                    _ => bad(self, format!("`{a}-{b}` is not a protocol range")),
                },
                Atom::Prefix(..) => bad(self, "a protocol has no prefix".into()),
            },
            Kind::Iface { exact } => match atom {
                Atom::One(s) => {
                    let name = match s.strip_suffix('*') {
                        Some(p) if !exact && !p.ends_with('\\') => IfaceName::Prefix(p.to_string()),
                        _ => IfaceName::Exact(s.replace("\\*", "*")),
                    };
                    Cond::InInterface(vec![name])
                }
                _ => bad(self, format!("`{}` is not an interface name", text::atom_text(atom))),
            },
            Kind::OutIface => Cond::Const(false),
            Kind::CtState => match atom {
                Atom::One(s) => match s.split('|').map(ct_state_bits).collect::<Option<Vec<_>>>() {
                    Some(bits) => Cond::CtState(bits.into_iter().fold(CtStates::default(), CtStates::union)),
                    None => bad(self, format!("`{s}` is not a conntrack state")),
                },
                _ => bad(self, "a conntrack state is a name".into()),
            },
            Kind::TcpFlags => match atom {
                Atom::One(s) => match s.split('|').map(tcp_flag_bit).collect::<Option<Vec<_>>>() {
                    // In a set or after `==`: the flags are exactly these.
                    Some(bits) => Cond::TcpFlags { mask: 0xff, value: bits.into_iter().fold(0, |a, b| a | b) },
                    None => bad(self, format!("`{s}` is not a TCP flag")),
                },
                _ => bad(self, "TCP flags are names".into()),
            },
            Kind::Mark => {
                if self.sets_marks {
                    Self::unknown(span, format!("mark {}", text::atom_text(atom)), "a rule of this ruleset sets marks")
                } else {
                    let zero = match atom {
                        Atom::One(s) => parse_number(s) == Some(0),
                        Atom::Range(a, _) => parse_number(a) == Some(0),
                        Atom::Prefix(..) => false,
                    };
                    Cond::Const(zero)
                }
            }
            Kind::NfProto => match atom {
                Atom::One(s) if s == "ipv4" || s == "ip" => Cond::Source(AddrSet::all_v4()),
                Atom::One(s) if s == "ipv6" || s == "ip6" => Cond::Source(AddrSet::all_v6()),
                _ => Cond::Const(false),
            },
            Kind::PktType => match atom {
                Atom::One(s) => Cond::Const(s == "host" || s == "unicast"),
                _ => Cond::Const(false),
            },
            Kind::CtStatus => Cond::Const(false),
            Kind::Other => Self::unknown(span, text::atom_text(atom), "this match is not evaluated"),
        }
    }

    /// "the key (parts of `kinds`) is one of `values`".
    fn membership(&mut self, kinds: &[Kind], values: &[Vec<Atom>], span: &Span) -> Cond {
        let mut alts = Vec::new();
        for v in values {
            if v.len() != kinds.len() {
                self.err(span, format!("a value of {} parts for a key of {}", v.len(), kinds.len()));
                return Self::unknown(span, "set element", "its parts do not match the key");
            }
            let conj: Vec<Cond> = kinds.iter().zip(v).map(|(k, a)| self.atom_cond(*k, a, span)).collect();
            alts.push(conj);
        }
        simplify_any(alts)
    }

    fn set_elements<'s>(
        &mut self,
        sets: &'s BTreeMap<String, SetDef>,
        name: &str,
        span: &Span,
    ) -> Result<&'s SetDef, Cond> {
        match sets.get(name) {
            Some(s) if s.dynamic => Err(Self::unknown(
                span,
                format!("set @{name}"),
                "rules add to it from the packet path: who is in it depends on past traffic",
            )),
            Some(s) => Ok(s),
            None => {
                self.err(span, format!("set `@{name}` is not defined in this table"));
                Err(Self::unknown(span, format!("set @{name}"), "not defined"))
            }
        }
    }

    fn match_cond(&mut self, stmt: &Stmt, sets: &BTreeMap<String, SetDef>) -> Vec<Cond> {
        let Stmt::Match { left, mask, op, right, span } = stmt else { return vec![] };
        let mut deps = Vec::new();
        let mut kinds = Vec::new();
        for e in left {
            let (k, d) = kind_of(e);
            kinds.push(k);
            deps.extend(d);
        }
        // fib: a source reaches the node through the interface its route
        // to that source uses, and is never one of the node's own
        // addresses (docs/semantics.md).
        if let Some(Expr::Fib(inputs, result)) = left.first() {
            let value = match right {
                Rhs::Values(v) | Rhs::Set(v) => v.iter().flatten().map(text::atom_text).collect::<Vec<_>>(),
                _ => vec![],
            };
            let holds = match (inputs.first().map(String::as_str), result.as_str()) {
                (Some("saddr"), "oif" | "oifname") => !value.iter().any(|v| v == "missing" || v == "0"),
                (Some("saddr"), "type") => value.iter().any(|v| v == "unicast"),
                (Some("daddr"), "type") => value.iter().any(|v| v == "local"),
                _ => return vec![Self::unknown(span, "fib expression", "this lookup is not evaluated")],
            };
            let holds = holds != (*op == Op::Ne);
            return vec![Cond::Const(holds)];
        }
        if kinds.contains(&Kind::Other) && kinds.len() == 1 {
            let what = match &left[0] {
                Expr::Payload(p, f) => format!("{p} {f}"),
                Expr::Meta(k) => format!("meta {k}"),
                Expr::Ct(k) => format!("ct {k}"),
                Expr::Fib(..) => "fib".into(),
                Expr::Other(w) => w.clone(),
            };
            deps.push(Self::unknown(span, what, "this match is not evaluated"));
            return deps;
        }
        // Bit masks: tcp flags, ct state with `&` or `/`.
        if kinds == [Kind::TcpFlags] {
            let c = self.tcp_flags(mask.as_deref(), *op, right, span);
            deps.push(c);
            return deps;
        }
        let is_bitmask = kinds == [Kind::CtState];
        // `ct state == a,b` / `!= a,b` (and `a | b`) compare the whole
        // state with the OR of the names (nft 1.0.6 emits `cmp eq/neq`
        // against the combined value); only a name alone or no operator
        // (`bitwise … != 0`) or a set (a lookup) asks "any of these". A
        // packet has one state, so an OR of two never equals it.
        if is_bitmask && matches!(op, Op::Eq | Op::Ne) {
            if let Rhs::Values(vals) = right {
                let names: Vec<String> = vals.iter().flatten().map(text::atom_text).collect();
                let bits: Option<Vec<CtStates>> = names.iter().flat_map(|n| n.split('|')).map(ct_state_bits).collect();
                let Some(bits) = bits else {
                    self.err(span, format!("`{}` is not a conntrack state", names.join(",")));
                    deps.push(Self::unknown(span, "ct state", "not valid"));
                    return deps;
                };
                let all = bits.into_iter().fold(CtStates::default(), CtStates::union);
                let equal = if all.0.count_ones() == 1 { Cond::CtState(all) } else { Cond::Const(false) };
                deps.push(if *op == Op::Ne { Cond::Not(Box::new(equal)) } else { equal });
                return deps;
            }
        }
        let positive = match right {
            Rhs::SetRef(name) => match self.set_elements(sets, name, span) {
                Ok(set) => {
                    let vals: Vec<Vec<Atom>> = set.elements.iter().map(|e| e.key.clone()).collect();
                    self.membership(&kinds, &vals, span)
                }
                Err(c) => c,
            },
            Rhs::Values(vals) | Rhs::Set(vals) => {
                if matches!(op, Op::Lt | Op::Gt | Op::Le | Op::Ge) {
                    self.comparison(kinds[0], *op, vals, span)
                } else {
                    self.membership(&kinds, vals, span)
                }
            }
            Rhs::Masked(..) => {
                self.err(span, "a value / mask is read for `tcp flags` only");
                Self::unknown(span, "masked match", "not evaluated")
            }
        };
        if mask.is_some() && !is_bitmask {
            deps.push(Self::unknown(span, "a masked match", "not evaluated"));
            return deps;
        }
        let c = match op {
            Op::Ne => Cond::Not(Box::new(positive)),
            _ => positive,
        };
        // A negated address match stays within its family: the family
        // dependency is in `deps`.
        deps.push(c);
        deps
    }

    fn comparison(&mut self, kind: Kind, op: Op, vals: &[Vec<Atom>], span: &Span) -> Cond {
        let Some(Some(Atom::One(v))) = vals.first().map(|x| x.first()) else {
            return Self::unknown(span, "comparison", "not a single value");
        };
        match kind {
            Kind::DestPort | Kind::SourcePort => {
                let Ok(p) = values::port(v) else { return Self::unknown(span, "comparison", "not a port") };
                let set = match op {
                    Op::Lt => PortSet::range(0, p.saturating_sub(1)).intersect(&if p == 0 {
                        PortSet::empty()
                    } else {
                        PortSet::full()
                    }),
                    Op::Le => PortSet::range(0, p),
                    Op::Gt => {
                        if p == 65535 {
                            PortSet::empty()
                        } else {
                            PortSet::range(p + 1, 65535)
                        }
                    }
                    _ => PortSet::range(p, 65535),
                };
                if kind == Kind::DestPort {
                    Cond::DestPort(set)
                } else {
                    Cond::SourcePort(set)
                }
            }
            Kind::Addr(Family::V4) => match v.parse::<Ipv4Addr>() {
                Ok(a) => {
                    let a = u32::from(a);
                    let r = match op {
                        Op::Lt => a.checked_sub(1).map(|h| (0, h)),
                        Op::Le => Some((0, a)),
                        Op::Gt => a.checked_add(1).map(|l| (l, u32::MAX)),
                        _ => Some((a, u32::MAX)),
                    };
                    Cond::Source(AddrSet {
                        v4: r.map_or(IntervalSet::empty(), |(l, h)| IntervalSet::range(l, h)),
                        v6: IntervalSet::empty(),
                    })
                }
                Err(_) => Self::unknown(span, "comparison", "not an address"),
            },
            Kind::Addr(Family::V6) => match v.parse::<Ipv6Addr>() {
                Ok(a) => {
                    let a = u128::from(a);
                    let r = match op {
                        Op::Lt => a.checked_sub(1).map(|h| (0, h)),
                        Op::Le => Some((0, a)),
                        Op::Gt => a.checked_add(1).map(|l| (l, u128::MAX)),
                        _ => Some((a, u128::MAX)),
                    };
                    Cond::Source(AddrSet {
                        v4: IntervalSet::empty(),
                        v6: r.map_or(IntervalSet::empty(), |(l, h)| IntervalSet::range(l, h)),
                    })
                }
                Err(_) => Self::unknown(span, "comparison", "not an address"),
            },
            _ => Self::unknown(span, "comparison", "not evaluated for this key"),
        }
    }

    fn tcp_flags(&mut self, mask: Option<&[String]>, op: Op, right: &Rhs, span: &Span) -> Cond {
        let bits = |c: &mut Self, names: &[String]| -> Option<u8> {
            let mut out = 0u8;
            for n in names {
                match n.split('|').map(tcp_flag_bit).collect::<Option<Vec<u8>>>() {
                    Some(b) => out |= b.into_iter().fold(0, |a, x| a | x),
                    None => {
                        c.err(span, format!("`{n}` is not a TCP flag"));
                        return None;
                    }
                }
            }
            Some(out)
        };
        let invalid = || Self::unknown(span, "tcp flags", "not valid");
        let mask_bits = match mask {
            Some(m) => match bits(self, m) {
                Some(b) => Some(b),
                None => return invalid(),
            },
            None => None,
        };
        let positive = match right {
            // `syn / fin,syn,rst,ack`: (flags & mask) == value.
            Rhs::Masked(v, m) => {
                let (Some(v), Some(m)) = (bits(self, v), bits(self, m)) else { return invalid() };
                Cond::TcpFlags { mask: m, value: v & m }
            }
            // A set: each element an exact value (of the masked flags).
            Rhs::Set(vals) => {
                let m = mask_bits.unwrap_or(0xff);
                let mut alts = Vec::new();
                for v in vals {
                    let names: Vec<String> = v.iter().map(text::atom_text).collect();
                    let Some(b) = bits(self, &names) else { return invalid() };
                    alts.push(vec![Cond::TcpFlags { mask: m, value: b & m }]);
                }
                simplify_any(alts)
            }
            Rhs::Values(vals) => {
                let names: Vec<String> = vals.iter().flatten().map(text::atom_text).collect();
                let Some(b) = bits(self, &names) else { return invalid() };
                match (mask_bits, op) {
                    (Some(m), _) => Cond::TcpFlags { mask: m, value: b & m },
                    // No operator on a bit mask: any of these bits set.
                    (None, Op::Implicit) => Cond::Not(Box::new(Cond::TcpFlags { mask: b, value: 0 })),
                    (None, _) => Cond::TcpFlags { mask: 0xff, value: b },
                }
            }
            Rhs::SetRef(_) => return Self::unknown(span, "tcp flags in a named set", "not evaluated"),
        };
        if op == Op::Ne {
            Cond::Not(Box::new(positive))
        } else {
            positive
        }
    }

    /// The verdict of a rule's verdict statement.
    fn verdict(&mut self, v: &VerdictSpec, chains: &BTreeMap<String, usize>, span: &Span, rule_entry: usize) -> Then {
        let target = |c: &mut Self, name: &str| -> Option<usize> {
            match chains.get(name) {
                Some(id) => Some(*id),
                None => {
                    c.err(span, format!("chain `{name}` does not exist in this table"));
                    None
                }
            }
        };
        let verdict = match v {
            VerdictSpec::Accept => Verdict::Accept,
            VerdictSpec::Drop => Verdict::Drop,
            VerdictSpec::Reject => Verdict::Reject,
            VerdictSpec::Return => Verdict::Return,
            VerdictSpec::Continue => Verdict::Continue,
            VerdictSpec::Jump(n) => match target(self, n) {
                Some(id) => Verdict::Jump(id),
                None => {
                    return crate::ruleset::undecided(
                        &mut self.rs,
                        span,
                        &format!("jump {n}"),
                        "the chain does not exist",
                    )
                }
            },
            VerdictSpec::Goto(n) => match target(self, n) {
                Some(id) => Verdict::Goto(id),
                None => {
                    return crate::ruleset::undecided(
                        &mut self.rs,
                        span,
                        &format!("goto {n}"),
                        "the chain does not exist",
                    )
                }
            },
            VerdictSpec::Undecided(why) => return crate::ruleset::undecided(&mut self.rs, span, "verdict", why),
        };
        let _ = rule_entry;
        Then::Verdict(verdict)
    }
}

fn simplify_any(mut alts: Vec<Vec<Cond>>) -> Cond {
    if alts.len() == 1 && alts[0].len() == 1 {
        return alts.remove(0).remove(0);
    }
    // One address part per alternative: a single source set.
    if !alts.is_empty() && alts.iter().all(|a| a.len() == 1 && matches!(a[0], Cond::Source(_))) {
        let mut set = AddrSet::empty();
        for a in &alts {
            if let Cond::Source(s) = &a[0] {
                set.union_in_place(s);
            }
        }
        return Cond::Source(set);
    }
    if !alts.is_empty() && alts.iter().all(|a| a.len() == 1 && matches!(a[0], Cond::DestPort(_))) {
        let mut set = PortSet::empty();
        for a in &alts {
            if let Cond::DestPort(s) = &a[0] {
                set.union_in_place(s);
            }
        }
        return Cond::DestPort(set);
    }
    Cond::Any(alts)
}

/// An address atom of family `f`: one address, a prefix, a range.
fn addr_atom(a: &Atom, f: Family) -> Result<AddrSet, String> {
    match a {
        Atom::One(s) => values::block(s, Some(f)),
        Atom::Prefix(s, n) => values::block(&format!("{s}/{n}"), Some(f)),
        Atom::Range(x, y) => values::addr_range(&format!("{x}-{y}"), Some(f)),
    }
}

/// The tables iptables-nft writes, recognised by their shape: an `ip`/`ip6`
/// table named after an iptables table whose base chains carry the
/// built-in chain names.
pub fn looks_like_iptables_nft(t: &Table) -> bool {
    (t.family == "ip" || t.family == "ip6")
        && matches!(t.name.as_str(), "filter" | "nat" | "mangle" | "raw" | "security")
        && t.chains
            .iter()
            .filter(|c| c.base.is_some())
            .all(|c| matches!(c.name.as_str(), "INPUT" | "OUTPUT" | "FORWARD" | "PREROUTING" | "POSTROUTING"))
        && t.chains.iter().any(|c| c.base.is_some())
}

/// Compiles parsed tables into a ruleset of `path`'s node.
pub fn compile(path: &str, format: &'static str, tables: &[Table], errors: &mut Vec<HostfwError>) -> Ruleset {
    let node = node_of(path);
    let file: std::sync::Arc<str> = std::sync::Arc::from(path);
    let rs = Ruleset::new(node, format, Span::new(file, 1, 1), AddrSet::all());
    let sets_marks = tables
        .iter()
        .flat_map(|t| &t.chains)
        .flat_map(|c| &c.rules)
        .flat_map(|r| &r.stmts)
        .any(|s| *s == Stmt::SetsMark);
    let untracks = tables
        .iter()
        .flat_map(|t| &t.chains)
        .flat_map(|c| &c.rules)
        .flat_map(|r| &r.stmts)
        .any(|s| *s == Stmt::Notrack);
    let mut c = Compiler { rs, errors, sets_marks, untracks };
    c.rs.sets_marks = sets_marks;
    let mut rewrites = 0usize;
    for t in tables {
        if t.dormant {
            c.rs.notes.push(format!("{path}: table {} {} is dormant (flags dormant): not evaluated", t.family, t.name));
            continue;
        }
        let sees = match t.family.as_str() {
            "ip" => AddrSet::all_v4(),
            "ip6" => AddrSet::all_v6(),
            "inet" | "netdev" => AddrSet::all(),
            // arp and bridge tables do not filter this host's IP traffic.
            _ => continue,
        };
        if t.iptables_nft || looks_like_iptables_nft(t) {
            c.rs.iptables_nft_tables.push(sees.clone());
        }
        // Sets with sets updated from the packet path marked dynamic.
        let mut sets: BTreeMap<String, SetDef> = t.sets.iter().map(|s| (s.name.clone(), s.clone())).collect();
        for st in t.chains.iter().flat_map(|c| &c.rules).flat_map(|r| &r.stmts) {
            if let Stmt::UpdatesSet(n) = st {
                if let Some(s) = sets.get_mut(n) {
                    s.dynamic = true;
                }
            }
        }
        // Chains first, so jumps resolve.
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        for ch in &t.chains {
            let resource = format!("{} {} {} {}", c.rs.node.name, t.family, t.name, ch.name);
            let (end, entry) = match &ch.base {
                Some(b) => match &b.policy {
                    Some((p, s)) => {
                        let v = if p == "drop" { Verdict::Drop } else { Verdict::Accept };
                        let e = c.rs.entry(
                            s.clone(),
                            resource,
                            &format!("policy {p} of {} {} {}", t.family, t.name, ch.name),
                            action_of(v),
                        );
                        (v, e)
                    }
                    None => {
                        let e = c.rs.default_entry(
                            b.span.clone(),
                            resource,
                            &format!("no policy on {} {} {}: accept", t.family, t.name, ch.name),
                            portcullis_model::Action::Allow,
                            "a base chain without a policy accepts (nft(8))",
                        );
                        (Verdict::Accept, e)
                    }
                },
                None => {
                    let e = c.rs.entry(
                        ch.span.clone(),
                        resource,
                        &format!("chain {}", ch.name),
                        portcullis_model::Action::Allow,
                    );
                    (Verdict::Return, e)
                }
            };
            let id = c.rs.add_chain(format!("{} {} {}", t.family, t.name, ch.name), end, entry);
            ids.insert(ch.name.clone(), id);
        }
        for ch in &t.chains {
            let id = ids[&ch.name];
            for r in &ch.rules {
                rewrites += r.stmts.iter().filter(|s| matches!(s, Stmt::Rewrites(_))).count();
                let rule = c.rule(t, &ch.name, r, &sets, &ids);
                c.rs.push_rule(id, rule);
            }
            let Some(b) = &ch.base else { continue };
            if b.kind != "filter" {
                continue;
            }
            let stage = match (t.family.as_str(), b.hook.as_str()) {
                ("ip" | "ip6" | "inet", "input") => Stage::Input,
                ("ip" | "ip6" | "inet", "prerouting") => Stage::Prerouting,
                ("netdev" | "inet", "ingress") => Stage::Ingress,
                _ => continue,
            };
            let mut chain = id;
            if !b.devices.is_empty() {
                // An ingress chain sees only its devices' packets.
                let names = b.devices.iter().map(|d| IfaceName::Exact(d.clone())).collect();
                let end_entry = c.rs.chains[id].end_entry;
                let w = c.rs.add_chain(
                    format!("{} {} {} (devices)", t.family, t.name, ch.name),
                    Verdict::Accept,
                    end_entry,
                );
                c.rs.push_rule(
                    w,
                    Rule {
                        entry: end_entry,
                        when: vec![Cond::Not(Box::new(Cond::InInterface(names)))],
                        then: Then::Verdict(Verdict::Accept),
                    },
                );
                c.rs.push_rule(w, Rule { entry: end_entry, when: vec![], then: Then::Verdict(Verdict::Goto(id)) });
                chain = w;
            }
            let tracked = stage == Stage::Input || (stage == Stage::Prerouting && b.priority > CONNTRACK_PRIORITY);
            if t.family == "inet" && t.name == crate::firewalld::TABLE {
                c.rs.firewalld_hooks.push(c.rs.hooks.len());
            }
            c.rs.hooks.push(PlacedHook {
                hook: Hook {
                    chain,
                    sees: sees.clone(),
                    name: format!("nftables {} {} {} ({} priority {})", t.family, t.name, ch.name, b.hook, b.priority),
                    tracked,
                },
                stage,
                priority: b.priority,
            });
        }
    }
    if rewrites > 0 {
        c.rs.notes.push(format!("{path}: {rewrites} rule(s) rewrite destinations (dnat/redirect/tproxy); address rewriting is not evaluated"));
    }
    c.rs
}

impl Compiler<'_> {
    fn rule(
        &mut self,
        t: &Table,
        chain: &str,
        r: &RuleDef,
        sets: &BTreeMap<String, SetDef>,
        ids: &BTreeMap<String, usize>,
    ) -> Rule {
        let resource = format!("{} {} {} {}", self.rs.node.name, t.family, t.name, chain);
        let verdict_hint = r.stmts.iter().rev().find_map(|s| match s {
            Stmt::Verdict(VerdictSpec::Accept, _) => Some(Verdict::Accept),
            Stmt::Verdict(VerdictSpec::Drop, _) => Some(Verdict::Drop),
            Stmt::Verdict(VerdictSpec::Reject, _) => Some(Verdict::Reject),
            _ => None,
        });
        let entry =
            self.rs.entry(r.span.clone(), resource, &r.text, action_of(verdict_hint.unwrap_or(Verdict::Continue)));
        let mut when = Vec::new();
        let mut then = Then::Verdict(Verdict::Continue);
        for st in &r.stmts {
            match st {
                Stmt::Match { .. } => {
                    let mut cs = self.match_cond(st, sets);
                    if self.untracks {
                        for cnd in &mut cs {
                            if matches!(cnd, Cond::CtState(_)) {
                                *cnd = Self::unknown(
                                    &r.span,
                                    "ct state",
                                    "a rule of this ruleset turns connection tracking off (notrack) for some packets",
                                );
                            }
                        }
                    }
                    when.extend(cs);
                }
                Stmt::Verdict(v, span) => {
                    then = self.verdict(v, ids, span, entry);
                    break;
                }
                Stmt::Vmap { left, map, span } => {
                    let mut kinds = Vec::new();
                    for e in left {
                        let (k, d) = kind_of(e);
                        kinds.push(k);
                        when.extend(d);
                    }
                    let elements: Vec<Element> = match map {
                        VmapRef::Inline(els) => els.clone(),
                        VmapRef::Named(n) => match self.set_elements(sets, n, span) {
                            Ok(s) => s.elements.clone(),
                            Err(cnd) => {
                                when.push(cnd);
                                then = crate::ruleset::undecided(
                                    &mut self.rs,
                                    span,
                                    &format!("vmap @{n}"),
                                    "its elements are not known",
                                );
                                break;
                            }
                        },
                    };
                    let named_entries = matches!(map, VmapRef::Named(_));
                    let mut arms = Vec::new();
                    for el in &elements {
                        let cond = self.membership(&kinds, std::slice::from_ref(&el.key), &el.span);
                        let Some(v) = &el.value else { continue };
                        let arm_entry = if named_entries {
                            let res = format!("{} {} {} map", self.rs.node.name, t.family, t.name);
                            let label = format!(
                                "{} : {v:?}",
                                el.key.iter().map(text::atom_text).collect::<Vec<_>>().join(" . ")
                            );
                            self.rs.entry(el.span.clone(), res, &label, portcullis_model::Action::Allow)
                        } else {
                            entry
                        };
                        let verdict = match self.verdict(v, ids, &el.span, entry) {
                            Then::Verdict(v) => v,
                            Then::Map(_) => Verdict::Continue,
                        };
                        arms.push(Arm { when: cond, verdict, entry: arm_entry });
                    }
                    then = Then::Map(arms);
                    break;
                }
                Stmt::Const(b, _) => when.push(Cond::Const(*b)),
                Stmt::RejectWith(kind) => match kind.as_str() {
                    "icmp" => when.push(Cond::Source(AddrSet::all_v4())),
                    "icmpv6" => when.push(Cond::Source(AddrSet::all_v6())),
                    "tcp" => {
                        when.push(Cond::Protocol(vec![Protocol::TCP]));
                        // nft 1.0.6 lists `meta nfproto ipv4 … reject with tcp
                        // reset` without its `meta nfproto` (text and JSON
                        // alike; the kernel keeps it): in a table that sees both
                        // families, a rule that names no family may hold for
                        // one family only.
                        let one_family = |c: &Cond| matches!(c, Cond::Source(s) if s.v4.is_empty() || s.v6.is_empty());
                        if (t.family == "inet" || t.family == "netdev") && !when.iter().any(one_family) {
                            when.push(Self::unknown(
                                &r.span,
                                "the family this reset applies to",
                                "`nft list` leaves out a `meta nfproto` match before `reject with tcp reset`",
                            ));
                        }
                    }
                    _ => {}
                },
                Stmt::Unknown(what, span) => when.push(Self::unknown(span, what.clone(), "not evaluated")),
                Stmt::Nothing | Stmt::SetsMark | Stmt::Notrack | Stmt::UpdatesSet(_) | Stmt::Rewrites(_) => {}
            }
        }
        Rule { entry, when, then }
    }
}

/// Reads `nft list ruleset` text.
pub fn read_text(path: &str, source: &str) -> (Ruleset, Vec<HostfwError>) {
    let (tables, mut errors) = text::parse(path, source);
    let rs = compile(path, "nftables", &tables, &mut errors);
    (rs, errors)
}

/// Reads `nft -j list ruleset` JSON.
pub fn read_json(path: &str, source: &str) -> (Ruleset, Vec<HostfwError>) {
    let (tables, mut errors) = json::parse(path, source);
    let mut rs = compile(path, "nftables JSON", &tables, &mut errors);
    if tables.is_empty() && !errors.is_empty() {
        // Nothing could be read: the file says nothing about either family.
        rs.covers = AddrSet::empty();
    }
    (rs, errors)
}
