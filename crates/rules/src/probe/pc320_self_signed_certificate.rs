//! PC320: self-signed-certificate.

use super::{finding, leaf, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint whose leaf certificate is self-issued: its subject and
    /// issuer are the same name, so no certificate authority vouches for it.
    ///
    /// ## Why is this bad?
    /// No client can verify a self-signed certificate except by pinning it, so
    /// clients of the endpoint (metrics scrapers, health checkers) end up with
    /// verification turned off (`insecure_skip_verify`, `curl -k`) and anyone on the
    /// path can impersonate the endpoint and read what they send, tokens included.
    ///
    /// ## Example
    /// ```text
    /// medium PC320 tcp/10257 10.0.0.5:10257
    ///   the certificate is self-signed (subject = issuer = CN=kcm)
    /// ```
    /// Use instead: a serving certificate issued by the cluster CA (kubeadm's
    /// `/etc/kubernetes/pki/ca.crt`) with `--tls-cert-file` and
    /// `--tls-private-key-file`, and clients that verify it.
    ///
    /// ## Fix safety
    /// Replacing the certificate restarts the component; clients that pinned the
    /// old one need the CA instead.
    ///
    /// ## References
    /// - RFC 5280 §3.2 and §6.1 (certification paths): https://www.rfc-editor.org/rfc/rfc5280
    /// - Kubernetes, PKI certificates and requirements: https://kubernetes.io/docs/setup/best-practices/certificates/
    pub static RULE = {
        code: "PC320",
        name: "self-signed-certificate",
        severity: Severity::Medium,
        summary: "The endpoint's certificate is self-signed",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    let Some(leaf) = leaf(o).filter(|_| open(o)) else { return };
    if leaf.self_issued {
        out.push(finding(
            &o.target,
            &RULE,
            url("https", &o.target, "/"),
            Some("tls-cert-file"),
            format!("the certificate is self-signed (subject = issuer = {}): no client can verify it", leaf.subject),
        ));
    }
}
