//! PC100: controller-manager-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path (security groups, network ACLs, NSGs,
    /// firewall rules) lets sources outside the authorized list open a TCP
    /// connection to 10257, where kube-controller-manager serves HTTPS: its health,
    /// metrics and debug endpoints.
    ///
    /// ## Why is this bad?
    /// kube-controller-manager runs every controller in the cluster with a
    /// credential that can read and write nearly every object. Its secure port
    /// answers anyone who can connect: /healthz is anonymous by default, /metrics
    /// and /debug/pprof are one misconfigured flag away, and every exposed TLS
    /// endpoint is attack surface (handshake bugs, resource exhaustion). Only the
    /// hosts that need it (the API server's health checks, the metrics scraper)
    /// should be able to connect.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10257` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - Kubernetes, kube-controller-manager flags: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark, section 1.3 (Controller Manager)
    pub static RULE = {
        code: "PC100",
        name: "controller-manager-port-reachable",
        severity: Severity::Critical,
        summary: "kube-controller-manager's HTTPS port 10257 is reachable from sources that should not reach it",
        family: Family::Port { component: "kube-controller-manager", ports: &[(10257, 10257)] },
    };
}
