//! PC102: etcd-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 2379 (etcd clients) or 2380 (etcd peers).
    ///
    /// ## Why is this bad?
    /// etcd holds every Secret of the cluster. Anyone who reaches it with a client
    /// certificate, or reaches an etcd that was set up without client-certificate
    /// authentication, reads and writes the whole cluster state. Only the API
    /// servers (2379) and the other etcd members (2380) need these ports.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 2379, "ToPort": 2379,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 2379` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - etcd, "Transport security model": https://etcd.io/docs/v3.5/op-guide/security/
    /// - CIS Kubernetes Benchmark, section 2 (etcd)
    pub static RULE = {
        code: "PC102",
        name: "etcd-port-reachable",
        severity: Severity::Critical,
        summary: "etcd's client or peer port (2379-2380) is reachable from sources outside the authorized list",
        family: Family::Port { component: "etcd", ports: &[(2379, 2380)] },
    };
}
