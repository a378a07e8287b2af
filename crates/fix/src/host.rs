//! Host firewall findings: a port a node's own firewall (iptables,
//! nftables, firewalld, ufw) leaves open, closed to everything but the
//! authorized sources.
//!
//! A finding is a host firewall's when the innermost step of its target's
//! path is a node's firewall: the node itself, or a cloud instance that is
//! the node. The fix is the one `portcullis_hostfw::fix` writes for the
//! tool that manages the node:
//!
//! - saved `iptables-save` files and nftables rulesets are the node's
//!   saved state (what it loads at boot): they are edited, so the dry run
//!   prints a diff and `--apply` writes it and re-scans; with
//!   `--format shell` the commands that make the same change on the
//!   running node are printed too;
//! - firewalld, ufw and `nft -j` listings are changed by commands on the
//!   node (`--format shell`): their files are the tool's own configuration
//!   or a listing, which the tool rewrites.
//!
//! Either way the node's files are read again with the fix in its saved
//! form (`portcullis_hostfw::fix::check`): the port must admit nothing
//! unauthorized, no authorized source it admitted may be refused, no other
//! port asked about may change. A fix that would fail that is not offered.

use crate::plan::{authorized_addrs, Safety, Unfixable};
use crate::Dialect;
use portcullis_hostfw::fix::check::{self, Tool};
use portcullis_hostfw::fix::Snippet;
use portcullis_model::{Estate, LayerKind, Protocol, Span};
use portcullis_rules::{Authorized, Finding, PortQuery};
use std::collections::{BTreeMap, BTreeSet};

/// One node's fix for one port.
#[derive(Clone, Debug)]
pub struct HostFix {
    /// The node's name.
    pub node: String,
    pub port: u16,
    pub tool: &'static str,
    pub safety: Safety,
    /// Where the node's firewall is read from (its first file).
    pub span: Span,
    /// The files the fix edits (their diffs are among the changes).
    pub edited: Vec<String>,
    /// The commands that make the change on the running node.
    pub snippet: Snippet,
    /// Whether the port is closed to everything unauthorized once fixed;
    /// when not, why (a family the input does not describe).
    pub open_because: Option<String>,
    /// The findings it closes, as (rule, resource).
    pub serves: BTreeSet<(String, String)>,
}

impl HostFix {
    pub fn describe(&self) -> String {
        let how = if self.edited.is_empty() {
            "commands on the node".to_string()
        } else {
            format!("edits {}", self.edited.join(", "))
        };
        format!(
            "host firewall of node {} ({}): restrict tcp/{} to the authorized sources; {how}",
            self.node, self.tool, self.port
        )
    }
}

/// The host firewall layer a finding's target ends in, if any.
fn host_layer(estate: &Estate, f: &Finding) -> Option<usize> {
    estate.targets.iter().filter(|t| t.id == f.resource).find_map(|t| {
        let last = t.path.last()?;
        last.layers
            .iter()
            .copied()
            .find(|&l| matches!(estate.layers.get(l).map(|l| l.kind), Some(LayerKind::Program(_))))
    })
}

/// Whether `f` is about a port a node's own firewall decides last.
pub fn is_host(estate: &Estate, f: &Finding) -> bool {
    host_layer(estate, f).is_some()
}

/// The files of the node whose firewall is `layer`: every file under the
/// node's directory that is a host firewall input of that node (what a
/// walk of it reads), or only the files its rules came from when the node
/// is the working directory.
fn node_files(estate: &Estate, layer: usize) -> Vec<String> {
    let named: BTreeSet<String> =
        estate.layers[layer].entries.iter().map(|e| e.span.file.to_string()).filter(|f| !f.is_empty()).collect();
    let Some(first) = named.iter().next() else { return Vec::new() };
    let key = portcullis_hostfw::node::node_of(first).key;
    if key == "." {
        return named.into_iter().collect();
    }
    let mut out = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from(&key)];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(p);
            } else if kind.is_file() {
                let path = p.to_string_lossy().into_owned();
                if portcullis_hostfw::node::node_of(&path).key == key {
                    out.insert(path);
                }
            }
        }
    }
    out.extend(named);
    out.into_iter().collect()
}

/// What the host branch adds to a fix's outcome.
#[derive(Default)]
pub struct Planned {
    pub fixes: Vec<HostFix>,
    pub unsafe_skipped: Vec<HostFix>,
    pub unfixable: Vec<Unfixable>,
    /// The edited files: `(path, before, after, hash)`.
    pub changes: Vec<(String, String, String, [u8; 32])>,
    pub commands: Vec<String>,
    /// Fingerprints of the selected host findings, of those left open,
    /// and of those closed by commands on the node only (closed as the
    /// dry run predicts, but still in the files a re-scan reads).
    pub wanted: BTreeSet<String>,
    pub open: BTreeSet<String>,
    pub by_commands: BTreeSet<String>,
}

