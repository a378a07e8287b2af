//! Runs the probe against targets and keeps what every step answered.
//!
//! Each question gets its own connection, so one answer (a server that
//! closes after a 403, a handshake that fails) never spoils the next.
//! Targets run on a bounded pool of threads: probing is waiting on the
//! network, and a pool of plain threads bounds the sockets open at once
//! without an async runtime.

use crate::cert::{self, CertInfo};
use crate::error::Error;
use crate::hello::{self, LegacyAnswer, LegacyVersion};
use crate::http::{self, Outcome};
use crate::target::Target;
use crate::tls::{self, Handshake, HandshakeError};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The paths asked for over TLS without credentials, /healthz first.
pub const HEALTH_PATH: &str = "/healthz";
/// Paths that must answer 401 or 403 to an anonymous client.
pub const PROTECTED_PATHS: &[&str] = &["/metrics", "/configz", "/debug/pprof/"];
/// Paths asked for on the legacy plain-HTTP port.
pub const LEGACY_PATHS: &[&str] = &["/healthz", "/metrics"];

#[derive(Clone, Debug)]
pub struct Options {
    /// For each connect and each read.
    pub timeout: Duration,
    /// Also probe this plain-HTTP port on the same host (`--legacy`).
    pub legacy_port: Option<u16>,
}

impl Default for Options {
    fn default() -> Self {
        Options { timeout: Duration::from_secs(5), legacy_port: None }
    }
}

/// Whether a TCP connection could be opened, and to which address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    Open(SocketAddr),
    /// Not probed at all: the host name did not resolve, or the probe
    /// itself failed. An input error, not an observation.
    NotProbed(String),
    Refused(SocketAddr),
    TimedOut(SocketAddr),
    Failed(SocketAddr, String),
}

impl Reach {
    pub fn addr(&self) -> Option<SocketAddr> {
        match self {
            Reach::Open(a) | Reach::Refused(a) | Reach::TimedOut(a) | Reach::Failed(a, _) => Some(*a),
            Reach::NotProbed(_) => None,
        }
    }
}

/// The legacy port's answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyPort {
    pub port: u16,
    pub reach: Reach,
    pub paths: Vec<(String, Outcome)>,
}

/// Everything one probe saw.
#[derive(Clone, Debug)]
pub struct Observation {
    pub target: Target,
    pub reach: Reach,
    /// The TLS 1.2/1.3 handshake (`None` when the port was not open).
    pub tls: Option<Result<Handshake, HandshakeError>>,
    /// The served chain, leaf first, each certificate read or why not.
    pub chain: Vec<Result<CertInfo, Error>>,
    pub legacy_tls: Vec<(LegacyVersion, LegacyAnswer)>,
    /// `/healthz` then [`PROTECTED_PATHS`], over TLS, without credentials.
    pub paths: Vec<(String, Outcome)>,
    /// `GET /healthz` sent as plain HTTP to the TLS port.
    pub plain_http: Option<Outcome>,
    pub legacy_port: Option<LegacyPort>,
    /// When the probe ran (Unix seconds): certificate dates are judged
    /// against it.
    pub at: i64,
}

