//! GCP paths: instances' network interfaces and external addresses, a VPC
//! network's routes, and the forwarding rules that put a load balancer in
//! front of instances (target pools, backend services, target proxies, URL
//! maps, instance groups), read from `gcloud` dumps and Terraform onto
//! [`NetworkItems`], then assembled onto the model's topology
//! (`portcullis_model::topology`) by [`assemble`].
//!
//! Both formats go through one reader per resource ([`Source`] hides the
//! field names: the Compute API's camelCase in dumps, the google
//! provider's snake_case in Terraform). References are kept as the input
//! writes them, reduced to a key ([`key`]: a URL's last segment, a
//! Terraform address), and resolved across files in [`assemble`]. The
//! provider facts applied here are in [`super::facts`] with their sources.

mod assemble;
mod read;

pub use assemble::{assemble, Placed};
pub use read::{address, backend, forwarding_rule, group, manager, nics, pool, proxy, route, url_map};

use crate::languages::terraform::refs::{is_resource_address, strip_indexes, type_of};
use crate::languages::terraform::resource::Resource;
use portcullis_model::topology::Described;
use portcullis_model::{Cidr, Known, PortSet, Span, Unknown};
use portcullis_syntax::{Kind, Value};

/// A reference or a name as a comparable key: the last segment of a URL
/// or path (`…/zones/z/instances/vm-1` → `vm-1`, `z/vm-1` → `vm-1`), a
/// Terraform address without its index; lower-cased.
pub fn key(s: &str) -> String {
    let t = s.trim().trim_end_matches('/');
    if is_resource_address(t) {
        return strip_indexes(t).to_ascii_lowercase();
    }
    t.rsplit('/').next().unwrap_or(t).to_ascii_lowercase()
}

/// One resource as a reader sees it: a dump's object (camelCase fields,
/// references as URLs) or a Terraform resource (snake_case arguments,
/// references also as the addresses their expressions name).
pub struct Source<'a> {
    pub value: &'a Value,
    pub resource: Option<&'a Resource>,
}

impl<'a> Source<'a> {
    pub fn dump(value: &'a Value) -> Self {
        Source { value, resource: None }
    }

    pub fn terraform(r: &'a Resource) -> Self {
        Source { value: &r.values, resource: Some(r) }
    }

    pub(super) fn field(&self, dump: &str, terraform: &str) -> Option<&'a Value> {
        let k = if self.resource.is_some() { terraform } else { dump };
        self.value.get(k).filter(|v| !v.is_null())
    }

    /// Keys of what `dump`/`terraform` refers to: its known text (or each
    /// element of a known list), then (Terraform) the addresses of type
    /// `types` its expression names.
    pub(super) fn refs(&self, dump: &str, terraform: &str, types: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        refs_in(self.field(dump, terraform), &mut out);
        if let Some(r) = self.resource {
            self.addresses(r, &[terraform.to_string()], types, &mut out);
        }
        out
    }

    pub(super) fn addresses(&self, r: &Resource, attrs: &[String], types: &[&str], out: &mut Vec<String>) {
        for a in attrs {
            for s in r.refs.get(a).into_iter().flatten() {
                if is_resource_address(s) && type_of(s).is_some_and(|t| types.contains(&t.as_str())) {
                    let k = key(s);
                    if !out.contains(&k) {
                        out.push(k);
                    }
                }
            }
        }
    }

    pub(super) fn text(&self, dump: &str, terraform: &str) -> Option<Result<String, Unknown>> {
        let v = self.field(dump, terraform)?;
        match &v.kind {
            Kind::Unknown { reason, .. } => Some(Err(unknown(terraform, reason, &v.span))),
            _ => v.text().filter(|s| !s.is_empty()).map(Ok),
        }
    }

    /// The name (dumps) or the Terraform address.
    pub(super) fn id(&self) -> Option<String> {
        match self.resource {
            Some(r) => Some(r.address.clone()),
            None => self.value.get("name").and_then(Value::as_str).map(str::to_string),
        }
    }

    /// Names it goes by: `name`, `selfLink`/`self_link`, `id` and the
    /// Terraform address, as keys.
    pub(super) fn aliases(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self.resource {
            out.push(key(&r.address));
        }
        for k in ["name", "selfLink", "self_link"] {
            if let Some(s) = self.value.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()) {
                let k = key(s);
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        out
    }

    /// Where it lives, as far as the input says: its project and region
    /// (a zone's region), from its `selfLink` or its `region`/`zone`
    /// field; Terraform's `project`, `region`, `zone` arguments. A global
    /// resource has no region.
    pub fn location(&self) -> Location {
        let mut out = Location::default();
        if let Some(s) = self.value.get("selfLink").and_then(Value::as_str) {
            out = Location::of_url(s);
        }
        for field in ["region", "zone"] {
            if out.region.is_none() {
                if let Some(Ok(s)) = self.text(field, field) {
                    let mut l = Location::of_url(&s);
                    if l.region.is_none() && !s.contains('/') {
                        l = Location::of_url(&format!("{}s/{s}", field));
                    }
                    out.region = l.region;
                }
            }
        }
        if out.project.is_none() {
            out.project = self.text("project", "project").and_then(Result::ok).map(|p| p.to_ascii_lowercase());
        }
        out
    }

    pub(super) fn span(&self) -> Span {
        match self.resource {
            Some(r) => r.span.clone(),
            None => self.value.span.clone(),
        }
    }
}

