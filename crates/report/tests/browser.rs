//! The HTML report in a real browser: Chromium from Debian, headless,
//! driven over its DevTools protocol (a WebSocket) so that every console
//! message, uncaught exception and browser log entry (a Content-Security-
//! Policy refusal among them) is seen, not only the final DOM. The test
//! loads the shared findings' report (its critical finding with a path
//! from the internet), checks the DOM for every finding and hop, sorts and
//! filters the table as a user would, keeps a screenshot under
//! `target/tmp/`, and fails on any console error. A second run with
//! scripts disabled checks that the table is whole without JavaScript.
//!
//! Chromium comes from `.ci/run` (`PORTCULLIS_CHROMIUM`); without it the
//! test says so and skips, and with `PORTCULLIS_REQUIRE_CHROMIUM` set it
//! fails instead.

mod common;

use base64::Engine as _;
use common::{findings, page_with_reach};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

fn chromium() -> Option<PathBuf> {
    match std::env::var_os("PORTCULLIS_CHROMIUM") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("PORTCULLIS_REQUIRE_CHROMIUM").is_some() => {
            panic!("PORTCULLIS_REQUIRE_CHROMIUM is set but PORTCULLIS_CHROMIUM names no browser")
        }
        None => {
            eprintln!("notice: skipping the browser test: set PORTCULLIS_CHROMIUM (.ci/run installs Chromium)");
            None
        }
    }
}

/// A headless Chromium, killed when dropped.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args(["--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars"])
        .args(["--window-size=1280,900", "--disable-extensions", "--disable-background-networking"])
        .arg(format!("--user-data-dir={}", profile.display()));
    // Root in a container has no user namespace for the sandbox.
    if unsafe_root() {
        cmd.arg("--no-sandbox");
    }
    cmd
}

fn unsafe_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || std::fs::read_to_string("/proc/self/status")
            .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
            .unwrap_or(false)
}

/// Starts Chromium with the DevTools protocol on a free loopback port and
/// connects to it.
fn start(chromium: &Path) -> (Browser, WebSocket<TcpStream>) {
    let profile = tempfile::tempdir().expect("tempdir");
    let mut child = headless(chromium, profile.path())
        .args(["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("Chromium starts");
    // `DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID`.
    let stderr = child.stderr.take().expect("stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                let _ = sender.send(url.to_string());
            }
        }
    });
    let browser = Browser { child, _profile: profile };
    let url = receiver.recv_timeout(Duration::from_secs(60)).expect("Chromium prints its DevTools address");
    let address = url.trim_start_matches("ws://").split('/').next().expect("host:port").to_string();
    assert!(address.starts_with("127.0.0.1:"), "loopback only: {address}");
    let stream = TcpStream::connect(&address).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let (socket, _) = tungstenite::client(url.as_str(), stream).expect("WebSocket handshake");
    (browser, socket)
}

/// One DevTools session: commands by id, and every event kept.
struct Session {
    socket: WebSocket<TcpStream>,
    next: u64,
    session: Option<String>,
    events: Vec<Value>,
}

impl Session {
    fn send(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            message["sessionId"] = json!(s);
        }
        self.socket.send(Message::text(message.to_string())).expect("sends");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "no answer to {method}");
            let reply = self.read();
            if reply["id"] == id {
                assert!(reply.get("error").is_none(), "{method}: {reply}");
                return reply["result"].clone();
            }
            self.events.push(reply);
        }
    }

    fn read(&mut self) -> Value {
        match self.socket.read().expect("reads") {
            Message::Text(text) => serde_json::from_str(text.as_str()).expect("JSON"),
            _ => Value::Null,
        }
    }

    /// Reads events until one named `method` arrives.
    fn wait_for(&mut self, method: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.events.iter().any(|e| e["method"] == method) {
            assert!(Instant::now() < deadline, "no {method}");
            let event = self.read();
            self.events.push(event);
        }
    }

    /// Evaluates `expression` in the page; its value, as JSON.
    fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.send("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}));
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {result}");
        result["result"]["value"].clone()
    }

    /// Console errors, uncaught exceptions and error log entries so far.
    fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| {
                (e["method"] == "Runtime.consoleAPICalled"
                    && matches!(e["params"]["type"].as_str(), Some("error" | "assert" | "warning")))
                    || e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Log.entryAdded"
                        && matches!(e["params"]["entry"]["level"].as_str(), Some("error" | "warning")))
            })
            .map(|e| e.to_string())
            .collect()
    }
}

