//! Real local servers for tests (feature `testing`; this crate's tests and
//! the CLI's): moto's AWS server with the AWS CLI beside it, a small proxy
//! that can throttle or refuse calls in front of it, and an HTTPS server
//! that answers from a table of the providers' published example
//! responses (Azure, GCP). Everything listens on 127.0.0.1 only, on ports
//! the kernel picks, and stops when dropped.
//!
//! moto and the AWS CLI come from `PORTCULLIS_MOTO_PYTHON` (a Python with
//! `moto[server]` and `awscli`; `.ci/run` makes one in `.ci/.venv`). Without
//! it, tests that need them print a notice and pass, unless
//! `PORTCULLIS_REQUIRE_MOTO` is set.

pub mod fixtures;
mod https;
mod proxy;

pub use https::{Route, TlsServer};
pub use proxy::{Proxy, Rule};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python with moto and the AWS CLI, or `None` (with a notice) when
/// there is none and it is not required.
pub fn moto_python() -> Option<String> {
    let required = std::env::var_os("PORTCULLIS_REQUIRE_MOTO").is_some_and(|v| !v.is_empty());
    let candidates: Vec<String> = match std::env::var("PORTCULLIS_MOTO_PYTHON") {
        Ok(p) if !p.is_empty() => vec![p],
        _ => {
            // The venv `.ci/run` makes, when it is there.
            let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.ci/.venv/bin/python");
            vec![venv.display().to_string()]
        }
    };
    for py in &candidates {
        let ok = Command::new(py)
            .args(["-c", "import moto.server, awscli"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(py.clone());
        }
    }
    assert!(
        !required,
        "PORTCULLIS_REQUIRE_MOTO is set but no Python with moto[server] and awscli was found ({candidates:?})"
    );
    eprintln!("SKIPPED: no Python with moto and awscli (set PORTCULLIS_MOTO_PYTHON; .ci/run installs one)");
    None
}

/// A port the kernel has just handed out and taken back.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// Runs moto's server on loopback at the port given, and ends it when the
/// process that started it is gone (a shared server is never dropped, and
/// a test that crashes leaves nothing behind).
const SERVE: &str = "\
import os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(['-H', '127.0.0.1', '-p', sys.argv[1]])
";

/// moto's server, running until dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub python: String,
}

impl Moto {
    /// Starts moto on a free loopback port; `None` when moto is not installed
    /// (and not required).
    pub fn start() -> Option<Moto> {
        Self::start_with(&[])
    }

    /// One server for all the tests of a test binary: starting moto costs
    /// seconds. Each test keeps to its own regions or accounts (moto keeps
    /// a state per account and region), so tests running at the same time
    /// do not see each other's resources. The server ends with the test
    /// process.
    pub fn shared() -> Option<&'static Moto> {
        static SHARED: std::sync::OnceLock<Option<Moto>> = std::sync::OnceLock::new();
        SHARED.get_or_init(Moto::start).as_ref()
    }

    /// With extra environment for the server (moto's own settings).
    pub fn start_with(env: &[(&str, &str)]) -> Option<Moto> {
        let python = moto_python()?;
        for _ in 0..5 {
            let port = free_port();
            let mut cmd = Command::new(&python);
            cmd.args(["-c", SERVE, &port.to_string()]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
            for (k, v) in env {
                cmd.env(k, v);
            }
            let child = cmd.spawn().expect("start moto's server");
            let mut moto = Moto { child, port, python: python.clone() };
            if moto.wait_ready(Duration::from_secs(60)) {
                return Some(moto);
            }
            // Lost the port to another process, or it died: try another.
            let _ = moto.child.kill();
        }
        panic!("moto's server did not start");
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let req = "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
                let mut out = String::new();
                if s.write_all(req.as_bytes()).is_ok()
                    && s.read_to_string(&mut out).is_ok()
                    && out.starts_with("HTTP/1.1 200")
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for a client of this server: fake keys, the endpoint.
    pub fn client_env(&self, region: &str) -> Vec<(String, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
            ("AWS_DEFAULT_REGION".into(), region.into()),
            ("AWS_ENDPOINT_URL".into(), self.url()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            // No profile of the user's may leak into a test.
            ("AWS_CONFIG_FILE".into(), "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()),
        ]
    }

    /// Runs the AWS CLI against this server, returning what it printed.
    pub fn aws(&self, region: &str, args: &[&str]) -> String {
        self.aws_with(region, args, &[])
    }

    pub fn aws_with(&self, region: &str, args: &[&str], extra_env: &[(String, String)]) -> String {
        let mut cmd = Command::new(&self.python);
        cmd.args(["-m", "awscli"]).args(args).args(["--output", "json"]).env_clear();
        for (k, v) in self.client_env(region).into_iter().chain(extra_env.iter().cloned()) {
            cmd.env(k, v);
        }
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        let out = cmd.output().expect("run the AWS CLI");
        assert!(out.status.success(), "aws {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("the AWS CLI prints UTF-8")
    }

    /// Runs a Python script with boto3 against this server (for building
    /// estates faster than one CLI process a call). The script gets
    /// `ENDPOINT` and a `client(service, region)` helper.
    pub fn python(&self, script: &str) -> String {
        let prelude = format!(
            "import boto3\nENDPOINT = {:?}\n\
             def client(service, region='eu-west-1', **kw):\n    \
             return boto3.client(service, region_name=region, endpoint_url=ENDPOINT, \
             aws_access_key_id=kw.get('key', 'testing'), aws_secret_access_key=kw.get('secret', 'testing'), \
             aws_session_token=kw.get('token'))\n",
            self.url()
        );
        let mut child = Command::new(&self.python)
            .args(["-c", &format!("{prelude}{script}")])
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run python");
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        let status = child.wait_with_output().expect("python finished");
        assert!(status.status.success(), "boto3 script failed: {}", String::from_utf8_lossy(&status.stderr));
        out
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
