//! PC303: configz-served-anonymously.

use super::served_anonymously;
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint that answers `GET /configz` with 200 to a client that sends no
    /// credentials at all: no client certificate, no bearer token.
    ///
    /// ## Why is this bad?
    /// /configz prints the component's effective configuration: cluster CIDRs,
    /// the service-account key and signing-certificate file paths, enabled
    /// controllers and feature gates. It tells an attacker what to aim for.
    /// kube-controller-manager answers anonymously only for the paths in
    /// `--authorization-always-allow-paths` (default `/healthz,/readyz,/livez`)
    /// or when its delegated authorization (the API server's RBAC) lets
    /// `system:anonymous` in; anything else must be 401 or 403.
    ///
    /// ## Example
    /// ```text
    /// $ curl -sk -o /dev/null -w '%{http_code}' https://10.0.0.5:10257/configz
    /// 200
    /// ```
    /// Use instead: keep `--authorization-always-allow-paths` to the health
    /// paths, set `--authentication-kubeconfig` and `--authorization-kubeconfig`,
    /// and grant the scraper's identity access through RBAC (`nonResourceURLs`).
    ///
    /// ## Fix safety
    /// portcullis changes nothing on the endpoint. Removing anonymous access
    /// breaks any scraper that relied on it: give it a ServiceAccount token and
    /// an RBAC rule for `/configz` first.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - Kubernetes, "Controlling access to the Kubernetes API" (anonymous requests): https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests
    /// - CIS Kubernetes Benchmark, section 1.3 (Controller Manager)
    pub static RULE = {
        code: "PC303",
        name: "configz-served-anonymously",
        severity: Severity::Critical,
        summary: "The endpoint serves /configz (its whole configuration) to clients without credentials",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    served_anonymously(o, "/configz", &RULE, "authorization-always-allow-paths", out);
}
