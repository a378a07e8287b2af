//! PC324: weak-certificate-key.

use super::{finding, leaf, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::Observation;

crate::rule! {
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
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    let Some(leaf) = leaf(o).filter(|_| open(o)) else { return };
    let weak = match leaf.key_type.as_str() {
        "RSA" | "DSA" => leaf.key_bits > 0 && leaf.key_bits < 2048,
        k if k.starts_with("EC") => leaf.key_bits > 0 && leaf.key_bits < 256,
        _ => false,
    };
    if weak {
        let want = if leaf.key_type.starts_with("EC") { 256 } else { 2048 };
        out.push(finding(
            &o.target,
            &RULE,
            url("https", &o.target, "/"),
            Some("tls-cert-file"),
            format!("the certificate key is {} {} bits (at least {want} expected)", leaf.key_type, leaf.key_bits),
        ));
    }
}
