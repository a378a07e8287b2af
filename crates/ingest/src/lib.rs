//! portcullis ingest: detect each input's format by its content, parse it
//! with positions, and adapt it onto the model.
//!
//! Reading is two phases so files can be read in parallel: [`read_input`]
//! turns one file's text into items (and errors with file, line and
//! column); [`assemble`] resolves references across files and builds the
//! [`Estate`].

pub mod context;
pub mod error;
mod json_inputs;
pub mod languages;
pub mod providers;
pub mod suppress;

pub use error::{ErrorKind, IngestError};

use languages::{parameters, terraform};
use portcullis_model::Estate;
use providers::aws::{self, AwsItems};
use providers::azure::{self, AzureItems};
use providers::gcp::{self, GcpItems};
use providers::host;
use providers::kubernetes::{self, KubernetesItems};
use std::sync::Arc;

/// What one file contributed.
#[derive(Clone, Debug, Default)]
pub struct FileOutcome {
    pub path: String,
    /// The detected format, `None` when the file is not an input we read.
    pub format: Option<&'static str>,
    pub aws: AwsItems,
    pub azure: AzureItems,
    pub gcp: GcpItems,
    pub kubernetes: KubernetesItems,
    /// A node's own firewall ([`providers::host`]).
    pub host: portcullis_hostfw::Items,
    pub errors: Vec<IngestError>,
    /// Inline suppressions written in its comments ([`suppress`]).
    pub suppressions: Vec<suppress::Inline>,
    /// Terraform `moved` blocks of a root module, `(from, to)`: how
    /// `portcullis diff` follows a renamed resource.
    pub moves: Vec<(String, String)>,
}

/// The first 64 KiB of a text (after a byte-order mark and white space):
/// where format markers are looked for.
pub(crate) fn head(text: &str) -> &str {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let mut end = t.len().min(64 * 1024);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    &t[..end]
}

/// What the user gave besides the files themselves.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Template parameter values (`--parameters`).
    pub parameters: parameters::Parameters,
    /// What the user told about the nodes' host firewalls (`--interface`).
    pub host: portcullis_hostfw::Options,
}

/// Reads one file's text. `path` is used as given in spans and errors.
pub fn read_input(path: &str, text: &str) -> FileOutcome {
    read_input_with(path, text, &ReadOptions::default())
}

/// [`read_input`] with the user's options.
pub fn read_input_with(path: &str, text: &str, opts: &ReadOptions) -> FileOutcome {
    // Templates first: an ARM template is JSON with comments, and a
    // CloudFormation template may be YAML.
    let p = &opts.parameters;
    // Bicep has no marker a reader could find in the first bytes: it is
    // recognised by its extension.
    if azure::bicep::is_bicep_path(path) {
        let mut o = azure::bicep::read_input(path, text, p);
        let (found, errors) = suppress::scan(&Arc::from(path), text, suppress::Syntax::Bicep);
        o.suppressions = found;
        o.errors.extend(errors);
        return o;
    }
    let h = head(text);
    if let Some(mut o) =
        azure::arm::read_input(path, text, h, p).or_else(|| aws::cloudformation::read_input(path, text, h, p))
    {
        // Comments exist in ARM templates (JSON with comments) and YAML
        // CloudFormation templates; JSON CloudFormation has none.
        let syntax = match o.format {
            Some("arm") => Some(suppress::Syntax::Jsonc),
            Some("cloudformation") if !text.trim_start_matches('\u{feff}').trim_start().starts_with('{') => {
                Some(suppress::Syntax::Yaml)
            }
            _ => None,
        };
        if let Some(syntax) = syntax {
            let (found, errors) = suppress::scan(&Arc::from(path), text, syntax);
            o.suppressions = found;
            o.errors.extend(errors);
        }
        return o;
    }
    if let Some(o) = kubernetes::read_yaml(path, text, h).or_else(|| kubernetes::read_json(path, text, h)) {
        return o;
    }
    // Host firewalls before other JSON: `nft -j list ruleset` is JSON too.
    if let Some(o) = host::read_input(path, text, &opts.host) {
        return o;
    }
    json_inputs::read(path, text)
}

/// Builds the estate from every file's outcome.
pub fn assemble(outcomes: &mut [FileOutcome]) -> Estate {
    let mut estate = Estate::default();
    let mut aws = Vec::new();
    let mut azure = AzureItems::default();
    let mut gcp = GcpItems::default();
    let mut kubernetes = KubernetesItems::default();
    let mut hosts = Vec::new();
    for o in outcomes.iter_mut() {
        aws.push(std::mem::take(&mut o.aws));
        azure.extend(std::mem::take(&mut o.azure));
        gcp.extend(std::mem::take(&mut o.gcp));
        kubernetes.extend(std::mem::take(&mut o.kubernetes));
        if !o.host.is_empty() {
            hosts.push(std::mem::take(&mut o.host));
        }
    }
    let disagreements = aws::assemble(AwsItems::concat(aws), &mut estate);
    place_errors(outcomes, disagreements);
    azure::assemble(azure, &mut estate);
    gcp::assemble(gcp, &mut estate);
    kubernetes::assemble(kubernetes, &mut estate);
    // Last: a node's firewall joins the path of the cloud target that is
    // the same machine, after that target's cloud layers.
    let host_errors = host::assemble(hosts, &mut estate);
    place_errors(outcomes, host_errors);
    estate
}

