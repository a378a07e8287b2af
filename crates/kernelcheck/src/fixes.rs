//! The fixes `portcullis fix` prints for a node's firewall, run in the
//! kernel: a node's rules loaded into one lab as they are, and into a
//! second lab with the fix's commands run after them (the real `iptables`,
//! `ip6tables`, `nft`, `firewall-cmd` and `ufw` in the node's namespace);
//! the same SYNs sent to both. Checked on every probe:
//!
//! - on the fixed port (10257), an authorized source the node admitted
//!   before is admitted after, and no unauthorized source is admitted;
//! - on the other port (10258), every answer is the one before;
//! - portcullis' reading of the fix's saved form (the edited
//!   `iptables-save` file or ruleset, or the nftables table firewalld's
//!   and ufw's commands amount to, beside the node's files) agrees with
//!   what the kernel answers after.
//!
//! Commands that write files write them in directories of the run's own:
//! the nftables snippet's `/etc/nftables.d` becomes a temporary directory,
//! firewalld's and ufw's configuration is the copy the lab mounts.

use crate::check::{self, agrees, expectations, load, probes, sources, File, Loader, Tally, PORTS};
use crate::lab::{Lab, NODE_IFACE};
use crate::netns::run;
use crate::packet::{Answer, ProbeKey};
use crate::rng::Rng;
use portcullis_hostfw::fix::check::{tool_of, with_fix, Tool};
use portcullis_model::{AddrSet, Program};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The port every fix closes; [`PORTS`]' other port must not change.
const FIXED: u16 = 10257;

/// How a case's rules reach the kernel.
pub enum Setup<'a> {
    /// Files loaded as they are (`iptables-restore`, `nft -f`, `ipset restore`).
    Files(&'a [File]),
    /// A firewalld configuration directory, run by the real firewalld.
    Firewalld(&'a std::path::Path),
    /// A ufw configuration directory, enabled by the real ufw.
    Ufw(&'a std::path::Path),
}

/// The authorized sources for a case: 10.0.0.0/8, and the /16 (IPv4) or
/// /32 (IPv6) around up to two sources the node admits on the fixed port,
/// so that keeping them is tested (/8 and /16 for ufw, whose snippet is
/// one command per block of the complement).
fn authorized_for(before: &Program, srcs: &[IpAddr], rng: &mut Rng, coarse: bool) -> AddrSet {
    let admitted: Vec<IpAddr> = {
        let keys: Vec<ProbeKey> = srcs.iter().map(|&s| (s, 40000, FIXED)).collect();
        let expect = expectations(before, &keys);
        srcs.iter()
            .zip(expect)
            .filter(|(_, e)| matches!(e, check::Expect::Exactly(Answer::Accept)))
            .map(|(s, _)| *s)
            .collect()
    };
    let (v4, v6) = if coarse { (8, 16) } else { (16, 32) };
    let mut set = network_of("10.0.0.0", 8);
    for _ in 0..2 {
        if admitted.is_empty() {
            break;
        }
        let a = admitted[rng.below(admitted.len() as u64) as usize];
        let len = if a.is_ipv4() { v4 } else { v6 };
        set.union_in_place(&network_of(&a.to_string(), len));
    }
    set
}

/// The block of length `len` holding `addr`.
fn network_of(addr: &str, len: u8) -> AddrSet {
    let text = match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(x)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
            format!("{}/{len}", std::net::Ipv4Addr::from(u32::from(x) & mask))
        }
        Ok(IpAddr::V6(x)) => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
            format!("{}/{len}", std::net::Ipv6Addr::from(u128::from(x) & mask))
        }
        Err(_) => return AddrSet::empty(),
    };
    AddrSet::parse_list([text.as_str()]).unwrap_or_else(|_| AddrSet::empty())
}

fn contains(set: &AddrSet, a: IpAddr) -> bool {
    match a {
        IpAddr::V4(x) => set.contains_v4(x),
        IpAddr::V6(x) => set.contains_v6(x),
    }
}

/// The commands as run in the lab: `/etc/nftables.d` moved to `scratch`,
/// and iptables' legacy variant where the node's rules were loaded with it
/// (the node's own `iptables` is that one).
fn lab_commands(commands: &[String], scratch: &std::path::Path, legacy: bool) -> String {
    let mut out = String::from("set -e\n");
    for c in commands {
        let mut c = c.replace("/etc/nftables.d", &scratch.display().to_string());
        if legacy {
            for tool in ["ip6tables", "iptables"] {
                if let Some(rest) = c.strip_prefix(&format!("{tool} ")) {
                    c = format!("{tool}-legacy {rest}");
                    break;
                }
            }
        }
        out.push_str(&c);
        out.push('\n');
    }
    out
}

