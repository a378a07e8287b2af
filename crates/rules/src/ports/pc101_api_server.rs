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
    /// `--unsafe-fixes`. Run `portcullis explain --port 6443` first to see who
    /// is let in today and by which line.
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
