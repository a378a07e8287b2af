//! Findings: what a rule reports, in the shape of the JSON contract.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// How bad a finding is. Ordered: `Info` < … < `Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// One step less severe, never below `Low`.
    pub fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            _ => Severity::Low,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of check produced a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    Exposure,
    Hardening,
    /// Observed on a live endpoint by `portcullis probe` (PC3xx).
    Probe,
    /// About a suppression itself (PC9xx): expired, or matching nothing.
    Suppression,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Exposure => "exposure",
            FindingKind::Hardening => "hardening",
            FindingKind::Probe => "probe",
            FindingKind::Suppression => "suppression",
        }
    }
}

/// The exposure classes (docs/semantics.md, "Sources"), worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExposureClass {
    /// At least half of the public IPv4 or IPv6 unicast space.
    Unrestricted,
    /// Other public addresses the user has not authorized.
    Public,
    /// Private addresses (or internal peers) outside the authorized list.
    Unauthorized,
    /// Depends on a value the input cannot tell.
    Undetermined,
}

impl ExposureClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ExposureClass::Unrestricted => "unrestricted",
            ExposureClass::Public => "public",
            ExposureClass::Unauthorized => "unauthorized",
            ExposureClass::Undetermined => "undetermined",
        }
    }
}

/// One rule line that let traffic in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Because {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// What admitted it, for people: `ingress tcp 10257 from 0.0.0.0/0`.
    pub rule: String,
    /// The resource that carries the rule.
    pub resource: String,
}

/// Whether a path from the internet exists, as a finding says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReachKind {
    /// A complete path exists for at least part of the admitted sources.
    Internet,
    /// The rules admit them, but no path exists today.
    None,
    /// The input does not decide it.
    Unknown,
}

impl ReachKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReachKind::Internet => "internet",
            ReachKind::None => "none",
            ReachKind::Unknown => "unknown",
        }
    }
}

/// One hop of the path from the internet, with the line that makes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Via {
    /// `internet gateway`, `route`, `network ACL`, `public address`,
    /// `load balancer`, `listener`, `target group`, `interface`,
    /// `security group`…
    pub hop: String,
    pub resource: String,
    /// Where it is written; empty with line 0 when the input only refers
    /// to it.
    pub file: String,
    pub line: u32,
    pub detail: String,
}

/// The path part of an exposure finding (contract fields `reach`,
/// `reach_reason`, `via`), shared by the ports of one answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathReach {
    pub reach: ReachKind,
    /// One sentence for `none` and `unknown`.
    #[serde(rename = "reach_reason", skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The hops of the path in order (for `none` and `unknown`, as far as
    /// the input shows it).
    pub via: Vec<Via>,
}

/// One finding. Field names and meanings are the version 1 JSON contract
/// (docs/json.md); fields after `message` are additions. Large reports are
/// written by hand (`report/src/json.rs` `write_finding`): a new field goes
/// there too, and a test there compares both writers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub kind: FindingKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<ExposureClass>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    pub resource: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Shared (`Arc`): the ports of one answer list the same sources and
    /// rules, and a large account has hundreds of thousands of findings.
    pub sources: Arc<[String]>,
    pub because: Arc<[Because]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    pub message: String,
    /// What the resource is (`instance`, `security group`).
    pub resource_kind: String,
    /// The layers traffic passes, in order, for people.
    pub path: Arc<[String]>,
    /// Values the input could not tell that this answer depends on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// Exposure findings on a target: whether the internet can get there
    /// at all, and by which hops (`reach`, `reach_reason`, `via`).
    #[serde(flatten)]
    pub reach: Option<Arc<PathReach>>,
    /// Set when a suppression silences this finding: it is still reported,
    /// never fails the run, and text output leaves it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Box<Suppressed>>,
}

/// Where a suppression was written: in the input (`inline`, a comment) or
/// outside it (`config`, portcullis.toml). SARIF calls them `inSource` and
/// `external`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    Inline,
    Config,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Config => "config",
        }
    }
}

/// The suppression that silenced a finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Suppressed {
    pub kind: SuppressionKind,
    pub reason: String,
    /// The last day it applies, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the suppression is written.
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Finding {
    /// The stable identity of a finding: `rule|resource|protocol/port`.
    /// Not the file or line, so edits above a rule do not change it. SARIF's
    /// `partialFingerprints."portcullis/v1"` and baselines both use it.
    pub fn fingerprint(&self) -> String {
        let port = self.port.map(|p| p.to_string()).unwrap_or_default();
        let base = format!("{}|{}|{}/{}", self.rule, self.resource, self.protocol.as_deref().unwrap_or(""), port);
        // A hardening rule can flag two flags of one component
        // (authentication and authorization kubeconfigs): the flag tells
        // them apart. Exposure findings have none and keep their shape.
        match &self.flag {
            Some(flag) => format!("{base}|{flag}"),
            None => base,
        }
    }

    /// Sort key: the same input always prints the same bytes.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str, Option<u16>) {
        (&self.file, self.line, self.column, &self.rule, &self.resource, self.port)
    }
}

/// Sorts findings into their canonical order.
///
/// Stable and parallel: a large account has hundreds of thousands. The
/// sort orders indices, not the findings themselves (a few hundred bytes
/// each, which a merge sort copied into a buffer as large as the list and
/// back), then moves each finding once into its place.
pub fn sort_findings(f: &mut [Finding]) {
    use rayon::slice::ParallelSliceMut;
    let mut order: Vec<usize> = (0..f.len()).collect();
    order.par_sort_by(|&a, &b| {
        let (a, b) = (&f[a], &f[b]);
        a.sort_key().cmp(&b.sort_key()).then_with(|| a.message.cmp(&b.message))
    });
    permute(f, &mut order);
}

/// Rearranges `items` so that the new `items[i]` is the old
/// `items[order[i]]`, following each cycle of the permutation with swaps.
/// `order` must be a permutation of `0..items.len()`; it is consumed
/// (every slot ends as its own index).
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..order.len() {
        let mut cur = start;
        // A slot that holds its own index is in place (or was placed).
        while order[cur] != start && order[cur] != cur {
            let next = order[cur];
            order[cur] = cur;
            items.swap(cur, next);
            cur = next;
        }
        order[cur] = cur;
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_places_every_item_by_the_order() {
        // Every permutation of five items, against building the result anew.
        let mut seen = 0;
        let mut idx = [0usize, 1, 2, 3, 4];
        loop {
            let items: Vec<char> = "abcde".chars().collect();
            let want: Vec<char> = idx.iter().map(|&i| items[i]).collect();
            let mut got = items.clone();
            let mut order = idx;
            permute(&mut got, &mut order);
            assert_eq!(got, want, "order {idx:?}");
            seen += 1;
            // Next permutation in lexicographic order.
            let Some(i) = (0..4).rev().find(|&i| idx[i] < idx[i + 1]) else { break };
            let j = (i + 1..5).rev().find(|&j| idx[j] > idx[i]).expect("a larger element after i");
            idx.swap(i, j);
            idx[i + 1..].reverse();
        }
        assert_eq!(seen, 120);
    }
}
