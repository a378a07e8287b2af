//! Host firewall programs: netfilter chains as the kernel runs them.
//!
//! A node's own firewall (iptables, nftables, and firewalld and ufw, which
//! write one of those) is not a flat list where the first match decides.
//! Rules jump to other chains and come back (`-j CHAIN`, `RETURN`), hand
//! over for good (`-g` / `goto`), pick a verdict from a map, and several
//! base chains sit on one hook: a packet must be accepted by every one of
//! them, in priority order, and an accept in one does not skip the next.
//!
//! So such a layer is a [`Program`]: its chains, and the hook chains a
//! packet for this host crosses. The engine evaluates it for one protocol
//! and destination port on whole address sets (every address's fate is
//! independent of the others', so each chain is summarised once and a
//! jump restricts the summary to the addresses that took it). Each rule
//! points at an [`Entry`](crate::Entry) of its layer: the line that wrote
//! it, which is what a finding cites.
//!
//! Everything a rule can test besides the source address is fixed by the
//! question "can a new TCP connection be opened": connection tracking says
//! `NEW`, the TCP flags are a bare SYN, the destination is this host. The
//! interface and the client's source port are not fixed; the engine
//! enumerates the cases that matter ([`Cond::InInterface`],
//! [`Cond::SourcePort`]).

use crate::addr::AddrSet;
use crate::ports::{PortSet, Protocol};
use crate::provenance::Unknown;

/// Index of a chain in [`Program::chains`].
pub type ChainId = usize;

/// A host's firewall: chains and the hook chains that run them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub chains: Vec<Chain>,
    /// The base chains an incoming packet for this host crosses, in the
    /// order the kernel runs them (prerouting before input, then by
    /// priority). A packet is admitted when every hook chain that sees it
    /// accepts it.
    pub hooks: Vec<Hook>,
    /// The interface the network reaches this host through (`--interface`).
    /// `None`: not told, so every non-loopback interface is a possibility
    /// and the engine answers for all of them (surely admitted = admitted
    /// on each; possibly admitted = admitted on one).
    pub facing: Option<String>,
}

/// A base chain on a hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub chain: ChainId,
    /// The sources whose packets this chain sees: a table of family `ip`
    /// sees IPv4 only, `ip6` IPv6 only, `inet` both. Others pass it
    /// untouched.
    pub sees: AddrSet,
    /// For people: `nftables inet filter input (priority 0)`.
    pub name: String,
    /// Whether connection tracking has seen the packet when this chain
    /// runs. It runs at prerouting priority -200 (`NF_IP_PRI_CONNTRACK`);
    /// a chain before it (the raw table) finds no connection, which
    /// netfilter reports as state `INVALID`.
    pub tracked: bool,
}

/// One chain: its rules in order and what happens at its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub name: String,
    pub rules: Vec<Rule>,
    /// A base chain ends in its policy ([`Verdict::Accept`] or
    /// [`Verdict::Drop`]); any other chain in [`Verdict::Return`].
    pub end: Verdict,
    /// The entry credited with the end verdict (the policy line; for a
    /// chain without one, its declaration).
    pub end_entry: usize,
}

/// A rule: when every condition holds, `then` applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The layer entry that wrote the rule.
    pub entry: usize,
    /// All must hold (an empty list always holds).
    pub when: Vec<Cond>,
    pub then: Then,
}

/// What a matching rule does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Then {
    Verdict(Verdict),
    /// A verdict map (`ip saddr vmap { … }`): the arm whose key holds
    /// decides; when none holds the packet goes on to the next rule. nft
    /// refuses overlapping keys, so at most one arm holds; should two, the
    /// first counts.
    Map(Vec<Arm>),
}

/// One element of a verdict map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arm {
    pub when: Cond,
    pub verdict: Verdict,
    /// The entry credited with this element (its line in a named map, else
    /// the rule's).
    pub entry: usize,
}

/// What happens to a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Accept,
    Drop,
    /// Dropped with an answer (a TCP reset or an ICMP error).
    Reject,
    /// Back to the rule after the jump that called this chain; at the top
    /// of a base chain, its policy.
    Return,
    /// Run the chain; when it returns, go on with the next rule.
    Jump(ChainId),
    /// Run the chain instead of the rest of this one; when it returns, go
    /// back to whoever called this one.
    Goto(ChainId),
    /// No verdict (a counter, a log, a mark): the next rule.
    Continue,
}

