//! ufw: its rule files (`/etc/ufw/user.rules`, `user6.rules`, and
//! `before*.rules` / `after*.rules` when they are in the input), its
//! settings (`/etc/default/ufw`, `/etc/ufw/ufw.conf`) and `ufw status
//! verbose` output, put together the way `ufw-init` loads them
//! (`/lib/ufw/ufw-init-functions` of ufw 0.36, <https://launchpad.net/ufw>):
//!
//! - INPUT jumps to `ufw-before-logging-input`, `ufw-before-input`,
//!   `ufw-after-input`, `ufw-after-logging-input`, `ufw-reject-input`,
//!   `ufw-track-input`; its policy is `DEFAULT_INPUT_POLICY` (REJECT is a
//!   DROP policy with `-j REJECT` in `ufw-reject-input`; ACCEPT accepts new
//!   TCP and UDP in `ufw-track-input`).
//! - The files load in the order before, after, user; then
//!   `-A ufw-before-input -j ufw-user-input`. A chain a later file declares
//!   again keeps the rules it already has (ufw's files declare each chain's
//!   rules in one file).
//! - Without the node's `before.rules`, ufw's shipped one applies (below:
//!   loopback, established, invalid, ICMP, DHCP, local-address check,
//!   mDNS, UPnP). The shipped `after.rules` only sends some UDP and NetBIOS
//!   ports to the policy, which they meet anyway: it changes no verdict.
//!
//! The rule files are read by the iptables reader, as one ruleset per
//! family assembled from every file, with each line's position kept.

use crate::error::{ErrorKind, HostfwError};
use crate::node::{node_of, Node};
use crate::ruleset::Ruleset;
use portcullis_model::{Family, Origin, Span};
use std::sync::Arc;

/// One ufw file's contribution.
#[derive(Clone, Debug, Default)]
pub struct Items {
    pub node: Option<Node>,
    /// Rule files by family: (path, text, which: before/after/user).
    pub files: Vec<(String, String, Family, Part)>,
    /// `DEFAULT_INPUT_POLICY` and where.
    pub policy: Option<(String, Span)>,
    /// `ENABLED=` or `Status:` and where.
    pub enabled: Option<(bool, Span)>,
    /// `IPV6=no` turns the IPv6 rules off.
    pub ipv6: Option<(bool, Span)>,
    /// Rules from `ufw status verbose`, as iptables rule lines of
    /// `ufw-user-input` with their positions, by family.
    pub status_rules: Vec<(Family, String, Span)>,
    pub status_span: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    Before,
    After,
    User,
}

impl Items {
    pub fn extend(&mut self, o: Items) {
        if self.node.is_none() {
            self.node = o.node;
        }
        self.files.extend(o.files);
        self.policy = o.policy.or(self.policy.take());
        self.enabled = o.enabled.or(self.enabled.take());
        self.ipv6 = o.ipv6.or(self.ipv6.take());
        self.status_rules.extend(o.status_rules);
        self.status_span = o.status_span.or(self.status_span.take());
    }
}

/// A ufw rule file: iptables-restore text declaring ufw's chains.
pub fn detect_rules(text: &str) -> bool {
    let head = crate::words::head(text, 16 * 1024);
    (head.contains(":ufw-") || head.contains(":ufw6-")) && !head.contains("\n:INPUT ") && head.contains("*filter")
}

/// `/etc/default/ufw` or `/etc/ufw/ufw.conf`.
/// Looks at the first 16 KiB only (both files are a few hundred bytes), so
/// that a large dump tried against every format is not scanned whole.
pub fn detect_settings(text: &str) -> bool {
    let head = crate::words::head(text, 16 * 1024);
    head.lines().any(|l| l.starts_with("DEFAULT_INPUT_POLICY=") || l.starts_with("IPT_SYSCTL="))
        || (head.lines().any(|l| l.starts_with("ENABLED=")) && head.lines().any(|l| l.starts_with("LOGLEVEL=")))
}

/// `ufw status verbose`.
pub fn detect_status(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("Status: active") || t.starts_with("Status: inactive")
}

