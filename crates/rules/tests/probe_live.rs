//! The probe against real servers on loopback, started here: a hardened
//! kube-controller-manager look-alike (rustls, certificate from a test CA,
//! 401/403 on the protected paths), a misconfigured one (Python/OpenSSL,
//! TLS 1.0 and 1.1 allowed, anonymous /metrics, the generated
//! `localhost-ca@…` certificate), a weak self-signed one, an expired one, a
//! plain-HTTP one, a closed port, and IPv6 loopback. Every verdict is
//! asserted: the exact set of rules each server triggers, and the
//! observations behind them.

use portcullis_probe::hello::{LegacyAnswer, LegacyVersion};
use portcullis_probe::http::Outcome;
use portcullis_probe::testing::{self, Server, HARDENED_ROUTES};
use portcullis_probe::{probe, probe_all, target, Observation, Options, Reach};
use portcullis_rules::probe::findings;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

fn opts() -> Options {
    Options { timeout: Duration::from_secs(5), legacy_port: None }
}

fn run(host_port: &str, o: &Options) -> Observation {
    let t = target::parse(host_port, 10257).expect("target parses");
    probe(&t, o)
}

fn rules(o: &Observation) -> BTreeSet<String> {
    findings(o).into_iter().map(|f| f.rule).collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|s| s.to_string()).collect()
}

fn statuses(o: &Observation) -> Vec<(String, Option<u16>)> {
    o.paths.iter().map(|(p, a)| (p.clone(), a.status())).collect()
}

fn message(o: &Observation, code: &str) -> String {
    findings(o).into_iter().find(|f| f.rule == code).map(|f| f.message).unwrap_or_default()
}

/// A certificate from a test CA naming the loopback names, as a
/// well-configured kube-controller-manager would serve.
fn test_ca_certificate() -> testing::Pki {
    testing::issue("portcullis-test-ca", "kube-controller-manager", &["localhost", "127.0.0.1", "::1"], false, None)
        .expect("test PKI")
}

fn hardened(ip: IpAddr) -> Server {
    testing::rustls_server(ip, &test_ca_certificate(), HARDENED_ROUTES).expect("hardened server starts")
}

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A second opinion on the hand-built hello: the protocol a full OpenSSL
/// handshake negotiates when it offers only `flag` (`-tls1`, `-tls1_1`),
/// or `None` when the server refuses. `None` overall when `openssl` is
/// missing.
fn openssl_negotiates(addr: std::net::SocketAddr, flag: &str) -> Option<Option<String>> {
    if !testing::openssl_available() {
        eprintln!("NOTICE: the openssl command is not available; the cross-check with a full handshake is skipped");
        return None;
    }
    let out = std::process::Command::new("openssl")
        .args(["s_client", "-connect", &addr.to_string(), flag, "-cipher", "DEFAULT:@SECLEVEL=0"])
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Cipher is (NONE)") {
        return Some(None);
    }
    Some(text.lines().find_map(|l| l.trim().strip_prefix("Protocol  : ").map(str::to_string)))
}