impl Observation {
    /// Why the target could not be probed at all (its name did not
    /// resolve), if so: an input error, not an observation.
    pub fn not_probed(&self) -> Option<&str> {
        match &self.reach {
            Reach::NotProbed(e) => Some(e),
            _ => None,
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn resolve(t: &Target) -> Result<Vec<SocketAddr>, String> {
    match (t.host.as_str(), t.port).to_socket_addrs() {
        Ok(addrs) => {
            let all: Vec<SocketAddr> = addrs.collect();
            if all.is_empty() {
                Err(format!("`{}` resolves to no address", t.host))
            } else {
                Ok(all)
            }
        }
        Err(e) => Err(format!("cannot resolve `{}`: {e}", t.host)),
    }
}

/// The first address of a name that accepts a connection, as a client
/// library would try them (`localhost` may be ::1 first while the server
/// listens on 127.0.0.1); the first address's failure when none does.
fn reach_any(addrs: &[SocketAddr], timeout: Duration) -> Reach {
    let mut first_failure = None;
    for a in addrs {
        match reach(*a, timeout) {
            open @ Reach::Open(_) => return open,
            other => {
                first_failure.get_or_insert(other);
            }
        }
    }
    first_failure.unwrap_or_else(|| Reach::NotProbed("no address".into()))
}

fn reach(addr: SocketAddr, timeout: Duration) -> Reach {
    match TcpStream::connect_timeout(&addr, timeout) {
        Ok(_) => Reach::Open(addr),
        Err(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => Reach::Refused(addr),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Reach::TimedOut(addr),
            _ => Reach::Failed(addr, e.to_string()),
        },
    }
}

/// `GET path` over a fresh plain TCP connection.
fn plain_get(addr: SocketAddr, authority: &str, path: &str, timeout: Duration) -> Outcome {
    match TcpStream::connect_timeout(&addr, timeout) {
        Ok(mut s) => {
            let _ = s.set_read_timeout(Some(timeout));
            let _ = s.set_write_timeout(Some(timeout));
            http::get(&mut s, authority, path, timeout * 2)
        }
        Err(e) => Outcome::Failed(format!("connect: {}", http::io_words(&e))),
    }
}

/// `GET path` over a fresh TLS connection.
fn tls_get(addr: SocketAddr, host: &str, authority: &str, path: &str, timeout: Duration) -> Outcome {
    match tls::connect(addr, host, timeout) {
        Ok((mut s, _)) => http::get(&mut s, authority, path, timeout * 2),
        Err(e) => Outcome::Failed(format!("TLS: {}", e.message)),
    }
}

/// An observation of nothing: the target could not be probed.
fn failed(target: &Target, why: String) -> Observation {
    Observation {
        target: target.clone(),
        reach: Reach::NotProbed(why),
        tls: None,
        chain: Vec::new(),
        legacy_tls: Vec::new(),
        paths: Vec::new(),
        plain_http: None,
        legacy_port: None,
        at: now(),
    }
}

/// Probes one target.
pub fn probe(target: &Target, opts: &Options) -> Observation {
    let mut obs = failed(target, String::new());
    let addrs = match resolve(target) {
        Ok(a) => a,
        Err(e) => {
            obs.reach = Reach::NotProbed(e);
            return obs;
        }
    };
    let timeout = opts.timeout;
    let authority = target.to_string();
    obs.reach = reach_any(&addrs, timeout);
    let Some(addr) = obs.reach.addr() else { return obs };
    if matches!(obs.reach, Reach::Open(_)) {
        let handshake = tls::connect(addr, &target.host, timeout);
        let der_chain = match &handshake {
            Ok((_, h)) => h.chain.clone(),
            Err(e) => e.chain.clone(),
        };
        obs.chain = der_chain.iter().map(|d| cert::parse(d)).collect();
        match handshake {
            Ok((mut stream, h)) => {
                let answer = http::get(&mut stream, &authority, HEALTH_PATH, timeout * 2);
                obs.paths.push((HEALTH_PATH.to_string(), answer));
                for p in PROTECTED_PATHS {
                    obs.paths.push((p.to_string(), tls_get(addr, &target.host, &authority, p, timeout)));
                }
                obs.tls = Some(Ok(h));
            }
            Err(e) => obs.tls = Some(Err(e)),
        }
        // SNI only for names: an IP address is never a server_name (RFC 6066 §3).
        let sni = target.host_ip().is_none().then_some(target.host.as_str());
        for v in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
            obs.legacy_tls.push((v, hello::offer(addr, sni, v, timeout)));
        }
        obs.plain_http = Some(plain_get(addr, &authority, HEALTH_PATH, timeout));
    }
    if let Some(port) = opts.legacy_port {
        let laddr = SocketAddr::new(addr.ip(), port);
        let lreach = reach(laddr, timeout);
        let lauth = target.with_port(port).to_string();
        let paths = match lreach {
            Reach::Open(_) => {
                LEGACY_PATHS.iter().map(|p| (p.to_string(), plain_get(laddr, &lauth, p, timeout))).collect()
            }
            _ => Vec::new(),
        };
        obs.legacy_port = Some(LegacyPort { port, reach: lreach, paths });
    }
    obs
}

/// Probes every target, at most `concurrency` at a time; results in the
/// order of `targets`.
pub fn probe_all(targets: &[Target], opts: &Options, concurrency: usize) -> Vec<Observation> {
    probe_all_with(targets, opts, concurrency, &|| {})
}

/// [`probe_all`], calling `done` as each target's probe ends (a progress
/// bar counts them).
pub fn probe_all_with(
    targets: &[Target],
    opts: &Options,
    concurrency: usize,
    done: &(dyn Fn() + Sync),
) -> Vec<Observation> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let workers = concurrency.clamp(1, targets.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Observation>>> = Mutex::new(vec![None; targets.len()]);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = targets.get(i) else { break };
                // A bug met on one endpoint's answer must not end the run
                // for the others: it becomes that target's error.
                let o = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| probe(t, opts))).unwrap_or_else(|p| {
                    let why = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    failed(t, format!("the probe failed on {t}: {why}"))
                });
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(o);
                }
                done();
            });
        }
    });
    results.into_inner().unwrap_or_default().into_iter().flatten().collect()
}