pub(super) fn refs_in(v: Option<&Value>, out: &mut Vec<String>) {
    let Some(v) = v else { return };
    match &v.kind {
        Kind::List(l) => l.iter().for_each(|x| refs_in(Some(x), out)),
        _ => {
            if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                let k = key(s);
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
    }
}

pub(super) fn unknown(what: &str, reason: &str, span: &Span) -> Unknown {
    Unknown { what: what.to_string(), reason: reason.to_string(), span: span.clone() }
}

/// Where a resource lives: what decides which instances a regional load
/// balancer can reach (its backends are in its region,
/// docs/semantics.md "GCP").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub project: Option<String>,
    /// `us-central1` (a zone's region: `us-central1-a` → `us-central1`).
    pub region: Option<String>,
}

impl Location {
    /// From a URL or path: `…/projects/P/regions/R/…`, `…/zones/Z/…`.
    pub fn of_url(url: &str) -> Location {
        let parts: Vec<&str> = url.split('/').collect();
        let after = |name: &str| {
            parts.windows(2).find(|w| w[0] == name).map(|w| w[1].to_ascii_lowercase()).filter(|s| !s.is_empty())
        };
        let region = after("regions").or_else(|| {
            after("zones").map(|z| match z.rsplit_once('-') {
                Some((r, _)) => r.to_string(),
                None => z,
            })
        });
        Location { project: after("projects"), region }
    }

    /// Whether something here may be in `other`'s region (unknown on
    /// either side: yes).
    pub fn same_region(&self, other: &Location) -> bool {
        match (&self.region, &other.region) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// An external address of a network interface.
#[derive(Clone, Debug)]
pub struct External {
    /// The address when the input has it.
    pub address: Option<String>,
    /// `ephemeral external IPv4 address`, `external IPv4 address`,
    /// `external IPv6 address`.
    pub what: String,
    pub span: Span,
}

/// One network interface of an instance.
#[derive(Clone, Debug)]
pub struct Nic {
    /// `nic0`, `nic1`… (its position when the input does not name it).
    pub name: String,
    pub span: Span,
    /// Ways to name its network and subnetwork (lower-cased keys).
    pub network: Vec<String>,
    pub subnetwork: Vec<String>,
    /// Its internal address (`networkIP` / `network_ip`).
    pub private: Option<String>,
    pub external_v4: Known<Option<External>>,
    pub external_v6: Known<Option<External>>,
}

/// Where a route sends packets, as written.
#[derive(Clone, Debug)]
pub enum Hop {
    /// `nextHopGateway`: the default internet gateway (the only gateway).
    Gateway(String),
    Instance(String),
    Ip(String),
    Ilb(String),
    VpnTunnel(String),
    /// A subnet route (`nextHopNetwork`).
    Network(String),
    Peering(String),
    /// A Network Connectivity Center hub.
    Hub(String),
    Unknown(Unknown),
}

/// A route of a VPC network.
#[derive(Clone, Debug)]
pub struct RouteItem {
    pub id: String,
    pub span: Span,
    pub network: Vec<String>,
    pub destination: Known<Cidr>,
    pub destination_label: String,
    pub priority: u32,
    pub tags: Vec<String>,
    pub hop: Hop,
}

/// A forwarding rule: an address and ports in front of a target pool, a
/// backend service or a target proxy.
#[derive(Clone, Debug)]
pub struct ForwardingRuleItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    /// `EXTERNAL`, `EXTERNAL_MANAGED`, `INTERNAL`…
    pub scheme: Known<String>,
    /// `TCP`, `UDP`, `L3_DEFAULT`…
    pub protocol: Known<String>,
    pub ports: Known<PortSet>,
    pub ports_span: Option<Span>,
    /// `targetPools/…`, `targetHttpProxies/…` (the collection) and the key.
    pub target: Option<(String, String)>,
    pub backend_service: Option<String>,
    pub address: Option<String>,
    pub ipv6: bool,
    /// Its description (GKE writes `{"kubernetes.io/service-name":"ns/name"}`).
    pub description: Option<String>,
    /// Its project and region (none for a global rule).
    pub location: Location,
}

/// A target pool: the instances a target-pool-based forwarding rule sends
/// to.
#[derive(Clone, Debug)]
pub struct PoolItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub instances: Known<Vec<(String, Span)>>,
}

