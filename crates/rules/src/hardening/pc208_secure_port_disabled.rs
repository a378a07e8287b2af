//! PC208: controller-manager-secure-port-disabled.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, value, Value};
use crate::registry::Family;
use portcullis_model::Estate;

crate::rule! {
    /// ## What it does
    /// Flags `--secure-port=0`: the controller manager serves no HTTPS at all.
    ///
    /// ## Why is this bad?
    /// Since 1.22 the secure port is the only place kube-controller-manager
    /// answers: with it off there is no `/healthz` (kubeadm's liveness probe is
    /// HTTPS on 10257, so the pod restarts in a loop), no `/metrics`, and no
    /// way to tell from outside whether the controllers run. On releases before
    /// 1.22 it usually means the unauthenticated insecure port (PC201) is what
    /// monitoring uses instead.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   kube-controller:
    ///     extra_args:
    ///       secure-port: "0"
    /// ```
    /// Use instead: `secure-port: "10257"` with `bind-address: 127.0.0.1`.
    ///
    /// ## Fix safety
    /// `portcullis fix` does not change this setting yet: it lists this
    /// finding as not fixed, with that reason.
    /// Turning the port on exposes it as the bind address says: check PC200 and
    /// the firewall (PC100) at the same time.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--secure-port`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - Ports and protocols: https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - CIS Kubernetes Benchmark: no Controller Manager item; section 1.3 covers the component
    pub static RULE = {
        code: "PC208",
        name: "controller-manager-secure-port-disabled",
        severity: Severity::Medium,
        summary: "kube-controller-manager serves no HTTPS (--secure-port=0): no health checks or metrics",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["secure-port"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let Value::Set(f) = value(cm, "secure-port") else { continue };
        if f.value.trim() != "0" {
            continue;
        }
        out.push(finding(
            &RULE,
            cm,
            "secure-port",
            None,
            Severity::Medium,
            &[f],
            format!(
                "--secure-port=0 on {}: no HTTPS, so no /healthz for liveness probes, no /metrics, and no health check from outside",
                cm.id
            ),
        ));
    }
    out
}
