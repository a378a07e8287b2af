//! PC105: kube-proxy-health-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 10256, kube-proxy's health-check server.
    ///
    /// ## Why is this bad?
    /// The health endpoint reveals little, but load balancers only need it from
    /// their own health-check ranges; anything wider is unnecessary attack surface
    /// on every node.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10256, "ToPort": 10256,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10256` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    pub static RULE = {
        code: "PC105",
        name: "kube-proxy-health-port-reachable",
        severity: Severity::Low,
        summary: "kube-proxy's health-check port 10256 is reachable from sources outside the authorized list",
        family: Family::Port { component: "kube-proxy", ports: &[(10256, 10256)] },
    };
}