/// Sets a lab up with the node's rules, then (when `commands` is given)
/// runs them in the node.
fn set_up(name: &str, setup: &Setup, commands: Option<&str>) -> Result<Lab, String> {
    let lab = Lab::new(&PORTS)?;
    match setup {
        Setup::Files(files) => {
            load(&lab, files)?;
            if let Some(c) = commands {
                run(lab.node.exec("sh").args(["-c", c])).map_err(|e| format!("the fix's commands: {e}"))?;
            }
        }
        Setup::Firewalld(dir) => {
            check::run_firewalld_then(&lab, name, dir, commands.unwrap_or(""))?;
        }
        Setup::Ufw(dir) => check::run_ufw_then(&lab, name, dir, commands.unwrap_or(""))?,
    }
    Ok(lab)
}

/// One case: `given` are the node's files as portcullis reads them.
pub fn run_fix(name: &str, setup: &Setup, given: &[(String, String)], seed: u64, extra: &[IpAddr]) -> Tally {
    let mut tally = Tally { rulesets: 1, ..Default::default() };
    let mut fail = |msg: String| tally.disagreements.push(format!("{name}: fix: {msg}"));
    let read = |files: &[(String, String)]| check::program_of_tolerant(files, Some(NODE_IFACE));
    let before = match read(given) {
        Ok(p) => p,
        Err(e) => {
            fail(format!("portcullis could not read the node: {e}"));
            return tally;
        }
    };
    let tool = match tool_of(given) {
        Ok(t) => t,
        Err(e) => {
            fail(e);
            return tally;
        }
    };
    let mut rng = Rng::new(seed ^ 0xf1c5);
    let srcs0 = sources(&[&before], &mut rng, extra);
    let authorized = authorized_for(&before, &srcs0, &mut rng, tool == Tool::Ufw);
    let snippet = tool.snippet(FIXED, &authorized);
    let saved = match with_fix(given, &tool, FIXED, &authorized) {
        Ok(s) => s,
        Err(e) => {
            fail(format!("no saved form: {e}"));
            return tally;
        }
    };
    let fixed = match read(&saved) {
        Ok(p) => p,
        Err(e) => {
            fail(format!("portcullis could not read the fixed node: {e}"));
            return tally;
        }
    };
    // Sources: every boundary of both readings and of the authorized set.
    let mut extra_all: Vec<IpAddr> = extra.to_vec();
    for &(lo, hi) in authorized.v4.runs() {
        for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)].into_iter().flatten() {
            extra_all.push(IpAddr::V4(a.into()));
        }
    }
    for &(lo, hi) in authorized.v6.runs() {
        for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)].into_iter().flatten() {
            extra_all.push(IpAddr::V6(a.into()));
        }
    }
    let srcs = sources(&[&before, &fixed], &mut rng, &extra_all);
    let keys = probes(&before, &srcs);
    let scratch = std::env::temp_dir().join(format!("pcx-fix-{}-{seed}", std::process::id()));
    let _ = std::fs::create_dir_all(&scratch);
    let legacy =
        matches!(setup, Setup::Files(f) if f.iter().any(|f| matches!(f.loader, Loader::Iptables { legacy: true, .. })));
    let commands = lab_commands(&snippet.commands, &scratch, legacy);
    let answers = |commands: Option<&str>| -> Result<BTreeMap<ProbeKey, Answer>, String> {
        let lab = set_up(name, setup, commands)?;
        lab.probe(&keys, 64)
    };
    let result = answers(None).and_then(|a| Ok((a, answers(Some(&commands))?)));
    let _ = std::fs::remove_dir_all(&scratch);
    let (was, now) = match result {
        Ok(x) => x,
        Err(e) => {
            fail(format!("{e}\n{commands}"));
            return tally;
        }
    };
    tally.probes += 2 * keys.len();
    let model = expectations(&fixed, &keys);
    for (k, e) in keys.iter().zip(&model) {
        let (src, _, port) = *k;
        let (a, b) = (was[k], now[k]);
        let problem = if port == FIXED {
            if contains(&authorized, src) && a == Answer::Accept && b != Answer::Accept {
                Some("an authorized source admitted before is refused")
            } else if !contains(&authorized, src) && b == Answer::Accept {
                Some("an unauthorized source is admitted")
            } else if a != Answer::Accept && b == Answer::Accept {
                Some("a source refused before is admitted")
            } else {
                None
            }
        } else if a != b {
            Some("another port's answer changed")
        } else {
            None
        };
        if let Some(p) = problem {
            fail(format!("{} {src} port {port} from port {}: before {a:?}, after {b:?}: {p}", tool.name(), k.1));
        }
        if !agrees(*e, b) {
            fail(format!(
                "{} {src} port {port} from port {}: portcullis reads the fixed node as {e:?}, kernel {b:?}",
                tool.name(),
                k.1
            ));
        }
    }
    tally
}

