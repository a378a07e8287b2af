//! PC204: controller-manager-self-signed-certificate.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, secure_port, value, Value};
use crate::registry::Family;
use portcullis_model::Estate;

crate::rule! {
    /// ## What it does
    /// Flags a kube-controller-manager that serves HTTPS without
    /// `--tls-cert-file` and `--tls-private-key-file` (either missing). kubeadm
    /// sets neither. Where a tool may add them (recent k3s releases do) an unset
    /// pair is not judged.
    ///
    /// ## Why is this bad?
    /// Without a certificate, the component makes a self-signed one at startup
    /// (in memory unless `--cert-dir` names a directory), issued by a throwaway
    /// `localhost-ca@<timestamp>` CA. No client can verify it, so every scraper
    /// and health checker is configured to skip verification, and a
    /// man-in-the-middle on the path to 10257 goes unnoticed (and collects the
    /// bearer tokens those clients send).
    ///
    /// ## Example
    /// ```yaml
    /// command: [kube-controller-manager, --secure-port=10257]
    /// ```
    /// Use instead: `--tls-cert-file` and `--tls-private-key-file` with a
    /// certificate from the cluster CA whose SANs name the node.
    ///
    /// ## Fix safety
    /// `portcullis fix` does not change this setting yet: it lists this
    /// finding as not fixed, with that reason.
    /// Safe for clients; plan the certificate's rotation.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--tls-cert-file`, `--cert-dir`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark: no Controller Manager item (compare 1.2.x for the API server's certificate)
    pub static RULE = {
        code: "PC204",
        name: "controller-manager-self-signed-certificate",
        severity: Severity::Medium,
        summary: "kube-controller-manager serves HTTPS with a self-signed certificate it makes at startup",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["tls-cert-file", "tls-private-key-file"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let Some(port) = secure_port(cm) else { continue };
        let cert = value(cm, "tls-cert-file");
        let key = value(cm, "tls-private-key-file");
        let set = |v: &Value| matches!(v, Value::Set(f) if !f.value.trim().is_empty());
        let unknown = |v: &Value| matches!(v, Value::Unknown(_));
        if (set(&cert) && set(&key)) || unknown(&cert) || unknown(&key) {
            continue;
        }
        let (flag, because, msg) = match (&cert, &key) {
            (Value::Set(f), _) if set(&cert) => (
                "tls-private-key-file",
                vec![*f],
                format!("--tls-cert-file is set on {} but --tls-private-key-file is not: the pair is needed", cm.id),
            ),
            (_, Value::Set(f)) if set(&key) => (
                "tls-cert-file",
                vec![*f],
                format!("--tls-private-key-file is set on {} but --tls-cert-file is not: the pair is needed", cm.id),
            ),
            _ => (
                "tls-cert-file",
                Vec::new(),
                format!(
                    "no --tls-cert-file/--tls-private-key-file on {}: tcp/{port} serves a self-signed certificate made at startup, which no client can verify",
                    cm.id
                ),
            ),
        };
        out.push(finding(&RULE, cm, flag, Some(port), Severity::Medium, &because, msg));
    }
    out
}
