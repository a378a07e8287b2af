//! `portcullis diff`: what a change does to who can connect, between two
//! inputs, two git revisions, or the two sides of a Terraform plan.

use crate::args::DiffArgs;
use crate::settings;
use anyhow::{bail, Result};
use portcullis_diff::formats::{self, DiffReport};
use portcullis_files::ReadSet;
use portcullis_pipeline::{diff, write_to, DiffInputs, DiffRequest};

pub fn run(args: DiffArgs) -> Result<u8> {
    let settings = settings::resolve(&args.common, args.fail_on.as_deref())?;
    let paths = &args.common.paths;
    let inputs = match (&args.git, paths.as_slice()) {
        (Some(range), []) => DiffInputs::Git { repository: ".".into(), range: range.clone() },
        (Some(range), [repository]) => DiffInputs::Git { repository: repository.clone(), range: range.clone() },
        (Some(_), _) => bail!("diff --git REV1..REV2 takes at most one path: the repository"),
        (None, [plan]) => DiffInputs::Plan { path: plan.clone() },
        (None, [base, head]) => DiffInputs::Paths { base: base.clone(), head: head.clone() },
        (None, _) => bail!("diff takes BASE HEAD, one Terraform plan JSON, or --git REV1..REV2 [REPO]"),
    };
    if let Some(output) = &args.output {
        // No report may replace an input or a file the settings named.
        let mut read = ReadSet::default();
        for p in paths {
            read.insert(p, &p.display().to_string());
        }
        for (path, shown) in settings::files_read(&args.common, &settings) {
            read.insert(&path, &shown);
        }
        read.check_output("-o", output)?;
    }
    let outcome = diff(&DiffRequest {
        inputs,
        terraform: &settings::terraform_inputs(&args.common)?,
        options: &settings::read_options(&args.common)?,
        parameter_files: &args.common.parameters,
        queries: &settings.queries,
        authorized: &settings.authorized,
        waivers: &settings.config_waivers,
        fail_on: settings.fail_on,
    })?;
    let report = DiffReport {
        changes: &outcome.changes,
        errors: &outcome.errors,
        base_label: &outcome.base_label,
        head_label: &outcome.head_label,
    };
    write_to(args.output.as_deref(), |w| formats::write(&report, args.format.into(), w))?;
    Ok(outcome.code)
}
