//! PC104: kubelet-read-only-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 10255, the kubelet's unauthenticated read-only HTTP port.
    ///
    /// ## Why is this bad?
    /// The read-only port serves pod specs (with their environment variables),
    /// node details and metrics over plain HTTP with no authentication at all.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10255, "ToPort": 10255,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10255` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - CIS Kubernetes Benchmark, 4.2.4 (--read-only-port is 0)
    pub static RULE = {
        code: "PC104",
        name: "kubelet-read-only-port-reachable",
        severity: Severity::High,
        summary: "The kubelet read-only port 10255 is reachable from sources outside the authorized list",
        family: Family::Port { component: "kubelet", ports: &[(10255, 10255)] },
    };
}
