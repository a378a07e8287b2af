//! PC307: legacy-insecure-port-answering.

use super::{finding, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::http::Outcome;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// With `--legacy`, connects to the legacy insecure port (10252 unless
    /// `--legacy-port` says otherwise) on the same host and asks /healthz and
    /// /metrics over plain HTTP. Flags the endpoint when it answers HTTP there.
    ///
    /// ## Why is this bad?
    /// Before Kubernetes 1.24 (insecure serving was removed from
    /// kube-controller-manager), `--port` non-zero served health, metrics and
    /// profiling over plain HTTP with no authentication and no authorization.
    /// Anyone who connects reads it all, and nothing is encrypted.
    ///
    /// ## Example
    /// ```text
    /// critical PC307 tcp/10252 10.0.0.5:10252
    ///   the legacy insecure port answers plain HTTP without credentials: /metrics 200 OK
    /// ```
    /// Use instead: `--port=0` (or upgrade to 1.24 or later) and read metrics
    /// from the secure port with credentials.
    ///
    /// ## Fix safety
    /// Setting `--port=0` restarts the component; anything scraping 10252 stops
    /// working, so point it at 10257 with a token first.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    pub static RULE = {
        code: "PC307",
        name: "legacy-insecure-port-answering",
        severity: Severity::Critical,
        summary: "The legacy insecure port (10252) answers plain HTTP without authentication",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    let Some(l) = &o.legacy_port else { return };
    let answered: Vec<String> = l
        .paths
        .iter()
        .filter(|(_, a)| matches!(a, Outcome::Answer(_)))
        .map(|(p, a)| format!("{p} {}", a.describe()))
        .collect();
    if !answered.is_empty() {
        let legacy = o.target.with_port(l.port);
        out.push(finding(
            &legacy,
            &RULE,
            url("http", &legacy, "/"),
            Some("port"),
            format!("the legacy insecure port answers plain HTTP without credentials: {}", answered.join(", ")),
        ));
    }
}
