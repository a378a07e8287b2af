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
    /// `portcullis fix` narrows each rule line that lets unauthorized sources
    /// reach the port to the sources it admits that are authorized (the
    /// shortest CIDR list); removes the source, or the whole rule, when none
    /// is authorized; and splits a security-group port range so that only the
    /// flagged ports close. For CLI dumps it prints the `aws`, `az` or
    /// `gcloud` commands instead, authorizing before revoking. The fix is
    /// **safe** with `--authorized` (everything removed is outside the list
    /// you gave) and **unsafe** without one (private space is assumed to be
    /// enough, which may cut off a public monitoring peer) or when the rule
    /// matches every protocol (all its ports narrow); unsafe fixes need
    /// `--unsafe-fixes`. Run `portcullis explain --port 10256` first to see who
    /// is let in today and by which line.
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
