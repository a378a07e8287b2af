//! AWS credentials, found where the SDKs' default chain finds them
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>):
//!
//! 1. the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!    `AWS_SESSION_TOKEN`), skipped when a profile is named with `--profile`;
//! 2. the profile (`--profile`, else `AWS_PROFILE`, else `default`) in the
//!    shared files: a role to assume (`role_arn` with `source_profile`,
//!    `credential_source` or `web_identity_token_file`), IAM Identity
//!    Center (`sso_session` or the legacy `sso_start_url`, from the token
//!    cache `aws sso login` writes), `credential_process`, or static keys;
//! 3. web identity from the environment (`AWS_WEB_IDENTITY_TOKEN_FILE`,
//!    `AWS_ROLE_ARN`), as EKS and GitHub Actions set it;
//! 4. the container endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or
//!    `…_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`);
//! 5. the instance metadata service, IMDSv2 (a session token first), unless
//!    `AWS_EC2_METADATA_DISABLED=true`.
//!
//! Roles are assumed through STS (`AssumeRole`, `AssumeRoleWithWebIdentity`)
//! at the endpoint [`super::endpoint`] resolves, so the tests assume roles
//! in moto. An MFA-protected role needs a code typed in and is refused with
//! a message saying so.

use super::endpoint::{self, Resolver};
use super::profile::{Profiles, Section};
use super::query::{self, Quiet};
use super::shape;
use crate::doc::Doc;
use crate::env::Env;
use crate::error::{ErrorKind, LiveError};
use crate::http::{Http, Request};

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Unix time they stop working, when known.
    pub expires: Option<u64>,
}

impl std::fmt::Debug for Credentials {
    // Never print a secret, even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// Credentials and where they came from (said in messages).
#[derive(Clone, Debug)]
pub struct Found {
    pub credentials: Credentials,
    pub source: String,
}

/// What resolving needs: the settings and two clients (cloud APIs, and a
/// quick one for the metadata endpoints).
pub struct Chain<'a> {
    pub env: &'a Env,
    pub profiles: &'a Profiles,
    pub http: &'a Http,
    pub metadata_http: &'a Http,
    /// The region STS is called in.
    pub region: &'a str,
}

fn config(message: impl Into<String>) -> LiveError {
    LiveError::new(ErrorKind::Config, message)
}

fn denied(message: impl Into<String>) -> LiveError {
    LiveError::new(ErrorKind::Credentials, message)
}

