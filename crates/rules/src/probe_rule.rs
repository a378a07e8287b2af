//! What every live-probe rule (PC3xx) declares. A probe rule flags what an
//! endpoint answered, not a reachable port, so it has no port list: the
//! port is the one the user named.

use crate::finding::Severity;

/// A rule that judges what a live endpoint answered (`portcullis probe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeRule {
    /// Stable code (`PC302`). Never reused.
    pub code: &'static str,
    /// What it flags, readable as a phrase (`metrics-served-anonymously`).
    pub name: &'static str,
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// Markdown docs, from the rule's doc comment.
    pub docs: &'static str,
}

/// Declares a probe rule whose docs are its doc comment (as `port_rule!`).
#[macro_export]
macro_rules! probe_rule {
    ($(#[doc = $doc:literal])* $vis:vis static $ident:ident = { code: $code:literal, name: $name:literal, severity: $sev:expr, summary: $summary:literal $(,)? };) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::probe_rule::ProbeRule = $crate::probe_rule::ProbeRule {
            code: $code,
            name: $name,
            severity: $sev,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}
