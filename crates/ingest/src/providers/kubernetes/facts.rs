//! Facts about where kube-controller-manager's flags are written and what
//! each tool writes when the input says nothing, with their sources.

/// Flags kubeadm writes into the static pod manifest it generates, for the
/// audited ones (`getControllerManagerCommand` in kubeadm's
/// `cmd/kubeadm/app/phases/controlplane/manifests.go`): extraArgs override
/// them. kubeadm writes no `--tls-cert-file` (the component makes its own
/// certificate) and no `--profiling` (so profiling stays on).
pub const KUBEADM_DEFAULTS: &[(&str, &str)] = &[
    ("bind-address", "127.0.0.1"),
    ("authentication-kubeconfig", "/etc/kubernetes/controller-manager.conf"),
    ("authorization-kubeconfig", "/etc/kubernetes/controller-manager.conf"),
    ("kubeconfig", "/etc/kubernetes/controller-manager.conf"),
];

/// Flags k3s (and RKE2, which runs k3s' control-plane code) passes to
/// kube-controller-manager (`controllerManager` in k3s'
/// `pkg/daemons/control/server.go`); `kube-controller-manager-arg`
/// entries override them. Recent releases also pass a serving
/// certificate, older ones do not: `tls-cert-file` is left unknown.
pub const K3S_DEFAULTS: &[(&str, &str)] = &[
    ("bind-address", "127.0.0.1"),
    ("secure-port", "10257"),
    ("profiling", "false"),
    ("authentication-kubeconfig", "(k3s controller kubeconfig)"),
    ("authorization-kubeconfig", "(k3s controller kubeconfig)"),
];

/// Flags k3s passes in some releases only: an unset one is unknown.
pub const K3S_UNKNOWN: &[&str] = &["tls-cert-file", "tls-private-key-file"];

/// kops `kubeControllerManager` fields that are audited flags (the `flag:`
/// tags of `KubeControllerManagerConfig` in kops'
/// `pkg/apis/kops/v1alpha2/componentconfig.go`). kops has no field for
/// `--bind-address` or the serving certificate.
pub const KOPS_FIELDS: &[(&str, &str)] = &[
    ("enableProfiling", "profiling"),
    ("tlsCipherSuites", "tls-cipher-suites"),
    ("tlsMinVersion", "tls-min-version"),
    ("authenticationKubeconfig", "authentication-kubeconfig"),
    ("authorizationKubeconfig", "authorization-kubeconfig"),
    ("authorizationAlwaysAllowPaths", "authorization-always-allow-paths"),
    ("master", "master"),
    ("kubeconfig", "kubeconfig"),
];

/// Annotations that make a cloud load balancer internal (reachable from
/// the cluster's private network only), with the value that does it:
/// - AWS (in-tree cloud provider and the AWS Load Balancer Controller):
///   `service.beta.kubernetes.io/aws-load-balancer-internal: "true"`
///   (<https://kubernetes.io/docs/reference/labels-annotations-taints/#service-beta-kubernetes-io-aws-load-balancer-internal>),
///   `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`
///   (AWS Load Balancer Controller, "Service annotations").
/// - Azure: `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`
///   (AKS, "Use an internal load balancer").
/// - GCP: `networking.gke.io/load-balancer-type: Internal`, and the older
///   `cloud.google.com/load-balancer-type: Internal` (GKE, "LoadBalancer
///   Service parameters").
/// - Oracle Cloud: `service.beta.kubernetes.io/oci-load-balancer-internal: "true"`.
pub const INTERNAL_LB_ANNOTATIONS: &[(&str, &str)] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", "true"),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
];

/// The annotation that restricts a load balancer's sources when
/// `spec.loadBalancerSourceRanges` is absent: a comma-separated CIDR list
/// (<https://kubernetes.io/docs/reference/labels-annotations-taints/#service-beta-kubernetes-io-load-balancer-source-ranges>).
/// The field wins when both are set.
pub const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

/// Whether an annotation makes the load balancer internal. The AWS
/// in-tree provider also accepted `0.0.0.0/0` as a true value.
pub fn is_internal_annotation(key: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    INTERNAL_LB_ANNOTATIONS
        .iter()
        .any(|(k, want)| *k == key && (v == *want || (key.ends_with("aws-load-balancer-internal") && v == "0.0.0.0/0")))
}

