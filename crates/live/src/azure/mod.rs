//! Azure, read live through Resource Manager: in each subscription the
//! network security groups, network interfaces, public IP addresses, load
//! balancers and route tables, every `nextLink` followed, and the service
//! tags (their address prefixes resolve rules like `AzureCloud`). Each list
//! becomes the document `az network … list` prints: the REST resources with
//! `properties` flattened into each resource and sub-resource (the SDK
//! models' `x-ms-client-flatten`), `resourceGroup` added to every object
//! whose id names one, keys sorted, two-space indent.
//!
//! Resource Manager is `https://management.azure.com`, or
//! `PORTCULLIS_AZURE_RESOURCE_MANAGER_URL` (the tests' local server).

pub mod credentials;

use crate::doc::{self, Doc};
use crate::env::Env;
use crate::error::{ErrorKind, LiveError};
use crate::http::{self, Http};
use crate::{rest, Progress, Reading, Sink, Tally};

/// The Network resource provider's API version
/// (<https://learn.microsoft.com/rest/api/virtualnetwork/>).
pub const NETWORK_API: &str = "2024-05-01";
/// Subscriptions (<https://learn.microsoft.com/rest/api/resources/subscriptions/list>).
pub const SUBSCRIPTIONS_API: &str = "2022-12-01";

#[derive(Clone, Debug)]
pub struct Options {
    /// None: every subscription the credentials can list.
    pub subscriptions: Vec<String>,
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { subscriptions: Vec::new(), concurrency: 8 }
    }
}

/// One list call in a subscription.
#[derive(Debug)]
pub struct Call {
    /// The resource type under `Microsoft.Network/`.
    pub resource: &'static str,
    pub file: &'static str,
    pub noun: &'static str,
    pub role_action: &'static str,
}

pub static CALLS: &[Call] = &[
    Call {
        resource: "networkSecurityGroups",
        file: "az-network-nsg-list.json",
        noun: "network security groups",
        role_action: "Microsoft.Network/networkSecurityGroups/read",
    },
    Call {
        resource: "networkInterfaces",
        file: "az-network-nic-list.json",
        noun: "network interfaces",
        role_action: "Microsoft.Network/networkInterfaces/read",
    },
    Call {
        resource: "publicIPAddresses",
        file: "az-network-public-ip-list.json",
        noun: "public IP addresses",
        role_action: "Microsoft.Network/publicIPAddresses/read",
    },
    Call {
        resource: "loadBalancers",
        file: "az-network-lb-list.json",
        noun: "load balancers",
        role_action: "Microsoft.Network/loadBalancers/read",
    },
    Call {
        resource: "routeTables",
        file: "az-network-route-table-list.json",
        noun: "route tables",
        role_action: "Microsoft.Network/routeTables/read",
    },
];

/// `az network list-service-tags --location …`
pub const SERVICE_TAGS_FILE: &str = "az-network-list-service-tags.json";

/// Every permission the Azure reader uses, for the custom role in the
/// README.
pub fn role_actions() -> std::collections::BTreeSet<&'static str> {
    let mut out: std::collections::BTreeSet<&'static str> = CALLS.iter().map(|c| c.role_action).collect();
    out.insert("Microsoft.Network/locations/serviceTags/read");
    out.insert("Microsoft.Resources/subscriptions/read");
    out
}

fn arm_base(env: &Env) -> String {
    env.var("PORTCULLIS_AZURE_RESOURCE_MANAGER_URL")
        .unwrap_or("https://management.azure.com")
        .trim_end_matches('/')
        .to_string()
}

/// The CA bundle Python's requests (under az) would use.
pub(crate) fn python_ca_bundle(env: &Env) -> Option<std::path::PathBuf> {
    env.var("REQUESTS_CA_BUNDLE").or_else(|| env.var("SSL_CERT_FILE")).map(|p| env.expand(p))
}

pub fn read(options: &Options, env: &Env, progress: &dyn Progress) -> Reading {
    crate::read_with("azure", |sink, tally| read_into(options, env, progress, sink, tally))
}

struct Context<'a> {
    http: &'a Http,
    token: &'a str,
    base: &'a str,
    progress: &'a dyn Progress,
    sink: &'a Sink,
    tally: &'a Tally,
}

