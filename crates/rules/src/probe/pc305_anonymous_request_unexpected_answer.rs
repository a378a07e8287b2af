//! PC305: anonymous-request-unexpected-answer.

use super::{finding, protected_answers, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::Observation;

crate::rule! {
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
        family: Family::Probe { check },
    };
}

/// 401 and 403 are the expected refusals; a 200 is flagged by the path's
/// own rule (PC302-PC304) when it has one.
fn check(o: &Observation, out: &mut Vec<Finding>) {
    let odd: Vec<String> = protected_answers(o)
        .filter(|(_, answer)| !matches!(answer.status(), Some(200 | 401 | 403)))
        .map(|(path, answer)| format!("{path} {}", answer.describe()))
        .collect();
    if !odd.is_empty() {
        out.push(finding(
            &o.target,
            &RULE,
            url("https", &o.target, "/"),
            None,
            format!("without credentials: {} (401 or 403 expected)", odd.join(", ")),
        ));
    }
}
