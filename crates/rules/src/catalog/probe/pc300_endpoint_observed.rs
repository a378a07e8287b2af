//! PC300: endpoint-observed.

use crate::finding::Severity;

crate::probe_rule! {
    /// ## What it does
    /// Records, for every endpoint that accepted a TCP connection, what an
    /// unauthenticated client was shown: the negotiated TLS version and cipher
    /// suite, whether TLS 1.0 and 1.1 were accepted, the certificate (subject,
    /// issuer, key, validity, names), and the status of every path asked for.
    /// It is information, never a problem by itself: the other PC3xx rules judge.
    ///
    /// ## Why is this bad?
    /// It is not. It is the evidence behind the other findings, and the record a
    /// reviewer keeps to show the endpoint was checked and what it answered.
    ///
    /// ## Example
    /// ```text
    /// portcullis probe 10.0.0.5
    /// info PC300 tcp/10257 10.0.0.5:10257
    ///   TLS 1.3 TLS13_AES_128_GCM_SHA256; TLS 1.0 refused, TLS 1.1 refused; …
    /// ```
    ///
    /// ## Fix safety
    /// Nothing to fix. The probe only reads: one TCP connection per question, no
    /// credentials, GET requests only.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - RFC 8446 (TLS 1.3): https://www.rfc-editor.org/rfc/rfc8446
    pub static RULE = {
        code: "PC300",
        name: "endpoint-observed",
        severity: Severity::Info,
        summary: "What an unauthenticated client is shown by the endpoint (evidence for the other probe rules)",
    };
}