/// A new tab on `page`, loaded, with scripts run or not.
fn open(chromium: &Path, page: &Path, scripts: bool) -> (Browser, Session) {
    let (browser, socket) = start(chromium);
    let mut s = Session { socket, next: 0, session: None, events: Vec::new() };
    let target = s.send("Target.createTarget", json!({"url": "about:blank"}));
    let attached = s.send("Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
    s.session = attached["sessionId"].as_str().map(str::to_string);
    for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
        s.send(domain, json!({}));
    }
    s.send(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );
    if !scripts {
        s.send("Emulation.setScriptExecutionDisabled", json!({"value": true}));
    }
    s.send("Page.navigate", json!({"url": format!("file://{}", page.display())}));
    s.wait_for("Page.loadEventFired");
    (browser, s)
}

/// The report written where the browser can read it.
fn write_page(dir: &Path) -> PathBuf {
    let page = dir.join("report.html");
    std::fs::write(&page, page_with_reach()).expect("write");
    page
}

/// Keeps a screenshot of the viewport as `target/tmp/NAME`.
fn screenshot(s: &mut Session, name: &str) {
    let shot = s.send("Page.captureScreenshot", json!({"format": "png"}));
    let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().expect("data")).expect("base64");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    std::fs::write(artefact(name), &png).expect("write the screenshot");
    eprintln!("screenshot: {}", artefact(name).display());
}

