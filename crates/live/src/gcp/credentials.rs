//! Google Application Default Credentials
//! (<https://cloud.google.com/docs/authentication/application-default-credentials>):
//!
//! 1. the key file `GOOGLE_APPLICATION_CREDENTIALS` names;
//! 2. gcloud's ADC file (`gcloud auth application-default login`:
//!    `~/.config/gcloud/application_default_credentials.json`, under
//!    `CLOUDSDK_CONFIG` when set);
//! 3. the metadata server (`GCE_METADATA_HOST`, else
//!    `metadata.google.internal`).
//!
//! A file is a service account key (a JWT signed with its key, traded at
//! its `token_uri`) or authorized-user credentials (a refresh token traded
//! at Google's token endpoint, or the file's `token_uri`). The token asks
//! for read-only Compute access only.

use crate::env::Env;
use crate::error::{ErrorKind, LiveError};
use crate::http::{Http, Request};
use crate::rest;

pub const SCOPE: &str = "https://www.googleapis.com/auth/compute.readonly";
const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

#[derive(Clone)]
pub struct Token {
    pub access_token: String,
    pub source: String,
    /// The project the credentials belong to, when they say.
    pub project: Option<String>,
}

fn creds(message: impl Into<String>) -> LiveError {
    LiveError::new(ErrorKind::Credentials, message)
}

fn config(message: impl Into<String>) -> LiveError {
    LiveError::new(ErrorKind::Config, message)
}

/// gcloud's configuration folder.
pub fn gcloud_dir(env: &Env) -> Option<std::path::PathBuf> {
    env.var("CLOUDSDK_CONFIG").map(|p| env.expand(p)).or_else(|| env.home_path(".config/gcloud"))
}

pub fn metadata_base(env: &Env) -> String {
    format!("http://{}", env.var("GCE_METADATA_HOST").unwrap_or("metadata.google.internal"))
}

pub fn token(env: &Env, http: &Http, metadata_http: &Http) -> Result<Token, LiveError> {
    if let Some(path) = env.var("GOOGLE_APPLICATION_CREDENTIALS") {
        let path = env.expand(path);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| config(format!("cannot read GOOGLE_APPLICATION_CREDENTIALS {}: {e}", path.display())))?;
        return from_file(http, &text, &path.display().to_string());
    }
    if let Some(path) = gcloud_dir(env).map(|d| d.join("application_default_credentials.json")) {
        if let Ok(text) = std::fs::read_to_string(&path) {
            return from_file(http, &text, &path.display().to_string());
        }
    }
    let base = metadata_base(env);
    let url = format!(
        "{base}/computeMetadata/v1/instance/service-accounts/default/token?scopes={}",
        crate::aws::sigv4::uri_encode(SCOPE, false)
    );
    let answer = metadata_http.send(&Request::get(url).header("Metadata-Flavor", "Google")).map_err(|e| {
        creds(format!(
            "no Google credentials found: GOOGLE_APPLICATION_CREDENTIALS is not set, there is no gcloud \
             application-default login, and the metadata server did not answer ({})",
            e.message
        ))
    })?;
    if !answer.is_success() {
        return Err(creds(format!("metadata server token: HTTP {}", answer.status)));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&answer.body).map_err(|e| creds(format!("metadata server token: not JSON: {e}")))?;
    let project = metadata_http
        .send(
            &Request::get(format!("{base}/computeMetadata/v1/project/project-id")).header("Metadata-Flavor", "Google"),
        )
        .ok()
        .filter(|r| r.is_success())
        .map(|r| r.text().trim().to_string())
        .filter(|p| !p.is_empty());
    Ok(Token { access_token: access(&v, "metadata server")?, source: "the metadata server".into(), project })
}

fn access(v: &serde_json::Value, what: &str) -> Result<String, LiveError> {
    v["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| creds(format!("{what}: the answer has no access_token")))
}

fn from_file(http: &Http, text: &str, path: &str) -> Result<Token, LiveError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| config(format!("{path}: not JSON: {e}")))?;
    let field = |k: &str| v[k].as_str().filter(|s| !s.is_empty());
    let project = field("project_id").or_else(|| field("quota_project_id")).map(str::to_string);
    match field("type") {
        Some("service_account") => {
            let email = field("client_email").ok_or_else(|| config(format!("{path}: no client_email")))?;
            let key = crate::jwt::rsa_key(field("private_key").unwrap_or(""), path)?;
            let token_uri = field("token_uri").unwrap_or(TOKEN_URI);
            let now = crate::time::now_unix();
            let mut header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
            if let Some(id) = field("private_key_id") {
                header["kid"] = id.into();
            }
            let claims =
                serde_json::json!({"iss": email, "scope": SCOPE, "aud": token_uri, "iat": now, "exp": now + 3600});
            let assertion = crate::jwt::sign(&key, &header, &claims)?;
            let answer = rest::post_form(
                http,
                token_uri,
                &[("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", &assertion)],
                &format!("service account {email}"),
            )?;
            Ok(Token { access_token: access(&answer, token_uri)?, source: format!("service account {email}"), project })
        }
        Some("authorized_user") => {
            let get = |k: &str| field(k).ok_or_else(|| config(format!("{path}: no {k}")));
            let token_uri = field("token_uri").unwrap_or(TOKEN_URI);
            let answer = rest::post_form(
                http,
                token_uri,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", get("client_id")?),
                    ("client_secret", get("client_secret")?),
                    ("refresh_token", get("refresh_token")?),
                ],
                "gcloud user credentials",
            )?;
            Ok(Token { access_token: access(&answer, token_uri)?, source: "gcloud user credentials".into(), project })
        }
        other => Err(config(format!(
            "{path}: credentials of type {} are not supported (service_account and authorized_user are)",
            other.unwrap_or("(none)")
        ))),
    }
}

/// The project gcloud is set to (`[core] project` of the active
/// configuration).
pub fn gcloud_project(env: &Env) -> Option<String> {
    let dir = gcloud_dir(env)?;
    let active = std::fs::read_to_string(dir.join("active_config"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "default".into());
    let text = std::fs::read_to_string(dir.join("configurations").join(format!("config_{active}"))).ok()?;
    let mut in_core = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_core = line == "[core]";
        } else if in_core {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim() == "project" {
                    return Some(v.trim().to_string()).filter(|p| !p.is_empty());
                }
            }
        }
    }
    None
}
