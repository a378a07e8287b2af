//! `portcullis fix`: the exact, minimal change that closes a finding.
//!
//! [`plan`] decides on the model which rule lines change and to what
//! (admitted ∩ authorized, ranges split, rules removed), checked with the
//! engine before any text is touched; [`edit`] writes each change into the
//! input's own format, keeping everything else byte for byte; [`commands`]
//! prints the cloud CLI commands that make the same change where the input
//! is a dump of a live account; [`fix`] runs it all: scan, plan, edit, and
//! with `apply` write atomically (refusing a file that changed since it was
//! read), re-scan, and restore the originals when the re-scan disagrees.
//! [`host`] fixes a port a node's own firewall leaves open.

pub mod commands;
pub mod edit;
pub mod host;
pub mod plan;

use edit::Format;
use plan::{EntryFix, Safety, Unfixable};
use portcullis_pipeline::{scan, Reading, ScanRequest};
use portcullis_rules::{Authorized, Finding, FindingKind, PortQuery, Severity};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use commands::Dialect;

/// What to fix, and how.
pub struct FixRequest<'a> {
    pub reading: Reading<'a>,
    pub queries: &'a [PortQuery],
    pub authorized: &'a Authorized,
    /// Only these rule codes (`--select`); empty: every rule.
    pub select: &'a [String],
    /// Only findings at or above this severity (`--fail-on`); `None`: all.
    pub fail_on: Option<Severity>,
    /// Apply fixes marked unsafe too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Write the files (`--apply`); otherwise a dry run.
    pub apply: bool,
    /// Commands for findings read from CLI dumps.
    pub dialect: Dialect,
}

/// One fix as reported.
#[derive(Clone, Debug)]
pub struct Applied {
    pub fix: EntryFix,
    pub format: Format,
}

/// One file's change.
#[derive(Clone, Debug)]
pub struct FileChange {
    pub path: String,
    pub format: Format,
    pub before: String,
    pub after: String,
    hash: [u8; 32],
}

impl FileChange {
    /// The change as a unified diff (`a/PATH`, `b/PATH`).
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.path), &format!("b/{}", self.path))
            .to_string()
    }
}

/// What `fix` did or would do.
#[derive(Debug, Default)]
pub struct Outcome {
    pub changes: Vec<FileChange>,
    /// Commands for live accounts, in the order they must run.
    pub commands: Vec<String>,
    pub fixes: Vec<Applied>,
    /// Unsafe fixes left out (no `--unsafe-fixes`).
    pub unsafe_skipped: Vec<EntryFix>,
    /// Fixes of nodes' own firewalls, and those left out as unsafe.
    pub host_fixes: Vec<host::HostFix>,
    pub host_unsafe_skipped: Vec<host::HostFix>,
    /// Findings no fix closes, with the reason.
    pub unfixable: Vec<Unfixable>,
    /// Files not written because they changed since they were read.
    pub changed_since_read: Vec<String>,
    /// After `--apply`: why the re-scan disagreed and the originals were
    /// restored; `None` when it agreed (or nothing was applied).
    pub restored: Option<String>,
    pub written: Vec<String>,
    /// Selected findings before, and still open after (predicted by the
    /// model for a dry run, measured by the re-scan after `--apply`).
    pub selected: usize,
    pub still_open: usize,
    pub input_errors: usize,
    /// What a fix did that its user should know, at the fix's place.
    pub notes: Vec<(portcullis_model::Span, String)>,
    /// What the re-scan after applying is compared with.
    expected: Expected,
}

/// What the re-scan after applying must show.
#[derive(Debug, Default)]
struct Expected {
    /// Every finding before (fingerprints): no other may appear.
    before: BTreeSet<String>,
    /// The selected findings the model says stay open.
    open: BTreeSet<String>,
    /// The selected findings.
    wanted: BTreeSet<String>,
    /// Selected findings of kinds no fix handles.
    others: usize,
}