/// Plans the fixes of the host firewall findings `selected`.
pub fn plan(
    estate: &Estate,
    selected: &[Finding],
    auth: &Authorized,
    queries: &[PortQuery],
    opts: &portcullis_hostfw::Options,
    unsafe_fixes: bool,
    dialect: Dialect,
) -> Planned {
    let mut out = Planned::default();
    let authorized = authorized_addrs(auth);
    let safety = if auth.explicit { Safety::Safe } else { Safety::Unsafe };
    let others: Vec<u16> = queries.iter().filter(|q| q.protocol == Protocol::TCP).map(|q| q.port).collect();
    // By node (its layer), then port.
    let mut by_node: BTreeMap<usize, BTreeMap<u16, Vec<&Finding>>> = BTreeMap::new();
    for f in selected {
        out.wanted.insert(f.fingerprint());
        let (Some(layer), Some(port)) = (host_layer(estate, f), f.port) else { continue };
        if f.protocol.as_deref().and_then(Protocol::parse_name) != Some(Protocol::TCP) {
            out.unfixable.push(Unfixable::of(f, "host firewall fixes restrict TCP ports only"));
            out.open.insert(f.fingerprint());
            continue;
        }
        by_node.entry(layer).or_default().entry(port).or_default().push(f);
    }
    for (layer, ports) in by_node {
        let node = estate.layers[layer].id.clone();
        let span = estate.layers[layer].span.clone();
        let refuse = |out: &mut Planned, reason: &str| {
            for f in ports.values().flatten() {
                out.unfixable.push(Unfixable::of(f, format!("host firewall of node {node}: {reason}")));
                out.open.insert(f.fingerprint());
            }
        };
        let mut files: Vec<(String, String)> = Vec::new();
        let mut hashes: Vec<[u8; 32]> = Vec::new();
        for path in node_files(estate, layer) {
            match crate::read_now(&path) {
                Ok((text, hash)) if portcullis_hostfw::read(&path, &text).is_some() => {
                    files.push((path, text));
                    hashes.push(hash);
                }
                Ok(_) => {}
                Err(e) => {
                    refuse(&mut out, &e);
                    files.clear();
                    break;
                }
            }
        }
        if files.is_empty() {
            continue;
        }
        let tool = match check::tool_of(&files) {
            Ok(t) => t,
            Err(e) => {
                refuse(&mut out, &e);
                continue;
            }
        };
        let edits = matches!(tool, Tool::Iptables | Tool::Nftables);
        if !edits && dialect != Dialect::Shell {
            refuse(
                &mut out,
                &format!("{} is changed by commands on the node: they are printed with --format shell", tool.name()),
            );
            continue;
        }
        // Each port in turn, on the files as the previous ports left them.
        let mut current = files.clone();
        for (port, findings) in ports {
            let fixed = check::with_fix(&current, &tool, port, authorized)
                .and_then(|after| check::verify(&current, &after, port, &others, authorized, opts).map(|c| (after, c)));
            let (after, checked) = match fixed {
                Ok(x) => x,
                Err(e) => {
                    for f in &findings {
                        out.unfixable.push(Unfixable::of(f, format!("host firewall of node {node}: {e}")));
                        out.open.insert(f.fingerprint());
                    }
                    continue;
                }
            };
            // Shown at the first finding's place (the line that admits).
            let span = findings
                .first()
                .map(|f| Span::new(f.file.as_str().into(), f.line, f.column))
                .unwrap_or_else(|| span.clone());
            let fix = HostFix {
                node: node.clone(),
                port,
                tool: tool.name(),
                safety,
                span,
                edited: if edits {
                    current.iter().zip(&after).filter(|(a, b)| a.1 != b.1).map(|(a, _)| a.0.clone()).collect()
                } else {
                    Vec::new()
                },
                snippet: tool.snippet(port, authorized),
                open_because: checked.open_because.clone(),
                serves: findings.iter().map(|f| (f.rule.clone(), f.resource.clone())).collect(),
            };
            if safety == Safety::Unsafe && !unsafe_fixes {
                findings.iter().for_each(|f| {
                    out.open.insert(f.fingerprint());
                });
                out.unsafe_skipped.push(fix);
                continue;
            }
            for f in &findings {
                if !checked.closes {
                    out.open.insert(f.fingerprint());
                } else if !edits {
                    out.by_commands.insert(f.fingerprint());
                }
            }
            if dialect == Dialect::Shell {
                out.commands.push(format!("# {}", fix.describe()));
                out.commands.extend(fix.snippet.commands.iter().cloned());
                out.commands.extend(fix.snippet.notes.iter().map(|n| format!("# {n}")));
            }
            if edits {
                // The files kept as the fix wrote them; later ports build on them.
                current = after.into_iter().take(current.len()).collect();
            }
            out.fixes.push(fix);
        }
        for (((path, before), (_, after)), hash) in files.into_iter().zip(current).zip(hashes) {
            if before != after {
                out.changes.push((path, before, after, hash));
            }
        }
    }
    out
}
