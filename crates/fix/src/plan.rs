//! Planning: which rule lines change, and to what, decided on the model
//! with the engine's own set algebra before any file is touched.
//!
//! For every admitting rule line a selected finding points at (the
//! innermost layer of its target's path, the line written for that
//! target), the new sources are the rule's sources intersected with the
//! authorized ones, printed as the shortest CIDR list. When the rule covers
//! ports no selected finding is about (`10250-10260` when only `10257` must
//! close), those ports keep the old sources through copies of the rule over
//! the ranges that stay. Nothing authorized left and no port left: the rule
//! goes. The plan is then applied to a copy of the estate and checked with
//! the same rules: in an ordered layer (a network ACL, an NSG, a GCP
//! network) narrowing one allow can let a later allow decide, so planning
//! repeats on the changed estate until the selected findings are gone or a
//! round makes no progress. A change only ever intersects or removes, so a
//! plan never widens anything; [`verify`] checks that on the model too.

use portcullis_engine::{evaluate, EntryRef};
use portcullis_model::named::non_public;
use portcullis_model::{
    Action, AddrSet, Entry, Estate, InternalSource, Known, LayerKind, Origin, PortSet, ProtoMatch, Span,
};
use portcullis_rules::{classify, Authorized, ExposureClass, Finding, PortQuery};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How many times planning looks again at what a change let through.
const MAX_ROUNDS: usize = 8;

/// Whether a fix can only remove what the user said is not needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Safety {
    /// The user named who may connect (`--authorized`): everything removed
    /// is outside that list.
    Safe,
    /// It may cut off a peer that needs access: no authorized list was
    /// given (private space is assumed to be enough), or the change narrows
    /// more than the flagged ports.
    Unsafe,
}

impl Safety {
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::Safe => "safe",
            Safety::Unsafe => "unsafe",
        }
    }
}

/// What happens to one rule line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Its sources become `keep` (not empty) on all its ports.
    Narrow,
    /// Nothing authorized remains and no port stays: the source goes
    /// (and the rule with it when it was the rule's only source).
    Remove,
    /// Its flagged ports close to everything but `keep`; the other ports
    /// (`stay`, as ranges) keep the old sources through copies of the rule.
    Split { stay: Vec<(u16, u16)> },
    /// The rule matches every protocol, so its ports cannot be split: its
    /// sources are narrowed on every port (more than the findings ask).
    NarrowWholeRule,
    /// In an ordered layer, the rule stays as it is and new rules go right
    /// ahead of it at free numbers or priorities: an allow of what the
    /// flagged ports keep (one rule per CIDR where a rule holds one, from
    /// `allow_at` up) and a deny of the rule's sources on the flagged ports
    /// at `deny_at`. Chosen where narrowing the rule would change ports or
    /// protocols nobody asked about, or split one rule into several CIDR
    /// rules; `why` says which.
    DenyAhead { deny_at: i64, allow_at: Option<i64>, why: String },
}

impl Strategy {
    pub fn describe(&self) -> String {
        match self {
            Strategy::Narrow => "narrow the sources to the authorized ones".into(),
            Strategy::Remove => "remove the source: nothing authorized remains".into(),
            Strategy::Split { stay } => {
                let ranges: Vec<String> =
                    stay.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect();
                format!("split the port range: {} keep the old sources, the flagged ports close", ranges.join(", "))
            }
            Strategy::NarrowWholeRule => {
                "narrow the sources on every port: the rule matches every protocol, so its ports cannot be split".into()
            }
            Strategy::DenyAhead { deny_at, allow_at, why } => match allow_at {
                Some(a) => format!(
                    "deny ahead: the rule stays; an allow of what is kept at {a} and a deny of its sources on the \
                     flagged ports at {deny_at}, both ahead of it ({why})"
                ),
                None => format!(
                    "deny ahead: the rule stays; a deny of its sources on the flagged ports at {deny_at} ({why})"
                ),
            },
        }
    }
}

