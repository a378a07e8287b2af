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
pub mod flags;
pub mod host;
pub mod plan;

use edit::overrides::ModuleFile;
use edit::Format;
use flags::FlagFix;
use plan::{EntryFix, Safety, Unfixable};
use portcullis_pipeline::{judge, scan, Policy, Reading, ScanRequest, Suppressions};
use portcullis_report::baseline::Baseline;
use portcullis_rules::suppressions::Waiver;
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
    /// Suppressions of the configuration file (`[[suppress]]`); those
    /// written in the inputs are read by the scan. A suppressed finding is
    /// not fixed.
    pub waivers: &'a [Waiver],
    /// Findings already in this baseline are accepted: not fixed.
    pub baseline: Option<&'a Baseline>,
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
    /// kube-controller-manager flags changed, added or removed.
    pub flag_fixes: Vec<FlagFix>,
    /// Unsafe fixes left out (no `--unsafe-fixes`).
    pub unsafe_skipped: Vec<EntryFix>,
    /// Fixes of nodes' own firewalls, and those left out as unsafe.
    pub host_fixes: Vec<host::HostFix>,
    pub host_unsafe_skipped: Vec<host::HostFix>,
    pub unsafe_flags_skipped: Vec<FlagFix>,
    /// Findings left alone because the user accepted them: suppressed (in
    /// the input or the configuration file) or in the baseline; the reason
    /// says which.
    pub skipped: Vec<Unfixable>,
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

/// Every `.tf` file beside `path` (its module), named as `path` is.
fn module_files(path: &str) -> Vec<ModuleFile> {
    let parent = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty());
    let Ok(entries) = std::fs::read_dir(parent.unwrap_or(Path::new("."))) else { return Vec::new() };
    let mut names: Vec<std::ffi::OsString> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        .map(|e| e.file_name())
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let p = parent.map_or_else(|| std::path::PathBuf::from(&name), |d| d.join(&name));
            let text = std::fs::read_to_string(&p).ok()?;
            Some(ModuleFile { path: p.to_string_lossy().into_owned(), text })
        })
        .collect()
}

fn module_texts(path: &str) -> Vec<String> {
    module_files(path).into_iter().map(|f| f.text).collect()
}

