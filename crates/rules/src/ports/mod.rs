//! Port rules (PC1xx): a control-plane port, or one the user names,
//! reachable through the firewall path. Every port rule shares the check
//! here: evaluate each target's path with the engine, classify the
//! admitted sources against the authorized list, pick the rule, say why.
//! The rules' files in this folder hold their docs and ports.

pub mod pc100_controller_manager;
pub mod pc101_api_server;
pub mod pc102_etcd;
pub mod pc103_kubelet;
pub mod pc104_kubelet_read_only;
pub mod pc105_kube_proxy_health;
pub mod pc106_cloud_controller_manager;
pub mod pc107_scheduler;
pub mod pc108_legacy_controller_manager;
pub mod pc109_legacy_scheduler;
pub mod pc199_user_port;

use crate::finding::{Because, ExposureClass, Finding, FindingKind, PathReach, ReachKind, Severity, Via};
use crate::registry::Rule;
use portcullis_engine::reach::{Hop, Reach, Reachability, Verdict};
use portcullis_engine::{entry, evaluate, match_signature, EntryRef, Exposure, PathAdmit};
use portcullis_model::named::{is_unrestricted, non_public, public};
use portcullis_model::{AddrSet, Estate, InternalSource, Protocol};
use std::sync::Arc;

/// Who may connect, as the user stated it.
#[derive(Clone, Debug, Default)]
pub struct Authorized {
    pub addrs: AddrSet,
    /// Security-group ids, tags or other internal source names.
    pub internal: Vec<String>,
    /// Whether the user gave a list at all. Without one, private space is
    /// authorized and only public exposure is reported (docs/semantics.md).
    pub explicit: bool,
}

impl Authorized {
    fn addrs_effective(&self) -> &AddrSet {
        if self.explicit {
            &self.addrs
        } else {
            non_public()
        }
    }

    fn allows_internal(&self, s: &InternalSource) -> bool {
        !self.explicit || self.internal.iter().any(|n| n == &s.name)
    }
}

/// One port question: which rule asks it.
#[derive(Clone, Copy, Debug)]
pub struct PortQuery {
    pub port: u16,
    pub protocol: Protocol,
    pub rule: &'static Rule,
}

/// The problem part of an admitted set and its class.
#[derive(Clone, Debug)]
pub struct Classified {
    pub class: ExposureClass,
    /// The admitted addresses outside the authorized list.
    pub addrs: AddrSet,
    pub internal: Vec<InternalSource>,
    /// What the finding lists as sources: the admitted set minus what the
    /// user explicitly authorized (`0.0.0.0/0`, not its public parts).
    pub shown: AddrSet,
}

fn class_of(
    p: &PathAdmit,
    auth: &Authorized,
    auth_addrs: &AddrSet,
) -> Option<(ExposureClass, AddrSet, Vec<InternalSource>)> {
    let addrs = p.addrs.difference(auth_addrs);
    let internal: Vec<InternalSource> = p.internal.iter().filter(|s| !auth.allows_internal(s)).cloned().collect();
    let class = if is_unrestricted(&addrs) {
        ExposureClass::Unrestricted
    } else if addrs.intersects(public()) {
        ExposureClass::Public
    } else if !addrs.is_empty() || !internal.is_empty() {
        ExposureClass::Unauthorized
    } else {
        return None;
    };
    Some((class, addrs, internal))
}

/// Classifies an exposure: the lower bound's class when the unknowns
/// cannot make it worse, `undetermined` when they can.
pub fn classify(exp: &Exposure, auth: &Authorized) -> Option<Classified> {
    let auth_addrs = auth.addrs_effective();
    let lo = class_of(&exp.lower, auth, auth_addrs);
    let up = match &exp.upper_differs {
        None => lo.clone(),
        Some(upper) => class_of(upper, auth, auth_addrs),
    };
    let shown = |p: &PathAdmit| if auth.explicit { p.addrs.difference(&auth.addrs) } else { p.addrs.clone() };
    match (lo, up) {
        (_, None) => None,
        (Some((cl, a, i)), Some((cu, _, _))) if cl <= cu => {
            Some(Classified { class: cl, addrs: a, internal: i, shown: shown(&exp.lower) })
        }
        (_, Some((_, a, i))) => {
            Some(Classified { class: ExposureClass::Undetermined, addrs: a, internal: i, shown: shown(&exp.lower) })
        }
    }
}

