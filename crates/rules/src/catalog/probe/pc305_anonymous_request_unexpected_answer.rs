//! PC305: anonymous-request-unexpected-answer.

use crate::finding::Severity;

crate::probe_rule! {
    /// ## What it does
    /// Reports /metrics, /configz or /debug/pprof/ answering a request without
    /// credentials with something other than the expected 401 or 403 (and other than
    /// 200, which the critical rules report): 404, a redirect, a 5xx, a closed
    /// connection, or no HTTP at all.
    ///
    /// ## Why is this bad?
    /// The endpoint is not behaving like kube-controller-manager's secure port: a
    /// proxy or another server may sit on the port, a path may be disabled
    /// (`--profiling=false` turns /debug/pprof/ into 404, which is fine), or the
    /// component is failing. Each case deserves a look; none is proof of exposure.
    ///
    /// ## Example
    /// ```text
    /// low PC305 tcp/10257 10.0.0.5:10257
    ///   /debug/pprof/ answered 404 Not Found without credentials (401 or 403 expected)
    /// ```
    ///
    /// ## Fix safety
    /// Nothing to change when the answer is explained (404 on /debug/pprof/ with
    /// profiling off). Otherwise find what listens on the port.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - RFC 9110, status codes: https://www.rfc-editor.org/rfc/rfc9110#name-status-codes
    pub static RULE = {
        code: "PC305",
        name: "anonymous-request-unexpected-answer",
        severity: Severity::Low,
        summary: "A protected path answered an unauthenticated request with neither 401/403 nor 200",
    };
}
