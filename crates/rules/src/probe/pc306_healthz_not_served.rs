//! PC306: healthz-not-served.

use super::{finding, open, tls_ok, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::observe::HEALTH_PATH;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Reports an endpoint whose `GET /healthz` without credentials did not answer
    /// 200. kube-controller-manager serves /healthz anonymously by default
    /// (`--authorization-always-allow-paths=/healthz,/readyz,/livez`).
    ///
    /// ## Why is this bad?
    /// A 401 or 403 means the always-allowed paths were narrowed, which breaks
    /// kubelet liveness probes and load-balancer health checks that carry no
    /// credentials. A 500 means a controller is unhealthy. Anything else means the
    /// port is not the component it should be.
    ///
    /// ## Example
    /// ```text
    /// low PC306 tcp/10257 10.0.0.5:10257
    ///   /healthz answered 403 Forbidden without credentials (200 expected)
    /// ```
    ///
    /// ## Fix safety
    /// Check the liveness probe of the static pod before changing anything: it
    /// calls /healthz without credentials.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - Kubernetes, health endpoints: https://kubernetes.io/docs/reference/using-api/health-checks/
    pub static RULE = {
        code: "PC306",
        name: "healthz-not-served",
        severity: Severity::Low,
        summary: "/healthz did not answer 200 to an unauthenticated request",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    if !(open(o) && tls_ok(o)) {
        return;
    }
    for (path, answer) in o.paths.iter().filter(|(p, _)| p == HEALTH_PATH) {
        if answer.status() != Some(200) {
            out.push(finding(
                &o.target,
                &RULE,
                url("https", &o.target, path),
                Some("authorization-always-allow-paths"),
                format!("{path} answered {} without credentials (200 expected)", answer.describe()),
            ));
        }
    }
}
