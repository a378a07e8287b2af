//! Random cloud rule sets, written twice: as the provider's CLI dump that
//! portcullis reads, and as nftables chains with the provider's documented
//! semantics, which the kernel evaluates. The two never share code: the
//! chains come from the generator's own description of each rule.
//!
//! - AWS: an instance in a subnet; the subnet's network ACL (first match
//!   by rule number, then deny) and the instance's security groups (the
//!   union of their allows) must both admit.
//! - Azure: a NIC in a subnet; the subnet's NSG then the NIC's NSG, each
//!   first match by priority, then the default rules (DenyAllInBound ends
//!   them for every address a probe can have).
//! - GCP: an allow rule's target (the instances it applies to) is guarded
//!   by that rule and every deny rule of the network that applies to all
//!   instances: lowest priority first, a deny wins at equal priority,
//!   implied deny.

use crate::pool::{Block, Pool};
use crate::rng::Rng;
use portcullis_model::AddrSet;
use std::fmt::Write;

/// One rule as the generator means it.
#[derive(Clone, Debug)]
pub struct GenRule {
    pub allow: bool,
    pub order: i64,
    /// `None`: every protocol.
    pub proto: Option<u8>,
    /// `None`: every port.
    pub ports: Option<(u16, u16)>,
    pub sources: AddrSet,
}

/// How a layer combines its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combine {
    Union,
    FirstMatch,
    GcpPriority,
}

/// A target's path: steps intersected, each a union of layers.
#[derive(Clone, Debug)]
pub struct GenPath {
    pub steps: Vec<Vec<(Combine, Vec<GenRule>)>>,
}

/// One generated case: the dump files and the targets with their paths.
pub struct Case {
    pub files: Vec<(String, String)>,
    pub targets: Vec<(String, GenPath)>,
}

fn block_set(b: &Block) -> AddrSet {
    portcullis_model::Cidr::parse(&b.masked_text()).map(|c| c.to_set()).unwrap_or_default()
}

fn port_pair(rng: &mut Rng) -> (u16, u16) {
    match rng.below(3) {
        0 => (10257, 10257),
        1 => {
            let lo = rng.range(10250, 10257) as u16;
            (lo, rng.range(u64::from(lo), 10262) as u16)
        }
        _ => {
            let p = rng.range(10255, 10259) as u16;
            (p, p)
        }
    }
}

/// The nftables ruleset that evaluates `path` the documented way: each
/// step a base chain (in path order, all must accept), each layer a chain
/// that accepts what it admits and hands back the rest.
pub fn to_nft(path: &GenPath) -> String {
    let mut out = String::from("table inet cloud {\n");
    let mut layer_no = 0;
    let mut steps = String::new();
    for (si, step) in path.steps.iter().enumerate() {
        let _ = writeln!(steps, "\tchain step{si} {{\n\t\ttype filter hook input priority {}; policy drop;", si * 10);
        for (combine, rules) in step {
            let name = format!("layer{layer_no}");
            layer_no += 1;
            let _ = writeln!(steps, "\t\tjump {name}");
            let _ = writeln!(out, "\tchain {name} {{");
            let mut ordered: Vec<&GenRule> = rules.iter().collect();
            match combine {
                Combine::Union => ordered.retain(|r| r.allow),
                Combine::FirstMatch => ordered.sort_by_key(|r| r.order),
                Combine::GcpPriority => ordered.sort_by_key(|r| (r.order, r.allow)),
            }
            for r in ordered {
                let mut m = String::new();
                if let Some(p) = r.proto {
                    let _ = write!(m, "meta l4proto {p} ");
                }
                // Ports restrict the protocols that have them (Azure's `*`
                // with a port range too).
                if let (Some((a, b)), None | Some(6 | 17 | 132)) = (r.ports, r.proto) {
                    if r.proto.is_none() {
                        let _ = write!(m, "meta l4proto {{ 6, 17, 132 }} ");
                    }
                    if a == b {
                        let _ = write!(m, "th dport {a} ");
                    } else {
                        let _ = write!(m, "th dport {a}-{b} ");
                    }
                }
                // A denial hands the packet back: another layer of the
                // step may still admit it.
                let verdict = if r.allow { "accept" } else { "return" };
                for (fam, runs) in [
                    (
                        "ip",
                        r.sources
                            .v4
                            .runs()
                            .iter()
                            .map(|&(a, b)| format!("{}-{}", std::net::Ipv4Addr::from(a), std::net::Ipv4Addr::from(b)))
                            .collect::<Vec<_>>(),
                    ),
                    (
                        "ip6",
                        r.sources
                            .v6
                            .runs()
                            .iter()
                            .map(|&(a, b)| format!("{}-{}", std::net::Ipv6Addr::from(a), std::net::Ipv6Addr::from(b)))
                            .collect::<Vec<_>>(),
                    ),
                ] {
                    if runs.is_empty() {
                        continue;
                    }
                    let _ = writeln!(out, "\t\t{fam} saddr {{ {} }} {m}{verdict}", runs.join(", "));
                }
            }
            let _ = writeln!(out, "\t}}");
        }
        let _ = writeln!(steps, "\t}}");
    }
    out.push_str(&steps);
    out.push_str("}\n");
    out
}

