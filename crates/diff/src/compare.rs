//! The comparison: findings of the base and of the head paired by stable
//! identity, each pair's unauthorized sources compared as exact sets.
//!
//! A finding exists exactly when a target admits some unauthorized source
//! on a port (or a hardening check fails), so the pairs give the classes:
//! only in the head is **opened**, only in the base is **closed**; in both,
//! sources added is **widened** (whatever was removed beside them: the
//! change still lets someone new in), only removed is **narrowed**. Equal
//! sources with a worse or better severity (an undetermined answer that
//! became known) are widened or narrowed too. Equal sources whose reach
//! moved (none, internet, unknown) are **path**. An answer that becomes
//! undetermined is widened: its sources are then only a lower bound, and
//! an unknown is never a silent pass. Hardening findings
//! (PC2xx) have no sources: added is opened, gone is closed.

use portcullis_model::{AddrSet, Cidr};
use portcullis_rules::finding::ReachKind;
use portcullis_rules::{Because, ExposureClass, Finding, FindingKind, Severity};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// What happened to one target's port (or hardening check).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// No unauthorized source before, some now (a hardening finding added).
    Opened,
    /// More unauthorized sources, or a worse class on the same ones.
    Widened,
    /// The same sources, reached over a different path.
    Path,
    /// Fewer unauthorized sources, none added.
    Narrowed,
    /// Unauthorized sources before, none now (a hardening finding gone).
    Closed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Opened => "opened",
            ChangeKind::Widened => "widened",
            ChangeKind::Path => "path",
            ChangeKind::Narrowed => "narrowed",
            ChangeKind::Closed => "closed",
        }
    }
}

/// Whether the internet gets to a target at all (the path issue's
/// `reach`): ordered from harmless to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    None,
    Unknown,
    Internet,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::None => "none",
            Reach::Unknown => "unknown",
            Reach::Internet => "internet",
        }
    }
}

/// A line on one side of the change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub file: String,
    pub line: u32,
}

/// One change. The fields up to `message` are the JSON contract
/// (docs/json.md, "diff"); the rest serve the other formats.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub change: ChangeKind,
    pub rule: String,
    /// The head's severity for what got worse, the base's for what got better.
    pub severity: Severity,
    pub port: Option<u16>,
    pub protocol: Option<String>,
    /// The resource as the head names it (after `moved` blocks).
    pub resource: String,
    /// Sources the head admits and the base did not, as minimal CIDRs
    /// (and internal source names).
    pub added: Vec<String>,
    /// Sources the base admitted and the head does not.
    pub removed: Vec<String>,
    /// The line on the base side: the one that admitted what was removed,
    /// else the base finding's own line; `None` when the base had no finding.
    pub base: Option<Place>,
    /// The line on the head side: the one that admits what was added, else
    /// the head finding's own line.
    pub head: Option<Place>,
    pub message: String,
    #[serde(skip)]
    pub kind: FindingKind,
    /// `security group`, `instance`, `network security group`.
    #[serde(skip)]
    pub resource_kind: String,
    /// The base's name for the resource when a `moved` block renamed it.
    #[serde(skip)]
    pub moved_from: Option<String>,
    /// Reach on each side, when findings carry it.
    #[serde(skip)]
    pub reach: (Option<Reach>, Option<Reach>),
    /// The admitting lines of each side, for the markdown details.
    #[serde(skip)]
    pub because: (Arc<[Because]>, Arc<[Because]>),
}

impl Change {
    /// Whether the change lets more in: what `--fail-on`, SARIF and the
    /// PR comment's table are about.
    pub fn is_worse(&self) -> bool {
        match self.change {
            ChangeKind::Opened | ChangeKind::Widened => true,
            ChangeKind::Narrowed | ChangeKind::Closed => false,
            ChangeKind::Path => self.reach.1 > self.reach.0,
        }
    }
}

