//! PC321: generated-serving-certificate.

use super::{finding, leaf, open, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::cert;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Flags an endpoint whose certificate was issued by a CA named
    /// `<host>-ca@<unix seconds>` (`localhost-ca@1732694400`): the pair that
    /// k8s.io/apiserver's secure serving generates in memory at startup (client-go
    /// `cert.GenerateSelfSignedCertKey`) when `--tls-cert-file` and
    /// `--tls-private-key-file` are not given. The seconds are when the process
    /// started, and the message says so.
    ///
    /// ## Why is this bad?
    /// That CA exists only inside the process and changes at every restart, so no
    /// client can verify the endpoint: scrapers and health checks must skip
    /// verification, and anyone on the path can impersonate it. It also shows the
    /// component runs with default, unreviewed serving settings.
    ///
    /// ## Example
    /// ```text
    /// medium PC321 tcp/10257 10.0.0.5:10257
    ///   the certificate was generated in memory at startup (issuer CN=localhost-ca@1732694400, 2024-11-27)
    /// ```
    /// Use instead: `--tls-cert-file` and `--tls-private-key-file` with a
    /// certificate from the cluster CA whose names include the address clients use.
    ///
    /// ## Fix safety
    /// Changing the flags restarts the component. Give scrapers the CA bundle at
    /// the same time so they can turn verification on.
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--tls-cert-file`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark, section 1.3 (Controller Manager)
    pub static RULE = {
        code: "PC321",
        name: "generated-serving-certificate",
        severity: Severity::Medium,
        summary: "The endpoint serves the certificate kube-controller-manager generates when --tls-cert-file is not set",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    if !open(o) || leaf(o).is_none() {
        return;
    }
    // The generated CA signs the leaf and is served after it; a leaf that
    // is itself named `…-ca@…` counts too.
    let generated = o
        .chain
        .iter()
        .flatten()
        .flat_map(|c| [c.issuer_cn.as_deref(), c.subject_cn.as_deref()])
        .flatten()
        .find_map(|n| cert::generated_ca_time(n).map(|secs| (n.to_string(), secs)));
    if let Some((name, secs)) = generated {
        out.push(finding(
            &o.target,
            &RULE,
            url("https", &o.target, "/"),
            Some("tls-cert-file"),
            format!(
                "the certificate was generated in memory at startup because --tls-cert-file is not set (CA CN={name}, made {}): no client can verify it",
                cert::date(secs)
            ),
        ));
    }
}