/// Errors found while assembling, each reported with the file it points
/// at (else the first file read: the items came from some file).
fn place_errors(outcomes: &mut [FileOutcome], errors: Vec<IngestError>) {
    for e in errors {
        if let Some(i) = outcomes.iter().position(|o| o.path == e.file).or((!outcomes.is_empty()).then_some(0)) {
            outcomes[i].errors.push(e);
        }
    }
}

/// What a Terraform root directory contributed, and the local module
/// directories it called (not to be evaluated again as roots).
pub struct TerraformOutcome {
    pub outcome: FileOutcome,
    pub module_dirs_called: Vec<std::path::PathBuf>,
}

/// Evaluates the Terraform root module in `dir` and adapts its resources.
/// With `only_files`, resources declared in other files of the directory are
/// dropped (the user named single files; the whole directory is still
/// evaluated, since variables and locals live across its files).
pub fn read_terraform_dir(
    dir: &std::path::Path,
    display: &str,
    inputs: &terraform::hcl::Inputs,
    only_files: Option<&[String]>,
) -> TerraformOutcome {
    read_terraform_dir_in(terraform::hcl::Files::Disk, dir, display, inputs, only_files)
}

/// [`read_terraform_dir`] over the given files: on disk, or a tree held in
/// memory (a git revision), where `dir` is relative to the tree's root.
pub fn read_terraform_dir_in(
    files: terraform::hcl::Files,
    dir: &std::path::Path,
    display: &str,
    inputs: &terraform::hcl::Inputs,
    only_files: Option<&[String]>,
) -> TerraformOutcome {
    let result = terraform::hcl::evaluate_dir_in(files, dir, display, inputs);
    let mut out = FileOutcome { path: display.to_string(), format: Some("terraform"), ..Default::default() };
    out.errors = result.errors;
    out.moves = result.moves;
    out.suppressions = match only_files {
        Some(files) => result.suppressions.into_iter().filter(|s| files.iter().any(|f| **f == *s.span.file)).collect(),
        None => result.suppressions,
    };
    let resources: Vec<terraform::Resource> = match only_files {
        Some(files) => result.resources.into_iter().filter(|r| files.iter().any(|f| **f == *r.span.file)).collect(),
        None => result.resources,
    };
    providers::adapt_terraform(
        &resources,
        &mut out.errors,
        &mut out.aws,
        &mut out.azure,
        &mut out.gcp,
        &mut out.kubernetes,
    );
    TerraformOutcome { outcome: out, module_dirs_called: result.module_dirs_called }
}

/// One side of a Terraform plan, read as its own input.
pub struct PlanSide {
    pub outcome: FileOutcome,
    /// `(previous_address, address)` for every resource a `moved` block moved.
    pub moves: Vec<(String, String)>,
}

/// Reads `text` as a Terraform plan and adapts the resources of one side
/// of its `resource_changes` ([`terraform::plan::resources_at`]); `None`
/// when the text is not a plan. Syntax errors are the outcome's errors.
pub fn read_plan_side(path: &str, text: &str, side: terraform::plan::Side) -> Option<PlanSide> {
    // A plan is a JSON object: anything else is some other input, while a
    // broken object is a plan with a syntax error to locate.
    if !head(text).starts_with('{') {
        return None;
    }
    let mut ctx = context::Context::new(Arc::from(path), text);
    let mut out = FileOutcome { path: path.to_string(), ..Default::default() };
    let root = match portcullis_syntax::json::parse(text, portcullis_syntax::json::Options::default()) {
        Ok(root) => root,
        Err(e) => {
            out.errors.push(ctx.json_error(&e));
            return Some(PlanSide { outcome: out, moves: Vec::new() });
        }
    };
    if !terraform::plan::is_plan(&root) {
        return None;
    }
    out.format = Some("terraform-plan");
    let resources = terraform::plan::resources_at(&mut ctx, &root, side);
    providers::adapt_terraform(
        &resources,
        &mut ctx.errors,
        &mut out.aws,
        &mut out.azure,
        &mut out.gcp,
        &mut out.kubernetes,
    );
    out.errors = ctx.errors;
    Some(PlanSide { outcome: out, moves: terraform::plan::moves(&root) })
}
