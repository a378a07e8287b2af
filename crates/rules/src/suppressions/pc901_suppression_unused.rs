//! PC901: suppression-matches-nothing.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags a suppression (an inline `portcullis:ignore[CODE] reason` comment or a
    /// `[[suppress]]` entry of `portcullis.toml`) that silenced no finding in this
    /// scan, naming the codes that matched nothing.
    ///
    /// ## Why is this bad?
    /// A suppression that matches nothing is either stale (the exposure was
    /// closed, so the comment can go) or misplaced (on the wrong line or with the
    /// wrong code, so it does not silence what its author meant and will silently
    /// start to apply if a later edit moves a rule under it).
    ///
    /// ## Example
    /// ```yaml
    /// # portcullis:ignore[PC100] lab account, reviewed by the platform team
    /// Ingress:
    ///   - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8}
    /// ```
    /// Use instead: delete the comment, or move it onto (or just above) the rule
    /// or resource whose finding it is meant to silence.
    ///
    /// ## Fix safety
    /// Deleting an unused suppression is safe: it silences nothing today.
    ///
    /// ## References
    /// - portcullis README.md, section "Suppressions" (syntax, covered lines, expiry).
    /// - SARIF 2.1.0, `suppressions` (how suppressed results are reported):
    ///   https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
    pub static RULE = {
        code: "PC901",
        name: "suppression-matches-nothing",
        severity: Severity::Low,
        summary: "a suppression silenced no finding: it is stale or on the wrong line or code",
        family: Family::Suppression,
    };
}
