//! PC400: control-plane-port-accepted-unauthorized-flow (`portcullis flows`).

use crate::finding::Severity;

crate::probe_rule! {
    /// ## What it does
    /// Flags a flow-log record (AWS VPC, Azure NSG/VNet, GCP VPC or firewall
    /// rules logs) in which a destination *accepted* traffic to a watched
    /// control-plane port (tcp/10257 and the `--port`s) from a source outside
    /// the authorized list. One finding per destination and source, with the
    /// first and last time seen, flows, packets and bytes, and the rule that
    /// allowed it where the log names one.
    ///
    /// ## Why is this bad?
    /// Configuration says who *could* connect; an accepted flow says someone
    /// *did*. Whatever the firewall rules were meant to say, this source
    /// reached kube-controller-manager's port and could probe its TLS and
    /// HTTP endpoints. Rejected attempts are not findings: they are listed
    /// per destination as evidence that the firewall works, and of who is
    /// knocking.
    ///
    /// ## Example
    /// ```text
    /// 2 123456789010 eni-0a1 203.0.113.7 10.0.1.5 51234 10257 6 3 180 1700000000 1700000060 ACCEPT OK
    /// ```
    /// An internet address connected to 10257 and the security group let it in.
    /// Use instead: restrict the rule that allowed it to the authorized sources
    /// (`portcullis scan` shows which line that is) and review who the source was.
    ///
    /// ## Fix safety
    /// portcullis changes nothing. The flow already happened: restricting the
    /// rule stops the next one, and the finding stays in the logs it came from.
    ///
    /// ## References
    /// - AWS, VPC Flow Logs records: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
    /// - Azure, NSG flow logs: https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview
    /// - Google Cloud, VPC Flow Logs: https://cloud.google.com/vpc/docs/flow-logs
    /// - Kubernetes, ports and protocols: https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    pub static RULE = {
        code: "PC400",
        name: "control-plane-port-accepted-unauthorized-flow",
        severity: Severity::Critical,
        summary: "A flow log shows a control-plane port accepting traffic from an unauthorized source",
    };
}