fn sources(rng: &mut Rng, pool: &Pool) -> (Vec<String>, Vec<String>, AddrSet) {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    let mut set = AddrSet::empty();
    for _ in 0..rng.range(1, 3) {
        let is6 = rng.chance(1, 3);
        let b = pool.block(rng, is6);
        set.union_in_place(&block_set(&b));
        if is6 {
            v6.push(b.masked_text());
        } else {
            v4.push(b.masked_text());
        }
    }
    (v4, v6, set)
}

/// An AWS instance with one to three security groups and its subnet's NACL.
pub fn aws(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let pool = Pool::new(&mut rng);
    let mut groups_json = Vec::new();
    let mut group_rules = Vec::new();
    let ngroups = rng.range(1, 3);
    for g in 0..ngroups {
        let mut perms = Vec::new();
        for _ in 0..rng.range(0, 4) {
            let (v4, v6, set) = sources(&mut rng, &pool);
            let all = rng.chance(1, 5);
            let (proto, ports, proto_json) = if all {
                (None, None, "\"IpProtocol\": \"-1\"".to_string())
            } else if rng.chance(1, 6) {
                let (a, b) = port_pair(&mut rng);
                (Some(17), Some((a, b)), format!("\"IpProtocol\": \"udp\", \"FromPort\": {a}, \"ToPort\": {b}"))
            } else {
                let (a, b) = port_pair(&mut rng);
                (Some(6), Some((a, b)), format!("\"IpProtocol\": \"tcp\", \"FromPort\": {a}, \"ToPort\": {b}"))
            };
            let ip4: Vec<String> = v4.iter().map(|c| format!("{{\"CidrIp\": \"{c}\"}}")).collect();
            let ip6: Vec<String> = v6.iter().map(|c| format!("{{\"CidrIpv6\": \"{c}\"}}")).collect();
            perms.push(format!(
                "{{{proto_json}, \"IpRanges\": [{}], \"Ipv6Ranges\": [{}], \"UserIdGroupPairs\": [], \"PrefixListIds\": []}}",
                ip4.join(", "),
                ip6.join(", ")
            ));
            group_rules.push(GenRule { allow: true, order: 0, proto, ports, sources: set });
        }
        groups_json.push(format!(
            "{{\"GroupId\": \"sg-{seed:x}{g}\", \"GroupName\": \"g{g}\", \"VpcId\": \"vpc-1\", \"IpPermissions\": [{}], \"IpPermissionsEgress\": []}}",
            perms.join(", ")
        ));
    }
    let mut entries = Vec::new();
    let mut acl_rules = Vec::new();
    let mut numbers: Vec<i64> = Vec::new();
    for _ in 0..rng.range(0, 5) {
        let n = rng.range(1, 300) as i64 * 10;
        if numbers.contains(&n) {
            continue;
        }
        numbers.push(n);
        let allow = rng.chance(2, 3);
        let is6 = rng.chance(1, 3);
        let b = pool.block(&mut rng, is6);
        let cidr = if is6 {
            format!("\"Ipv6CidrBlock\": \"{}\"", b.masked_text())
        } else {
            format!("\"CidrBlock\": \"{}\"", b.masked_text())
        };
        let (proto, ports, pj) = if rng.chance(1, 3) {
            (None, None, "\"Protocol\": \"-1\"".to_string())
        } else {
            let (a, b) = port_pair(&mut rng);
            (Some(6), Some((a, b)), format!("\"Protocol\": \"6\", \"PortRange\": {{\"From\": {a}, \"To\": {b}}}"))
        };
        entries.push(format!(
            "{{\"RuleNumber\": {n}, {pj}, \"RuleAction\": \"{}\", \"Egress\": false, {cidr}}}",
            if allow { "allow" } else { "deny" }
        ));
        acl_rules.push(GenRule { allow, order: n, proto, ports, sources: block_set(&b) });
    }
    let acl = format!(
        "{{\"NetworkAcls\": [{{\"NetworkAclId\": \"acl-{seed:x}\", \"VpcId\": \"vpc-1\", \"IsDefault\": false, \"Entries\": [{}], \"Associations\": [{{\"SubnetId\": \"subnet-1\", \"NetworkAclId\": \"acl-{seed:x}\"}}]}}]}}",
        entries.join(", ")
    );
    let sg_refs: Vec<String> =
        (0..ngroups).map(|g| format!("{{\"GroupId\": \"sg-{seed:x}{g}\", \"GroupName\": \"g{g}\"}}")).collect();
    let instances = format!(
        "{{\"Reservations\": [{{\"Instances\": [{{\"InstanceId\": \"i-{seed:x}\", \"SubnetId\": \"subnet-1\", \"VpcId\": \"vpc-1\", \"SecurityGroups\": [{}]}}]}}]}}",
        sg_refs.join(", ")
    );
    let path = GenPath { steps: vec![vec![(Combine::FirstMatch, acl_rules)], vec![(Combine::Union, group_rules)]] };
    Case {
        files: vec![
            (
                format!("aws-{seed}/security-groups.json"),
                format!("{{\"SecurityGroups\": [{}]}}", groups_json.join(", ")),
            ),
            (format!("aws-{seed}/network-acls.json"), acl),
            (format!("aws-{seed}/instances.json"), instances),
        ],
        targets: vec![(format!("i-{seed:x}"), path)],
    }
}

