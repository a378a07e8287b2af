//! portcullis ingest: detect each input's format by its content, parse it
//! with positions, and adapt it onto the model.
//!
//! Reading is two phases so files can be read in parallel: [`read_input`]
//! turns one file's text into items (and errors with file, line and
//! column); [`assemble`] resolves references across files and builds the
//! [`Estate`].

pub mod arm;
pub mod assemble;
pub mod assemble_azure;
pub mod assemble_gcp;
pub mod aws;
pub mod azure;
pub mod bicep;
pub mod cloudformation;
pub mod ctx;
pub mod error;
pub mod gcp;
pub mod json;
pub mod kubernetes;
pub mod params;
pub mod raw;
pub mod suppress;
pub mod terraform;

pub use error::{ErrorKind, IngestError};

use aws::AwsItems;
use azure::AzureItems;
use ctx::Ctx;
use gcp::GcpItems;
use kubernetes::KubernetesItems;
use portcullis_model::Estate;
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
    pub errors: Vec<IngestError>,
    /// Inline suppressions written in its comments ([`suppress`]).
    pub suppressions: Vec<suppress::Inline>,
}

/// Marker keys that make a JSON file worth parsing. Checked on the first
/// bytes only, so unrelated JSON (package.json, lock files) costs a scan of
/// a few kilobytes, not a parse.
const JSON_MARKERS: &[&str] = &[
    "\"SecurityGroups\"",
    "\"NetworkAcls\"",
    "\"Reservations\"",
    "\"NetworkInterfaces\"",
    "\"PrefixLists\"",
    "\"PrefixListId\"",
    // Paths: `aws ec2 describe-route-tables`, `-subnets`, `-vpcs`, gateways,
    // Elastic IPs; `aws elbv2` and `aws elb` load balancers.
    "\"RouteTables\"",
    "\"Subnets\"",
    "\"Vpcs\"",
    "\"InternetGateways\"",
    "\"EgressOnlyInternetGateways\"",
    "\"NatGateways\"",
    "\"Addresses\"",
    "\"LoadBalancers\"",
    "\"Listeners\"",
    "\"Rules\"",
    "\"TargetGroups\"",
    "\"TargetHealthDescriptions\"",
    "\"LoadBalancerDescriptions\"",
    "\"format_version\"",
    "\"Cidr\"",
    // `az network nsg list/show`, `az network nic list/show`, service tags.
    "\"securityRules\"",
    "\"defaultSecurityRules\"",
    "\"ipConfigurations\"",
    "\"addressPrefixes\"",
    // `gcloud compute firewall-rules list/describe --format=json`.
    "\"compute#firewall\"",
    "\"sourceRanges\"",
    "\"IPProtocol\"",
];

/// The first 64 KiB of a text (after a byte-order mark and white space):
/// where format markers are looked for.
fn head(text: &str) -> &str {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let mut end = t.len().min(64 * 1024);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    &t[..end]
}

fn looks_like_ours(text: &str) -> bool {
    let head = head(text);
    // CLI dumps of Azure and GCP are top-level arrays.
    if !head.starts_with('{') && !head.starts_with('[') {
        return false;
    }
    JSON_MARKERS.iter().any(|m| head.contains(m))
}

/// Inputs at least this large are parsed and adapted on two threads.
const PIPELINE_BYTES: usize = 8 << 20;
/// Elements handed to the adapting thread at a time.
const BATCH: usize = 256;

/// Most parts a large indented input is read in at once.
const MAX_PARTS: usize = 8;

/// Whether the text is printed over many lines (the CLIs' default), which
/// lets a large array be split between threads (json::parse_streaming_parts).
fn is_indented(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr(b'\n', &b[..b.len().min(4096)]).is_some()
}

/// One share of a large dump's array, read on its own thread.
struct DumpPart<'t> {
    ctx: Ctx<'t>,
    items: AwsItems,
}

impl json::PartSink for DumpPart<'_> {
    fn element(&mut self, key: &str, node: json::Node) {
        aws::dumps::read_element(&mut self.ctx, key, &node, &mut self.items);
    }
}

