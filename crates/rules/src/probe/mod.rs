//! Probe rules (PC3xx): what `portcullis probe` observed on a live
//! endpoint an unauthenticated client can reach, one rule a file in this
//! folder. This module holds what they share: the finding they build and
//! the facts several of them read.
//!
//! A probe finding is `kind: "probe"`: observed on a live endpoint, not
//! read from a file. Its `resource` is the endpoint as `host:port`, its
//! `file` the URL that was asked (line 0: no line to point at), and
//! `because` names the line of the targets file that named the endpoint.
//! `flag` names the kube-controller-manager flag that governs what was seen,
//! so a probe finding meets the configuration audit's finding on the same
//! flag.

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

use crate::finding::{Because, Finding, FindingKind};
use crate::registry::{Family, Rule, RULES};
use portcullis_probe::cert::CertInfo;
use portcullis_probe::http::Outcome;
use portcullis_probe::{Observation, Reach, Target};

/// Every finding one observation supports, in no particular order (the
/// caller sorts). An endpoint that was not probed at all (its name did not
/// resolve) supports none: it is an input error.
pub fn findings(o: &Observation) -> Vec<Finding> {
    let mut out = Vec::new();
    if matches!(o.reach, Reach::NotProbed(_)) {
        return out;
    }
    for rule in RULES {
        if let Family::Probe { check } = rule.family {
            check(o, &mut out);
        }
    }
    out
}

/// The URL of `path` on the target.
pub(crate) fn url(scheme: &str, t: &Target, path: &str) -> String {
    format!("{scheme}://{t}{path}")
}

/// A finding of `rule` about target `t`, pointing at `file` (a URL).
pub(crate) fn finding(t: &Target, rule: &Rule, file: String, flag: Option<&str>, message: String) -> Finding {
    let because = t
        .origin
        .iter()
        .map(|o| Because {
            file: o.file.clone(),
            line: o.line,
            column: o.column,
            rule: "probe target".into(),
            resource: t.to_string(),
        })
        .collect();
    Finding {
        rule: rule.code.to_string(),
        severity: rule.severity,
        kind: FindingKind::Probe,
        exposure: None,
        port: Some(t.port),
        protocol: Some("tcp".into()),
        resource: t.to_string(),
        file,
        line: 0,
        column: 0,
        sources: Default::default(),
        because,
        flag: flag.map(str::to_string),
        message,
        resource_kind: "endpoint".into(),
        path: Default::default(),
        unknown: Vec::new(),
        reach: None,
        suppressed: None,
    }
}

/// Whether the TCP connection opened: every check but PC301 and PC307
/// needs it.
pub(crate) fn open(o: &Observation) -> bool {
    matches!(o.reach, Reach::Open(_))
}

/// Whether a TLS 1.2 or 1.3 handshake completed.
pub(crate) fn tls_ok(o: &Observation) -> bool {
    matches!(o.tls, Some(Ok(_)))
}

/// The legacy TLS versions (1.0, 1.1) the endpoint accepted, by name.
pub(crate) fn legacy_tls_accepted(o: &Observation) -> Vec<String> {
    o.legacy_tls.iter().filter(|(_, a)| a.accepted()).map(|(v, _)| v.name().to_string()).collect()
}

/// The served leaf certificate, when it could be read.
pub(crate) fn leaf(o: &Observation) -> Option<&CertInfo> {
    o.chain.first().and_then(|c| c.as_ref().ok())
}

/// The certificate's subject as its common name (`CN=…`), or whole.
pub(crate) fn common_name(c: &CertInfo) -> String {
    c.subject_cn.clone().map(|n| format!("CN={n}")).unwrap_or_else(|| c.subject.clone())
}

/// The paths other than /healthz asked over TLS, with their answers: the
/// ones that must be refused to an anonymous client. Only read when a
/// TLS handshake completed (without one nothing was asked).
pub(crate) fn protected_answers(o: &Observation) -> impl Iterator<Item = (&str, &Outcome)> {
    let asked = open(o) && tls_ok(o);
    o.paths
        .iter()
        .filter(move |(p, _)| asked && p != portcullis_probe::observe::HEALTH_PATH)
        .map(|(p, a)| (p.as_str(), a))
}

/// PC302-PC304: `path` answered 200 to a client without credentials.
pub(crate) fn served_anonymously(o: &Observation, path: &str, rule: &Rule, flag: &str, out: &mut Vec<Finding>) {
    for (asked, answer) in protected_answers(o) {
        if asked != path || answer.status() != Some(200) {
            continue;
        }
        let body = match answer {
            Outcome::Answer(a) if !a.body_start.is_empty() => {
                format!(": {}", a.body_start.chars().take(60).collect::<String>())
            }
            _ => String::new(),
        };
        out.push(finding(
            &o.target,
            rule,
            url("https", &o.target, asked),
            Some(flag),
            format!("{asked} answered 200 to a client without credentials{body}"),
        ));
    }
}