fn nsg(rng: &mut Rng, pool: &Pool, name: &str, seed: u64, subnet: bool) -> (String, Vec<GenRule>) {
    let mut rules = Vec::new();
    let mut json = Vec::new();
    let mut prios: Vec<i64> = Vec::new();
    for i in 0..rng.range(0, 5) {
        let p = rng.range(100, 400) as i64;
        if prios.contains(&p) {
            continue;
        }
        prios.push(p);
        let allow = rng.chance(2, 3);
        let (src_json, set) = if rng.chance(1, 6) {
            ("\"sourceAddressPrefix\": \"*\"".to_string(), AddrSet::all())
        } else if rng.chance(1, 6) {
            ("\"sourceAddressPrefix\": \"Internet\"".to_string(), portcullis_model::named::public().clone())
        } else {
            let (v4, v6, set) = sources(rng, pool);
            let all: Vec<String> = v4.into_iter().chain(v6).map(|c| format!("\"{c}\"")).collect();
            (format!("\"sourceAddressPrefixes\": [{}]", all.join(", ")), set)
        };
        let (proto, pj) = match rng.below(4) {
            0 => (None, "*"),
            1 => (Some(17), "Udp"),
            _ => (Some(6), "Tcp"),
        };
        let (ports, port_json) = if rng.chance(1, 4) {
            (None, "*".to_string())
        } else {
            let (a, b) = port_pair(rng);
            (Some((a, b)), if a == b { format!("{a}") } else { format!("{a}-{b}") })
        };
        json.push(format!(
            "{{\"name\": \"r{i}\", \"priority\": {p}, \"direction\": \"Inbound\", \"access\": \"{}\", \"protocol\": \"{pj}\", {src_json}, \"sourcePortRange\": \"*\", \"destinationPortRange\": \"{port_json}\", \"destinationAddressPrefix\": \"*\"}}",
            if allow { "Allow" } else { "Deny" }
        ));
        rules.push(GenRule { allow, order: p, proto, ports, sources: set });
    }
    let attach = if subnet {
        format!("\"subnets\": [{{\"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vn/subnets/sn-{seed}\"}}]")
    } else {
        "\"subnets\": []".to_string()
    };
    (
        format!(
            "{{\"name\": \"{name}\", \"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{name}\", \"resourceGroup\": \"rg\", \"securityRules\": [{}], {attach}}}",
            json.join(", ")
        ),
        rules,
    )
}