fn read_into(
    options: &Options,
    env: &Env,
    progress: &dyn Progress,
    sink: &Sink,
    tally: &Tally,
) -> Result<(), LiveError> {
    let http = Http::new(python_ca_bundle(env).as_deref(), http::API_TIMEOUTS)?;
    let metadata_http = Http::new(None, http::METADATA_TIMEOUTS)?;
    let token = credentials::token(env, &http, &metadata_http)?;
    let base = arm_base(env);
    let context = Context { http: &http, token: &token.access_token, base: &base, progress, sink, tally };
    let subscriptions = if options.subscriptions.is_empty() {
        progress.calls_planned(1);
        let url = format!("{base}/subscriptions?api-version={SUBSCRIPTIONS_API}");
        let list = context.list(&url, "Microsoft.Resources/subscriptions:list", "subscriptions", false);
        progress.call_finished();
        let ids: Vec<String> =
            list?.iter().filter_map(|s| s.get("subscriptionId").and_then(Doc::as_str).map(str::to_string)).collect();
        if ids.is_empty() {
            return Err(LiveError::new(
                ErrorKind::Denied,
                format!("the credentials ({}) see no subscription", token.source),
            ));
        }
        ids
    } else {
        options.subscriptions.clone()
    };
    progress.calls_planned((subscriptions.len() * CALLS.len()) as u64);
    let context = &context;
    crate::pool::run(options.concurrency, |queue| {
        for subscription in &subscriptions {
            tally.scope("subscriptions");
            for call in CALLS {
                let subscription = subscription.clone();
                queue.spawn(move |queue| {
                    let place = format!("azure subscription {subscription}");
                    let url = format!(
                        "{}/subscriptions/{subscription}/providers/Microsoft.Network/{}?api-version={NETWORK_API}",
                        context.base, call.resource
                    );
                    let result =
                        context.list(&url, &format!("Microsoft.Network/{}:list", call.resource), call.noun, true);
                    context.progress.call_finished();
                    let items = match result {
                        Ok(items) => items,
                        Err(e) => return context.sink.error(e.at(place)),
                    };
                    // Service tags are read where the groups are, when there
                    // are groups whose rules may name them.
                    let location = (call.resource == "networkSecurityGroups")
                        .then(|| items.iter().find_map(|n| n.get("location").and_then(Doc::as_str).map(str::to_string)))
                        .flatten();
                    let shaped: Vec<Doc> = items.into_iter().map(az_shape).collect();
                    context.tally.add(call.noun, shaped.len() as u64);
                    context.sink.document(
                        format!("azure/{subscription}/{}", call.file),
                        doc::print(&Doc::List(shaped), doc::AZ_GCLOUD_CLI),
                    );
                    if let Some(location) = location {
                        context.progress.calls_planned(1);
                        queue.spawn(move |_| context.service_tags(&subscription, &location));
                    }
                });
            }
        }
    });
    let mut nouns: Vec<&str> = CALLS.iter().map(|c| c.noun).collect();
    nouns.push("service tags");
    tally.order(&nouns);
    Ok(())
}

impl Context<'_> {
    /// Every item of a list, `nextLink` followed to the end.
    fn list(&self, first: &str, call: &str, noun: &'static str, count: bool) -> Result<Vec<Doc>, LiveError> {
        let mut items = Vec::new();
        let mut next = Some(first.to_string());
        let mut seen = std::collections::HashSet::new();
        while let Some(url) = next.take() {
            if !seen.insert(url.clone()) {
                return Err(LiveError::new(ErrorKind::Malformed, format!("nextLink {url} came back twice"))
                    .in_call(call.to_string()));
            }
            let mut page = rest::get_json(self.http, &url, self.token, call, &|| self.tally.request())?;
            if let Some(Doc::List(value)) = page.remove("value") {
                if count {
                    self.progress.items_read(noun, value.len() as u64);
                }
                items.extend(value);
            }
            next = page.remove("nextLink").and_then(|l| l.as_str().map(str::to_string)).filter(|l| !l.is_empty());
        }
        Ok(items)
    }

    fn service_tags(&self, subscription: &str, location: &str) {
        let call = "Microsoft.Network/locations/serviceTags:list";
        let url = format!(
            "{}/subscriptions/{subscription}/providers/Microsoft.Network/locations/{location}/serviceTags?api-version={NETWORK_API}",
            self.base
        );
        let result = rest::get_json(self.http, &url, self.token, call, &|| self.tally.request());
        self.progress.call_finished();
        match result {
            Ok(mut answer) => {
                add_resource_group(&mut answer);
                let n = answer.get("values").and_then(Doc::as_list).map_or(0, |v| v.len() as u64);
                self.tally.add("service tags", n);
                self.progress.items_read("service tags", n);
                self.sink.document(
                    format!("azure/{subscription}/{SERVICE_TAGS_FILE}"),
                    doc::print(&answer, doc::AZ_GCLOUD_CLI),
                );
            }
            Err(e) => self.sink.error(e.at(format!("azure subscription {subscription}"))),
        }
    }
}

