//! One comparison: a node's files loaded into a fresh lab, probed, and the
//! kernel's answers held against portcullis' for every probe.

use crate::lab::{Lab, NODE_IFACE};
use crate::packet::{Answer, ProbeKey};
use crate::rng::Rng;
use portcullis_engine::program::{fate, source_port_cases, Packet};
use portcullis_model::{AddrSet, Cond, Program, Protocol};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The ports every rule set is probed on: the controller manager's and a
/// neighbour.
pub const PORTS: [u16; 2] = [10257, 10258];

/// How a file goes into the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loader {
    Iptables { v6: bool, legacy: bool },
    Ipset,
    Nft,
    NftJson,
}

/// A file of a node.
#[derive(Clone, Debug)]
pub struct File {
    pub path: String,
    pub text: String,
    pub loader: Loader,
}

/// Running totals.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub rulesets: usize,
    pub probes: usize,
    /// Probes whose portcullis answer is a range (an unknown on the path),
    /// checked only for lying inside it.
    pub bounded: usize,
    /// Readings of the kernel's own listing compared too.
    pub relistings: usize,
    /// firewalld zones changed on 10257 and read beside the ruleset
    /// firewalld wrote from the unchanged ones: the difference was named.
    pub cross_checks: usize,
    /// Disagreements that a slow second run confirmed.
    pub disagreements: Vec<String>,
    /// Disagreements a slow second run did not confirm (timing).
    pub unconfirmed: usize,
    /// Cases probed again in a fresh lab after a sentinel timeout.
    pub retries: usize,
}

impl Tally {
    pub fn add(&mut self, o: Tally) {
        self.rulesets += o.rulesets;
        self.probes += o.probes;
        self.bounded += o.bounded;
        self.relistings += o.relistings;
        self.cross_checks += o.cross_checks;
        self.disagreements.extend(o.disagreements);
        self.unconfirmed += o.unconfirmed;
        self.retries += o.retries;
    }
}

/// portcullis' reading of a node's files: one program. The files go
/// through ingest as a scan reads them (content detection among every
/// format, then assembly), so the kernel is held against what a scan
/// sees, not against the host readers alone.
pub fn program_of(files: &[(String, String)], interface: Option<&str>) -> Result<Program, String> {
    read_node(files, interface, true)
}

fn read_node(files: &[(String, String)], interface: Option<&str>, strict: bool) -> Result<Program, String> {
    let mut opts = portcullis_ingest::ReadOptions::default();
    opts.host.interface = interface.map(str::to_string);
    let mut outcomes = Vec::new();
    for (path, text) in files {
        let o = portcullis_ingest::read_input_with(path, text, &opts);
        match o.format {
            Some(f) if o.host.is_empty() => return Err(format!("{path}: read as {f}, not as a host firewall")),
            None => return Err(format!("{path}: not recognised")),
            _ => {}
        }
        if let (true, Some(e)) = (strict, o.errors.first()) {
            return Err(format!("{e}\n--- {path}\n{text}"));
        }
        outcomes.push(o);
    }
    let mut estate = portcullis_ingest::assemble(&mut outcomes);
    if let (true, Some(e)) = (strict, outcomes.iter().flat_map(|o| &o.errors).next()) {
        return Err(e.to_string());
    }
    let nodes: Vec<&portcullis_model::Target> = estate.targets.iter().filter(|t| t.kind_name == "node").collect();
    let [node] = nodes.as_slice() else { return Err(format!("{} nodes read, expected one", nodes.len())) };
    let program = node
        .path
        .iter()
        .flat_map(|s| &s.layers)
        .find_map(|&l| match estate.layers.get(l).map(|l| &l.kind) {
            Some(portcullis_model::LayerKind::Program(n)) => Some(*n),
            _ => None,
        })
        .ok_or("the node has no host firewall layer")?;
    Ok(estate.programs.swap_remove(program))
}

/// What portcullis says about one probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Exactly(Answer),
    /// Accepted surely (`.0`) / possibly (`.1`).
    Between(bool, bool),
}

