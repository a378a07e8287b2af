//! PC325: certificate-not-naming-host.

use super::{finding, leaf, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::cert;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint whose leaf certificate's subjectAltName has neither the IP
    /// address nor the DNS name the probe was given (wildcards count for one
    /// label, as RFC 6125 allows).
    ///
    /// ## Why is this bad?
    /// A client that verifies names refuses the endpoint at that address, so the
    /// clients that do reach it have verification turned off. The generated
    /// certificate (PC321) names only `localhost` and `127.0.0.1`, so it fails this
    /// for every remote address.
    ///
    /// ## Example
    /// ```text
    /// low PC325 tcp/10257 10.0.0.5:10257
    ///   the certificate names DNS:localhost, IP:127.0.0.1, not 10.0.0.5
    /// ```
    /// Use instead: a certificate whose SANs include every name and address
    /// clients use (kubeadm: `controllerManager.extraArgs` with your own cert).
    ///
    /// ## Fix safety
    /// Issue a new certificate with the right names and restart the component.
    ///
    /// ## References
    /// - RFC 6125 §6 (verifying service identity): https://www.rfc-editor.org/rfc/rfc6125#section-6
    /// - RFC 5280 §4.2.1.6 (subjectAltName): https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6
    pub static RULE = {
        code: "PC325",
        name: "certificate-not-naming-host",
        severity: Severity::Low,
        summary: "The endpoint's certificate does not name the host it was reached by",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    let Some(leaf) = leaf(o).filter(|_| open(o)) else { return };
    let t = &o.target;
    if !cert::names_host(&leaf.sans, &t.host) {
        let names = if leaf.sans.is_empty() { "no subjectAltName at all".to_string() } else { leaf.sans.join(", ") };
        out.push(finding(
            t,
            &RULE,
            url("https", t, "/"),
            Some("tls-cert-file"),
            format!("the certificate names {names}, not {}", t.host),
        ));
    }
}
