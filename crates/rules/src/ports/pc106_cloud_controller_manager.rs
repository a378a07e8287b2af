//! PC106: cloud-controller-manager-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 10258, where cloud-controller-manager serves HTTPS.
    ///
    /// ## Why is this bad?
    /// cloud-controller-manager holds credentials for the cloud account (load
    /// balancers, routes, volumes). Its secure port has the same endpoints and the
    /// same risks as kube-controller-manager's 10257.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10258, "ToPort": 10258,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10258` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - Kubernetes, cloud-controller-manager: https://kubernetes.io/docs/concepts/architecture/cloud-controller/
    pub static RULE = {
        code: "PC106",
        name: "cloud-controller-manager-port-reachable",
        severity: Severity::Critical,
        summary: "cloud-controller-manager's HTTPS port 10258 is reachable from sources outside the authorized list",
        family: Family::Port { component: "cloud-controller-manager", ports: &[(10258, 10258)] },
    };
}
