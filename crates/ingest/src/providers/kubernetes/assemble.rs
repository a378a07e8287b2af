//! Kubernetes assembly: Service and Ingress manifests resolved against the
//! pods of every file, and each Service that reaches outside the cluster
//! made a target guarded by one allow-union layer.

use super::{manifests, KubernetesItems};
use portcullis_model::{Estate, Layer, LayerKind, Step, Target};

/// Each Service is a target guarded by one allow-union layer.
pub fn assemble(mut items: KubernetesItems, estate: &mut Estate) {
    let pods = std::mem::take(&mut items.pods);
    let services = std::mem::take(&mut items.manifest_services);
    for ing in &items.ingresses {
        items.services.extend(manifests::resolve_ingress(ing, &services, &pods));
    }
    for ms in services.into_iter().filter(|s| s.external) {
        items.services.push(manifests::resolve(ms, &pods));
    }
    estate.controller_managers.append(&mut items.controller_managers);
    estate.network_policies.append(&mut items.network_policies);
    for s in items.services {
        let l = estate.add_layer(Layer {
            id: s.id.clone(),
            kind_name: s.layer_name.clone(),
            kind: LayerKind::AllowUnion,
            span: s.span.clone(),
            entries: s.entries,
        });
        // A manifest Service is named `Service ns/name` already.
        let kind_name = if s.id.starts_with("Service ") || s.id.starts_with("Ingress ") {
            "Kubernetes"
        } else {
            "Kubernetes Service"
        };
        estate.targets.push(Target {
            id: s.id,
            kind_name: kind_name.into(),
            span: s.span,
            path: vec![Step { layers: vec![l] }],
            notes: s.notes,
        });
    }
}