fn contains(set: &AddrSet, a: IpAddr) -> bool {
    match a {
        IpAddr::V4(x) => set.contains_v4(x),
        IpAddr::V6(x) => set.contains_v6(x),
    }
}

/// portcullis' answer for each probe.
pub fn expectations(program: &Program, probes: &[ProbeKey]) -> Vec<Expect> {
    let mut cache: std::collections::BTreeMap<(u16, u16), portcullis_engine::program::Fate> = Default::default();
    probes
        .iter()
        .map(|&(src, sport, dport)| {
            let f = cache.entry((sport, dport)).or_insert_with(|| {
                fate(
                    program,
                    Packet {
                        protocol: Protocol::TCP,
                        port: dport,
                        interface: NODE_IFACE,
                        source_port: sport,
                        tracked: true,
                    },
                )
            });
            let must = contains(&f.accept.must, src);
            let may = contains(&f.accept.may, src);
            if must != may {
                Expect::Between(must, may)
            } else if must {
                Expect::Exactly(Answer::Accept)
            } else if contains(&f.reject.must, src) {
                Expect::Exactly(Answer::Reject)
            } else if contains(&f.drop.must, src) {
                Expect::Exactly(Answer::Drop)
            } else {
                // Stopped, but how is not sure (an unknown between a drop
                // and a reject): only "not accepted" is claimed.
                Expect::Between(false, false)
            }
        })
        .collect()
}

pub(crate) fn agrees(e: Expect, got: Answer) -> bool {
    match e {
        Expect::Exactly(a) => a == got,
        Expect::Between(must, may) => {
            let accepted = got == Answer::Accept;
            (!must || accepted) && (may || !accepted)
        }
    }
}

/// Sources the kernel hands to its firewall at all: not the lab's own
/// subnets, and not what it discards as martian before any hook
/// (`ip_route_input_slow`, `ipv6_rcv`): zero, loopback, multicast,
/// class E, broadcast; IPv6 unspecified, loopback, multicast, IPv4-mapped,
/// and link-local (answers to it would need neighbour discovery).
fn probeable(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(x) => {
            let o = x.octets();
            !(o[0] == 0 || o[0] == 127 || o[0] >= 224 || (o[0] == 198 && o[1] == 18 && o[2] == 0 && o[3] < 4))
        }
        IpAddr::V6(x) => {
            let v = u128::from(x);
            let s = x.segments();
            !(v == 0
                || v == 1
                || s[0] & 0xff00 == 0xff00
                || s[0] & 0xffc0 == 0xfe80
                || v >> 32 == 0xffff
                || (v >> 2) == (u128::from(crate::lab::NODE_V6) >> 2))
        }
    }
}

/// Every boundary of every address set in the program (first, last, and
/// the addresses just outside), plus random addresses of both families.
pub fn sources(programs: &[&Program], rng: &mut Rng, extra: &[IpAddr]) -> Vec<IpAddr> {
    let mut out: BTreeSet<IpAddr> = BTreeSet::new();
    let add_set = |s: &AddrSet, out: &mut BTreeSet<IpAddr>| {
        for &(lo, hi) in s.v4.runs() {
            for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)].into_iter().flatten() {
                out.insert(IpAddr::V4(Ipv4Addr::from(a)));
            }
        }
        for &(lo, hi) in s.v6.runs() {
            for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)].into_iter().flatten() {
                out.insert(IpAddr::V6(Ipv6Addr::from(a)));
            }
        }
    };
    for p in programs {
        p.walk_conds(&mut |c| {
            if let Cond::Source(s) = c {
                add_set(s, &mut out);
            }
        });
    }
    out.extend(extra.iter().copied());
    for _ in 0..8 {
        out.insert(IpAddr::V4(Ipv4Addr::from(rng.next_u64() as u32)));
        let v6 =
            (0x2000u128 << 112) | (u128::from(rng.next_u64()) << 48) | u128::from(rng.next_u64() & 0xffff_ffff_ffff);
        out.insert(IpAddr::V6(Ipv6Addr::from(v6)));
    }
    let mut v: Vec<IpAddr> = out.into_iter().filter(|a| probeable(*a)).collect();
    // Very large rule sets: a deterministic sample keeps a run bounded.
    const MAX: usize = 600;
    if v.len() > MAX {
        let mut kept = Vec::with_capacity(MAX);
        for (i, a) in v.iter().enumerate() {
            if rng.below((v.len() - i) as u64) < (MAX - kept.len()) as u64 {
                kept.push(*a);
            }
        }
        v = kept;
    }
    v
}