/// The version from an image reference's tag:
/// `registry.k8s.io/kube-controller-manager:v1.30.2` → `v1.30.2`,
/// `rancher/hardened-kubernetes:v1.28.5-rke2r1-build20240112` → `v1.28.5-rke2r1-build20240112`.
pub fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split_once(':').map(|(_, t)| t).filter(|t| !t.is_empty())
}

/// The name a cloud controller gives a LoadBalancer Service's load
/// balancer (the GCE forwarding rule, the AWS load balancer): `a` and the
/// Service's UID without dashes, at most 32 characters
/// (`DefaultLoadBalancerName` in kubernetes/cloud-provider, `cloud.go`).
pub fn cloud_load_balancer_name(uid: &str) -> String {
    let mut name: String = std::iter::once('a').chain(uid.chars().filter(|c| *c != '-')).collect();
    name.truncate(32);
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_of_image_references() {
        assert_eq!(image_tag("registry.k8s.io/kube-controller-manager:v1.30.2"), Some("v1.30.2"));
        assert_eq!(image_tag("localhost:5000/kube-controller-manager:v1.29.0"), Some("v1.29.0"));
        assert_eq!(image_tag("localhost:5000/kube-controller-manager"), None, "a registry port is not a tag");
        assert_eq!(image_tag("registry.k8s.io/kube-controller-manager:v1.30.2@sha256:abcd"), Some("v1.30.2"));
        assert_eq!(image_tag("registry.k8s.io/kube-controller-manager@sha256:abcd"), None);
    }

    #[test]
    fn internal_load_balancer_spellings() {
        assert!(is_internal_annotation("service.beta.kubernetes.io/aws-load-balancer-internal", "true"));
        assert!(is_internal_annotation("service.beta.kubernetes.io/aws-load-balancer-internal", "0.0.0.0/0"));
        assert!(is_internal_annotation("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"));
        assert!(!is_internal_annotation("service.beta.kubernetes.io/aws-load-balancer-scheme", "internet-facing"));
        assert!(is_internal_annotation("service.beta.kubernetes.io/azure-load-balancer-internal", "true"));
        assert!(is_internal_annotation("networking.gke.io/load-balancer-type", "Internal"));
        assert!(is_internal_annotation("cloud.google.com/load-balancer-type", "Internal"));
        assert!(!is_internal_annotation("service.beta.kubernetes.io/azure-load-balancer-internal", "false"));
    }

    #[test]
    fn cloud_names() {
        assert_eq!(
            cloud_load_balancer_name("7d9c0f1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5"),
            "a7d9c0f1e2b3a4c5d8e9fa0b1c2d3e4f"
        );
    }
}

/// The range a `nodePort` is chosen from when a Service does not set one:
/// kube-apiserver's `--service-node-port-range`, `30000-32767` by default
/// (<https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/>,
/// <https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport>).
/// A kube-apiserver pod of the input that sets the flag overrides it
/// ([`super::nodes::node_port_range`]).
pub const NODE_PORT_RANGE: (u16, u16) = (30000, 32767);

/// Labels that mark a node of the control plane
/// (<https://kubernetes.io/docs/reference/labels-annotations-taints/#node-role-kubernetes-io-control-plane>;
/// `node-role.kubernetes.io/master` before 1.24).
pub const CONTROL_PLANE_LABELS: &[&str] = &["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

/// The machine a Node's `spec.providerID` names
/// (<https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/node-v1/#NodeSpec>:
/// "ID of the node assigned by the cloud provider in the format
/// `<ProviderName>://<ProviderSpecificNodeID>`"), as each cloud controller
/// writes it:
/// - AWS `aws:///ZONE/INSTANCE-ID` (the zone may be empty, `aws:////i-…`;
///   kubernetes/cloud-provider-aws, `pkg/providers/v1/instances.go`,
///   `KubernetesInstanceID`): the instance id is the last segment.
/// - Azure `azure://` + the VM's resource id, for a scale-set VM
///   `…/virtualMachineScaleSets/SET/virtualMachines/N`
///   (kubernetes-sigs/cloud-provider-azure, `pkg/provider/azure_standard.go`
///   and `azure_vmss.go`): compared with a NIC's `virtualMachine.id`,
///   case-insensitively (Azure resource ids are).
/// - GCP `gce://PROJECT/ZONE/NAME` (kubernetes/cloud-provider-gcp,
///   `providers/gce/gce_util.go`, `splitProviderID`): the instance name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderMachine {
    Aws { instance: String },
    Azure { resource_id: String },
    Gcp { project: String, zone: String, name: String },
}

