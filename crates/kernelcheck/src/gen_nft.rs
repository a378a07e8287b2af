//! Random nftables rulesets: tables of families ip, ip6 and inet, several
//! base chains on input and prerouting with distinct priorities and
//! policies, regular chains reached by jump and goto, named and anonymous
//! sets with intervals, concatenations of address and port, verdict maps,
//! `ct state`, interfaces (exact and wildcard), `meta l4proto`, TCP flags,
//! negations, counters and comments.

use crate::pool::Pool;
use crate::rng::Rng;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fam {
    Ip,
    Ip6,
    Inet,
}

struct Ctx<'a> {
    rng: Rng,
    pool: &'a Pool,
}

impl Ctx<'_> {
    fn v6_for(&mut self, fam: Fam) -> bool {
        match fam {
            Fam::Ip => false,
            Fam::Ip6 => true,
            Fam::Inet => self.rng.chance(1, 2),
        }
    }

    fn addr_value(&mut self, v6: bool) -> String {
        match self.rng.below(4) {
            0 => self.pool.range(&mut self.rng, v6),
            1 => {
                let b = self.pool.block(&mut self.rng, v6);
                b.masked_text().split('/').next().unwrap_or_default().to_string()
            }
            _ => self.pool.block(&mut self.rng, v6).masked_text(),
        }
    }

    /// Elements of an interval set: nft refuses overlaps, so keep the
    /// blocks that do not touch one another.
    fn addr_elements(&mut self, v6: bool, n: u64) -> Vec<String> {
        let mut taken: Vec<(u128, u128)> = Vec::new();
        let mut out = Vec::new();
        for _ in 0..n {
            let v = self.addr_value(v6);
            let Some((lo, hi)) = bounds(&v) else { continue };
            if taken.iter().any(|&(a, b)| lo <= b.saturating_add(1) && a <= hi.saturating_add(1)) {
                continue;
            }
            taken.push((lo, hi));
            out.push(v);
        }
        out
    }

    fn port_value(&mut self) -> String {
        match self.rng.below(3) {
            0 => "10257".into(),
            1 => format!("{}", self.rng.range(10255, 10260)),
            _ => {
                let lo = self.rng.range(10250, 10257);
                format!("{lo}-{}", self.rng.range(lo + 1, 10262))
            }
        }
    }

    fn port_elements(&mut self, n: u64) -> Vec<String> {
        let mut taken: Vec<(u64, u64)> = Vec::new();
        let mut out = Vec::new();
        for _ in 0..n {
            let v = self.port_value();
            let (lo, hi) = match v.split_once('-') {
                Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(0)),
                None => {
                    let p = v.parse().unwrap_or(0);
                    (p, p)
                }
            };
            if taken.iter().any(|&(a, b)| lo <= b + 1 && a <= hi + 1) {
                continue;
            }
            taken.push((lo, hi));
            out.push(v);
        }
        out
    }
}

/// The first and last address of a value, as numbers (IPv4 as IPv4-mapped
/// so both families share one line).
fn bounds(v: &str) -> Option<(u128, u128)> {
    let num = |s: &str| -> Option<u128> {
        if let Ok(a) = s.parse::<std::net::Ipv4Addr>() {
            return Some(u128::from(u32::from(a)));
        }
        s.parse::<std::net::Ipv6Addr>().ok().map(u128::from)
    };
    if let Some((a, b)) = v.split_once('-') {
        return Some((num(a)?, num(b)?));
    }
    if let Some((a, l)) = v.split_once('/') {
        let l: u32 = l.parse().ok()?;
        let bits = if a.contains(':') { 128 } else { 32 };
        let base = num(a)?;
        let size = if bits - l >= 128 { u128::MAX } else { (1u128 << (bits - l)) - 1 };
        return Some((base, base + size));
    }
    let x = num(v)?;
    Some((x, x))
}

fn saddr(v6: bool) -> &'static str {
    if v6 {
        "ip6 saddr"
    } else {
        "ip saddr"
    }
}

struct Table {
    fam: Fam,
    /// Named sets: (name, is v6, concat with port).
    sets: Vec<(String, bool, bool)>,
    /// Verdict maps keyed by source address: (name, is v6).
    maps: Vec<(String, bool)>,
}

