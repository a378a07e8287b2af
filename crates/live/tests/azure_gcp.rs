//! The Azure and GCP readers end to end against a local HTTPS server that
//! serves the providers' published example responses (tests/fixtures,
//! sources in its README): token endpoints, paging, a 429 with
//! Retry-After, and the shaping into the documents `az` and `gcloud`
//! print. Only 127.0.0.1 is contacted.

use portcullis_live::doc::Doc;
use portcullis_live::env::Env;
use portcullis_live::testing::fixtures::{azure_server, gcp_server, json, rsa_key, Answer};
use portcullis_live::testing::{Route, TlsServer};
use portcullis_live::{azure, gcp, Silent};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn env(vars: &[(&str, String)]) -> Env {
    let mut map: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    // Nothing of the machine's own configuration may be found.
    map.insert("AZURE_POD_IDENTITY_AUTHORITY_HOST".into(), "http://127.0.0.1:9".into());
    map.entry("GCE_METADATA_HOST".into()).or_insert_with(|| "127.0.0.1:9".into());
    Env { vars: map, home: Some(std::path::PathBuf::from("/nonexistent")) }
}

fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("a document is JSON")
}

#[test]
fn azure_service_principal_paging_and_a_429() {
    let throttled = Arc::new(AtomicUsize::new(0));
    let server = azure_server(throttled.clone());
    let dir = tempfile::tempdir().unwrap();
    let ca = server.write_ca(dir.path());
    let env = env(&[
        ("AZURE_TENANT_ID", "tenant-1".into()),
        ("AZURE_CLIENT_ID", "app-1".into()),
        ("AZURE_CLIENT_SECRET", "s3cret".into()),
        ("AZURE_AUTHORITY_HOST", server.url()),
        ("PORTCULLIS_AZURE_RESOURCE_MANAGER_URL", server.url()),
        ("REQUESTS_CA_BUNDLE", ca.display().to_string()),
    ]);
    let started = std::time::Instant::now();
    let reading = azure::read(&azure::Options::default(), &env, &Silent);
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "Retry-After: 1 was honoured");
    assert_eq!(throttled.load(Ordering::SeqCst), 2, "the throttled first page was asked for again");
    let docs: BTreeMap<&str, &str> = reading.documents.iter().map(|d| (d.path.as_str(), d.text.as_str())).collect();
    let nsgs = parse(docs["azure/subid/az-network-nsg-list.json"]);
    let names: Vec<&str> = nsgs.as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["nsg1", "nsg3", "testnsg"], "both pages, in order");
    let rule = &nsgs[2]["securityRules"][0];
    assert_eq!(rule["destinationPortRange"], "80");
    assert_eq!(rule["resourceGroup"], "rg1");
    assert!(nsgs[2].get("properties").is_none(), "properties flattened as az prints them");
    assert_eq!(nsgs[1]["resourceGroup"], "rg2");
    let text = docs["azure/subid/az-network-nsg-list.json"];
    assert!(
        text.starts_with("[\n  {\n    \"defaultSecurityRules\": ["),
        "az's sorted, two-space form: {}",
        &text[..80]
    );
    let nics = parse(docs["azure/subid/az-network-nic-list.json"]);
    assert_eq!(nics[0]["ipConfigurations"][0]["privateIPAddress"], "172.20.2.4");
    assert_eq!(nics[0]["networkSecurityGroup"]["resourceGroup"], "rg1");
    assert_eq!(
        parse(docs["azure/subid/az-network-route-table-list.json"])[0]["routes"][0]["nextHopType"],
        "VirtualNetworkGateway"
    );
    let ips = parse(docs["azure/subid/az-network-public-ip-list.json"]);
    let addresses: Vec<&str> = ips.as_array().unwrap().iter().filter_map(|i| i["ipAddress"].as_str()).collect();
    assert_eq!(addresses, ["40.85.154.247", "40.85.154.248"], "the allocated ones; testDNS-ip has none yet");
    assert_eq!(ips[1]["dnsSettings"]["fqdn"], "testlbl.westus.cloudapp.azure.com");
    assert_eq!(ips[1]["resourceGroup"], "rg2");
    let balancers = parse(docs["azure/subid/az-network-lb-list.json"]);
    assert_eq!(balancers.as_array().map(Vec::len), Some(2));
    let rule = &balancers[0]["loadBalancingRules"][0];
    assert_eq!((rule["frontendPort"].as_u64(), rule["backendPort"].as_u64()), (Some(80), Some(80)));
    assert_eq!(rule["protocol"], "Tcp");
    assert_eq!(rule["resourceGroup"], "rg1", "sub-resources get their group too");
    assert_eq!(balancers[0]["frontendIPConfigurations"][0]["privateIPAddress"], "10.0.1.4");
    assert_eq!(balancers[0]["sku"]["name"], "Basic");
    let tags = parse(docs["azure/subid/az-network-list-service-tags.json"]);
    assert_eq!(
        tags["values"][0]["properties"]["addressPrefixes"][0], "13.64.39.16/32",
        "service tags keep their properties"
    );
    assert_eq!(reading.summary.scopes.get("subscriptions"), Some(&1));
    // Every Resource Manager call carried the token.
    assert!(server
        .seen()
        .iter()
        .filter(|r| r.method == "GET")
        .all(|r| r.header("Authorization") == Some("Bearer tok-azure")));
}

