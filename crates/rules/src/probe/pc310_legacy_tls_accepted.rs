//! PC310: legacy-tls-accepted.

use super::{finding, legacy_tls_accepted, open, tls_ok, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Sends a ClientHello offering only TLS 1.0, then one offering only TLS 1.1,
    /// and flags the endpoint when its ServerHello chooses that version.
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on SHA-1 and MD5 in the
    /// handshake, offer only CBC suites with known padding-oracle history, and are
    /// the versions downgrade attacks aim for. kube-controller-manager accepts them
    /// only when `--tls-min-version` is set to VersionTLS10 or VersionTLS11, or
    /// when built with a Go older than 1.22 (whose servers defaulted to TLS 1.0);
    /// something else on the port may too.
    ///
    /// ## Example
    /// ```text
    /// high PC310 tcp/10257 10.0.0.5:10257
    ///   the endpoint accepts TLS 1.0 and TLS 1.1 (RFC 8996 deprecates both)
    /// ```
    /// Use instead: `--tls-min-version=VersionTLS12` (or VersionTLS13).
    ///
    /// ## Fix safety
    /// Clients older than TLS 1.2 support stop connecting; every client shipped in
    /// the last decade speaks TLS 1.2.
    ///
    /// ## References
    /// - RFC 8996, Deprecating TLS 1.0 and TLS 1.1: https://www.rfc-editor.org/rfc/rfc8996
    /// - Kubernetes, kube-controller-manager flags (`--tls-min-version`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark, sections 1.2 and 1.3 (strong TLS settings)
    pub static RULE = {
        code: "PC310",
        name: "legacy-tls-accepted",
        severity: Severity::High,
        summary: "The endpoint accepts TLS 1.0 or TLS 1.1",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    if !open(o) {
        return;
    }
    let accepted = legacy_tls_accepted(o);
    if !accepted.is_empty() {
        let only = if tls_ok(o) { "" } else { " only" };
        out.push(finding(
            &o.target,
            &RULE,
            url("https", &o.target, "/"),
            Some("tls-min-version"),
            format!("the endpoint accepts{only} {} (RFC 8996 deprecates both)", join_and(&accepted)),
        ));
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
