//! PC324: weak-certificate-key.

use crate::finding::Severity;

crate::probe_rule! {
    /// ## What it does
    /// Flags an endpoint whose leaf certificate's public key is RSA or DSA with
    /// fewer than 2048 bits, or elliptic-curve with fewer than 256 bits.
    ///
    /// ## Why is this bad?
    /// NIST SP 800-131A disallows RSA keys under 2048 bits since 2013: they give
    /// less than 112 bits of security, and 1024-bit keys are within reach of a
    /// well-funded attacker. Since Go 1.24, Go programs refuse RSA keys under
    /// 1024 bits outright.
    ///
    /// ## Example
    /// ```text
    /// high PC324 tcp/10257 10.0.0.5:10257
    ///   the certificate key is RSA 1024 bits (at least 2048 expected)
    /// ```
    /// Use instead: RSA 2048 or more, or ECDSA P-256.
    ///
    /// ## Fix safety
    /// Issue a new certificate with a new key and restart the component.
    ///
    /// ## References
    /// - NIST SP 800-131A Rev. 2: https://csrc.nist.gov/pubs/sp/800/131/a/r2/final
    /// - Go 1.24 release notes (crypto/rsa minimum key size): https://go.dev/doc/go1.24
    pub static RULE = {
        code: "PC324",
        name: "weak-certificate-key",
        severity: Severity::High,
        summary: "The endpoint's certificate key is too small (RSA or DSA under 2048 bits, EC under 256)",
    };
}