/// Every loadable host-firewall fixture of `dir`, fixed and probed.
pub fn fixtures(dir: &std::path::Path) -> (Tally, Vec<String>) {
    let mut tally = Tally::default();
    let mut skipped = Vec::new();
    for d in crate::fixture_dirs(dir) {
        let name = format!("fixture {}", d.file_name().unwrap_or_default().to_string_lossy());
        let Ok(exp) = std::fs::read_to_string(d.join("expect"))
            .map_err(|e| e.to_string())
            .and_then(|t| portcullis_hostfw::expect::parse(&t))
        else {
            tally.disagreements.push(format!("{name}: unreadable expect file"));
            continue;
        };
        let firewalld = d.join("etc/firewalld").is_dir();
        if let Some(why) = exp.kernel_skip {
            skipped.push(format!("{name}: {why}"));
            continue;
        }
        if !exp.errors.is_empty() && !firewalld {
            skipped.push(format!("{name}: invalid on purpose"));
            continue;
        }
        let given: Vec<(String, String)> = check::walk_files(&d)
            .into_iter()
            .filter(|f| f.file_name().is_some_and(|n| n != "expect"))
            .filter_map(|f| std::fs::read_to_string(&f).ok().map(|t| (f.to_string_lossy().into_owned(), t)))
            .collect();
        let extra: Vec<IpAddr> = exp.probes.iter().map(|p| p.2).collect();
        let files: Vec<File>;
        let setup = if d.join("etc/ufw").is_dir() {
            Setup::Ufw(&d)
        } else if firewalld {
            Setup::Firewalld(&d)
        } else {
            let mut list = Vec::new();
            for (path, text) in &given {
                let loader = match portcullis_hostfw::read(path, text).map(|o| o.format) {
                    Some("iptables-save") => Loader::Iptables { v6: false, legacy: false },
                    Some("ip6tables-save") => Loader::Iptables { v6: true, legacy: false },
                    Some("ipset") => Loader::Ipset,
                    Some("nftables") => Loader::Nft,
                    Some("nftables JSON") => Loader::NftJson,
                    other => {
                        skipped.push(format!("{name}: {path} ({other:?}) is not loaded as it is"));
                        list.clear();
                        break;
                    }
                };
                list.push(File { path: path.clone(), text: text.clone(), loader });
            }
            if list.is_empty() {
                continue;
            }
            files = list;
            Setup::Files(&files)
        };
        let t = run_fix(&name, &setup, &given, 7, &extra);
        if t.disagreements.iter().any(|d| d.contains("is not installed")) {
            skipped.push(format!("{name}: {}", t.disagreements.join("; ")));
            continue;
        }
        tally.add(t);
    }
    (tally, skipped)
}

/// Generated rule sets `seeds`, iptables (odd seeds loaded with the legacy
/// variant) and nftables alike, fixed and probed.
pub fn generated(seeds: std::ops::Range<u64>) -> Tally {
    let mut tally = Tally::default();
    for seed in seeds {
        let files = crate::iptables_files("fix-ipt", seed);
        let given: Vec<(String, String)> = files.iter().map(|f| (f.path.clone(), f.text.clone())).collect();
        tally.add(run_fix(&format!("iptables seed {seed}"), &Setup::Files(&files), &given, seed, &[]));
        let text = crate::gen_nft::generate(seed);
        let files = vec![File { path: format!("fix-nft-{seed}/ruleset.nft"), text, loader: Loader::Nft }];
        let given: Vec<(String, String)> = files.iter().map(|f| (f.path.clone(), f.text.clone())).collect();
        tally.add(run_fix(&format!("nft seed {seed}"), &Setup::Files(&files), &given, seed, &[]));
    }
    tally
}
