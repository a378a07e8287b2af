//! The differential run of `bench/`: many generated rule sets against the
//! kernel, with the figures printed at the end.
//!
//! `kernelcheck [--iptables N] [--nft N] [--cloud N] [--fixes N] [--from SEED] [--no-relist]`
//!
//! `--fixes N`: every host-firewall fixture (with `--fixtures DIR`) and N
//! generated iptables and nftables rule sets each, fixed as `portcullis
//! fix` prints and probed before and after in the kernel.

use portcullis_kernelcheck::{check::Tally, netns};
use std::time::Instant;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.windows(2).find(|w| w[0] == name).and_then(|w| w[1].parse().ok()).unwrap_or(default)
}

fn report(kind: &str, t: &Tally, secs: f64) {
    println!(
        "{kind}: {} rule sets, {} probes, {} relistings read, {} disagreements, {} unconfirmed timing suspects, {} retried in a fresh lab, {:.1} s",
        t.rulesets,
        t.probes,
        t.relistings,
        t.disagreements.len(),
        t.unconfirmed,
        t.retries,
        secs
    );
    for d in t.disagreements.iter().take(20) {
        println!("  {d}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    netns::sweep_stale();
    if let Err(e) = netns::available() {
        eprintln!("kernelcheck cannot run: {e}");
        std::process::exit(2);
    }
    let from = arg(&args, "--from", 1_000_000);
    let relist = !args.iter().any(|a| a == "--no-relist");
    let mut failed = false;
    let mut total = Tally::default();
    let start = Instant::now();
    for (kind, n) in [
        ("iptables", arg(&args, "--iptables", 0)),
        ("nft", arg(&args, "--nft", 0)),
        ("cloud", arg(&args, "--cloud", 0)),
        ("fixes", arg(&args, "--fixes", 0)),
    ] {
        if n == 0 {
            continue;
        }
        let t0 = Instant::now();
        let t = match kind {
            "iptables" => portcullis_kernelcheck::iptables_nodes(from..from + n, relist),
            "nft" => portcullis_kernelcheck::nft_nodes(from..from + n, relist),
            "fixes" => {
                let mut t = Tally::default();
                if let Some(w) = args.windows(2).find(|w| w[0] == "--fixtures") {
                    let (fixtures, skipped) = portcullis_kernelcheck::fixes::fixtures(std::path::Path::new(&w[1]));
                    println!("fixes: {} fixtures fixed, {} not ({skipped:?})", fixtures.rulesets, skipped.len());
                    t.add(fixtures);
                }
                t.add(portcullis_kernelcheck::fixes::generated(from..from + n));
                t
            }
            _ => portcullis_kernelcheck::cloud_cases(from..from + n),
        };
        report(kind, &t, t0.elapsed().as_secs_f64());
        failed |= !t.disagreements.is_empty();
        total.add(t);
    }
    report("total", &total, start.elapsed().as_secs_f64());
    let left = netns::leftovers();
    if !left.is_empty() {
        println!("namespaces left behind: {left:?}");
        failed = true;
    }
    std::process::exit(i32::from(failed));
}
