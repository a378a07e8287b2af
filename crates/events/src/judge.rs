//! What each event did to the watched ports.
//!
//! Events are put in time order (files arrive in any order; within one
//! time, by file and line). Each rule's history is followed by its
//! identity (resource and key, or an alias such as a security-group rule
//! id): its state before an event is what the last event on it left, known
//! to be empty for a resource the inputs saw created, and *unknown*
//! otherwise. For every watched port the rule before and after is
//! evaluated with the engine (one layer holding the rule, both bounds), the
//! authorized sources are taken out, and the difference decides:
//!
//! - **opened**: it now admits unauthorized sources and admitted none
//!   before (or what it admitted before is not in the events read:
//!   `before_known` is false);
//! - **widened**: it admits unauthorized sources it did not, beside
//!   others it already did; or a deny rule that blocked them is gone;
//! - **narrowed** / **closed**: it stopped admitting some / all of them
//!   (a rule revoked or deleted, sources removed, a deny rule added);
//! - **unchanged**: the call restated what the rule already said.
//!
//! A failed call changed nothing and is only counted.

use crate::event::{Effect, Event, Outcome, Stated};
use portcullis_engine::{eval_layer, Bound, LayerAdmit};
use portcullis_model::named::{is_unrestricted, public};
use portcullis_model::{
    Action, AddrSet, Cidr, Entry, Known, Layer, LayerKind, Origin, Protocol, Sources, Span, Unknown,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What to judge against.
#[derive(Clone, Debug)]
pub struct Watch {
    /// (IP protocol number, port), tcp/10257 first.
    pub ports: Vec<(u8, u16)>,
    /// Addresses that may connect.
    pub authorized: AddrSet,
    /// Internal sources (security groups, tags) that may connect.
    pub authorized_internal: Vec<String>,
    /// Whether the user gave an authorized list: without one every
    /// internal source counts as authorized (docs/semantics.md, "Sources").
    pub explicit: bool,
}

impl Watch {
    fn internal_authorized(&self, name: &str) -> bool {
        !self.explicit || self.authorized_internal.iter().any(|n| n == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Opened,
    Widened,
    Narrowed,
    Closed,
    Unchanged,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Opened => "opened",
            Verdict::Widened => "widened",
            Verdict::Narrowed => "narrowed",
            Verdict::Closed => "closed",
            Verdict::Unchanged => "unchanged",
        }
    }
}

/// Whether an opening is still in effect in a snapshot (`--state`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InEffect {
    /// `yes`, `no`, or `unknown` (the resource is not in the snapshot).
    pub status: &'static str,
    /// The sources the event added that the snapshot still admits.
    pub sources: Vec<String>,
    /// The snapshot's targets behind the resource that admit them.
    pub targets: Vec<String>,
}

/// One event's effect on one rule and one watched port.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub verdict: Verdict,
    pub provider: &'static str,
    /// The API call or operation.
    pub event: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub event_id: String,
    /// RFC 3339, UTC; `null` when the log has no time.
    pub time: Option<String>,
    pub principal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `succeeded`, or `unknown` when the log holds the call's start only.
    pub outcome: &'static str,
    pub resource: String,
    pub resource_kind: &'static str,
    /// The rule as the call states it (or as it was, for a removal).
    pub rule: String,
    pub port: u16,
    pub protocol: String,
    /// `add` (the rule created or replaced) or `remove`.
    pub change: &'static str,
    /// `allow` or `deny`.
    pub action: &'static str,
    /// Unauthorized sources the rule admits after the event and not before.
    pub added: Vec<String>,
    /// Unauthorized sources it admitted before and not after.
    pub removed: Vec<String>,
    /// Unauthorized sources the rule admits after the event.
    pub now: Vec<String>,
    /// Whether the rule's state before the event is in the events read.
    pub before_known: bool,
    /// The address blocks as the call writes them that match the port and
    /// are not all authorized (what the SQL queries list, block by block).
    pub stated: Vec<String>,
    /// For opened and widened: `unrestricted`, `public`, `unauthorized`,
    /// or `undetermined` (the answer depends on `unknown`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_effect: Option<InEffect>,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Where the event starts (the rule may be written further in).
    pub event_line: u32,
}

