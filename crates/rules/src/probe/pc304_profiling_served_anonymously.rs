//! PC304: profiling-served-anonymously.

use super::served_anonymously;
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint that answers `GET /debug/pprof/` with 200 to a client that sends no
    /// credentials at all: no client certificate, no bearer token.
    ///
    /// ## Why is this bad?
    /// /debug/pprof/ exposes every goroutine's stack, heap profiles and CPU
    /// profiles that load the process for as long as the caller asks
    /// (`?seconds=`): a leak of internals and a lever for denial of service.
    /// CIS 1.3.2 asks for `--profiling=false`.
    /// kube-controller-manager answers anonymously only for the paths in
    /// `--authorization-always-allow-paths` (default `/healthz,/readyz,/livez`)
    /// or when its delegated authorization (the API server's RBAC) lets
    /// `system:anonymous` in; anything else must be 401 or 403.
    ///
    /// ## Example
    /// ```text
    /// $ curl -sk -o /dev/null -w '%{http_code}' https://10.0.0.5:10257/debug/pprof/
    /// 200
    /// ```
    /// Use instead: keep `--authorization-always-allow-paths` to the health
    /// paths, set `--authentication-kubeconfig` and `--authorization-kubeconfig`,
    /// and grant the scraper's identity access through RBAC (`nonResourceURLs`);
    /// better still, `--profiling=false` (CIS 1.3.2).
    ///
    /// ## Fix safety
    /// portcullis changes nothing on the endpoint. Removing anonymous access
    /// breaks any scraper that relied on it: give it a ServiceAccount token and
    /// an RBAC rule for `/debug/pprof/` first.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - Kubernetes, "Controlling access to the Kubernetes API" (anonymous requests): https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests
    /// - CIS Kubernetes Benchmark, section 1.3 (Controller Manager)
    pub static RULE = {
        code: "PC304",
        name: "profiling-served-anonymously",
        severity: Severity::Critical,
        summary: "The endpoint serves Go profiling (/debug/pprof/) to clients without credentials",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    served_anonymously(o, "/debug/pprof/", &RULE, "profiling", out);
}