/// The reach a finding states (`reach`: whether the internet gets to the
/// target at all, issue 13); `None` where findings have no path (flows,
/// probes, hardening, inputs without a topology).
fn reach_of(finding: &Finding) -> Option<Reach> {
    finding.reach.as_ref().map(|r| match r.reach {
        ReachKind::Internet => Reach::Internet,
        ReachKind::None => Reach::None,
        ReachKind::Unknown => Reach::Unknown,
    })
}

/// A finding's identity across revisions.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key<'a> {
    rule: &'a str,
    resource: std::borrow::Cow<'a, str>,
    protocol: Option<&'a str>,
    port: Option<u16>,
    flag: Option<&'a str>,
}

fn key_of<'a>(f: &'a Finding, resource: std::borrow::Cow<'a, str>) -> Key<'a> {
    Key { rule: &f.rule, resource, protocol: f.protocol.as_deref(), port: f.port, flag: f.flag.as_deref() }
}

/// The head's name for a base resource, following `moved` blocks
/// (`from` → `to`, chains included). A move of a module or a whole
/// resource moves everything under it: `module.a` moves `module.a.x.y`,
/// `aws_instance.web` moves `aws_instance.web[0]`.
pub fn moved(resource: &str, moves: &[(String, String)]) -> Option<String> {
    let mut current = resource.to_string();
    let mut changed = false;
    // A chain is at most as long as the list; a cycle stops there.
    for _ in 0..=moves.len() {
        let Some((from, to)) = moves.iter().find(|(from, _)| {
            current == *from
                || (current.starts_with(from.as_str())
                    && matches!(current.as_bytes().get(from.len()), Some(b'.' | b'[')))
        }) else {
            break;
        };
        current = format!("{to}{}", &current[from.len()..]);
        changed = true;
    }
    changed.then_some(current)
}

/// A finding's sources as sets: addresses and internal source names.
#[derive(Default)]
struct SourceSet {
    addrs: AddrSet,
    names: BTreeSet<String>,
}

impl SourceSet {
    fn of(sources: &[String]) -> SourceSet {
        let mut cidrs = Vec::new();
        let mut names = BTreeSet::new();
        for s in sources {
            match Cidr::parse(s) {
                Ok(c) => cidrs.push(c),
                Err(_) => {
                    names.insert(s.clone());
                }
            }
        }
        SourceSet { addrs: AddrSet::from_cidrs(cidrs), names }
    }

    /// What `self` has and `other` has not, as minimal CIDRs then names.
    fn minus(&self, other: &SourceSet) -> Vec<String> {
        let mut out = self.addrs.difference(&other.addrs).to_cidr_strings();
        out.extend(self.names.difference(&other.names).cloned());
        out
    }
}

/// Parsed source sets, once per shared list (the ports of one answer share
/// their `sources`).
#[derive(Default)]
struct Parsed {
    sets: HashMap<usize, Arc<SourceSet>>,
}

impl Parsed {
    fn get(&mut self, sources: &Arc<[String]>) -> Arc<SourceSet> {
        let at = Arc::as_ptr(sources) as *const String as usize;
        self.sets.entry(at).or_insert_with(|| Arc::new(SourceSet::of(sources))).clone()
    }
}

/// Findings that take part: exposures and hardening, not suppressed.
fn counts(f: &Finding) -> bool {
    matches!(f.kind, FindingKind::Exposure | FindingKind::Hardening) && f.suppressed.is_none()
}

/// The first admitting line of `of` that `other` does not have (lines
/// move between revisions, so a line is known by its resource and rule).
fn new_line(of: &[Because], other: &[Because]) -> Option<Place> {
    of.iter()
        .find(|b| !other.iter().any(|o| o.resource == b.resource && o.rule == b.rule))
        .map(|b| Place { file: b.file.clone(), line: b.line })
}

fn place(f: &Finding) -> Place {
    Place { file: f.file.clone(), line: f.line }
}

