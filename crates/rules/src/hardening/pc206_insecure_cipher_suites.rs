//! PC206: controller-manager-insecure-cipher-suites.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, secure_port, value, Value};
use crate::registry::Family;
use portcullis_model::Estate;

/// Go's `crypto/tls.InsecureCipherSuites()` as of the current Go release
/// (`src/crypto/tls/cipher_suites.go`): RC4, 3DES, CBC-SHA256 and the
/// RSA-key-exchange suites (no forward secrecy).
pub const GO_INSECURE_CIPHER_SUITES: &[&str] = &[
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
];

crate::rule! {
    /// ## What it does
    /// Flags `--tls-cipher-suites` naming a suite on Go's insecure list
    /// (`crypto/tls.InsecureCipherSuites()`): the RC4 and 3DES suites, the
    /// CBC-SHA256 suites, and the suites with RSA key exchange. The finding
    /// lists which.
    ///
    /// ## Why is this bad?
    /// RC4 is broken, 3DES falls to birthday attacks (Sweet32), Go's CBC-SHA256
    /// suites have no Lucky13 countermeasures, and RSA key exchange has no
    /// forward secrecy: a recorded session decrypts once the key leaks. Go only
    /// negotiates these when the configuration names them, as this one does.
    ///
    /// ## Example
    /// ```yaml
    /// - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_3DES_EDE_CBC_SHA
    /// ```
    /// Use instead: only ECDHE suites with AES-GCM or ChaCha20-Poly1305, or leave
    /// the flag unset (Go's defaults).
    ///
    /// ## Fix safety
    /// `portcullis fix` removes the suites Go lists as insecure from the flag
    /// where it is written, or the whole flag when none stays (Go's default
    /// list then applies). Safe:
    /// Clients that can only use a removed suite can no longer connect.
    ///
    /// ## References
    /// - Go, crypto/tls InsecureCipherSuites: https://pkg.go.dev/crypto/tls#InsecureCipherSuites
    /// - Kubernetes, kube-controller-manager flags (`--tls-cipher-suites`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark: no Controller Manager item (1.2.29 covers the API server's ciphers)
    pub static RULE = {
        code: "PC206",
        name: "controller-manager-insecure-cipher-suites",
        severity: Severity::High,
        summary: "kube-controller-manager allows cipher suites Go lists as insecure",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["tls-cipher-suites"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let Some(port) = secure_port(cm) else { continue };
        let Value::Set(f) = value(cm, "tls-cipher-suites") else { continue };
        let bad: Vec<&str> =
            f.value.split(',').map(str::trim).filter(|s| GO_INSECURE_CIPHER_SUITES.contains(s)).collect();
        if bad.is_empty() {
            continue;
        }
        out.push(finding(
            &RULE,
            cm,
            "tls-cipher-suites",
            Some(port),
            Severity::High,
            &[f],
            format!("--tls-cipher-suites on {} allows suites Go lists as insecure: {}", cm.id, bad.join(", ")),
        ));
    }
    out
}
