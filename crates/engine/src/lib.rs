//! The portcullis engine: exact evaluation of guard layers.
//!
//! For a target, a protocol and a port, the engine computes the set of
//! sources its path admits: each step (a union of layers) is evaluated,
//! then the steps are intersected. Every admitted piece keeps the rules that
//! let it in, so a finding can say *because of line N in file F*.
//!
//! Unknown values are handled with two bounds. The *lower* bound resolves
//! every unknown against admission (an unknown allow matches nothing, an
//! unknown deny matches everything); the *upper* bound resolves them for
//! admission. Every layer kind is monotone in "allows more, denies less",
//! so each real configuration admits a set between the two. When the bounds
//! differ in a way that changes the answer, the answer is `undetermined`.

pub mod reach;
pub mod routes;

use portcullis_model::{
    Action, AddrSet, Entry, Estate, InternalSource, IntervalSet, Known, Layer, LayerKind, Protocol, Target, Unknown,
};

/// How unknown values are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Unknowns resolved against admission: what is surely admitted.
    Lower,
    /// Unknowns resolved for admission: what may be admitted.
    Upper,
}

/// Where a rule sits: layer index and entry index within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryRef {
    pub layer: usize,
    pub entry: usize,
}

/// A piece of an admitted set and the rule that admitted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub by: EntryRef,
    pub addrs: AddrSet,
    pub internal: Vec<InternalSource>,
}

/// What one layer admits for one protocol and port, under one bound.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerAdmit {
    pub addrs: AddrSet,
    pub internal: Vec<InternalSource>,
    pub pieces: Vec<Piece>,
    /// What each deny rule decided (ordered layers only): the addresses it
    /// matched that no earlier rule had decided.
    pub denied: Vec<Piece>,
}

/// Whether `e` matches `proto`/`port` under `bound`. `None` entries never match.
fn entry_matches(e: &Entry, proto: Protocol, port: u16, bound: Bound) -> bool {
    // An unknown part resolves to "matches" exactly when matching helps the
    // bound: allows under Upper, denies under Lower.
    let unknown_matches = match (e.action, bound) {
        (Action::Allow, Bound::Upper) | (Action::Deny, Bound::Lower) => true,
        (Action::Allow, Bound::Lower) | (Action::Deny, Bound::Upper) => false,
    };
    let proto_ok = match &e.protocol {
        Known::Known(p) => p.matches(proto),
        Known::Unknown(_) => unknown_matches,
    };
    if !proto_ok {
        return false;
    }
    if !proto.has_ports() {
        return true;
    }
    match &e.ports {
        Known::Known(ps) => ps.contains(port),
        Known::Unknown(_) => unknown_matches,
    }
}

/// The source addresses `e` matches under `bound`.
fn entry_addrs(e: &Entry, bound: Bound) -> AddrSet {
    let widen = match (e.action, bound) {
        (Action::Allow, Bound::Upper) | (Action::Deny, Bound::Lower) => !e.sources.unknown.is_empty(),
        _ => false,
    };
    if widen {
        AddrSet::all()
    } else {
        e.sources.addrs.clone()
    }
}

/// Entry indices in evaluation order for ordered layers.
fn ordered(layer: &Layer) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..layer.entries.len()).collect();
    match layer.kind {
        LayerKind::AllowUnion => {}
        LayerKind::FirstMatch => idx.sort_by_key(|&i| (layer.entries[i].order, i)),
        // GCP: lowest priority number first; at equal priority deny beats
        // allow (cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules).
        LayerKind::GcpPriority => idx.sort_by_key(|&i| {
            let e = &layer.entries[i];
            (e.order, if e.action == Action::Deny { 0 } else { 1 }, i)
        }),
    }
    idx
}