/// Where the screenshot is kept: `target/tmp/`.
fn artefact(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn the_report_renders_sorts_and_filters_in_chromium_without_console_errors() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = write_page(dir.path());
    let (_browser, mut s) = open(&chromium, &page, true);

    // Every finding has its row and its details, in the order of the page.
    let rows = s.evaluate(
        "Array.from(document.querySelectorAll('#findings-table tbody tr')).map(r => \
         [r.dataset.severity, r.cells[1].textContent, r.cells[2].textContent, r.cells[3].textContent])",
    );
    let mut want: Vec<&portcullis_rules::Finding> = Vec::new();
    let all = findings();
    want.extend(portcullis_report::worst_first(&all));
    let got: Vec<Vec<String>> = serde_json::from_value(rows).expect("rows");
    assert_eq!(got.len(), want.len());
    for (row, f) in got.iter().zip(&want) {
        assert_eq!(row[0], f.severity.as_str());
        assert!(row[1].starts_with(&f.rule), "{row:?}");
        assert_eq!(row[2], f.resource);
        assert_eq!(row[3], format!("{}/{}", f.protocol.as_deref().unwrap_or(""), f.port.unwrap_or(0)));
    }
    let articles = s.evaluate("document.querySelectorAll('article.finding').length");
    assert_eq!(articles, json!(want.len()));
    // The path from the internet, hop by hop, as the browser lays it out.
    let hops =
        s.evaluate("Array.from(document.querySelectorAll('#f0 ol.path > li .hop-kind')).map(k => k.textContent)");
    assert_eq!(hops, json!(["from", "internet gateway", "route", "network ACL", "public address", "instance"]));
    let snippet = s.evaluate("document.querySelector('#f0 pre.snippet .marked').textContent");
    assert!(snippet.as_str().unwrap_or("").contains("\"CidrIp\": \"0.0.0.0/0\""), "{snippet}");

    // The script ran (the controls show) and sorting and filtering work.
    assert_eq!(s.evaluate("document.getElementById('controls').hidden"), json!(false));
    let order = "Array.from(document.querySelectorAll('#findings-table tbody tr')).map(r => r.cells[3].textContent)";
    s.evaluate("document.querySelectorAll('#findings-table th')[3].click()");
    assert_eq!(s.evaluate(order), json!(["tcp/2379", "tcp/6443", "tcp/10257", "tcp/10257"]), "port ascending");
    s.evaluate("document.querySelectorAll('#findings-table th')[3].click()");
    assert_eq!(s.evaluate(order)[0], json!("tcp/10257"), "port descending");
    s.evaluate(
        "(() => { const f = document.getElementById('filter'); f.value = 'etcd 10257'; \
         f.dispatchEvent(new Event('input')); })()",
    );
    let visible =
        "Array.from(document.querySelectorAll('#findings-table tbody tr')).filter(r => r.offsetParent !== null).length";
    assert_eq!(s.evaluate(visible), json!(0), "etcd and 10257 are in no one row: every word must match");
    s.evaluate(
        "(() => { const f = document.getElementById('filter'); f.value = '2379'; \
         f.dispatchEvent(new Event('input')); })()",
    );
    assert_eq!(s.evaluate(visible), json!(1));
    assert_eq!(s.evaluate("document.getElementById('shown-count').textContent"), json!("1 of 4 shown"));
    s.evaluate(
        "(() => { const f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input')); \
         const c = document.querySelector('input[data-severity=critical]'); c.click(); })()",
    );
    assert_eq!(s.evaluate(visible), json!(3), "critical unticked");
    s.evaluate("document.querySelector('input[data-severity=critical]').click()");

    // The screenshot, kept as the test's artefact (and the README's picture).
    // Severity twice: ascending, then worst first again.
    s.evaluate(
        "const h = document.querySelectorAll('#findings-table th')[0]; h.click(); h.click(); window.scrollTo(0, 0)",
    );
    assert_eq!(s.evaluate(order)[0], json!("tcp/10257"), "worst first");
    screenshot(&mut s, "html-report.png");
    // The critical finding's details: its snippet and its path.
    s.evaluate("document.getElementById('f0').scrollIntoView()");
    screenshot(&mut s, "html-report-path.png");

    // Anything the console or the browser's log said in error fails the test.
    let errors = s.errors();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[test]
fn the_console_check_sees_errors() {
    // The check above can fail: a page whose script throws and whose
    // policy refuses an inline style is reported.
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'unsafe-inline'\"><style>p{}</style></head><body><script>console.error('boom'); \
         undefined_function();</script></body></html>",
    )
    .expect("write");
    let (_browser, mut s) = open(&chromium, &page, true);
    s.evaluate("1");
    let errors = s.errors().join("\n");
    assert!(errors.contains("boom"), "console.error: {errors}");
    assert!(errors.contains("undefined_function"), "the exception: {errors}");
    assert!(errors.contains("Content Security Policy"), "the refused style: {errors}");
}

#[test]
fn without_javascript_the_table_is_whole() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = write_page(dir.path());
    let (_browser, mut s) = open(&chromium, &page, false);
    // Scripts are off for the page; the test's own evaluations still run.
    let rows = s.evaluate("document.querySelectorAll('#findings-table tbody tr').length");
    assert_eq!(rows, json!(findings().len()), "every row is in the page");
    let shown =
        "Array.from(document.querySelectorAll('#findings-table tbody tr')).filter(r => r.offsetParent !== null).length";
    assert_eq!(s.evaluate(shown), json!(findings().len()), "and visible");
    assert_eq!(s.evaluate("document.getElementById('controls').hidden"), json!(true), "no dead controls");
    assert_eq!(
        s.evaluate("document.querySelectorAll('th.sortable').length"),
        json!(0),
        "the page's script did not run"
    );
    assert_eq!(s.evaluate("document.querySelectorAll('article.finding').length"), json!(findings().len()));
    let errors = s.errors();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}