/// The probes for these sources: each probed port, each source-port case.
pub fn probes(program: &Program, sources: &[IpAddr]) -> Vec<ProbeKey> {
    let sports = source_port_cases(program);
    let mut out = Vec::new();
    for &s in sources {
        for &p in &PORTS {
            for &sp in &sports {
                out.push((s, sp, p));
            }
        }
    }
    out
}

/// Loads a node's files into a fresh lab.
pub fn load(lab: &Lab, files: &[File]) -> Result<(), String> {
    // ipsets first: rules naming a set need it to exist.
    for f in files.iter().filter(|f| f.loader == Loader::Ipset) {
        lab.load_ipset(&f.text)?;
    }
    for f in files.iter().filter(|f| f.loader != Loader::Ipset) {
        match f.loader {
            Loader::Iptables { v6, legacy } => {
                let tool = match (v6, legacy) {
                    (false, false) => "iptables-restore",
                    (true, false) => "ip6tables-restore",
                    (false, true) => "iptables-legacy-restore",
                    (true, true) => "ip6tables-legacy-restore",
                };
                lab.load_iptables(tool, &f.text)?;
            }
            Loader::Nft => lab.load_nft(&f.text)?,
            Loader::NftJson => lab.load_nft_json(&f.text)?,
            Loader::Ipset => {}
        }
    }
    Ok(())
}

/// The node's rules as the kernel lists them back, in the formats a user
/// would save (what `iptables-save` and `nft list ruleset` print).
pub fn relisted(lab: &Lab, files: &[File]) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut out = Vec::new();
    let legacy = files.iter().any(|f| matches!(f.loader, Loader::Iptables { legacy: true, .. }));
    let has_ipt = files.iter().any(|f| matches!(f.loader, Loader::Iptables { .. }));
    let has_nft = files.iter().any(|f| matches!(f.loader, Loader::Nft | Loader::NftJson));
    let sets: Vec<(String, String)> = if files.iter().any(|f| f.loader == Loader::Ipset) {
        vec![("node/ipset.save".into(), lab.list("ipset", &["save"])?)]
    } else {
        Vec::new()
    };
    if has_ipt {
        let (v4, v6) = if legacy {
            ("iptables-legacy-save", "ip6tables-legacy-save")
        } else {
            ("iptables-save", "ip6tables-save")
        };
        let mut node = Vec::new();
        // Only the families loaded: an empty listing is no ruleset at all.
        if files.iter().any(|f| matches!(f.loader, Loader::Iptables { v6: false, .. })) {
            node.push(("node/iptables.rules".to_string(), lab.list(v4, &[])?));
        }
        if files.iter().any(|f| matches!(f.loader, Loader::Iptables { v6: true, .. })) {
            node.push(("node/ip6tables.rules".to_string(), lab.list(v6, &[])?));
        }
        node.extend(sets.clone());
        out.push(node);
    }
    if has_nft {
        out.push(vec![("node/ruleset.nft".to_string(), lab.list("nft", &["list", "ruleset"])?)]);
        if portcullis_hostfw::nftables::json::READY {
            out.push(vec![("node/ruleset.json".to_string(), lab.list("nft", &["-j", "list", "ruleset"])?)]);
        }
    }
    Ok(out)
}

/// How many fresh labs a case gets when its sentinel never comes back (a
/// machine so loaded that the answers did not arrive in time). Each try
/// starts from new namespaces: re-sending SYNs into the same one would meet
/// the connections the first SYNs opened.
const TRIES: usize = 3;

