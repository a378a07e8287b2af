//! The proof against the kernel: rule sets are loaded into a fresh network
//! namespace's netfilter, SYNs are sent to the probed ports from sampled
//! source addresses, and what the kernel answers (SYN-ACK, a refusal, or
//! nothing) is compared with portcullis' verdict for the same source.

pub mod check;
pub mod gen_cloud;
pub mod gen_iptables;
pub mod gen_nft;
pub mod lab;
pub mod netns;
pub mod packet;
pub mod pool;
pub mod rng;

use check::{File, Loader, Tally};

/// Generated iptables nodes `seeds`, each loaded with iptables-nft or (odd
/// seeds) iptables-legacy.
pub fn iptables_nodes(seeds: std::ops::Range<u64>, relist: bool) -> Tally {
    let mut tally = Tally::default();
    for seed in seeds {
        let g = gen_iptables::generate(seed);
        let legacy = seed % 2 == 1;
        let mut files = vec![
            File {
                path: format!("iptables-{seed}/rules.v4"),
                text: g.iptables_v4,
                loader: Loader::Iptables { v6: false, legacy },
            },
            File {
                path: format!("iptables-{seed}/rules.v6"),
                text: g.iptables_v6,
                loader: Loader::Iptables { v6: true, legacy },
            },
        ];
        if !g.ipsets.is_empty() {
            files.push(File { path: format!("iptables-{seed}/ipset.save"), text: g.ipsets, loader: Loader::Ipset });
        }
        tally.add(check::run_node(&format!("iptables seed {seed}"), &files, seed, relist));
    }
    tally
}

/// Generated nftables rulesets `seeds`.
pub fn nft_nodes(seeds: std::ops::Range<u64>, relist: bool) -> Tally {
    let mut tally = Tally::default();
    for seed in seeds {
        let text = gen_nft::generate(seed);
        let files = vec![File { path: format!("nft-{seed}/ruleset.nft"), text, loader: Loader::Nft }];
        tally.add(check::run_node(&format!("nft seed {seed}"), &files, seed, relist));
    }
    tally
}

/// Generated cloud rule sets: seed % 3 picks AWS, Azure or GCP. Each
/// target's path is compiled into nftables chains from the generator's own
/// description and compared with portcullis' exposure read from the dumps.
pub fn cloud_cases(seeds: std::ops::Range<u64>) -> Tally {
    let mut tally = Tally::default();
    for seed in seeds {
        let case = match seed % 3 {
            0 => gen_cloud::aws(seed),
            1 => gen_cloud::azure(seed),
            _ => gen_cloud::gcp(seed),
        };
        tally.add(check::run_cloud(&format!("cloud seed {seed}"), &case, seed));
    }
    tally
}
