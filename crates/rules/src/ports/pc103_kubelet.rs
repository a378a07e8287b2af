//! PC103: kubelet-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 10250, the kubelet's authenticated API.
    ///
    /// ## Why is this bad?
    /// The kubelet API can run commands in containers, read logs and port-forward.
    /// With anonymous authentication enabled (the kubelet's default without a
    /// config file) it is a remote-code-execution endpoint. Only the control plane
    /// and the metrics pipeline need it.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10250` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - Kubernetes, "Kubelet authentication/authorization": https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
    /// - CIS Kubernetes Benchmark, section 4.2 (Kubelet)
    pub static RULE = {
        code: "PC103",
        name: "kubelet-port-reachable",
        severity: Severity::High,
        summary: "The kubelet API port 10250 is reachable from sources outside the authorized list",
        family: Family::Port { component: "kubelet", ports: &[(10250, 10250)] },
    };
}