/// An Azure NIC behind its subnet's NSG and its own NSG.
pub fn azure(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let pool = Pool::new(&mut rng);
    let (subnet_json, subnet_rules) = nsg(&mut rng, &pool, &format!("nsg-sn-{seed}"), seed, true);
    let (nic_json, nic_rules) = nsg(&mut rng, &pool, &format!("nsg-nic-{seed}"), seed, false);
    let nic = format!(
        "[{{\"name\": \"nic-{seed}\", \"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-{seed}\", \"resourceGroup\": \"rg\", \"networkSecurityGroup\": {{\"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-nic-{seed}\"}}, \"ipConfigurations\": [{{\"name\": \"ipconfig1\", \"subnet\": {{\"id\": \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vn/subnets/sn-{seed}\"}}}}]}}]"
    );
    let path =
        GenPath { steps: vec![vec![(Combine::FirstMatch, subnet_rules)], vec![(Combine::FirstMatch, nic_rules)]] };
    Case {
        files: vec![
            (format!("azure-{seed}/nsgs.json"), format!("[{subnet_json}, {nic_json}]")),
            (format!("azure-{seed}/nics.json"), nic),
        ],
        targets: vec![(
            format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-{seed}"),
            path,
        )],
    }
}

/// GCP firewall rules of one network, no target tags: each allow rule is
/// a target guarded by itself and the network's deny rules.
pub fn gcp(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let pool = Pool::new(&mut rng);
    let mut json = Vec::new();
    let mut rules: Vec<(String, GenRule)> = Vec::new();
    for i in 0..rng.range(1, 6) {
        let allow = i == 0 || rng.chance(1, 2);
        // One family per rule, as GCP requires.
        let is6 = rng.chance(1, 3);
        let mut set = AddrSet::empty();
        let mut ranges = Vec::new();
        for _ in 0..rng.range(1, 3) {
            let b = pool.block(&mut rng, is6);
            set.union_in_place(&block_set(&b));
            ranges.push(format!("\"{}\"", b.masked_text()));
        }
        let priority = *rng.pick(&[900i64, 1000, 1000, 1100]);
        let (proto, ports, spec) = match rng.below(5) {
            0 => (None, None, "{\"IPProtocol\": \"all\"}".to_string()),
            1 => (Some(6), None, "{\"IPProtocol\": \"tcp\"}".to_string()),
            2 => {
                let (a, b) = port_pair(&mut rng);
                (Some(17), Some((a, b)), format!("{{\"IPProtocol\": \"udp\", \"ports\": [\"{a}-{b}\"]}}"))
            }
            _ => {
                let (a, b) = port_pair(&mut rng);
                let p = if a == b { format!("{a}") } else { format!("{a}-{b}") };
                (Some(6), Some((a, b)), format!("{{\"IPProtocol\": \"tcp\", \"ports\": [\"{p}\"]}}"))
            }
        };
        let name = format!("fw-{seed}-{i}");
        json.push(format!(
            "{{\"kind\": \"compute#firewall\", \"name\": \"{name}\", \"network\": \"https://www.googleapis.com/compute/v1/projects/p/global/networks/net-{seed}\", \"priority\": {priority}, \"direction\": \"INGRESS\", \"disabled\": false, \"sourceRanges\": [{}], \"{}\": [{spec}]}}",
            ranges.join(", "),
            if allow { "allowed" } else { "denied" }
        ));
        rules.push((name, GenRule { allow, order: priority, proto, ports, sources: set }));
    }
    let denies: Vec<GenRule> = rules.iter().filter(|(_, r)| !r.allow).map(|(_, r)| r.clone()).collect();
    let targets = rules
        .iter()
        .filter(|(_, r)| r.allow)
        .map(|(n, r)| {
            let mut layer = vec![r.clone()];
            layer.extend(denies.iter().cloned());
            (n.clone(), GenPath { steps: vec![vec![(Combine::GcpPriority, layer)]] })
        })
        .collect();
    Case { files: vec![(format!("gcp-{seed}/firewall-rules.json"), format!("[{}]", json.join(", ")))], targets }
}
