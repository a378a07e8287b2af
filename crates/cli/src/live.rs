//! `--aws / --azure / --gcp` of `scan` and `explain`: the flags, the read
//! (the portcullis-live crate) with its progress bar and summary line, and
//! the pipeline's cloud input built from what was read: the very documents
//! the clouds' CLIs print, which the pipeline reads as it reads those dumps
//! from files. `--save DIR` writes them there (the pipeline's
//! `CloudDocuments::save`), so `portcullis scan DIR` later gives the same
//! report byte for byte.

use crate::args::Common;
use anyhow::{bail, Result};
use clap::Args;
use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::ReadOptions;
use portcullis_live::{env::Env, Progress, Summary};
use portcullis_pipeline::inputs::check_save_dir;
use portcullis_pipeline::{CloudDocuments, Failure, Reading};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Args, Debug, Clone, Default)]
pub struct LiveArgs {
    /// Read AWS directly, read-only, with the credentials the AWS CLI would use (environment, profiles, SSO, roles, instance metadata).
    #[arg(long)]
    pub aws: bool,
    /// The AWS profile to use (default: AWS_PROFILE, else the default chain).
    #[arg(long, value_name = "NAME", requires = "aws")]
    pub profile: Option<String>,
    /// AWS regions to read: `us-east-1,eu-west-1`, or `all` (every region enabled for the account). Default: the configured region.
    #[arg(long, value_name = "REGION,…|all", value_delimiter = ',', requires = "aws")]
    pub regions: Vec<String>,
    /// An IAM role to assume and read its account with (repeatable: one account each).
    #[arg(long = "role-arn", value_name = "ARN", requires = "aws")]
    pub role_arns: Vec<String>,
    /// Read Azure directly, read-only, with the credentials DefaultAzureCredential would use (environment, workload identity, managed identity, Azure CLI).
    #[arg(long)]
    pub azure: bool,
    /// An Azure subscription to read (repeatable; default: every subscription the credentials see).
    #[arg(long = "subscription", value_name = "ID", requires = "azure")]
    pub subscriptions: Vec<String>,
    /// Read GCP directly, read-only, with Application Default Credentials.
    #[arg(long)]
    pub gcp: bool,
    /// A GCP project to read (repeatable; default: the credentials' project).
    #[arg(long = "project", value_name = "ID", requires = "gcp")]
    pub projects: Vec<String>,
    /// Write what was read to DIR, as the clouds' CLIs print it (one file per call), so `portcullis scan DIR` gives the same report.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
}

impl LiveArgs {
    pub fn any(&self) -> bool {
        self.aws || self.azure || self.gcp
    }
}

/// What `scan` and `explain` read: the paths (`.` when neither paths nor
/// a cloud is named) and what was read from the clouds.
pub struct Inputs {
    pub paths: Vec<PathBuf>,
    pub cloud: Option<CloudDocuments>,
}

impl Inputs {
    /// Reads the clouds named (and saves what was read, with `--save`).
    pub fn read(common: &Common, quiet: bool) -> Result<Inputs> {
        let live = &common.live;
        if live.save.is_some() && !live.any() {
            bail!("--save needs --aws, --azure or --gcp: it writes what was read from the clouds");
        }
        // With a cloud read, no path means none: the cloud is the input.
        let paths = if live.any() { common.paths.clone() } else { common.paths_or_current_dir() };
        if !live.any() {
            return Ok(Inputs { paths, cloud: None });
        }
        if let Some(dir) = &live.save {
            // Before anything is read or written.
            check_save_dir(&paths, dir)?;
        }
        let reading = read(live, quiet)?;
        let mut cloud = CloudDocuments {
            documents: reading.documents.into_iter().map(|d| (d.path, Arc::from(d.text))).collect(),
            failures: reading.errors.iter().map(failure).collect(),
            saved: None,
        };
        if let Some(dir) = &live.save {
            cloud.save(dir);
        }
        Ok(Inputs { paths, cloud: Some(cloud) })
    }

    pub fn reading<'a>(
        &'a self,
        terraform: &'a TerraformInputs,
        options: &'a ReadOptions,
        parameter_files: &'a [PathBuf],
    ) -> Reading<'a> {
        Reading { paths: &self.paths, terraform, options, parameter_files, documents: &[], cloud: self.cloud.as_ref() }
    }
}

fn failure(e: &portcullis_live::LiveError) -> Failure {
    Failure {
        place: e.place.clone().unwrap_or_else(|| "live".into()),
        message: match &e.call {
            Some(call) => format!("{call}: {}", e.message),
            None => e.message.clone(),
        },
    }
}

/// Reads every cloud asked for, one after another, with a progress bar
/// on a terminal and a summary line on standard error.
/// `quiet` (the command's `--quiet`): no progress bar and no summary line;
/// what a read left out on purpose, such as opt-in regions not enabled, is
/// still said.
fn read(live: &LiveArgs, quiet: bool) -> Result<portcullis_live::Reading> {
    let env = Env::from_process();
    let progress = Bar::new(!quiet && std::io::stderr().is_terminal());
    let mut all = portcullis_live::Reading::default();
    let mut merge = |r: portcullis_live::Reading| {
        all.documents.extend(r.documents);
        all.errors.extend(r.errors);
        all.notes.extend(r.notes);
        all.summary.merge(r.summary);
    };
    if live.aws {
        let regions = match live.regions.as_slice() {
            [] => portcullis_live::aws::Regions::Default,
            [one] if one == "all" => portcullis_live::aws::Regions::All,
            list if list.iter().any(|r| r == "all") => bail!("--regions all cannot be combined with named regions"),
            list => portcullis_live::aws::Regions::List(list.iter().map(|r| r.trim().to_string()).collect()),
        };
        let options = portcullis_live::aws::Options {
            profile: live.profile.clone(),
            regions,
            role_arns: live.role_arns.clone(),
            ..Default::default()
        };
        progress.phase("AWS");
        merge(portcullis_live::aws::read(&options, &env, &progress));
    }
    if live.azure {
        let options =
            portcullis_live::azure::Options { subscriptions: live.subscriptions.clone(), ..Default::default() };
        progress.phase("Azure");
        merge(portcullis_live::azure::read(&options, &env, &progress));
    }
    if live.gcp {
        let options = portcullis_live::gcp::Options { projects: live.projects.clone(), ..Default::default() };
        progress.phase("GCP");
        merge(portcullis_live::gcp::read(&options, &env, &progress));
    }
    progress.finish();
    if !quiet {
        eprintln!("portcullis: {}", summary_line(&all.summary, all.errors.len()));
    }
    // What was left out on purpose is said even with --quiet.
    for note in &all.notes {
        eprintln!("portcullis: {note}");
    }
    Ok(all)
}

fn summary_line(summary: &Summary, errors: usize) -> String {
    let mut line = summary.line();
    if errors > 0 {
        line.push_str(&format!(" ({errors} call{} failed, listed in the report)", if errors == 1 { "" } else { "s" }));
    }
    line
}

/// The progress bar: calls done of calls known, and items read.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    items: AtomicU64,
}

impl Bar {
    fn new(show: bool) -> Bar {
        let bar = show.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} calls, {msg} items read")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Bar { bar, items: AtomicU64::new(0) }
    }

    fn phase(&self, cloud: &str) {
        if let Some(b) = &self.bar {
            b.set_prefix(format!("reading {cloud}"));
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn calls_planned(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc_length(n);
        }
    }

    fn call_finished(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    fn items_read(&self, _noun: &'static str, n: u64) {
        let total = self.items.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(b) = &self.bar {
            b.set_message(portcullis_live::thousands(total));
        }
    }
}
