//! Random iptables-save rule sets (and the ipsets they use), one file per
//! family: user chains, jumps, gotos, RETURN, policies, multiport, conntrack
//! and state, iprange, interfaces, ipset matches, negations, and rules in
//! the raw and mangle tables.

use crate::pool::Pool;
use crate::rng::Rng;

/// The files of one generated node.
pub struct Generated {
    /// (file name, text)
    pub iptables_v4: String,
    pub iptables_v6: String,
    pub ipsets: String,
}

const IFACES: &[&str] = &["eth0", "eth1", "lo", "eth+", "e+", "+", "wg0"];
const STATES: &[&str] =
    &["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "ESTABLISHED,RELATED", "NEW,ESTABLISHED"];

struct Sets {
    /// (name, is v6, kind) kind: 0 net, 1 ip, 2 ip,port
    sets: Vec<(String, bool, u8)>,
}

fn ports(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => "10257".into(),
        1 => format!("{}:{}", rng.range(10250, 10257), rng.range(10257, 10262)),
        2 => format!("{}", rng.range(10255, 10260)),
        _ => format!("{}:{}", rng.range(1, 10000), rng.range(10000, 65535)),
    }
}

fn matches(rng: &mut Rng, pool: &Pool, v6: bool, sets: &Sets, table: &str) -> String {
    // One of each kind, in the order iptables-save prints them: addresses,
    // interface, protocol, then match modules.
    let mut slots: [Option<String>; 8] = Default::default();
    for _ in 0..rng.range(0, 3) {
        let kind = rng.below(10) as usize;
        let text = match kind {
            0..=2 => {
                let b = pool.block(rng, v6);
                // iptables-nft refuses `! -s 0.0.0.0/0` (a negated empty
                // mask); iptables-legacy takes it.
                let whole = matches!(b, crate::pool::Block::V4(_, 0) | crate::pool::Block::V6(_, 0));
                let neg = if !whole && rng.chance(1, 4) { "! " } else { "" };
                let t = if rng.chance(1, 2) { b.text() } else { b.masked_text() };
                (0, format!("{neg}-s {t}"))
            }
            3 => {
                let name = rng.pick(IFACES);
                // iptables-save drops `! -i +` when it lists the rule back
                // (an empty name mask prints nothing, and its `!` with it):
                // the listing would not be the kernel's rule.
                let neg = if *name != "+" && rng.chance(1, 3) { "! " } else { "" };
                (1, format!("{neg}-i {name}"))
            }
            4 | 5 => {
                let clause = match rng.below(9) {
                    0 => format!("-p tcp -m tcp --dport {}", ports(rng)),
                    1 => format!("-p tcp -m tcp ! --dport {}", ports(rng)),
                    2 => {
                        // multiport ranges must run upwards strictly.
                        let lo = rng.range(10250, 10257);
                        format!(
                            "-p tcp -m multiport --dports {},{lo}:{}",
                            rng.range(10250, 10259),
                            rng.range(lo + 1, 10262)
                        )
                    }
                    3 => format!("-p tcp -m tcp --sport {}:{}", rng.range(1, 30000), rng.range(30000, 65535)),
                    4 => "-p tcp -m tcp --syn".into(),
                    5 => "-p tcp -m tcp ! --tcp-flags SYN,ACK SYN".into(),
                    6 => format!("-p udp -m udp --dport {}", ports(rng)),
                    7 => "! -p udp".into(),
                    _ => "-p tcp".into(),
                };
                (2, clause)
            }
            6 => {
                // In the raw table conntrack has not run yet: the state
                // is INVALID there, which the check covers too.
                let s = rng.pick(STATES);
                let neg = if rng.chance(1, 4) { "! " } else { "" };
                if rng.chance(1, 2) {
                    (3, format!("-m conntrack {neg}--ctstate {s}"))
                } else {
                    (3, format!("-m state {neg}--state {s}"))
                }
            }
            7 => {
                let neg = if rng.chance(1, 4) { "! " } else { "" };
                (4, format!("-m iprange {neg}--src-range {}", pool.range(rng, v6)))
            }
            8 => {
                let mine: Vec<&(String, bool, u8)> = sets.sets.iter().filter(|s| s.1 == v6).collect();
                if mine.is_empty() {
                    continue;
                }
                let (name, _, kind) = *rng.pick(&mine);
                let neg = if rng.chance(1, 4) { "! " } else { "" };
                let flags = if *kind == 2 { "src,dst" } else { "src" };
                (5, format!("-m set {neg}--match-set {name} {flags}"))
            }
            _ => {
                if rng.chance(1, 2) {
                    (6, "-m addrtype --dst-type LOCAL".to_string())
                } else {
                    (7, "-m comment --comment \"generated rule\"".to_string())
                }
            }
        };
        let _ = table;
        slots[text.0] = Some(text.1);
    }
    slots.into_iter().flatten().collect::<Vec<_>>().join(" ")
}

