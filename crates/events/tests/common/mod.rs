//! Reading fixtures and judging them as the command does.

#![allow(dead_code)]

use portcullis_events::{judge, read_input, Change, Input, Stats, Watch};
use portcullis_model::named::non_public;
use std::path::{Path, PathBuf};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

/// tcp/10257 watched, private space authorized (the default).
pub fn default_watch() -> Watch {
    Watch { ports: vec![(6, 10257)], authorized: non_public().clone(), authorized_internal: vec![], explicit: false }
}

pub struct Judged {
    pub changes: Vec<Change>,
    pub stats: Stats,
    pub errors: Vec<String>,
}

pub fn judge_files(paths: &[PathBuf], watch: &Watch) -> Judged {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    let mut stats = Stats::default();
    for p in paths {
        let input =
            Input { path: p.clone(), display: p.file_name().unwrap().to_string_lossy().into_owned(), named: true };
        let out = read_input(&input);
        stats.events += out.seen;
        if out.recognized {
            stats.files += 1;
        }
        events.extend(out.events);
        errors.extend(out.errors.iter().map(|e| format!("{}:{}:{}: {e}", e.file, e.line, e.column)));
    }
    let changes = judge(events, watch, &mut stats);
    Judged { changes, stats, errors }
}

/// `verdict event resource port +added -removed` per change, for compact asserts.
pub fn summary(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}/{} +[{}] -[{}]",
                c.verdict.name(),
                c.event,
                c.resource.rsplit('/').next().unwrap_or_default(),
                c.protocol,
                c.port,
                c.added.join(" "),
                c.removed.join(" ")
            )
        })
        .collect()
}