fn severity_for(rule: &Rule, class: ExposureClass, reach: Option<ReachKind>) -> Severity {
    match class {
        // Open to the world by its rules but with no path today: latent,
        // one public address or load balancer away.
        ExposureClass::Unrestricted if reach == Some(ReachKind::None) => rule.severity.lower(),
        ExposureClass::Unrestricted => rule.severity,
        ExposureClass::Public => rule.severity.lower(),
        ExposureClass::Unauthorized => rule.severity.lower().lower(),
        // Never a silent pass: an unknown is reported at least as medium
        // for the sensitive ports, so `--fail-on medium` catches it.
        ExposureClass::Undetermined => rule.severity.lower().max(Severity::Medium).min(rule.severity),
    }
}

/// Describes the layers on a target's path, for people.
pub fn describe_path(estate: &Estate, target: usize) -> Vec<String> {
    let Some(t) = estate.targets.get(target) else { return Vec::new() };
    let mut out = Vec::new();
    for step in &t.path {
        let mut kinds: Vec<&str> = Vec::new();
        let mut ids: Vec<&str> = Vec::new();
        for &l in &step.layers {
            if let Some(layer) = estate.layers.get(l) {
                if !kinds.contains(&layer.kind_name.as_str()) {
                    kinds.push(&layer.kind_name);
                }
                ids.push(&layer.id);
            }
        }
        out.push(format!("{} {}", kinds.join("/"), ids.join(" + ")));
    }
    out.extend(t.notes.iter().cloned());
    out
}

fn because_list(estate: &Estate, refs: &[EntryRef]) -> Vec<Because> {
    refs.iter()
        .filter_map(|&r| entry(estate, r))
        .map(|e| Because {
            file: e.span.file.to_string(),
            line: e.span.line,
            column: e.span.column,
            rule: e.label.clone(),
            resource: e.resource.clone(),
        })
        .collect()
}

fn describe_sources(c: &Classified, shown: &[String]) -> String {
    static PUBLIC_BY_FAMILY: std::sync::OnceLock<(AddrSet, AddrSet)> = std::sync::OnceLock::new();
    let (pub4, pub6) = PUBLIC_BY_FAMILY
        .get_or_init(|| (public().intersect(&AddrSet::all_v4()), public().intersect(&AddrSet::all_v6())));
    let all4 = c.addrs.contains_set(pub4);
    let all6 = c.addrs.contains_set(pub6);
    match c.class {
        ExposureClass::Unrestricted => {
            if all4 && all6 {
                "the whole internet, IPv4 and IPv6".into()
            } else if all4 || all6 {
                format!("the whole {} internet", if all4 { "IPv4" } else { "IPv6" })
            } else {
                format!(
                    "most of the internet ({})",
                    shown.iter().take(4).map(String::as_str).collect::<Vec<_>>().join(", ")
                )
            }
        }
        _ => {
            let mut parts: Vec<&str> = shown.iter().map(String::as_str).collect();
            parts.extend(c.internal.iter().map(|s| s.name.as_str()));
            let n = parts.len();
            if n > 4 {
                format!("{} and {} more", parts[..4].join(", "), n - 4)
            } else {
                parts.join(", ")
            }
        }
    }
}

/// The path part of a finding, in its serializable shape.
pub fn path_reach(v: &Verdict) -> PathReach {
    PathReach {
        reach: match v.reach {
            Reach::Internet => ReachKind::Internet,
            Reach::None => ReachKind::None,
            Reach::Unknown => ReachKind::Unknown,
        },
        reason: v.reason.clone(),
        via: v.via.iter().map(via_of).collect(),
    }
}

fn via_of(h: &Hop) -> Via {
    let (file, line) = h.span.as_ref().map(|s| (s.file.to_string(), s.line)).unwrap_or_default();
    Via { hop: h.kind.clone(), resource: h.resource.clone(), file, line, detail: h.detail.clone() }
}

/// Evaluates every target for every query and returns the findings.
pub fn check_estate(estate: &Estate, queries: &[PortQuery], auth: &Authorized) -> Vec<Finding> {
    use rayon::prelude::*;
    let reach = Reachability::new(estate);
    // Targets are independent: each reads only the layers on its own path.
    // Runs of targets fill one vector each, joined once at its final size
    // (a flat_map collect grew and copied every finding several times).
    const RUN: usize = 512;
    let n = estate.targets.len();
    let runs: Vec<Vec<Finding>> = (0..n.div_ceil(RUN))
        .into_par_iter()
        .map(|r| {
            let mut out = Vec::new();
            for t in r * RUN..n.min((r + 1) * RUN) {
                check_target(estate, &reach, t, queries, auth, &mut out);
            }
            out
        })
        .collect();
    let mut findings = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    for r in runs {
        findings.extend(r);
    }
    crate::finding::sort_findings(&mut findings);
    findings
}

