//! The rule registry: every rule portcullis has, one line each, in code
//! order. `portcullis rules`, SARIF's rule table, the port questions of a
//! scan and every check read this table and nothing else.
//!
//! A rule is one file in its family's folder (`ports/`, `hardening/`,
//! `probe/`, `flows/`, `events/`, `suppressions/`): its docs (the doc comment, which
//! is what `portcullis rules CODE` and SARIF help print), its code, name,
//! severity and summary, and its [`Family`] with the check. Codes are
//! stable and never reused.

use crate::finding::{Finding, Severity};
use portcullis_model::Estate;

/// The sections every rule's docs have, in this order.
pub const DOC_SECTIONS: &[&str] =
    &["## What it does", "## Why is this bad?", "## Example", "## Fix safety", "## References"];

/// One rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable code (`PC100`). Never reused.
    pub code: &'static str,
    /// What it flags, readable as a phrase (`controller-manager-port-reachable`).
    pub name: &'static str,
    /// For a port rule, the severity when the whole internet can connect
    /// (other exposure classes derive from it); for the others, the
    /// severity of a finding (the docs say when one is lower).
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// The rule's doc comment, as rustdoc keeps it (see [`Rule::markdown`]).
    pub docs: &'static str,
    /// What the rule judges, and how.
    pub family: Family,
}

/// A kind of evidence and the check that turns it into findings.
#[derive(Debug)]
pub enum Family {
    /// A port reachable through the firewall path (PC1xx). Every port rule
    /// shares one check, [`crate::ports::check_estate`]; the rule says which
    /// ports it asks about (none: the ports the user names).
    Port { component: &'static str, ports: &'static [(u16, u16)] },
    /// kube-controller-manager's configuration (PC2xx): the flags it reads
    /// and its check over the estate.
    Hardening { component: &'static str, flags: &'static [&'static str], check: fn(&Estate) -> Vec<Finding> },
    /// What a live endpoint answered `portcullis probe` (PC3xx).
    Probe { check: fn(&portcullis_probe::Observation, &mut Vec<Finding>) },
    /// Traffic flow logs recorded (PC4xx, `portcullis flows`).
    Flow { check: fn(&[portcullis_flows::Observation], &mut Vec<Finding>) },
    /// Change events judged (PC5xx, `portcullis events`): who opened or
    /// closed a port, when.
    Event { check: fn(&[portcullis_events::Change], &mut Vec<Finding>) },
    /// A suppression itself (PC9xx): found while suppressions are applied
    /// ([`crate::suppressions::apply`]).
    Suppression,
}

/// Which family, without its data: for listing and filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FamilyKind {
    Port,
    Hardening,
    Probe,
    Flow,
    Event,
    Suppression,
}

impl Family {
    pub fn kind(&self) -> FamilyKind {
        match self {
            Family::Port { .. } => FamilyKind::Port,
            Family::Hardening { .. } => FamilyKind::Hardening,
            Family::Probe { .. } => FamilyKind::Probe,
            Family::Flow { .. } => FamilyKind::Flow,
            Family::Event { .. } => FamilyKind::Event,
            Family::Suppression => FamilyKind::Suppression,
        }
    }
}

impl FamilyKind {
    /// The area SARIF tags a rule with (GitHub shows tags as filters).
    pub fn area(self) -> &'static str {
        match self {
            FamilyKind::Port => "network",
            FamilyKind::Hardening => "configuration",
            FamilyKind::Probe => "tls",
            FamilyKind::Flow => "traffic",
            FamilyKind::Event => "change",
            FamilyKind::Suppression => "review",
        }
    }
}

impl Rule {
    /// The docs as people read them: the doc comment without rustdoc's
    /// leading space and trailing newlines.
    pub fn markdown(&self) -> String {
        let mut s: String = self.docs.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect::<Vec<_>>().join("\n");
        while s.ends_with('\n') {
            s.pop();
        }
        s
    }