/// Evaluates one layer.
pub fn eval_layer(layer_id: usize, layer: &Layer, proto: Protocol, port: u16, bound: Bound) -> LayerAdmit {
    let mut out = LayerAdmit::default();
    match layer.kind {
        LayerKind::AllowUnion => {
            // Collect every admitted run and normalize once: unioning rule
            // by rule re-copied the growing set for each rule.
            let (mut v4, mut v6) = (Vec::new(), Vec::new());
            for (i, e) in layer.entries.iter().enumerate() {
                if e.action != Action::Allow || !entry_matches(e, proto, port, bound) {
                    continue;
                }
                let addrs = entry_addrs(e, bound);
                v4.extend_from_slice(addrs.v4.runs());
                v6.extend_from_slice(addrs.v6.runs());
                out.internal.extend(e.sources.internal.iter().cloned());
                if !addrs.is_empty() || !e.sources.internal.is_empty() {
                    out.pieces.push(Piece {
                        by: EntryRef { layer: layer_id, entry: i },
                        addrs,
                        internal: e.sources.internal.clone(),
                    });
                }
            }
            out.addrs = AddrSet { v4: IntervalSet::from_ranges(v4), v6: IntervalSet::from_ranges(v6) };
        }
        LayerKind::FirstMatch | LayerKind::GcpPriority => {
            // `decided` holds the addresses an earlier rule already matched.
            let mut decided = AddrSet::empty();
            let mut internal_decided = false;
            for i in ordered(layer) {
                let e = &layer.entries[i];
                if !entry_matches(e, proto, port, bound) {
                    continue;
                }
                let addrs = entry_addrs(e, bound).difference(&decided);
                if e.action == Action::Allow {
                    let internal = if internal_decided { Vec::new() } else { e.sources.internal.clone() };
                    if !addrs.is_empty() || !internal.is_empty() {
                        out.addrs.union_in_place(&addrs);
                        out.internal.extend(internal.iter().cloned());
                        out.pieces.push(Piece {
                            by: EntryRef { layer: layer_id, entry: i },
                            addrs: addrs.clone(),
                            internal,
                        });
                    }
                } else {
                    if !addrs.is_empty() {
                        let by = EntryRef { layer: layer_id, entry: i };
                        out.denied.push(Piece { by, addrs: addrs.clone(), internal: Vec::new() });
                    }
                    if !e.sources.internal.is_empty() {
                        // A deny naming internal sources (GCP source tags)
                        // ends our knowledge of which internal peers pass.
                        internal_decided = true;
                    }
                }
                decided.union_in_place(&addrs);
                if decided == AddrSet::all() {
                    break;
                }
            }
        }
    }
    out.internal.sort();
    out.internal.dedup();
    out
}

/// What a target's whole path admits under one bound.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathAdmit {
    pub addrs: AddrSet,
    pub internal: Vec<InternalSource>,
    /// The pieces of every layer on the path (before intersection).
    pub pieces: Vec<Piece>,
    /// What each step admits on its own, in path order.
    pub steps: Vec<AddrSet>,
    /// Deny decisions of every ordered layer, with the step they sit in.
    pub denied: Vec<(usize, Piece)>,
}

impl PathAdmit {
    /// Deny decisions that matter: the addresses each deny removed that
    /// every *other* step would have let through. A NACL deny in front of
    /// an open security group shows up here as the mitigation.
    pub fn mitigations(&self) -> Vec<(EntryRef, AddrSet)> {
        let mut out = Vec::new();
        for (step, p) in &self.denied {
            let mut others = AddrSet::all();
            for (j, s) in self.steps.iter().enumerate() {
                if j != *step {
                    others = others.intersect(s);
                }
            }
            let hit = p.addrs.intersect(&others);
            if !hit.is_empty() {
                out.push((p.by, hit));
            }
        }
        out
    }
}

pub fn eval_path(estate: &Estate, target: &Target, proto: Protocol, port: u16, bound: Bound) -> PathAdmit {
    let mut acc: Option<AddrSet> = None;
    let mut internal: Option<Vec<InternalSource>> = None;
    let mut pieces = Vec::new();
    let mut steps = Vec::new();
    let mut denied = Vec::new();
    for (si, step) in target.path.iter().enumerate() {
        let mut step_addrs = AddrSet::empty();
        let mut step_internal: Vec<InternalSource> = Vec::new();
        for &lid in &step.layers {
            let Some(layer) = estate.layers.get(lid) else { continue };
            let a = eval_layer(lid, layer, proto, port, bound);
            step_addrs.union_in_place(&a.addrs);
            step_internal.extend(a.internal);
            pieces.extend(a.pieces);
            denied.extend(a.denied.into_iter().map(|p| (si, p)));
        }
        steps.push(step_addrs.clone());
        step_internal.sort();
        step_internal.dedup();
        acc = Some(match acc {
            None => step_addrs.clone(),
            Some(prev) => prev.intersect(&step_addrs),
        });
        // Internal sources (group references, tags) are not addresses: a
        // step that only speaks addresses lets them through when it admits
        // any non-public address, where such peers live.
        internal = Some(match internal {
            None => step_internal,
            Some(prev) => {
                if step_internal.is_empty() {
                    if step_addrs.intersects(portcullis_model::named::non_public()) {
                        prev
                    } else {
                        Vec::new()
                    }
                } else if prev.is_empty() && acc.as_ref().is_some_and(|a| !a.is_empty()) {
                    step_internal
                } else {
                    let mut both = prev;
                    both.extend(step_internal);
                    both.sort();
                    both.dedup();
                    both
                }
            }
        });
    }
    let addrs = acc.unwrap_or_default();
    PathAdmit { addrs, internal: internal.unwrap_or_default(), pieces, steps, denied }
}

/// The full answer for one target, protocol and port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposure {
    pub target: usize,
    pub protocol: Protocol,
    pub port: u16,
    /// Surely admitted.
    pub lower: PathAdmit,
    /// Possibly admitted, when that differs from `lower` (see
    /// [`Exposure::upper`]): without unknowns on the path the bounds are one
    /// answer, which is then neither copied nor compared.
    pub upper_differs: Option<PathAdmit>,
    /// The unknowns on the path that could matter for this port.
    pub unknowns: Vec<(EntryRef, Unknown)>,
}

