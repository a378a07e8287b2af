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

/// The exposure classes of DESIGN.md, worst first.
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

/// One finding. Field names and meanings are the version 1 JSON contract
/// (DESIGN.md); fields after `message` are additions. Large reports are
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
    /// Set when a suppression silences this finding: it is still reported,
    /// never fails the run, and text output leaves it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
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
pub fn sort_findings(f: &mut [Finding]) {
    use rayon::slice::ParallelSliceMut;
    // Stable and parallel: a large account has hundreds of thousands.
    f.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.message.cmp(&b.message)));
}