/// The change to one rule line of the input.
#[derive(Clone, Debug)]
pub struct EntryFix {
    pub at: EntryRef,
    pub resource: String,
    pub label: String,
    /// Where the rule's source is written: the line the editors change.
    pub span: Span,
    pub layer_kind: LayerKind,
    /// What the layer is (`network ACL`, `network security group`).
    pub layer_name: String,
    pub action: Action,
    /// The rule's protocol and ports as read, and its order (rule number,
    /// priority): what a command that recreates it names.
    pub protocol: Known<ProtoMatch>,
    pub ports: PortSet,
    pub order: i64,
    /// The rule's sources as written (one literal per rule line).
    pub before: AddrSet,
    pub before_internal: Vec<InternalSource>,
    /// What the flagged ports keep: `before` ∩ authorized.
    pub keep: AddrSet,
    pub keep_internal: Vec<InternalSource>,
    /// The flagged ports of this rule.
    pub flagged: PortSet,
    pub strategy: Strategy,
    pub safety: Safety,
    /// The rule codes whose findings this closes.
    pub rules: BTreeSet<String>,
    /// The findings it closes, as (rule, resource): what is reported open
    /// when the fix cannot be written.
    pub serves: BTreeSet<(String, String)>,
}

/// A selected finding the plan cannot close, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unfixable {
    pub rule: String,
    pub resource: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub reason: String,
}

impl Unfixable {
    pub(crate) fn of(f: &Finding, reason: impl Into<String>) -> Unfixable {
        Unfixable {
            rule: f.rule.clone(),
            resource: f.resource.clone(),
            file: f.file.clone(),
            line: f.line,
            column: f.column,
            reason: reason.into(),
        }
    }
}

/// What planning decided.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// In the estate's order (layer, then rule).
    pub fixes: Vec<EntryFix>,
    pub unfixable: Vec<Unfixable>,
    /// The estate with every fix applied, as the engine sees it.
    pub after: Estate,
    /// How many rules each layer had before the plan added copies.
    pub originals: Vec<usize>,
}

impl Plan {
    /// Every source of the rule `fix` changes, once the plan is made: the
    /// union of the rule lines of its layer that share its rule (a rule
    /// with several sources is several lines, each with the rule's label up
    /// to `:`), without the copies a split adds.
    pub fn rule_sources_after(&self, fix: &EntryFix) -> Vec<String> {
        let name = |label: &str| label.split(':').next().unwrap_or(label).to_string();
        let own = name(&fix.label);
        let Some(layer) = self.after.layers.get(fix.at.layer) else { return Vec::new() };
        let count = self.originals.get(fix.at.layer).copied().unwrap_or(0);
        let mut addrs = AddrSet::default();
        let mut internal: Vec<String> = Vec::new();
        for e in layer.entries.iter().take(count).filter(|e| e.resource == fix.resource && name(&e.label) == own) {
            addrs.union_in_place(&e.sources.addrs);
            internal.extend(e.sources.internal.iter().map(|s| s.name.clone()));
        }
        let mut out = addrs.to_cidr_strings();
        internal.sort();
        internal.dedup();
        out.extend(internal);
        out
    }
}

/// The authorized addresses as the rules judge them (private space when
/// the user gave no list).
pub fn authorized_addrs(auth: &Authorized) -> &AddrSet {
    if auth.explicit {
        &auth.addrs
    } else {
        non_public()
    }
}

fn internal_allowed(auth: &Authorized, s: &InternalSource) -> bool {
    !auth.explicit || auth.internal.iter().any(|n| n == &s.name)
}

