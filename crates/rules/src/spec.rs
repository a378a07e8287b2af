//! What every catalog rule declares: code, name, severity, docs.

use crate::finding::Severity;

/// The sections every rule's docs must have (STYLE.md).
pub const DOC_SECTIONS: &[&str] =
    &["## What it does", "## Why is this bad?", "## Example", "## Fix safety", "## References"];

/// A rule that flags a reachable port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortRule {
    /// Stable code (`PC100`). Never reused.
    pub code: &'static str,
    /// What it flags, readable as a phrase (`controller-manager-port-reachable`).
    pub name: &'static str,
    /// The component that listens.
    pub component: &'static str,
    /// Ports checked (inclusive ranges); a user port rule fills this at run time.
    pub ports: &'static [(u16, u16)],
    /// Severity when the whole internet can connect; other classes derive
    /// from it (see [`PortRule::severity_for`]).
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// Markdown docs, from the rule's doc comment.
    pub docs: &'static str,
}

/// Declares a port rule whose docs are its doc comment, so the text users
/// read in `portcullis rules CODE`, SARIF help and the source is one text.
#[macro_export]
macro_rules! port_rule {
    ($(#[doc = $doc:literal])* $vis:vis static $ident:ident = { code: $code:literal, name: $name:literal, component: $comp:literal, ports: $ports:expr, severity: $sev:expr, summary: $summary:literal $(,)? };) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::spec::PortRule = $crate::spec::PortRule {
            code: $code,
            name: $name,
            component: $comp,
            ports: $ports,
            severity: $sev,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}

/// Rustdoc keeps the space after `///`; people should not see it.
pub fn clean_docs(raw: &str) -> String {
    let mut s: String = raw.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n");
    while s.ends_with('\n') {
        s.pop();
    }
    s
}

/// A rule that judges a component's configuration (kind `hardening`).
#[derive(Clone, Debug)]
pub struct HardeningRule {
    /// Stable code (`PC200`). Never reused.
    pub code: &'static str,
    /// What it flags, readable as a phrase.
    pub name: &'static str,
    /// The component whose configuration it reads.
    pub component: &'static str,
    /// The flags it reads.
    pub flags: &'static [&'static str],
    /// Severity of a finding (some findings of a rule may be lower; the
    /// rule's docs say when).
    pub severity: Severity,
    pub summary: &'static str,
    /// Markdown docs, from the rule's doc comment.
    pub docs: &'static str,
    /// The check: every finding of this rule in an estate.
    pub check: fn(&portcullis_model::Estate) -> Vec<crate::finding::Finding>,
}

/// Declares a hardening rule whose docs are its doc comment.
#[macro_export]
macro_rules! hardening_rule {
    ($(#[doc = $doc:literal])* $vis:vis static $ident:ident = { code: $code:literal, name: $name:literal, component: $comp:literal, flags: $flags:expr, severity: $sev:expr, summary: $summary:literal, check: $check:expr $(,)? };) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::spec::HardeningRule = $crate::spec::HardeningRule {
            code: $code,
            name: $name,
            component: $comp,
            flags: $flags,
            severity: $sev,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}
