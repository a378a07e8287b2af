//! Real local servers for the probe's tests (feature `testing`): a rustls
//! HTTPS server that behaves like a hardened kube-controller-manager, a
//! plain-HTTP server, and a Python/OpenSSL HTTPS server that still speaks
//! TLS 1.0 (rustls cannot). All of them listen on loopback only, on ports
//! the kernel picks, and stop when dropped. Certificates are made at run
//! time with rcgen, or with the `openssl` command for RSA keys (rcgen's
//! ring backend cannot generate RSA).

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const PYTHON_SERVER: &str = include_str!("tls_server.py");

/// A path and the status it answers; other paths get 404.
pub type Routes = &'static [(&'static str, u16)];

/// What a hardened kube-controller-manager answers without credentials.
pub const HARDENED_ROUTES: Routes = &[
    ("/healthz", 200),
    ("/readyz", 200),
    ("/livez", 200),
    ("/metrics", 403),
    ("/configz", 403),
    ("/debug/pprof/", 401),
];

/// A calendar date, `(year, month, day)`.
pub type Ymd = (i32, u8, u8);

/// A certificate chain (leaf first) and the leaf's key, as DER and PEM.
pub struct Pki {
    pub chain: Vec<CertificateDer<'static>>,
    pub key_der: Vec<u8>,
    /// Leaf then chain, PEM.
    pub chain_pem: String,
    pub key_pem: String,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn named(cn: &str, sans: &[&str]) -> Result<CertificateParams, rcgen::Error> {
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    Ok(p)
}

/// A CA named `ca_cn` issuing a leaf named `leaf_cn` for `sans`; the chain
/// served is leaf + CA when `serve_ca`. `validity` overrides the leaf's
/// dates (Unix-epoch years are enough for the tests).
pub fn issue(
    ca_cn: &str,
    leaf_cn: &str,
    sans: &[&str],
    serve_ca: bool,
    validity: Option<(Ymd, Ymd)>,
) -> Result<Pki, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca = named(ca_cn, &[])?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate()?;
    let mut leaf = named(leaf_cn, sans)?;
    if let Some(((y1, m1, d1), (y2, m2, d2))) = validity {
        leaf.not_before = rcgen::date_time_ymd(y1, m1, d1);
        leaf.not_after = rcgen::date_time_ymd(y2, m2, d2);
    }
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
    let mut chain = vec![leaf_cert.der().clone()];
    let mut chain_pem = leaf_cert.pem();
    if serve_ca {
        chain.push(ca_cert.der().clone());
        chain_pem.push_str(&ca_cert.pem());
    }
    Ok(Pki { chain, key_der: leaf_key.serialize_der(), chain_pem, key_pem: leaf_key.serialize_pem() })
}

/// The pair kube-controller-manager generates without `--tls-cert-file`:
/// CA `localhost-ca@<now>` signing leaf `localhost@<now>` for localhost and
/// 127.0.0.1, both served (client-go `GenerateSelfSignedCertKey`).
pub fn generated_like_kcm() -> Result<Pki, rcgen::Error> {
    let t = now_secs();
    issue(&format!("localhost-ca@{t}"), &format!("localhost@{t}"), &["localhost", "127.0.0.1"], true, None)
}

/// Stops a listener thread: set the flag, then wake `accept` with a
/// connection of our own.
struct Stopper {
    flag: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl Drop for Stopper {
    fn drop(&mut self) {
        self.flag.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// A running test server.
pub struct Server {
    pub addr: SocketAddr,
    _stop: Option<Stopper>,
    child: Option<Child>,
}

impl Server {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn status_line(status: u16) -> &'static str {
    match status {
        200 => "200 OK",
        401 => "401 Unauthorized",
        403 => "403 Forbidden",
        _ => "404 Not Found",
    }
}

fn respond(w: &mut impl Write, routes: Routes, request: &[u8]) -> std::io::Result<()> {
    let text = String::from_utf8_lossy(request);
    let path = text.split_whitespace().nth(1).unwrap_or("/");
    let status = routes.iter().find(|(p, _)| *p == path).map(|(_, s)| *s).unwrap_or(404);
    let body = match status {
        200 if path == "/metrics" => "# HELP workqueue_depth Current depth of workqueue\n".to_string(),
        200 => "ok".to_string(),
        // The shape of the API server's authorization refusal.
        401 | 403 => format!("{{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":{status}}}"),
        _ => "404 page not found\n".to_string(),
    };
    write!(
        w,
        "HTTP/1.1 {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        status_line(status),
        body.len()
    )?;
    w.flush()
}

/// Reads a request head (to the blank line) or whatever arrives first.
fn read_head(r: &mut impl Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match r.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf
}

fn listen(ip: IpAddr, handle: impl Fn(TcpStream) + Send + Sync + 'static) -> std::io::Result<(SocketAddr, Stopper)> {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0))?;
    let addr = listener.local_addr()?;
    let flag = Arc::new(AtomicBool::new(false));
    let stop = flag.clone();
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let h = handle.clone();
            std::thread::spawn(move || h(conn));
        }
    });
    Ok((addr, Stopper { flag, addr }))
}

