//! Flow logs as a careless pipeline or a hostile sender leaves them: gzip
//! padded with zeros or followed by garbage, a byte-order mark before the
//! header, a gzip bomb without a newline, IPv4 addresses written as
//! IPv4-mapped IPv6 (issue 12). Nothing is lost silently, memory stays
//! bounded, the run goes on.

use portcullis_flows::agg::{Agg, Watch};
use portcullis_flows::read::{read_all, FileOutcome, Input, ReadOptions};
use portcullis_model::AddrSet;
use std::io::Write;
use std::path::{Path, PathBuf};

const HEADER: &str =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";

fn record(i: usize, src: &str, action: &str) -> String {
    format!(
        "2 123456789012 eni-0a {src} 10.0.1.5 {} 10257 6 10 5000 1714996800 1714996860 {action} OK\n",
        30000 + i % 20000
    )
}

fn watch() -> Watch {
    Watch {
        ports: vec![(6, 10257)],
        authorized: AddrSet::parse_list(["10.0.0.0/8"]).unwrap(),
        since: None,
        until: None,
    }
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text).unwrap();
    gz.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read<'w>(path: &Path, watch: &'w Watch) -> (Agg<'w>, FileOutcome) {
    let input = Input { path: path.to_path_buf(), display: path.to_string_lossy().into_owned(), named: true };
    let progress = |_: u64| {};
    let opts = ReadOptions { fields: None, progress: &progress };
    let (agg, mut outcomes) = read_all(std::slice::from_ref(&input), watch, &opts);
    (agg, outcomes.remove(0))
}

fn log_of(n: usize) -> String {
    let mut text = String::from(HEADER);
    for i in 0..n {
        text.push_str(&record(i, "198.51.100.7", "REJECT"));
    }
    text
}

// ---- 7. gzip is read as `gzip -dc` reads it ----

#[test]
fn zero_padding_after_the_last_gzip_member_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let watch = watch();
    // Small (one block) and large (many blocks: the loss was at the end).
    for n in [1usize, 300_000] {
        let mut gz = gzip(log_of(n).as_bytes());
        gz.extend_from_slice(&[0u8; 512]);
        let p = write(dir.path(), "pad.log.gz", &gz);
        let (agg, outcome) = read(&p, &watch);
        assert_eq!(outcome.error, None, "{n} records");
        assert_eq!(outcome.warnings, Vec::<String>::new(), "padding is not worth a word, as for gzip -dc");
        assert_eq!(agg.totals.matched, n as u64);
        assert_eq!(agg.totals.malformed, 0);
    }
}

#[test]
fn several_members_then_garbage_read_every_member_and_warn_with_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let watch = watch();
    let mut gz = gzip(log_of(1000).as_bytes());
    let mut more = String::new();
    for i in 0..500 {
        more.push_str(&record(i, "198.51.100.8", "REJECT"));
    }
    gz.extend_from_slice(&gzip(more.as_bytes()));
    let end = gz.len();
    gz.extend_from_slice(b"this is not gzip");
    let p = write(dir.path(), "two.log.gz", &gz);
    let (agg, outcome) = read(&p, &watch);
    assert_eq!(outcome.error, None);
    assert_eq!(agg.totals.matched, 1500);
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    assert!(outcome.warnings[0].contains(&format!("byte {end}")), "{:?}", outcome.warnings);
}

// ---- 8. A byte-order mark before the first line is dropped ----

#[test]
fn a_bom_before_a_custom_header_or_json_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let watch = watch();
    let custom = "\u{feff}version srcaddr dstaddr dstport protocol action\n2 1.128.0.7 10.0.1.5 10257 6 ACCEPT\n";
    let json = "\u{feff}{\"records\": [{\"time\": \"2024-05-06T12:00:00Z\", \"category\": \"NetworkSecurityGroupFlowEvent\", \"properties\": {\"Version\": 1, \"flows\": [{\"rule\": \"r\", \"flows\": [{\"mac\": \"00\", \"flowTuples\": [\"1714996800,1.128.0.7,10.0.1.5,40000,10257,T,I,A\"]}]}]}}]}";
    for (name, text) in [("custom.log", custom), ("custom.log.gz", custom), ("nsg.json", json)] {
        let bytes = if name.ends_with(".gz") { gzip(text.as_bytes()) } else { text.as_bytes().to_vec() };
        let p = write(dir.path(), name, &bytes);
        let (agg, outcome) = read(&p, &watch);
        assert_eq!(outcome.error, None, "{name}");
        assert!(outcome.format.is_some(), "{name}: recognized");
        assert_eq!(agg.totals.malformed, 0, "{name}: {:?}", agg.malformed);
        assert_eq!(agg.totals.matched, 1, "{name}");
    }
}

// ---- 10. An endless line cannot grow memory without bound ----

/// Peak resident memory of this process so far, in KiB (Linux).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_gzip_bomb_without_a_newline_is_one_overlong_line_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let watch = watch();
    // A valid header line, then 64 MiB of zeros without a newline (64 KiB
    // compressed: `gzip` makes it, far faster than a debug build could),
    // then two good records.
    let body = dir.path().join("bomb.log");
    let mut f = std::fs::File::create(&body).unwrap();
    f.write_all(HEADER.as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        f.write_all(&zeros).unwrap();
    }
    f.write_all(b"\n").unwrap();
    f.write_all(record(1, "198.51.100.9", "ACCEPT").as_bytes()).unwrap();
    f.write_all(record(2, "198.51.100.9", "REJECT").as_bytes()).unwrap();
    drop(f);
    let status = std::process::Command::new("gzip").arg("-1").arg(&body).status().expect("gzip runs");
    assert!(status.success());
    let p = dir.path().join("bomb.log.gz");
    let before = peak_kib();
    let (agg, outcome) = read(&p, &watch);
    let after = peak_kib();
    assert_eq!(outcome.error, None);
    assert_eq!(agg.totals.matched, 2, "the records after the long line are read");
    assert_eq!(agg.totals.malformed, 1);
    let (at, message) = &agg.malformed[0];
    assert_eq!(at.line, 2, "{message}");
    assert!(message.contains("longer than"), "{message}");
    if let (Some(b), Some(a)) = (before, after) {
        assert!(a.saturating_sub(b) < 32 << 10, "peak memory grew by {} MiB", (a - b) >> 10);
    }
}

#[test]
fn an_overlong_line_in_a_plain_file_is_reported_without_copying_it() {
    let dir = tempfile::tempdir().unwrap();
    let watch = watch();
    // One field of 32 MiB on a record of the right shape: its message must
    // not carry the field.
    let mut text = String::from(HEADER);
    text.push_str(&record(1, &"9".repeat(32 << 20), "ACCEPT"));
    text.push_str(&record(2, "198.51.100.9", "ACCEPT"));
    let p = write(dir.path(), "long.log", text.as_bytes());
    let (agg, outcome) = read(&p, &watch);
    assert_eq!(outcome.error, None);
    assert_eq!(agg.totals.matched, 1);
    assert_eq!(agg.totals.malformed, 1);
    assert!(agg.malformed[0].1.len() < 200, "{} bytes of message", agg.malformed[0].1.len());
}