/// Plans the changes that close `selected` (findings of a scan of
/// `estate` with `queries` and `auth`).
pub fn plan(estate: &Estate, selected: &[Finding], auth: &Authorized) -> Plan {
    let originals: Vec<usize> = estate.layers.iter().map(|l| l.entries.len()).collect();
    let mut work = estate.clone();
    let mut fixes: BTreeMap<(usize, usize), EntryFix> = BTreeMap::new();
    let mut unfixable: BTreeMap<String, Unfixable> = BTreeMap::new();
    let mut remaining: Vec<Finding> = selected.to_vec();
    for _ in 0..MAX_ROUNDS {
        let mut flagged: BTreeMap<(usize, usize), (PortSet, BTreeSet<String>)> = BTreeMap::new();
        let mut asked_by: BTreeMap<(usize, usize), Vec<&Finding>> = BTreeMap::new();
        let by_id = target_index(&work);
        for f in &remaining {
            if unfixable.contains_key(&f.fingerprint()) {
                continue;
            }
            match causes(&work, &by_id, f, auth, &originals) {
                Ok(refs) => {
                    for r in refs {
                        let slot = flagged.entry((r.layer, r.entry)).or_default();
                        slot.0.union_in_place(&PortSet::point(f.port.unwrap_or_default()));
                        slot.1.insert(f.rule.clone());
                        asked_by.entry((r.layer, r.entry)).or_default().push(f);
                    }
                }
                Err(reason) => {
                    unfixable.insert(f.fingerprint(), Unfixable::of(f, reason));
                }
            }
        }
        if flagged.is_empty() {
            break;
        }
        for ((layer, index), (ports, rules)) in flagged {
            let mut fix = fix_entry(&work, layer, index, ports, rules, auth);
            fix.serves = asked_by
                .get(&(layer, index))
                .into_iter()
                .flatten()
                .map(|f| (f.rule.clone(), f.resource.clone()))
                .collect();
            // In an ordered layer the ports that stay would need a copy of
            // the rule at a free number or priority of its own, right
            // after it: not written yet, so not planned either.
            if matches!(fix.strategy, Strategy::Split { .. }) && fix.layer_kind != LayerKind::AllowUnion {
                for f in asked_by.get(&(layer, index)).into_iter().flatten() {
                    unfixable.entry(f.fingerprint()).or_insert_with(|| {
                        Unfixable::of(
                            f,
                            "splitting a port range in an ordered layer needs a free number or priority: not fixable yet",
                        )
                    });
                }
                continue;
            }
            apply(&mut work, &fix);
            match fixes.get_mut(&(layer, index)) {
                // A rule flagged again in a later round (another port now
                // reaches it): its sources are already narrowed; widen
                // nothing, record the rules.
                Some(previous) => {
                    previous.rules.extend(fix.rules);
                    previous.serves.extend(fix.serves);
                }
                None => {
                    fixes.insert((layer, index), fix);
                }
            }
        }
        remaining = still_open(&work, &remaining, auth);
        if remaining.is_empty() {
            break;
        }
    }
    for f in &remaining {
        unfixable
            .entry(f.fingerprint())
            .or_insert_with(|| Unfixable::of(f, "still reachable after narrowing every rule that admits it"));
    }
    let mut unfixable: Vec<Unfixable> = unfixable.into_values().collect();
    unfixable.sort();
    Plan { fixes: fixes.into_values().collect(), unfixable, after: work, originals }
}

/// Which of `findings` the estate still has: each finding's own target
/// and port evaluated again (the whole estate need not be).
pub fn still_open(estate: &Estate, findings: &[Finding], auth: &Authorized) -> Vec<Finding> {
    let by_id = target_index(estate);
    findings
        .iter()
        .filter(|f| {
            let (Some(port), Some(protocol)) =
                (f.port, f.protocol.as_deref().and_then(portcullis_model::Protocol::parse_name))
            else {
                return true;
            };
            by_id
                .get(f.resource.as_str())
                .into_iter()
                .flatten()
                .any(|&t| evaluate(estate, t, protocol, port).and_then(|exp| classify(&exp, auth)).is_some())
        })
        .cloned()
        .collect()
}

fn target_index(estate: &Estate) -> HashMap<&str, Vec<usize>> {
    let mut out: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, t) in estate.targets.iter().enumerate() {
        out.entry(t.id.as_str()).or_default().push(i);
    }
    out
}

