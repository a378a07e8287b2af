//! PC900: suppression-expired.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags a suppression (`portcullis:ignore[CODE] reason exp:YYYY-MM-DD` in a
    /// comment, or a `[[suppress]]` entry of `portcullis.toml`) whose expiry date
    /// has passed. An expired suppression no longer suppresses: the findings it
    /// covered are reported again, and this finding says why they came back.
    ///
    /// ## Why is this bad?
    /// An expiry date is a promise to look again ("until the VPN is up"). Once it
    /// has passed, the exposure is either still needed (renew it, with a new
    /// reason) or no longer needed (close it and delete the suppression).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_security_group" "cp" {
    ///   # portcullis:ignore[PC100] vendor scrapes metrics exp:2025-01-31
    ///   ingress { from_port = 10257  to_port = 10257  protocol = "tcp"  cidr_blocks = ["0.0.0.0/0"] }
    /// }
    /// ```
    /// Use instead: close the port, or renew the suppression with a new date and
    /// the reason it is still needed.
    ///
    /// ## Fix safety
    /// There is nothing to rewrite automatically: either the rule or the comment
    /// changes, and only a person knows which.
    ///
    /// ## References
    /// - portcullis README.md, section "Suppressions" (syntax, covered lines, expiry).
    /// - SARIF 2.1.0, `suppressions` (how suppressed results are reported):
    ///   https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
    pub static RULE = {
        code: "PC900",
        name: "suppression-expired",
        severity: Severity::Low,
        summary: "a suppression's expiry date has passed; the findings it covered are reported again",
        family: Family::Suppression,
    };
}