pub fn read_rules(path: &str, text: &str) -> Items {
    let name =
        std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let family = if text.contains(":ufw6-") || name.contains('6') { Family::V6 } else { Family::V4 };
    let part =
        if name.starts_with("before") || text.contains(":ufw-before-input ") || text.contains(":ufw6-before-input ") {
            Part::Before
        } else if name.starts_with("after") || text.contains(":ufw-after-input ") || text.contains(":ufw6-after-input ")
        {
            Part::After
        } else {
            Part::User
        };
    Items {
        node: Some(node_of(path)),
        files: vec![(path.to_string(), text.to_string(), family, part)],
        ..Default::default()
    }
}

fn unquote(v: &str) -> &str {
    v.trim().trim_matches('"').trim_matches('\'')
}

pub fn read_settings(path: &str, text: &str) -> (Items, Vec<HostfwError>) {
    let file: Arc<str> = Arc::from(path);
    let mut out = Items { node: Some(node_of(path)), ..Default::default() };
    let mut errors = Vec::new();
    for (n, l) in crate::words::lines(text) {
        let span = Span::new(file.clone(), n, 1);
        if let Some(v) = l.strip_prefix("DEFAULT_INPUT_POLICY=") {
            let v = unquote(v).to_ascii_uppercase();
            if !matches!(v.as_str(), "DROP" | "REJECT" | "ACCEPT") {
                errors.push(HostfwError::at(
                    &span,
                    ErrorKind::Invalid,
                    format!("DEFAULT_INPUT_POLICY is DROP, REJECT or ACCEPT, not `{v}`"),
                ));
                continue;
            }
            out.policy = Some((v, span));
        } else if let Some(v) = l.strip_prefix("ENABLED=") {
            out.enabled = Some((unquote(v).eq_ignore_ascii_case("yes"), span));
        } else if let Some(v) = l.strip_prefix("IPV6=") {
            out.ipv6 = Some((unquote(v).eq_ignore_ascii_case("yes"), span));
        }
    }
    (out, errors)
}

/// Splits a status row on runs of two or more spaces.
fn columns(line: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let start = i;
        while i < b.len() && !(b[i] == b' ' && (i + 1 >= b.len() || b[i + 1] == b' ')) {
            i += 1;
        }
        if i > start {
            out.push((line[start..i].to_string(), start));
        }
    }
    out
}

/// `22/tcp`, `10250:10260/tcp`, `6443` → iptables options for the port.
fn port_options(spec: &str, dir: &str) -> Option<String> {
    let (port, proto) = match spec.split_once('/') {
        Some((p, proto)) => (p, Some(proto)),
        None => (spec, None),
    };
    if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit() || c == ':' || c == ',') {
        return None;
    }
    let multi = port.contains(',') || port.contains(':');
    let ports = if multi { format!("-m multiport --{dir}ports {port}") } else { format!("--{dir}port {port}") };
    Some(match proto {
        Some(p) => format!("-p {p} {ports}"),
        // No protocol: ufw writes the rule for tcp and udp.
        None => format!("-p tcp {ports}|-p udp {ports}"),
    })
}

