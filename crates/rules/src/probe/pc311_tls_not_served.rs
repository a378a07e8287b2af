//! PC311: tls-not-served.

use super::{finding, legacy_tls_accepted, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::http::Outcome;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint that accepted a TCP connection but completed no TLS 1.2 or
    /// 1.3 handshake (and, when TLS 1.0/1.1 were not accepted either, no TLS at
    /// all). The message says how the handshake ended and what plain HTTP got.
    ///
    /// ## Why is this bad?
    /// kube-controller-manager's secure port always speaks TLS. A port that does
    /// not is something else: a plain HTTP server (everything it serves is
    /// readable and forgeable on the wire), a proxy in front of the component, or a
    /// process that took the port. `--secure-port=0` turns the secure port off
    /// altogether, which breaks health checks that expect it.
    ///
    /// ## Example
    /// ```text
    /// high PC311 tcp/10257 10.0.0.5:10257
    ///   10.0.0.5:10257 accepts TCP but completes no TLS handshake (the server's answer is not TLS); plain HTTP: 200 OK
    /// ```
    ///
    /// ## Fix safety
    /// Find what listens on the port (`ss -ltnp 'sport = :10257'` on the host)
    /// before changing anything.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--secure-port`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - RFC 8446 (TLS 1.3): https://www.rfc-editor.org/rfc/rfc8446
    pub static RULE = {
        code: "PC311",
        name: "tls-not-served",
        severity: Severity::High,
        summary: "The port accepts TCP connections but completes no TLS 1.2/1.3 handshake",
        family: Family::Probe { check },
    };
}

/// An endpoint that completes only a legacy handshake is PC310's.
fn check(o: &Observation, out: &mut Vec<Finding>) {
    let t = &o.target;
    let Some(Err(e)) = &o.tls else { return };
    if !open(o) || !legacy_tls_accepted(o).is_empty() {
        return;
    }
    let plain = o.plain_http.as_ref().map(Outcome::describe).unwrap_or_default();
    out.push(finding(
        t,
        &RULE,
        url("https", t, "/"),
        Some("secure-port"),
        format!("{t} accepts TCP but completes no TLS handshake ({}); plain HTTP: {plain}", e.message),
    ));
}