/// Probes `lab`; when its sentinel times out, loads the files into a
/// fresh lab and probes again.
fn probe_with_retries(
    lab: Lab,
    files: &[File],
    probes: &[ProbeKey],
    tally: &mut Tally,
) -> Result<std::collections::BTreeMap<ProbeKey, Answer>, String> {
    let mut lab = lab;
    for attempt in 1..=TRIES {
        match lab.probe(probes, 64) {
            Ok(a) => return Ok(a),
            Err(e) if attempt < TRIES && e.contains("sentinel") => {
                tally.retries += 1;
                drop(lab);
                lab = Lab::new(&PORTS)?;
                load(&lab, files)?;
            }
            Err(e) => return Err(e),
        }
    }
    Err("no try left".into())
}

/// Runs one node: load, probe, compare with portcullis' reading of the
/// files (and of the kernel's own listing when `relist`).
pub fn run_node(name: &str, files: &[File], seed: u64, relist: bool, extra: &[IpAddr]) -> Tally {
    let mut tally = Tally { rulesets: 1, ..Default::default() };
    let fail = |tally: &mut Tally, msg: String| {
        tally.disagreements.push(format!("{name}: {msg}"));
    };
    let given: Vec<(String, String)> = files.iter().map(|f| (f.path.clone(), f.text.clone())).collect();
    let program = match program_of(&given, Some(NODE_IFACE)) {
        Ok(p) => p,
        Err(e) => {
            fail(&mut tally, format!("portcullis could not read it: {e}"));
            return tally;
        }
    };
    let lab = match Lab::new(&PORTS) {
        Ok(l) => l,
        Err(e) => {
            fail(&mut tally, format!("lab: {e}"));
            return tally;
        }
    };
    if let Err(e) = load(&lab, files) {
        fail(&mut tally, format!("the kernel refused the rules: {e}"));
        return tally;
    }
    let mut readings: Vec<(String, Program)> = vec![("the files".into(), program)];
    if relist {
        match relisted(&lab, files) {
            Ok(listings) => {
                for l in listings {
                    match program_of(&l, Some(NODE_IFACE)) {
                        Ok(p) => {
                            tally.relistings += 1;
                            readings.push((format!("the kernel's listing {}", l[0].0), p));
                        }
                        Err(e) => fail(&mut tally, format!("portcullis could not read the kernel's listing: {e}")),
                    }
                }
            }
            Err(e) => fail(&mut tally, format!("listing: {e}")),
        }
    }
    let mut rng = Rng::new(seed ^ 0x5eed);
    let programs: Vec<&Program> = readings.iter().map(|(_, p)| p).collect();
    let srcs = sources(&programs, &mut rng, extra);
    let probes = probes(&readings[0].1, &srcs);
    let answers = match probe_with_retries(lab, files, &probes, &mut tally) {
        Ok(a) => a,
        Err(e) => {
            fail(&mut tally, format!("probe: {e}"));
            return tally;
        }
    };
    tally.probes += probes.len();
    let mut suspects: Vec<(usize, String)> = Vec::new();
    for (what, p) in &readings {
        let expect = expectations(p, &probes);
        for (i, (k, e)) in probes.iter().zip(&expect).enumerate() {
            let got = answers[k];
            if matches!(e, Expect::Between(..)) && what == "the files" {
                tally.bounded += 1;
            }
            if !agrees(*e, got) {
                suspects.push((
                    i,
                    format!("{what}: {} port {} from port {}: portcullis {e:?}, kernel {got:?}", k.0, k.2, k.1),
                ));
            }
        }
    }
    if suspects.is_empty() {
        return tally;
    }
    // A second, slow run: one probe at a time, each closed by the sentinel.
    let again: Vec<ProbeKey> = suspects.iter().map(|(i, _)| probes[*i]).collect::<BTreeSet<_>>().into_iter().collect();
    let slow = Lab::new(&PORTS).and_then(|l| {
        load(&l, files)?;
        l.probe(&again, 1)
    });
    match slow {
        Ok(second) => {
            for (i, msg) in suspects {
                let k = probes[i];
                if second.get(&k) == Some(&answers[&k]) {
                    fail(&mut tally, msg);
                } else {
                    tally.unconfirmed += 1;
                }
            }
        }
        Err(e) => fail(&mut tally, format!("second run: {e}")),
    }
    tally
}

