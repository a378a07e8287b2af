//! JSON inputs that are not templates: CLI dumps of every provider and
//! Terraform plans. The text is parsed once; the big arrays of an AWS dump
//! are handed to the AWS adapter element by element while the parser goes
//! on (on several threads for a large dump), and the root is then given to
//! whichever reader recognises it.

use crate::context::Context;
use crate::head;
use crate::languages::terraform::plan;
use crate::providers::aws::{self, AwsItems};
use crate::providers::{adapt_terraform, azure, gcp};
use crate::FileOutcome;
use portcullis_syntax::json;
use std::sync::Arc;

/// Marker keys that make a JSON file worth parsing. Checked on the first
/// bytes only, so unrelated JSON (package.json, lock files) costs a scan of
/// a few kilobytes, not a parse.
const JSON_MARKERS: &[&str] = &[
    "\"SecurityGroups\"",
    "\"SecurityGroupRules\"",
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
    // Paths: `az network public-ip list`, `lb list`, `route-table list`,
    // `vnet list` (the CLI's and the REST API's key casings).
    "\"publicIPAllocationMethod\"",
    "\"publicIpAllocationMethod\"",
    "\"frontendIPConfigurations\"",
    "\"frontendIpConfigurations\"",
    "\"loadBalancingRules\"",
    "\"nextHopType\"",
    "\"disableBgpRoutePropagation\"",
    "\"addressSpace\"",
    "Microsoft.Network/routeTables\"",
    "Microsoft.Network/publicIPAddresses\"",
    "Microsoft.Network/loadBalancers\"",
    "Microsoft.Network/virtualNetworks\"",
    // `gcloud compute firewall-rules list/describe --format=json`.
    "\"compute#firewall\"",
    "\"sourceRanges\"",
    "\"IPProtocol\"",
    // `gcloud compute instances`, `routes`, `forwarding-rules`,
    // `target-pools`, `backend-services`, `instance-groups`, target
    // proxies, `url-maps`, `addresses` (`list --format=json`).
    "\"compute#instance",
    "\"compute#route\"",
    "\"compute#forwardingRule\"",
    "\"compute#target",
    "\"compute#backendService\"",
    "\"compute#urlMap\"",
    "\"compute#address\"",
    "\"networkInterfaces\"",
    "\"destRange\"",
    "\"backends\"",
    "\"defaultService\"",
    "\"addressType\"",
];

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
    ctx: Context<'t>,
    items: AwsItems,
}

impl json::PartSink for DumpPart<'_> {
    fn element(&mut self, key: &str, node: json::Node) {
        aws::dumps::read_element(&mut self.ctx, key, &node, &mut self.items);
    }
}

/// Reads a JSON text that is not a template; the outcome has no format
/// when the text is not an input we read.
pub(crate) fn read(path: &str, text: &str) -> FileOutcome {
    let mut out = FileOutcome { path: path.to_string(), ..Default::default() };
    // An empty `gcloud … list` prints `[]`, which no content can tell
    // apart: the name the live reader saves it under says what it lists.
    if let Some(kind) = gcp::dumps::network::empty_list(path, text) {
        out.format = Some(kind.format());
        gcp::dumps::network::mark(kind, &mut out.gcp);
        return out;
    }
    if !looks_like_ours(text) {
        return out;
    }
    let file: Arc<str> = Arc::from(path);
    let mut ctx = Context::new(file, text);
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
        let mut others: Vec<DumpPart> = (1..parts)
            .map(|_| DumpPart { ctx: Context::new(file.clone(), text), items: AwsItems::default() })
            .collect();
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
        let mut items = vec![std::mem::take(&mut streamed)];
        for part in others.into_iter().take(used - 1) {
            items.push(part.items);
            ctx.errors.extend(part.ctx.errors);
        }
        streamed = AwsItems::concat(items);
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
    if plan::is_plan(&root) {
        out.format = Some("terraform-plan");
        let resources = plan::resources(&mut ctx, &root);
        adapt_terraform(&resources, &mut ctx.errors, &mut out.aws, &mut out.azure, &mut out.gcp, &mut out.kubernetes);
    } else if let Some(kind) = aws::dumps::kind_of(&root) {
        out.format = Some(kind);
        if !saw_stream {
            out.aws = aws::dumps::read(&mut ctx, &root, kind);
        }
        aws::dumps::network::mark(kind, &mut out.aws.network);
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
