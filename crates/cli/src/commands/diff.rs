//! `portcullis diff`: what a change does to who can connect, between two
//! inputs, two git revisions, or the two sides of a Terraform plan.

use crate::args::DiffArgs;
use crate::settings;
use anyhow::{bail, Result};
use portcullis_diff::formats::{self, DiffReport};
use portcullis_files::ReadSet;
use portcullis_pipeline::{diff, write_to, DiffInputs, DiffRequest, Format};

/// The formats `diff --format` takes: the findings formats that make sense
/// for a change (no JUnit or HTML page of a change).
const DIFF_FORMATS: &[Format] = &[Format::Text, Format::Json, Format::Sarif, Format::Markdown, Format::Github];

fn diff_format(format: Format) -> formats::Format {
    match format {
        Format::Json => formats::Format::Json,
        Format::Sarif => formats::Format::Sarif,
        Format::Markdown => formats::Format::Markdown,
        Format::Github => formats::Format::Github,
        // DIFF_FORMATS has no other.
        _ => formats::Format::Text,
    }
}

pub fn run(args: DiffArgs) -> Result<u8> {
    let settings = settings::resolve(&args.common, args.fail_on.as_deref())?;
    let paths = &args.common.paths;
    let inputs = match (&args.git, paths.as_slice()) {
        (Some(range), [] | [_]) => {
            let repository = args.common.paths_or_current_dir().swap_remove(0);
            DiffInputs::Git { repository, range: range.clone() }
        }
        (Some(_), _) => bail!("diff --git REV1..REV2 takes at most one path: the repository"),
        (None, [plan]) => DiffInputs::Plan { path: plan.clone() },
        (None, [base, head]) => DiffInputs::Paths { base: base.clone(), head: head.clone() },
        (None, _) => bail!("diff takes BASE HEAD, one Terraform plan JSON, or --git REV1..REV2 [REPO]"),
    };
    let destinations = portcullis_pipeline::destinations(&args.format, args.output.as_deref(), "diff", DIFF_FORMATS)?;
    // No report may replace an input or a file the settings named.
    let mut read = ReadSet::default();
    for p in paths {
        read.insert(p, &p.display().to_string());
    }
    for (path, shown) in settings::files_read(&args.common, &settings) {
        read.insert(&path, &shown);
    }
    super::check_outputs(&destinations, &read)?;
    let outcome = diff(&DiffRequest {
        inputs,
        terraform: &settings::terraform_inputs(&args.common)?,
        options: &settings::read_options(&args.common)?,
        parameter_files: &args.common.parameters,
        queries: &settings.queries,
        authorized: &settings.authorized,
        waivers: &settings.config_waivers,
        fail_on: settings.fail_on,
        timings: std::env::var_os("PORTCULLIS_TIMINGS").is_some(),
    })?;
    let report = DiffReport {
        changes: &outcome.changes,
        errors: &outcome.errors,
        base_label: &outcome.base_label,
        head_label: &outcome.head_label,
    };
    for d in &destinations {
        write_to(d.path.as_deref(), |w| formats::write(&report, diff_format(d.format), w))?;
    }
    let code = outcome.code;
    // The process ends right after this: the outcome holds both sides'
    // estates and findings, and freeing them piece by piece is work the
    // exit does at once.
    std::mem::forget(outcome);
    Ok(code)
}