/// A backend service: the instance groups a forwarding rule or proxy sends
/// to.
#[derive(Clone, Debug)]
pub struct BackendItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub scheme: Known<String>,
    pub groups: Known<Vec<String>>,
    /// The named port proxies connect to (`portName`, default `http`).
    pub port_name: Option<String>,
    pub location: Location,
    /// Read from `gcloud compute backend-services list`, which lists
    /// every backend service of its project (a configuration shows only
    /// its own).
    pub listed: bool,
}

/// An instance group: its members (Terraform's unmanaged groups list them)
/// and named ports.
#[derive(Clone, Debug)]
pub struct GroupItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub instances: Known<Vec<(String, Span)>>,
    pub named_ports: Vec<(String, u16)>,
}

/// A target proxy (HTTP, HTTPS, TCP, SSL): what it sends to.
#[derive(Clone, Debug)]
pub struct ProxyItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub service: Vec<String>,
    pub url_map: Vec<String>,
}

/// A URL map: the backend services it can send to.
#[derive(Clone, Debug)]
pub struct UrlMapItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub services: Vec<String>,
}

/// A reserved address (`gcloud compute addresses list`,
/// `google_compute_address`).
#[derive(Clone, Debug)]
pub struct AddressItem {
    pub id: String,
    pub aliases: Vec<String>,
    pub span: Span,
    pub address: Option<String>,
    pub external: bool,
}

/// Everything about GCP paths one file contributed.
#[derive(Clone, Debug, Default)]
pub struct NetworkItems {
    pub routes: Vec<RouteItem>,
    pub forwarding_rules: Vec<ForwardingRuleItem>,
    pub pools: Vec<PoolItem>,
    pub backends: Vec<BackendItem>,
    pub groups: Vec<GroupItem>,
    pub proxies: Vec<ProxyItem>,
    pub url_maps: Vec<UrlMapItem>,
    pub addresses: Vec<AddressItem>,
    /// Kinds of input the file held, even when it listed nothing.
    pub described: Vec<Described>,
}

impl NetworkItems {
    pub fn extend(&mut self, o: NetworkItems) {
        self.routes.extend(o.routes);
        self.forwarding_rules.extend(o.forwarding_rules);
        self.pools.extend(o.pools);
        self.backends.extend(o.backends);
        self.groups.extend(o.groups);
        self.proxies.extend(o.proxies);
        self.url_maps.extend(o.url_maps);
        self.addresses.extend(o.addresses);
        for d in o.described {
            self.mark(d);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
            && self.forwarding_rules.is_empty()
            && self.pools.is_empty()
            && self.backends.is_empty()
            && self.groups.is_empty()
            && self.proxies.is_empty()
            && self.url_maps.is_empty()
            && self.addresses.is_empty()
            && self.described.is_empty()
    }

    pub fn mark(&mut self, d: Described) {
        if !self.described.contains(&d) {
            self.described.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(key("https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances/VM-1"), "vm-1");
        assert_eq!(key("us-central1-a/vm-1"), "vm-1");
        assert_eq!(key("google_compute_target_pool.kcm"), "google_compute_target_pool.kcm");
        assert_eq!(key("module.lb.google_compute_target_pool.kcm[0]"), "module.lb.google_compute_target_pool.kcm");
        assert_eq!(key("default"), "default");
    }

    #[test]
    fn locations_from_urls() {
        let zone =
            Location::of_url("https://www.googleapis.com/compute/v1/projects/p-1/zones/us-central1-a/instances/vm");
        assert_eq!(zone, Location { project: Some("p-1".into()), region: Some("us-central1".into()) });
        let region = Location::of_url("projects/p-1/regions/europe-west1/forwardingRules/fr");
        assert_eq!(region.region.as_deref(), Some("europe-west1"));
        let global = Location::of_url("projects/p-1/global/forwardingRules/fr");
        assert_eq!(global, Location { project: Some("p-1".into()), region: None });
        assert!(global.same_region(&zone), "a global rule is not narrowed by region");
        assert!(!region.same_region(&zone));
        assert!(zone.same_region(&Location::of_url("zones/us-central1-f")));
    }
}