/// `tcp/10257 (kube-controller-manager) on security group sg-1`, or the
/// hardening check's resource.
fn subject(f: &Finding, resource: &str) -> String {
    match (f.protocol.as_deref(), f.port) {
        (Some(protocol), Some(port)) => {
            let component = portcullis_rules::registry::find(&f.rule).map(|r| r.component()).unwrap_or("port");
            format!("{protocol}/{port} ({component}) on {} {resource}", f.resource_kind)
        }
        _ => format!("{} {resource}", f.resource_kind),
    }
}

/// `+0.0.0.0/0, +::/0` for a message, four at most.
fn listed(sign: char, items: &[String]) -> String {
    let mut parts: Vec<String> = items.iter().take(4).map(|s| format!("{sign}{s}")).collect();
    if items.len() > 4 {
        parts.push(format!("and {} more", items.len() - 4));
    }
    parts.join(", ")
}

/// The folder of a finding's file below its side's root (`roots`: what
/// each side's paths start with, `base/` and `head/` for `diff base
/// head`): how two findings of one identity are told apart when a side has
/// several (the same Terraform address in two root modules of one
/// repository, `envs/prod` and `envs/staging`).
fn folder<'f>(file: &'f str, root: &str) -> &'f str {
    let relative = file.strip_prefix(root).map_or(file, |r| r.trim_start_matches('/'));
    relative.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Compares the base's findings with the head's. `moves` are the head's
/// `moved` blocks (`from`, `to`); `roots` what each side's file paths
/// start with (empty for git revisions and plans). The changes come worst
/// first: what got worse before what got better, then by severity, then
/// by resource, rule and port.
pub fn compare(base: &[Finding], head: &[Finding], moves: &[(String, String)], roots: (&str, &str)) -> Vec<Change> {
    let mut parsed = Parsed::default();
    let mut heads: HashMap<Key, Vec<&Finding>> = HashMap::with_capacity(head.len());
    for f in head.iter().filter(|f| counts(f)) {
        heads.entry(key_of(f, f.resource.as_str().into())).or_default().push(f);
    }
    // Base findings grouped by identity, in their (canonical) order.
    let mut order: HashMap<Key, usize> = HashMap::with_capacity(base.len());
    let mut groups: Vec<(Key, Vec<(&Finding, bool)>)> = Vec::new();
    for b in base.iter().filter(|f| counts(f)) {
        let renamed = if moves.is_empty() { None } else { moved(&b.resource, moves) };
        let resource: std::borrow::Cow<str> = match renamed {
            Some(r) => r.into(),
            None => b.resource.as_str().into(),
        };
        let is_moved = resource != b.resource.as_str();
        let key = key_of(b, resource);
        let at = *order.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push((b, is_moved));
    }
    let mut changes = Vec::new();
    for (key, bases) in groups {
        let mut candidates = heads.remove(&key).unwrap_or_default();
        let one_each = bases.len() == 1 && candidates.len() == 1;
        for (b, is_moved) in bases {
            let at = if one_each {
                Some(0)
            } else {
                let dir = folder(&b.file, roots.0);
                candidates.iter().position(|h| folder(&h.file, roots.1) == dir)
            };
            match at {
                Some(i) => {
                    let h = candidates.swap_remove(i);
                    changes.extend(pair(b, h, is_moved, &mut parsed));
                }
                None => changes.push(closed(b, &key.resource, is_moved, &mut parsed)),
            }
        }
        changes.extend(candidates.into_iter().map(|h| opened(h, &mut parsed)));
    }
    for (_, rest) in heads {
        changes.extend(rest.into_iter().map(|h| opened(h, &mut parsed)));
    }
    sort_changes(&mut changes);
    changes
}

/// Worst first, then a total order so the same inputs print the same bytes.
pub fn sort_changes(changes: &mut [Change]) {
    changes.sort_by(|a, b| {
        b.is_worse()
            .cmp(&a.is_worse())
            .then(b.severity.cmp(&a.severity))
            .then(a.change.cmp(&b.change))
            .then_with(|| a.resource.cmp(&b.resource))
            .then_with(|| a.rule.cmp(&b.rule))
            .then(a.protocol.cmp(&b.protocol))
            .then(a.port.cmp(&b.port))
            .then_with(|| a.message.cmp(&b.message))
    });
}

