//! `gcloud compute … list --format=json` dumps of what decides paths, each
//! an array of the Compute API's resources (or one, from `describe`),
//! recognised by each resource's `kind` (`compute#instance`), else by the
//! fields only that resource has:
//!
//! - `instances list`: <https://cloud.google.com/compute/docs/reference/rest/v1/instances>
//! - `routes list`: <https://cloud.google.com/compute/docs/reference/rest/v1/routes>
//! - `forwarding-rules list`: <https://cloud.google.com/compute/docs/reference/rest/v1/forwardingRules>
//! - `target-pools list`: <https://cloud.google.com/compute/docs/reference/rest/v1/targetPools>
//! - `backend-services list`: <https://cloud.google.com/compute/docs/reference/rest/v1/backendServices>
//! - `instance-groups list`: <https://cloud.google.com/compute/docs/reference/rest/v1/instanceGroups>
//! - `target-http-proxies` / `target-https-proxies` / `target-tcp-proxies`
//!   / `target-ssl-proxies list`, `url-maps list`, `addresses list`.
//!
//! The live reader (`portcullis-live`) saves the same documents.

use super::super::network::{self as net, Source};
use super::super::{GcpItems, Instance};
use crate::context::Context;
use portcullis_model::topology::Described;
use portcullis_model::Known;
use portcullis_syntax::json::Node;
use portcullis_syntax::Value;

/// What one resource is, by its `kind` or its own fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Instance,
    Route,
    ForwardingRule,
    TargetPool,
    BackendService,
    InstanceGroup,
    TargetProxy,
    UrlMap,
    Address,
}

impl Resource {
    /// The format name a dump of these is reported as.
    pub fn format(self) -> &'static str {
        match self {
            Resource::Instance => "gcp-instances",
            Resource::Route => "gcp-routes",
            Resource::ForwardingRule => "gcp-forwarding-rules",
            Resource::TargetPool => "gcp-target-pools",
            Resource::BackendService => "gcp-backend-services",
            Resource::InstanceGroup => "gcp-instance-groups",
            Resource::TargetProxy => "gcp-target-proxies",
            Resource::UrlMap => "gcp-url-maps",
            Resource::Address => "gcp-addresses",
        }
    }
}

/// The resource a dump's object is, if it is one of these.
pub fn resource_of(n: &Node) -> Option<Resource> {
    let has = |k: &str| n.get(k).is_some();
    if let Some(kind) = n.get("kind").and_then(Node::as_str) {
        return match kind {
            "compute#instance" => Some(Resource::Instance),
            "compute#route" => Some(Resource::Route),
            "compute#forwardingRule" => Some(Resource::ForwardingRule),
            "compute#targetPool" => Some(Resource::TargetPool),
            "compute#backendService" => Some(Resource::BackendService),
            "compute#instanceGroup" => Some(Resource::InstanceGroup),
            "compute#targetHttpProxy"
            | "compute#targetHttpsProxy"
            | "compute#targetTcpProxy"
            | "compute#targetSslProxy" => Some(Resource::TargetProxy),
            "compute#urlMap" => Some(Resource::UrlMap),
            "compute#address" => Some(Resource::Address),
            _ => None,
        };
    }
    if has("networkInterfaces") && has("machineType") {
        Some(Resource::Instance)
    } else if has("destRange") && has("network") {
        Some(Resource::Route)
    } else if has("IPProtocol") && (has("target") || has("backendService") || has("loadBalancingScheme")) {
        Some(Resource::ForwardingRule)
    } else if has("backends") && (has("protocol") || has("loadBalancingScheme")) {
        Some(Resource::BackendService)
    } else if has("defaultService") && (has("hostRules") || has("pathMatchers")) {
        Some(Resource::UrlMap)
    } else if has("address") && has("addressType") {
        Some(Resource::Address)
    } else {
        None
    }
}

/// `created-by` in an instance's metadata: the managed instance group that
/// made it (<https://cloud.google.com/compute/docs/instance-groups/getting-info-about-migs>).
fn created_by(v: &Value) -> Option<String> {
    let items = v.get("metadata")?.get("items")?.as_list()?;
    let item = items.iter().find(|i| i.get("key").and_then(Value::as_str) == Some("created-by"))?;
    let s = item.get("value")?.as_str()?;
    s.contains("/instanceGroupManagers/").then(|| net::key(s))
}

