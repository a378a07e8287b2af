//! Starts the probe's test servers on loopback and waits, so `portcullis
//! probe` can be tried by hand (README, "probe"):
//!
//! ```text
//! cargo run -p portcullis-probe --features testing --example lookalikes
//! ```
//!
//! It prints one `name 127.0.0.1:PORT` line per server, then serves until
//! stopped (Ctrl-C) or until `--seconds N` have passed (default 600).

use portcullis_probe::testing::{self, HARDENED_ROUTES};
use std::net::{IpAddr, Ipv4Addr};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut seconds = 600u64;
    while let Some(a) = args.next() {
        if a == "--seconds" {
            seconds = args.next().and_then(|s| s.parse().ok()).ok_or("--seconds N")?;
        }
    }
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let pki =
        testing::issue("portcullis-test-ca", "kube-controller-manager", &["localhost", "127.0.0.1"], false, None)?;
    let hardened = testing::rustls_server(loopback, &pki, HARDENED_ROUTES)?;
    println!("hardened {}", hardened.addr);
    let dir = std::env::temp_dir().join(format!("portcullis-lookalikes-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut servers = vec![hardened];
    if testing::python_available() {
        let pki = testing::generated_like_kcm()?;
        let routes = &[("/healthz", 200), ("/metrics", 200), ("/configz", 403), ("/debug/pprof/", 404)];
        let s = testing::python_server(&dir, &pki.chain_pem, &pki.key_pem, "TLSv1", routes)?;
        println!("misconfigured {}", s.addr);
        servers.push(s);
    } else {
        println!("misconfigured (not started: python3 with ssl is not available)");
    }
    let plain = testing::plain_http_server(&[("/healthz", 200), ("/metrics", 200)])?;
    println!("plain-http {}", plain.addr);
    servers.push(plain);
    std::thread::sleep(std::time::Duration::from_secs(seconds));
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
