//! Kubernetes assembly: Service and Ingress manifests resolved against the
//! pods of every file, and each Service that reaches outside the cluster
//! made a target guarded by one allow-union layer.
//!
//! A `LoadBalancer` Service whose cloud load balancer is in the input (the
//! cloud providers are assembled first) is attached to it, so its findings
//! carry that load balancer's path ([`match_cloud`]).

use super::{facts, manifests, KubernetesItems};
use portcullis_model::topology::{Attachment, Listener, LoadBalancer, LoadBalancerId};
use portcullis_model::{Estate, Known, Layer, LayerKind, PortSet, ProtoMatch, Step, Target};

/// A LoadBalancer Service's ties to its cloud load balancer.
struct Front {
    service: String,
    ingress: Vec<String>,
    uid: Option<String>,
    ports: Vec<(Known<ProtoMatch>, u16, PortSet)>,
}

/// Each Service is a target guarded by one allow-union layer.
pub fn assemble(mut items: KubernetesItems, estate: &mut Estate) {
    let pods = std::mem::take(&mut items.pods);
    let services = std::mem::take(&mut items.manifest_services);
    for ing in &items.ingresses {
        items.services.extend(manifests::resolve_ingress(ing, &services, &pods));
    }
    let mut fronts = Vec::new();
    for ms in services.into_iter().filter(|s| s.external) {
        if ms.kind == "LoadBalancer" {
            fronts.push(Front {
                service: ms.id.clone(),
                ingress: ms.ingress.clone(),
                uid: ms.uid.clone(),
                ports: manifests::front_ports(&ms, &pods),
            });
        }
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
        let mut notes = s.notes;
        if let Some(f) = fronts.iter().find(|f| f.service == s.id) {
            if let Some(note) = match_cloud(f, estate.targets.len(), estate) {
                notes.push(note);
            }
        }
        estate.targets.push(Target {
            id: s.id,
            kind_name: kind_name.into(),
            span: s.span,
            path: vec![Step { layers: vec![l] }],
            notes,
        });
    }
}

/// Finds the cloud load balancer a LoadBalancer Service got and attaches
/// target `target` to the Service's view of it: the load balancer listens
/// on the Service's ports and delivers to the ports the Service forwards
/// to, so a finding on a pod's port (10257 behind 443) follows the
/// listener that carries it. Matched by the address the cloud controller
/// wrote to `status.loadBalancer.ingress`, else by the name it gives the
/// load balancer ([`facts::cloud_load_balancer_name`]); the note says
/// which.
fn match_cloud(front: &Front, target: usize, estate: &mut Estate) -> Option<String> {
    let topology = &estate.topology;
    let gke_name = front.uid.as_deref().map(facts::cloud_load_balancer_name);
    let (index, how) = topology.load_balancers.iter().enumerate().find_map(|(i, lb)| {
        if let Some(ip) = front.ingress.iter().find(|ip| lb.public.iter().any(|p| p.address.as_deref() == Some(ip))) {
            return Some((i, format!("status.loadBalancer.ingress {ip}")));
        }
        let named =
            gke_name.as_deref().is_some_and(|n| lb.id.eq_ignore_ascii_case(n) || lb.id.ends_with(&format!(".{n}")));
        named.then(|| (i, format!("the name the cloud controller gives it ({})", gke_name.clone().unwrap_or_default())))
    })?;
    let lb = &topology.load_balancers[index];
    let mut listeners = Vec::new();
    for l in &lb.listeners {
        for (protocol, port, backend) in &front.ports {
            let same = match protocol {
                Known::Known(ProtoMatch::One(p)) => *p == l.protocol,
                Known::Known(ProtoMatch::All) | Known::Unknown(_) => true,
            };
            let listens = match &l.ports {
                Known::Known(ps) => ps.contains(*port),
                Known::Unknown(_) => true,
            };
            if !same || !listens {
                continue;
            }
            let mut ports = backend.clone();
            ports.union_in_place(&PortSet::point(*port));
            listeners.push(Listener {
                ports: match &l.ports {
                    Known::Known(_) => Known::Known(ports),
                    Known::Unknown(u) => Known::Unknown(u.clone()),
                },
                protocol: l.protocol,
                label: format!("{} (Service port {port})", l.label),
                span: l.span.clone(),
                forwards: Vec::new(),
            });
        }
    }
    let view = LoadBalancer { listeners, ..lb.clone() };
    let note = format!("its cloud load balancer is {}, matched by {how}", lb.id);
    estate.topology.load_balancers.push(view);
    let id = LoadBalancerId::at(estate.topology.load_balancers.len() - 1);
    estate.topology.attach(target, Attachment::Frontend(id));
    Some(note)
}
