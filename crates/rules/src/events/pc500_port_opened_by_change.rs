//! PC500: control-plane-port-opened-by-change (`portcullis events`).

use super::{finding, message};
use crate::finding::{ExposureClass, Finding, Severity};
use crate::registry::Family;
use portcullis_events::{Change, Verdict};

crate::rule! {
    /// ## What it does
    /// Flags every change event (AWS CloudTrail, Azure Activity Log, GCP
    /// Cloud Audit Logs) that *opened* a watched port (tcp/10257 and the
    /// `--port`s) to sources outside the authorized list, or *widened* a
    /// rule that already let some in: a security-group permission
    /// authorized or modified, a network ACL entry created or replaced, an
    /// NSG rule written, a VPC firewall rule inserted, patched or updated.
    /// The finding names who made the call (principal, source address, user
    /// agent), when, the rule as the call wrote it, the sources it added
    /// (exact CIDR blocks, authorized ones taken out), the event's file and
    /// line, and with `--state` whether the opening is still in effect.
    ///
    /// ## Why is this bad?
    /// A scan says the port is open now; the event says who opened it and
    /// when, which is what an incident review and an access review need. An
    /// opening that was later closed still exposed kube-controller-manager
    /// while it lasted. The severity follows what was added: critical when
    /// the whole internet, high for other public addresses, medium for
    /// private ones outside the list, medium when the event leaves a value
    /// unknown (a prefix list, a field a patch did not give).
    ///
    /// ## Example
    /// ```json
    /// {"eventName": "AuthorizeSecurityGroupIngress",
    ///  "requestParameters": {"groupId": "sg-0c0ffee0000000001", "ipPermissions": {"items": [
    ///    {"ipProtocol": "tcp", "fromPort": 10257, "toPort": 10257,
    ///     "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}}
    /// ```
    /// Use instead: authorize the port for the networks that need it (the
    /// control-plane peers, a bastion), and revoke the rule the event added.
    ///
    /// ## Fix safety
    /// portcullis changes nothing. Revoking the rule can cut off whoever
    /// depends on it: check the flow logs (`portcullis flows`) for who
    /// connected since the event.
    ///
    /// ## References
    /// - AWS, CloudTrail record contents: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
    /// - AWS, AuthorizeSecurityGroupIngress: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
    /// - Azure, Activity Log schema: https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema
    /// - Google Cloud, Compute Engine audit logging: https://cloud.google.com/compute/docs/logging/audit-logging
    /// - Kubernetes, ports and protocols: https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    pub static RULE = {
        code: "PC500",
        name: "control-plane-port-opened-by-change",
        severity: Severity::Critical,
        summary: "A change event opened a control-plane port to unauthorized sources",
        family: Family::Event { check },
    };
}

fn check(changes: &[Change], out: &mut Vec<Finding>) {
    for c in changes.iter().filter(|c| matches!(c.verdict, Verdict::Opened | Verdict::Widened)) {
        let class = match c.exposure {
            Some("unrestricted") => ExposureClass::Unrestricted,
            Some("public") => ExposureClass::Public,
            Some("unauthorized") => ExposureClass::Unauthorized,
            _ => ExposureClass::Undetermined,
        };
        let severity = match class {
            ExposureClass::Unrestricted => RULE.severity,
            ExposureClass::Public => RULE.severity.lower(),
            ExposureClass::Unauthorized | ExposureClass::Undetermined => Severity::Medium,
        };
        let before = if c.before_known { "" } else { " (what the rule admitted before is not in the events read)" };
        let still = match &c.in_effect {
            Some(e) if e.status == "yes" => {
                format!("; still in effect on {}: {}", e.targets.join(", "), e.sources.join(", "))
            }
            Some(e) if e.status == "no" => "; no longer in effect in the state read".to_string(),
            Some(_) => "; the state read does not have this resource".to_string(),
            None => String::new(),
        };
        let message = format!("{}{before}{still}", message(c, &c.added));
        let mut f = finding(&RULE, c, severity, c.added.clone(), message);
        f.exposure = Some(class);
        out.push(f);
    }
}