pub fn read_status(path: &str, text: &str) -> (Items, Vec<HostfwError>) {
    let file: Arc<str> = Arc::from(path);
    let mut out =
        Items { node: Some(node_of(path)), status_span: Some(Span::new(file.clone(), 1, 1)), ..Default::default() };
    let mut errors = Vec::new();
    let mut in_rules = false;
    for (n, line) in crate::words::lines(text) {
        let span = Span::new(file.clone(), n, 1);
        if let Some(v) = line.strip_prefix("Status: ") {
            out.enabled = Some((v.trim() == "active", span));
            continue;
        }
        if let Some(v) = line.strip_prefix("Default: ") {
            // `deny (incoming), allow (outgoing), disabled (routed)`
            if let Some(incoming) = v.split(',').find(|p| p.contains("(incoming)")) {
                let p = match incoming.split_whitespace().next() {
                    Some("deny") => "DROP",
                    Some("reject") => "REJECT",
                    Some("allow") => "ACCEPT",
                    _ => {
                        errors.push(HostfwError::at(
                            &span,
                            ErrorKind::Invalid,
                            "the incoming default is deny, reject or allow",
                        ));
                        continue;
                    }
                };
                out.policy = Some((p.to_string(), span));
            }
            continue;
        }
        if line.starts_with("--") {
            in_rules = true;
            continue;
        }
        if !in_rules || line.trim().is_empty() {
            continue;
        }
        let cols = columns(line);
        if cols.len() < 3 {
            errors.push(HostfwError::at(&span, ErrorKind::Syntax, "a rule row is `To  Action  From`"));
            continue;
        }
        let (to, action, from) =
            (&cols[0].0, &cols[1].0, cols[2..].iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" "));
        let col = cols[0].1 as u32 + 1;
        let span = Span::new(file.clone(), n, col);
        let target = match action.as_str() {
            "ALLOW IN" | "ALLOW" => "ACCEPT",
            "DENY IN" | "DENY" => "DROP",
            "REJECT IN" | "REJECT" => "REJECT",
            // A limit refuses a source's sixth connection in 30 seconds;
            // its first connection passes.
            "LIMIT IN" | "LIMIT" => "ACCEPT",
            _ => continue,
        };
        // `(v6)` marks IPv6 rules; a rule naming an IPv6 address says so
        // by the address alone.
        let v6 = to.contains("(v6)")
            || from.contains("(v6)")
            || from
                .split_whitespace()
                .chain(to.split_whitespace())
                .any(|w| w.contains(':') && w.parse::<std::net::Ipv6Addr>().is_ok() || w.contains("::"));
        let family = if v6 { Family::V6 } else { Family::V4 };
        let to = to.replace(" (v6)", "");
        let from = from.replace(" (v6)", "");
        let mut opts = Vec::new();
        // `22/tcp on eth0`
        let (to, iface) = match to.split_once(" on ") {
            Some((t, i)) => (t.to_string(), Some(i.to_string())),
            None => (to, None),
        };
        if let Some(i) = iface {
            opts.push(format!("-i {i}"));
        }
        let mut port: Option<String> = None;
        for part in to.split_whitespace() {
            if part == "Anywhere" {
                continue;
            }
            if let Some(p) = port_options(part, "d") {
                port = Some(p);
            } else if part.contains('.') || part.contains(':') {
                opts.push(format!("-d {part}"));
            } else {
                errors.push(HostfwError::at(
                    &span,
                    ErrorKind::Invalid,
                    format!(
                        "`{part}` is an application profile: its ports (/etc/ufw/applications.d) are not in the input"
                    ),
                ));
                opts.push(format!("-m ufw-application-profile --name {part}"));
            }
        }
        let mut sport: Option<String> = None;
        for part in from.split_whitespace() {
            if part == "Anywhere" || part == "port" {
                continue;
            }
            if let Some(p) = port_options(part, "s") {
                sport = Some(p);
            } else {
                opts.push(format!("-s {part}"));
            }
        }
        let variants: Vec<String> = match (&port, &sport) {
            (Some(p), _) => p.split('|').map(str::to_string).collect(),
            (None, Some(s)) => s.split('|').map(str::to_string).collect(),
            (None, None) => vec![String::new()],
        };
        for v in variants {
            let mut rule = format!("-A {}-user-input {} {v}", if v6 { "ufw6" } else { "ufw" }, opts.join(" "));
            if let (Some(_), Some(s)) = (&port, &sport) {
                rule.push(' ');
                rule.push_str(s.split('|').next().unwrap_or_default().split_once(' ').map(|x| x.1).unwrap_or_default());
            }
            rule.push_str(&format!(" -j {target}"));
            out.status_rules.push((family, rule.split_whitespace().collect::<Vec<_>>().join(" "), span.clone()));
        }
    }
    (out, errors)
}

/// ufw's shipped `before.rules` input part (ufw 0.36), used when the
/// node's own file is not in the input.
const SHIPPED_BEFORE_V4: &[&str] = &[
    "-A ufw-before-input -i lo -j ACCEPT",
    "-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw-before-input -m conntrack --ctstate INVALID -j DROP",
    "-A ufw-before-input -p icmp --icmp-type destination-unreachable -j ACCEPT",
    "-A ufw-before-input -p icmp --icmp-type time-exceeded -j ACCEPT",
    "-A ufw-before-input -p icmp --icmp-type parameter-problem -j ACCEPT",
    "-A ufw-before-input -p icmp --icmp-type echo-request -j ACCEPT",
    "-A ufw-before-input -p udp --sport 67 --dport 68 -j ACCEPT",
    "-A ufw-before-input -j ufw-not-local",
    "-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN",
    "-A ufw-not-local -m addrtype --dst-type MULTICAST -j RETURN",
    "-A ufw-not-local -m addrtype --dst-type BROADCAST -j RETURN",
    "-A ufw-not-local -j DROP",
    "-A ufw-before-input -p udp -d 224.0.0.251 --dport 5353 -j ACCEPT",
    "-A ufw-before-input -p udp -d 239.255.255.250 --dport 1900 -j ACCEPT",
];