/// Runs one cloud case: each target's path as nftables chains in a fresh
/// lab, held against portcullis' exposure read from the dumps.
pub fn run_cloud(name: &str, case: &crate::gen_cloud::Case, seed: u64) -> Tally {
    let mut tally = Tally::default();
    let mut outcomes: Vec<portcullis_ingest::FileOutcome> =
        case.files.iter().map(|(p, t)| portcullis_ingest::read_input(p, t)).collect();
    for o in &outcomes {
        if let Some(e) = o.errors.first() {
            tally.disagreements.push(format!("{name}: portcullis could not read {}: {e}", o.path));
            return tally;
        }
    }
    let estate = portcullis_ingest::assemble(&mut outcomes);
    let mut rng = Rng::new(seed ^ 0xc10d);
    for (target, path) in &case.targets {
        tally.rulesets += 1;
        let Some(ti) = estate.targets.iter().position(|t| t.id == *target) else {
            let ids: Vec<&str> = estate.targets.iter().map(|t| t.id.as_str()).collect();
            tally.disagreements.push(format!("{name}: no target {target} in portcullis' estate ({ids:?})"));
            continue;
        };
        let nft = crate::gen_cloud::to_nft(path);
        let mut extra = Vec::new();
        for step in &path.steps {
            for (_, rules) in step {
                for r in rules {
                    extra.extend(set_boundaries(&r.sources));
                }
            }
        }
        let srcs = sources(&[], &mut rng, &extra);
        let probes: Vec<ProbeKey> = srcs.iter().flat_map(|&s| PORTS.iter().map(move |&p| (s, 40000u16, p))).collect();
        let mut answers = Err(String::new());
        for attempt in 1..=TRIES {
            answers = Lab::new(&PORTS).and_then(|lab| {
                lab.load_nft(&nft)?;
                lab.probe(&probes, 64)
            });
            match &answers {
                Err(e) if attempt < TRIES && e.contains("sentinel") => tally.retries += 1,
                _ => break,
            }
        }
        let answers = match answers {
            Ok(a) => a,
            Err(e) => {
                tally.disagreements.push(format!("{name}: {target}: {e}\n{nft}"));
                continue;
            }
        };
        tally.probes += probes.len();
        for &port in &PORTS {
            let Some(exp) = portcullis_engine::evaluate(&estate, ti, Protocol::TCP, port) else { continue };
            let lower = &exp.lower.addrs;
            let upper = &exp.upper().addrs;
            for &(src, sport, dport) in probes.iter().filter(|k| k.2 == port) {
                let got = answers[&(src, sport, dport)] == Answer::Accept;
                let (must, may) = (contains(lower, src), contains(upper, src));
                if must != may {
                    tally.bounded += 1;
                }
                if (must && !got) || (!may && got) {
                    tally.disagreements.push(format!(
                        "{name}: {target} tcp/{port} from {src}: portcullis {}, kernel {}",
                        if must {
                            "admitted"
                        } else if may {
                            "possibly admitted"
                        } else {
                            "not admitted"
                        },
                        if got { "accepted" } else { "refused" }
                    ));
                }
            }
        }
    }
    tally
}

/// First, last and the addresses just outside each run of a set.
fn set_boundaries(s: &AddrSet) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for &(lo, hi) in s.v4.runs() {
        for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)].into_iter().flatten() {
            out.push(IpAddr::V4(Ipv4Addr::from(a)));
        }
    }
    for &(lo, hi) in s.v6.runs() {
        for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)].into_iter().flatten() {
            out.push(IpAddr::V6(Ipv6Addr::from(a)));
        }
    }
    out
}

