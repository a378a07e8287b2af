//! PC312: plain-http-served-on-tls-port.

use super::{finding, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::http::Outcome;
use portcullis_probe::observe::HEALTH_PATH;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Sends `GET /healthz` as plain HTTP (no TLS) to the port and flags any HTTP
    /// answer other than 400. Go's TLS server, which kube-controller-manager uses,
    /// answers plain HTTP with `400 Bad Request` ("Client sent an HTTP request to
    /// an HTTPS server") and closes; other TLS servers close or send an alert.
    ///
    /// ## Why is this bad?
    /// A port that serves real answers over plain HTTP sends them unencrypted and
    /// unauthenticated on the wire, whatever it does over TLS: a multiplexing proxy
    /// or another server sits there.
    ///
    /// ## Example
    /// ```text
    /// medium PC312 tcp/10257 10.0.0.5:10257
    ///   plain HTTP to the TLS port got 200 OK (Go's TLS server answers 400)
    /// ```
    ///
    /// ## Fix safety
    /// Find what multiplexes the port; nothing on kube-controller-manager's side
    /// makes its secure port speak plain HTTP.
    ///
    /// ## References
    /// - Go, crypto/tls and net/http server behaviour on plain HTTP: https://pkg.go.dev/net/http#Server.ServeTLS
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    pub static RULE = {
        code: "PC312",
        name: "plain-http-served-on-tls-port",
        severity: Severity::Medium,
        summary: "The TLS port answers a plain-HTTP request with content instead of refusing it",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    let Some(Outcome::Answer(a)) = &o.plain_http else { return };
    if open(o) && a.status != 400 {
        out.push(finding(
            &o.target,
            &RULE,
            url("http", &o.target, HEALTH_PATH),
            None,
            format!(
                "plain HTTP to the TLS port got {} (Go's TLS server answers 400)",
                Outcome::Answer(a.clone()).describe()
            ),
        ));
    }
}
