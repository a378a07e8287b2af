//! The Azure and GCP servers of the tests: Resource Manager with Entra ID,
//! and Compute Engine with Google's token endpoint, answering from the
//! providers' published example responses (tests/fixtures and its README).

use super::{Route, TlsServer};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// A fixture by name, as JSON.
pub fn fixture(path: &str) -> serde_json::Value {
    let text = match path {
        "azure/nsg-list-all.json" => include_str!("../../tests/fixtures/azure/nsg-list-all.json"),
        "azure/nsg-create-with-rule.json" => include_str!("../../tests/fixtures/azure/nsg-create-with-rule.json"),
        "azure/nic-list-all.json" => include_str!("../../tests/fixtures/azure/nic-list-all.json"),
        "azure/route-table-list-all.json" => include_str!("../../tests/fixtures/azure/route-table-list-all.json"),
        "azure/service-tags-list.json" => include_str!("../../tests/fixtures/azure/service-tags-list.json"),
        "azure/public-ip-list-all.json" => include_str!("../../tests/fixtures/azure/public-ip-list-all.json"),
        "azure/lb-list-all.json" => include_str!("../../tests/fixtures/azure/lb-list-all.json"),
        "gcp/firewall-created.json" => include_str!("../../tests/fixtures/gcp/firewall-created.json"),
        "gcp/firewall-patched.json" => include_str!("../../tests/fixtures/gcp/firewall-patched.json"),
        "gcp/instance-basic.json" => include_str!("../../tests/fixtures/gcp/instance-basic.json"),
        "gcp/target-tcp-proxy-basic.json" => include_str!("../../tests/fixtures/gcp/target-tcp-proxy-basic.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture JSON")
}

pub fn json(status: u16, v: serde_json::Value) -> Answer {
    (status, vec![("Content-Type".into(), "application/json".into())], v.to_string().into_bytes())
}

pub fn form(route: &Route) -> BTreeMap<String, String> {
    String::from_utf8_lossy(&route.body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%2F", "/").replace("%3A", ":").replace("%2E", ".")))
        .collect()
}

/// Resource Manager and Entra ID on one local server.
pub fn azure_server(throttled: Arc<AtomicUsize>) -> TlsServer {
    TlsServer::start(move |r: &Route| -> Answer {
        if r.method == "POST" && r.path() == "/tenant-1/oauth2/v2.0/token" {
            let f = form(r);
            let ok = f.get("grant_type").map(String::as_str) == Some("client_credentials")
                && f.get("client_id").map(String::as_str) == Some("app-1")
                && f.get("client_secret").map(String::as_str) == Some("s3cret")
                && f.get("scope").is_some_and(|s| s.contains("management.azure.com"));
            return if ok {
                json(200, serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "tok-azure"}))
            } else {
                json(
                    401,
                    serde_json::json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}),
                )
            };
        }
        if r.header("Authorization") != Some("Bearer tok-azure") {
            return json(401, serde_json::json!({"error": {"code": "AuthenticationFailed", "message": "no token"}}));
        }
        let base = "/subscriptions/subid/providers/Microsoft.Network";
        match r.path() {
            "/subscriptions" => json(
                200,
                serde_json::json!({"value": [{"id": "/subscriptions/subid", "subscriptionId": "subid", "state": "Enabled"}]}),
            ),
            p if p == format!("{base}/networkSecurityGroups") => {
                if r.query("$skipToken") == Some("2") {
                    json(200, serde_json::json!({"value": [fixture("azure/nsg-create-with-rule.json")]}))
                } else if throttled.fetch_add(1, Ordering::SeqCst) == 0 {
                    (
                        429,
                        vec![("Retry-After".into(), "1".into())],
                        b"{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow down\"}}".to_vec(),
                    )
                } else {
                    let mut page = fixture("azure/nsg-list-all.json");
                    page["nextLink"] = format!(
                        "{}{base}/networkSecurityGroups?api-version=2024-05-01&$skipToken=2",
                        r.header("Host").map(|h| format!("https://{h}")).unwrap_or_default()
                    )
                    .into();
                    json(200, page)
                }
            }
            p if p == format!("{base}/networkInterfaces") => json(200, fixture("azure/nic-list-all.json")),
            p if p == format!("{base}/routeTables") => json(200, fixture("azure/route-table-list-all.json")),
            p if p == format!("{base}/publicIPAddresses") => json(200, fixture("azure/public-ip-list-all.json")),
            p if p == format!("{base}/loadBalancers") => json(200, fixture("azure/lb-list-all.json")),
            p if p == format!("{base}/locations/westus/serviceTags") => {
                json(200, fixture("azure/service-tags-list.json"))
            }
            _ => json(404, serde_json::json!({"error": {"code": "NotFound", "message": r.target.clone()}})),
        }
    })
}

/// An RSA key for a service account, made with the openssl command
/// (ring cannot generate RSA keys); `None` without openssl.
pub fn rsa_key(dir: &std::path::Path) -> Option<(String, Vec<u8>)> {
    let key = dir.join("sa.pem");
    let ok = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"])
        .arg(&key)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED (service account part): no openssl");
        return None;
    }
    let public = std::process::Command::new("openssl")
        .args(["rsa", "-RSAPublicKey_out", "-outform", "DER", "-in"])
        .arg(&key)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?
        .stdout;
    Some((std::fs::read_to_string(&key).ok()?, public))
}