/// A protocol, which rules match it (see [`match_signature`]), and the port
/// itself when a load balancer path depends on it.
type SegmentKey = (Protocol, Vec<u32>, Option<u16>);

/// The findings for one target. Ports matched by the same rules get the
/// same answer: it is evaluated, classified and described once (the
/// control-plane ports 10250-10259 usually share one or two), and its
/// findings share the description.
fn check_target(
    estate: &Estate,
    reach: &Reachability,
    t: usize,
    queries: &[PortQuery],
    auth: &Authorized,
    out: &mut Vec<Finding>,
) {
    let Some(target) = estate.targets.get(t) else { return };
    let port_dependent = reach.port_dependent(t);
    let mut answers: Vec<(SegmentKey, Option<Answer>)> = Vec::new();
    let mut path: Option<Arc<[String]>> = None;
    for q in queries {
        let key = (q.protocol, match_signature(estate, target, q.protocol, q.port), port_dependent.then_some(q.port));
        let i = match answers.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let answer = evaluate(estate, t, q.protocol, q.port).and_then(|exp| {
                    Answer::with_paths(estate, reach, &exp, q, auth, || {
                        path.get_or_insert_with(|| describe_path(estate, t).into()).clone()
                    })
                });
                answers.push((key, answer));
                answers.len() - 1
            }
        };
        if let Some(a) = &answers[i].1 {
            out.push(a.finding(q));
        }
    }
}

/// The finding for one exposure, if it is one.
pub fn finding_for(
    estate: &Estate,
    reach: &Reachability,
    exp: &Exposure,
    q: &PortQuery,
    auth: &Authorized,
    path: &[String],
) -> Option<Finding> {
    Some(Answer::with_paths(estate, reach, exp, q, auth, || path.into())?.finding(q))
}

/// Everything a finding says that does not depend on the port: one answer
/// serves every port of a segment, and its findings share the lists.
struct Answer<'e> {
    class: ExposureClass,
    target: &'e portcullis_model::Target,
    /// The message after `tcp/PORT (component)`.
    tail: String,
    file: String,
    line: u32,
    column: u32,
    sources: Arc<[String]>,
    because: Arc<[Because]>,
    path: Arc<[String]>,
    unknown: Vec<String>,
    reach: Option<Arc<PathReach>>,
}