/// An HTTPS server on rustls (TLS 1.2 and 1.3 only) answering `routes`,
/// and, like Go's TLS server, `400 Bad Request` to plain HTTP.
pub fn rustls_server(ip: IpAddr, pki: &Pki, routes: Routes) -> std::io::Result<Server> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key_der.clone()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .and_then(|b| b.with_no_client_auth().with_single_cert(pki.chain.clone(), key))
        .map_err(std::io::Error::other)?;
    let config = Arc::new(config);
    let (addr, stop) = listen(ip, move |mut sock| {
        let mut first = [0u8; 1];
        match sock.peek(&mut first) {
            Ok(1) if first[0] == 0x16 => {}
            Ok(1) => {
                // Go's net/http answers this to plain HTTP on a TLS port.
                read_head(&mut sock);
                let _ = sock
                    .write_all(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
                return;
            }
            _ => return,
        }
        let Ok(conn) = rustls::ServerConnection::new(config.clone()) else { return };
        let mut tls = rustls::StreamOwned::new(conn, sock);
        let head = read_head(&mut tls);
        if !head.is_empty() {
            let _ = respond(&mut tls, routes, &head);
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    })?;
    Ok(Server { addr, _stop: Some(stop), child: None })
}

/// A plain-HTTP server answering `routes` (and 400 to anything that is not
/// an HTTP request, such as a TLS hello).
pub fn plain_http_server(routes: Routes) -> std::io::Result<Server> {
    let (addr, stop) = listen(IpAddr::V4(Ipv4Addr::LOCALHOST), move |mut sock| {
        // Judge the first bytes at once: a TLS hello never ends in a blank
        // line, so waiting for one would stall until the read timeout.
        let mut first = [0u8; 4];
        match sock.peek(&mut first) {
            Ok(n) if n > 0 && b"GET ".starts_with(&first[..n.min(4)]) => {
                let head = read_head(&mut sock);
                let _ = respond(&mut sock, routes, &head);
            }
            Ok(n) if n > 0 => {
                let _ = sock.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
            }
            _ => {}
        }
    })?;
    Ok(Server { addr, _stop: Some(stop), child: None })
}

/// Whether a test may use a tool: `true` when `present`; otherwise a
/// visible notice and `false` (skip), except under
/// `PORTCULLIS_REQUIRE_FIXTURES` (CI), where a missing tool fails the test
/// instead of passing it silently.
pub fn ready(present: bool, what: &str) -> bool {
    if present {
        return true;
    }
    let required = std::env::var_os("PORTCULLIS_REQUIRE_FIXTURES").is_some_and(|v| !v.is_empty());
    assert!(!required, "PORTCULLIS_REQUIRE_FIXTURES is set but {what} is not available");
    eprintln!("NOTICE: {what} is not available; this test is skipped");
    false
}

/// Whether `python3` with the ssl module runs here.
pub fn python_available() -> bool {
    Command::new("python3")
        .args(["-c", "import ssl"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the `openssl` command runs here.
pub fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// An HTTPS server on Python's ssl module (OpenSSL) that accepts TLS from
/// `min_version` (`TLSv1`, `TLSv1_2`, …) and answers `routes`. `dir` holds
/// the certificate and key files and the script.
pub fn python_server(
    dir: &Path,
    chain_pem: &str,
    key_pem: &str,
    min_version: &str,
    routes: Routes,
) -> std::io::Result<Server> {
    let script = dir.join("tls_server.py");
    let cert = dir.join("chain.pem");
    let key = dir.join("key.pem");
    std::fs::write(&script, PYTHON_SERVER)?;
    std::fs::write(&cert, chain_pem)?;
    std::fs::write(&key, key_pem)?;
    let routes_json =
        format!("{{{}}}", routes.iter().map(|(p, s)| format!("\"{p}\": {s}")).collect::<Vec<_>>().join(", "));
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(&cert)
        .arg(&key)
        .arg(min_version)
        .arg(routes_json)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out).read_line(&mut line)?;
    }
    let port: u16 = match line.trim().parse() {
        Ok(p) => p,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!("the Python server did not start (said {line:?})")));
        }
    };
    Ok(Server { addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port), _stop: None, child: Some(child) })
}

/// A self-signed RSA certificate made with the `openssl` command: `bits`
/// long, valid for `days`, naming `san` (an `openssl -addext` value).
/// Returns (certificate PEM, key PEM).
pub fn openssl_self_signed(dir: &Path, cn: &str, bits: u32, days: u32, san: &str) -> std::io::Result<(String, String)> {
    let cert: PathBuf = dir.join("self-signed.pem");
    let key: PathBuf = dir.join("self-signed.key");
    let status = Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-newkey"])
        .arg(format!("rsa:{bits}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .arg("-days")
        .arg(days.to_string())
        .arg("-subj")
        .arg(format!("/CN={cn}"))
        .arg("-addext")
        .arg(format!("subjectAltName={san}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!("openssl req failed: {status}")));
    }
    Ok((std::fs::read_to_string(cert)?, std::fs::read_to_string(key)?))
}
