//! `portcullis probe` as users meet it, against real servers on loopback
//! started here: findings in text, JSON and SARIF, targets files with
//! comments and bad lines, exit codes, misuse.

use assert_cmd::Command;
use portcullis_probe::testing::{self, Server, HARDENED_ROUTES};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

fn bin() -> Command {
    Command::cargo_bin("portcullis").expect("binary built")
}

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn hardened() -> Server {
    let pki = testing::issue("portcullis-test-ca", "kube-controller-manager", &["localhost", "127.0.0.1"], false, None)
        .expect("test PKI");
    testing::rustls_server(LOOPBACK, &pki, HARDENED_ROUTES).expect("server")
}

/// The misconfigured look-alike, when Python can serve it.
fn misconfigured(dir: &std::path::Path) -> Option<Server> {
    if !testing::ready(testing::python_available(), "python3 with ssl (the TLS 1.0 server)") {
        return None;
    }
    let pki = testing::generated_like_kcm().expect("test PKI");
    let routes = &[("/healthz", 200), ("/metrics", 200), ("/configz", 403), ("/debug/pprof/", 404)];
    Some(testing::python_server(dir, &pki.chain_pem, &pki.key_pem, "TLSv1", routes).expect("server"))
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON output: {e}\n{}", String::from_utf8_lossy(&out.stdout)))
}

/// Rule codes per resource.
fn by_resource(doc: &Value) -> Vec<(String, BTreeSet<String>)> {
    let mut out: Vec<(String, BTreeSet<String>)> = Vec::new();
    for f in doc["findings"].as_array().expect("findings") {
        let res = f["resource"].as_str().expect("resource").to_string();
        let rule = f["rule"].as_str().expect("rule").to_string();
        match out.iter_mut().find(|(r, _)| *r == res) {
            Some((_, set)) => {
                set.insert(rule);
            }
            None => out.push((res, BTreeSet::from([rule]))),
        }
    }
    out.sort();
    out
}

fn codes(c: &[&str]) -> BTreeSet<String> {
    c.iter().map(|s| s.to_string()).collect()
}

#[test]
fn json_report_for_a_hardened_and_a_misconfigured_endpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = hardened();
    let Some(bad) = misconfigured(dir.path()) else { return };
    let out = bin()
        .args(["probe", "--format", "json"])
        .arg(good.addr.to_string())
        .arg(bad.addr.to_string())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "critical findings fail the run: {}", String::from_utf8_lossy(&out.stderr));
    let doc = json_of(&out);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0));
    let mut want = vec![
        (good.addr.to_string(), codes(&["PC300"])),
        (bad.addr.to_string(), codes(&["PC300", "PC302", "PC305", "PC310", "PC321"])),
    ];
    want.sort();
    assert_eq!(by_resource(&doc), want);
    for f in doc["findings"].as_array().expect("findings") {
        assert_eq!(f["kind"], "probe");
        assert_eq!(f["protocol"], "tcp");
        assert_eq!(f["line"], 0);
        assert!(f["file"].as_str().is_some_and(|u| u.starts_with("https://127.0.0.1:")), "{f}");
    }
    let metrics = doc["findings"].as_array().and_then(|a| a.iter().find(|f| f["rule"] == "PC302")).expect("PC302");
    assert_eq!(metrics["severity"], "critical");
    assert_eq!(metrics["file"], format!("https://{}/metrics", bad.addr));
    assert_eq!(metrics["flag"], "authorization-always-allow-paths");
    assert_eq!(metrics["port"], bad.port());
}

#[test]
fn a_hardened_endpoint_passes_and_text_counts_endpoints() {
    let good = hardened();
    let out = bin().args(["probe", "--color", "never"]).arg(good.addr.to_string()).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "only an info finding");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("info PC300 tcp/{} {}", good.port(), good.addr)), "{text}");
    assert!(text.contains(&format!("--> https://{}/\n", good.addr)), "{text}");
    assert!(text.contains("/metrics 403 Forbidden"), "{text}");
    assert!(text.trim_end().ends_with("1 finding (1 info) in 1 endpoint"), "{text}");
    // --fail-on info makes the evidence itself fail the run.
    let out = bin().args(["probe", "--fail-on", "info"]).arg(good.addr.to_string()).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn targets_file_with_comments_bad_lines_and_unknown_hosts() {
    let good = hardened();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("targets.txt");
    let text = format!("# control plane\n  {}   # cp-1\n\nno-such-host.invalid\nbad host\n", good.addr);
    std::fs::write(&file, text).expect("write");
    let out = bin().args(["probe", "--format", "json", "--targets"]).arg(&file).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "input errors make exit code 2");
    let doc = json_of(&out);
    let errors: Vec<(u64, u64)> = doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["line"].as_u64().unwrap_or(0), e["column"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(errors, [(4, 1), (5, 1)]);
    assert!(doc["errors"][0]["message"].as_str().is_some_and(|m| m.contains("no-such-host.invalid")));
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "PC300");
    assert_eq!(f["because"][0]["file"], file.display().to_string());
    assert_eq!(f["because"][0]["line"], 2);
    assert_eq!(f["because"][0]["column"], 3);
}

#[test]
fn sarif_report_names_probe_rules() {
    let good = hardened();
    let out = bin().args(["probe", "--format", "sarif"]).arg(good.addr.to_string()).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let run = &doc["runs"][0];
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "PC300");
    let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(run["tool"]["driver"]["rules"][i]["id"], "PC300");
    assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], format!("https://{}/", good.addr));
}

#[test]
fn legacy_port_and_a_closed_port() {
    let good = hardened();
    let plain = testing::plain_http_server(&[("/healthz", 200), ("/metrics", 200)]).expect("server");
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let out = bin()
        .args(["probe", "--format", "json", "--legacy", "--legacy-port"])
        .arg(plain.port().to_string())
        .arg(good.addr.to_string())
        .arg(format!("127.0.0.1:{closed}"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    // Both targets share the host, so the legacy port is one finding.
    let mut want = vec![
        (good.addr.to_string(), codes(&["PC300"])),
        (plain.addr.to_string(), codes(&["PC307"])),
        (format!("127.0.0.1:{closed}"), codes(&["PC301"])),
    ];
    want.sort();
    assert_eq!(by_resource(&doc), want);
    let n307 = doc["findings"].as_array().map(|a| a.iter().filter(|f| f["rule"] == "PC307").count());
    assert_eq!(n307, Some(1));
}

#[test]
fn misuse_is_exit_code_2() {
    for args in [
        vec!["probe"],
        vec!["probe", "--timeout", "0", "127.0.0.1"],
        vec!["probe", "--concurrency", "0", "127.0.0.1"],
        vec!["probe", "--fail-on", "sometimes", "127.0.0.1"],
    ] {
        let out = bin().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?} says why");
    }
    let out = bin().args(["probe", "--format", "json", "host:99999"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let doc = json_of(&out);
    assert!(doc["errors"][0]["message"].as_str().is_some_and(|m| m.contains("not a port number")));
}

#[test]
fn rules_prints_probe_rule_docs() {
    let out = bin().args(["rules", "PC321"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# PC321 generated-serving-certificate"), "{text}");
    assert!(text.contains("localhost-ca@"));
    let out = bin().args(["rules", "--format", "json"]).output().expect("runs");
    let list: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(list.as_array().is_some_and(|a| a.iter().any(|r| r["code"] == "PC310")));
}
