//! PC323: certificate-expiring-soon.

use crate::finding::Severity;

crate::probe_rule! {
    /// ## What it does
    /// Flags an endpoint whose leaf certificate expires within 30 days of the probe.
    ///
    /// ## Why is this bad?
    /// When it expires every verifying client fails (PC322). Thirty days leaves
    /// time to rotate without an outage.
    ///
    /// ## Example
    /// ```text
    /// low PC323 tcp/10257 10.0.0.5:10257
    ///   the certificate expires on 2026-12-10, in 13 days (CN=kube-controller-manager)
    /// ```
    ///
    /// ## Fix safety
    /// Issue a new certificate with the same names and restart the component.
    ///
    /// ## References
    /// - RFC 5280 §4.1.2.5 (validity): https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5
    /// - Kubernetes, certificate management with kubeadm: https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/
    pub static RULE = {
        code: "PC323",
        name: "certificate-expiring-soon",
        severity: Severity::Low,
        summary: "The endpoint's certificate expires within 30 days",
    };
}