/// An interface name pattern.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IfaceName {
    Exact(String),
    /// Every name that starts with this (`eth+` in iptables, `"eth*"` in
    /// nftables; an empty prefix is every interface).
    Prefix(String),
}

impl IfaceName {
    pub fn matches(&self, name: &str) -> bool {
        match self {
            IfaceName::Exact(n) => n == name,
            IfaceName::Prefix(p) => name.starts_with(p.as_str()),
        }
    }
}

/// Connection-tracking states a rule names (`--ctstate`, `ct state`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CtStates(pub u8);

impl CtStates {
    pub const NEW: CtStates = CtStates(1);
    pub const ESTABLISHED: CtStates = CtStates(2);
    pub const RELATED: CtStates = CtStates(4);
    pub const INVALID: CtStates = CtStates(8);
    pub const UNTRACKED: CtStates = CtStates(16);
    /// nftables' `dnat`/`snat` conntrack statuses are not states; these
    /// two are conntrack's (`-m conntrack --ctstate SNAT,DNAT`).
    pub const SNAT: CtStates = CtStates(32);
    pub const DNAT: CtStates = CtStates(64);

    pub fn union(self, o: CtStates) -> CtStates {
        CtStates(self.0 | o.0)
    }

    /// Whether a new connection's first packet (state `NEW`, not NATed)
    /// is in the set.
    pub fn holds_for_new(self) -> bool {
        self.0 & Self::NEW.0 != 0
    }

    /// Whether the set holds for a packet connection tracking has not
    /// seen yet (reported as `INVALID`).
    pub fn holds_untracked(self) -> bool {
        self.0 & Self::INVALID.0 != 0
    }
}

/// TCP flag bits as the header carries them.
pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

/// A condition of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// The source address is in the set. Negation and the family a match
    /// implies are applied by the reader (`ip saddr != 10.0.0.0/8` is
    /// every IPv4 address outside 10/8, and no IPv6 address).
    Source(AddrSet),
    /// The layer-4 protocol is one of these.
    Protocol(Vec<Protocol>),
    /// The destination port is in the set (false for protocols without
    /// ports).
    DestPort(PortSet),
    /// The client's source port is in the set (false without ports). The
    /// client picks its port, so the engine admits a source when some port
    /// gets it in.
    SourcePort(PortSet),
    /// The packet came in on an interface matching one of these.
    InInterface(Vec<IfaceName>),
    /// Connection-tracking state: holds when `NEW` is among them (or, in a
    /// chain before conntrack, `INVALID`; see [`Hook::tracked`]).
    CtState(CtStates),
    /// `(flags & mask) == value`: a bare SYN is tested.
    TcpFlags {
        mask: u8,
        value: u8,
    },
    /// Fixed by the question (`-m addrtype --dst-type LOCAL` holds for a
    /// packet to this host; `--dst-type BROADCAST` does not).
    Const(bool),
    /// A test the input cannot decide (an ipset whose members are not in
    /// the input, a mark set elsewhere). Both outcomes are considered.
    Unknown(Unknown),
    /// At least one of these conjunctions holds (sets of concatenations:
    /// `ip saddr . tcp dport { 10.0.0.0/8 . 10257, … }`).
    Any(Vec<Vec<Cond>>),
    Not(Box<Cond>),
}

impl Cond {
    /// Calls `f` on this condition and every condition inside it.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Cond)) {
        f(self);
        match self {
            Cond::Any(alternatives) => {
                for c in alternatives.iter().flatten() {
                    c.walk(f);
                }
            }
            Cond::Not(inner) => inner.walk(f),
            _ => {}
        }
    }
}

impl Rule {
    /// Every condition of the rule, its map arms' included, with those
    /// nested inside them.
    pub fn walk_conds<'a>(&'a self, f: &mut impl FnMut(&'a Cond)) {
        for c in &self.when {
            c.walk(f);
        }
        if let Then::Map(arms) = &self.then {
            for a in arms {
                a.when.walk(f);
            }
        }
    }
}

impl Program {
    /// Every rule of every chain.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.chains.iter().flat_map(|c| c.rules.iter())
    }

    /// Every condition of every rule.
    pub fn walk_conds<'a>(&'a self, f: &mut impl FnMut(&'a Cond)) {
        for r in self.rules() {
            r.walk_conds(f);
        }
    }
}
