//! GCP, read live through the Compute Engine API (v1): in each project the
//! firewall rules, instances, forwarding rules, target pools, backend
//! services, routes, and what stands between a proxy forwarding rule and
//! its backend services (target HTTP, HTTPS, TCP and SSL proxies, URL
//! maps) and the instance groups backend services name (their named
//! ports); every `nextPageToken` followed; the aggregated lists flattened
//! over their zones and regions in the order the API gives them,
//! as `gcloud compute … list` does. Each becomes the document `gcloud
//! compute … list --format=json` prints: the API's resources, keys sorted,
//! two-space indent.
//!
//! The API is `https://compute.googleapis.com/compute/v1`, or gcloud's own
//! override `CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE` (the tests' local
//! server).

pub mod credentials;

use crate::doc::{self, Doc};
use crate::env::Env;
use crate::error::{ErrorKind, LiveError};
use crate::http::{self, Http};
use crate::{rest, Progress, Reading, Sink, Tally};

#[derive(Clone, Debug)]
pub struct Options {
    /// None: the credentials' project, else gcloud's, else the metadata server's.
    pub projects: Vec<String>,
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { projects: Vec::new(), concurrency: 8 }
    }
}

#[derive(Debug)]
pub struct Call {
    /// The collection under the project (`global/firewalls`,
    /// `aggregated/instances`).
    pub collection: &'static str,
    /// For aggregated lists, the member holding each scope's items.
    pub aggregated: Option<&'static str>,
    pub file: &'static str,
    pub noun: &'static str,
    pub permission: &'static str,
}

pub static CALLS: &[Call] = &[
    Call {
        collection: "global/firewalls",
        aggregated: None,
        file: "gcloud-compute-firewall-rules-list.json",
        noun: "firewall rules",
        permission: "compute.firewalls.list",
    },
    Call {
        collection: "aggregated/instances",
        aggregated: Some("instances"),
        file: "gcloud-compute-instances-list.json",
        noun: "instances",
        permission: "compute.instances.list",
    },
    Call {
        collection: "aggregated/forwardingRules",
        aggregated: Some("forwardingRules"),
        file: "gcloud-compute-forwarding-rules-list.json",
        noun: "forwarding rules",
        permission: "compute.forwardingRules.list",
    },
    Call {
        collection: "aggregated/targetPools",
        aggregated: Some("targetPools"),
        file: "gcloud-compute-target-pools-list.json",
        noun: "target pools",
        permission: "compute.targetPools.list",
    },
    Call {
        collection: "aggregated/backendServices",
        aggregated: Some("backendServices"),
        file: "gcloud-compute-backend-services-list.json",
        noun: "backend services",
        permission: "compute.backendServices.list",
    },
    Call {
        collection: "aggregated/targetHttpProxies",
        aggregated: Some("targetHttpProxies"),
        file: "gcloud-compute-target-http-proxies-list.json",
        noun: "target HTTP proxies",
        permission: "compute.targetHttpProxies.list",
    },
    Call {
        collection: "aggregated/targetHttpsProxies",
        aggregated: Some("targetHttpsProxies"),
        file: "gcloud-compute-target-https-proxies-list.json",
        noun: "target HTTPS proxies",
        permission: "compute.targetHttpsProxies.list",
    },
    Call {
        collection: "aggregated/targetTcpProxies",
        aggregated: Some("targetTcpProxies"),
        file: "gcloud-compute-target-tcp-proxies-list.json",
        noun: "target TCP proxies",
        permission: "compute.targetTcpProxies.list",
    },
    // Target SSL proxies are global only: no aggregated list.
    Call {
        collection: "global/targetSslProxies",
        aggregated: None,
        file: "gcloud-compute-target-ssl-proxies-list.json",
        noun: "target SSL proxies",
        permission: "compute.targetSslProxies.list",
    },
    Call {
        collection: "aggregated/urlMaps",
        aggregated: Some("urlMaps"),
        file: "gcloud-compute-url-maps-list.json",
        noun: "URL maps",
        permission: "compute.urlMaps.list",
    },
    Call {
        collection: "aggregated/instanceGroups",
        aggregated: Some("instanceGroups"),
        file: "gcloud-compute-instance-groups-list.json",
        noun: "instance groups",
        permission: "compute.instanceGroups.list",
    },
    Call {
        collection: "global/routes",
        aggregated: None,
        file: "gcloud-compute-routes-list.json",
        noun: "routes",
        permission: "compute.routes.list",
    },
];