fn change(kind: ChangeKind, f: &Finding, resource: &str, severity: Severity) -> Change {
    Change {
        change: kind,
        rule: f.rule.clone(),
        severity,
        port: f.port,
        protocol: f.protocol.clone(),
        resource: resource.to_string(),
        added: Vec::new(),
        removed: Vec::new(),
        base: None,
        head: None,
        message: String::new(),
        kind: f.kind,
        resource_kind: f.resource_kind.clone(),
        moved_from: None,
        reach: (None, None),
        because: (Arc::from([]), Arc::from([])),
    }
}

fn opened(h: &Finding, parsed: &mut Parsed) -> Change {
    let mut c = change(ChangeKind::Opened, h, &h.resource, h.severity);
    c.added = parsed.get(&h.sources).minus(&SourceSet::default());
    c.head = Some(place(h));
    c.reach.1 = reach_of(h);
    c.because.1 = h.because.clone();
    c.message = match h.kind {
        FindingKind::Hardening => format!("new: {}", h.message),
        _ => format!("opened: {}", h.message),
    };
    c
}

fn closed(b: &Finding, resource: &str, renamed: bool, parsed: &mut Parsed) -> Change {
    let mut c = change(ChangeKind::Closed, b, resource, b.severity);
    c.removed = parsed.get(&b.sources).minus(&SourceSet::default());
    c.base = Some(place(b));
    c.reach.0 = reach_of(b);
    c.because.0 = b.because.clone();
    if renamed {
        c.moved_from = Some(b.resource.clone());
    }
    c.message = match b.kind {
        FindingKind::Hardening => format!("fixed: {}", b.message),
        _ if c.removed.is_empty() => format!("closed: {} is no longer reachable", subject(b, resource)),
        _ => format!(
            "closed: {} is no longer reachable from unauthorized sources ({})",
            subject(b, resource),
            listed('-', &c.removed)
        ),
    };
    c
}

