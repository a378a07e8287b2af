//! Large synthetic AWS logs from `../shared/flowlogs/gen_vpc_flow.py`,
//! whose ground truth is exact by construction: the counts must match to
//! the record, plain and gzip, with repeated header lines, on the parallel
//! path (files above the chunking threshold) and the sequential one.

mod common;

use common::shared_flowlogs;
use portcullis_flows::agg::Watch;
use portcullis_flows::read::{read_all, Input, ReadOptions};
use portcullis_flows::record::Action;
use portcullis_model::AddrSet;
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the generator; returns the log and its truth.
fn generate(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, Value) {
    let gen = shared_flowlogs().expect("checked by the caller").join("gen_vpc_flow.py");
    let out = dir.join(name);
    let status = Command::new("python3")
        .arg(&gen)
        .arg("--out")
        .arg(&out)
        .args(args)
        .output()
        .expect("python3 runs the generator");
    assert!(status.status.success(), "generator failed: {}", String::from_utf8_lossy(&status.stderr));
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}.truth.json", out.display())).unwrap()).unwrap();
    (out, truth)
}

fn watch() -> Watch {
    Watch {
        ports: vec![(6, 10257)],
        authorized: AddrSet::parse_list(["10.0.0.0/16"]).unwrap(),
        since: None,
        until: None,
    }
}

fn check(path: &Path, truth: &Value) {
    let w = watch();
    let input = Input { path: path.to_path_buf(), display: path.display().to_string(), named: true };
    let progress = |_: u64| {};
    let (agg, outcomes) = read_all(&[input], &w, &ReadOptions { fields: None, progress: &progress });
    let name = path.display();
    assert!(outcomes[0].format.is_some() && outcomes[0].error.is_none(), "{name}: {:?}", outcomes[0]);
    let t = &truth["tcp_10257"];
    let n = |v: &Value| v.as_u64().unwrap();
    assert_eq!(agg.totals.malformed, 0, "{name}: {:?}", agg.malformed);
    assert_eq!(agg.totals.records, n(&truth["log_status"]["OK"]), "{name}: OK records");
    assert_eq!(agg.totals.nodata, n(&truth["log_status"]["NODATA"]), "{name}: NODATA");
    assert_eq!(agg.totals.skipdata, n(&truth["log_status"]["SKIPDATA"]), "{name}: SKIPDATA");
    assert_eq!(agg.totals.matched, n(&t["total"]), "{name}: tcp/10257 records");
    for (action, a) in [("ACCEPT", Action::Accept), ("REJECT", Action::Reject)] {
        for (class, authorized) in [("authorized", true), ("unauthorized", false)] {
            let cells = agg.cells.iter().filter(|(k, _)| k.action == a);
            let (mut flows, mut packets) = (0, 0);
            let mut sources: BTreeSet<IpAddr> = BTreeSet::new();
            for (_, c) in cells {
                let counts = if authorized { &c.authorized } else { &c.unauthorized };
                flows += counts.flows;
                packets += counts.packets;
                sources.extend(c.sources.keys().filter(|ip| w.is_authorized(**ip) == authorized));
            }
            assert_eq!(flows, n(&t["by_action_and_source"][action][class]), "{name}: {action} {class}");
            assert_eq!(
                packets,
                n(&t["packets_by_action_and_source"][action][class]),
                "{name}: {action} {class} packets"
            );
            assert_eq!(
                sources.len() as u64,
                n(&t["distinct_sources_by_action_and_source"][action][class]),
                "{name}: {action} {class} distinct sources"
            );
            if action == "ACCEPT" && !authorized {
                let listed: Vec<String> = t["unauthorized_accepted_sources_first"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                let ours: Vec<String> = sources.iter().take(listed.len()).map(IpAddr::to_string).collect();
                assert_eq!(ours, listed, "{name}: first unauthorized accepted sources");
            }
        }
    }
}

#[test]
fn ground_truth_plain_gzip_and_repeated_headers() {
    let Some(_) = shared_flowlogs() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Above the 16 MiB chunking threshold: the parallel path.
    let (big, truth) =
        generate(dir.path(), "big.log", &["--records", "200000", "--seed", "7", "--target-share", "0.05"]);
    assert!(std::fs::metadata(&big).unwrap().len() > 16 << 20);
    check(&big, &truth);
    // The same records gzipped: the decompress-and-parse pipeline.
    let (gz, gz_truth) =
        generate(dir.path(), "big.log.gz", &["--records", "200000", "--seed", "7", "--target-share", "0.05"]);
    assert_eq!(gz_truth["tcp_10257"], truth["tcp_10257"]);
    check(&gz, &gz_truth);
    // Concatenated S3 objects: a header every 997 records, small file (sequential path).
    let (rep, rep_truth) =
        generate(dir.path(), "rep.log", &["--records", "30000", "--seed", "3", "--repeat-header-every", "997"]);
    assert!(rep_truth["lines"]["header"].as_u64().unwrap() > 30);
    check(&rep, &rep_truth);
    // IPv6 sources and targets.
    let (v6, v6_truth) = generate(
        dir.path(),
        "v6.log.gz",
        &[
            "--records",
            "20000",
            "--seed",
            "5",
            "--authorized",
            "10.0.0.0/16",
            "--unauthorized",
            "2001:db8:bad::/48",
            "--targets",
            "10.0.1.0/29",
            "--targets",
            "2001:db8:1::/120",
        ],
    );
    check(&v6, &v6_truth);
}