impl Chain<'_> {
    /// The default chain, or only the named profile's.
    pub fn resolve(&self, profile: Option<&str>) -> Result<Found, LiveError> {
        if let Some(name) = profile {
            return self.profile(name, &mut Vec::new());
        }
        if let Some(c) = self.environment() {
            return Ok(Found { credentials: c, source: "environment variables".into() });
        }
        let name = self.env.var("AWS_PROFILE").unwrap_or("default");
        if self.profiles.get(name).is_some() {
            return self.profile(name, &mut Vec::new());
        }
        if self.env.var("AWS_PROFILE").is_some() {
            return Err(config(format!("profile {name} (AWS_PROFILE) is not in the AWS config or credentials file")));
        }
        if let (Some(token_file), Some(role)) =
            (self.env.var("AWS_WEB_IDENTITY_TOKEN_FILE"), self.env.var("AWS_ROLE_ARN"))
        {
            let session = self.env.var("AWS_ROLE_SESSION_NAME").map(str::to_string);
            return self.web_identity(role, token_file, session, None);
        }
        if self.container_configured() {
            return self.container();
        }
        if !self.env.flag("AWS_EC2_METADATA_DISABLED") {
            return self.instance_metadata(None).map_err(|e| {
                denied(format!(
                    "no AWS credentials found: none in the environment, no profile {name}, no web identity, \
                     no container endpoint, and the instance metadata service did not answer ({})",
                    e.message
                ))
            });
        }
        Err(denied(format!(
            "no AWS credentials found: none in the environment, no profile {name}, no web identity, no container \
             endpoint (instance metadata disabled)"
        )))
    }

    fn environment(&self) -> Option<Credentials> {
        Some(Credentials {
            access_key_id: self.env.var("AWS_ACCESS_KEY_ID")?.to_string(),
            secret_access_key: self.env.var("AWS_SECRET_ACCESS_KEY")?.to_string(),
            session_token: self.env.var("AWS_SESSION_TOKEN").map(str::to_string),
            expires: None,
        })
    }

    fn section(&self, name: &str) -> Result<&Section, LiveError> {
        self.profiles
            .get(name)
            .ok_or_else(|| config(format!("profile {name} is not in the AWS config or credentials file")))
    }

    fn profile(&self, name: &str, visiting: &mut Vec<String>) -> Result<Found, LiveError> {
        if visiting.iter().any(|v| v == name) {
            return Err(config(format!("profile {name}: source_profile chain loops ({})", visiting.join(" -> "))));
        }
        visiting.push(name.to_string());
        let s = self.section(name)?;
        let get = |k: &str| s.get(k).map(String::as_str).filter(|v| !v.is_empty());
        if let Some(role) = get("role_arn") {
            if get("mfa_serial").is_some() {
                return Err(config(format!(
                    "profile {name}: the role needs an MFA code (mfa_serial), which a non-interactive scan cannot \
                     ask for; use credentials from `aws sts get-session-token` or a profile without MFA"
                )));
            }
            let session = get("role_session_name").map(str::to_string);
            if let Some(token_file) = get("web_identity_token_file") {
                return self.web_identity(role, token_file, session, Some(name));
            }
            let source = if let Some(source) = get("source_profile") {
                if source == name {
                    // A profile may name itself: its own static keys.
                    Found { credentials: static_keys(name, s)?, source: format!("profile {name}") }
                } else {
                    self.profile(source, visiting)?
                }
            } else if let Some(source) = get("credential_source") {
                match source {
                    "Environment" => Found {
                        credentials: self.environment().ok_or_else(|| {
                            denied(format!(
                                "profile {name}: credential_source Environment, but no keys in the environment"
                            ))
                        })?,
                        source: "environment variables".into(),
                    },
                    "Ec2InstanceMetadata" => self.instance_metadata(Some(name))?,
                    "EcsContainer" => self.container()?,
                    other => return Err(config(format!("profile {name}: unknown credential_source {other}"))),
                }
            } else {
                return Err(config(format!(
                    "profile {name}: role_arn needs source_profile, credential_source or web_identity_token_file"
                )));
            };
            let external_id = get("external_id").map(str::to_string);
            let duration = get("duration_seconds").map(str::to_string);
            let credentials = assume_role(self, name, &source.credentials, role, session, external_id, duration)?;
            return Ok(Found { credentials, source: format!("role {role} (profile {name}, from {})", source.source) });
        }
        if get("sso_session").is_some() || get("sso_start_url").is_some() {
            return self.sso(name, s);
        }
        if let Some(command) = get("credential_process") {
            return process(name, command);
        }
        Ok(Found { credentials: static_keys(name, s)?, source: format!("profile {name}") })
    }

    fn sts_resolver(&self, profile: Option<&str>) -> Resolver {
        Resolver::new(self.env, self.profiles, profile)
    }

    fn web_identity(
        &self,
        role: &str,
        token_file: &str,
        session: Option<String>,
        profile: Option<&str>,
    ) -> Result<Found, LiveError> {
        let path = self.env.expand(token_file);
        let token = std::fs::read_to_string(&path)
            .map_err(|e| config(format!("cannot read web identity token {}: {e}", path.display())))?;
        let endpoint = self.sts_resolver(profile).endpoint(endpoint::STS, self.region);
        let op = shape::operation("sts", "AssumeRoleWithWebIdentity");
        let params = [
            ("RoleArn".to_string(), role.to_string()),
            ("RoleSessionName".to_string(), session.unwrap_or_else(session_name)),
            ("WebIdentityToken".to_string(), token.trim().to_string()),
        ];
        // This call is not signed: the token is the credential.
        let body = format!(
            "Action={}&Version={}&{}",
            op.name,
            op.version,
            params
                .iter()
                .map(|(k, v)| format!("{k}={}", super::sigv4::uri_encode(v, false)))
                .collect::<Vec<_>>()
                .join("&")
        );
        let request = Request::post(endpoint.url.clone(), body.into_bytes())
            .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        let response =
            self.http.send(&request).map_err(|e| denied(format!("web identity for {role}: {}", e.message)))?;
        if !response.is_success() {
            return Err(denied(format!(
                "STS refused web identity for {role}: HTTP {} {}",
                response.status,
                response.text().trim()
            )));
        }
        let root = crate::xml::parse(&response.text()).map_err(|e| denied(format!("web identity for {role}: {e}")))?;
        let doc = shape::parse_output(op, &root).map_err(|e| denied(format!("web identity for {role}: {e}")))?;
        Ok(Found { credentials: from_sts(&doc, role)?, source: format!("web identity role {role}") })
    }

    fn container_configured(&self) -> bool {
        self.env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
            || self.env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    }

    /// ECS/EKS Pod Identity container credentials
    /// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html>).
    fn container(&self) -> Result<Found, LiveError> {
        let url = if let Some(rel) = self.env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            format!("http://169.254.170.2{rel}")
        } else if let Some(full) = self.env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            if !container_host_allowed(full) {
                return Err(config(format!(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI {full}: plain http is allowed only to a loopback address or the \
                     container credential hosts"
                )));
            }
            full.to_string()
        } else {
            return Err(config("no container credential endpoint is set"));
        };
        let mut request = Request::get(url.clone());
        let token = match self.env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            Some(f) => Some(
                std::fs::read_to_string(f).map_err(|e| config(format!("cannot read {f}: {e}")))?.trim().to_string(),
            ),
            None => self.env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN").map(str::to_string),
        };
        if let Some(t) = token {
            request = request.header("Authorization", t);
        }
        let response = self
            .metadata_http
            .send(&request)
            .map_err(|e| denied(format!("container credentials {url}: {}", e.message)))?;
        if !response.is_success() {
            return Err(denied(format!("container credentials {url}: HTTP {}", response.status)));
        }
        Ok(Found { credentials: from_json_keys(&response.body, &url)?, source: "container credentials".into() })
    }

    fn imds_base(&self, profile: Option<&str>) -> String {
        self.env
            .var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .map(str::to_string)
            .or_else(|| {
                profile.and_then(|p| self.profiles.get(p)).and_then(|s| s.get("ec2_metadata_service_endpoint").cloned())
            })
            .unwrap_or_else(|| "http://169.254.169.254".into())
            .trim_end_matches('/')
            .to_string()
    }

    /// IMDSv2: a session token, then the role's credentials
    /// (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html>).
    fn instance_metadata(&self, profile: Option<&str>) -> Result<Found, LiveError> {
        let (base, token) = self.imds_token(profile)?;
        let get = |path: &str| -> Result<String, LiveError> {
            let response = self
                .metadata_http
                .send(&Request::get(format!("{base}{path}")).header("X-aws-ec2-metadata-token", token.clone()))
                .map_err(|e| denied(format!("instance metadata {path}: {}", e.message)))?;
            if !response.is_success() {
                return Err(denied(format!("instance metadata {path}: HTTP {}", response.status)));
            }
            Ok(response.text())
        };
        let roles = get("/latest/meta-data/iam/security-credentials/")?;
        let role =
            roles.lines().next().map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
                denied("instance metadata: the instance has no IAM role (no instance profile attached)")
            })?;
        let body = get(&format!("/latest/meta-data/iam/security-credentials/{role}"))?;
        Ok(Found {
            credentials: from_json_keys(body.as_bytes(), "instance metadata")?,
            source: format!("instance metadata (role {role})"),
        })
    }

    fn imds_token(&self, profile: Option<&str>) -> Result<(String, String), LiveError> {
        let base = self.imds_base(profile);
        let request = Request { method: "PUT", url: format!("{base}/latest/api/token"), ..Default::default() }
            .header("X-aws-ec2-metadata-token-ttl-seconds", "21600");
        let response =
            self.metadata_http.send(&request).map_err(|e| denied(format!("instance metadata token: {}", e.message)))?;
        if !response.is_success() {
            return Err(denied(format!("instance metadata token: HTTP {}", response.status)));
        }
        Ok((base, response.text().trim().to_string()))
    }

    /// The region the instance runs in, when on EC2 (the last place the SDKs
    /// look for a region).
    pub fn instance_region(&self, profile: Option<&str>) -> Option<String> {
        if self.env.flag("AWS_EC2_METADATA_DISABLED") {
            return None;
        }
        let (base, token) = self.imds_token(profile).ok()?;
        let response = self
            .metadata_http
            .send(
                &Request::get(format!("{base}/latest/meta-data/placement/region"))
                    .header("X-aws-ec2-metadata-token", token),
            )
            .ok()?;
        response.is_success().then(|| response.text().trim().to_string()).filter(|r| !r.is_empty())
    }

    /// IAM Identity Center: the cached token of `aws sso login`, traded for
    /// role credentials (<https://docs.aws.amazon.com/singlesignon/latest/PortalAPIReference/API_GetRoleCredentials.html>).
    fn sso(&self, name: &str, s: &Section) -> Result<Found, LiveError> {
        let get = |k: &str| s.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let (cache_key, region) = match get("sso_session") {
            Some(session) => {
                let section = self.profiles.sso_sessions.get(session).ok_or_else(|| {
                    config(format!("profile {name}: sso-session {session} is not in the AWS config file"))
                })?;
                let region = section
                    .get("sso_region")
                    .cloned()
                    .ok_or_else(|| config(format!("sso-session {session} has no sso_region")))?;
                (session.to_string(), region)
            }
            None => (
                get("sso_start_url").unwrap_or_default().to_string(),
                get("sso_region")
                    .map(str::to_string)
                    .ok_or_else(|| config(format!("profile {name} has no sso_region")))?,
            ),
        };
        let account = get("sso_account_id").ok_or_else(|| config(format!("profile {name} has no sso_account_id")))?;
        let role = get("sso_role_name").ok_or_else(|| config(format!("profile {name} has no sso_role_name")))?;
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cache_key.as_bytes());
        let cache = self
            .env
            .home_path(&format!(".aws/sso/cache/{}.json", super::sigv4::hex(digest.as_ref())))
            .ok_or_else(|| config("no home directory for the SSO token cache"))?;
        let login = || format!("run `aws sso login --profile {name}`");
        let text = std::fs::read_to_string(&cache)
            .map_err(|_| denied(format!("profile {name}: no cached SSO token ({}): {}", cache.display(), login())))?;
        let token: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| denied(format!("SSO token cache {}: {e}", cache.display())))?;
        let access = token["accessToken"]
            .as_str()
            .ok_or_else(|| denied(format!("SSO token cache {} has no accessToken", cache.display())))?;
        if let Some(expires) = token["expiresAt"].as_str().and_then(crate::time::parse_rfc3339) {
            if expires <= crate::time::now_unix() {
                return Err(denied(format!("profile {name}: the SSO session has expired: {}", login())));
            }
        }
        let base = Resolver::new(self.env, self.profiles, Some(name)).endpoint(endpoint::SSO, &region).url;
        let url = format!(
            "{base}/federation/credentials?account_id={}&role_name={}",
            super::sigv4::uri_encode(account, false),
            super::sigv4::uri_encode(role, false)
        );
        let response = self
            .http
            .send(&Request::get(url).header("x-amz-sso_bearer_token", access))
            .map_err(|e| denied(format!("SSO role credentials: {}", e.message)))?;
        if !response.is_success() {
            return Err(denied(format!(
                "SSO refused role {role} in account {account}: HTTP {} ({})",
                response.status,
                login()
            )));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&response.body).map_err(|e| denied(format!("SSO role credentials: {e}")))?;
        let rc = &v["roleCredentials"];
        let field = |k: &str| {
            rc[k].as_str().map(str::to_string).ok_or_else(|| denied(format!("SSO role credentials lack {k}")))
        };
        Ok(Found {
            credentials: Credentials {
                access_key_id: field("accessKeyId")?,
                secret_access_key: field("secretAccessKey")?,
                session_token: rc["sessionToken"].as_str().map(str::to_string),
                expires: rc["expiration"].as_u64().map(|ms| ms / 1000),
            },
            source: format!("SSO role {role} in {account} (profile {name})"),
        })
    }
}

