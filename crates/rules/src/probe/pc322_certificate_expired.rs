//! PC322: certificate-expired.

use super::{common_name, finding, leaf, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::cert;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint whose leaf certificate's validity period does not include
    /// the time of the probe: expired, or not valid yet.
    ///
    /// ## Why is this bad?
    /// Every client that verifies refuses the endpoint, so the ones still talking
    /// to it have verification turned off. An expired serving certificate is also a
    /// sign that rotation is not set up.
    ///
    /// ## Example
    /// ```text
    /// high PC322 tcp/10257 10.0.0.5:10257
    ///   the certificate expired on 2025-01-31 (CN=kube-controller-manager)
    /// ```
    ///
    /// ## Fix safety
    /// Issue a new certificate with the same names and restart the component.
    ///
    /// ## References
    /// - RFC 5280 §4.1.2.5 (validity): https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5
    /// - Kubernetes, certificate management with kubeadm: https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/
    pub static RULE = {
        code: "PC322",
        name: "certificate-expired",
        severity: Severity::High,
        summary: "The endpoint's certificate has expired (or is not valid yet)",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    let Some(leaf) = leaf(o).filter(|_| open(o)) else { return };
    let message = if o.at > leaf.not_after {
        format!("the certificate expired on {} ({})", cert::date(leaf.not_after), common_name(leaf))
    } else if o.at < leaf.not_before {
        format!("the certificate is not valid before {} ({})", cert::date(leaf.not_before), common_name(leaf))
    } else {
        return;
    };
    out.push(finding(&o.target, &RULE, url("https", &o.target, "/"), Some("tls-cert-file"), message));
}