/// The Azure CLI's login, the chain's last resort: a stand-in `az` on
/// PATH prints what `az account get-access-token --output json` prints
/// (accessToken, expiresOn, expires_on, subscription, tenant, tokenType:
/// learn.microsoft.com/cli/azure/account#az-account-get-access-token) and
/// records how it was called; then one that is not logged in.
#[cfg(unix)]
#[test]
fn azure_cli_login() {
    use std::os::unix::fs::PermissionsExt;
    let server = azure_server(Arc::new(AtomicUsize::new(1)));
    let dir = tempfile::tempdir().unwrap();
    let ca = server.write_ca(dir.path());
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let calls = dir.path().join("az-calls");
    let stub = |body: &str| {
        let az = bin.join("az");
        std::fs::write(&az, format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n{body}", calls.display())).unwrap();
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    stub(
        "cat <<'EOF'\n{\n  \"accessToken\": \"tok-azure\",\n  \"expiresOn\": \"2030-01-01 10:00:00.000000\",\n  \
         \"expires_on\": 1893492000,\n  \"subscription\": \"subid\",\n  \"tenant\": \"tenant-1\",\n  \
         \"tokenType\": \"Bearer\"\n}\nEOF\n",
    );
    let vars = [
        ("PATH", format!("{}:/usr/bin:/bin", bin.display())),
        ("AZURE_AUTHORITY_HOST", server.url()),
        ("PORTCULLIS_AZURE_RESOURCE_MANAGER_URL", server.url()),
        ("REQUESTS_CA_BUNDLE", ca.display().to_string()),
        ("AZURE_TENANT_ID", "tenant-1".into()),
    ];
    let options = azure::Options { subscriptions: vec!["subid".into()], ..Default::default() };
    let reading = azure::read(&options, &env(&vars), &Silent);
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    assert_eq!(reading.documents.len(), 6, "every list, with the CLI's token");
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "account get-access-token --output json --resource https://management.azure.com/ --tenant tenant-1\n"
    );

    stub("echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
    let reading = azure::read(&options, &env(&vars), &Silent);
    assert!(reading.documents.is_empty());
    assert_eq!(reading.errors.len(), 1, "{:?}", reading.errors);
    let message = reading.errors[0].to_string();
    assert!(message.contains("no Azure credentials found"), "{message}");
    assert!(message.contains("Please run 'az login'"), "the CLI's own words: {message}");
}

#[test]
fn azure_refused_credentials_and_managed_identity() {
    let server = azure_server(Arc::new(AtomicUsize::new(1)));
    let dir = tempfile::tempdir().unwrap();
    let ca = server.write_ca(dir.path());
    let common = [
        ("AZURE_AUTHORITY_HOST", server.url()),
        ("PORTCULLIS_AZURE_RESOURCE_MANAGER_URL", server.url()),
        ("REQUESTS_CA_BUNDLE", ca.display().to_string()),
    ];
    let mut vars = common.to_vec();
    vars.extend([
        ("AZURE_TENANT_ID", "tenant-1".into()),
        ("AZURE_CLIENT_ID", "app-1".into()),
        ("AZURE_CLIENT_SECRET", "wrong".into()),
    ]);
    let reading = azure::read(&azure::Options::default(), &env(&vars), &Silent);
    assert!(reading.documents.is_empty());
    assert_eq!(reading.errors.len(), 1);
    assert!(reading.errors[0].message.contains("AADSTS7000215"), "{}", reading.errors[0]);

    // App Service's managed identity endpoint (plain HTTP, a header secret).
    let identity = TlsServer::plain(|r: &Route| -> Answer {
        if r.header("X-IDENTITY-HEADER") == Some("idh") && r.query("resource").is_some() {
            json(
                200,
                serde_json::json!({"access_token": "tok-azure", "expires_on": "1999999999", "resource": "https://management.azure.com/"}),
            )
        } else {
            json(400, serde_json::json!({"error": "bad request"}))
        }
    });
    let mut vars = common.to_vec();
    vars.extend([("IDENTITY_ENDPOINT", format!("{}/msi/token", identity.url())), ("IDENTITY_HEADER", "idh".into())]);
    let reading = azure::read(
        &azure::Options { subscriptions: vec!["subid".into()], ..Default::default() },
        &env(&vars),
        &Silent,
    );
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    assert_eq!(reading.documents.len(), 6);
}

#[test]
fn gcp_service_account_paging_and_a_429() {
    let dir = tempfile::tempdir().unwrap();
    let Some((private_key, public_key)) = rsa_key(dir.path()) else { return };
    let throttled = Arc::new(AtomicUsize::new(0));
    let server = gcp_server(public_key, throttled.clone());
    let ca = server.write_ca(dir.path());
    let key_file = dir.path().join("key.json");
    std::fs::write(
        &key_file,
        serde_json::json!({
            "type": "service_account", "project_id": "proj-1", "private_key_id": "k1", "private_key": private_key,
            "client_email": "reader@proj-1.iam.gserviceaccount.com", "token_uri": format!("{}/token", server.url())
        })
        .to_string(),
    )
    .unwrap();
    let env = env(&[
        ("GOOGLE_APPLICATION_CREDENTIALS", key_file.display().to_string()),
        ("CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE", format!("{}/compute/v1/", server.url())),
        ("REQUESTS_CA_BUNDLE", ca.display().to_string()),
    ]);
    let reading = gcp::read(&gcp::Options::default(), &env, &Silent);
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    assert_eq!(throttled.load(Ordering::SeqCst), 2, "the throttled page was asked for again");
    let docs: BTreeMap<&str, &str> = reading.documents.iter().map(|d| (d.path.as_str(), d.text.as_str())).collect();
    let firewalls = docs["gcp/proj-1/gcloud-compute-firewall-rules-list.json"];
    let parsed = parse(firewalls);
    assert_eq!(parsed.as_array().unwrap().len(), 2, "both pages");
    assert_eq!(parsed[0]["allowed"][0]["ports"], serde_json::json!(["80", "1000-2000"]));
    assert_eq!(parsed[1]["disabled"], true);
    // gcloud's form: sorted keys, two spaces; the document reads back as
    // the items the API sent.
    assert!(
        firewalls.starts_with("[\n  {\n    \"allowed\": [\n      {\n        \"IPProtocol\": \"tcp\","),
        "{firewalls}"
    );
    let doc: Doc = serde_json::from_str(firewalls).unwrap();
    assert_eq!(doc.as_list().map(<[Doc]>::len), Some(2));
    // An aggregated list over two pages: the instances of every zone, the
    // zones without any (a warning in their place) adding nothing.
    let instances = parse(docs["gcp/proj-1/gcloud-compute-instances-list.json"]);
    assert_eq!(instances.as_array().map(Vec::len), Some(1), "{instances}");
    assert_eq!(instances[0]["name"], "instance-1");
    assert_eq!(instances[0]["networkInterfaces"][0]["accessConfigs"][0]["type"], "ONE_TO_ONE_NAT");
    assert!(instances[0].get("warning").is_none());
    let pages = server.seen().iter().filter(|r| r.path() == "/compute/v1/projects/proj-1/aggregated/instances").count();
    assert_eq!(pages, 2, "both pages of the aggregated list");
    assert_eq!(reading.summary.items.iter().find(|(k, _)| *k == "instances").map(|(_, n)| *n), Some(1));
    for empty in [
        "forwarding-rules",
        "target-pools",
        "backend-services",
        "routes",
        "target-http-proxies",
        "target-https-proxies",
        "target-ssl-proxies",
        "url-maps",
        "instance-groups",
    ] {
        assert_eq!(docs[format!("gcp/proj-1/gcloud-compute-{empty}-list.json").as_str()], "[]\n");
    }
    // A proxy's document is what `gcloud compute target-tcp-proxies list`
    // prints: the path from a proxy forwarding rule to its backend service.
    let proxies = parse(docs["gcp/proj-1/gcloud-compute-target-tcp-proxies-list.json"]);
    assert_eq!(proxies.as_array().map(Vec::len), Some(1), "{proxies}");
    assert_eq!(proxies[0]["service"], "projects/proj-1/global/backendServices/backend-service-1");
    assert_eq!(reading.summary.scopes.get("projects"), Some(&1));
}

#[test]
fn gcp_metadata_server_and_a_refused_key() {
    let dir = tempfile::tempdir().unwrap();
    let Some((private_key, _)) = rsa_key(dir.path()) else { return };
    // The server knows another key: the signature is refused.
    let Some((_, other_public)) = rsa_key(&{
        let d = dir.path().join("other");
        std::fs::create_dir_all(&d).unwrap();
        d
    }) else {
        return;
    };
    let server = gcp_server(other_public, Arc::new(AtomicUsize::new(1)));
    let ca = server.write_ca(dir.path());
    let key_file = dir.path().join("key.json");
    std::fs::write(
        &key_file,
        serde_json::json!({"type": "service_account", "project_id": "proj-1", "private_key": private_key,
            "client_email": "reader@proj-1.iam.gserviceaccount.com", "token_uri": format!("{}/token", server.url())})
        .to_string(),
    )
    .unwrap();
    let overrides = [
        ("CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE", format!("{}/compute/v1", server.url())),
        ("REQUESTS_CA_BUNDLE", ca.display().to_string()),
    ];
    let mut vars = overrides.to_vec();
    vars.push(("GOOGLE_APPLICATION_CREDENTIALS", key_file.display().to_string()));
    let reading = gcp::read(&gcp::Options::default(), &env(&vars), &Silent);
    assert_eq!(reading.errors.len(), 1);
    assert!(reading.errors[0].message.contains("Invalid JWT Signature"), "{}", reading.errors[0]);

    // The metadata server: token and project, `Metadata-Flavor: Google` required.
    let metadata = TlsServer::plain(|r: &Route| -> Answer {
        if r.header("Metadata-Flavor") != Some("Google") {
            return (403, vec![], b"missing Metadata-Flavor".to_vec());
        }
        match r.path() {
            "/computeMetadata/v1/instance/service-accounts/default/token" => {
                json(200, serde_json::json!({"access_token": "tok-gcp", "expires_in": 3599, "token_type": "Bearer"}))
            }
            "/computeMetadata/v1/project/project-id" => (200, vec![], b"proj-1".to_vec()),
            _ => (404, vec![], Vec::new()),
        }
    });
    let mut vars = overrides.to_vec();
    vars.push(("GCE_METADATA_HOST", format!("127.0.0.1:{}", metadata.port)));
    vars.push(("CLOUDSDK_CONFIG", dir.path().join("no-gcloud").display().to_string()));
    let reading = gcp::read(&gcp::Options::default(), &env(&vars), &Silent);
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    assert_eq!(reading.documents.len(), gcp::CALLS.len());
}
