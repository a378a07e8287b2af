//! A loopback HTTP/1.1 server, over TLS (a certificate for 127.0.0.1 from
//! a CA made at start) or plain, answering each request with a handler.
//! The Azure and GCP tests serve the providers' published example
//! responses with it, token endpoints and metadata servers included.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A request as the handler sees it.
#[derive(Clone, Debug, Default)]
pub struct Route {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Route {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter's raw value.
    pub fn query(&self, key: &str) -> Option<&str> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }
}

/// `(status, headers, body)`.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

type Handler = dyn Fn(&Route) -> Answer + Send + Sync;

pub struct TlsServer {
    pub port: u16,
    /// The CA that issued the server's certificate, PEM (none for plain).
    pub ca_pem: String,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Route>>>,
}

impl TlsServer {
    /// An HTTPS server for 127.0.0.1.
    pub fn start(handler: impl Fn(&Route) -> Answer + Send + Sync + 'static) -> TlsServer {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.distinguished_name.push(DnType::CommonName, "portcullis test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca, ca_key);
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("leaf params");
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf certificate");
        let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain.into_iter().map(CertificateDer::into_owned).collect(), key)
            .expect("server config");
        Self::serve(Some(Arc::new(config)), ca_cert.pem(), Arc::new(handler))
    }

    /// A plain-HTTP server (metadata endpoints are plain HTTP).
    pub fn plain(handler: impl Fn(&Route) -> Answer + Send + Sync + 'static) -> TlsServer {
        Self::serve(None, String::new(), Arc::new(handler))
    }

    fn serve(tls: Option<Arc<rustls::ServerConfig>>, ca_pem: String, handler: Arc<Handler>) -> TlsServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stopping, logging) = (stop.clone(), log.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (tls, handler, log) = (tls.clone(), handler.clone(), logging.clone());
                std::thread::spawn(move || match tls {
                    Some(config) => {
                        let Ok(server) = rustls::ServerConnection::new(config) else { return };
                        let stream = rustls::StreamOwned::new(server, conn);
                        exchange(stream, &*handler, &log);
                    }
                    None => exchange(conn, &*handler, &log),
                });
            }
        });
        TlsServer { port, ca_pem, stop, log }
    }

    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_empty() { "http" } else { "https" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Every request served so far.
    pub fn seen(&self) -> Vec<Route> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Writes the CA to a file (for `REQUESTS_CA_BUNDLE` and the like).
    pub fn write_ca(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join(format!("ca-{}.pem", self.port));
        std::fs::write(&path, &self.ca_pem).expect("write the CA");
        path
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn exchange<S: Read + Write>(stream: S, handler: &Handler, log: &Mutex<Vec<Route>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return };
        let mut route = Route { method: method.to_string(), target: target.to_string(), ..Default::default() };
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end_matches(['\r', '\n']);
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                route.headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let length: usize = route.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        route.body.resize(length, 0);
        if reader.read_exact(&mut route.body).is_err() {
            return;
        }
        let (status, headers, body) = handler(&route);
        log.lock().unwrap_or_else(|p| p.into_inner()).push(route);
        let mut out = format!("HTTP/1.1 {status} X\r\n");
        for (k, v) in &headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let stream = reader.get_mut();
        if stream.write_all(out.as_bytes()).and_then(|_| stream.write_all(&body)).and_then(|_| stream.flush()).is_err()
        {
            return;
        }
    }
}
