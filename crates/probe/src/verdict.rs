//! Observations → findings of the PC3xx rules.
//!
//! A probe finding is `kind: "probe"`: observed on a live endpoint, not
//! read from a file. Its `resource` is the endpoint as `host:port`, its
//! `file` the URL that was asked (line 0: no line to point at), and
//! `because` names the line of the targets file that named the endpoint.
//! `flag` names the kube-controller-manager flag that governs what was seen,
//! so a probe finding meets the configuration audit's finding on the same
//! flag.

use crate::cert::{self, CertInfo};
use crate::http::Outcome;
use crate::observe::{Observation, Reach, HEALTH_PATH};
use crate::target::Target;
use portcullis_rules::catalog::probe::*;
use portcullis_rules::{Because, Finding, FindingKind, ProbeRule};

/// Certificates that expire sooner than this are flagged (PC323).
pub const EXPIRY_WARNING_DAYS: i64 = 30;

fn url(scheme: &str, t: &Target, path: &str) -> String {
    format!("{scheme}://{t}{path}")
}

fn finding(t: &Target, rule: &ProbeRule, file: String, flag: Option<&str>, message: String) -> Finding {
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

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn cert_line(c: &CertInfo, at: i64) -> String {
    let names = if c.sans.is_empty() { "no subjectAltName".to_string() } else { c.sans.join(", ") };
    // A named curve says its size; RSA and DSA need the bits.
    let bits =
        if c.key_bits > 0 && !c.key_type.starts_with("EC ") { format!(" {}", c.key_bits) } else { String::new() };
    let until = if c.not_after < at { "expired" } else { "valid until" };
    format!(
        "certificate {} issued by {}, {}{bits}, {until} {}, {names}",
        c.subject,
        c.issuer,
        c.key_type,
        cert::date(c.not_after)
    )
}

/// The PC300 summary: everything seen, in one sentence a person reads.
fn summary(o: &Observation) -> String {
    let mut parts = Vec::new();
    if let Some(addr) = o.reach.addr() {
        if o.target.host_ip().is_none() {
            parts.push(format!("{} resolved to {}", o.target.host, addr.ip()));
        }
    }
    match &o.tls {
        Some(Ok(h)) => parts.push(format!("{} {}", h.version, h.suite)),
        Some(Err(e)) => parts.push(format!("no TLS 1.2/1.3 handshake ({})", e.message)),
        None => {}
    }
    if !o.legacy_tls.is_empty() {
        let l: Vec<String> = o.legacy_tls.iter().map(|(v, a)| format!("{} {}", v.name(), a.describe())).collect();
        parts.push(l.join(", "));
    }
    match o.chain.first() {
        Some(Ok(c)) => parts.push(cert_line(c, o.at)),
        Some(Err(e)) => parts.push(e.clone()),
        None => {}
    }
    if !o.paths.is_empty() {
        let p: Vec<String> = o.paths.iter().map(|(p, a)| format!("{p} {}", a.describe())).collect();
        parts.push(p.join(", "));
    }
    if let Some(p) = &o.plain_http {
        parts.push(format!("plain HTTP {}", p.describe()));
    }
    if let Some(l) = &o.legacy_port {
        let state = match &l.reach {
            Reach::Open(_) => {
                let p: Vec<String> = l.paths.iter().map(|(p, a)| format!("{p} {}", a.describe())).collect();
                format!("open: {}", p.join(", "))
            }
            other => reach_words(other),
        };
        parts.push(format!("legacy port {} {state}", l.port));
    }
    parts.join("; ")
}

fn reach_words(r: &Reach) -> String {
    match r {
        Reach::Open(_) => "open".into(),
        Reach::NotProbed(e) => e.clone(),
        Reach::Refused(_) => "refused".into(),
        Reach::TimedOut(_) => "timed out".into(),
        Reach::Failed(_, e) => format!("failed ({e})"),
    }
}

/// The input error for a target that could not be probed at all (its name
/// did not resolve), if so.
pub fn not_probed(o: &Observation) -> Option<&str> {
    match &o.reach {
        Reach::NotProbed(e) => Some(e),
        _ => None,
    }
}

fn anonymous_rule(path: &str) -> Option<(&'static ProbeRule, &'static str)> {
    match path {
        "/metrics" => Some((&pc302_metrics_served_anonymously::RULE, "authorization-always-allow-paths")),
        "/configz" => Some((&pc303_configz_served_anonymously::RULE, "authorization-always-allow-paths")),
        "/debug/pprof/" => Some((&pc304_profiling_served_anonymously::RULE, "profiling")),
        _ => None,
    }
}

fn certificate_findings(o: &Observation, out: &mut Vec<Finding>) {
    let t = &o.target;
    let base = url("https", t, "/");
    let Some(Ok(leaf)) = o.chain.first() else { return };
    let cn = |c: &CertInfo| c.subject_cn.clone().map(|n| format!("CN={n}")).unwrap_or_else(|| c.subject.clone());
    if leaf.self_issued {
        out.push(finding(
            t,
            &pc320_self_signed_certificate::RULE,
            base.clone(),
            Some("tls-cert-file"),
            format!("the certificate is self-signed (subject = issuer = {}): no client can verify it", leaf.subject),
        ));
    }
    // The generated CA signs the leaf and is served after it; a leaf that
    // is itself named `…-ca@…` counts too.
    let generated = o
        .chain
        .iter()
        .flatten()
        .flat_map(|c| [c.issuer_cn.as_deref(), c.subject_cn.as_deref()])
        .flatten()
        .find_map(|n| cert::generated_ca_time(n).map(|secs| (n.to_string(), secs)));
    if let Some((name, secs)) = generated {
        out.push(finding(
            t,
            &pc321_generated_serving_certificate::RULE,
            base.clone(),
            Some("tls-cert-file"),
            format!(
                "the certificate was generated in memory at startup because --tls-cert-file is not set (CA CN={name}, made {}): no client can verify it",
                cert::date(secs)
            ),
        ));
    }
    if o.at > leaf.not_after {
        out.push(finding(
            t,
            &pc322_certificate_expired::RULE,
            base.clone(),
            Some("tls-cert-file"),
            format!("the certificate expired on {} ({})", cert::date(leaf.not_after), cn(leaf)),
        ));
    } else if o.at < leaf.not_before {
        out.push(finding(
            t,
            &pc322_certificate_expired::RULE,
            base.clone(),
            Some("tls-cert-file"),
            format!("the certificate is not valid before {} ({})", cert::date(leaf.not_before), cn(leaf)),
        ));
    } else if leaf.not_after - o.at < EXPIRY_WARNING_DAYS * 86_400 {
        let days = (leaf.not_after - o.at) / 86_400;
        out.push(finding(
            t,
            &pc323_certificate_expiring_soon::RULE,
            base.clone(),
            Some("tls-cert-file"),
            format!("the certificate expires on {}, in {days} days ({})", cert::date(leaf.not_after), cn(leaf)),
        ));
    }
    let weak = match leaf.key_type.as_str() {
        "RSA" | "DSA" => leaf.key_bits > 0 && leaf.key_bits < 2048,
        k if k.starts_with("EC") => leaf.key_bits > 0 && leaf.key_bits < 256,
        _ => false,
    };
    if weak {
        let want = if leaf.key_type.starts_with("EC") { 256 } else { 2048 };
        out.push(finding(
            t,
            &pc324_weak_certificate_key::RULE,
            base.clone(),
            Some("tls-cert-file"),
            format!("the certificate key is {} {} bits (at least {want} expected)", leaf.key_type, leaf.key_bits),
        ));
    }
    if !cert::names_host(&leaf.sans, &t.host) {
        let names = if leaf.sans.is_empty() { "no subjectAltName at all".to_string() } else { leaf.sans.join(", ") };
        out.push(finding(
            t,
            &pc325_certificate_not_naming_host::RULE,
            base,
            Some("tls-cert-file"),
            format!("the certificate names {names}, not {}", t.host),
        ));
    }
}

/// Every finding one observation supports, in no particular order (the
/// caller sorts).
pub fn findings(o: &Observation) -> Vec<Finding> {
    let t = &o.target;
    let mut out = Vec::new();
    match &o.reach {
        Reach::NotProbed(_) => return out,
        Reach::Open(_) => {}
        other => {
            let why = match other {
                Reach::Refused(_) => "refused".to_string(),
                Reach::TimedOut(_) => "timed out".to_string(),
                Reach::Failed(_, e) => e.clone(),
                _ => String::new(),
            };
            out.push(finding(
                t,
                &pc301_endpoint_unreachable::RULE,
                url("https", t, "/"),
                None,
                format!("{t} did not accept a TCP connection from here ({why}); nothing else was checked on it"),
            ));
        }
    }
    if matches!(o.reach, Reach::Open(_)) {
        out.push(finding(t, &pc300_endpoint_observed::RULE, url("https", t, "/"), None, summary(o)));
        let accepted: Vec<String> =
            o.legacy_tls.iter().filter(|(_, a)| a.accepted()).map(|(v, _)| v.name().to_string()).collect();
        let tls_ok = matches!(o.tls, Some(Ok(_)));
        if !accepted.is_empty() {
            let only = if tls_ok { "" } else { " only" };
            out.push(finding(
                t,
                &pc310_legacy_tls_accepted::RULE,
                url("https", t, "/"),
                Some("tls-min-version"),
                format!("the endpoint accepts{only} {} (RFC 8996 deprecates both)", join_and(&accepted)),
            ));
        }
        if let Some(Err(e)) = &o.tls {
            if accepted.is_empty() {
                let plain = o.plain_http.as_ref().map(Outcome::describe).unwrap_or_default();
                out.push(finding(
                    t,
                    &pc311_tls_not_served::RULE,
                    url("https", t, "/"),
                    Some("secure-port"),
                    format!("{t} accepts TCP but completes no TLS handshake ({}); plain HTTP: {plain}", e.message),
                ));
            }
        }
        if tls_ok {
            let mut odd = Vec::new();
            for (path, answer) in &o.paths {
                if path == HEALTH_PATH {
                    if answer.status() != Some(200) {
                        out.push(finding(
                            t,
                            &pc306_healthz_not_served::RULE,
                            url("https", t, path),
                            Some("authorization-always-allow-paths"),
                            format!("{path} answered {} without credentials (200 expected)", answer.describe()),
                        ));
                    }
                    continue;
                }
                match answer.status() {
                    Some(401 | 403) => {}
                    Some(200) => {
                        if let Some((rule, flag)) = anonymous_rule(path) {
                            let body = match answer {
                                Outcome::Answer(a) if !a.body_start.is_empty() => {
                                    format!(": {}", a.body_start.chars().take(60).collect::<String>())
                                }
                                _ => String::new(),
                            };
                            out.push(finding(
                                t,
                                rule,
                                url("https", t, path),
                                Some(flag),
                                format!("{path} answered 200 to a client without credentials{body}"),
                            ));
                        }
                    }
                    _ => odd.push(format!("{path} {}", answer.describe())),
                }
            }
            if !odd.is_empty() {
                out.push(finding(
                    t,
                    &pc305_anonymous_request_unexpected_answer::RULE,
                    url("https", t, "/"),
                    None,
                    format!("without credentials: {} (401 or 403 expected)", odd.join(", ")),
                ));
            }
        }
        if let Some(Outcome::Answer(a)) = &o.plain_http {
            if a.status != 400 {
                out.push(finding(
                    t,
                    &pc312_plain_http_served_on_tls_port::RULE,
                    url("http", t, HEALTH_PATH),
                    None,
                    format!(
                        "plain HTTP to the TLS port got {} (Go's TLS server answers 400)",
                        Outcome::Answer(a.clone()).describe()
                    ),
                ));
            }
        }
        certificate_findings(o, &mut out);
    }
    if let Some(l) = &o.legacy_port {
        let answered: Vec<String> = l
            .paths
            .iter()
            .filter(|(_, a)| matches!(a, Outcome::Answer(_)))
            .map(|(p, a)| format!("{p} {}", a.describe()))
            .collect();
        if !answered.is_empty() {
            let lt = t.with_port(l.port);
            out.push(finding(
                &lt,
                &pc307_legacy_insecure_port_answering::RULE,
                url("http", &lt, "/"),
                Some("port"),
                format!("the legacy insecure port answers plain HTTP without credentials: {}", answered.join(", ")),
            ));
        }
    }
    out
}
