//! Raw command-line flags, as clap parses them. [`crate::settings`] turns
//! them, with the config file, into resolved settings.

use clap::{Args, Parser, Subcommand, ValueEnum};
use portcullis_pipeline::Destination;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "portcullis",
    version = env!("PORTCULLIS_VERSION"),
    about = "Who can open a TCP connection to kube-controller-manager's port 10257 — and is that only who should?",
    long_about = None,
    after_help = "Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 an input could not be read or the command was misused."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files and directories for exposed control-plane ports.
    Scan(ScanArgs),
    /// Show, per target, exactly which sources reach a port and which lines let them in.
    Explain(ExplainArgs),
    /// List the rules, or print one rule's documentation.
    Rules(RulesArgs),
    /// Print a completion script for a shell: `portcullis completions bash > /etc/bash_completion.d/portcullis`.
    Completions(CompletionsArgs),
    /// Print a manual page (roff): `portcullis man > portcullis.1`, `portcullis man scan > portcullis-scan.1`.
    Man(ManArgs),
    /// Connect to live endpoints you name and report what a client without credentials gets (TLS, certificate, HTTP).
    Probe(ProbeArgs),
    /// Read flow logs (AWS VPC, Azure NSG/VNet, GCP VPC/firewall): who tried the control-plane ports, who got through.
    Flows(FlowsArgs),
    /// Fix what scan finds: narrow each rule to the authorized sources (dry run: a unified diff; --apply writes).
    Fix(FixArgs),
    /// What a change does to who can connect: BASE HEAD (two inputs), --git REV1..REV2 [REPO], or one Terraform plan JSON.
    Diff(DiffArgs),
    /// Read change events (AWS CloudTrail, Azure Activity Log, GCP Cloud Audit Logs): who opened or closed the control-plane ports, and when.
    Events(EventsArgs),
}

/// The formats `rules` lists in.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

/// `--format` of the commands that write reports, and `--quiet`: one
/// definition, so every command spells them alike.
#[derive(Args, Debug, Clone)]
pub struct Reports {
    /// Output format, optionally with a file: text, json, sarif, junit, github, markdown or html;
    /// `sarif=out.sarif` writes that file (repeatable: one report per format, at most one on standard output).
    #[arg(long, short = 'f', value_name = "FORMAT[=FILE]")]
    pub format: Vec<Destination>,
    /// Write the report to this file instead of standard output (the one format without `=FILE`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print only findings and errors: no summary, no progress.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Files and directories to read (directories are walked, honouring .gitignore; default `.` unless a cloud is read).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A port to check besides the built-in control-plane ports: `10257`, `8080/tcp`, `2379-2380` (repeatable).
    #[arg(long = "port", value_name = "PORT[/PROTO]")]
    pub ports: Vec<String>,
    /// A source that is allowed to connect: a CIDR, or a security-group id / tag (repeatable).
    /// Without any, private address space counts as authorized and only public exposure is reported.
    #[arg(long = "authorized", value_name = "CIDR|ID")]
    pub authorized: Vec<String>,
    /// The config file (default: the nearest portcullis.toml above the first PATH).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any portcullis.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// A Terraform variable file, as `terraform plan -var-file` (repeatable; later wins).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// A Terraform variable, as `terraform plan -var 'name=value'` (repeatable; later wins).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// A parameters file for CloudFormation, ARM or Bicep templates; its values override the defaults (repeatable; later wins).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters: Vec<PathBuf>,
    /// The interface the network reaches the nodes through, for host firewall rules that match interfaces (`eth0`).
    /// Without it, any non-loopback interface is possible.
    #[arg(long = "interface", value_name = "NAME")]
    pub interface: Option<String>,
    /// When to use colors in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub live: crate::live::LiveArgs,
}

