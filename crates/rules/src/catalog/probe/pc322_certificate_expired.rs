//! PC322: certificate-expired.

use crate::finding::Severity;

crate::probe_rule! {
    /// ## What it does
    /// Flags an endpoint whose leaf certificate's validity period does not include
    /// the time of the probe: expired, or not valid yet.
    ///
    /// ## Why is this bad?
    /// Every client that verifies refuses the endpoint, so the ones still talking
    /// to it have verification turned off. An expired serving certificate is also a
    /// sign that rotation is not set up.
    ///
    /// ## Example
    /// ```text
    /// high PC322 tcp/10257 10.0.0.5:10257
    ///   the certificate expired on 2025-01-31 (CN=kube-controller-manager)
    /// ```
    ///
    /// ## Fix safety
    /// Issue a new certificate with the same names and restart the component.
    ///
    /// ## References
    /// - RFC 5280 §4.1.2.5 (validity): https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5
    /// - Kubernetes, certificate management with kubeadm: https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/
    pub static RULE = {
        code: "PC322",
        name: "certificate-expired",
        severity: Severity::High,
        summary: "The endpoint's certificate has expired (or is not valid yet)",
    };
}