#[test]
fn hardened_controller_manager_shows_nothing_wrong() {
    let s = hardened(LOOPBACK);
    let o = run(&format!("127.0.0.1:{}", s.port()), &opts());
    assert!(matches!(o.reach, Reach::Open(_)), "{:?}", o.reach);
    let h = o.tls.clone().expect("handshake attempted").expect("handshake completes");
    assert_eq!(h.version, "TLS 1.3");
    assert!(h.suite.starts_with("TLS13_"), "{}", h.suite);
    assert_eq!(h.chain.len(), 1);
    // rustls refuses both old versions with a fatal alert (measured:
    // handshake_failure, 40).
    for (v, a) in &o.legacy_tls {
        assert!(matches!(a, LegacyAnswer::Alert(2, _)), "{} answered {a:?}", v.name());
        assert!(a.describe().starts_with("refused (alert "), "{}", a.describe());
    }
    assert_eq!(o.legacy_tls.iter().map(|(v, _)| *v).collect::<Vec<_>>(), [LegacyVersion::Tls10, LegacyVersion::Tls11]);
    for flag in ["-tls1", "-tls1_1"] {
        if let Some(got) = openssl_negotiates(s.addr, flag) {
            assert_eq!(got, None, "OpenSSL {flag} should be refused too");
        }
    }
    let leaf = o.chain[0].as_ref().expect("certificate reads");
    assert_eq!(leaf.subject_cn.as_deref(), Some("kube-controller-manager"));
    assert_eq!(leaf.issuer_cn.as_deref(), Some("portcullis-test-ca"));
    assert!(!leaf.self_issued);
    assert_eq!((leaf.key_type.as_str(), leaf.key_bits), ("EC P-256", 256));
    assert_eq!(leaf.sans, ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    assert_eq!(
        statuses(&o),
        [
            ("/healthz".into(), Some(200)),
            ("/metrics".into(), Some(403)),
            ("/configz".into(), Some(403)),
            ("/debug/pprof/".into(), Some(401))
        ]
    );
    assert_eq!(o.plain_http.as_ref().and_then(Outcome::status), Some(400));
    assert_eq!(rules(&o), set(&["PC300"]));
    let summary = message(&o, "PC300");
    assert!(summary.contains("TLS 1.3"), "{summary}");
    assert!(summary.contains("/metrics 403 Forbidden"), "{summary}");
}

/// `--authorization-always-allow-paths` widened to /configz and profiling
/// left on: both answer a client without credentials (PC303, PC304), and
/// the rest of the endpoint is as hardened as it should be.
#[test]
fn configz_and_profiling_served_anonymously_are_caught() {
    let routes = &[("/healthz", 200), ("/metrics", 403), ("/configz", 200), ("/debug/pprof/", 200)];
    let s = testing::rustls_server(LOOPBACK, &test_ca_certificate(), routes).expect("server starts");
    let o = run(&format!("127.0.0.1:{}", s.port()), &opts());
    assert_eq!(
        statuses(&o),
        [
            ("/healthz".into(), Some(200)),
            ("/metrics".into(), Some(403)),
            ("/configz".into(), Some(200)),
            ("/debug/pprof/".into(), Some(200))
        ]
    );
    assert_eq!(rules(&o), set(&["PC300", "PC303", "PC304"]));
    assert_eq!(message(&o, "PC303"), "/configz answered 200 to a client without credentials: ok");
    assert_eq!(message(&o, "PC304"), "/debug/pprof/ answered 200 to a client without credentials: ok");
    let mut flags: Vec<(String, Option<String>)> =
        findings(&o).into_iter().filter(|f| f.rule != "PC300").map(|f| (f.rule, f.flag)).collect();
    flags.sort();
    assert_eq!(
        flags,
        [("PC303".into(), Some("authorization-always-allow-paths".into())), ("PC304".into(), Some("profiling".into()))]
    );
}

#[test]
fn misconfigured_controller_manager_is_caught_on_every_count() {
    if !testing::ready(testing::python_available(), "python3 with ssl (the TLS 1.0 server)") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = testing::generated_like_kcm().expect("test PKI");
    let routes = &[("/healthz", 200), ("/metrics", 200), ("/configz", 403), ("/debug/pprof/", 404)];
    let s = testing::python_server(dir.path(), &pki.chain_pem, &pki.key_pem, "TLSv1", routes).expect("server");
    let o = run(&format!("127.0.0.1:{}", s.port()), &opts());
    assert!(o.tls.as_ref().is_some_and(|r| r.is_ok()), "{:?}", o.tls);
    // The real question: a hand-built hello, answered by OpenSSL.
    for (v, a) in &o.legacy_tls {
        assert!(a.accepted(), "{} should be accepted, got {a:?}", v.name());
    }
    for (flag, want) in [("-tls1", "TLSv1"), ("-tls1_1", "TLSv1.1")] {
        if let Some(got) = openssl_negotiates(s.addr, flag) {
            assert_eq!(got.as_deref(), Some(want), "a full OpenSSL handshake with {flag} agrees");
        }
    }
    assert_eq!(o.chain.len(), 2, "leaf and the generated CA are both served");
    let leaf = o.chain[0].as_ref().expect("certificate reads");
    assert!(leaf.issuer_cn.as_deref().is_some_and(|n| n.starts_with("localhost-ca@")), "{:?}", leaf.issuer_cn);
    assert!(leaf.subject_cn.as_deref().is_some_and(|n| n.starts_with("localhost@")));
    assert_eq!(
        statuses(&o),
        [
            ("/healthz".into(), Some(200)),
            ("/metrics".into(), Some(200)),
            ("/configz".into(), Some(403)),
            ("/debug/pprof/".into(), Some(404))
        ]
    );
    // OpenSSL drops plain HTTP without an HTTP answer.
    assert_eq!(o.plain_http.as_ref().and_then(Outcome::status), None, "{:?}", o.plain_http);
    assert_eq!(rules(&o), set(&["PC300", "PC302", "PC305", "PC310", "PC321"]));
    assert!(message(&o, "PC310").contains("TLS 1.0 and TLS 1.1"), "{}", message(&o, "PC310"));
    assert!(message(&o, "PC302").starts_with("/metrics answered 200"));
    assert!(message(&o, "PC302").contains("workqueue_depth"));
    assert!(message(&o, "PC305").contains("/debug/pprof/ 404"));
    assert!(message(&o, "PC321").contains("localhost-ca@"));
    // By name the generated certificate still matches (it names localhost).
    let by_name = run(&format!("localhost:{}", s.port()), &opts());
    assert!(matches!(by_name.reach, Reach::Open(a) if a.ip() == LOOPBACK), "{:?}", by_name.reach);
    assert_eq!(rules(&by_name), set(&["PC300", "PC302", "PC305", "PC310", "PC321"]));
}

#[test]
fn weak_self_signed_certificate_is_caught() {
    if !testing::ready(testing::python_available(), "python3 with ssl")
        || !testing::ready(testing::openssl_available(), "the openssl command (RSA-1024 certificate)")
    {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, key) =
        testing::openssl_self_signed(dir.path(), "kcm-test", 1024, 10, "DNS:kcm.internal").expect("openssl");
    let routes = &[("/healthz", 403), ("/metrics", 401), ("/configz", 401), ("/debug/pprof/", 401)];
    let s = testing::python_server(dir.path(), &cert, &key, "TLSv1_2", routes).expect("server");
    let o = run(&format!("127.0.0.1:{}", s.port()), &opts());
    let leaf = o.chain[0].as_ref().expect("certificate reads");
    assert_eq!((leaf.key_type.as_str(), leaf.key_bits), ("RSA", 1024));
    assert!(leaf.self_issued);
    for (v, a) in &o.legacy_tls {
        assert!(!a.accepted(), "{} should be refused, got {a:?}", v.name());
    }
    assert_eq!(rules(&o), set(&["PC300", "PC306", "PC320", "PC323", "PC324", "PC325"]));
    assert!(message(&o, "PC323").contains("in 9 days") || message(&o, "PC323").contains("in 10 days"));
    assert!(message(&o, "PC324").contains("RSA 1024 bits"));
    assert!(message(&o, "PC325").contains("DNS:kcm.internal, not 127.0.0.1"));
}

#[test]
fn expired_certificate_is_caught() {
    let pki = testing::issue("test-ca", "kcm", &["127.0.0.1"], false, Some(((2020, 1, 1), (2021, 1, 1)))).expect("pki");
    let s = testing::rustls_server(LOOPBACK, &pki, HARDENED_ROUTES).expect("server");
    let o = run(&format!("127.0.0.1:{}", s.port()), &opts());
    assert_eq!(rules(&o), set(&["PC300", "PC322"]));
    assert!(message(&o, "PC322").contains("expired on 2021-01-01"));
}

#[test]
fn plain_http_on_the_port_and_on_the_legacy_port() {
    let plain = testing::plain_http_server(&[("/healthz", 200), ("/metrics", 200)]).expect("server");
    let o = run(&format!("127.0.0.1:{}", plain.port()), &opts());
    assert!(matches!(o.tls, Some(Err(_))));
    for (_, a) in &o.legacy_tls {
        assert!(matches!(a, LegacyAnswer::NotTls(_)), "{a:?}");
    }
    assert_eq!(rules(&o), set(&["PC300", "PC311", "PC312"]));
    assert!(message(&o, "PC311").contains("plain HTTP: 200 OK"), "{}", message(&o, "PC311"));

    // The same plain server as the legacy port of a hardened one.
    let s = hardened(LOOPBACK);
    let with_legacy = Options { legacy_port: Some(plain.port()), ..opts() };
    let o = run(&format!("127.0.0.1:{}", s.port()), &with_legacy);
    assert_eq!(rules(&o), set(&["PC300", "PC307"]));
    let f = findings(&o).into_iter().find(|f| f.rule == "PC307").expect("PC307");
    assert_eq!(f.resource, format!("127.0.0.1:{}", plain.port()));
    assert_eq!(f.port, Some(plain.port()));
    assert!(f.message.contains("/healthz 200 OK, /metrics 200 OK"), "{}", f.message);
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let p = l.local_addr().expect("addr").port();
    drop(l);
    p
}

#[test]
fn closed_port_is_reported_and_nothing_else() {
    let o = run(&format!("127.0.0.1:{}", closed_port()), &opts());
    assert!(matches!(o.reach, Reach::Refused(_)), "{:?}", o.reach);
    assert_eq!(rules(&o), set(&["PC301"]));
    assert!(o.tls.is_none() && o.paths.is_empty());
    // A closed legacy port is no finding either.
    let s = hardened(LOOPBACK);
    let o = run(&format!("127.0.0.1:{}", s.port()), &Options { legacy_port: Some(closed_port()), ..opts() });
    assert_eq!(rules(&o), set(&["PC300"]));
    assert!(message(&o, "PC300").contains("refused"), "{}", message(&o, "PC300"));
}

#[test]
fn ipv6_loopback() {
    let s = match std::net::TcpListener::bind("[::1]:0") {
        Ok(l) => {
            drop(l);
            hardened(IpAddr::V6(Ipv6Addr::LOCALHOST))
        }
        Err(e) => {
            eprintln!("NOTICE: IPv6 loopback is not available here ({e}); the IPv6 probe test is skipped");
            return;
        }
    };
    let o = run(&format!("[::1]:{}", s.port()), &opts());
    assert!(matches!(o.reach, Reach::Open(a) if a.is_ipv6()), "{:?}", o.reach);
    assert_eq!(o.tls.as_ref().map(|r| r.as_ref().map(|h| h.version.clone()).ok()), Some(Some("TLS 1.3".into())));
    assert_eq!(rules(&o), set(&["PC300"]));
    let f = findings(&o).into_iter().next().expect("a finding");
    assert_eq!(f.resource, format!("[::1]:{}", s.port()));
    assert_eq!(f.file, format!("https://[::1]:{}/", s.port()));
}

#[test]
fn many_targets_on_a_bounded_pool_keep_their_order() {
    let a = hardened(LOOPBACK);
    let b = hardened(LOOPBACK);
    let closed = closed_port();
    let targets: Vec<_> = [a.port(), closed, b.port(), closed]
        .iter()
        .map(|p| target::parse(&format!("127.0.0.1:{p}"), 10257).expect("target"))
        .collect();
    let obs = probe_all(&targets, &opts(), 2);
    assert_eq!(obs.len(), 4);
    let got: Vec<bool> = obs.iter().map(|o| matches!(o.reach, Reach::Open(_))).collect();
    assert_eq!(got, [true, false, true, false]);
    for (o, t) in obs.iter().zip(&targets) {
        assert_eq!(&o.target, t);
    }
}

#[test]
fn a_silent_server_ends_in_timeouts_not_a_hang() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    // Accepts every connection and never says a word (a bounded number:
    // one probe opens eight).
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().take(16) {
            held.push(conn);
        }
    });
    let quick = Options { timeout: Duration::from_millis(300), legacy_port: None };
    let o = run(&addr.to_string(), &quick);
    assert!(matches!(o.reach, Reach::Open(_)));
    let e = o.tls.clone().expect("handshake attempted").expect_err("no handshake");
    assert_eq!(e.message, "no answer before the timeout");
    for (_, a) in &o.legacy_tls {
        assert_eq!(a, &LegacyAnswer::Failed("no answer before the timeout".into()));
    }
    assert_eq!(o.plain_http, Some(Outcome::Failed("no answer before the timeout".into())));
    assert_eq!(rules(&o), set(&["PC300", "PC311"]));
}
