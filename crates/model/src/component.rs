//! Control-plane components read from their configuration: the flags a
//! kube-controller-manager runs with, wherever they were written, each
//! with the line that set it.
//!
//! Input adapters fill [`ControllerManager`]; hardening rules read it.
//! Nothing here knows which file format a flag came from, only where it
//! was written and whether it was written or defaulted by a distribution.

use crate::provenance::{Origin, Span};

/// One flag as the component receives it (`bind-address` = `0.0.0.0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// The flag name without dashes: `bind-address`.
    pub name: String,
    /// The value as text (`true` for a boolean flag given alone).
    pub value: String,
    pub span: Span,
    /// `Explicit` when written in the input, `Default` when a distribution
    /// supplies it (kubeadm, k3s) and the input does not override it.
    pub origin: Origin,
}

/// What a flag the input does not set means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnsetFlags {
    /// kube-controller-manager's own defaults (its flag reference).
    Upstream,
    /// The tool that writes the command line adds flags the input does not
    /// show (the reason says which): rules that judge an unset flag stay
    /// silent rather than guess.
    Unknown(String),
}

/// A Kubernetes version, from an image tag or a version field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// As written (`v1.30.2`, `v1.28.5-rke2r1`).
    pub text: String,
    pub span: Span,
}

impl Version {
    /// Parses `v1.30.2`, `1.30`, `v1.28.5-rke2r1`, `v1.24.4-rancher1-1`.
    pub fn parse(text: &str, span: Span) -> Option<Version> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let core: &str = t.split(['-', '+', '_']).next().unwrap_or("");
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Version { major, minor, patch, text: text.trim().to_string(), span })
    }

    /// Whether this version is older than `major.minor`.
    pub fn before(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) < (major, minor)
    }
}

/// A kube-controller-manager as its configuration describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerManager {
    /// How findings name it: `Pod kube-system/kube-controller-manager`,
    /// `kubeadm ClusterConfiguration`, `k3s/RKE2 config`.
    pub id: String,
    /// Where its flags are written, for people: `static pod manifest`,
    /// `kubeadm ClusterConfiguration (v1beta4 extraArgs)`.
    pub source: String,
    /// Where the component is declared (the container, the extraArgs key).
    pub span: Span,
    /// Effective flags: the last value of a repeated flag wins, list flags
    /// accumulate (as kube-controller-manager's flag parser does).
    pub flags: Vec<Flag>,
    pub unset: UnsetFlags,
    /// Flags whose unset value the input cannot tell even though other
    /// unset flags take the upstream default (k3s passes a serving
    /// certificate in recent releases only), with the reason.
    pub unknown_when_unset: Vec<(String, String)>,
    /// The Kubernetes version, when the input tells it.
    pub version: Option<Version>,
    /// The pod's namespace, when the component runs as a pod the input shows.
    pub namespace: Option<String>,
    /// The pod's labels (what a Service or NetworkPolicy selects), when the
    /// component runs as a pod the input shows.
    pub labels: Vec<(String, String)>,
    /// Whether the pod shares the node's network namespace.
    pub host_network: bool,
    /// Container ports by name (for Services that name their target port).
    pub named_ports: Vec<(String, u16)>,
}

impl ControllerManager {
    /// A component described by a configuration file (kubeadm, k3s/RKE2,
    /// RKE, Talos, kops, a component config) rather than by a pod the input
    /// shows: it runs on the node's network, and no pod namespace, labels
    /// or named ports are known.
    pub fn from_config(
        id: String,
        source: String,
        span: Span,
        flags: Vec<Flag>,
        unset: UnsetFlags,
        version: Option<Version>,
    ) -> Self {
        ControllerManager {
            id,
            source,
            span,
            flags,
            unset,
            unknown_when_unset: Vec::new(),
            version,
            namespace: None,
            labels: Vec::new(),
            host_network: true,
            named_ports: Vec::new(),
        }
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }
}

/// A NetworkPolicy: which pods it selects and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// `NetworkPolicy namespace/name`.
    pub id: String,
    pub namespace: String,
    pub span: Span,
    /// `spec.podSelector.matchLabels` (empty: every pod of the namespace).
    pub match_labels: Vec<(String, String)>,
    /// `spec.podSelector.matchExpressions`: (key, operator, values).
    pub match_expressions: Vec<(String, String, Vec<String>)>,
}

impl NetworkPolicy {
    /// Whether the policy's pod selector picks a pod with `labels`
    /// (`matchLabels` and every `matchExpressions` term; an unknown
    /// operator selects nothing, as the API server would reject it).
    pub fn selects(&self, labels: &[(String, String)]) -> bool {
        let value = |k: &str| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str());
        self.match_labels.iter().all(|m| labels.contains(m))
            && self.match_expressions.iter().all(|(k, op, vals)| match op.as_str() {
                "In" => value(k).is_some_and(|v| vals.iter().any(|x| x == v)),
                "NotIn" => value(k).is_none_or(|v| vals.iter().all(|x| x != v)),
                "Exists" => value(k).is_some(),
                "DoesNotExist" => value(k).is_none(),
                _ => false,
            })
    }

    /// Whether the selector names `value` as a label value it requires.
    pub fn names_value(&self, value: &str) -> bool {
        self.match_labels.iter().any(|(_, v)| v == value)
            || self.match_expressions.iter().any(|(_, op, vals)| op == "In" && vals.iter().any(|x| x == value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn v(t: &str) -> Option<(u32, u32, u32)> {
        Version::parse(t, Span::new(Arc::from("f"), 1, 1)).map(|v| (v.major, v.minor, v.patch))
    }

    #[test]
    fn network_policy_selectors() {
        let labels = vec![("component".to_string(), "kube-controller-manager".to_string())];
        let np = |ml: &[(&str, &str)], ex: &[(&str, &str, &[&str])]| NetworkPolicy {
            id: "np".into(),
            namespace: "kube-system".into(),
            span: Span::new(Arc::from("f"), 1, 1),
            match_labels: ml.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            match_expressions: ex
                .iter()
                .map(|(k, o, vs)| (k.to_string(), o.to_string(), vs.iter().map(|v| v.to_string()).collect()))
                .collect(),
        };
        assert!(np(&[], &[]).selects(&labels), "an empty selector picks every pod");
        assert!(np(&[("component", "kube-controller-manager")], &[]).selects(&labels));
        assert!(!np(&[("tier", "control-plane")], &[]).selects(&labels));
        assert!(np(&[], &[("component", "In", &["kube-controller-manager", "etcd"])]).selects(&labels));
        assert!(!np(&[], &[("component", "NotIn", &["kube-controller-manager"])]).selects(&labels));
        assert!(np(&[], &[("tier", "DoesNotExist", &[])]).selects(&labels));
        assert!(!np(&[], &[("component", "Gt", &["1"])]).selects(&labels), "an unknown operator selects nothing");
    }

    #[test]
    fn versions_from_tags_and_fields() {
        assert_eq!(v("v1.30.2"), Some((1, 30, 2)));
        assert_eq!(v("1.29"), Some((1, 29, 0)));
        assert_eq!(v("v1.28.5-rke2r1-build20240112"), Some((1, 28, 5)));
        assert_eq!(v("v1.24.4-rancher1-1"), Some((1, 24, 4)));
        assert_eq!(v("latest"), None);
        assert_eq!(v("6322fd6f4db015a29561a4881ff9c372"), None);
        assert_eq!(v("1.2.3.4"), None);
        let old = Version::parse("v1.21.14", Span::new(Arc::from("f"), 1, 1)).expect("parses");
        assert!(old.before(1, 22) && !old.before(1, 21));
    }
}