/// Copies `from` into `to`, directories included.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// Runs the real firewalld in `lab`'s node with the installed
/// configuration and `dir`'s `etc/firewalld` over it; returns the ruleset
/// it wrote (`nft list ruleset`) and `firewall-cmd --list-all-zones`.
pub fn run_firewalld_on(lab: &Lab, name: &str, dir: &std::path::Path) -> Result<(String, String), String> {
    run_firewalld_then(lab, name, dir, "")
}

/// [`run_firewalld_on`], running `then` (`firewall-cmd` commands) while
/// firewalld runs, with the configuration they change in a directory of
/// the run's own.
pub fn run_firewalld_then(
    lab: &Lab,
    name: &str,
    dir: &std::path::Path,
    then: &str,
) -> Result<(String, String), String> {
    let installed = std::path::Path::new("/etc/firewalld");
    if !installed.join("firewalld.conf").is_file()
        || std::process::Command::new("firewalld").arg("--help").output().is_err()
    {
        return Err("firewalld is not installed".into());
    }
    let tmp = std::env::temp_dir().join(format!("pcx-firewalld-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let run = || {
        copy_tree(installed, &tmp).map_err(|e| e.to_string())?;
        copy_tree(&dir.join("etc/firewalld"), &tmp).map_err(|e| e.to_string())?;
        // Keep the rules when firewalld stops; take the fixture's default zone.
        let conf_path = tmp.join("firewalld.conf");
        let conf = std::fs::read_to_string(&conf_path).map_err(|e| e.to_string())?;
        let mut lines: Vec<String> =
            conf.lines().filter(|l| !l.starts_with("CleanupOnExit=")).map(str::to_string).collect();
        lines.push("CleanupOnExit=no".into());
        std::fs::write(&conf_path, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
        lab.run_firewalld(&tmp, then)
    };
    let out = run();
    let _ = std::fs::remove_dir_all(&tmp);
    out
}

/// A firewalld fixture: the installed firewalld's configuration with the
/// fixture's files over it, run by the real firewalld in the lab's node;
/// portcullis' reading of the fixture's files and of the ruleset firewalld
/// wrote are both held against the kernel.
pub fn run_firewalld_fixture(
    name: &str,
    dir: &std::path::Path,
    exp: &portcullis_hostfw::expect::Expect,
) -> Result<Tally, String> {
    let lab = Lab::new(&PORTS)?;
    let (listing, zones) = run_firewalld_on(&lab, name, dir)?;
    let mut tally = Tally { rulesets: 1, ..Default::default() };
    // portcullis on the fixture's own files.
    let mut given = Vec::new();
    for f in walk_files(dir) {
        if f.file_name().is_some_and(|n| n == "expect") {
            continue;
        }
        let text = std::fs::read_to_string(&f).map_err(|e| e.to_string())?;
        given.push((f.to_string_lossy().into_owned(), text));
    }
    let mut readings = Vec::new();
    match program_of_tolerant(&given, Some(NODE_IFACE)) {
        Ok(p) => readings.push(("the zone files".to_string(), p)),
        Err(e) => tally.disagreements.push(format!("fixture {name}: portcullis could not read the zone files: {e}")),
    }
    match program_of(&[("node/firewalld-zones.txt".to_string(), zones)], Some(NODE_IFACE)) {
        Ok(p) => {
            tally.relistings += 1;
            readings.push(("firewall-cmd --list-all-zones".to_string(), p));
        }
        Err(e) => tally.disagreements.push(format!("fixture {name}: portcullis could not read --list-all-zones: {e}")),
    }
    match program_of(&[("node/firewalld.nft".to_string(), listing.clone())], Some(NODE_IFACE)) {
        Ok(p) => {
            tally.relistings += 1;
            readings.push(("the ruleset firewalld wrote".to_string(), p));
        }
        Err(e) => {
            tally.disagreements.push(format!("fixture {name}: portcullis could not read firewalld's ruleset: {e}"))
        }
    }
    compare_readings(name, &lab, &readings, exp, &mut tally)?;
    cross_check_firewalld(name, &given, &listing, &mut tally);
    Ok(tally)
}

/// The zone files read beside the ruleset firewalld wrote from them: the
/// node's note must say they agree on every port. Then a zone opened on
/// 10257, beside the same ruleset: where that opens 10257 compared with the
/// fixture's own zones, the note must name 10257 as differing.
fn cross_check_firewalld(name: &str, given: &[(String, String)], listing: &str, tally: &mut Tally) {
    let with_listing = |zones: &[(String, String)]| {
        let mut files = zones.to_vec();
        // Beside the zone files, as a user saves them from the node.
        let dir = files.first().map(|(p, _)| portcullis_hostfw::node::node_of(p).key).unwrap_or_default();
        files.push((format!("{dir}/ruleset.nft"), listing.to_string()));
        node_notes(&files)
    };
    match with_listing(given) {
        Ok(notes) if notes.iter().any(|n| n.contains("agree on every TCP port")) => {}
        Ok(notes) => {
            tally.disagreements.push(format!("fixture {name}: zone files beside firewalld's ruleset: {notes:?}"))
        }
        Err(e) => tally.disagreements.push(format!("fixture {name}: zone files beside firewalld's ruleset: {e}")),
    }
    let opened: Vec<(String, String)> = given
        .iter()
        .map(|(p, t)| {
            let t = if p.ends_with(".xml") && t.contains("<zone") {
                t.replacen("</zone>", "  <port port=\"10257\" protocol=\"tcp\"/>\n</zone>", 1)
            } else {
                t.clone()
            };
            (p.clone(), t)
        })
        .collect();
    // Only where the opened zone admits more on 10257 than the fixture's
    // own (a rich rule may still refuse it, or the zone bind nothing).
    let changed = match (program_of_tolerant(given, Some(NODE_IFACE)), program_of_tolerant(&opened, Some(NODE_IFACE))) {
        (Ok(a), Ok(b)) => {
            portcullis_hostfw::firewalld::running::compare(name, &a, &b).is_some_and(|n| n.contains("10257"))
        }
        _ => false,
    };
    if !changed {
        return;
    }
    tally.cross_checks += 1;
    match with_listing(&opened) {
        Ok(notes) if notes.iter().any(|n| n.contains("differ on tcp/") && n.contains("10257")) => {}
        Ok(notes) => tally
            .disagreements
            .push(format!("fixture {name}: a zone opened on 10257 beside firewalld's ruleset: {notes:?}")),
        Err(e) => tally.disagreements.push(format!("fixture {name}: a zone opened on 10257: {e}")),
    }
}

/// The notes of the one node `files` make, read as a scan reads them.
fn node_notes(files: &[(String, String)]) -> Result<Vec<String>, String> {
    let mut opts = portcullis_ingest::ReadOptions::default();
    opts.host.interface = Some(NODE_IFACE.to_string());
    let mut outcomes: Vec<portcullis_ingest::FileOutcome> =
        files.iter().map(|(p, t)| portcullis_ingest::read_input_with(p, t, &opts)).collect();
    let estate = portcullis_ingest::assemble(&mut outcomes);
    let nodes: Vec<&portcullis_model::Target> = estate.targets.iter().filter(|t| t.kind_name == "node").collect();
    match nodes.as_slice() {
        [node] => Ok(node.notes.clone()),
        _ => Err(format!("{} nodes read, expected one", nodes.len())),
    }
}

/// Probes the lab and holds each reading against the kernel's answers.
fn compare_readings(
    name: &str,
    lab: &Lab,
    readings: &[(String, Program)],
    exp: &portcullis_hostfw::expect::Expect,
    tally: &mut Tally,
) -> Result<(), String> {
    let mut rng = Rng::new(11);
    let programs: Vec<&Program> = readings.iter().map(|(_, p)| p).collect();
    let extra: Vec<IpAddr> = exp.probes.iter().map(|p| p.2).collect();
    let srcs = sources(&programs, &mut rng, &extra);
    let Some(first) = programs.first() else { return Ok(()) };
    let probes = probes(first, &srcs);
    let answers = lab.probe(&probes, 64)?;
    tally.probes += probes.len();
    for (what, p) in readings {
        let expect = expectations(p, &probes);
        for (k, e) in probes.iter().zip(&expect) {
            let got = answers[k];
            if !agrees(*e, got) {
                tally.disagreements.push(format!(
                    "fixture {name}: {what}: {} port {} from port {}: portcullis {e:?}, kernel {got:?}",
                    k.0, k.2, k.1
                ));
            }
        }
    }
    Ok(())
}

/// A ufw fixture: ufw's shipped files with the fixture's over them,
/// enabled by the real ufw in the lab's node; portcullis' reading of the
/// fixture's files and of what iptables-save lists are held against the
/// kernel.
pub fn run_ufw_fixture(
    name: &str,
    dir: &std::path::Path,
    exp: &portcullis_hostfw::expect::Expect,
) -> Result<Tally, String> {
    let lab = Lab::new(&PORTS)?;
    run_ufw_then(&lab, name, dir, "")?;
    let mut tally = Tally { rulesets: 1, ..Default::default() };
    let given: Vec<(String, String)> = walk_files(dir)
        .into_iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "expect"))
        .filter_map(|f| std::fs::read_to_string(&f).ok().map(|t| (f.to_string_lossy().into_owned(), t)))
        .collect();
    let mut readings = Vec::new();
    match program_of(&given, Some(NODE_IFACE)) {
        Ok(p) => readings.push(("the ufw files".to_string(), p)),
        Err(e) => tally.disagreements.push(format!("fixture {name}: portcullis could not read the ufw files: {e}")),
    }
    let listing = vec![
        ("node/iptables.rules".to_string(), lab.list("iptables-save", &[])?),
        ("node/ip6tables.rules".to_string(), lab.list("ip6tables-save", &[])?),
    ];
    match program_of(&listing, Some(NODE_IFACE)) {
        Ok(p) => {
            tally.relistings += 1;
            readings.push(("what iptables-save lists".to_string(), p));
        }
        Err(e) => tally.disagreements.push(format!("fixture {name}: portcullis could not read the listing: {e}")),
    }
    compare_readings(name, &lab, &readings, exp, &mut tally)?;
    Ok(tally)
}