pub fn gcp_server(public_key: Vec<u8>, throttled: Arc<AtomicUsize>) -> TlsServer {
    TlsServer::start(move |r: &Route| -> Answer {
        if r.method == "POST" && r.path() == "/token" {
            let f = form(r);
            let assertion = f.get("assertion").cloned().unwrap_or_default();
            let parts: Vec<&str> = assertion.split('.').collect();
            use base64::Engine;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let signed = parts.len() == 3
                && b64.decode(parts[2]).is_ok_and(|sig| {
                    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &public_key)
                        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
                        .is_ok()
                });
            let claims: serde_json::Value = parts
                .get(1)
                .and_then(|p| b64.decode(p).ok())
                .and_then(|c| serde_json::from_slice(&c).ok())
                .unwrap_or_default();
            let ok = signed
                && f.get("grant_type").map(String::as_str) == Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
                && claims["iss"] == "reader@proj-1.iam.gserviceaccount.com"
                && claims["scope"] == "https://www.googleapis.com/auth/compute.readonly";
            return if ok {
                json(200, serde_json::json!({"access_token": "tok-gcp", "expires_in": 3599, "token_type": "Bearer"}))
            } else {
                json(400, serde_json::json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}))
            };
        }
        if r.header("Authorization") != Some("Bearer tok-gcp") {
            return json(
                401,
                serde_json::json!({"error": {"code": 401, "message": "Request is missing required authentication credential.", "status": "UNAUTHENTICATED"}}),
            );
        }
        let scope_warning = |scope: &str| serde_json::json!({"warning": {"code": "NO_RESULTS_ON_PAGE", "message": format!("There are no results for scope '{scope}' on this page."), "data": [{"key": "scope", "value": scope}]}});
        match r.path() {
            "/compute/v1/projects/proj-1/global/firewalls" => match r.query("pageToken") {
                None => json(
                    200,
                    serde_json::json!({"kind": "compute#firewallList", "id": "projects/proj-1/global/firewalls", "items": [fixture("gcp/firewall-created.json")], "nextPageToken": "page-2"}),
                ),
                Some("page-2") if throttled.fetch_add(1, Ordering::SeqCst) == 0 => json(
                    429,
                    serde_json::json!({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}),
                ),
                Some("page-2") => json(
                    200,
                    serde_json::json!({"kind": "compute#firewallList", "id": "projects/proj-1/global/firewalls", "items": [fixture("gcp/firewall-patched.json")]}),
                ),
                Some(_) => json(400, serde_json::json!({"error": {"code": 400, "message": "bad page token"}})),
            },
            "/compute/v1/projects/proj-1/global/routes" => {
                json(200, serde_json::json!({"kind": "compute#routeList", "id": "projects/proj-1/global/routes"}))
            }
            // Two pages: a zone with an instance, then one without.
            "/compute/v1/projects/proj-1/aggregated/instances" => match r.query("pageToken") {
                None => json(
                    200,
                    serde_json::json!({"kind": "compute#instanceAggregatedList", "id": "projects/proj-1/aggregated/instances", "items": {"zones/us-west1-a": {"instances": [fixture("gcp/instance-basic.json")]}, "zones/us-west1-b": scope_warning("zones/us-west1-b")}, "nextPageToken": "zones-2"}),
                ),
                Some("zones-2") => json(
                    200,
                    serde_json::json!({"kind": "compute#instanceAggregatedList", "id": "projects/proj-1/aggregated/instances", "items": {"zones/us-west1-c": scope_warning("zones/us-west1-c")}}),
                ),
                Some(_) => json(400, serde_json::json!({"error": {"code": 400, "message": "bad page token"}})),
            },
            "/compute/v1/projects/proj-1/aggregated/forwardingRules" => json(
                200,
                serde_json::json!({"kind": "compute#forwardingRuleAggregatedList", "items": {"regions/us-west1": scope_warning("regions/us-west1")}}),
            ),
            "/compute/v1/projects/proj-1/aggregated/targetPools" => json(
                200,
                serde_json::json!({"kind": "compute#targetPoolAggregatedList", "items": {"regions/us-west1": scope_warning("regions/us-west1")}}),
            ),
            "/compute/v1/projects/proj-1/aggregated/backendServices" => json(
                200,
                serde_json::json!({"kind": "compute#backendServiceAggregatedList", "items": {"global": scope_warning("global")}}),
            ),
            "/compute/v1/projects/proj-1/aggregated/targetTcpProxies" => json(
                200,
                serde_json::json!({"kind": "compute#targetTcpProxyAggregatedList", "items": {"global": {"targetTcpProxies": [fixture("gcp/target-tcp-proxy-basic.json")]}, "regions/us-west1": scope_warning("regions/us-west1")}}),
            ),
            "/compute/v1/projects/proj-1/aggregated/targetHttpProxies" => json(
                200,
                serde_json::json!({"kind": "compute#targetHttpProxyAggregatedList", "items": {"global": scope_warning("global")}}),
            ),
            "/compute/v1/projects/proj-1/aggregated/targetHttpsProxies" => json(
                200,
                serde_json::json!({"kind": "compute#targetHttpsProxyAggregatedList", "items": {"global": scope_warning("global")}}),
            ),
            "/compute/v1/projects/proj-1/global/targetSslProxies" => json(
                200,
                serde_json::json!({"kind": "compute#targetSslProxyList", "id": "projects/proj-1/global/targetSslProxies"}),
            ),
            "/compute/v1/projects/proj-1/aggregated/urlMaps" => json(
                200,
                serde_json::json!({"kind": "compute#urlMapsAggregatedList", "items": {"global": scope_warning("global")}}),
            ),
            "/compute/v1/projects/proj-1/aggregated/instanceGroups" => json(
                200,
                serde_json::json!({"kind": "compute#instanceGroupAggregatedList", "items": {"zones/us-west1-a": scope_warning("zones/us-west1-a")}}),
            ),
            _ => json(
                404,
                serde_json::json!({"error": {"code": 404, "message": format!("The resource '{}' was not found", r.target)}}),
            ),
        }
    })
}
