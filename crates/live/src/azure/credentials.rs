//! Azure tokens for Resource Manager, found in `DefaultAzureCredential`'s
//! order (<https://learn.microsoft.com/azure/developer/intro/passwordless-overview>,
//! the azure-identity libraries):
//!
//! 1. environment: a service principal (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`
//!    and `AZURE_CLIENT_SECRET`, or `AZURE_CLIENT_CERTIFICATE_PATH` to a PEM
//!    with the certificate and its key);
//! 2. workload identity (`AZURE_FEDERATED_TOKEN_FILE` with the client and
//!    tenant), as AKS sets it;
//! 3. managed identity: App Service's `IDENTITY_ENDPOINT` +
//!    `IDENTITY_HEADER`, else the instance metadata service (a user-assigned
//!    identity when `AZURE_CLIENT_ID` is set);
//! 4. the Azure CLI (`az account get-access-token`).
//!
//! Overrides: `AZURE_AUTHORITY_HOST` (Entra ID, as the libraries honour
//! it) and `AZURE_POD_IDENTITY_AUTHORITY_HOST` (the metadata endpoint);
//! the tests point them at local servers.

use crate::env::Env;
use crate::error::{ErrorKind, LiveError};
use crate::http::{Http, Request};
use crate::rest;

/// The Resource Manager audience.
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
const ARM_RESOURCE: &str = "https://management.azure.com/";

#[derive(Clone)]
pub struct Token {
    pub access_token: String,
    /// Where it came from, for messages.
    pub source: String,
}

fn creds(message: impl Into<String>) -> LiveError {
    LiveError::new(ErrorKind::Credentials, message)
}

fn authority(env: &Env) -> String {
    env.var("AZURE_AUTHORITY_HOST").unwrap_or("https://login.microsoftonline.com").trim_end_matches('/').to_string()
}

/// The first credential of the chain that is configured; its token.
pub fn token(env: &Env, http: &Http, metadata_http: &Http) -> Result<Token, LiveError> {
    let tenant = env.var("AZURE_TENANT_ID");
    let client = env.var("AZURE_CLIENT_ID");
    if let (Some(tenant), Some(client)) = (tenant, client) {
        if let Some(secret) = env.var("AZURE_CLIENT_SECRET") {
            let v = client_credentials(env, http, tenant, &[("client_id", client), ("client_secret", secret)])?;
            return access(v, format!("service principal {client}"));
        }
        if let Some(path) = env.var("AZURE_CLIENT_CERTIFICATE_PATH") {
            let assertion = certificate_assertion(env, tenant, client, path)?;
            let v = assertion_grant(env, http, tenant, client, &assertion)?;
            return access(v, format!("service principal {client} (certificate)"));
        }
        if let Some(file) = env.var("AZURE_FEDERATED_TOKEN_FILE") {
            let assertion = std::fs::read_to_string(file).map_err(|e| {
                LiveError::new(ErrorKind::Config, format!("cannot read AZURE_FEDERATED_TOKEN_FILE {file}: {e}"))
            })?;
            let v = assertion_grant(env, http, tenant, client, assertion.trim())?;
            return access(v, format!("workload identity {client}"));
        }
    }
    if let (Some(endpoint), Some(header)) = (env.var("IDENTITY_ENDPOINT"), env.var("IDENTITY_HEADER")) {
        let mut url = format!("{endpoint}?api-version=2019-08-01&resource={}", enc(ARM_RESOURCE));
        if let Some(c) = client {
            url.push_str(&format!("&client_id={}", enc(c)));
        }
        let v = rest::token_answer(
            metadata_http,
            Request::get(url).header("X-IDENTITY-HEADER", header),
            "managed identity",
        )?;
        return access(v, "managed identity (App Service)".into());
    }
    let imds = env
        .var("AZURE_POD_IDENTITY_AUTHORITY_HOST")
        .unwrap_or("http://169.254.169.254")
        .trim_end_matches('/')
        .to_string();
    let mut url =
        format!("{imds}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={}", enc(ARM_RESOURCE));
    if let Some(c) = client {
        url.push_str(&format!("&client_id={}", enc(c)));
    }
    let imds_error = match metadata_http.send(&Request::get(url).header("Metadata", "true")) {
        Ok(r) if r.is_success() => {
            let v: serde_json::Value =
                serde_json::from_slice(&r.body).map_err(|e| creds(format!("managed identity: not JSON: {e}")))?;
            return access(v, "managed identity".into());
        }
        Ok(r) => format!("HTTP {}", r.status),
        Err(e) => e.message,
    };
    azure_cli(env).map_err(|cli| {
        creds(format!(
            "no Azure credentials found: no service principal or workload identity in the environment, no managed \
             identity ({imds_error}), and the Azure CLI gave none ({})",
            cli.message
        ))
    })
}