fn matches(cx: &mut Ctx, t: &Table, tcp_only: &mut bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut have_l4 = false;
    let mut have_comment = false;
    // One family per rule: `ip saddr` and `ip6 saddr` together never match.
    let rule_v6 = cx.v6_for(t.fam);
    for _ in 0..cx.rng.range(0, 3) {
        match cx.rng.below(12) {
            0..=2 => {
                let v6 = rule_v6;
                let neg = if cx.rng.chance(1, 4) { "!= " } else { "" };
                let v = if cx.rng.chance(1, 3) {
                    let els = {
                        let n = cx.rng.range(1, 4);
                        cx.addr_elements(v6, n)
                    };
                    if els.is_empty() {
                        continue;
                    }
                    format!("{{ {} }}", els.join(", "))
                } else {
                    cx.addr_value(v6)
                };
                parts.push(format!("{} {neg}{v}", saddr(v6)));
            }
            3 => {
                let mine: Vec<&(String, bool, bool)> = t.sets.iter().filter(|s| !s.2 && s.1 == rule_v6).collect();
                if mine.is_empty() {
                    continue;
                }
                let (name, v6, _) = mine[cx.rng.below(mine.len() as u64) as usize];
                let neg = if cx.rng.chance(1, 4) { "!= " } else { "" };
                parts.push(format!("{} {neg}@{name}", saddr(*v6)));
            }
            4 if !have_l4 => {
                have_l4 = true;
                let clause = match cx.rng.below(8) {
                    0 => format!("tcp dport {}", cx.port_value()),
                    1 => format!("tcp dport != {}", cx.port_value()),
                    2 => {
                        let els = cx.port_elements(3);
                        format!("tcp dport {{ {} }}", els.join(", "))
                    }
                    3 => format!("th dport {}", cx.port_value()),
                    4 => format!("udp dport {}", cx.port_value()),
                    5 => "meta l4proto tcp".into(),
                    6 => "meta l4proto udp".into(),
                    _ => format!("tcp sport {}-{}", cx.rng.range(1, 30000), cx.rng.range(30000, 65535)),
                };
                *tcp_only = clause.starts_with("tcp") || clause == "meta l4proto tcp";
                parts.push(clause);
            }
            5 => {
                let s = *cx.rng.pick(&[
                    "new",
                    "established,related",
                    "invalid",
                    "untracked",
                    "new,established",
                    "{ new, untracked }",
                ]);
                let neg = if cx.rng.chance(1, 4) && !s.starts_with('{') { "!= " } else { "" };
                parts.push(format!("ct state {neg}{s}"));
            }
            6 => {
                let c = *cx.rng.pick(&[
                    "iifname \"eth0\"",
                    "iifname != \"lo\"",
                    "iifname \"lo\"",
                    "iifname { \"eth0\", \"eth1\" }",
                    "iifname \"e*\"",
                    "iifname != \"eth*\"",
                    "iif \"eth0\"",
                    "iif != \"lo\"",
                    "iifname \"wg0\"",
                ]);
                parts.push(c.to_string());
            }
            7 if !have_l4 => {
                have_l4 = true;
                *tcp_only = true;
                let c = *cx.rng.pick(&[
                    "tcp flags syn",
                    "tcp flags syn / fin,syn,rst,ack",
                    "tcp flags & (syn|ack) == syn",
                    "tcp flags != syn",
                    "tcp flags ack",
                    "tcp flags { syn, syn|ack }",
                ]);
                parts.push(c.to_string());
            }
            8 => {
                let mine: Vec<&(String, bool, bool)> = t.sets.iter().filter(|s| s.2 && s.1 == rule_v6).collect();
                if mine.is_empty() || have_l4 {
                    continue;
                }
                have_l4 = true;
                *tcp_only = true;
                let (name, v6, _) = mine[cx.rng.below(mine.len() as u64) as usize];
                parts.push(format!("{} . tcp dport @{name}", saddr(*v6)));
            }
            9 => {
                if t.fam == Fam::Inet {
                    parts.push(format!("meta nfproto {}", if rule_v6 { "ipv6" } else { "ipv4" }));
                } else {
                    parts.push("fib daddr type local".into());
                }
            }
            10 => parts.push("counter".into()),
            _ if !have_comment => {
                have_comment = true;
                parts.push("comment \"generated\"".into());
            }
            _ => {}
        }
    }
    // `comment` must come last in a rule.
    parts.sort_by_key(|p| p.starts_with("comment"));
    parts.join(" ")
}

fn verdict(cx: &mut Ctx, t: &Table, chain: usize, chains: usize, base: bool, tcp_only: bool) -> String {
    loop {
        let v = match cx.rng.below(15) {
            0..=3 => "accept".to_string(),
            4 | 5 => "drop".into(),
            6 => "reject".into(),
            7 if tcp_only => "reject with tcp reset".into(),
            8 => match t.fam {
                Fam::Inet => "reject with icmpx admin-prohibited".into(),
                Fam::Ip => "reject with icmp host-prohibited".into(),
                Fam::Ip6 => "reject with icmpv6 admin-prohibited".into(),
            },
            9 if !base || cx.rng.chance(1, 3) => "return".into(),
            10 | 11 if chain + 1 < chains => format!("jump c{}", cx.rng.range(chain as u64 + 1, chains as u64 - 1)),
            12 if chain + 1 < chains => format!("goto c{}", cx.rng.range(chain as u64 + 1, chains as u64 - 1)),
            13 => "continue".into(),
            14 if !t.maps.is_empty() && t.fam != Fam::Inet && base => {
                let (name, v6) = &t.maps[cx.rng.below(t.maps.len() as u64) as usize];
                format!("{} vmap @{name}", saddr(*v6))
            }
            _ => continue,
        };
        return v;
    }
}

