//! One HTTP client for the three clouds: HTTP/1.1 over rustls (ring), kept
//! alive between calls, proxies from `HTTPS_PROXY`/`NO_PROXY`, and a CA
//! bundle in place of Mozilla's roots when the user names one (as the SDKs
//! do with `AWS_CA_BUNDLE`, and Python's requests, under az and gcloud, with
//! `REQUESTS_CA_BUNDLE`). Retries live in [`crate::retry`]: what is worth
//! retrying differs per cloud.

use crate::error::{ErrorKind, LiveError};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Largest answer read (a page of 1,000 instances is a few megabytes).
const MAX_BODY: u64 = 512 << 20;

#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(url: impl Into<String>) -> Self {
        Request { method: "GET", url: url.into(), ..Default::default() }
    }

    pub fn post(url: impl Into<String>, body: Vec<u8>) -> Self {
        Request { method: "POST", url: url.into(), body, ..Default::default() }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A failure to exchange a request at all (no status to judge).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    pub message: String,
    /// Worth trying again (a reset connection, a timeout).
    pub transient: bool,
}

#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
}

/// How patient a client is.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    pub whole: Duration,
}

/// Cloud APIs: a page can take a while to compute.
pub const API_TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(10), whole: Duration::from_secs(120) };
/// Instance and container metadata endpoints answer at once or not at all
/// (off a cloud machine nothing listens there).
pub const METADATA_TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(1), whole: Duration::from_secs(3) };

impl Http {
    /// A client trusting Mozilla's roots, or only the certificates in
    /// `ca_bundle` (PEM) when given.
    pub fn new(ca_bundle: Option<&Path>, timeouts: Timeouts) -> Result<Http, LiveError> {
        let roots = match ca_bundle {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    LiveError::new(ErrorKind::Config, format!("cannot read CA bundle {}: {e}", path.display()))
                })?;
                let mut certs = Vec::new();
                for item in ureq::tls::parse_pem(&pem) {
                    match item {
                        Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                        Ok(_) => {}
                        Err(e) => {
                            return Err(LiveError::new(ErrorKind::Config, format!("CA bundle {}: {e}", path.display())))
                        }
                    }
                }
                if certs.is_empty() {
                    return Err(LiveError::new(
                        ErrorKind::Config,
                        format!("CA bundle {} holds no certificate", path.display()),
                    ));
                }
                ureq::tls::RootCerts::Specific(Arc::new(certs))
            }
            None => ureq::tls::RootCerts::WebPki,
        };
        let tls = ureq::tls::TlsConfig::builder().root_certs(roots).build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .timeout_connect(Some(timeouts.connect))
            .timeout_global(Some(timeouts.whole))
            .max_redirects(0)
            .max_idle_connections_per_host(64)
            .max_idle_connections(256)
            .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Http { agent })
    }

    /// Sends one request and reads the whole answer.
    pub fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let mut builder = ureq::http::Request::builder().method(request.method).uri(&request.url);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let built = builder
            .body(request.body.clone())
            .map_err(|e| TransportError { message: format!("bad request {}: {e}", request.url), transient: false })?;
        let mut response = self.agent.run(built).map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .reader()
            .read_to_end(&mut body)
            .map_err(|e| TransportError { message: format!("reading the answer: {e}"), transient: true })?;
        Ok(Response { status, headers, body })
    }
}

fn transport(e: ureq::Error) -> TransportError {
    let transient = matches!(e, ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed);
    TransportError { message: e.to_string(), transient }
}
