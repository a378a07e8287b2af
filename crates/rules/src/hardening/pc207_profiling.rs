//! PC207: controller-manager-profiling-enabled.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, secure_port, value, Value, SECURE_PORT};
use crate::registry::Family;
use portcullis_model::Estate;

crate::rule! {
    /// ## What it does
    /// Flags a kube-controller-manager whose `--profiling` is not `false`: unset
    /// (its default is `true`), `true`, or anything else. k3s sets it to `false`
    /// itself; kubeadm does not.
    ///
    /// ## Why is this bad?
    /// Profiling serves `/debug/pprof/` on the component's port: heap and
    /// goroutine dumps that reveal the process' internals, and CPU profiles that
    /// any caller allowed on the path can use to make it spend its time
    /// profiling. Production clusters have no use for it.
    ///
    /// ## Example
    /// ```yaml
    /// controllerManager:
    ///   extraArgs:
    ///     - name: profiling
    ///       value: "true"
    /// ```
    /// Use instead: `profiling: "false"`.
    ///
    /// ## Fix safety
    /// `portcullis fix` sets `--profiling=false` where the flag is written,
    /// or adds it next to the last written flag when it is unset.
    /// Safe: only profiling stops.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--profiling`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark 1.3.2, "Ensure that the --profiling argument is set to false"
    pub static RULE = {
        code: "PC207",
        name: "controller-manager-profiling-enabled",
        severity: Severity::Medium,
        summary: "kube-controller-manager serves /debug/pprof profiling",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["profiling"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let port = secure_port(cm).unwrap_or(SECURE_PORT);
        let (because, msg) = match value(cm, "profiling") {
            Value::Unknown(_) => continue,
            Value::Set(f) if f.value.trim().eq_ignore_ascii_case("false") => continue,
            Value::Set(f) => (vec![f], format!("--profiling={} on {}: /debug/pprof/ is served", f.value, cm.id)),
            Value::Default => (
                Vec::new(),
                format!("--profiling is not set on {}: its default is true, so /debug/pprof/ is served", cm.id),
            ),
        };
        out.push(finding(&RULE, cm, "profiling", Some(port), Severity::Medium, &because, msg));
    }
    out
}