/// The text of every `.tf` file beside `path` (its module).
fn module_texts(path: &str) -> Vec<String> {
    let dir = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<std::path::PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "tf")).collect();
    names.sort();
    names.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// Why `fix` could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the fix would widen what is admitted: {0}")]
    Widens(String),
    #[error("{0}")]
    Write(#[from] portcullis_files::Error),
}

fn selected(f: &Finding, request: &FixRequest) -> bool {
    f.suppressed.is_none()
        && (request.select.is_empty() || request.select.iter().any(|c| c.eq_ignore_ascii_case(&f.rule)))
        && request.fail_on.is_none_or(|s| f.severity >= s)
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// Reads a file as it is now: its text (UTF-8, a byte-order mark kept)
/// and its hash.
pub(crate) fn read_now(path: &str) -> Result<(String, [u8; 32]), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8: not fixable"))?;
    let hash = sha256(&text);
    Ok((text, hash))
}

/// Scans, plans, edits; with `apply`, writes and verifies.
pub fn fix(request: &FixRequest) -> Result<Outcome, Error> {
    let scan_request = ScanRequest {
        reading: request.reading,
        queries: request.queries,
        authorized: request.authorized,
        timings: false,
    };
    let run = scan(&scan_request);
    let mut outcome = Outcome { input_errors: run.errors.len(), ..Default::default() };
    let estate = run.estate.clone().unwrap_or_default();
    let before_all: BTreeSet<String> = run.findings.iter().map(Finding::fingerprint).collect();
    let chosen: Vec<Finding> = run.findings.iter().filter(|f| selected(f, request)).cloned().collect();
    outcome.selected = chosen.len();
    // A port reached through a load balancer is admitted by the balancer's
    // listener and its groups, not by the target's own rules: the planner
    // narrows a target's layers only, so those findings are left open, said.
    let through_balancer =
        |f: &Finding| f.reach.as_ref().is_some_and(|r| r.via.iter().any(|hop| hop.hop == "load balancer"));
    let (exposures, others): (Vec<Finding>, Vec<Finding>) =
        chosen.iter().cloned().partition(|f| f.kind == FindingKind::Exposure && !through_balancer(f));
    // A port a node's own firewall decides last is closed there.
    let (on_hosts, exposures): (Vec<Finding>, Vec<Finding>) =
        exposures.into_iter().partition(|f| host::is_host(&estate, f));
    for f in &others {
        let reason = if f.kind == FindingKind::Exposure {
            "reached through a load balancer: narrowing its listener's sources is not fixable yet".to_string()
        } else {
            format!("{} findings: not fixable yet", f.kind.as_str())
        };
        outcome.unfixable.push(Unfixable {
            rule: f.rule.clone(),
            resource: f.resource.clone(),
            file: f.file.clone(),
            line: f.line,
            column: f.column,
            reason,
        });
    }
    let plan = plan::plan(&estate, &exposures, request.authorized);
    plan::verify(&estate, &plan.after, request.queries).map_err(Error::Widens)?;
    outcome.unfixable.extend(plan.unfixable.iter().cloned());

    // A fix that cannot be written leaves the findings it serves open.
    let refuse = |outcome: &mut Outcome, f: &EntryFix, reason: String| {
        for (rule, resource) in &f.serves {
            outcome.unfixable.push(Unfixable {
                rule: rule.clone(),
                resource: resource.clone(),
                file: f.span.file.to_string(),
                line: f.span.line,
                column: f.span.column,
                reason: reason.clone(),
            });
        }
    };
    // Which fixes go ahead, by file.
    let mut by_file: BTreeMap<String, Vec<(usize, &EntryFix)>> = BTreeMap::new();
    for (i, f) in plan.fixes.iter().enumerate() {
        if f.safety == Safety::Unsafe && !request.unsafe_fixes {
            outcome.unsafe_skipped.push(f.clone());
            continue;
        }
        by_file.entry(f.span.file.to_string()).or_default().push((i, f));
    }
    // A literal the model read into several rules (a GCP firewall's
    // sources serve each of its `allow` blocks) changes all of them: it is
    // edited only when every one of those rules gets the same change.
    let mut readers: BTreeMap<&portcullis_model::Span, usize> = BTreeMap::new();
    for (layer, count) in estate.layers.iter().zip(&plan.originals) {
        for e in layer.entries.iter().take(*count) {
            *readers.entry(&e.span).or_default() += 1;
        }
    }
    let mut shared: BTreeMap<&portcullis_model::Span, Vec<usize>> = BTreeMap::new();
    for (i, f) in plan.fixes.iter().enumerate() {
        shared.entry(&f.span).or_default().push(i);
    }
    let mut refused_shared: BTreeSet<usize> = BTreeSet::new();
    for (span, fixes) in &shared {
        let same = fixes.windows(2).all(|w| {
            let (a, b) = (&plan.fixes[w[0]], &plan.fixes[w[1]]);
            a.keep == b.keep && a.keep_internal == b.keep_internal && a.strategy == b.strategy
        });
        let all = readers.get(span).copied().unwrap_or(0) == fixes.len();
        if !(same && all) {
            refused_shared.extend(fixes.iter().copied());
        }
    }
    for fixes in by_file.values_mut() {
        fixes.retain(|(i, f)| {
            if refused_shared.contains(i) {
                refuse(
                    &mut outcome,
                    f,
                    "its source is written once for several rules (other ports or protocols) that this fix does not \
                     change alike: not fixable yet"
                        .into(),
                );
                return false;
            }
            true
        });
    }
    let mut going: Vec<bool> = vec![false; plan.fixes.len()];
    for (path, fixes) in &by_file {
        let (text, hash) = match read_now(path) {
            Ok(t) => t,
            Err(reason) => {
                fixes.iter().for_each(|(_, f)| refuse(&mut outcome, f, reason.clone()));
                continue;
            }
        };
        let read_as = if path.ends_with(".tf") { None } else { portcullis_ingest::read_input(path, &text).format };
        let Some(format) = Format::of(path, read_as) else {
            fixes.iter().for_each(|(_, f)| refuse(&mut outcome, f, "the file's format is not known to fix".into()));
            continue;
        };
        match format {
            Format::Dump(kind) => {
                for &(i, f) in fixes {
                    match commands::commands(kind, f, &plan.rule_sources_after(f), request.dialect) {
                        Ok(c) => {
                            // Fixes of one rule share its command.
                            for command in c {
                                if !outcome.commands.contains(&command) {
                                    outcome.commands.push(command);
                                }
                            }
                            going[i] = true;
                            outcome.fixes.push(Applied { fix: f.clone(), format });
                        }
                        Err(reason) => refuse(&mut outcome, f, reason),
                    }
                }
            }
            Format::TerraformPlan | Format::Kubernetes => {
                fixes.iter().for_each(|(_, f)| refuse(&mut outcome, f, format!("not fixable yet: {}", format.name())));
            }
            _ => {
                let module = if format == Format::Terraform { module_texts(path) } else { Vec::new() };
                let edited = edit::edit(format, &text, fixes, &module);
                let (after, refused) = (edited.text, edited.refused);
                for (i, note) in edited.notes {
                    outcome.notes.push((plan.fixes[i].span.clone(), note));
                }
                let refused_ids: BTreeSet<usize> = refused.iter().map(|r| r.fix).collect();
                for r in refused {
                    refuse(&mut outcome, &plan.fixes[r.fix], r.reason);
                }
                for &(i, f) in fixes {
                    if !refused_ids.contains(&i) {
                        going[i] = true;
                        outcome.fixes.push(Applied { fix: f.clone(), format });
                    }
                }
                if after != text {
                    outcome.changes.push(FileChange { path: path.clone(), format, before: text, after, hash });
                }
            }
        }
    }
    let hosts = host::plan(
        &estate,
        &on_hosts,
        request.authorized,
        request.queries,
        &request.reading.options.host,
        request.unsafe_fixes,
        request.dialect,
    );
    outcome.unfixable.extend(hosts.unfixable);
    outcome.commands.extend(hosts.commands);
    for (path, before, after, hash) in hosts.changes {
        let format = Format::Host;
        outcome.changes.push(FileChange { path, format, before, after, hash });
    }
    outcome.host_fixes = hosts.fixes;
    outcome.host_unsafe_skipped = hosts.unsafe_skipped;
    // What the model says remains once the fixes that go ahead are made.
    let mut predicted = estate.clone();
    for (f, _) in plan.fixes.iter().zip(&going).filter(|(_, g)| **g) {
        plan::apply(&mut predicted, f);
    }
    let mut wanted: BTreeSet<String> = exposures.iter().map(Finding::fingerprint).collect();
    let mut open_after: BTreeSet<String> =
        plan::still_open(&predicted, &exposures, request.authorized).iter().map(Finding::fingerprint).collect();
    // Host findings: those closed by commands on the node stay in the
    // files the re-scan reads.
    wanted.extend(hosts.wanted);
    open_after.extend(hosts.open);
    outcome.still_open = open_after.len() + others.len();
    open_after.extend(hosts.by_commands);
    outcome.expected = Expected { before: before_all, open: open_after, wanted, others: others.len() };
    if request.apply {
        apply(request, &mut outcome)?;
    }
    Ok(outcome)
}

