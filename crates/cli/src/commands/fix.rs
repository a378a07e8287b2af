//! `portcullis fix`: plan and write the fixes for what `scan` finds. The
//! diff (or, for dumps, the commands) goes to standard output; what was
//! fixed, left out or could not be fixed, and why, to standard error.

use crate::args::{CommandFormat, FixArgs};
use crate::settings;
use anyhow::Result;
use portcullis_fix::{fix, Dialect, FixRequest};
use portcullis_pipeline::Reading;
use std::io::Write;

pub fn run(args: FixArgs) -> Result<u8> {
    let settings = settings::resolve(&args.common, None)?;
    let fail_on = args.fail_on.as_deref().map(settings::parse_fail_on).transpose()?.flatten();
    let dialect = match args.format {
        CommandFormat::AwsCli => Dialect::AwsCli,
        CommandFormat::Az => Dialect::Az,
        CommandFormat::Gcloud => Dialect::Gcloud,
        CommandFormat::Shell => Dialect::Shell,
    };
    // No path: the current directory, as for scan.
    let baseline = args.baseline.as_deref().map(portcullis_pipeline::read_baseline).transpose()?;
    let paths = args.common.paths_or_current_dir();
    let outcome = fix(&FixRequest {
        reading: Reading {
            paths: &paths,
            terraform: &settings::terraform_inputs(&args.common)?,
            options: &settings::read_options(&args.common)?,
            parameter_files: &args.common.parameters,
            documents: &[],
            cloud: None,
        },
        queries: &settings.queries,
        authorized: &settings.authorized,
        select: &args.select,
        fail_on,
        unsafe_fixes: args.unsafe_fixes,
        apply: args.apply,
        dialect,
        waivers: &settings.config_waivers,
        baseline: baseline.as_ref(),
    })?;
    let mut out = std::io::stdout().lock();
    if !args.apply {
        for change in &outcome.changes {
            write!(out, "{}", change.diff())?;
        }
    }
    if !outcome.commands.is_empty() {
        if dialect == Dialect::Shell {
            writeln!(
                out,
                "#!/bin/sh\n# portcullis fix: authorize what stays, then revoke; never wider in between.\nset -eu"
            )?;
        }
        for c in &outcome.commands {
            writeln!(out, "{c}")?;
        }
    }
    out.flush()?;
    let mut err = std::io::stderr().lock();
    for a in &outcome.fixes {
        let f = &a.fix;
        writeln!(
            err,
            "fix ({}): {}:{}: {} {}: {}; {}",
            f.safety.as_str(),
            f.span.file,
            f.span.line,
            f.rules.iter().cloned().collect::<Vec<_>>().join(","),
            f.resource,
            portcullis_fix::edit::describe(f),
            f.strategy.describe()
        )?;
    }
    for f in &outcome.flag_fixes {
        writeln!(
            err,
            "fix ({}): {}:{}: {} {}: {}",
            f.safety.as_str(),
            f.span.file,
            f.span.line,
            f.rule,
            f.resource,
            f.describe()
        )?;
    }
    for h in &outcome.host_fixes {
        writeln!(
            err,
            "fix ({}): {}:{}: {} {}: {}",
            h.safety.as_str(),
            h.span.file,
            h.span.line,
            h.serves
                .iter()
                .map(|(rule, _)| rule.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(","),
            h.node,
            h.describe()
        )?;
        if let Some(why) = &h.open_because {
            writeln!(err, "note: {}: still open after the fix: {why}", h.span.file)?;
        }
    }
    if dialect != Dialect::Shell && outcome.host_fixes.iter().any(|h| !h.edited.is_empty()) {
        writeln!(
            err,
            "note: the edited host firewall files are the nodes' saved rules; --format shell prints the commands \
             that change the running nodes alike"
        )?;
    }
    for (span, note) in &outcome.notes {
        writeln!(err, "note: {}:{}: {note}", span.file, span.line)?;
    }
    for f in &outcome.unsafe_skipped {
        writeln!(
            err,
            "unsafe fix not applied (use --unsafe-fixes): {}:{}: {} {}: {}",
            f.span.file,
            f.span.line,
            f.resource,
            portcullis_fix::edit::describe(f),
            match &f.strategy {
                portcullis_fix::plan::Strategy::NarrowWholeRule => f.strategy.describe(),
                portcullis_fix::plan::Strategy::DenyAhead { .. } => format!(
                    "{}; its deny names every destination of the group, so it may close the port to other \
                     destinations too",
                    f.strategy.describe()
                ),
                _ => "no --authorized list: private space is assumed to be enough".into(),
            }
        )?;
    }
    for h in &outcome.host_unsafe_skipped {
        writeln!(
            err,
            "unsafe fix not applied (use --unsafe-fixes): {}:{}: {}: no --authorized list: private space is assumed \
             to be enough",
            h.span.file,
            h.span.line,
            h.describe()
        )?;
    }
    for f in &outcome.unsafe_flags_skipped {
        writeln!(
            err,
            "unsafe fix not applied (use --unsafe-fixes): {}:{}: {} {}: {}: {}",
            f.span.file,
            f.span.line,
            f.rule,
            f.resource,
            f.describe(),
            f.risk.unwrap_or_default()
        )?;
    }
    for u in &outcome.skipped {
        writeln!(err, "skipped: {}:{}:{}: {} {}: {}", u.file, u.line, u.column, u.rule, u.resource, u.reason)?;
    }
    for u in &outcome.unfixable {
        writeln!(err, "not fixed: {}:{}:{}: {} {}: {}", u.file, u.line, u.column, u.rule, u.resource, u.reason)?;
    }
    for p in &outcome.changed_since_read {
        writeln!(err, "not written: {p}: the file changed since it was read")?;
    }
    if let Some(why) = &outcome.restored {
        writeln!(err, "restored the original files: {why}")?;
    }
    for p in &outcome.written {
        writeln!(err, "written: {p}")?;
    }
    writeln!(
        err,
        "{} findings selected, {} fixes{}, {} still open{}",
        outcome.selected,
        outcome.fixes.len() + outcome.host_fixes.len() + outcome.flag_fixes.len(),
        if args.apply { " applied" } else { " (dry run: --apply writes them)" },
        outcome.still_open,
        match outcome.unsafe_skipped.len() + outcome.host_unsafe_skipped.len() + outcome.unsafe_flags_skipped.len() {
            0 => String::new(),
            n => format!(", {n} unsafe fixes not applied"),
        }
    )?;
    Ok(if outcome.input_errors > 0 || outcome.restored.is_some() || !outcome.changed_since_read.is_empty() {
        2
    } else if outcome.still_open > 0 {
        1
    } else {
        0
    })
}