/// What was read and judged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Inputs that held change events.
    pub files: usize,
    /// Events of any kind read.
    pub events: u64,
    /// Calls that change firewall rules, judged.
    pub judged: u64,
    /// Such calls that failed (nothing changed).
    pub failed: u64,
    /// Changes reported (every verdict).
    pub changes: u64,
}

/// A rule's sources as the watch sees them, for one port.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Seen {
    /// Surely matched, unauthorized.
    addrs: AddrSet,
    internal: BTreeSet<String>,
    /// Possibly matched (upper bound), unauthorized.
    maybe: AddrSet,
    /// What findings list: the matched addresses without the ones the user
    /// explicitly authorized (`0.0.0.0/0`, not its public parts).
    shown: AddrSet,
    unknown: Vec<String>,
}

impl Seen {
    fn is_empty(&self) -> bool {
        self.addrs.is_empty() && self.internal.is_empty()
    }
}

/// What a rule admits and denies on one port.
#[derive(Clone, Debug, Default)]
struct Effects {
    allow: Seen,
    deny: Seen,
}

fn unknown_text(u: &Unknown) -> String {
    format!("{}: {}", u.what, u.reason)
}

/// The model's entries for a stated rule; fields it does not state are
/// unknown.
fn entries(stated: &Stated, resource: &str, span: &Span) -> Vec<Entry> {
    let missing = |what: &str| Unknown {
        what: what.to_string(),
        reason: "not in the call, and no earlier event states it".into(),
        span: span.clone(),
    };
    let sources =
        stated.sources.clone().unwrap_or_else(|| Sources { unknown: vec![missing("sources")], ..Default::default() });
    let permits = match &stated.permits {
        Some(p) => p.iter().map(|(proto, ports)| (Known::Known(proto.clone()), ports.clone())).collect(),
        None => vec![(Known::from_unknown(missing("protocols and ports")), Known::from_unknown(missing("ports")))],
    };
    permits
        .into_iter()
        .map(|(protocol, ports)| Entry {
            resource: resource.to_string(),
            label: stated.label.clone().unwrap_or_default(),
            span: span.clone(),
            origin: Origin::Explicit,
            // Evaluated as an allow: what the rule matches. Its action
            // decides below whether that admits or blocks.
            action: Action::Allow,
            protocol,
            ports,
            sources: sources.clone(),
            order: stated.order.unwrap_or(0),
        })
        .collect()
}

fn seen(admit: &LayerAdmit, upper: &LayerAdmit, watch: &Watch, unknown: Vec<String>) -> Seen {
    Seen {
        addrs: admit.addrs.difference(&watch.authorized),
        internal: admit
            .internal
            .iter()
            .filter(|s| !watch.internal_authorized(&s.name))
            .map(|s| s.name.clone())
            .collect(),
        maybe: upper.addrs.difference(&watch.authorized),
        shown: if watch.explicit { admit.addrs.difference(&watch.authorized) } else { admit.addrs.clone() },
        unknown,
    }
}

fn effects(stated: Option<&Stated>, resource: &str, span: &Span, watch: &Watch, proto: Protocol, port: u16) -> Effects {
    let Some(s) = stated else { return Effects::default() };
    if s.disabled == Some(true) {
        return Effects::default();
    }
    let layer = Layer {
        id: resource.to_string(),
        kind_name: String::new(),
        kind: LayerKind::AllowUnion,
        span: span.clone(),
        entries: entries(s, resource, span),
    };
    let lower = eval_layer(0, &layer, proto, port, Bound::Lower);
    let upper = eval_layer(0, &layer, proto, port, Bound::Upper);
    let mut unknown: Vec<String> = Vec::new();
    if upper != lower {
        for e in &layer.entries {
            for u in [e.protocol.unknown(), e.ports.unknown()].into_iter().flatten().chain(e.sources.unknown.iter()) {
                let t = unknown_text(u);
                if !unknown.contains(&t) {
                    unknown.push(t);
                }
            }
        }
    }
    let matched = seen(&lower, &upper, watch, unknown);
    match s.action {
        Some(Action::Deny) => Effects { allow: Seen::default(), deny: matched },
        _ => Effects { allow: matched, deny: Seen::default() },
    }
}

