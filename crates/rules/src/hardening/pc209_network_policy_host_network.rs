//! PC209: network-policy-on-host-network-pod.

use crate::finding::{Because, Finding, FindingKind, Severity};
use crate::hardening::SECURE_PORT;
use crate::registry::Family;
use portcullis_model::Estate;

crate::rule! {
    /// ## What it does
    /// Flags a NetworkPolicy that appears to protect kube-controller-manager: it
    /// selects a controller-manager pod of the scan (same namespace, its
    /// `podSelector` — `matchLabels` and `matchExpressions` — picks the pod, which
    /// runs with `hostNetwork: true`), or, with no such pod in the scan, its
    /// selector requires the value `kube-controller-manager` (as
    /// `component: kube-controller-manager` does).
    ///
    /// ## Why is this bad?
    /// kube-controller-manager runs in the node's network namespace. NetworkPolicy
    /// behaviour for hostNetwork pods is undefined: most network plugins cannot
    /// tell their traffic from the node's and ignore them, so the policy is not
    /// a guard for 10257. Only the node's firewall (and `--bind-address`) are.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: {name: kcm, namespace: kube-system}
    /// spec:
    ///   podSelector: {matchLabels: {component: kube-controller-manager}}
    ///   ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/24}}]}]
    /// ```
    /// Use instead: restrict tcp/10257 in the node's firewall (security group,
    /// NSG, firewall rule) and bind the component to 127.0.0.1.
    ///
    /// ## Fix safety
    /// `portcullis fix` does not change this setting yet: it lists this
    /// finding as not fixed, with that reason.
    /// Display only: the policy can stay, it just must not be counted on.
    ///
    /// ## References
    /// - Kubernetes, Network Policies, "NetworkPolicies and hostNetwork pods": https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicies-and-hostnetwork-pods
    /// - CIS Kubernetes Benchmark 5.3.2, "Ensure that all Namespaces have Network Policies defined" (which does not cover hostNetwork pods)
    pub static RULE = {
        code: "PC209",
        name: "network-policy-on-host-network-pod",
        severity: Severity::Low,
        summary: "a NetworkPolicy appears to protect kube-controller-manager, which runs with hostNetwork and is not guarded by it",
        family: Family::Hardening { component: "kube-controller-manager", flags: &["hostNetwork"], check },
    };
}

fn check(estate: &Estate) -> Vec<Finding> {
    let mut out = Vec::new();
    for np in &estate.network_policies {
        let pods: Vec<_> = estate
            .controller_managers
            .iter()
            .filter(|cm| {
                cm.namespace.as_deref() == Some(np.namespace.as_str())
                    && !cm.labels.is_empty()
                    && np.selects(&cm.labels)
            })
            .collect();
        let named = np.names_value("kube-controller-manager");
        let message = if let Some(cm) = pods.first() {
            if !cm.host_network {
                continue;
            }
            format!(
                "{} selects {}, which runs with hostNetwork: NetworkPolicy does not reliably apply to host-network pods, so it does not guard tcp/{SECURE_PORT}",
                np.id, cm.id
            )
        } else if named {
            format!(
                "{} selects kube-controller-manager pods, which run with hostNetwork: NetworkPolicy does not reliably apply to host-network pods, so it does not guard tcp/{SECURE_PORT}",
                np.id
            )
        } else {
            continue;
        };
        out.push(Finding {
            rule: RULE.code.to_string(),
            severity: Severity::Low,
            kind: FindingKind::Hardening,
            exposure: None,
            port: Some(SECURE_PORT),
            protocol: Some("tcp".into()),
            resource: np.id.clone(),
            file: np.span.file.to_string(),
            line: np.span.line,
            column: np.span.column,
            sources: Default::default(),
            because: pods
                .iter()
                .map(|cm| Because {
                    file: cm.span.file.to_string(),
                    line: cm.span.line,
                    column: cm.span.column,
                    rule: "hostNetwork: true".into(),
                    resource: cm.id.clone(),
                })
                .collect(),
            flag: Some("hostNetwork".into()),
            message,
            resource_kind: "NetworkPolicy".into(),
            path: Default::default(),
            unknown: Vec::new(),
            reach: None,
            suppressed: None,
        });
    }
    out
}