/// ufw's shipped `before6.rules` input part.
const SHIPPED_BEFORE_V6: &[&str] = &[
    "-A ufw6-before-input -i lo -j ACCEPT",
    "-A ufw6-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A ufw6-before-input -m conntrack --ctstate INVALID -j DROP",
    "-A ufw6-before-input -p ipv6-icmp -j ACCEPT",
    "-A ufw6-before-input -p udp -s fe80::/10 --sport 547 -d fe80::/10 --dport 546 -j ACCEPT",
    "-A ufw6-before-input -p udp -d ff02::fb --dport 5353 -j ACCEPT",
    "-A ufw6-before-input -p udp -d ff02::f --dport 1900 -j ACCEPT",
];

/// The chains INPUT jumps to, in order (`ufw-init-functions`).
const INPUT_CHAINS: &[&str] =
    &["before-logging-input", "before-input", "after-input", "after-logging-input", "reject-input", "track-input"];

/// The other chains `ufw-init` creates before loading the files.
const SKELETON_CHAINS: &[&str] = &[
    "user-input",
    "user-logging-input",
    "user-limit",
    "user-limit-accept",
    "logging-deny",
    "logging-allow",
    "not-local",
    "skip-to-policy-input",
];

/// Builds the node's ufw rulesets, one per family.
pub fn build(items: Items, errors: &mut Vec<HostfwError>) -> Vec<Ruleset> {
    let Some(node) = items.node.clone() else { return Vec::new() };
    let mut out = Vec::new();
    let first = items
        .files
        .first()
        .map(|f| Span::new(Arc::from(f.0.as_str()), 1, 1))
        .or(items.status_span.clone())
        .or(items.policy.as_ref().map(|p| p.1.clone()));
    let Some(anchor) = first else { return out };
    if let Some((false, span)) = &items.enabled {
        let mut rs = Ruleset::new(node, "ufw", span.clone(), portcullis_model::AddrSet::empty());
        rs.notes.push(format!("ufw is not enabled ({span}): its rules are not loaded"));
        out.push(rs);
        return out;
    }
    for family in [Family::V4, Family::V6] {
        let prefix = if family == Family::V6 { "ufw6" } else { "ufw" };
        if family == Family::V6 && matches!(items.ipv6, Some((false, _))) {
            continue;
        }
        let mut files: Vec<&(String, String, Family, Part)> = items.files.iter().filter(|f| f.2 == family).collect();
        files.sort_by_key(|f| f.3);
        let status: Vec<&(Family, String, Span)> = items.status_rules.iter().filter(|r| r.0 == family).collect();
        if files.is_empty() && status.is_empty() {
            continue;
        }
        // The assembled text, and where each of its lines came from.
        let mut text = String::from("*filter\n");
        let mut origin: Vec<Option<(Span, bool)>> = vec![None];
        let push =
            |line: String, from: Option<(Span, bool)>, text: &mut String, origin: &mut Vec<Option<(Span, bool)>>| {
                text.push_str(&line);
                text.push('\n');
                origin.push(from);
            };
        let (policy, policy_span) = match &items.policy {
            Some((p, s)) => (p.clone(), Some(s.clone())),
            None => ("DROP".to_string(), None),
        };
        let base_policy = if policy == "REJECT" { "DROP" } else { policy.as_str() };
        push(
            format!(":INPUT {base_policy} [0:0]"),
            Some((policy_span.clone().unwrap_or(anchor.clone()), policy_span.is_none())),
            &mut text,
            &mut origin,
        );
        let mut declared: Vec<String> = Vec::new();
        for c in INPUT_CHAINS.iter().chain(SKELETON_CHAINS) {
            let name = format!("{prefix}-{c}");
            push(format!(":{name} - [0:0]"), Some((anchor.clone(), true)), &mut text, &mut origin);
            declared.push(name);
        }
        for c in [
            "before-logging-input",
            "before-input",
            "after-input",
            "after-logging-input",
            "reject-input",
            "track-input",
        ] {
            push(format!("-A INPUT -j {prefix}-{c}"), Some((anchor.clone(), true)), &mut text, &mut origin);
        }
        if policy == "REJECT" {
            push(
                format!("-A {prefix}-reject-input -j REJECT"),
                Some((policy_span.clone().unwrap_or(anchor.clone()), false)),
                &mut text,
                &mut origin,
            );
        }
        if policy == "ACCEPT" {
            for p in ["tcp", "udp"] {
                push(
                    format!("-A {prefix}-track-input -p {p} -m conntrack --ctstate NEW -j ACCEPT"),
                    Some((policy_span.clone().unwrap_or(anchor.clone()), false)),
                    &mut text,
                    &mut origin,
                );
            }
        }
        if !files.iter().any(|f| f.3 == Part::Before) {
            let shipped = if family == Family::V6 { SHIPPED_BEFORE_V6 } else { SHIPPED_BEFORE_V4 };
            for l in shipped {
                push(l.to_string(), Some((anchor.clone(), true)), &mut text, &mut origin);
            }
        }
        for (path, body, _, _) in &files {
            let file: Arc<str> = Arc::from(path.as_str());
            for (n, l) in crate::words::lines(body) {
                let t = l.trim();
                if t.is_empty() || t.starts_with('#') || t.starts_with('*') || t == "COMMIT" {
                    continue;
                }
                if let Some(decl) = t.strip_prefix(':') {
                    let name = decl.split_whitespace().next().unwrap_or_default().to_string();
                    if declared.contains(&name) {
                        continue;
                    }
                    declared.push(name);
                }
                push(l.to_string(), Some((Span::new(file.clone(), n, 1), false)), &mut text, &mut origin);
            }
        }
        let has_user_file = files.iter().any(|f| f.3 == Part::User);
        if !has_user_file {
            for (_, rule, span) in &status {
                push(rule.clone(), Some((span.clone(), false)), &mut text, &mut origin);
            }
        }
        push(
            format!("-A {prefix}-before-input -j {prefix}-user-input"),
            Some((anchor.clone(), true)),
            &mut text,
            &mut origin,
        );
        push("COMMIT".into(), None, &mut text, &mut origin);
        let synthetic = format!("{}/ufw ({})", node.key, if family == Family::V6 { "IPv6" } else { "IPv4" });
        let header =
            if family == Family::V6 { "# Generated by ip6tables-save\n" } else { "# Generated by iptables-save\n" };
        let (mut rs, errs) = crate::iptables::read(&synthetic, &format!("{header}{text}"));
        // Back to the files' own lines: the header line is line 1.
        let place = |line: u32| origin.get(line as usize - 2).cloned().flatten();
        for e in errs {
            match place(e.line) {
                Some((s, _)) => errors.push(HostfwError { file: s.file.to_string(), line: s.line, ..e }),
                None => errors.push(e),
            }
        }
        for entry in &mut rs.entries {
            if let Some((s, default)) = place(entry.span.line) {
                let column = entry.span.column;
                entry.span = Span::new(s.file.clone(), s.line, if default { s.column } else { column });
                if default {
                    entry.origin = Origin::Default("ufw's own rule (ufw-init, shipped before.rules)".into());
                }
                entry.resource = format!("{} ufw", node.name);
            }
        }
        rs.node = node.clone();
        rs.format = "ufw";
        rs.span = anchor.clone();
        if items.policy.is_none() {
            rs.notes.push("ufw's default input policy is not in the input (/etc/default/ufw or `ufw status verbose`): read as DROP, ufw's own default".into());
        }
        if items.enabled.is_none() {
            rs.notes
                .push("whether ufw is enabled is not in the input (/etc/ufw/ufw.conf or `ufw status verbose`)".into());
            // Inactive, nothing applies: either may be.
            let hook_chain = rs.hooks.first().map(|h| h.hook.chain);
            if let Some(ch) = hook_chain {
                let span = anchor.clone();
                let u = portcullis_model::Unknown {
                    what: "ufw's state".into(),
                    reason: "whether ufw is enabled is not in the input".into(),
                    span: span.clone(),
                };
                let e = rs.default_entry(
                    span,
                    format!("{} ufw", node.name),
                    "ufw may be disabled",
                    portcullis_model::Action::Allow,
                    "ufw's state is unknown",
                );
                rs.chains[ch].rules.insert(
                    0,
                    portcullis_model::Rule {
                        entry: e,
                        when: vec![portcullis_model::Cond::Unknown(u)],
                        then: portcullis_model::Then::Verdict(portcullis_model::Verdict::Accept),
                    },
                );
            }
        }
        out.push(rs);
    }
    out
}