/// A fresh role session name.
fn session_name() -> String {
    format!("portcullis-{}", crate::time::now_unix())
}

fn static_keys(name: &str, s: &Section) -> Result<Credentials, LiveError> {
    let get = |k: &str| s.get(k).map(String::as_str).filter(|v| !v.is_empty());
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: get("aws_session_token").map(str::to_string),
            expires: None,
        }),
        _ => Err(denied(format!("profile {name} has no credentials (no keys, role, SSO or credential_process)"))),
    }
}

/// `credential_process`: a command printing `{"Version": 1, "AccessKeyId": …}`
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>).
fn process(name: &str, command: &str) -> Result<Found, LiveError> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| config(format!("profile {name}: cannot run credential_process: {e}")))?;
    if !output.status.success() {
        return Err(denied(format!(
            "profile {name}: credential_process failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let v: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| denied(format!("profile {name}: credential_process printed no JSON: {e}")))?;
    if v["Version"].as_u64() != Some(1) {
        return Err(denied(format!("profile {name}: credential_process output must have \"Version\": 1")));
    }
    let field = |k: &str| v[k].as_str().map(str::to_string);
    Ok(Found {
        credentials: Credentials {
            access_key_id: field("AccessKeyId").ok_or_else(|| denied("credential_process output lacks AccessKeyId"))?,
            secret_access_key: field("SecretAccessKey")
                .ok_or_else(|| denied("credential_process output lacks SecretAccessKey"))?,
            session_token: field("SessionToken"),
            expires: field("Expiration").as_deref().and_then(crate::time::parse_rfc3339),
        },
        source: format!("credential_process (profile {name})"),
    })
}

/// The JSON the container and instance metadata endpoints answer.
fn from_json_keys(body: &[u8], what: &str) -> Result<Credentials, LiveError> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| denied(format!("{what}: not JSON: {e}")))?;
    let field = |k: &str| v[k].as_str().map(str::to_string);
    Ok(Credentials {
        access_key_id: field("AccessKeyId").ok_or_else(|| denied(format!("{what}: no AccessKeyId")))?,
        secret_access_key: field("SecretAccessKey").ok_or_else(|| denied(format!("{what}: no SecretAccessKey")))?,
        session_token: field("Token"),
        expires: field("Expiration").as_deref().and_then(crate::time::parse_rfc3339),
    })
}

/// The `Credentials` member of an STS answer.
fn from_sts(doc: &Doc, role: &str) -> Result<Credentials, LiveError> {
    let c = doc.get("Credentials").ok_or_else(|| denied(format!("STS gave no credentials for {role}")))?;
    let field = |k: &str| c.get(k).and_then(Doc::as_str).map(str::to_string);
    Ok(Credentials {
        access_key_id: field("AccessKeyId").ok_or_else(|| denied("STS credentials lack AccessKeyId"))?,
        secret_access_key: field("SecretAccessKey").ok_or_else(|| denied("STS credentials lack SecretAccessKey"))?,
        session_token: field("SessionToken"),
        expires: field("Expiration").as_deref().and_then(crate::time::parse_rfc3339),
    })
}

/// `sts:AssumeRole` with `source` credentials.
pub fn assume_role(
    chain: &Chain,
    profile: &str,
    source: &Credentials,
    role: &str,
    session: Option<String>,
    external_id: Option<String>,
    duration: Option<String>,
) -> Result<Credentials, LiveError> {
    let endpoint = chain.sts_resolver(Some(profile)).endpoint(endpoint::STS, chain.region);
    let mut params = vec![
        ("RoleArn".to_string(), role.to_string()),
        ("RoleSessionName".to_string(), session.unwrap_or_else(session_name)),
    ];
    if let Some(id) = external_id {
        params.push(("ExternalId".into(), id));
    }
    if let Some(d) = duration {
        params.push(("DurationSeconds".into(), d));
    }
    let doc =
        query::call(chain.http, &endpoint, source, shape::operation("sts", "AssumeRole"), &params, &Quiet).map_err(
            |e| LiveError { kind: ErrorKind::Credentials, message: format!("assuming {role}: {}", e.message), ..e },
        )?;
    from_sts(&doc, role)
}

/// The account of a set of credentials (`sts:GetCallerIdentity`, which
/// every principal may call).
pub fn account_of(http: &Http, endpoint: &query::Endpoint, credentials: &Credentials) -> Result<String, LiveError> {
    let doc = query::call(http, endpoint, credentials, shape::operation("sts", "GetCallerIdentity"), &[], &Quiet)?;
    doc.get("Account")
        .and_then(Doc::as_str)
        .map(str::to_string)
        .ok_or_else(|| LiveError::new(ErrorKind::Malformed, "GetCallerIdentity gave no Account"))
}

/// `http` to loopback or the container hosts, or any `https`.
fn container_host_allowed(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    if host == "localhost" {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() => true,
        Ok(ip) => ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"].iter().any(|h| h.parse() == Ok(ip)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_hosts() {
        assert!(container_host_allowed("http://127.0.0.1:51679/creds"));
        assert!(container_host_allowed("http://[::1]:80/x"));
        assert!(container_host_allowed("http://169.254.170.23/v1/credentials"));
        assert!(container_host_allowed("https://example.com/x"));
        assert!(!container_host_allowed("http://example.com/x"));
        assert!(!container_host_allowed("http://10.0.0.1/x"));
    }

    #[test]
    fn credential_process_output() {
        let found = process(
            "p",
            r#"printf '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-01T00:00:00Z"}'"#,
        )
        .unwrap();
        assert_eq!(found.credentials.access_key_id, "A");
        assert_eq!(found.credentials.session_token.as_deref(), Some("T"));
        assert_eq!(found.credentials.expires, crate::time::parse_rfc3339("2030-01-01T00:00:00Z"));
        assert!(process("p", "echo '{}'").unwrap_err().message.contains("Version"));
        assert!(process("p", "exit 3").unwrap_err().message.contains("failed"));
    }
}