impl Common {
    /// The paths given, or the current directory when there is none: a
    /// command run inside a repository reads it (`scan`, `fix`, the
    /// repository of `diff --git`).
    pub fn paths_or_current_dir(&self) -> Vec<PathBuf> {
        if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        }
    }
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub reports: Reports,
    /// Exit 1 when a finding is at or above this severity (critical, high, medium, low, info, or none).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Report only findings not in this baseline file, and list the ones fixed since; --fail-on applies to the new ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings as a baseline in this file (after comparing with --baseline, if given).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// BASE HEAD (two files or directories), one Terraform plan JSON (before against after), or with --git the repository (default: .).
    #[command(flatten)]
    pub common: Common,
    /// Compare two revisions of a git repository, read from its objects (nothing is checked out): `main..HEAD`.
    #[arg(long, value_name = "REV1..REV2")]
    pub git: Option<String>,
    /// Output format, optionally with a file: text, json, sarif (only what got worse), markdown (a pull-request
    /// comment) or github (annotations); `sarif=worse.sarif` writes that file (repeatable: one report per
    /// format, at most one on standard output).
    #[arg(long, short = 'f', value_name = "FORMAT[=FILE]")]
    pub format: Vec<Destination>,
    /// Exit 1 when the change lets more in at or above this severity (critical, high, medium, low, info, or none).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Write the report to this file instead of standard output (the one format without `=FILE`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub common: Common,
    /// Only this target (id or name as findings show it).
    #[arg(long, value_name = "ID")]
    pub target: Option<String>,
    /// No progress bar and no summary line while the clouds are read.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Output format, optionally with a file: text, json or markdown; `json=out.json` writes that file (repeatable).
    #[arg(long, short = 'f', value_name = "FORMAT[=FILE]")]
    pub format: Vec<Destination>,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A subcommand: its own page (`portcullis-scan(1)`); without one, the command's.
    pub subcommand: Option<String>,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A rule code or name: print its documentation.
    pub code: Option<String>,
    /// Output format for the list (text or json).
    #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// Endpoints to probe: HOST[:PORT], IPv6 as [ADDRESS]:PORT; the port defaults to 10257.
    #[arg(value_name = "HOST[:PORT]")]
    pub targets: Vec<String>,
    /// Read more endpoints from FILE: one HOST[:PORT] a line, `#` starts a comment (repeatable).
    #[arg(long = "targets", value_name = "FILE")]
    pub target_files: Vec<PathBuf>,
    /// Seconds to wait for each connection and each answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub timeout: f64,
    /// How many endpoints to probe at the same time.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// Also ask the legacy insecure port (plain HTTP, 10252) on every host.
    #[arg(long)]
    pub legacy: bool,
    /// The legacy port --legacy asks.
    #[arg(long, value_name = "PORT", default_value_t = 10252, requires = "legacy")]
    pub legacy_port: u16,
    #[command(flatten)]
    pub reports: Reports,
    /// Exit 1 when a finding is at or above this severity (critical, high, medium, low, info, or none).
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    pub fail_on: String,
    /// When to use colors in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SqlDialect {
    Athena,
    Bigquery,
    Duckdb,
    Spark,
}

impl From<SqlDialect> for portcullis_model::sql::Dialect {
    fn from(d: SqlDialect) -> Self {
        use portcullis_model::sql::Dialect;
        match d {
            SqlDialect::Athena => Dialect::Athena,
            SqlDialect::Bigquery => Dialect::BigQuery,
            SqlDialect::Duckdb => Dialect::DuckDb,
            SqlDialect::Spark => Dialect::Spark,
        }
    }
}

/// The flags of the commands that read logs (`flows`, `events`) besides
/// their paths: one definition, so both spell them alike.
#[derive(Args, Debug, Clone)]
pub struct LogFlags {
    /// A port to watch besides tcp/10257: `10250`, `8080/tcp`, `2379-2380` (repeatable).
    #[arg(long = "port", value_name = "PORT[/PROTO]")]
    pub ports: Vec<String>,
    /// A source that is allowed to connect: a CIDR (`events` also takes a security-group id or tag; repeatable).
    /// Without any, private address space counts as authorized and only public sources are reported.
    #[arg(long = "authorized", value_name = "CIDR|ID")]
    pub authorized: Vec<String>,
    /// The config file (default: the nearest portcullis.toml above the first PATH).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any portcullis.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Exit 1 when a finding is at or above this severity (critical, high, medium, low, info, or none).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// When to use colors in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
pub struct FlowsArgs {
    /// Flow log files and directories (plain or gzip; directories are walked, honouring .gitignore).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub logs: LogFlags,
    /// Only records that end at or after this time (RFC 3339, YYYY-MM-DD or Unix seconds).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only records that start at or before this time (RFC 3339, YYYY-MM-DD or Unix seconds).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// How many sources each destination summary lists.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub top: usize,
    /// The AWS format of headerless records (CloudWatch exports), as field names: `version srcaddr dstaddr …`.
    #[arg(long, value_name = "FIELDS")]
    pub fields: Option<String>,
    /// Print the equivalent query for a SQL engine instead of reading the logs.
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub emit_sql: Option<SqlDialect>,
    #[command(flatten)]
    pub reports: Reports,
}

/// Which commands `fix` prints for findings read from CLI dumps.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CommandFormat {
    AwsCli,
    Az,
    Gcloud,
    Shell,
}

#[derive(Args, Debug)]
pub struct FixArgs {
    #[command(flatten)]
    pub common: Common,
    /// Write the fixed files (atomically), then re-scan; without it, print a unified diff.
    #[arg(long)]
    pub apply: bool,
    /// Also apply fixes marked unsafe (they may cut off a peer that needs access).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Fix only these rules: `PC100,PC101` (repeatable).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Fix only findings at or above this severity (critical, high, medium, low, info).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Commands for findings read from CLI dumps of live accounts.
    #[arg(long, short = 'f', value_enum, default_value_t = CommandFormat::AwsCli)]
    pub format: CommandFormat,
    /// Leave the findings of this baseline file alone (they are accepted), as `scan --baseline` does.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Event files and directories: CloudTrail log files (plain or gzip, the S3 key layout walked),
    /// `aws cloudtrail lookup-events` and CloudTrail Lake output, Azure Activity Log exports, GCP audit-log exports.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub logs: LogFlags,
    /// A snapshot of the estate, read as `scan` reads it (dumps, Terraform, templates): says whether each opening is still in effect (repeatable).
    #[arg(long = "state", value_name = "PATH")]
    pub state: Vec<PathBuf>,
    /// Print the equivalent query for a SQL engine instead of reading the events.
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub emit_sql: Option<SqlDialect>,
    #[command(flatten)]
    pub reports: Reports,
}