/// The change between two findings of one identity, if any.
fn pair(b: &Finding, h: &Finding, renamed: bool, parsed: &mut Parsed) -> Option<Change> {
    let (reach_before, reach_after) = (reach_of(b), reach_of(h));
    let (added, removed) = if b.sources == h.sources {
        (Vec::new(), Vec::new())
    } else {
        let (bs, hs) = (parsed.get(&b.sources), parsed.get(&h.sources));
        (hs.minus(&bs), bs.minus(&hs))
    };
    let undetermined = |f: &Finding| f.exposure == Some(ExposureClass::Undetermined);
    let kind = if undetermined(h) && !undetermined(b) {
        // The head's sources are only a lower bound: what looks removed
        // may still be admitted. Unknown is never a silent pass.
        ChangeKind::Widened
    } else if !added.is_empty() {
        ChangeKind::Widened
    } else if !removed.is_empty() {
        ChangeKind::Narrowed
    } else if reach_before.is_some() && reach_after.is_some() && reach_before != reach_after {
        // The same sources over another path. Reach sets the severity
        // (unreached is lowered), so this comes before the severity
        // comparison: what changed is the path, not who is admitted. Only
        // when both sides show a path: inputs that start or stop showing
        // the topology are no change of who can connect.
        ChangeKind::Path
    } else if h.severity > b.severity {
        ChangeKind::Widened
    } else if h.severity < b.severity {
        ChangeKind::Narrowed
    } else {
        return None;
    };
    let worse = match kind {
        ChangeKind::Widened => true,
        ChangeKind::Path => reach_after > reach_before,
        _ => false,
    };
    let mut c = change(kind, h, &h.resource, if worse { h.severity } else { b.severity });
    c.base = Some(new_line(&b.because, &h.because).filter(|_| !removed.is_empty()).unwrap_or_else(|| place(b)));
    c.head = Some(new_line(&h.because, &b.because).filter(|_| !added.is_empty()).unwrap_or_else(|| place(h)));
    c.reach = (reach_before, reach_after);
    c.because = (b.because.clone(), h.because.clone());
    if renamed {
        c.moved_from = Some(b.resource.clone());
    }
    let what = subject(h, &h.resource);
    let delta = [listed('+', &added), listed('-', &removed)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
    c.message = match kind {
        ChangeKind::Widened if undetermined(h) && !undetermined(b) => format!(
            "widened: {what} is now undetermined (was {}): {}",
            b.exposure.map_or("-", |e| e.as_str()),
            h.message
        ),
        ChangeKind::Widened if !added.is_empty() => {
            format!("widened: {what} is reachable from more unauthorized sources ({})", delta.join("; "))
        }
        ChangeKind::Narrowed if !removed.is_empty() => {
            format!("narrowed: {what} is reachable from fewer unauthorized sources ({})", delta.join("; "))
        }
        ChangeKind::Widened | ChangeKind::Narrowed => format!(
            "{}: {what} went from {} ({}) to {} ({}): {}",
            kind.as_str(),
            b.exposure.map_or("-", |e| e.as_str()),
            b.severity,
            h.exposure.map_or("-", |e| e.as_str()),
            h.severity,
            h.message
        ),
        _ => {
            let severity =
                if b.severity == h.severity { String::new() } else { format!(" ({} to {})", b.severity, h.severity) };
            format!(
                "path: {what}: reach went from {} to {}{severity}",
                reach_before.map_or("-", Reach::as_str),
                reach_after.map_or("-", Reach::as_str)
            )
        }
    };
    c.added = added;
    c.removed = removed;
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_chains_and_prefixes_only_at_boundaries() {
        let moves = vec![
            ("aws_security_group.a".to_string(), "aws_security_group.b".to_string()),
            ("aws_security_group.b".to_string(), "module.net.aws_security_group.b".to_string()),
            ("module.old".to_string(), "module.new".to_string()),
        ];
        assert_eq!(moved("aws_security_group.a", &moves).as_deref(), Some("module.net.aws_security_group.b"));
        assert_eq!(moved("aws_security_group.a[0]", &moves).as_deref(), Some("module.net.aws_security_group.b[0]"));
        assert_eq!(moved("aws_security_group.ab", &moves), None);
        assert_eq!(moved("module.old.aws_instance.x", &moves).as_deref(), Some("module.new.aws_instance.x"));
        assert_eq!(moved("module.older.aws_instance.x", &moves), None);
        // A cycle ends.
        let cycle = vec![("a.x".to_string(), "a.y".to_string()), ("a.y".to_string(), "a.x".to_string())];
        assert!(moved("a.x", &cycle).is_some());
    }

    #[test]
    fn folders_are_below_each_sides_root() {
        assert_eq!(folder("base/envs/prod/main.tf", "base"), "envs/prod");
        assert_eq!(folder("head/envs/prod/main.tf", "head/"), "envs/prod");
        assert_eq!(folder("main.tf", ""), "");
        assert_eq!(folder("base.json", "base.json"), "");
    }

    #[test]
    fn deltas_are_minimal_cidrs_and_names() {
        let base = SourceSet::of(&["10.0.0.0/8".into(), "sg-1".into()]);
        let head = SourceSet::of(&["0.0.0.0/0".into(), "sg-2".into()]);
        let added = head.minus(&base);
        assert_eq!(
            added,
            [
                "0.0.0.0/5",
                "8.0.0.0/7",
                "11.0.0.0/8",
                "12.0.0.0/6",
                "16.0.0.0/4",
                "32.0.0.0/3",
                "64.0.0.0/2",
                "128.0.0.0/1",
                "sg-2"
            ]
        );
        assert_eq!(base.minus(&head), ["sg-1"]);
    }
}