/// The rule lines of the innermost layer that admit what `f` is about,
/// or why none can be changed.
fn causes(
    estate: &Estate,
    by_id: &HashMap<&str, Vec<usize>>,
    f: &Finding,
    auth: &Authorized,
    originals: &[usize],
) -> Result<Vec<EntryRef>, String> {
    let (Some(port), Some(protocol)) = (f.port, f.protocol.as_deref()) else {
        return Err("not a port finding".into());
    };
    let Some(protocol) = portcullis_model::Protocol::parse_name(protocol) else {
        return Err(format!("unknown protocol {protocol}"));
    };
    let mut out = Vec::new();
    for &t in by_id.get(f.resource.as_str()).into_iter().flatten() {
        let Some(exp) = evaluate(estate, t, protocol, port) else { continue };
        let Some(c) = classify(&exp, auth) else { continue };
        if c.class == ExposureClass::Undetermined {
            let why = exp.unknowns.first().map(|(_, u)| u.to_string()).unwrap_or_else(|| "a value is unknown".into());
            return Err(format!("the answer depends on a value the input cannot tell: {why}"));
        }
        let target = &estate.targets[t];
        let innermost: &[usize] = target.path.last().map(|s| s.layers.as_slice()).unwrap_or_default();
        let refs = exp.because(&c.addrs, !c.internal.is_empty());
        let mut mine: Vec<EntryRef> = refs.iter().copied().filter(|r| innermost.contains(&r.layer)).collect();
        if mine.is_empty() {
            mine = refs;
        }
        for r in mine {
            let Some(e) = estate.layers.get(r.layer).and_then(|l| l.entries.get(r.entry)) else { continue };
            if let Origin::Default(name) = &e.origin {
                return Err(format!(
                    "admitted by the provider's default rule {name}; a deny ahead of it at a free priority is \
                     not written yet"
                ));
            }
            if r.entry >= originals.get(r.layer).copied().unwrap_or(0) {
                return Err("admitted by a rule the plan itself added".into());
            }
            if let Some(u) = e.sources.unknown.first().or(e.protocol.unknown()).or(e.ports.unknown()) {
                return Err(format!("the rule's {} is unknown: {}", u.what, u.reason));
            }
            if e.action != Action::Allow {
                continue;
            }
            out.push(r);
        }
    }
    if out.is_empty() {
        return Err("no rule line of the target admits it".into());
    }
    Ok(out)
}