impl<'e> Answer<'e> {
    /// Classifies what the target's rules admit, widened by what load
    /// balancers bring to it, and says whether a path exists.
    fn with_paths(
        estate: &'e Estate,
        reach: &Reachability,
        exp: &Exposure,
        q: &PortQuery,
        auth: &Authorized,
        path: impl FnOnce() -> Arc<[String]>,
    ) -> Option<Answer<'e>> {
        let mut paths = reach.through_load_balancers(exp.target, q.protocol, q.port, exp);
        let widened = paths.widen(exp);
        let seen = widened.as_ref().unwrap_or(exp);
        let c = classify(seen, auth)?;
        // A finding: now the direct paths and what is missing.
        reach.complete(exp.target, q.protocol, q.port, &mut paths);
        // For an undetermined answer these are the sources that may be
        // admitted: whether a path reaches them is the question.
        let verdict = paths.verdict(estate, exp.target, exp, &c.addrs);
        let lb_unknowns: Vec<String> = paths.unknowns().map(ToString::to_string).collect();
        Answer::new(estate, seen, c, path(), verdict, lb_unknowns)
    }

    fn new(
        estate: &'e Estate,
        exp: &Exposure,
        c: Classified,
        path: Arc<[String]>,
        verdict: Verdict,
        lb_unknowns: Vec<String>,
    ) -> Option<Answer<'e>> {
        let target = estate.targets.get(exp.target)?;
        let shown = c.shown.to_cidr_strings();
        let refs = exp.because(&c.addrs, !c.internal.is_empty());
        let because = because_list(estate, &refs);
        let unknown: Vec<String> = if c.class == ExposureClass::Undetermined {
            let mut u: Vec<String> = exp.unknowns.iter().map(|(_, u)| u.to_string()).collect();
            for l in lb_unknowns {
                if !u.contains(&l) {
                    u.push(l);
                }
            }
            u.dedup();
            u
        } else {
            Vec::new()
        };
        // Point at the rule that admits (every finding points at the
        // line that did it); for an undetermined answer, at the unknown value.
        let (file, line, column) = if c.class == ExposureClass::Undetermined {
            exp.unknowns
                .first()
                .map(|(_, u)| (u.span.file.to_string(), u.span.line, u.span.column))
                .or_else(|| because.first().map(|b| (b.file.clone(), b.line, b.column)))
        } else {
            // The innermost layer (the security group, the NIC's NSG) is the
            // one written for this target and the one a fix edits.
            let last_step: &[usize] = target.path.last().map(|s| s.layers.as_slice()).unwrap_or_default();
            refs.iter()
                .position(|r| last_step.contains(&r.layer))
                .and_then(|i| because.get(i))
                .or_else(|| because.first())
                .map(|b| (b.file.clone(), b.line, b.column))
        }
        .unwrap_or_else(|| (target.span.file.to_string(), target.span.line, target.span.column));
        let who = if c.class == ExposureClass::Public {
            // Name only the public part: the sources list keeps everything
            // admitted, but private ranges are not "public sources".
            let public_part = c.addrs.intersect(public()).to_cidr_strings();
            describe_sources(&Classified { internal: Vec::new(), ..c.clone() }, &public_part)
        } else {
            describe_sources(&c, &shown)
        };
        let first_unknown = unknown.first().map(String::as_str).unwrap_or("a value is unknown");
        let some_known = !(c.addrs.is_empty() || exp.lower.addrs.is_empty());
        let on = format!("{} {}", target.kind_name, target.id);
        let reach = path_reach(&verdict);
        // Open by its rules with no path today: latent.
        let latent =
            reach.reach == ReachKind::None && matches!(c.class, ExposureClass::Unrestricted | ExposureClass::Public);
        // The message after `tcp/PORT (component)`: the same for every port.
        let tail = match c.class {
            _ if latent => format!(
                " on {on} is open to {}{who} by its rules, but no path from the internet reaches it today \
                 (latent: one public address or load balancer away): {}",
                if c.class == ExposureClass::Public { "public sources that are not authorized: " } else { "" },
                reach.reason.as_deref().unwrap_or("no path was found")
            ),
            ExposureClass::Unrestricted => format!(" on {on} is reachable from {who}"),
            ExposureClass::Public => {
                format!(" on {on} is reachable from public sources that are not authorized: {who}")
            }
            ExposureClass::Unauthorized => {
                format!(" on {on} is reachable from sources outside the authorized list: {who}")
            }
            ExposureClass::Undetermined if some_known => {
                format!(" on {on} is reachable from {who} at least, and possibly more: {first_unknown}")
            }
            ExposureClass::Undetermined => format!(" on {on} may be reachable from the internet: {first_unknown}"),
        };
        let mut sources = shown;
        sources.extend(c.internal.iter().map(|s| s.name.clone()));
        Some(Answer {
            class: c.class,
            target,
            tail,
            file,
            line,
            column,
            sources: sources.into(),
            because: because.into(),
            path,
            unknown,
            reach: Some(Arc::new(reach)),
        })
    }

    /// The finding for port `q` of this answer's segment.
    fn finding(&self, q: &PortQuery) -> Finding {
        let proto = q.protocol.name();
        let target = self.target;
        // `tcp/10257 (kube-controller-manager)` and the shared rest, sized
        // once (formatting grew each message string several times).
        let port = q.port.to_string();
        let mut message =
            String::with_capacity(proto.len() + port.len() + q.rule.component().len() + 4 + self.tail.len());
        message.push_str(&proto);
        message.push('/');
        message.push_str(&port);
        message.push_str(" (");
        message.push_str(q.rule.component());
        message.push(')');
        message.push_str(&self.tail);
        Finding {
            rule: q.rule.code.to_string(),
            severity: severity_for(q.rule, self.class, self.reach.as_ref().map(|r| r.reach)),
            kind: FindingKind::Exposure,
            exposure: Some(self.class),
            port: Some(q.port),
            protocol: Some(proto),
            resource: target.id.clone(),
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            sources: self.sources.clone(),
            because: self.because.clone(),
            flag: None,
            message,
            resource_kind: target.kind_name.clone(),
            path: self.path.clone(),
            unknown: self.unknown.clone(),
            reach: self.reach.clone(),
            suppressed: None,
        }
    }
}
