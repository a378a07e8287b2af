//! PC300: endpoint-observed.

use super::{finding, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::cert::{self, CertInfo};
use portcullis_probe::observe::Reach;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Records, for every endpoint that accepted a TCP connection, what an
    /// unauthenticated client was shown: the negotiated TLS version and cipher
    /// suite, whether TLS 1.0 and 1.1 were accepted, the certificate (subject,
    /// issuer, key, validity, names), and the status of every path asked for.
    /// It is information, never a problem by itself: the other PC3xx rules judge.
    ///
    /// ## Why is this bad?
    /// It is not. It is the evidence behind the other findings, and the record a
    /// reviewer keeps to show the endpoint was checked and what it answered.
    ///
    /// ## Example
    /// ```text
    /// portcullis probe 10.0.0.5
    /// info PC300 tcp/10257 10.0.0.5:10257
    ///   TLS 1.3 TLS13_AES_128_GCM_SHA256; TLS 1.0 refused, TLS 1.1 refused; …
    /// ```
    ///
    /// ## Fix safety
    /// Nothing to fix. The probe only reads: one TCP connection per question, no
    /// credentials, GET requests only.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - RFC 8446 (TLS 1.3): https://www.rfc-editor.org/rfc/rfc8446
    pub static RULE = {
        code: "PC300",
        name: "endpoint-observed",
        severity: Severity::Info,
        summary: "What an unauthenticated client is shown by the endpoint (evidence for the other probe rules)",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    if open(o) {
        out.push(finding(&o.target, &RULE, url("https", &o.target, "/"), None, summary(o)));
    }
}

/// Everything seen, in one sentence a person reads.
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
        Some(Err(e)) => parts.push(e.to_string()),
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
            Reach::NotProbed(e) => e.clone(),
            Reach::Refused(_) => "refused".into(),
            Reach::TimedOut(_) => "timed out".into(),
            Reach::Failed(_, e) => format!("failed ({e})"),
        };
        parts.push(format!("legacy port {} {state}", l.port));
    }
    parts.join("; ")
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