/// The change to one rule line.
fn fix_entry(
    estate: &Estate,
    layer: usize,
    index: usize,
    flagged_ports: PortSet,
    rules: BTreeSet<String>,
    auth: &Authorized,
) -> EntryFix {
    let l = &estate.layers[layer];
    let e = &l.entries[index];
    let keep = e.sources.addrs.intersect(authorized_addrs(auth));
    let keep_internal: Vec<InternalSource> =
        e.sources.internal.iter().filter(|s| internal_allowed(auth, s)).cloned().collect();
    let ports = match &e.ports {
        Known::Known(p) => p.clone(),
        Known::Unknown(_) => PortSet::full(),
    };
    let every_protocol = matches!(&e.protocol, Known::Known(ProtoMatch::All));
    let stay = ports.difference(&flagged_ports);
    let nothing_left = keep.is_empty() && keep_internal.is_empty();
    // In an ordered layer a rule that would have to split (other ports or
    // protocols stay), or whose kept sources need several rules (a network
    // ACL rule holds one CIDR), is left alone: rules ahead of it decide
    // the flagged ports instead.
    let one_cidr_a_rule = l.kind_name.starts_with("network ACL");
    let kept_rules = if nothing_left {
        0
    } else if one_cidr_a_rule {
        keep.to_cidr_strings().len().max(1)
    } else {
        1
    };
    let why = if every_protocol && !stay.is_empty() {
        Some("the rule matches every protocol: narrowing it would close every port".to_string())
    } else if !stay.is_empty() {
        Some("narrowing it would change ports nobody asked about".to_string())
    } else if kept_rules > 1 {
        Some(format!("what is kept needs {kept_rules} rules of one CIDR each, the deny one"))
    } else {
        None
    };
    let ahead = match (l.kind, why) {
        (LayerKind::FirstMatch | LayerKind::GcpPriority, Some(why)) => {
            free_ahead(l, e, kept_rules).map(|(deny_at, allow_at)| Strategy::DenyAhead { deny_at, allow_at, why })
        }
        _ => None,
    };
    let strategy = if let Some(ahead) = ahead {
        ahead
    } else if stay.is_empty() {
        if nothing_left {
            Strategy::Remove
        } else {
            Strategy::Narrow
        }
    } else if every_protocol {
        Strategy::NarrowWholeRule
    } else {
        Strategy::Split { stay: stay.runs().to_vec() }
    };
    // A deny ahead in an NSG is written with destination `*` (the dump's
    // rule destination is not carried here): it may close the port to
    // other destinations of the group too.
    let nsg_deny = matches!(strategy, Strategy::DenyAhead { .. }) && l.kind_name == "network security group";
    let safety =
        if auth.explicit && strategy != Strategy::NarrowWholeRule && !nsg_deny { Safety::Safe } else { Safety::Unsafe };
    EntryFix {
        at: EntryRef { layer, entry: index },
        resource: e.resource.clone(),
        label: e.label.clone(),
        span: e.span.clone(),
        layer_kind: l.kind,
        layer_name: l.kind_name.clone(),
        action: e.action,
        protocol: e.protocol.clone(),
        ports: ports.clone(),
        order: e.order,
        before: e.sources.addrs.clone(),
        before_internal: e.sources.internal.clone(),
        keep,
        keep_internal,
        flagged: ports.intersect(&flagged_ports),
        strategy,
        safety,
        rules,
        serves: BTreeSet::new(),
    }
}

/// Applies one fix to the model: the rule keeps only `keep` on all its
/// ports, and for a split (security groups only: their rules are a union,
/// so where the copy sits does not matter) a copy keeps the old sources on
/// the ports that stay.
pub fn apply(estate: &mut Estate, fix: &EntryFix) {
    let Some(layer) = estate.layers.get_mut(fix.at.layer) else { return };
    let Some(entry) = layer.entries.get_mut(fix.at.entry) else { return };
    let original: Entry = entry.clone();
    entry.sources.addrs = fix.keep.clone();
    entry.sources.internal = fix.keep_internal.clone();
    if let Strategy::Split { stay } = &fix.strategy {
        let mut copy = original;
        copy.ports = Known::Known(PortSet::from_ranges(stay.iter().copied()));
        layer.entries.push(copy);
    } else if let Strategy::DenyAhead { deny_at, allow_at, .. } = &fix.strategy {
        // The rule itself stays; the new rules go ahead of it.
        *entry = original.clone();
        // An all-protocol rule is flagged for TCP ports (the commands name
        // TCP too).
        let protocol = match &original.protocol {
            Known::Known(ProtoMatch::All) => Known::Known(ProtoMatch::One(portcullis_model::Protocol::TCP)),
            other => other.clone(),
        };
        let ahead = |action: Action, addrs: AddrSet, internal: Vec<InternalSource>, order: i64, what: &str| Entry {
            action,
            protocol: protocol.clone(),
            ports: Known::Known(fix.flagged.clone()),
            sources: portcullis_model::Sources { addrs, internal, ..Default::default() },
            order,
            label: format!("{what} ahead of {}", original.label),
            origin: Origin::Explicit,
            ..original.clone()
        };
        if let Some(first) = allow_at {
            if l_is_one_cidr(fix) {
                for (i, c) in fix.keep.to_cidrs().into_iter().enumerate() {
                    let one = AddrSet::from_cidrs([c]);
                    layer.entries.push(ahead(Action::Allow, one, Vec::new(), first + i as i64, "allow"));
                }
            } else {
                layer.entries.push(ahead(Action::Allow, fix.keep.clone(), fix.keep_internal.clone(), *first, "allow"));
            }
        }
        layer.entries.push(ahead(Action::Deny, fix.before.clone(), fix.before_internal.clone(), *deny_at, "deny"));
    }
}

