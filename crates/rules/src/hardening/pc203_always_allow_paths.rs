//! PC203: controller-manager-anonymous-paths-widened.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, secure_port, value, Value};
use crate::registry::Family;
use portcullis_model::Estate;

/// kube-controller-manager's default `--authorization-always-allow-paths`.
const DEFAULT_PATHS: &[&str] = &["/healthz", "/readyz", "/livez"];

crate::rule! {
    /// ## What it does
    /// Flags `--authorization-always-allow-paths` holding anything beyond
    /// kube-controller-manager's default `/healthz,/readyz,/livez`: `/metrics`,
    /// `/configz`, `/debug/*`, `/*` or any other path. A path that lets
    /// everything through (`/*`, `/`) is critical; others are high.
    ///
    /// ## Why is this bad?
    /// Paths on this list skip authorization: anyone who reaches the port reads
    /// them, authenticated or not. `/configz` prints the whole configuration,
    /// `/metrics` the cluster's inner workings, `/debug/pprof` profiles the
    /// process (and can be made to burn CPU); `/*` opens everything.
    ///
    /// ## Example
    /// ```yaml
    /// kube-controller-manager-arg:
    ///   - authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics
    /// ```
    /// Use instead: the default list, and give the scraper a token with RBAC
    /// access to the `/metrics` non-resource URL.
    ///
    /// ## Fix safety
    /// `portcullis fix` removes the paths beyond `/healthz,/readyz,/livez`
    /// from the flag where it is written, or the whole flag when none of
    /// those stay (its default then applies). Unsafe (applied with
    /// `--unsafe-fixes` only):
    /// Scrapers that relied on anonymous access get 403 until they present a
    /// token.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--authorization-always-allow-paths`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark: no Controller Manager item; section 1.3 covers the component
    pub static RULE = {
        code: "PC203",
        name: "controller-manager-anonymous-paths-widened",
        severity: Severity::Critical,
        summary: "kube-controller-manager lets anonymous callers read paths beyond its health checks",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["authorization-always-allow-paths"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let Some(port) = secure_port(cm) else { continue };
        let Value::Set(f) = value(cm, "authorization-always-allow-paths") else { continue };
        let extra: Vec<&str> =
            f.value.split(',').map(str::trim).filter(|p| !p.is_empty() && !DEFAULT_PATHS.contains(p)).collect();
        if extra.is_empty() {
            continue;
        }
        let everything = extra.iter().any(|p| matches!(*p, "/*" | "/" | "*"));
        let sev = if everything { Severity::Critical } else { Severity::High };
        let what = if everything { "every path" } else { "these paths" };
        out.push(finding(
            &RULE,
            cm,
            "authorization-always-allow-paths",
            Some(port),
            sev,
            &[f],
            format!(
                "--authorization-always-allow-paths on {} lets anyone who reaches tcp/{port} read {what} without authorization: {}",
                cm.id,
                extra.join(", ")
            ),
        ));
    }
    out
}