/// Enables the real ufw in `lab`'s node with ufw's shipped files and
/// `dir`'s over them, then runs `then` (`ufw` commands).
pub fn run_ufw_then(lab: &Lab, name: &str, dir: &std::path::Path, then: &str) -> Result<(), String> {
    if std::process::Command::new("ufw").arg("version").output().is_err()
        || !std::path::Path::new("/etc/ufw/before.rules").is_file()
    {
        return Err("ufw is not installed".into());
    }
    let tmp = std::env::temp_dir().join(format!("pcx-ufw-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let run = || {
        copy_tree(std::path::Path::new("/etc/ufw"), &tmp.join("ufw")).map_err(|e| e.to_string())?;
        copy_tree(&dir.join("etc/ufw"), &tmp.join("ufw")).map_err(|e| e.to_string())?;
        let default = tmp.join("default-ufw");
        let from =
            if dir.join("etc/default/ufw").is_file() { dir.join("etc/default/ufw") } else { "/etc/default/ufw".into() };
        std::fs::copy(from, &default).map_err(|e| e.to_string())?;
        lab.run_ufw(&tmp.join("ufw"), &default, then)
    };
    let out = run();
    let _ = std::fs::remove_dir_all(&tmp);
    out
}

pub(crate) fn walk_files(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// [`program_of`], but errors the fixture expects (a rule firewalld
/// refuses) do not stop it.
pub(crate) fn program_of_tolerant(files: &[(String, String)], interface: Option<&str>) -> Result<Program, String> {
    read_node(files, interface, false)
}
