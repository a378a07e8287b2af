//! PC101: api-server-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 6443, the Kubernetes API server.
    ///
    /// ## Why is this bad?
    /// The API server authenticates every request, and many clusters publish it on
    /// purpose, so the severity is lower than for the other control-plane ports.
    /// Still, a public API server is probed continuously for credential leaks,
    /// anonymous-auth mistakes and new CVEs; restrict it to the networks of the
    /// people and systems that use it where you can.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 6443, "ToPort": 6443,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 6443` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - Kubernetes, "Controlling Access to the Kubernetes API": https://kubernetes.io/docs/concepts/security/controlling-access/
    pub static RULE = {
        code: "PC101",
        name: "api-server-port-reachable",
        severity: Severity::Medium,
        summary: "The Kubernetes API server port 6443 is reachable from sources outside the authorized list",
        family: Family::Port { component: "kube-apiserver", ports: &[(6443, 6443)] },
    };
}
