//! The part of an nftables ruleset portcullis reads, as both `nft list
//! ruleset` text and `nft -j list ruleset` JSON spell it: tables, chains,
//! sets and maps, and rules as lists of statements.

use portcullis_model::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// `ip`, `ip6`, `inet`, `netdev`, `bridge`, `arp`.
    pub family: String,
    pub name: String,
    pub span: Span,
    pub dormant: bool,
    /// `# Warning: table ip filter is managed by iptables-nft`.
    pub iptables_nft: bool,
    pub chains: Vec<ChainDef>,
    pub sets: Vec<SetDef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainDef {
    pub name: String,
    pub span: Span,
    pub base: Option<BaseSpec>,
    pub rules: Vec<RuleDef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseSpec {
    /// `filter`, `nat`, `route`.
    pub kind: String,
    pub hook: String,
    pub priority: i32,
    /// `accept` or `drop`; `None` when not written (accept).
    pub policy: Option<(String, Span)>,
    pub devices: Vec<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetDef {
    pub name: String,
    pub span: Span,
    pub is_map: bool,
    /// The key's type names, one per concatenated part (`ipv4_addr`,
    /// `inet_service`…), or for `typeof` the expressions' names
    /// (`ip saddr`).
    pub key: Vec<String>,
    /// A map's data type (`verdict`, `ipv4_addr`…).
    pub data: Option<String>,
    pub flags: Vec<String>,
    pub elements: Vec<Element>,
    /// Rules add to it from the packet path (`add @s`, `update @s`) or it
    /// is declared dynamic: its contents depend on past traffic.
    pub dynamic: bool,
}

/// One element: its key (concatenated parts) and, in a map, its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub key: Vec<Atom>,
    pub value: Option<VerdictSpec>,
    pub span: Span,
}

/// A value as written: one, a range `a-b`, a prefix `a/n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Atom {
    One(String),
    Range(String, String),
    Prefix(String, u8),
}

/// The left side of a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `ip saddr`, `tcp dport`: protocol and field.
    Payload(String, String),
    /// `meta iifname`, `iifname`, `meta l4proto`.
    Meta(String),
    /// `ct state`.
    Ct(String),
    /// `fib saddr . iif oif`: its inputs and result.
    Fib(Vec<String>, String),
    /// Anything else, as written.
    Other(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// No operator written: equality, or for bit masks "any of these bits".
    Implicit,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

/// The right side of a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rhs {
    /// A value or a comma list (`established,related`): each a list of
    /// concatenated parts.
    Values(Vec<Vec<Atom>>),
    /// An anonymous set `{ … }`: a lookup, so for bit masks each element is
    /// an exact value.
    Set(Vec<Vec<Atom>>),
    /// `@name`.
    SetRef(String),
    /// `syn / fin,syn,rst,ack`: value and mask, bits by name.
    Masked(Vec<String>, Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerdictSpec {
    Accept,
    Drop,
    Reject,
    Return,
    Continue,
    Jump(String),
    Goto(String),
    /// Decided elsewhere (`queue`).
    Undecided(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// `left op right`; `mask` for `left & mask op right`.
    Match {
        left: Vec<Expr>,
        mask: Option<Vec<String>>,
        op: Op,
        right: Rhs,
        span: Span,
    },
    Verdict(VerdictSpec, Span),
    /// `left vmap { … }` or `vmap @m`.
    Vmap {
        left: Vec<Expr>,
        map: VmapRef,
        span: Span,
    },
    /// Holds or not, fixed by the question (`limit rate over`, `ct count
    /// over`), with why.
    Const(bool, Span),
    /// A statement that changes nothing about the verdict of this packet
    /// (counter, log, comment).
    Nothing,
    /// Sets a packet or connection mark.
    SetsMark,
    /// Turns connection tracking off.
    Notrack,
    /// Adds to or updates a set from the packet path.
    UpdatesSet(String),
    /// Rewrites addresses (dnat, redirect).
    Rewrites(Span),
    /// Something not evaluated, with its text.
    Unknown(String, Span),
    /// `reject with icmp|icmpv6|tcp …` before its verdict: the answer's kind
    /// implies the packet's family or protocol, which `nft list` then
    /// leaves out of the rule (`meta nfproto ipv6` before `reject with
    /// icmpv6 …` is not printed).
    RejectWith(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmapRef {
    Inline(Vec<Element>),
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDef {
    pub span: Span,
    /// The rule as written, for labels.
    pub text: String,
    pub stmts: Vec<Stmt>,
}
