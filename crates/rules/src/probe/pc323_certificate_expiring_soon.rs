//! PC323: certificate-expiring-soon.

use super::{common_name, finding, leaf, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::cert;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint whose leaf certificate expires within 30 days of the probe.
    ///
    /// ## Why is this bad?
    /// When it expires every verifying client fails (PC322). Thirty days leaves
    /// time to rotate without an outage.
    ///
    /// ## Example
    /// ```text
    /// low PC323 tcp/10257 10.0.0.5:10257
    ///   the certificate expires on 2026-12-10, in 13 days (CN=kube-controller-manager)
    /// ```
    ///
    /// ## Fix safety
    /// Issue a new certificate with the same names and restart the component.
    ///
    /// ## References
    /// - RFC 5280 §4.1.2.5 (validity): https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5
    /// - Kubernetes, certificate management with kubeadm: https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/
    pub static RULE = {
        code: "PC323",
        name: "certificate-expiring-soon",
        severity: Severity::Low,
        summary: "The endpoint's certificate expires within 30 days",
        family: Family::Probe { check },
    };
}

/// Certificates that expire sooner than this are flagged.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// A certificate already expired, or not yet valid, is PC322's.
fn check(o: &Observation, out: &mut Vec<Finding>) {
    let Some(leaf) = leaf(o).filter(|_| open(o)) else { return };
    if o.at > leaf.not_after || o.at < leaf.not_before || leaf.not_after - o.at >= EXPIRY_WARNING_DAYS * 86_400 {
        return;
    }
    let days = (leaf.not_after - o.at) / 86_400;
    out.push(finding(
        &o.target,
        &RULE,
        url("https", &o.target, "/"),
        Some("tls-cert-file"),
        format!("the certificate expires on {}, in {days} days ({})", cert::date(leaf.not_after), common_name(leaf)),
    ));
}