fn instance(v: &Value) -> Option<Instance> {
    let name = v.get("name").and_then(Value::as_str)?.to_string();
    let src = Source::dump(v);
    let nics = net::nics(&src);
    let first = nics.first();
    let tags: Vec<String> = v
        .get("tags")
        .and_then(|t| t.get("items"))
        .and_then(Value::as_list)
        .map(|l| l.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let service_account = v
        .get("serviceAccounts")
        .and_then(Value::as_list)
        .and_then(|l| l.first())
        .and_then(|s| s.get("email"))
        .and_then(Value::as_str)
        .map(|e| Known::Known(e.to_string()));
    let mut aliases = vec![net::key(&name)];
    if let Some(s) = v.get("selfLink").and_then(Value::as_str) {
        let k = net::key(s);
        if !aliases.contains(&k) {
            aliases.push(k);
        }
    }
    Some(Instance {
        id: name,
        span: v.span.clone(),
        network: first.map(|n| n.network.clone()).unwrap_or_default(),
        subnetwork: first.map(|n| n.subnetwork.clone()).unwrap_or_default(),
        tags: Known::Known(tags),
        service_account,
        aliases,
        nics,
        created_by: created_by(v),
        location: src.location(),
    })
}

/// Reads one object of a path dump onto `items`.
pub fn read_element(ctx: &mut Context, n: &Node, what: Resource, items: &mut GcpItems) {
    let v = ctx.value(n);
    let src = Source::dump(&v);
    let network = &mut items.network;
    let read = match what {
        Resource::Instance => instance(&v).map(|i| items.instances.push(i)),
        Resource::Route => net::route(&src).map(|r| network.routes.push(r)),
        Resource::ForwardingRule => net::forwarding_rule(&src).map(|r| network.forwarding_rules.push(r)),
        Resource::TargetPool => net::pool(&src).map(|r| network.pools.push(r)),
        Resource::BackendService => net::backend(&src).map(|r| network.backends.push(r)),
        Resource::InstanceGroup => net::group(&src).map(|r| network.groups.push(r)),
        Resource::TargetProxy => net::proxy(&src).map(|r| network.proxies.push(r)),
        Resource::UrlMap => net::url_map(&src).map(|r| network.url_maps.push(r)),
        Resource::Address => net::address(&src).map(|r| network.addresses.push(r)),
    };
    if read.is_none() {
        ctx.error(
            n.offset,
            crate::error::ErrorKind::Invalid,
            format!("{} without `name`: skipped", what.format().trim_start_matches("gcp-")),
        );
    }
}

/// Records which kinds of path input a dump of `what` is, even when empty.
pub fn mark(what: Resource, items: &mut GcpItems) {
    let network = &mut items.network;
    match what {
        Resource::Route => network.mark(Described::RouteTables),
        Resource::ForwardingRule => {
            network.mark(Described::LoadBalancers);
            network.mark(Described::Listeners);
        }
        Resource::TargetPool | Resource::BackendService => network.mark(Described::LoadBalancerTargets),
        Resource::Instance => network.mark(Described::PublicAddresses),
        _ => {}
    }
}

/// An empty `gcloud compute … list --format=json` (`[]`) under the name
/// the live reader saves it as (`gcloud-compute-routes-list.json`): the
/// only way to tell an empty list of routes from any other empty list.
/// It says "none of these", which is a verdict (docs/semantics.md).
pub fn empty_list(path: &str, text: &str) -> Option<Resource> {
    let t = text.trim_start_matches('\u{feff}').trim();
    if t.len() > 8 || !t.starts_with('[') || !t[1..].trim_start().starts_with(']') {
        return None;
    }
    let name = path.rsplit(['/', '\\']).next()?;
    let listed = name.strip_prefix("gcloud-compute-")?.strip_suffix("-list.json")?;
    Some(match listed {
        "instances" => Resource::Instance,
        "routes" => Resource::Route,
        "forwarding-rules" => Resource::ForwardingRule,
        "target-pools" => Resource::TargetPool,
        "backend-services" => Resource::BackendService,
        "target-http-proxies" | "target-https-proxies" | "target-tcp-proxies" | "target-ssl-proxies" => {
            Resource::TargetProxy
        }
        "url-maps" => Resource::UrlMap,
        "instance-groups" => Resource::InstanceGroup,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lists_by_their_saved_name() {
        assert_eq!(empty_list("gcp/p/gcloud-compute-routes-list.json", "[]\n"), Some(Resource::Route));
        assert_eq!(empty_list("gcloud-compute-forwarding-rules-list.json", "[ ]"), Some(Resource::ForwardingRule));
        assert_eq!(empty_list("routes.json", "[]"), None, "a name the live reader does not write");
        assert_eq!(empty_list("gcloud-compute-routes-list.json", "[{}]"), None);
        assert_eq!(empty_list("gcloud-compute-firewall-rules-list.json", "[]"), None);
        assert_eq!(empty_list("gcp/p/gcloud-compute-target-tcp-proxies-list.json", "[]"), Some(Resource::TargetProxy));
        assert_eq!(empty_list("gcloud-compute-url-maps-list.json", "[]"), Some(Resource::UrlMap));
    }
}