impl ProviderMachine {
    /// Reads a providerID; `None` for another provider or a malformed one.
    pub fn parse(provider_id: &str) -> Option<ProviderMachine> {
        let (scheme, rest) = provider_id.trim().split_once("://")?;
        match scheme {
            "aws" => {
                let instance = rest.rsplit('/').next()?;
                instance.starts_with("i-").then(|| ProviderMachine::Aws { instance: instance.to_string() })
            }
            "azure" => {
                let id = rest.to_ascii_lowercase();
                (id.starts_with("/subscriptions/") && id.contains("/providers/microsoft.compute/virtualmachine"))
                    .then_some(ProviderMachine::Azure { resource_id: id })
            }
            "gce" => {
                let mut parts = rest.split('/');
                let (project, zone, name) = (parts.next()?, parts.next()?, parts.next()?);
                if parts.next().is_some() || [project, zone, name].iter().any(|p| p.is_empty()) {
                    return None;
                }
                Some(ProviderMachine::Gcp { project: project.into(), zone: zone.into(), name: name.into() })
            }
            _ => None,
        }
    }

    /// For people: `instance i-0abc`, `VM /subscriptions/…`, `instance cp-1 (zone us-central1-a)`.
    pub fn describe(&self) -> String {
        match self {
            ProviderMachine::Aws { instance } => format!("instance {instance}"),
            ProviderMachine::Azure { resource_id } => format!("virtual machine {resource_id}"),
            ProviderMachine::Gcp { zone, name, .. } => format!("instance {name} (zone {zone})"),
        }
    }
}

#[cfg(test)]
mod provider_id_tests {
    use super::ProviderMachine;

    #[test]
    fn provider_ids_name_their_machines() {
        let aws = |i: &str| Some(ProviderMachine::Aws { instance: i.into() });
        assert_eq!(ProviderMachine::parse("aws:///us-east-1a/i-0a1b2c3d4e5f60001"), aws("i-0a1b2c3d4e5f60001"));
        // An empty zone, as some controllers write it.
        assert_eq!(ProviderMachine::parse("aws:////i-0abc"), aws("i-0abc"));
        assert_eq!(ProviderMachine::parse("aws:///us-east-1a/fargate-ip-10-0-1-5"), None);
        let vmss = "azure:///subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachineScaleSets/set/virtualMachines/3";
        assert_eq!(
            ProviderMachine::parse(vmss),
            Some(ProviderMachine::Azure {
                resource_id: "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/set/virtualmachines/3".into()
            })
        );
        let vm = ProviderMachine::parse(
            "azure:///subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/cp-0",
        );
        assert!(
            matches!(vm, Some(ProviderMachine::Azure { resource_id }) if resource_id.ends_with("/virtualmachines/cp-0"))
        );
        assert_eq!(
            ProviderMachine::parse("azure:///subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/x"),
            None
        );
        assert_eq!(
            ProviderMachine::parse("gce://kcm-prod/us-central1-a/cp-1"),
            Some(ProviderMachine::Gcp {
                project: "kcm-prod".into(),
                zone: "us-central1-a".into(),
                name: "cp-1".into()
            })
        );
        assert_eq!(ProviderMachine::parse("gce://kcm-prod/us-central1-a"), None);
        assert_eq!(ProviderMachine::parse("gce://kcm-prod//cp-1"), None);
        assert_eq!(ProviderMachine::parse("kind://docker/kind/kind-control-plane"), None);
        assert_eq!(ProviderMachine::parse("i-0abc"), None);
    }
}
