//! Live-probe rules (PC3xx): what `portcullis probe` judges on an endpoint
//! an unauthenticated client can reach. One rule, one file.

pub mod pc300_endpoint_observed;
pub mod pc301_endpoint_unreachable;
pub mod pc302_metrics_served_anonymously;
pub mod pc303_configz_served_anonymously;
pub mod pc304_profiling_served_anonymously;
pub mod pc305_anonymous_request_unexpected_answer;
pub mod pc306_healthz_not_served;
pub mod pc307_legacy_insecure_port_answering;
pub mod pc310_legacy_tls_accepted;
pub mod pc311_tls_not_served;
pub mod pc312_plain_http_served_on_tls_port;
pub mod pc320_self_signed_certificate;
pub mod pc321_generated_serving_certificate;
pub mod pc322_certificate_expired;
pub mod pc323_certificate_expiring_soon;
pub mod pc324_weak_certificate_key;
pub mod pc325_certificate_not_naming_host;

use crate::probe_rule::ProbeRule;

/// Every probe rule, in code order.
pub static PROBE_RULES: &[&ProbeRule] = &[
    &pc300_endpoint_observed::RULE,
    &pc301_endpoint_unreachable::RULE,
    &pc302_metrics_served_anonymously::RULE,
    &pc303_configz_served_anonymously::RULE,
    &pc304_profiling_served_anonymously::RULE,
    &pc305_anonymous_request_unexpected_answer::RULE,
    &pc306_healthz_not_served::RULE,
    &pc307_legacy_insecure_port_answering::RULE,
    &pc310_legacy_tls_accepted::RULE,
    &pc311_tls_not_served::RULE,
    &pc312_plain_http_served_on_tls_port::RULE,
    &pc320_self_signed_certificate::RULE,
    &pc321_generated_serving_certificate::RULE,
    &pc322_certificate_expired::RULE,
    &pc323_certificate_expiring_soon::RULE,
    &pc324_weak_certificate_key::RULE,
    &pc325_certificate_not_naming_host::RULE,
];

/// Looks a probe rule up by code or name, case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static ProbeRule> {
    PROBE_RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name))
}
