//! PC200: controller-manager-bound-to-all-interfaces.

use crate::finding::{Finding, Severity};
use crate::hardening::{finding, secure_port, value, Value};
use crate::registry::Family;
use portcullis_model::Estate;
use std::net::IpAddr;

crate::rule! {
    /// ## What it does
    /// Reads kube-controller-manager's `--bind-address` wherever it is written
    /// (pod manifest, kubeadm, k3s/RKE2, RKE, kops, Talos) and flags a
    /// controller manager whose HTTPS port listens on every interface: the flag
    /// unset (its default is `0.0.0.0`), `0.0.0.0`, `::`, or a non-loopback
    /// address. `127.0.0.1` and `::1` pass. Flags the tool that writes the
    /// command line adds are counted: kubeadm and k3s bind to `127.0.0.1` unless
    /// told otherwise.
    ///
    /// ## Why is this bad?
    /// Bound to every interface, port 10257 answers whoever reaches the node: the
    /// firewall is then the only guard. The CIS check passes an unset flag, but
    /// kube-controller-manager's documented default is `0.0.0.0` ("If blank or an
    /// unspecified address, all interfaces will be used"), so an unset flag is the
    /// exposure. When the same scan shows the node's firewall admitting 10257
    /// (PC100), both findings name each other.
    ///
    /// ## Example
    /// ```yaml
    /// command:
    ///   - kube-controller-manager
    ///   - --bind-address=0.0.0.0
    /// ```
    /// Use instead: `--bind-address=127.0.0.1`, and scrape metrics from the node
    /// (or through the API server) rather than across the network.
    ///
    /// ## Fix safety
    /// `portcullis fix` sets `--bind-address=127.0.0.1` where the flag is
    /// written (a pod's command line, kubeadm `extraArgs`, k3s/RKE2
    /// `kube-controller-manager-arg`, RKE, Talos), or adds it next to the
    /// last written flag when it is unset. Unsafe (applied with
    /// `--unsafe-fixes` only):
    /// Binding to loopback breaks any scraper or health check that reaches 10257
    /// across the network (a Prometheus on another host, a load balancer health
    /// check). Find them first (`portcullis explain --port 10257`).
    ///
    /// ## References
    /// - Kubernetes, kube-controller-manager flags (`--bind-address`): https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
    /// - CIS Kubernetes Benchmark 1.3.7, "Ensure that the --bind-address argument is set to 127.0.0.1"
    pub static RULE = {
        code: "PC200",
        name: "controller-manager-bound-to-all-interfaces",
        severity: Severity::High,
        summary: "kube-controller-manager's HTTPS port listens on every interface (or a non-loopback address)",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["bind-address"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for cm in &estate.controller_managers {
        let Some(port) = secure_port(cm) else { continue };
        let (msg, sev, because) = match value(cm, "bind-address") {
            Value::Unknown(_) => continue,
            Value::Default => (
                format!(
                    "--bind-address is not set on {}: kube-controller-manager's default is 0.0.0.0, so tcp/{port} listens on every interface",
                    cm.id
                ),
                Severity::High,
                Vec::new(),
            ),
            Value::Set(f) => {
                let v = f.value.trim().trim_matches(['[', ']']);
                match v.parse::<IpAddr>() {
                    Ok(ip) if ip.is_loopback() => continue,
                    Ok(ip) if ip.is_unspecified() => (
                        format!("--bind-address={} on {}: tcp/{port} listens on every interface", f.value, cm.id),
                        Severity::High,
                        vec![f],
                    ),
                    Err(_) if v.is_empty() => (
                        format!(
                            "--bind-address is empty on {}: an empty address means every interface, so tcp/{port} listens on all of them",
                            cm.id
                        ),
                        Severity::High,
                        vec![f],
                    ),
                    _ => (
                        format!(
                            "--bind-address={} on {}: tcp/{port} listens on a non-loopback address, reachable by whoever reaches that interface",
                            f.value, cm.id
                        ),
                        Severity::Medium,
                        vec![f],
                    ),
                }
            }
        };
        out.push(finding(&RULE, cm, "bind-address", Some(port), sev, &because, msg));
    }
    out
}
