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
    /// `--unsafe-fixes`. Run `portcullis explain --port 10255` first to see who
    /// is let in today and by which line.
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