/// Every permission the GCP reader uses, for the custom role in the README.
pub fn permissions() -> std::collections::BTreeSet<&'static str> {
    CALLS.iter().map(|c| c.permission).collect()
}

/// Items a page asks for (the API's maximum).
const PAGE: u32 = 500;

fn compute_base(env: &Env) -> String {
    env.var("CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE")
        .map(|u| {
            // gcloud's override names the versioned root (`…/compute/v1/`)
            // or the service root (`…/compute/`); both are accepted.
            let u = u.trim_end_matches('/');
            if u.ends_with("/v1") {
                u.to_string()
            } else {
                format!("{u}/v1")
            }
        })
        .unwrap_or_else(|| "https://compute.googleapis.com/compute/v1".into())
}

pub fn read(options: &Options, env: &Env, progress: &dyn Progress) -> Reading {
    crate::read_with("gcp", |sink, tally| read_into(options, env, progress, sink, tally))
}

struct Context<'a> {
    http: &'a Http,
    token: &'a str,
    base: &'a str,
    progress: &'a dyn Progress,
    tally: &'a Tally,
}

fn read_into(
    options: &Options,
    env: &Env,
    progress: &dyn Progress,
    sink: &Sink,
    tally: &Tally,
) -> Result<(), LiveError> {
    let http = Http::new(crate::azure::python_ca_bundle(env).as_deref(), http::API_TIMEOUTS)?;
    let metadata_http = Http::new(None, http::METADATA_TIMEOUTS)?;
    let token = credentials::token(env, &http, &metadata_http)?;
    let projects = if options.projects.is_empty() {
        let project = env
            .var("GOOGLE_CLOUD_PROJECT")
            .or_else(|| env.var("CLOUDSDK_CORE_PROJECT"))
            .map(str::to_string)
            .or_else(|| token.project.clone())
            .or_else(|| credentials::gcloud_project(env))
            .ok_or_else(|| {
                LiveError::new(ErrorKind::Config, "no GCP project: name one with --project or set GOOGLE_CLOUD_PROJECT")
            })?;
        vec![project]
    } else {
        options.projects.clone()
    };
    let base = compute_base(env);
    let context = Context { http: &http, token: &token.access_token, base: &base, progress, tally };
    let context = &context;
    progress.calls_planned((projects.len() * CALLS.len()) as u64);
    crate::pool::run(options.concurrency, |queue| {
        for project in &projects {
            tally.scope("projects");
            for call in CALLS {
                let project = project.clone();
                queue.spawn(move |_| {
                    let result = context.list(&project, call);
                    context.progress.call_finished();
                    match result {
                        Ok(items) => {
                            context.tally.add(call.noun, items.len() as u64);
                            sink.document(
                                format!("gcp/{project}/{}", call.file),
                                doc::print(&Doc::List(items), doc::AZ_GCLOUD_CLI),
                            );
                        }
                        Err(e) => sink.error(e.at(format!("gcp project {project}"))),
                    }
                });
            }
        }
    });
    tally.order(&CALLS.iter().map(|c| c.noun).collect::<Vec<_>>());
    Ok(())
}

impl Context<'_> {
    fn list(&self, project: &str, call: &Call) -> Result<Vec<Doc>, LiveError> {
        let name = format!("compute.{}.list", call.collection.rsplit('/').next().unwrap_or(call.collection));
        let url = format!("{}/projects/{project}/{}", self.base, call.collection);
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut page_url = format!("{url}?maxResults={PAGE}");
            if let Some(t) = &token {
                page_url.push_str(&format!("&pageToken={}", crate::aws::sigv4::uri_encode(t, false)));
            }
            let mut page = rest::get_json(self.http, &page_url, self.token, &name, &|| self.tally.request())?;
            let before = items.len();
            match (call.aggregated, page.remove("items")) {
                (None, Some(Doc::List(list))) => items.extend(list),
                (Some(member), Some(Doc::Object(scopes))) => {
                    for (_scope, mut content) in scopes {
                        if let Some(Doc::List(list)) = content.remove(member) {
                            items.extend(list);
                        }
                    }
                }
                _ => {}
            }
            self.progress.items_read(call.noun, (items.len() - before) as u64);
            token = page.remove("nextPageToken").and_then(|t| t.as_str().map(str::to_string)).filter(|t| !t.is_empty());
            match &token {
                None => break,
                Some(t) if !seen.insert(t.clone()) => {
                    return Err(
                        LiveError::new(ErrorKind::Malformed, format!("page token {t} came back twice")).in_call(name)
                    )
                }
                Some(_) => {}
            }
        }
        Ok(items)
    }
}
