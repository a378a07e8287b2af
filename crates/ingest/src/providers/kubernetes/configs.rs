//! kube-controller-manager's effective flags, wherever they are written:
//!
//! - a pod (a static pod manifest — kubeadm's `kube-controller-manager.yaml`,
//!   kops' `.manifest`, RKE2's pod manifest — or any workload in Helm or
//!   kustomize output): the container's `command` and `args`;
//! - kubeadm `ClusterConfiguration` `controllerManager.extraArgs`: a map in
//!   `kubeadm.k8s.io/v1beta3`, a list of `{name, value}` in `v1beta4`
//!   (<https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/>);
//! - k3s and RKE2 `config.yaml`: `kube-controller-manager-arg`, a list of
//!   `flag=value` (<https://docs.k3s.io/cli/server>);
//! - RKE `cluster.yml`: `services.kube-controller.extra_args`, a map;
//! - kops `Cluster` spec: `spec.kubeControllerManager`, camelCase fields
//!   that map onto flags ([`super::facts::KOPS_FIELDS`]);
//! - Talos machine config: `cluster.controllerManager.extraArgs`, a map;
//! - a `KubeControllerManagerConfiguration` file
//!   (`kubecontrollermanager.config.k8s.io/v1alpha1`): `generic.address`,
//!   `generic.port` and `generic.debugging.enableProfiling`.
//!
//! Each produces a [`ControllerManager`] with the flags as the component
//! receives them, the flags the tool adds itself (kubeadm, k3s), whether an
//! unset flag takes the upstream default, and the version when the input
//! tells it.

use super::facts::{image_tag, K3S_DEFAULTS, K3S_UNKNOWN, KOPS_FIELDS, KUBEADM_DEFAULTS};
use super::flags::{add_defaults, is_binary, parse_words, set, words_of_list, Word};
use crate::error::IngestError;
use portcullis_model::{ControllerManager, Flag, Origin, Span, UnsetFlags, Version};
use portcullis_syntax::{Kind, Member, Value};

/// What a document told about controller managers (and errors on the way).
pub struct Reader<'a> {
    pub lines: Vec<&'a str>,
    pub errors: Vec<IngestError>,
    pub out: Vec<ControllerManager>,
}

fn text_of(n: &Value) -> Option<String> {
    match &n.kind {
        Kind::String(s) | Kind::Number(s) => Some(s.clone()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn str_at<'n>(n: &'n Value, path: &[&str]) -> Option<&'n str> {
    let mut cur = n;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str()
}

fn node_at<'n>(n: &'n Value, path: &[&str]) -> Option<&'n Value> {
    let mut cur = n;
    for k in path {
        cur = cur.get(k)?;
    }
    Some(cur)
}

fn version_of(n: Option<&Value>) -> Option<Version> {
    let n = n?;
    Version::parse(&text_of(n)?, n.span.clone())
}