/// Whether the fix's layer holds one CIDR a rule (a network ACL).
fn l_is_one_cidr(fix: &EntryFix) -> bool {
    fix.layer_name.starts_with("network ACL")
}

/// Free places right ahead of rule `e` of layer `l` for `kept` allow rules
/// and one deny: `(deny_at, allow_at)`. In a first-match layer they are
/// the numbers just below the rule's with no rule in between (so nothing
/// that decided before the rule decides differently), within the
/// provider's range (an NSG's priorities start at 100, a network ACL's
/// rule numbers at 1). In a GCP network the deny takes the rule's own
/// priority (a deny wins at equal priority) and the allow the priority
/// just above, when no other rule sits at either.
fn free_ahead(l: &portcullis_model::Layer, e: &Entry, kept: usize) -> Option<(i64, Option<i64>)> {
    let kept = kept as i64;
    match l.kind {
        LayerKind::GcpPriority => {
            let allow_at = e.order - 1;
            let crowded = l.entries.iter().any(|o| {
                !std::ptr::eq(o, e) && (o.order == e.order || o.order == allow_at) && o.action == Action::Deny
            });
            if crowded || allow_at < 0 || kept > 1 {
                return None;
            }
            Some((e.order, (kept == 1).then_some(allow_at)))
        }
        LayerKind::FirstMatch => {
            let lowest = if l.kind_name == "network security group" { 100 } else { 1 };
            // Another rule at the same number decides first or right after
            // it (ties go by position): nothing fits in between.
            let previous = l
                .entries
                .iter()
                .filter(|o| o.order <= e.order && !std::ptr::eq(*o, e))
                .map(|o| o.order)
                .max()
                .unwrap_or(lowest - 1);
            let deny_at = e.order - 1;
            let first = deny_at - kept;
            if first <= previous || first < lowest {
                return None;
            }
            Some((deny_at, (kept > 0).then_some(first)))
        }
        _ => None,
    }
}

/// What a plan did to the answers: for every target, protocol and port
/// asked, the admitted set after is inside the admitted set before (both
/// bounds). Returns the first place it is not.
pub fn verify(before: &Estate, after: &Estate, queries: &[PortQuery]) -> Result<(), String> {
    // Only a target whose path passes a changed layer can change.
    let changed: Vec<bool> = before.layers.iter().zip(&after.layers).map(|(a, b)| a != b).collect();
    for t in 0..before.targets.len() {
        let passes = before.targets[t].path.iter().flat_map(|s| &s.layers).any(|&l| changed.get(l) == Some(&true));
        if !passes {
            continue;
        }
        for q in queries {
            let (Some(old), Some(new)) =
                (evaluate(before, t, q.protocol, q.port), evaluate(after, t, q.protocol, q.port))
            else {
                continue;
            };
            for (o, n) in [(&old.lower, &new.lower), (old.upper(), new.upper())] {
                // An internal peer (a group, a tag, VirtualNetwork) newly
                // admitted is no wider when every private address was
                // admitted before: narrowing `*` lets an ordered layer's
                // later internal allow decide for those peers.
                let internal_wider =
                    !o.addrs.contains_set(non_public()) && n.internal.iter().any(|s| !o.internal.contains(s));
                if !o.addrs.contains_set(&n.addrs) || internal_wider {
                    let mut wider = n.addrs.difference(&o.addrs).to_cidr_strings();
                    wider.extend(n.internal.iter().filter(|s| !o.internal.contains(s)).map(|s| s.name.clone()));
                    return Err(format!(
                        "{} {}/{}: the fix would admit {} that was not admitted before",
                        before.targets[t].id,
                        q.protocol,
                        q.port,
                        wider.join(", ")
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