fn target(rng: &mut Rng, chain: usize, chains: usize, table: &str, v6: bool, tcp: bool) -> String {
    let filter = table == "filter";
    loop {
        let t = match rng.below(14) {
            0..=3 => "-j ACCEPT".to_string(),
            4 | 5 => "-j DROP".into(),
            6 | 7 if filter => {
                // A reset needs the rule to match TCP only.
                let with = if tcp && rng.chance(1, 2) {
                    &"tcp-reset"
                } else if v6 {
                    rng.pick(&["icmp6-port-unreachable", "icmp6-adm-prohibited"])
                } else {
                    rng.pick(&["icmp-port-unreachable", "icmp-admin-prohibited", "icmp-host-prohibited"])
                };
                format!("-j REJECT --reject-with {with}")
            }
            8 if chain > 0 => "-j RETURN".into(),
            9 | 10 if chain + 1 < chains => format!("-j C{}", rng.range(chain as u64 + 1, chains as u64 - 1)),
            11 if chain + 1 < chains => format!("-g C{}", rng.range(chain as u64 + 1, chains as u64 - 1)),
            12 => "-j LOG --log-prefix \"gen \"".into(),
            13 => String::new(),
            _ => continue,
        };
        return t;
    }
}

fn table(rng: &mut Rng, pool: &Pool, v6: bool, sets: &Sets, name: &str, base: &str) -> String {
    let users = rng.range(0, 4) as usize;
    let chains = users + 1;
    let mut t = format!("*{name}\n");
    let policy = if name == "filter" && rng.chance(1, 2) { "DROP" } else { "ACCEPT" };
    let builtins: &[&str] = match name {
        "raw" => &["PREROUTING", "OUTPUT"],
        "mangle" => &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        _ => &["INPUT", "FORWARD", "OUTPUT"],
    };
    for b in builtins {
        let p = if *b == base { policy } else { "ACCEPT" };
        t.push_str(&format!(":{b} {p} [0:0]\n"));
    }
    for u in 1..chains {
        t.push_str(&format!(":C{u} - [0:0]\n"));
    }
    for c in 0..chains {
        let cname = if c == 0 { base.to_string() } else { format!("C{c}") };
        let n = rng.range(0, if name == "filter" { 6 } else { 3 });
        for _ in 0..n {
            let m = matches(rng, pool, v6, sets, name);
            let tg = target(rng, c, chains, name, v6, m.contains("-p tcp"));
            let line = format!("-A {cname} {m} {tg}");
            t.push_str(line.split_whitespace().collect::<Vec<_>>().join(" ").as_str());
            t.push('\n');
        }
    }
    t.push_str("COMMIT\n");
    t
}

fn ipsets(rng: &mut Rng, pool: &Pool) -> (String, Sets) {
    let mut text = String::new();
    let mut sets = Sets { sets: Vec::new() };
    for i in 0..rng.range(0, 3) {
        let v6 = rng.chance(1, 2);
        let kind = rng.below(3) as u8;
        let name = format!("gen{i}{}", if v6 { "v6" } else { "v4" });
        let fam = if v6 { "inet6" } else { "inet" };
        let tname = ["hash:net", "hash:ip", "hash:ip,port"][kind as usize];
        text.push_str(&format!("create {name} {tname} family {fam} hashsize 1024 maxelem 65536\n"));
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..rng.range(0, 5) {
            let b = pool.block(rng, v6);
            if matches!(b, crate::pool::Block::V4(0, 0) | crate::pool::Block::V6(0, 0)) {
                // A hash set cannot hold the zero address.
                continue;
            }
            let member = match kind {
                0 => {
                    let mut m = b.masked_text();
                    // hash:net refuses /0 (and /128 is written as a host).
                    if m.ends_with("/0") {
                        m = m.replace("/0", "/1");
                    }
                    if rng.chance(1, 5) {
                        m.push_str(" nomatch");
                    }
                    m
                }
                1 => b.masked_text().split('/').next().unwrap_or_default().to_string(),
                _ => {
                    format!("{},tcp:{}", b.masked_text().split('/').next().unwrap_or_default(), rng.range(10255, 10259))
                }
            };
            if member.starts_with("0.0.0.0") || member.starts_with("::") {
                continue;
            }
            let key = member.split(' ').next().unwrap_or_default().to_string();
            if seen.insert(key) {
                text.push_str(&format!("add {name} {member}\n"));
            }
        }
        sets.sets.push((name, v6, kind));
    }
    (text, sets)
}

/// One random node.
pub fn generate(seed: u64) -> Generated {
    let mut rng = crate::rng::Rng::new(seed);
    let pool = Pool::new(&mut rng);
    let (ipsets, sets) = ipsets(&mut rng, &pool);
    let mut files = [String::new(), String::new()];
    for (v6, slot) in [false, true].into_iter().zip(files.iter_mut()) {
        let mut text = String::new();
        if rng.chance(1, 5) {
            text.push_str(&table(&mut rng, &pool, v6, &sets, "raw", "PREROUTING"));
        }
        if rng.chance(1, 5) {
            text.push_str(&table(&mut rng, &pool, v6, &sets, "mangle", "INPUT"));
        }
        text.push_str(&table(&mut rng, &pool, v6, &sets, "filter", "INPUT"));
        *slot = text;
    }
    let [iptables_v4, iptables_v6] = files;
    Generated { iptables_v4, iptables_v6, ipsets }
}
