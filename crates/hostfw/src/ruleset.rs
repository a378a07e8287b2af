//! A netfilter ruleset read from one file, before the node's files are put
//! together: chains, the hooks that run them, and the lines they came from.
//!
//! Readers (`iptables`, `nftables`, `ufw`) fill one of these; `node`
//! merges every ruleset of a node into one [`Program`].

use crate::node::Node;
use portcullis_model::{
    Action, AddrSet, Chain, ChainId, Entry, Hook, Known, Origin, PortSet, ProtoMatch, Rule, Sources, Span, Verdict,
};
use std::collections::BTreeMap;

/// Where on the way in a base chain sits: every ingress chain runs before
/// every prerouting chain, and those before the input chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Ingress,
    Prerouting,
    Input,
}

/// Connection tracking's priority on prerouting (`NF_IP_PRI_CONNTRACK`,
/// `linux/netfilter_ipv4.h`): prerouting chains below it see no connection
/// yet; input chains always come after it.
pub const CONNTRACK_PRIORITY: i32 = -200;

/// A base chain with its place in the kernel's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedHook {
    pub hook: Hook,
    pub stage: Stage,
    pub priority: i32,
}

/// How an `-m set --match-set` condition reads its set: which packet
/// fields, in order, are looked up (`src`, `dst`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpsetUse {
    pub name: String,
    pub fields: Vec<Direction>,
}

/// A field an ipset match looks up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Source,
    Destination,
}

/// One file's ruleset.
#[derive(Clone, Debug)]
pub struct Ruleset {
    pub node: Node,
    /// `iptables-save`, `ip6tables-save`, `nftables`, `nftables JSON`, `ufw`.
    pub format: &'static str,
    /// The start of the file.
    pub span: Span,
    pub entries: Vec<Entry>,
    pub chains: Vec<Chain>,
    pub hooks: Vec<PlacedHook>,
    /// The address families this file describes completely: an
    /// iptables-save dump says nothing about IPv6, `nft list ruleset`
    /// shows every table.
    pub covers: AddrSet,
    /// ipset conditions waiting for the set's members, by the `what` of the
    /// unknown that stands for them until then.
    pub ipset_uses: BTreeMap<String, IpsetUse>,
    /// Facts a reader needs about what was and was not evaluated.
    pub notes: Vec<String>,
    /// Whether a rule sets a packet or connection mark: then marks tested
    /// later may be anything; without one every mark is 0.
    pub sets_marks: bool,
    /// nftables tables that iptables-nft manages (the same rules an
    /// iptables-save dump of the node shows), by family.
    pub iptables_nft_tables: Vec<AddrSet>,
    /// The hooks (indices into `hooks`) of firewalld's own table (`table
    /// inet firewalld`): the ruleset firewalld is running, compared with
    /// its saved configuration when both are in the input.
    pub firewalld_hooks: Vec<usize>,
}

impl Ruleset {
    pub fn new(node: Node, format: &'static str, span: Span, covers: AddrSet) -> Self {
        Ruleset {
            node,
            format,
            span,
            entries: Vec::new(),
            chains: Vec::new(),
            hooks: Vec::new(),
            covers,
            ipset_uses: BTreeMap::new(),
            notes: Vec::new(),
            sets_marks: false,
            iptables_nft_tables: Vec::new(),
            firewalld_hooks: Vec::new(),
        }
    }

    /// Adds the entry for one written line; returns its index.
    pub fn entry(&mut self, span: Span, resource: String, label: &str, action: Action) -> usize {
        self.entries.push(line_entry(span, resource, label, action, Origin::Explicit));
        self.entries.len() - 1
    }

    /// Adds an entry for something the format supplies unwritten (a base
    /// chain's default policy).
    pub fn default_entry(&mut self, span: Span, resource: String, label: &str, action: Action, why: &str) -> usize {
        self.entries.push(line_entry(span, resource, label, action, Origin::Default(why.to_string())));
        self.entries.len() - 1
    }

    pub fn add_chain(&mut self, name: String, end: Verdict, end_entry: usize) -> ChainId {
        self.chains.push(Chain { name, rules: Vec::new(), end, end_entry });
        self.chains.len() - 1
    }