    /// What the rule is about: the component that listens or is configured,
    /// or where the evidence comes from.
    pub fn component(&self) -> &'static str {
        match &self.family {
            Family::Port { component, .. } | Family::Hardening { component, .. } => component,
            Family::Probe { .. } => "live endpoint (portcullis probe)",
            Family::Flow { .. } => "flow logs (portcullis flows)",
            Family::Event { .. } => "change events (portcullis events)",
            Family::Suppression => "portcullis",
        }
    }

    /// The ports a port rule asks about (empty: the ports the user names);
    /// empty for every other family.
    pub fn ports(&self) -> &'static [(u16, u16)] {
        match &self.family {
            Family::Port { ports, .. } => ports,
            _ => &[],
        }
    }

    fn is(&self, code_or_name: &str) -> bool {
        self.code.eq_ignore_ascii_case(code_or_name) || self.name.eq_ignore_ascii_case(code_or_name)
    }
}

/// Declares a rule whose docs are its doc comment, so the text users read
/// in `portcullis rules CODE`, SARIF help and the source is one text.
#[macro_export]
macro_rules! rule {
    ($(#[doc = $doc:literal])* $vis:vis static $ident:ident = { code: $code:literal, name: $name:literal, severity: $severity:expr, summary: $summary:literal, family: $family:expr $(,)? };) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::registry::Rule = $crate::registry::Rule {
            code: $code,
            name: $name,
            severity: $severity,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
            family: $family,
        };
    };
}

use crate::{events, flows, hardening, ports, probe, suppressions};

/// Every rule, in code order. A new rule is one line here.
pub static RULES: &[&Rule] = &[
    &ports::pc100_controller_manager::RULE,
    &ports::pc101_api_server::RULE,
    &ports::pc102_etcd::RULE,
    &ports::pc103_kubelet::RULE,
    &ports::pc104_kubelet_read_only::RULE,
    &ports::pc105_kube_proxy_health::RULE,
    &ports::pc106_cloud_controller_manager::RULE,
    &ports::pc107_scheduler::RULE,
    &ports::pc108_legacy_controller_manager::RULE,
    &ports::pc109_legacy_scheduler::RULE,
    &ports::pc199_user_port::RULE,
    &hardening::pc200_bind_address::RULE,
    &hardening::pc201_insecure_port::RULE,
    &hardening::pc202_delegated_auth::RULE,
    &hardening::pc203_always_allow_paths::RULE,
    &hardening::pc204_self_signed_certificate::RULE,
    &hardening::pc205_tls_min_version::RULE,
    &hardening::pc206_insecure_cipher_suites::RULE,
    &hardening::pc207_profiling::RULE,
    &hardening::pc208_secure_port_disabled::RULE,
    &hardening::pc209_network_policy_host_network::RULE,
    &probe::pc300_endpoint_observed::RULE,
    &probe::pc301_endpoint_unreachable::RULE,
    &probe::pc302_metrics_served_anonymously::RULE,
    &probe::pc303_configz_served_anonymously::RULE,
    &probe::pc304_profiling_served_anonymously::RULE,
    &probe::pc305_anonymous_request_unexpected_answer::RULE,
    &probe::pc306_healthz_not_served::RULE,
    &probe::pc307_legacy_insecure_port_answering::RULE,
    &probe::pc310_legacy_tls_accepted::RULE,
    &probe::pc311_tls_not_served::RULE,
    &probe::pc312_plain_http_served_on_tls_port::RULE,
    &probe::pc320_self_signed_certificate::RULE,
    &probe::pc321_generated_serving_certificate::RULE,
    &probe::pc322_certificate_expired::RULE,
    &probe::pc323_certificate_expiring_soon::RULE,
    &probe::pc324_weak_certificate_key::RULE,
    &probe::pc325_certificate_not_naming_host::RULE,
    &flows::pc400_unauthorized_flow_accepted::RULE,
    &events::pc500_port_opened_by_change::RULE,
    &events::pc501_port_closed_by_change::RULE,
    &suppressions::pc900_suppression_expired::RULE,
    &suppressions::pc901_suppression_unused::RULE,
];

/// The rules of one family, in code order.
pub fn family(kind: FamilyKind) -> impl Iterator<Item = &'static Rule> {
    RULES.iter().copied().filter(move |r| r.family.kind() == kind)
}

/// Looks a rule up by code or name, case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.is(code_or_name))
}

/// The port rule whose ports include `port`, if any.
pub fn for_port(port: u16) -> Option<&'static Rule> {
    family(FamilyKind::Port).find(|r| r.ports().iter().any(|&(a, b)| a <= port && port <= b))
}

/// The rule for ports named by the user.
pub fn user_port_rule() -> &'static Rule {
    &ports::pc199_user_port::RULE
}
