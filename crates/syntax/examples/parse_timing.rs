//! Times the JSON parser alone on one file: `rounds` whole-tree parses
//! (strict, every object checked for repeated keys) and as many streamed
//! parses of the AWS dumps' big arrays (elements dropped as they come),
//! printing the median and minimum of each in milliseconds. Built from two
//! revisions, it compares parsers side by side
//! (bench/runs/2026-12-06-json-keys.md).
//!
//! `cargo run --release -p portcullis-syntax --example parse_timing -- FILE [ROUNDS]`

use portcullis_syntax::json::{parse, parse_streaming, Options};
use std::time::Instant;

const STREAMED: &[&str] = &["SecurityGroups", "NetworkAcls", "Reservations", "NetworkInterfaces"];

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_timing FILE [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut tree = Vec::new();
    let mut streamed = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let root = parse(&text, Options::STRICT);
        tree.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(root.is_ok(), "{path}: {:?}", root.err());
        drop(root);
        let start = Instant::now();
        let mut elements = 0usize;
        let root = parse_streaming(&text, Options::STRICT, STREAMED, &mut |_, _| elements += 1);
        streamed.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(root.is_ok() && elements > 0, "{path}: streamed nothing");
    }
    for (what, mut times) in [("tree", tree), ("streamed", streamed)] {
        times.sort_by(f64::total_cmp);
        println!("{what}: median {:.1} ms, min {:.1} ms ({rounds} rounds)", times[times.len() / 2], times[0]);
    }
}
