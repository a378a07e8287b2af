//! PC202: controller-manager-delegated-auth-missing.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, secure_port, value, Value};
use crate::registry::Family;
use portcullis_model::Estate;

crate::rule! {
    /// ## What it does
    /// Flags a kube-controller-manager without `--authentication-kubeconfig` or
    /// without `--authorization-kubeconfig` (unset or empty), one finding per
    /// flag. kubeadm and k3s set both unless told otherwise.
    ///
    /// ## Why is this bad?
    /// The secure port delegates who-are-you and may-you to the API server
    /// through these kubeconfigs. Without `--authentication-kubeconfig`, every
    /// bearer token is ignored and no client CA is looked up in the cluster:
    /// every caller is anonymous. Without `--authorization-kubeconfig`, every
    /// request outside `--authorization-always-allow-paths` is refused. The
    /// port then fails closed, but /metrics cannot be scraped and /healthz is
    /// the only answer — which is what pushes operators to widen the always-allow
    /// paths (PC203) or to re-enable the insecure port (PC201).
    ///
    /// ## Example
    /// ```yaml
    /// controllerManager:
    ///   extraArgs:
    ///     authorization-kubeconfig: ""
    /// ```
    /// Use instead: both flags pointing at the controller manager's kubeconfig
    /// (`/etc/kubernetes/controller-manager.conf` on kubeadm).
    ///
    /// ## Fix safety
    /// `portcullis fix` does not change this setting yet: it lists this
    /// finding as not fixed, with that reason.
    /// Safe: adding the kubeconfigs only lets authorized callers in; the
    /// controller manager needs RBAC to create TokenReviews and
    /// SubjectAccessReviews (the `system:kube-controller-manager` role has it).
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--authentication-kubeconfig`, `--authorization-kubeconfig`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark: no Controller Manager item; section 1.3 covers the component
    pub static RULE = {
        code: "PC202",
        name: "controller-manager-delegated-auth-missing",
        severity: Severity::Medium,
        summary: "kube-controller-manager does not delegate authentication or authorization to the API server",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["authentication-kubeconfig", "authorization-kubeconfig"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let Some(port) = secure_port(cm) else { continue };
        for (flag, meaning) in [
            (
                "authentication-kubeconfig",
                "every caller is anonymous: tokens are ignored and no client CA is looked up in the cluster",
            ),
            (
                "authorization-kubeconfig",
                "every request outside --authorization-always-allow-paths is refused, so /metrics cannot be scraped",
            ),
        ] {
            let (because, how) = match value(cm, flag) {
                Value::Set(f) if f.value.trim().is_empty() => (vec![f], "is empty"),
                Value::Set(_) | Value::Unknown(_) => continue,
                Value::Default => (Vec::new(), "is not set"),
            };
            out.push(finding(
                &RULE,
                cm,
                flag,
                Some(port),
                Severity::Medium,
                &because,
                format!("--{flag} {how} on {}: on tcp/{port} {meaning}", cm.id),
            ));
        }
    }
    out
}
