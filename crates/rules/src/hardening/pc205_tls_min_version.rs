//! PC205: controller-manager-old-tls-allowed.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, secure_port, value, Value};
use crate::registry::Family;
use portcullis_model::Estate;

crate::rule! {
    /// ## What it does
    /// Flags `--tls-min-version` set below `VersionTLS12` (`VersionTLS10`,
    /// `VersionTLS11`). An unset flag takes Go's server default, which is TLS
    /// 1.2 in current Go releases (Go 1.22 raised it from 1.0); builds of older
    /// releases are not judged on an unset flag.
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996): they rely on SHA-1 and
    /// CBC constructions with known attacks (BEAST, Lucky13) and let a
    /// downgrade expose the bearer tokens clients send.
    ///
    /// ## Example
    /// ```yaml
    /// args: [--tls-min-version=VersionTLS10]
    /// ```
    /// Use instead: `--tls-min-version=VersionTLS12` (or `VersionTLS13`).
    ///
    /// ## Fix safety
    /// `portcullis fix` sets `--tls-min-version=VersionTLS12` where the flag
    /// is written. Safe:
    /// Clients limited to TLS 1.0/1.1 can no longer connect; every supported
    /// Kubernetes client speaks TLS 1.2.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--tls-min-version`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - RFC 8996, Deprecating TLS 1.0 and TLS 1.1: https://www.rfc-editor.org/rfc/rfc8996
    /// - CIS Kubernetes Benchmark: no Controller Manager item (1.2.29 covers the API server's ciphers)
    pub static RULE = {
        code: "PC205",
        name: "controller-manager-old-tls-allowed",
        severity: Severity::High,
        summary: "kube-controller-manager accepts TLS 1.0 or 1.1",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["tls-min-version"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let Some(port) = secure_port(cm) else { continue };
        let Value::Set(f) = value(cm, "tls-min-version") else { continue };
        let v = f.value.trim();
        if !matches!(v, "VersionTLS10" | "VersionTLS11") {
            continue;
        }
        out.push(finding(
            &RULE,
            cm,
            "tls-min-version",
            Some(port),
            Severity::High,
            &[f],
            format!("--tls-min-version={v} on {}: tcp/{port} accepts deprecated TLS versions below 1.2", cm.id),
        ));
    }
    out
}
