//! PC199: user-port-reachable.

use crate::finding::Severity;
use crate::registry::Family;

crate::rule! {
    /// ## What it does
    /// Flags every target whose firewall path lets sources outside the authorized
    /// list connect to a port you named with `--port` (for example `--port 8080`
    /// or `--port 8443/tcp`) or in `portcullis.toml`.
    ///
    /// ## Why is this bad?
    /// You named the port because it should be reachable only by known peers.
    ///
    /// ## Example
    /// ```json
    /// {"SecurityGroups": [{"GroupId": "sg-0cp", "IpPermissions": [
    ///   {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
    ///    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    /// ```
    /// Use instead: the control-plane subnets or the monitoring hosts that scrape it,
    /// for example `"CidrIp": "10.0.16.0/20"`.
    ///
    /// ## Fix safety
    /// portcullis does not rewrite this rule for you yet. Narrowing a source
    /// list is safe only when every peer that needs the port is inside the
    /// new list: run `portcullis explain --port 8080` first to see who is let in
    /// today and by which line.
    ///
    /// ## References
    /// - AWS, "Security group rules": https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    /// - AWS, "Control subnet traffic with network access control lists": https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
    /// - portcullis docs/semantics.md, "Exposure classes"
    pub static RULE = {
        code: "PC199",
        name: "user-port-reachable",
        severity: Severity::High,
        summary: "A port named with --port or in portcullis.toml is reachable from sources outside the authorized list",
        family: Family::Port { component: "user-named service", ports: &[] },
    };
}