fn version_of_image(n: Option<&Value>) -> Option<Version> {
    let n = n?;
    let img = n.as_str()?;
    Version::parse(image_tag(img)?, n.span.clone())
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader { lines: text.split('\n').collect(), errors: Vec::new(), out: Vec::new() }
    }

    fn invalid(&mut self, span: &Span, message: String) {
        self.errors.push(IngestError::invalid(span, message));
    }

    /// A `name: value` map of flags (kubeadm v1beta3, RKE, Talos). Keys may
    /// be written with their dashes (`--bind-address`), which kube tools
    /// strip or reject; they are read without them.
    fn map_flags(&mut self, map: &Value, what: &str) -> Vec<Flag> {
        let mut flags = Vec::new();
        match &map.kind {
            Kind::Map(m) => {
                for Member { key: k, span: ks, value: v } in m {
                    let name = k.trim_start_matches('-').to_string();
                    let value = match &v.kind {
                        Kind::Null => String::new(),
                        Kind::List(items) => items.iter().filter_map(text_of).collect::<Vec<_>>().join(","),
                        _ => match text_of(v) {
                            Some(t) => t,
                            None => {
                                self.invalid(
                                    &v.span,
                                    format!("{what}: `{k}` should be a value, found {}", v.type_name()),
                                );
                                continue;
                            }
                        },
                    };
                    set(&mut flags, Flag { name, value, span: ks.clone(), origin: Origin::Explicit });
                }
            }
            Kind::Null => {}
            _ => self.invalid(
                &map.span,
                format!("{what} should be a mapping of flag names to values, found {}", map.type_name()),
            ),
        }
        flags
    }

    /// kubeadm v1beta4: a list of `{name, value}`; repeated names are all
    /// passed, so the last one wins.
    fn list_flags(&mut self, list: &Value, what: &str) -> Vec<Flag> {
        let mut flags = Vec::new();
        let Kind::List(items) = &list.kind else {
            if !matches!(list.kind, Kind::Null) {
                self.invalid(
                    &list.span,
                    format!("{what} should be a list of {{name, value}}, found {}", list.type_name()),
                );
            }
            return flags;
        };
        for it in items {
            let (Some(name), value) = (it.get("name").and_then(text_of), it.get("value").and_then(text_of)) else {
                self.invalid(&it.span, format!("{what}: each entry needs a `name`"));
                continue;
            };
            let span = it.entry("name").map(|(s, _)| s.clone()).unwrap_or_else(|| it.span.clone());
            set(
                &mut flags,
                Flag {
                    name: name.trim_start_matches('-').to_string(),
                    value: value.unwrap_or_default(),
                    span,
                    origin: Origin::Explicit,
                },
            );
        }
        flags
    }

    /// Reads one YAML document; returns whether it was a controller-manager
    /// configuration of some kind.
    pub fn document(&mut self, doc: &Value) -> bool {
        let kind = str_at(doc, &["kind"]).unwrap_or("");
        let api = str_at(doc, &["apiVersion"]).unwrap_or("");
        if kind == "ClusterConfiguration" && api.starts_with("kubeadm.k8s.io/") {
            self.kubeadm(doc, api);
            return true;
        }
        if kind == "KubeControllerManagerConfiguration" {
            self.component_config(doc);
            return true;
        }
        if kind == "Cluster" && api.starts_with("kops.k8s.io/") {
            if let Some(spec) = doc.get("spec") {
                if spec.get("kubeControllerManager").is_some() {
                    self.kops(doc, spec);
                    return true;
                }
            }
            return false;
        }
        if !kind.is_empty() {
            return self.workload(doc);
        }
        if let Some((ks, v)) = doc.entry("kube-controller-manager-arg") {
            self.k3s(ks.clone(), v);
            return true;
        }
        if let Some(kc) = node_at(doc, &["services", "kube-controller"]) {
            self.rke(doc, kc);
            return true;
        }
        if let Some(cm) = node_at(doc, &["cluster", "controllerManager"]) {
            if doc.get("machine").is_some() || doc.get("version").is_some() {
                self.talos(cm);
                return true;
            }
        }
        false
    }

    fn kubeadm(&mut self, doc: &Value, api: &str) {
        let version = version_of(doc.get("kubernetesVersion"));
        let cm = doc.get("controllerManager");
        let (mut flags, span, form) = match cm.and_then(|c| c.entry("extraArgs")) {
            Some((ks, args)) => {
                let flags = if matches!(args.kind, Kind::List(_)) {
                    self.list_flags(args, "controllerManager.extraArgs")
                } else {
                    self.map_flags(args, "controllerManager.extraArgs")
                };
                (flags, ks.clone(), if matches!(args.kind, Kind::List(_)) { "list" } else { "map" })
            }
            None => (Vec::new(), cm.map(|c| c.span.clone()).unwrap_or_else(|| doc.span.clone()), "none"),
        };
        add_defaults(&mut flags, KUBEADM_DEFAULTS, &span, "kubeadm");
        // kubeadm 1.19-1.21 also wrote `--port=0` (kubernetes/kubeadm#2207):
        // no insecure port even before insecure serving was removed.
        if version.as_ref().is_some_and(|v| !v.before(1, 19) && v.before(1, 22)) {
            add_defaults(&mut flags, &[("port", "0")], &span, "kubeadm");
        }
        let shown_api = api.rsplit('/').next().unwrap_or(api);
        let name = str_at(doc, &["clusterName"]).map(|n| format!(" {n}")).unwrap_or_default();
        self.out.push(ControllerManager::from_config(
            format!("kubeadm ClusterConfiguration{name}"),
            format!("kubeadm ClusterConfiguration ({shown_api}, controllerManager.extraArgs {form})"),
            span,
            flags,
            UnsetFlags::Upstream,
            version,
        ));
    }

    fn k3s(&mut self, key_span: Span, v: &Value) {
        let items: Vec<&Value> = match &v.kind {
            Kind::List(l) => l.iter().collect(),
            Kind::Null => Vec::new(),
            _ => vec![v],
        };
        let mut flags = Vec::new();
        for it in items {
            let Some(t) = text_of(it) else {
                self.invalid(
                    &it.span,
                    format!("kube-controller-manager-arg: each entry should be `flag=value`, found {}", it.type_name()),
                );
                continue;
            };
            let t = t.trim().trim_start_matches('-');
            let (name, value) = match t.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (t.to_string(), "true".to_string()),
            };
            set(&mut flags, Flag { name, value, span: it.span.clone(), origin: Origin::Explicit });
        }
        add_defaults(&mut flags, K3S_DEFAULTS, &key_span, "k3s");
        self.out.push(ControllerManager {
            unknown_when_unset: K3S_UNKNOWN
                .iter()
                .map(|f| (f.to_string(), "k3s passes a serving certificate in recent releases only".to_string()))
                .collect(),
            ..ControllerManager::from_config(
                "k3s/RKE2 server config".into(),
                "k3s/RKE2 config.yaml (kube-controller-manager-arg)".into(),
                key_span,
                flags,
                UnsetFlags::Upstream,
                None,
            )
        });
    }

    fn rke(&mut self, doc: &Value, kc: &Value) {
        let (flags, span) = match kc.entry("extra_args") {
            Some((ks, args)) => (self.map_flags(args, "services.kube-controller.extra_args"), ks.clone()),
            None => (Vec::new(), kc.span.clone()),
        };
        let version = version_of(doc.get("kubernetes_version"))
            .or_else(|| version_of_image(node_at(doc, &["system_images", "kubernetes"])));
        self.out.push(ControllerManager::from_config(
            "RKE cluster (services.kube-controller)".into(),
            "RKE cluster.yml (services.kube-controller.extra_args)".into(),
            span,
            flags,
            UnsetFlags::Unknown("RKE adds its own kube-controller-manager flags, not in this file".into()),
            version,
        ));
    }

    fn talos(&mut self, cm: &Value) {
        let (flags, span) = match cm.entry("extraArgs") {
            Some((ks, args)) => (self.map_flags(args, "cluster.controllerManager.extraArgs"), ks.clone()),
            None => (Vec::new(), cm.span.clone()),
        };
        self.out.push(ControllerManager::from_config(
            "Talos machine config (cluster.controllerManager)".into(),
            "Talos machine config (cluster.controllerManager.extraArgs)".into(),
            span,
            flags,
            UnsetFlags::Unknown("Talos adds its own kube-controller-manager flags, not in this file".into()),
            version_of_image(cm.get("image")),
        ));
    }

    fn kops(&mut self, doc: &Value, spec: &Value) {
        let Some((ks, kcm)) = spec.entry("kubeControllerManager") else { return };
        let mut flags = Vec::new();
        if let Some(m) = kcm.as_map() {
            for Member { key: k, span: kspan, value: v } in m {
                let Some((_, flag)) = KOPS_FIELDS.iter().find(|(f, _)| f == k) else { continue };
                let value = match &v.kind {
                    Kind::List(items) => items.iter().filter_map(text_of).collect::<Vec<_>>().join(","),
                    _ => text_of(v).unwrap_or_default(),
                };
                set(&mut flags, Flag { name: flag.to_string(), value, span: kspan.clone(), origin: Origin::Explicit });
            }
        }
        let name = str_at(doc, &["metadata", "name"]).unwrap_or("(unnamed)");
        self.out.push(ControllerManager::from_config(
            format!("kops Cluster {name}"),
            "kops Cluster spec (kubeControllerManager)".into(),
            ks.clone(),
            flags,
            UnsetFlags::Unknown(
                "kops writes the manifest's other flags itself; scan the generated .manifest for them".into(),
            ),
            version_of_image(kcm.get("image")).or_else(|| version_of(spec.get("kubernetesVersion"))),
        ));
    }

    fn component_config(&mut self, doc: &Value) {
        let mut flags = Vec::new();
        let fields: [(&[&str], &str); 3] = [
            (&["generic", "address"], "address"),
            (&["generic", "port"], "port"),
            (&["generic", "debugging", "enableProfiling"], "profiling"),
        ];
        for (path, flag) in fields {
            let (Some(parent), Some(last)) = (node_at(doc, &path[..path.len() - 1]), path.last()) else { continue };
            if let Some((ks, v)) = parent.entry(last) {
                if let Some(t) = text_of(v) {
                    set(&mut flags, Flag { name: flag.into(), value: t, span: ks.clone(), origin: Origin::Explicit });
                }
            }
        }
        self.out.push(ControllerManager::from_config(
            "KubeControllerManagerConfiguration".into(),
            "KubeControllerManagerConfiguration file".into(),
            doc.span.clone(),
            flags,
            UnsetFlags::Unknown("the serving and authentication flags are not part of this file".into()),
            None,
        ));
    }

    /// A Pod, or a workload with a pod template (Deployment, DaemonSet,
    /// StatefulSet, ReplicaSet, Job): every container that runs
    /// kube-controller-manager.
    fn workload(&mut self, doc: &Value) -> bool {
        let kind = str_at(doc, &["kind"]).unwrap_or("");
        let pod_spec = if kind == "Pod" { doc.get("spec") } else { node_at(doc, &["spec", "template", "spec"]) };
        let Some(pod_spec) = pod_spec else { return false };
        let meta = if kind == "Pod" { doc.get("metadata") } else { node_at(doc, &["spec", "template", "metadata"]) };
        let labels = meta.map(labels_of).unwrap_or_default();
        let name = str_at(doc, &["metadata", "name"]).unwrap_or("(unnamed)");
        let ns = str_at(doc, &["metadata", "namespace"]).unwrap_or("default");
        let host_network = matches!(pod_spec.get("hostNetwork").map(|n| &n.kind), Some(Kind::Bool(true)));
        let mut found = false;
        let Kind::List(containers) = pod_spec.get("containers").map(|c| &c.kind).unwrap_or(&Kind::Null) else {
            return false;
        };
        for c in containers {
            let image = c.get("image");
            let cname = str_at(c, &["name"]).unwrap_or("");
            let command = words_of_list(c.get("command"), &self.lines);
            let args = words_of_list(c.get("args"), &self.lines);
            let all: Vec<Word> = command.iter().chain(args.iter()).cloned().collect();
            // hyperkube ran the component as a subcommand:
            // `/hyperkube controller-manager`.
            let at = all.iter().enumerate().rposition(|(i, w)| {
                is_binary(&w.text)
                    || (w.text == "controller-manager"
                        && i > 0
                        && all[i - 1].text.trim_end_matches('/').ends_with("hyperkube"))
            });
            let image_is_kcm = image.and_then(Value::as_str).is_some_and(|i| {
                let repo = i.split('@').next().unwrap_or(i);
                let repo = repo.rsplit('/').next().unwrap_or(repo);
                repo.split(':').next() == Some("kube-controller-manager")
            });
            let words: &[Word] = match at {
                Some(i) => &all[i + 1..],
                None if image_is_kcm || cname == "kube-controller-manager" => &args,
                None => continue,
            };
            found = true;
            let flags = parse_words(words);
            let named_ports = ports_of(c);
            self.out.push(ControllerManager {
                id: format!("{kind} {ns}/{name}"),
                source: if kind == "Pod" { "pod manifest".into() } else { format!("{kind} pod template") },
                span: c.span.clone(),
                flags,
                unset: UnsetFlags::Upstream,
                unknown_when_unset: Vec::new(),
                version: version_of_image(image),
                namespace: Some(ns.to_string()),
                labels: labels.clone(),
                host_network,
                named_ports,
            });
        }
        found
    }
}

/// `metadata.labels` as pairs.
pub fn labels_of(meta: &Value) -> Vec<(String, String)> {
    meta.get("labels")
        .and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|m| Some((m.key.clone(), text_of(&m.value)?))).collect())
        .unwrap_or_default()
}

/// A container's named ports.
pub fn ports_of(c: &Value) -> Vec<(String, u16)> {
    let Some(Kind::List(ports)) = c.get("ports").map(|p| &p.kind) else { return Vec::new() };
    ports
        .iter()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?.to_string();
            let port = p.get("containerPort").and_then(text_of)?.parse().ok()?;
            Some((name, port))
        })
        .collect()
}