/// A REST resource as `az` prints it: `properties` flattened into every
/// object that is a resource or sub-resource (has an `id`, or is the
/// resource itself), and `resourceGroup` added.
pub fn az_shape(mut resource: Doc) -> Doc {
    flatten(&mut resource, true);
    add_resource_group(&mut resource);
    resource
}

fn flatten(value: &mut Doc, is_resource: bool) {
    match value {
        Doc::Object(members) => {
            let has_id = members.iter().any(|(k, _)| k == "id");
            if is_resource || has_id {
                if let Some(at) = members.iter().position(|(k, v)| k == "properties" && matches!(v, Doc::Object(_))) {
                    let (_, props) = members.remove(at);
                    if let Doc::Object(inner) = props {
                        for (k, v) in inner {
                            match members.iter_mut().find(|(have, _)| *have == k) {
                                Some(slot) => slot.1 = v,
                                None => members.push((k, v)),
                            }
                        }
                    }
                }
            }
            for (k, v) in members.iter_mut() {
                // Tags are the user's own strings, never flattened.
                if k != "tags" {
                    flatten(v, false);
                }
            }
        }
        Doc::List(items) => items.iter_mut().for_each(|i| flatten(i, false)),
        _ => {}
    }
}

/// az adds `resourceGroup` to every object with an `id` naming one (but
/// not under `sourceVault`), unless it has one.
fn add_resource_group(value: &mut Doc) {
    match value {
        Doc::Object(members) => {
            let has = members.iter().any(|(k, _)| k.eq_ignore_ascii_case("resourcegroup"));
            if !has {
                let group = members
                    .iter()
                    .find(|(k, _)| k == "id")
                    .and_then(|(_, v)| v.as_str())
                    .and_then(resource_group_of)
                    .map(str::to_string);
                if let Some(g) = group {
                    members.push(("resourceGroup".into(), Doc::String(g)));
                }
            }
            for (k, v) in members.iter_mut() {
                if k != "sourceVault" {
                    add_resource_group(v);
                }
            }
        }
        Doc::List(items) => items.iter_mut().for_each(add_resource_group),
        _ => {}
    }
}

/// The segment after `resourceGroups` in an ARM id (any case).
pub fn resource_group_of(id: &str) -> Option<&str> {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("resourcegroups") {
            return parts.next().filter(|g| !g.is_empty());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_like_az() {
        let rest: Doc = serde_json::from_str(
            r#"{"id": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/web",
                "name": "web", "location": "westeurope", "tags": {"properties": "kept"},
                "properties": {"provisioningState": "Succeeded",
                  "securityRules": [{"id": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/web/securityRules/r",
                                      "name": "r", "properties": {"priority": 100, "access": "Allow"}}],
                  "networkInterfaces": [{"id": "/subscriptions/s/resourceGroups/RG2/providers/Microsoft.Network/networkInterfaces/n"}]}}"#,
        )
        .unwrap();
        let text = doc::print(&az_shape(rest), doc::AZ_GCLOUD_CLI);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["resourceGroup"], "rg1");
        assert_eq!(v["provisioningState"], "Succeeded");
        assert_eq!(v["securityRules"][0]["priority"], 100);
        assert_eq!(v["securityRules"][0]["resourceGroup"], "rg1");
        assert_eq!(v["networkInterfaces"][0]["resourceGroup"], "RG2");
        assert_eq!(v["tags"]["properties"], "kept");
        assert!(v.get("properties").is_none());
        // Sorted keys, two spaces.
        assert!(text.starts_with("{\n  \"id\""), "{text}");
    }
}
