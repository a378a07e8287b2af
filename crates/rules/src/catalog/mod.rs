//! The rule catalog: one rule, one file; this table maps stable codes to
//! rules. Codes are never reused: a retired rule stays listed as removed.

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
pub mod pc200_bind_address;
pub mod pc201_insecure_port;
pub mod pc202_delegated_auth;
pub mod pc203_always_allow_paths;
pub mod pc204_self_signed_certificate;
pub mod pc205_tls_min_version;
pub mod pc206_insecure_cipher_suites;
pub mod pc207_profiling;
pub mod pc208_secure_port_disabled;
pub mod pc209_network_policy_host_network;
pub mod pc900_suppression_expired;
pub mod pc901_suppression_unused;

pub mod pc400_unauthorized_flow_accepted;
pub mod probe;

use crate::spec::{HardeningRule, PortRule};
pub use probe::PROBE_RULES;

/// Flow-log rules (PC4xx, `portcullis flows`). They judge observed traffic,
/// not a port's configuration, so they declare what probe rules declare.
pub static FLOW_RULES: &[&crate::ProbeRule] = &[&pc400_unauthorized_flow_accepted::RULE];

/// Every port rule, flagship first.
pub static PORT_RULES: &[&PortRule] = &[
    &pc100_controller_manager::RULE,
    &pc101_api_server::RULE,
    &pc102_etcd::RULE,
    &pc103_kubelet::RULE,
    &pc104_kubelet_read_only::RULE,
    &pc105_kube_proxy_health::RULE,
    &pc106_cloud_controller_manager::RULE,
    &pc107_scheduler::RULE,
    &pc108_legacy_controller_manager::RULE,
    &pc109_legacy_scheduler::RULE,
    &pc199_user_port::RULE,
];

/// Findings about suppressions themselves (PC9xx): not port rules, so not
/// in [`PORT_RULES`]; listed, documented and in SARIF like them.
pub static SUPPRESSION_RULES: &[&PortRule] = &[&pc900_suppression_expired::RULE, &pc901_suppression_unused::RULE];

/// The rule for ports named by the user.
pub fn user_port_rule() -> &'static PortRule {
    &pc199_user_port::RULE
}

/// Looks a rule up by code or name, case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static PortRule> {
    PORT_RULES
        .iter()
        .chain(SUPPRESSION_RULES)
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name))
}

/// The catalog rule whose ports include `port`, if any.
pub fn for_port(port: u16) -> Option<&'static PortRule> {
    PORT_RULES.iter().copied().find(|r| r.ports.iter().any(|&(a, b)| a <= port && port <= b))
}

/// Every hardening rule (kube-controller-manager's configuration), by code.
pub static HARDENING_RULES: &[&HardeningRule] = &[
    &pc200_bind_address::RULE,
    &pc201_insecure_port::RULE,
    &pc202_delegated_auth::RULE,
    &pc203_always_allow_paths::RULE,
    &pc204_self_signed_certificate::RULE,
    &pc205_tls_min_version::RULE,
    &pc206_insecure_cipher_suites::RULE,
    &pc207_profiling::RULE,
    &pc208_secure_port_disabled::RULE,
    &pc209_network_policy_host_network::RULE,
];

/// Looks a hardening rule up by code or name, case-insensitively.
pub fn find_hardening(code_or_name: &str) -> Option<&'static HardeningRule> {
    HARDENING_RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name))
}
