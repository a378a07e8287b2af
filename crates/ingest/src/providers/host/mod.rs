//! A node's own firewall (iptables, ip6tables, ipset, nftables, firewalld,
//! ufw) as a provider: where the host firewall readers join the pipeline.
//!
//! The formats themselves live in the `portcullis-hostfw` crate, one
//! module per format, because the kernel check (`portcullis-kernelcheck`)
//! loads the same files into the kernel and reads them without the rest of
//! ingest. This folder does what every provider does here: recognise a
//! file by its content ([`read_input`]), and put what every file said
//! together into the estate ([`assemble`]): one target per node (the
//! files of a directory), and the node's firewall added as the last layer
//! of a cloud target that is the same machine.

use crate::error::{ErrorKind, IngestError};
use crate::FileOutcome;
use portcullis_hostfw::{HostfwError, Items, Options};
use portcullis_model::Estate;

/// How many leading bytes of a walked file [`recognises`] looks at: every
/// marker the readers detect sits in a saved file's first lines (the
/// comment block of `/etc/default/ufw` is the longest, about 500 bytes).
pub const HEAD_BYTES: usize = 8 * 1024;

/// Whether a file's first [`HEAD_BYTES`] look like a host firewall input,
/// so that a directory walk reads it.
pub fn recognises(head: &[u8]) -> bool {
    portcullis_hostfw::recognises(&String::from_utf8_lossy(head))
}

fn ingest_error(e: HostfwError) -> IngestError {
    let kind = match e.kind {
        portcullis_hostfw::ErrorKind::Syntax => ErrorKind::Syntax,
        _ => ErrorKind::Invalid,
    };
    IngestError { file: e.file, line: e.line, column: e.column, kind, message: e.message }
}

/// Reads `text` when it is a host firewall input, keeping what the user
/// told about the nodes (`--interface`) with the items.
pub fn read_input(path: &str, text: &str, opts: &Options) -> Option<FileOutcome> {
    let outcome = portcullis_hostfw::read_with(path, text, opts)?;
    Some(FileOutcome {
        path: path.to_string(),
        format: Some(outcome.format),
        host: outcome.items,
        errors: outcome.errors.into_iter().map(ingest_error).collect(),
        ..Default::default()
    })
}

/// Adds a target per node, guarded by its firewall, and gives each cloud
/// target that is the same machine the node's firewall after its cloud
/// layers. Runs after the cloud providers, whose targets it extends.
/// Errors only the node's files together show (a zone a binding names but
/// no file defines) come back for the file they point at.
pub fn assemble(items: Vec<Items>, estate: &mut Estate) -> Vec<IngestError> {
    if items.is_empty() {
        return Vec::new();
    }
    let opts = portcullis_hostfw::assemble::options_of(&items, &Options::default());
    let (nodes, errors) = portcullis_hostfw::assemble(items, &opts, estate);
    portcullis_hostfw::assemble::attach_to_cloud_targets(estate, &nodes);
    errors.into_iter().map(ingest_error).collect()
}
