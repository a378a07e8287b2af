//! `scan --aws / --azure / --gcp`: read the clouds directly (the
//! portcullis-live crate) and hand what was read, the very documents the
//! clouds' CLIs print, to the readers that read those dumps from files.
//! `--save DIR` writes the documents, and names them in the report by
//! where they were written, so `portcullis scan DIR` later gives the same
//! report byte for byte.

use crate::args::Common;
use crate::inputs::{self, Loaded};
use anyhow::{bail, Result};
use clap::Args;
use portcullis_ingest::terraform::hcl::Inputs as TfInputs;
use portcullis_ingest::{ErrorKind, IngestError, ReadOptions};
use portcullis_live::{env::Env, Progress, Reading, Summary};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// No progress bar and no summary line.
    #[arg(long)]
    pub quiet: bool,
}

impl LiveArgs {
    pub fn any(&self) -> bool {
        self.aws || self.azure || self.gcp
    }
}

/// Files (the paths given, or `.` when neither paths nor a cloud is
/// named) and the clouds asked for, read into one [`Loaded`].
pub fn load(common: &Common, tf: &TfInputs, opts: &ReadOptions) -> Result<Loaded> {
    let live = &common.live;
    if live.save.is_some() && !live.any() {
        bail!("--save needs --aws, --azure or --gcp: it writes what was read from the clouds");
    }
    let default_paths = [PathBuf::from(".")];
    let paths: &[PathBuf] = if common.paths.is_empty() && !live.any() { &default_paths } else { &common.paths };
    let mut loaded = inputs::load_with(paths, tf, opts);
    if !live.any() {
        return Ok(loaded);
    }
    let reading = read(live)?;
    let mut errors: Vec<IngestError> = reading.errors.iter().map(input_error).collect();
    let mut saved: Vec<(PathBuf, String)> = Vec::new();
    let documents: Vec<(String, String)> = match &live.save {
        Some(dir) => {
            let mut named = Vec::with_capacity(reading.documents.len());
            for d in reading.documents {
                let path = dir.join(&d.path);
                let shown = path.display().to_string();
                let folder = path.parent().map_or(Ok(()), std::fs::create_dir_all);
                match folder {
                    Err(e) => errors.push(IngestError {
                        file: shown.clone(),
                        line: 0,
                        column: 0,
                        kind: ErrorKind::Io,
                        message: format!("cannot write: {e}"),
                    }),
                    Ok(()) => match portcullis_files::write::write_atomic(&path, |w| w.write_all(d.text.as_bytes())) {
                        Ok(()) => saved.push((path, shown.clone())),
                        Err(e) => errors.push(inputs::file_error(&e)),
                    },
                }
                named.push((shown, d.text));
            }
            named
        }
        None => reading.documents.into_iter().map(|d| (d.path, d.text)).collect(),
    };
    loaded.add_documents(documents, opts, errors);
    // What was saved is an input of this run: no output may replace it.
    for (path, shown) in saved {
        loaded.read.insert(&path, &shown);
    }
    Ok(loaded)
}

fn input_error(e: &portcullis_live::LiveError) -> IngestError {
    IngestError {
        file: e.place.clone().unwrap_or_else(|| "live".into()),
        line: 0,
        column: 0,
        kind: ErrorKind::Io,
        message: match &e.call {
            Some(call) => format!("{call}: {}", e.message),
            None => e.message.clone(),
        },
    }
}

/// Reads every cloud asked for, one after another, with a progress bar
/// on a terminal and a summary line on standard error.
fn read(live: &LiveArgs) -> Result<Reading> {
    let env = Env::from_process();
    let progress = Bar::new(!live.quiet && std::io::stderr().is_terminal());
    let mut all = Reading::default();
    let mut merge = |r: Reading| {
        all.documents.extend(r.documents);
        all.errors.extend(r.errors);
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
    if !live.quiet {
        eprintln!("portcullis: {}", summary_line(&all.summary, all.errors.len()));
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