/// What the user gave besides the files themselves.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Template parameter values (`--parameters`).
    pub parameters: params::Parameters,
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
    if bicep::is_bicep_path(path) {
        let mut o = bicep::read_input(path, text, p);
        let (found, errors) = suppress::scan(&Arc::from(path), text, suppress::Syntax::Bicep);
        o.suppressions = found;
        o.errors.extend(errors);
        return o;
    }
    let h = head(text);
    if let Some(mut o) = arm::read_input(path, text, h, p).or_else(|| cloudformation::read_input(path, text, h, p)) {
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
    let mut out = FileOutcome { path: path.to_string(), ..Default::default() };
    if !looks_like_ours(text) {
        return out;
    }
    let file: Arc<str> = Arc::from(path);
    let mut ctx = Ctx::new(file, text);
    // AWS dumps can be hundreds of megabytes: their big arrays are adapted
    // element by element as the parser reaches them (the parser skips a
    // byte-order mark itself and counts offsets from the original text).
    // Large inputs adapt on a second thread while the parser goes on.
    let mut streamed = AwsItems::default();
    let mut saw_stream = false;
    let parts = if text.len() >= PIPELINE_BYTES && is_indented(text) {
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_PARTS)
    } else {
        1
    };
    let parsed = if parts > 1 {
        // Indented text (as the CLIs print it): each core parses and adapts
        // its own share of the big array; the parser confirms each share's
        // start against the share before it (json::parse_streaming_parts).
        let file = ctx.file.clone();
        let mut others: Vec<DumpPart> =
            (1..parts).map(|_| DumpPart { ctx: Ctx::new(file.clone(), text), items: AwsItems::default() }).collect();
        let result = {
            let mut refs: Vec<&mut dyn json::PartSink> =
                others.iter_mut().map(|p| p as &mut dyn json::PartSink).collect();
            let mut sink = |key: &str, node: json::Node| {
                saw_stream = true;
                aws::dumps::read_element(&mut ctx, key, &node, &mut streamed);
            };
            json::parse_streaming_parts(text, json::Options::default(), aws::dumps::STREAMED_KEYS, &mut sink, &mut refs)
        };
        let (root, used) = result;
        for part in others.into_iter().take(used - 1) {
            streamed.extend(part.items);
            ctx.errors.extend(part.ctx.errors);
        }
        root
    } else if text.len() >= PIPELINE_BYTES {
        // Batches go to the adapting thread and come back to be dropped
        // here: nodes freed on the thread that allocated them are reused by
        // the allocator, where frees from another thread left the parser
        // asking the kernel for fresh (zeroed) pages all along.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(&'static str, json::Node)>>(4);
        let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<(&'static str, json::Node)>>();
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let mut items = AwsItems::default();
                for batch in rx {
                    for (key, node) in &batch {
                        aws::dumps::read_element(&mut ctx, key, node, &mut items);
                    }
                    // The parser has gone when this fails: drop here.
                    let _ = back_tx.send(batch);
                }
                items
            });
            let mut batch = Vec::with_capacity(BATCH);
            let mut sink = |key: &str, node: json::Node| {
                saw_stream = true;
                let key = aws::dumps::STREAMED_KEYS.iter().copied().find(|k| *k == key).unwrap_or("");
                batch.push((key, node));
                if batch.len() == BATCH {
                    // Drop the adapted batches' nodes, reusing one vector.
                    let mut next = None;
                    while let Ok(mut done) = back_rx.try_recv() {
                        done.clear();
                        next = Some(done);
                    }
                    let next = next.unwrap_or_else(|| Vec::with_capacity(BATCH));
                    // A send fails only if the worker died; its panic is
                    // reported when it is joined below.
                    let _ = tx.send(std::mem::replace(&mut batch, next));
                }
            };
            let parsed = json::parse_streaming(text, json::Options::default(), aws::dumps::STREAMED_KEYS, &mut sink);
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            drop(tx);
            match worker.join() {
                Ok(items) => streamed = items,
                Err(p) => std::panic::resume_unwind(p),
            }
            parsed
        })
    } else {
        let mut sink = |key: &str, node: json::Node| {
            saw_stream = true;
            aws::dumps::read_element(&mut ctx, key, &node, &mut streamed);
        };
        json::parse_streaming(text, json::Options::default(), aws::dumps::STREAMED_KEYS, &mut sink)
    };
    let root = match parsed {
        Ok(r) => r,
        Err(e) => {
            ctx.errors.push(ctx.json_error(&e));
            out.format = Some("json");
            out.aws = streamed;
            out.errors = ctx.errors;
            return out;
        }
    };
    if aws::tfplan::is_plan(&root) {
        out.format = Some("terraform-plan");
        let resources = aws::tfplan::resources(&mut ctx, &root);
        terraform::adapt(&resources, &mut ctx.errors, &mut out.aws, &mut out.azure, &mut out.gcp, &mut out.kubernetes);
    } else if let Some(kind) = aws::dumps::kind_of(&root) {
        out.format = Some(kind);
        if !saw_stream {
            out.aws = aws::dumps::read(&mut ctx, &root, kind);
        }
        aws::network_dumps::mark(kind, &mut out.aws.network);
    } else if let Some(kind) = azure::dumps::kind_of(&root) {
        out.format = Some(kind);
        out.azure = azure::dumps::read(&mut ctx, &root, kind);
    } else if let Some(kind) = gcp::dumps::kind_of(&root) {
        out.format = Some(kind);
        out.gcp = gcp::dumps::read(&mut ctx, &root);
    }
    if saw_stream {
        out.aws.extend(streamed);
    }
    out.errors = ctx.errors;
    out
}

/// Builds the estate from every file's outcome.
pub fn assemble(outcomes: &mut [FileOutcome]) -> Estate {
    let mut estate = Estate::default();
    let mut aws = AwsItems::default();
    let mut azure = AzureItems::default();
    let mut gcp = GcpItems::default();
    let mut kubernetes = KubernetesItems::default();
    for o in outcomes.iter_mut() {
        aws.extend(std::mem::take(&mut o.aws));
        azure.extend(std::mem::take(&mut o.azure));
        gcp.extend(std::mem::take(&mut o.gcp));
        kubernetes.extend(std::mem::take(&mut o.kubernetes));
    }
    assemble::assemble_aws(aws, &mut estate);
    assemble_azure::assemble_azure(azure, &mut estate);
    assemble_gcp::assemble_gcp(gcp, &mut estate);
    kubernetes::assemble(kubernetes, &mut estate);
    estate
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
    let result = terraform::hcl::evaluate_dir(dir, display, inputs);
    let mut out = FileOutcome { path: display.to_string(), format: Some("terraform"), ..Default::default() };
    out.errors = result.errors;
    out.suppressions = match only_files {
        Some(files) => result.suppressions.into_iter().filter(|s| files.iter().any(|f| **f == *s.span.file)).collect(),
        None => result.suppressions,
    };
    let resources: Vec<terraform::TfResource> = match only_files {
        Some(files) => result.resources.into_iter().filter(|r| files.iter().any(|f| **f == *r.span.file)).collect(),
        None => result.resources,
    };
    terraform::adapt(&resources, &mut out.errors, &mut out.aws, &mut out.azure, &mut out.gcp, &mut out.kubernetes);
    TerraformOutcome { outcome: out, module_dirs_called: result.module_dirs_called }
}
