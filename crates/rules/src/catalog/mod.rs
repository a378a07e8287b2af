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
pub mod pc900_suppression_expired;
pub mod pc901_suppression_unused;

use crate::spec::PortRule;

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
