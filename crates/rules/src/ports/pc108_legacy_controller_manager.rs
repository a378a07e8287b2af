//! PC108: legacy-controller-manager-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 10252, kube-controller-manager's legacy unauthenticated
    /// HTTP port (removed in Kubernetes 1.24, still served by older clusters).
    ///
    /// ## Why is this bad?
    /// Port 10252 served health, metrics and profiling over plain HTTP with no
    /// authentication. On a cluster old enough to serve it, anyone who connects
    /// reads it all.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10252, "ToPort": 10252,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10252` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - Kubernetes 1.24 changelog (insecure serving removed from kube-controller-manager)
    pub static RULE = {
        code: "PC108",
        name: "legacy-controller-manager-port-reachable",
        severity: Severity::Critical,
        summary: "The legacy insecure controller-manager port 10252 is reachable from sources outside the authorized list",
        family: Family::Port { component: "kube-controller-manager (insecure port)", ports: &[(10252, 10252)] },
    };
}