fn listed(addrs: &AddrSet, internal: &BTreeSet<String>) -> Vec<String> {
    let mut v = addrs.to_cidr_strings();
    v.extend(internal.iter().cloned());
    v
}

/// What `a` has and `b` has not: unauthorized addresses, internal
/// sources, and the addresses as findings show them (empty when no
/// unauthorized address differs).
fn minus(a: &Seen, b: &Seen) -> (AddrSet, BTreeSet<String>, AddrSet) {
    let addrs = a.addrs.difference(&b.addrs);
    let shown = if addrs.is_empty() { AddrSet::empty() } else { a.shown.difference(&b.shown) };
    (addrs, a.internal.difference(&b.internal).cloned().collect(), shown)
}

/// The exposure class of what was added.
fn exposure(added: &AddrSet, undetermined: bool) -> &'static str {
    if undetermined {
        "undetermined"
    } else if is_unrestricted(added) {
        "unrestricted"
    } else if added.intersects(public()) {
        "public"
    } else {
        "unauthorized"
    }
}

/// A rule's history so far: `None` inside means the rule does not exist.
#[derive(Default)]
struct History {
    rules: HashMap<String, BTreeMap<String, Option<Stated>>>,
    aliases: HashMap<(String, String), String>,
    /// Resources seen created: a rule not in `rules` does not exist.
    created: BTreeSet<String>,
}

impl History {
    fn canonical(&self, resource: &str, key: &str) -> String {
        self.aliases.get(&(resource.to_string(), key.to_string())).cloned().unwrap_or_else(|| key.to_string())
    }

    /// `None`: unknown; `Some(None)`: known not to exist.
    fn before(&self, resource: &str, key: &str) -> Option<Option<Stated>> {
        match self.rules.get(resource).and_then(|r| r.get(key)) {
            Some(s) => Some(s.clone()),
            None if self.created.contains(resource) => Some(None),
            None => None,
        }
    }
}

/// Joins the entries of one call (the one that states the rules, and the
/// one that says how it ended) and drops failed calls.
fn merge_calls(events: Vec<Event>, stats: &mut Stats) -> Vec<Event> {
    let mut outcome: HashMap<(u8, String), Outcome> = HashMap::new();
    for e in &events {
        if let Some(c) = &e.correlation {
            let slot = outcome.entry((e.provider as u8, c.clone())).or_insert(Outcome::Unknown);
            match (&e.outcome, &*slot) {
                (Outcome::Failed(_), _) => *slot = e.outcome.clone(),
                (Outcome::Succeeded, Outcome::Unknown) => *slot = Outcome::Succeeded,
                _ => {}
            }
        }
    }
    let mut taken: BTreeSet<(u8, String)> = BTreeSet::new();
    let mut out = Vec::with_capacity(events.len());
    for mut e in events {
        if let Some(c) = e.correlation.clone() {
            let key = (e.provider as u8, c);
            if e.changes.is_empty() && !e.new_resource {
                // The outcome entry: counted with the call it ends.
                continue;
            }
            if !taken.insert(key.clone()) {
                continue;
            }
            if let Some(o) = outcome.get(&key) {
                e.outcome = o.clone();
            }
        }
        match e.outcome {
            Outcome::Failed(_) => stats.failed += 1,
            _ => {
                stats.judged += 1;
                out.push(e);
            }
        }
    }
    out
}

