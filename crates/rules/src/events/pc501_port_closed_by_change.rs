//! PC501: control-plane-port-closed-by-change (`portcullis events`).

use super::{finding, message};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_events::{Change, Verdict};

crate::rule! {
    /// ## What it does
    /// Reports every change event that *closed* a watched port to
    /// unauthorized sources, or *narrowed* what it admitted: a permission
    /// revoked, a NACL entry replaced or a deny entry added, an NSG rule
    /// deleted or restricted, a firewall rule patched or deleted. It names
    /// the sources no longer admitted, who made the call and when.
    ///
    /// ## Why is this bad?
    /// It is not: it is the other half of the timeline. With PC500 it says
    /// how long an opening lasted (from the event that opened the port to
    /// the one that closed it), which is the window to search the flow logs
    /// for. Findings are `info` and never fail a run on their own.
    ///
    /// ## Example
    /// ```json
    /// {"eventName": "RevokeSecurityGroupIngress",
    ///  "requestParameters": {"groupId": "sg-0c0ffee0000000001",
    ///    "securityGroupRuleIds": {"items": [{"securityGroupRuleId": "sgr-0aaa0000000000003"}]}}}
    /// ```
    /// Nothing to change; search the flow logs between the opening and this
    /// event: `portcullis flows LOGS --since OPENED --until CLOSED`.
    ///
    /// ## Fix safety
    /// Nothing to fix.
    ///
    /// ## References
    /// - AWS, RevokeSecurityGroupIngress: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html
    /// - AWS, DeleteNetworkAclEntry: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNetworkAclEntry.html
    /// - Azure, security rules (REST): https://learn.microsoft.com/rest/api/virtualnetwork/security-rules
    /// - Google Cloud, firewall rules (REST): https://cloud.google.com/compute/docs/reference/rest/v1/firewalls
    pub static RULE = {
        code: "PC501",
        name: "control-plane-port-closed-by-change",
        severity: Severity::Info,
        summary: "A change event closed or narrowed a control-plane port to unauthorized sources",
        family: Family::Event { check },
    };
}

fn check(changes: &[Change], out: &mut Vec<Finding>) {
    for c in changes.iter().filter(|c| matches!(c.verdict, Verdict::Closed | Verdict::Narrowed)) {
        out.push(finding(&RULE, c, RULE.severity, c.removed.clone(), message(c, &c.removed)));
    }
}
