//! Prints what a node's saved firewall files admit on a port, per source:
//! `cargo run -p portcullis-hostfw --example evaluate -- [--interface NAME] PORT FILE… -- ADDRESS…`.

use portcullis_engine::program::{fate, Packet};
use portcullis_model::Protocol;
use std::net::IpAddr;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut interface = None;
    if args.first().is_some_and(|a| a == "--interface") {
        interface = args.get(1).cloned();
        args.drain(..2);
    }
    let port: u16 = args.first().and_then(|p| p.parse().ok()).expect("a port first");
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let files = &args[1..split];
    let addrs = &args[(split + 1).min(args.len())..];
    let mut items = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).expect("readable file");
        match portcullis_hostfw::read(f, &text) {
            Some(o) => {
                for e in &o.errors {
                    eprintln!("{e}");
                }
                items.push(o.items);
            }
            None => eprintln!("{f}: not a host firewall input"),
        }
    }
    let opts = portcullis_hostfw::Options { interface: interface.clone() };
    for nf in portcullis_hostfw::assemble::nodes(items, &opts).0 {
        println!("node {} ({} chains, {} hooks)", nf.node.name, nf.program.chains.len(), nf.program.hooks.len());
        for n in &nf.notes {
            println!("  note: {n}");
        }
        if std::env::var_os("PORTCULLIS_SHOW_UNKNOWNS").is_some() {
            for (e, u) in portcullis_engine::program::unknowns(&nf.program) {
                println!("  unknown: {} ({})", u, nf.layer.entries[e].label);
            }
        }
        let iface = interface.clone().unwrap_or_else(|| "eth0".into());
        let f = fate(
            &nf.program,
            Packet { protocol: Protocol::TCP, port, interface: &iface, source_port: 40000, tracked: true },
        );
        for a in addrs {
            let ip: IpAddr = a.parse().expect("an address");
            let has = |s: &portcullis_model::AddrSet| match ip {
                IpAddr::V4(x) => s.contains_v4(x),
                IpAddr::V6(x) => s.contains_v6(x),
            };
            let verdict = if has(&f.accept.must) {
                "accept"
            } else if has(&f.accept.may) {
                "unknown"
            } else if has(&f.reject.must) {
                "reject"
            } else {
                "drop"
            };
            println!("  {a}: {verdict}");
        }
    }
}
