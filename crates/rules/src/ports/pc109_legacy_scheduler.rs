//! PC109: legacy-scheduler-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 10251, kube-scheduler's legacy unauthenticated HTTP port.
    ///
    /// ## Why is this bad?
    /// Port 10251 served health, metrics and profiling over plain HTTP with no
    /// authentication on clusters that still enable it.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10251, "ToPort": 10251,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10251` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    pub static RULE = {
        code: "PC109",
        name: "legacy-scheduler-port-reachable",
        severity: Severity::High,
        summary: "The legacy insecure scheduler port 10251 is reachable from sources outside the authorized list",
        family: Family::Port { component: "kube-scheduler (insecure port)", ports: &[(10251, 10251)] },
    };
}