/// Writes every change atomically (skipping files changed since they were
/// read), re-scans, and restores the originals when the re-scan finds a
/// selected finding the fix should have closed, or a finding that was not
/// there before.
///
/// `fix` calls it with `apply`; a caller may also show the dry run first
/// and apply the same outcome after (a file edited in between is then
/// refused).
pub fn apply(request: &FixRequest, outcome: &mut Outcome) -> Result<(), Error> {
    if outcome.changes.is_empty() {
        return Ok(());
    }
    let scan_request = ScanRequest {
        reading: request.reading,
        queries: request.queries,
        authorized: request.authorized,
        timings: false,
    };
    let expected = std::mem::take(&mut outcome.expected);
    let (before_all, open_after, wanted, others) =
        (&expected.before, &expected.open, &expected.wanted, expected.others);
    let mut written: Vec<&FileChange> = Vec::new();
    for change in &outcome.changes {
        match read_now(&change.path) {
            Ok((_, hash)) if hash == change.hash => {}
            _ => {
                outcome.changed_since_read.push(change.path.clone());
                continue;
            }
        }
        portcullis_files::write_atomic(Path::new(&change.path), |w| w.write_all(change.after.as_bytes()))?;
        written.push(change);
    }
    let rescan = scan(&scan_request);
    let now: Vec<String> = rescan.findings.iter().map(Finding::fingerprint).collect();
    let new: Vec<&String> = now.iter().filter(|f| !before_all.contains(*f)).collect();
    let still: Vec<&String> = now.iter().filter(|f| wanted.contains(*f) && !open_after.contains(*f)).collect();
    let problem = if rescan.errors.len() > outcome.input_errors {
        Some(format!(
            "the fixed files have {} input errors, {} before (first: {})",
            rescan.errors.len(),
            outcome.input_errors,
            rescan.errors.first().map(|e| format!("{}:{}: {}", e.file, e.line, e.message)).unwrap_or_default()
        ))
    } else if let Some(f) = new.first() {
        Some(format!("the re-scan found a finding that was not there before: {f}"))
    } else {
        still.first().map(|f| format!("the re-scan still finds {f}"))
    };
    if let Some(why) = problem {
        for change in &written {
            portcullis_files::write_atomic(Path::new(&change.path), |w| w.write_all(change.before.as_bytes()))?;
        }
        outcome.restored = Some(why);
        return Ok(());
    }
    outcome.written = written.iter().map(|c| c.path.clone()).collect();
    outcome.still_open = now.iter().filter(|f| wanted.contains(*f)).count() + others;
    Ok(())
}
