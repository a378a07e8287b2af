//! PC107: scheduler-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to TCP 10259, where kube-scheduler serves HTTPS.
    ///
    /// ## Why is this bad?
    /// The scheduler's secure port serves health, metrics and debug endpoints;
    /// like the controller manager's, it should answer only the API server's checks
    /// and the metrics scraper.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 10259, "ToPort": 10259,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 10259` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    /// - CIS Kubernetes Benchmark, section 1.4 (Scheduler)
    pub static RULE = {
        code: "PC107",
        name: "scheduler-port-reachable",
        severity: Severity::High,
        summary: "kube-scheduler's HTTPS port 10259 is reachable from sources outside the authorized list",
        family: Family::Port { component: "kube-scheduler", ports: &[(10259, 10259)] },
    };
}