/// The same file, however it is named.
fn same_file(a: &str, b: &str) -> bool {
    a == b || matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Overrides for Terraform fixes whose source is a variable or local that
/// other places read too ([`edit::overrides`]): the splices by file, the
/// fixes they serve, and notes. A fix whose override cannot be written is
/// refused here, with the reason.
struct Overrides {
    splices: BTreeMap<String, Vec<edit::text::Splice>>,
    served: BTreeSet<usize>,
    refused: Vec<(usize, String)>,
    notes: Vec<(usize, String)>,
}

fn overrides(
    plan: &plan::Plan,
    by_file: &BTreeMap<String, Vec<(usize, &EntryFix)>>,
    shared: &BTreeSet<usize>,
) -> Overrides {
    let mut out =
        Overrides { splices: BTreeMap::new(), served: BTreeSet::new(), refused: Vec::new(), notes: Vec::new() };
    // Fixes by the place their override goes: (site, reference) → fixes,
    // each with its definition's literal, its readers, and the lines of
    // the definition's block (file, first, last).
    type Definition = (usize, edit::text::Literal, usize, (String, u32, u32));
    let mut sites: BTreeMap<(edit::overrides::Site, String), Vec<Definition>> = BTreeMap::new();
    for (path, fixes) in by_file.iter().filter(|(p, _)| p.ends_with(".tf")) {
        let Ok((text, _)) = read_now(path) else { continue };
        let module = module_files(path);
        let texts: Vec<String> = module.iter().map(|m| m.text.clone()).collect();
        for &(i, f) in fixes {
            let Some((reference, lit)) = edit::terraform_definition(&text, f) else { continue };
            let readers = edit::readers(&texts, &reference);
            if readers == 1 && !shared.contains(&i) {
                continue;
            }
            let Some(block) = edit::unit::brace_block(&text, lit.range.start) else { continue };
            let line_of = |at: usize| text[..at].matches('\n').count() as u32 + 1;
            let lines = (f.span.file.to_string(), line_of(block.start), line_of(block.end.saturating_sub(1)));
            match edit::overrides::site(f, &reference, &module) {
                Ok(site) => sites.entry((site, reference)).or_default().push((i, lit, readers, lines)),
                Err(reason) => out
                    .refused
                    .push((i, format!("the source comes from {reference}, which {readers} places read: {reason}"))),
            }
        }
    }
    for ((site, reference), fixes) in sites {
        let first = &plan.fixes[fixes[0].0];
        // What the rule reads from the definition, once fixed: every line
        // of the rule (its resource, protocol and ports) whose source is
        // written in the definition's block.
        let (file, top, bottom) = &fixes[0].3;
        let in_definition = |e: &portcullis_model::Entry| {
            e.span.file.as_ref() == file.as_str() && (*top..=*bottom).contains(&e.span.line)
        };
        let layer = &plan.after.layers[first.at.layer];
        let count = plan.originals.get(first.at.layer).copied().unwrap_or(0);
        let mut addrs = portcullis_model::AddrSet::default();
        let mut internal: Vec<String> = Vec::new();
        for e in layer.entries.iter().take(count) {
            if e.resource == first.resource
                && e.protocol == first.protocol
                && e.ports == portcullis_model::Known::Known(first.ports.clone())
                && in_definition(e)
            {
                addrs.union_in_place(&e.sources.addrs);
                internal.extend(e.sources.internal.iter().map(|s| s.name.clone()));
            }
        }
        let mut values = addrs.to_cidr_strings();
        internal.sort();
        internal.dedup();
        values.extend(internal);
        let text = match by_file.keys().find(|k| same_file(k, &site.path)) {
            Some(k) => read_now(k).map(|(t, _)| (k.clone(), t)),
            None => read_now(&site.path).map(|(t, _)| (site.path.clone(), t)),
        };
        let (readers, like) = (fixes[0].2, &fixes[0].1);
        let written = text.and_then(|(path, text)| {
            let line = text[..site.start].matches('\n').count() + 1;
            edit::overrides::splices(&text, &site, &values, &reference, readers, like).map(|s| (path, s, line))
        });
        match written {
            Ok((path, splices, line)) => {
                out.splices.entry(path.clone()).or_default().extend(splices);
                out.served.extend(fixes.iter().map(|d| d.0));
                out.notes.push((
                    fixes[0].0,
                    format!(
                        "{reference} is read by {readers} places: {} gets its own sources ({}) in place of the \
                         reference at {path}:{line}, with a comment; {reference} is left as it is",
                        first.resource,
                        values.join(", "),
                    ),
                ));
            }
            Err(reason) => {
                for d in &fixes {
                    out.refused.push((
                        d.0,
                        format!("the source comes from {reference}, which {readers} places read: {reason}"),
                    ));
                }
            }
        }
    }
    out
}

/// Why `fix` could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the fix would widen what is admitted: {0}")]
    Widens(String),
    #[error("{0}")]
    Write(#[from] portcullis_files::Error),
    #[error("{0}")]
    Policy(#[from] portcullis_pipeline::Error),
}

fn selected(f: &Finding, request: &FixRequest) -> bool {
    f.suppressed.is_none()
        && f.kind != FindingKind::Suppression
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
    let mut run = scan(&scan_request);
    let mut outcome = Outcome { input_errors: run.errors.len(), ..Default::default() };
    let estate = run.estate.take().unwrap_or_default();
    let before_all: BTreeSet<String> = run.findings.iter().map(Finding::fingerprint).collect();
    // What the user accepted is not fixed: suppressions (the inputs' own
    // and the configuration file's) and the baseline, judged as `scan`
    // judges them.
    let policy = Policy {
        suppressions: Some(Suppressions { config: request.waivers.to_vec(), today: None }),
        baseline: request.baseline.cloned(),
        write_baseline: None,
        fail_on: None,
    };
    let judged = judge(run, &policy)?;
    let skip = |f: &Finding, reason: String| Unfixable {
        rule: f.rule.clone(),
        resource: f.resource.clone(),
        file: f.file.clone(),
        line: f.line,
        column: f.column,
        reason,
    };
    for f in &judged.run.findings {
        if let Some(s) = &f.suppressed {
            outcome
                .skipped
                .push(skip(f, format!("suppressed ({}, {}:{}): {}", s.kind.as_str(), s.file, s.line, s.reason)));
        }
    }
    for f in &judged.unchanged {
        outcome.skipped.push(skip(f, "in the baseline".into()));
    }
    let chosen: Vec<Finding> = judged.run.findings.iter().filter(|f| selected(f, request)).cloned().collect();
    outcome.selected = chosen.len();
    // A port reached through a load balancer is admitted by the balancer's
    // listener and its groups, not by the target's own rules: the planner
    // narrows a target's layers only, so those findings are left open, said.
    let through_balancer =
        |f: &Finding| f.reach.as_ref().is_some_and(|r| r.via.iter().any(|hop| hop.hop == "load balancer"));
    let (exposures, rest): (Vec<Finding>, Vec<Finding>) =
        chosen.iter().cloned().partition(|f| f.kind == FindingKind::Exposure && !through_balancer(f));
    // kube-controller-manager's flags: planned from the model's record of
    // where each flag is written.
    let mut flag_plan: Vec<(FlagFix, String)> = Vec::new();
    let mut others: Vec<Finding> = Vec::new();
    for f in rest {
        if f.kind != FindingKind::Hardening {
            others.push(f);
            continue;
        }
        match flags::plan(&estate, &f) {
            Ok(fix) => flag_plan.push((fix, f.fingerprint())),
            Err(reason) => {
                outcome.unfixable.push(skip(&f, reason));
                others.push(f);
            }
        }
    }
    // A port a node's own firewall decides last is closed there.
    let (on_hosts, exposures): (Vec<Finding>, Vec<Finding>) =
        exposures.into_iter().partition(|f| host::is_host(&estate, f));
    for f in others.iter().filter(|f| f.kind != FindingKind::Hardening) {
        let reason = if f.kind == FindingKind::Exposure {
            "reached through a load balancer: narrowing its listener's sources is not fixable yet".to_string()
        } else {
            format!("{} findings: not fixable yet", f.kind.as_str())
        };
        outcome.unfixable.push(skip(f, reason));
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
    // A variable or local other places read: the rule gets its own value.
    let overridden = overrides(&plan, &by_file, &refused_shared);
    for (i, reason) in &overridden.refused {
        refuse(&mut outcome, &plan.fixes[*i], reason.clone());
    }
    for (i, note) in &overridden.notes {
        outcome.notes.push((plan.fixes[*i].span.clone(), note.clone()));
    }
    let mut going: Vec<bool> = vec![false; plan.fixes.len()];
    for &i in &overridden.served {
        going[i] = true;
        outcome.fixes.push(Applied { fix: plan.fixes[i].clone(), format: Format::Terraform });
    }
    let handled: BTreeSet<usize> =
        overridden.served.iter().chain(overridden.refused.iter().map(|(i, _)| i)).copied().collect();
    for path in overridden.splices.keys() {
        by_file.entry(path.clone()).or_default();
    }
    for fixes in by_file.values_mut() {
        fixes.retain(|(i, f)| {
            if handled.contains(i) {
                return false;
            }
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
                let extra = overridden.splices.get(path).map(Vec::as_slice).unwrap_or_default();
                let edited = edit::edit(format, &text, fixes, &module, extra);
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
    let flags_closed = edit_flags(request, flag_plan, &mut outcome);
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
    for (fingerprint, closed) in flags_closed {
        wanted.insert(fingerprint.clone());
        if !closed {
            open_after.insert(fingerprint);
        }
    }
    outcome.still_open = open_after.len() + others.len();
    open_after.extend(hosts.by_commands);
    outcome.expected = Expected { before: before_all, open: open_after, wanted, others: others.len() };
    if request.apply {
        apply(request, &mut outcome)?;
    }
    Ok(outcome)
}

/// Writes the flag fixes into their files (one change per file, next to
/// the network fixes' changes). Returns each planned fix's finding
/// (fingerprint) and whether its fix goes ahead.
fn edit_flags(request: &FixRequest, planned: Vec<(FlagFix, String)>, outcome: &mut Outcome) -> Vec<(String, bool)> {
    let mut closed = Vec::new();
    let mut by_file: BTreeMap<String, Vec<(FlagFix, String)>> = BTreeMap::new();
    for (fix, fingerprint) in planned {
        if fix.safety == Safety::Unsafe && !request.unsafe_fixes {
            closed.push((fingerprint, false));
            outcome.unsafe_flags_skipped.push(fix);
            continue;
        }
        let file = fix.written.as_ref().or(fix.last_written.as_ref()).unwrap_or(&fix.span).file.to_string();
        by_file.entry(file).or_default().push((fix, fingerprint));
    }
    let refuse = |outcome: &mut Outcome, fix: &FlagFix, reason: String| {
        outcome.unfixable.push(Unfixable {
            rule: fix.rule.clone(),
            resource: fix.resource.clone(),
            file: fix.span.file.to_string(),
            line: fix.span.line,
            column: fix.span.column,
            reason,
        })
    };
    for (path, fixes) in by_file {
        if outcome.changes.iter().any(|c| c.path == path) {
            for (fix, fingerprint) in &fixes {
                refuse(outcome, fix, "the file also holds network fixes: not fixable in one run yet".into());
                closed.push((fingerprint.clone(), false));
            }
            continue;
        }
        let (text, hash) = match read_now(&path) {
            Ok(t) => t,
            Err(reason) => {
                for (fix, fingerprint) in &fixes {
                    refuse(outcome, fix, reason.clone());
                    closed.push((fingerprint.clone(), false));
                }
                continue;
            }
        };
        let mut splices = Vec::new();
        let mut going = Vec::new();
        for (fix, fingerprint) in fixes {
            match flags::splices(&text, &fix) {
                Ok(s) => {
                    splices.extend(s);
                    going.push((fix, fingerprint));
                }
                Err(reason) => {
                    refuse(outcome, &fix, reason);
                    closed.push((fingerprint, false));
                }
            }
        }
        splices.sort_by_key(|s| (s.range.start, s.range.end));
        splices.dedup();
        match edit::text::apply(&text, &splices) {
            Ok(after) => {
                for (fix, fingerprint) in going {
                    closed.push((fingerprint, true));
                    outcome.flag_fixes.push(fix);
                }
                if after != text {
                    outcome.changes.push(FileChange { path, format: Format::Kubernetes, before: text, after, hash });
                }
            }
            Err(reason) => {
                for (fix, fingerprint) in going {
                    refuse(outcome, &fix, reason.clone());
                    closed.push((fingerprint, false));
                }
            }
        }
    }
    closed
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
