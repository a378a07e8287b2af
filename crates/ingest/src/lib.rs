//! portcullis ingest: detect each input's format by its content, parse it
//! with positions, and adapt it onto the model.
//!
//! Reading is two phases so files can be read in parallel: [`read_input`]
//! turns one file's text into items (and errors with file, line and
//! column); [`assemble`] resolves references across files and builds the
//! [`Estate`].

pub mod assemble;
pub mod aws;
pub mod ctx;
pub mod error;
pub mod json;
pub mod terraform;

pub use error::{ErrorKind, IngestError};

use aws::AwsItems;
use ctx::Ctx;
use portcullis_model::Estate;
use std::sync::Arc;

/// What one file contributed.
#[derive(Clone, Debug, Default)]
pub struct FileOutcome {
    pub path: String,
    /// The detected format, `None` when the file is not an input we read.
    pub format: Option<&'static str>,
    pub aws: AwsItems,
    pub errors: Vec<IngestError>,
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
    "\"format_version\"",
    "\"Cidr\"",
];

fn looks_like_ours(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') {
        return false;
    }
    let mut end = t.len().min(64 * 1024);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    let head = &t[..end];
    JSON_MARKERS.iter().any(|m| head.contains(m))
}

/// Reads one file's text. `path` is used as given in spans and errors.
pub fn read_input(path: &str, text: &str) -> FileOutcome {
    let mut out = FileOutcome { path: path.to_string(), ..Default::default() };
    if !looks_like_ours(text) {
        return out;
    }
    // A byte-order mark is not JSON; skip it but keep offsets right.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let file: Arc<str> = Arc::from(path);
    let mut ctx = Ctx::new(file, text);
    let root = match json::parse(&text[bom..], json::Options::default()) {
        Ok(r) => r,
        Err(e) => {
            ctx.error(e.offset + bom as u32, ErrorKind::Syntax, format!("not valid JSON: {}", e.message));
            out.format = Some("json");
            out.errors = ctx.errors;
            return out;
        }
    };
    let root = shift(root, bom as u32);
    if aws::tfplan::is_plan(&root) {
        out.format = Some("terraform-plan");
        let resources = aws::tfplan::resources(&mut ctx, &root);
        terraform::adapt(&resources, &mut ctx.errors, &mut out.aws);
    } else if let Some(kind) = aws::dumps::kind_of(&root) {
        out.format = Some(kind);
        out.aws = aws::dumps::read(&mut ctx, &root, kind);
    }
    out.errors = ctx.errors;
    out
}

fn shift(n: json::Node, by: u32) -> json::Node {
    if by == 0 {
        return n;
    }
    use json::{Member, Node, Value};
    let value = match n.value {
        Value::Array(a) => Value::Array(a.into_iter().map(|c| shift(c, by)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|m| Member { key: m.key, key_offset: m.key_offset + by, value: shift(m.value, by) })
                .collect(),
        ),
        v => v,
    };
    Node { value, offset: n.offset + by }
}

/// Builds the estate from every file's outcome.
pub fn assemble(outcomes: &mut [FileOutcome]) -> Estate {
    let mut estate = Estate::default();
    let mut aws = AwsItems::default();
    for o in outcomes.iter_mut() {
        aws.extend(std::mem::take(&mut o.aws));
    }
    assemble::assemble_aws(aws, &mut estate);
    estate
}
