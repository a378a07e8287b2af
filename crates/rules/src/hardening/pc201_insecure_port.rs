//! PC201: controller-manager-insecure-port-served.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, value, Value, INSECURE_PORT};
use crate::registry::Family;
use portcullis_model::Estate;

crate::rule! {
    /// ## What it does
    /// Flags a kube-controller-manager that serves the legacy insecure port:
    /// plain HTTP, no authentication, no authorization (`--port`, default 10252,
    /// on `--address`, default `0.0.0.0`). Insecure serving was removed in
    /// Kubernetes 1.22 (kubernetes/kubernetes#96216): from then on `--port` and
    /// `--address` do nothing, and later releases reject them. So:
    /// - version older than 1.22 (from the image tag or the version field):
    ///   `--port` unset (10252 is served) or non-zero → finding; `--port=0` → none;
    /// - version unknown: an explicit non-zero `--port` → finding; `--address`
    ///   without `--port=0` → finding one step less severe (it only matters on an
    ///   old release);
    /// - version 1.22 or later → none.
    ///
    /// kubeadm 1.19–1.21 wrote `--port=0` itself (kubernetes/kubeadm#2207).
    ///
    /// ## Why is this bad?
    /// Anyone who reaches the port reads /metrics, /configz (the whole component
    /// configuration) and, with profiling on, /debug/pprof, without credentials.
    ///
    /// ## Example
    /// ```yaml
    /// image: registry.k8s.io/kube-controller-manager:v1.20.15
    /// command: [kube-controller-manager, --port=10252, --address=0.0.0.0]
    /// ```
    /// Use instead: `--port=0` (or upgrade: 1.22 and later never serve it), and
    /// use the secure port 10257.
    ///
    /// ## Fix safety
    /// `portcullis fix` does not change this setting yet: it lists this
    /// finding as not fixed, with that reason.
    /// Scrapers and health checks that use http://…:10252 stop working; move them
    /// to https://…:10257 with a token first.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - Removal of insecure serving in 1.22: https://github.com/kubernetes/kubernetes/pull/96216
    /// - Ports and protocols: https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - CIS Kubernetes Benchmark: no item in recent versions (the port no longer exists)
    pub static RULE = {
        code: "PC201",
        name: "controller-manager-insecure-port-served",
        severity: Severity::Critical,
        summary: "kube-controller-manager serves the unauthenticated HTTP port 10252 (releases before 1.22)",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["port", "address"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let old = match &cm.version {
            Some(v) if !v.before(1, 22) => continue,
            Some(_) => true,
            None => false,
        };
        let shown_version = cm.version.as_ref().map(|v| format!(" (Kubernetes {})", v.text)).unwrap_or_default();
        let caveat = if old { "" } else { " — if this cluster runs 1.22 or later the flag is ignored or rejected" };
        let port = value(cm, "port");
        let port_num = match &port {
            Value::Set(f) => match f.value.trim().parse::<u16>() {
                Ok(p) => Some(p),
                Err(_) => Some(INSECURE_PORT),
            },
            Value::Default if old => Some(INSECURE_PORT),
            _ => None,
        };
        match (&port, port_num) {
            (_, Some(0)) => continue,
            (Value::Set(f), Some(p)) => out.push(finding(
                &RULE,
                cm,
                "port",
                Some(p),
                Severity::Critical,
                &[f],
                format!("--port={} on {}{shown_version}: unauthenticated HTTP on tcp/{p}{caveat}", f.value, cm.id),
            )),
            (Value::Default, Some(p)) => {
                let addr = match value(cm, "address") {
                    Value::Set(a) => vec![a],
                    _ => Vec::new(),
                };
                out.push(finding(
                    &RULE,
                    cm,
                    "port",
                    Some(p),
                    Severity::Critical,
                    &addr,
                    format!(
                        "--port is not set on {}{shown_version}: releases before 1.22 serve unauthenticated HTTP on tcp/{p} by default; set --port=0",
                        cm.id
                    ),
                ));
            }
            _ => {
                if let Value::Set(a) = value(cm, "address") {
                    out.push(finding(
                        &RULE,
                        cm,
                        "address",
                        Some(INSECURE_PORT),
                        Severity::High,
                        &[a],
                        format!(
                            "--address={} on {} without --port=0: releases before 1.22 serve unauthenticated HTTP on tcp/{INSECURE_PORT} there{caveat}",
                            a.value, cm.id
                        ),
                    ));
                }
            }
        }
    }
    out
}