impl Exposure {
    /// Possibly admitted.
    pub fn upper(&self) -> &PathAdmit {
        self.upper_differs.as_ref().unwrap_or(&self.lower)
    }

    /// The rules that admit any of `set` (or, with `internal`, any internal
    /// source), in path order, without repeats.
    pub fn because(&self, set: &AddrSet, internal: bool) -> Vec<EntryRef> {
        let mut out: Vec<EntryRef> = Vec::new();
        for p in &self.upper().pieces {
            let hit = p.addrs.intersects(set) || (internal && !p.internal.is_empty());
            if hit && !out.contains(&p.by) {
                out.push(p.by);
            }
        }
        out
    }
}

fn unknowns_for(estate: &Estate, target: &Target, proto: Protocol, port: u16) -> Vec<(EntryRef, Unknown)> {
    let mut out = Vec::new();
    for step in &target.path {
        for &lid in &step.layers {
            let Some(layer) = estate.layers.get(lid) else { continue };
            for (i, e) in layer.entries.iter().enumerate() {
                // Only unknowns of rules that may apply to this port matter:
                // an unknown part resolves to "matches" under one bound.
                if !entry_matches(e, proto, port, Bound::Upper) && !entry_matches(e, proto, port, Bound::Lower) {
                    continue;
                }
                let r = EntryRef { layer: lid, entry: i };
                for u in [e.protocol.unknown(), e.ports.unknown()].into_iter().flatten() {
                    out.push((r, u.clone()));
                }
                for u in &e.sources.unknown {
                    out.push((r, u.clone()));
                }
            }
        }
    }
    out
}

fn path_has_unknowns(estate: &Estate, target: &Target) -> bool {
    target.path.iter().flat_map(|s| s.layers.iter()).filter_map(|&l| estate.layers.get(l)).any(|l| {
        l.entries
            .iter()
            .any(|e| !e.sources.unknown.is_empty() || e.protocol.unknown().is_some() || e.ports.unknown().is_some())
    })
}

/// Evaluates `target` for `proto`/`port` under both bounds.
pub fn evaluate(estate: &Estate, target_idx: usize, proto: Protocol, port: u16) -> Option<Exposure> {
    let target = estate.targets.get(target_idx)?;
    let lower = eval_path(estate, target, proto, port, Bound::Lower);
    // Without an unknown on the path both bounds are the same answer.
    let upper_differs = if path_has_unknowns(estate, target) {
        Some(eval_path(estate, target, proto, port, Bound::Upper)).filter(|u| *u != lower)
    } else {
        None
    };
    let unknowns = if upper_differs.is_none() { Vec::new() } else { unknowns_for(estate, target, proto, port) };
    Some(Exposure { target: target_idx, protocol: proto, port, lower, upper_differs, unknowns })
}

/// Which rules on a target's path may apply to `proto`/`port`, under
/// either bound: `2 * n` for the path's `n`-th rule matching under the
/// lower bound, `2 * n + 1` under the upper. Two ports with the same
/// signature get the same answer (everything the engine computes depends
/// on which rules match, never on the port itself), so a caller asking
/// about many ports evaluates each signature once.
pub fn match_signature(estate: &Estate, target: &Target, proto: Protocol, port: u16) -> Vec<u32> {
    let mut out = Vec::new();
    let mut n: u32 = 0;
    for layer in target.path.iter().flat_map(|s| s.layers.iter()).filter_map(|&l| estate.layers.get(l)) {
        for e in &layer.entries {
            if entry_matches(e, proto, port, Bound::Lower) {
                out.push(2 * n);
            }
            if entry_matches(e, proto, port, Bound::Upper) {
                out.push(2 * n + 1);
            }
            n = n.wrapping_add(1);
        }
    }
    out
}

/// Port boundaries of every rule on a target's path: between two
/// consecutive boundaries every port matches exactly the same rules, so
/// the answer is the same for all of them. Sorted, without repeats.
pub fn port_boundaries(estate: &Estate, target: &Target) -> Vec<u32> {
    let mut b = Vec::new();
    for l in target.path.iter().flat_map(|s| s.layers.iter()).filter_map(|&l| estate.layers.get(l)) {
        for e in &l.entries {
            if let Known::Known(ps) = &e.ports {
                for &(lo, hi) in ps.runs() {
                    b.push(u32::from(lo));
                    b.push(u32::from(hi) + 1);
                }
            }
        }
    }
    b.sort_unstable();
    b.dedup();
    b
}

/// Which stretch between `boundaries` holds `port`.
pub fn port_segment(boundaries: &[u32], port: u16) -> usize {
    boundaries.partition_point(|&b| b <= u32::from(port))
}

/// The entry an [`EntryRef`] points at.
pub fn entry(estate: &Estate, r: EntryRef) -> Option<&Entry> {
    estate.layers.get(r.layer)?.entries.get(r.entry)
}