/// Judges every event against the watch: the changes, in time order.
pub fn judge(mut events: Vec<Event>, watch: &Watch, stats: &mut Stats) -> Vec<Change> {
    events.sort_by(|a, b| {
        (a.time.is_none(), a.time, &a.file, a.line, a.column).cmp(&(
            b.time.is_none(),
            b.time,
            &b.file,
            b.line,
            b.column,
        ))
    });
    let events = merge_calls(events, stats);
    let mut history = History::default();
    let mut out = Vec::new();
    for event in &events {
        let resource = resource_key(event);
        if event.new_resource {
            history.created.insert(resource.clone());
            history.rules.remove(&resource);
        }
        let mut changes: Vec<(String, &crate::event::RuleChange)> =
            event.changes.iter().map(|c| (history.canonical(&resource, &c.key), c)).collect();
        // A call that states every rule removes the ones it leaves out.
        let mut dropped: Vec<String> = Vec::new();
        if event.whole {
            if let Some(rules) = history.rules.get(&resource) {
                dropped = rules.keys().filter(|k| !changes.iter().any(|(c, _)| c == *k)).cloned().collect();
            }
        }
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        let removal = crate::event::RuleChange {
            key: String::new(),
            line: event.line,
            column: event.column,
            effect: Effect::Remove(None),
            aliases: vec![],
        };
        let all: Vec<(String, &crate::event::RuleChange)> =
            changes.into_iter().chain(dropped.into_iter().map(|k| (k, &removal))).collect();
        for (key, change) in all {
            let before = history.before(&resource, &key);
            let after: Option<Stated> = match &change.effect {
                Effect::Set(s) => Some(s.clone()),
                Effect::Merge(patch) => Some(match before.as_ref().and_then(|b| b.as_ref()) {
                    Some(b) => b.merged(patch),
                    None => patch.clone(),
                }),
                Effect::Remove(_) => None,
            };
            // A removal that states what it removes tells the rule's
            // state before, when the history does not.
            let before_known = before.is_some();
            let before_rule: Option<Stated> = match (&before, &change.effect) {
                (Some(b), _) => b.clone(),
                (None, Effect::Remove(Some(s))) => Some(s.clone()),
                (None, _) => None,
            };
            let span = Span::new(event.file.clone(), change.line, change.column);
            for &(proto, port) in &watch.ports {
                let protocol = Protocol(proto);
                if let Some(c) = judge_port(
                    event,
                    &key,
                    change,
                    before_known,
                    before_rule.as_ref(),
                    after.as_ref(),
                    &span,
                    watch,
                    protocol,
                    port,
                ) {
                    out.push(c);
                }
            }
            for alias in &change.aliases {
                history.aliases.insert((resource.clone(), alias.clone()), key.clone());
            }
            history.rules.entry(resource.clone()).or_default().insert(key, after);
        }
    }
    stats.changes = out.len() as u64;
    out
}