fn enc(s: &str) -> String {
    crate::aws::sigv4::uri_encode(s, false)
}

fn access(v: serde_json::Value, source: String) -> Result<Token, LiveError> {
    let access_token = v["access_token"]
        .as_str()
        .or_else(|| v["accessToken"].as_str())
        .ok_or_else(|| creds(format!("{source}: the answer has no access token")))?
        .to_string();
    Ok(Token { access_token, source })
}

/// The client-credentials grant at Entra ID's v2.0 token endpoint.
fn client_credentials(
    env: &Env,
    http: &Http,
    tenant: &str,
    fields: &[(&str, &str)],
) -> Result<serde_json::Value, LiveError> {
    let url = format!("{}/{tenant}/oauth2/v2.0/token", authority(env));
    let mut form = vec![("grant_type", "client_credentials"), ("scope", ARM_SCOPE)];
    form.extend_from_slice(fields);
    rest::post_form(http, &url, &form, "Entra ID token")
}

/// The client-credentials grant with a signed assertion in place of a
/// secret (a certificate's JWT, or the federated token of workload identity).
fn assertion_grant(
    env: &Env,
    http: &Http,
    tenant: &str,
    client: &str,
    assertion: &str,
) -> Result<serde_json::Value, LiveError> {
    client_credentials(
        env,
        http,
        tenant,
        &[
            ("client_id", client),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ],
    )
}

/// A client assertion signed with the certificate's key; `x5t` is the
/// certificate's SHA-1 thumbprint.
fn certificate_assertion(env: &Env, tenant: &str, client: &str, path: &str) -> Result<String, LiveError> {
    let pem = std::fs::read_to_string(path).map_err(|e| {
        LiveError::new(ErrorKind::Config, format!("cannot read AZURE_CLIENT_CERTIFICATE_PATH {path}: {e}"))
    })?;
    let cert = crate::jwt::pem_blocks(&pem, "CERTIFICATE")
        .into_iter()
        .next()
        .ok_or_else(|| LiveError::new(ErrorKind::Config, format!("{path}: no certificate in the PEM")))?;
    let key = crate::jwt::rsa_key(&pem, path)?;
    use base64::Engine;
    let thumb = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert);
    let now = crate::time::now_unix();
    let aud = format!("{}/{tenant}/oauth2/v2.0/token", authority(env));
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(thumb.as_ref())});
    let claims = serde_json::json!({"aud": aud, "iss": client, "sub": client, "jti": format!("{now}-{}", std::process::id()), "nbf": now, "exp": now + 600});
    crate::jwt::sign(&key, &header, &claims)
}

/// `az account get-access-token`: the CLI's own login.
fn azure_cli(env: &Env) -> Result<Token, LiveError> {
    let mut cmd = std::process::Command::new("az");
    // Found on the read's PATH (the process's, unless a caller gave another).
    if let Some(path) = env.var("PATH") {
        cmd.env("PATH", path);
    }
    cmd.args(["account", "get-access-token", "--output", "json", "--resource", ARM_RESOURCE]);
    if let Some(t) = env.var("AZURE_TENANT_ID") {
        cmd.args(["--tenant", t]);
    }
    let output = cmd.stdin(std::process::Stdio::null()).output().map_err(|e| creds(format!("cannot run az: {e}")))?;
    if !output.status.success() {
        return Err(creds(format!(
            "az account get-access-token failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| creds(format!("az printed no JSON: {e}")))?;
    access(v, "Azure CLI".into())
}