fn map_verdict(cx: &mut Ctx, chain: usize, chains: usize) -> String {
    match cx.rng.below(5) {
        0 | 1 => "accept".into(),
        2 => "drop".into(),
        3 if chain + 1 < chains => format!("jump c{}", cx.rng.range(chain as u64 + 1, chains as u64 - 1)),
        _ => "continue".into(),
    }
}

/// One random ruleset.
pub fn generate(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let pool = Pool::new(&mut rng);
    let mut cx = Ctx { rng, pool: &pool };
    let mut out = String::new();
    // Distinct priorities across every base chain: equal ones run in an
    // order the kernel does not promise.
    let mut priorities: Vec<i64> = vec![-300, -150, -100, -20, -10, 0, 5, 10, 20, 50, 100];
    let tables = cx.rng.range(1, 3);
    for ti in 0..tables {
        let fam = *cx.rng.pick(&[Fam::Ip, Fam::Ip6, Fam::Inet, Fam::Inet]);
        let fname = match fam {
            Fam::Ip => "ip",
            Fam::Ip6 => "ip6",
            Fam::Inet => "inet",
        };
        let mut t = Table { fam, sets: Vec::new(), maps: Vec::new() };
        let users = cx.rng.range(0, 3) as usize;
        let bases = cx.rng.range(1, 2) as usize;
        let chains = bases + users;
        out.push_str(&format!("table {fname} t{ti} {{\n"));
        for si in 0..cx.rng.range(0, 3) {
            let v6 = cx.v6_for(fam);
            let concat = cx.rng.chance(1, 3);
            let name = format!("s{si}");
            let ty = if v6 { "ipv6_addr" } else { "ipv4_addr" };
            let els: Vec<String> = if concat {
                let addrs = {
                    let n = cx.rng.range(1, 4);
                    cx.addr_elements(v6, n)
                };
                addrs.into_iter().map(|a| format!("{a} . {}", cx.port_value())).collect()
            } else {
                {
                    let n = cx.rng.range(1, 5);
                    cx.addr_elements(v6, n)
                }
            };
            let key = if concat { format!("{ty} . inet_service") } else { ty.to_string() };
            out.push_str(&format!("\tset {name} {{\n\t\ttype {key}\n\t\tflags interval\n"));
            if !els.is_empty() {
                out.push_str(&format!("\t\telements = {{ {} }}\n", els.join(", ")));
            }
            out.push_str("\t}\n");
            t.sets.push((name, v6, concat));
        }
        if cx.rng.chance(1, 3) {
            let v6 = cx.v6_for(fam);
            let ty = if v6 { "ipv6_addr" } else { "ipv4_addr" };
            let els = {
                let n = cx.rng.range(1, 4);
                cx.addr_elements(v6, n)
            };
            let entries: Vec<String> =
                els.into_iter().map(|e| format!("{e} : {}", map_verdict(&mut cx, bases - 1, chains))).collect();
            out.push_str(&format!("\tmap m0 {{\n\t\ttype {ty} : verdict\n\t\tflags interval\n"));
            if !entries.is_empty() {
                out.push_str(&format!("\t\telements = {{ {} }}\n", entries.join(", ")));
            }
            out.push_str("\t}\n");
            t.maps.push(("m0".into(), v6));
        }
        for c in 0..chains {
            let base = c < bases;
            let name = if base { format!("b{c}") } else { format!("c{}", c) };
            out.push_str(&format!("\tchain {name} {{\n"));
            if base {
                let pi = cx.rng.below(priorities.len() as u64) as usize;
                let prio = priorities.remove(pi);
                let hook = if prio < -100 && cx.rng.chance(1, 2) { "prerouting" } else { "input" };
                let policy = *cx.rng.pick(&["accept", "drop", ""]);
                let policy = if policy.is_empty() { String::new() } else { format!(" policy {policy};") };
                out.push_str(&format!("\t\ttype filter hook {hook} priority {prio};{policy}\n"));
            }
            // Jumps from base chains only go to regular chains.
            let index = if base { bases - 1 } else { c };
            for _ in 0..cx.rng.range(0, 5) {
                let mut tcp_only = false;
                let m = matches(&mut cx, &t, &mut tcp_only);
                let v = if cx.rng.chance(1, 8) {
                    let els = cx.port_elements(3);
                    let arms: Vec<String> =
                        els.into_iter().map(|p| format!("{p} : {}", map_verdict(&mut cx, index, chains))).collect();
                    if m.contains("tcp") || m.contains("th ") || m.contains("udp") || m.contains("l4proto") {
                        verdict(&mut cx, &t, index, chains, base, tcp_only)
                    } else {
                        format!("tcp dport vmap {{ {} }}", arms.join(", "))
                    }
                } else {
                    verdict(&mut cx, &t, index, chains, base, tcp_only)
                };
                let (m, comment) = match m.find("comment") {
                    Some(i) => (m[..i].trim().to_string(), format!(" {}", &m[i..])),
                    None => (m, String::new()),
                };
                let line = format!("{m} {v}{comment}");
                out.push_str(&format!("\t\t{}\n", line.trim()));
            }
            out.push_str("\t}\n");
        }
        out.push_str("}\n");
    }
    out
}