    pub fn push_rule(&mut self, chain: ChainId, rule: Rule) {
        if let Some(c) = self.chains.get_mut(chain) {
            c.rules.push(rule);
        }
    }
}

/// Labels are the line as written, cut to a readable length.
const LABEL_CHARS: usize = 160;

fn line_entry(span: Span, resource: String, label: &str, action: Action, origin: Origin) -> Entry {
    let label = label.trim();
    let label = if label.chars().count() > LABEL_CHARS {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        label.to_string()
    };
    // The engine reads a host rule through its program, never through these
    // fields; they say "this line may apply to anything".
    Entry {
        resource,
        label,
        order: i64::from(span.line),
        span,
        origin,
        action,
        protocol: Known::Known(ProtoMatch::All),
        ports: Known::Known(PortSet::full()),
        sources: Sources::default(),
    }
}

/// The action an entry reports for a verdict.
pub fn action_of(v: Verdict) -> Action {
    match v {
        Verdict::Drop | Verdict::Reject => Action::Deny,
        _ => Action::Allow,
    }
}

impl Ruleset {
    /// Errors for jumps that close a loop: the kernel refuses such a
    /// ruleset (iptables-restore "Too many levels of symbolic links",
    /// nft "Too many links"), so it cannot be what a node runs.
    pub fn loop_errors(&self) -> Vec<crate::HostfwError> {
        use portcullis_model::Then;
        // Colour: 0 unseen, 1 on the stack, 2 done.
        let mut colour = vec![0u8; self.chains.len()];
        let mut out = Vec::new();
        let targets = |c: usize| -> Vec<(usize, usize)> {
            let mut t = Vec::new();
            for r in &self.chains[c].rules {
                let mut add = |v: Verdict, e: usize| {
                    if let Verdict::Jump(x) | Verdict::Goto(x) = v {
                        t.push((x, e));
                    }
                };
                match &r.then {
                    Then::Verdict(v) => add(*v, r.entry),
                    Then::Map(arms) => arms.iter().for_each(|a| add(a.verdict, a.entry)),
                }
            }
            t
        };
        for start in 0..self.chains.len() {
            if colour[start] != 0 {
                continue;
            }
            // Iterative depth-first search: (chain, its edges, next edge).
            let mut stack = vec![(start, targets(start), 0usize)];
            colour[start] = 1;
            while let Some((c, edges, i)) = stack.last_mut() {
                if *i >= edges.len() {
                    colour[*c] = 2;
                    stack.pop();
                    continue;
                }
                let (next, entry) = edges[*i];
                *i += 1;
                match colour.get(next) {
                    Some(0) => {
                        colour[next] = 1;
                        let e = targets(next);
                        stack.push((next, e, 0));
                    }
                    Some(1) => {
                        let span = self.entries[entry].span.clone();
                        out.push(crate::HostfwError::at(
                            &span,
                            crate::ErrorKind::Invalid,
                            format!(
                                "this jump closes a loop back to chain {}: the kernel refuses such a ruleset",
                                self.chains[next].name
                            ),
                        ));
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// A verdict the input cannot tell (a user-space queue, a chain that does
/// not exist): accept, drop and going on are each possible.
pub fn undecided(rs: &mut Ruleset, span: &Span, what: &str, reason: &str) -> portcullis_model::Then {
    use portcullis_model::{Arm, Cond, Then, Unknown};
    let u = Unknown { what: what.to_string(), reason: reason.to_string(), span: span.clone() };
    let e = rs.default_entry(span.clone(), rs.node.name.clone(), &format!("{what}: {reason}"), Action::Allow, reason);
    Then::Map(vec![
        Arm { when: Cond::Unknown(u.clone()), verdict: Verdict::Accept, entry: e },
        Arm { when: Cond::Unknown(u), verdict: Verdict::Drop, entry: e },
    ])
}

/// The entry for something no line of the input wrote (a family no file
/// describes): an explicit default.
pub(crate) fn default_line(span: Span, resource: String, label: &str, why: &str) -> Entry {
    line_entry(span, resource, label, Action::Allow, Origin::Default(why.to_string()))
}
