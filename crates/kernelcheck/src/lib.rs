//! The proof against the kernel: rule sets are loaded into a fresh network
//! namespace's netfilter, SYNs are sent to the probed ports from sampled
//! source addresses, and what the kernel answers (SYN-ACK, a refusal, or
//! nothing) is compared with portcullis' verdict for the same source.

pub mod check;
pub mod fixes;
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
        let files = iptables_files("iptables", seed);
        tally.add(check::run_node(&format!("iptables seed {seed}"), &files, seed, relist, &[]));
    }
    tally
}

/// The files of generated iptables node `seed` (`rules.v4`, `rules.v6`
/// and, when it has sets, `ipset.save`) under `PREFIX-SEED/`; odd seeds
/// load through iptables-legacy.
pub(crate) fn iptables_files(prefix: &str, seed: u64) -> Vec<File> {
    let g = gen_iptables::generate(seed);
    let legacy = seed % 2 == 1;
    let mut files = vec![
        File {
            path: format!("{prefix}-{seed}/rules.v4"),
            text: g.iptables_v4,
            loader: Loader::Iptables { v6: false, legacy },
        },
        File {
            path: format!("{prefix}-{seed}/rules.v6"),
            text: g.iptables_v6,
            loader: Loader::Iptables { v6: true, legacy },
        },
    ];
    if !g.ipsets.is_empty() {
        files.push(File { path: format!("{prefix}-{seed}/ipset.save"), text: g.ipsets, loader: Loader::Ipset });
    }
    files
}

/// Generated nftables rulesets `seeds`.
pub fn nft_nodes(seeds: std::ops::Range<u64>, relist: bool) -> Tally {
    let mut tally = Tally::default();
    for seed in seeds {
        let text = gen_nft::generate(seed);
        let files = vec![File { path: format!("nft-{seed}/ruleset.nft"), text, loader: Loader::Nft }];
        tally.add(check::run_node(&format!("nft seed {seed}"), &files, seed, relist, &[]));
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

/// The fixture folders of `dir`, in name order (an unreadable `dir` has
/// none: the callers report what they loaded).
pub(crate) fn fixture_dirs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> =
        std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

/// Every host-firewall fixture of `dir` (`crates/hostfw/fixtures`) that
/// the kernel can load: its files loaded as they are, probed on the
/// fixture's own addresses and every boundary. Returns the tally and the
/// fixtures not loaded, with why.
pub fn fixtures(dir: &std::path::Path) -> (Tally, Vec<String>) {
    let mut tally = Tally::default();
    let mut skipped = Vec::new();
    for d in fixture_dirs(dir) {
        let name = d.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let Ok(exp) = std::fs::read_to_string(d.join("expect"))
            .map_err(|e| e.to_string())
            .and_then(|t| portcullis_hostfw::expect::parse(&t))
        else {
            tally.disagreements.push(format!("fixture {name}: unreadable expect file"));
            continue;
        };
        if let Some(why) = exp.kernel_skip {
            skipped.push(format!("{name}: {why}"));
            continue;
        }
        if !exp.errors.is_empty() && !has_firewalld(&d) {
            skipped.push(format!("{name}: invalid on purpose (the kernel refuses it too)"));
            continue;
        }
        if d.join("etc/ufw").is_dir() {
            match check::run_ufw_fixture(&name, &d, &exp) {
                Ok(t) => tally.add(t),
                Err(e) => skipped.push(format!("{name}: {e}")),
            }
            continue;
        }
        if has_firewalld(&d) {
            match check::run_firewalld_fixture(&name, &d, &exp) {
                Ok(t) => tally.add(t),
                Err(e) => skipped.push(format!("{name}: {e}")),
            }
            continue;
        }
        let mut files = Vec::new();
        let mut loadable = true;
        let mut paths: Vec<_> = std::fs::read_dir(&d).into_iter().flatten().flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() || p.file_name().is_some_and(|n| n == "expect") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let path = p.to_string_lossy().into_owned();
            let loader = match portcullis_hostfw::read(&path, &text).map(|o| o.format) {
                Some("iptables-save") => Loader::Iptables { v6: false, legacy: false },
                Some("ip6tables-save") => Loader::Iptables { v6: true, legacy: false },
                Some("ipset") => Loader::Ipset,
                Some("nftables") => Loader::Nft,
                Some("nftables JSON") => Loader::NftJson,
                other => {
                    skipped.push(format!(
                        "{name}: {} ({other:?}) is not a ruleset the kernel loads as it is",
                        p.display()
                    ));
                    loadable = false;
                    break;
                }
            };
            files.push(File { path, text, loader });
        }
        if !loadable {
            continue;
        }
        let extra: Vec<std::net::IpAddr> = exp.probes.iter().map(|p| p.2).collect();
        tally.add(check::run_node(&format!("fixture {name}"), &files, 7, true, &extra));
    }
    (tally, skipped)
}

/// Whether a fixture holds firewalld configuration (an `etc/firewalld`).
fn has_firewalld(d: &std::path::Path) -> bool {
    d.join("etc/firewalld").is_dir()
}