/// Resources compare by provider and, for Azure, without case (ARM ids).
fn resource_key(e: &Event) -> String {
    match e.provider {
        crate::event::Provider::Azure => format!("azure {}", e.resource.to_ascii_lowercase()),
        p => format!("{} {}", p.name(), e.resource),
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_port(
    event: &Event,
    key: &str,
    change: &crate::event::RuleChange,
    before_known: bool,
    before: Option<&Stated>,
    after: Option<&Stated>,
    span: &Span,
    watch: &Watch,
    protocol: Protocol,
    port: u16,
) -> Option<Change> {
    let b = effects(before, &event.resource, span, watch, protocol, port);
    let a = effects(after, &event.resource, span, watch, protocol, port);
    let (added, added_internal, added_shown) = minus(&a.allow, &b.allow);
    let (removed, removed_internal, removed_shown) = minus(&b.allow, &a.allow);
    let (unblocked, _, unblocked_shown) = minus(&b.deny, &a.deny);
    let (blocked, _, blocked_shown) = minus(&a.deny, &b.deny);
    let stated_rule = after.or(before);
    // What the call itself writes (not what the history adds): the blocks
    // a query over the log can list too.
    let called = match &change.effect {
        Effect::Set(s) | Effect::Merge(s) => Some(s),
        Effect::Remove(s) => s.as_ref(),
    };
    let stated = stated_blocks(called, &event.resource, span, watch, protocol, port);
    let opens = !added.is_empty() || !added_internal.is_empty();
    let closes = !removed.is_empty() || !removed_internal.is_empty() || !blocked.is_empty();
    let maybe_added = a.allow.maybe.difference(&b.allow.maybe);
    let undetermined_only = !opens && !maybe_added.is_empty() && !a.allow.unknown.is_empty();
    let verdict = if opens || undetermined_only {
        if before_known && !b.allow.is_empty() {
            Verdict::Widened
        } else {
            Verdict::Opened
        }
    } else if !unblocked.is_empty() {
        Verdict::Widened
    } else if closes {
        if a.allow.is_empty() {
            Verdict::Closed
        } else {
            Verdict::Narrowed
        }
    } else if !stated.is_empty() {
        Verdict::Unchanged
    } else {
        return None;
    };
    let _ = key;
    let (added_list, removed_list) = match verdict {
        Verdict::Widened if !opens && !undetermined_only => (listed(&unblocked_shown, &BTreeSet::new()), Vec::new()),
        Verdict::Closed | Verdict::Narrowed => {
            let mut r = listed(&removed_shown, &removed_internal);
            if r.is_empty() {
                r = listed(&blocked_shown, &BTreeSet::new());
            }
            (Vec::new(), r)
        }
        Verdict::Opened | Verdict::Widened => {
            let shown = if undetermined_only { maybe_added.clone() } else { added_shown.clone() };
            (listed(&shown, &added_internal), Vec::new())
        }
        Verdict::Unchanged => (Vec::new(), Vec::new()),
    };
    let exposure = match verdict {
        Verdict::Opened | Verdict::Widened => Some(exposure(
            if undetermined_only {
                &maybe_added
            } else if opens {
                &added
            } else {
                &unblocked
            },
            undetermined_only || !opens,
        )),
        _ => None,
    };
    let mut unknown = a.allow.unknown.clone();
    unknown.extend(a.deny.unknown.iter().cloned());
    let rule = stated_rule.and_then(|s| s.label.clone()).unwrap_or_else(|| {
        if key.is_empty() {
            event.resource.clone()
        } else {
            format!("rule {key}")
        }
    });
    let action = match stated_rule.and_then(|s| s.action) {
        Some(Action::Deny) => "deny",
        _ => "allow",
    };
    Some(Change {
        verdict,
        provider: event.provider.name(),
        event: event.name.clone(),
        event_id: event.id.clone(),
        time: event.time.and_then(portcullis_model::date::format_rfc3339),
        principal: event.actor.principal.clone(),
        source_ip: event.actor.source_ip.clone(),
        user_agent: event.actor.user_agent.clone(),
        account: event.account.clone(),
        region: event.region.clone(),
        outcome: if event.outcome == Outcome::Unknown { "unknown" } else { "succeeded" },
        resource: event.resource.clone(),
        resource_kind: event.resource_kind,
        rule,
        port,
        protocol: protocol.name(),
        change: if after.is_some() { "add" } else { "remove" },
        action,
        added: added_list,
        removed: removed_list,
        now: if a.allow.is_empty() { Vec::new() } else { listed(&a.allow.shown, &a.allow.internal) },
        before_known,
        stated,
        exposure,
        unknown,
        in_effect: None,
        file: event.file.to_string(),
        line: change.line,
        column: change.column,
        event_line: event.line,
    })
}

/// The written address blocks of a rule that match the port and are not
/// wholly authorized.
fn stated_blocks(
    rule: Option<&Stated>,
    resource: &str,
    span: &Span,
    watch: &Watch,
    protocol: Protocol,
    port: u16,
) -> Vec<String> {
    let Some(rule) = rule else { return Vec::new() };
    if rule.disabled == Some(true) {
        return Vec::new();
    }
    let any = Stated {
        sources: Some(Sources { addrs: AddrSet::all(), ..Default::default() }),
        action: Some(Action::Allow),
        ..rule.clone()
    };
    let layer = Layer {
        id: resource.to_string(),
        kind_name: String::new(),
        kind: LayerKind::AllowUnion,
        span: span.clone(),
        entries: entries(&any, resource, span),
    };
    if eval_layer(0, &layer, protocol, port, Bound::Lower).addrs.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = rule
        .written
        .iter()
        .filter(|w| Cidr::parse(w).is_ok_and(|c| !watch.authorized.contains_set(&c.to_set())))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}
