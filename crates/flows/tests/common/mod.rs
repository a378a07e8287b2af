//! Shared test helpers: where the shared fixtures are, and reading a file
//! into records.

#![allow(dead_code)]

use portcullis_flows::aws::Layout;
use portcullis_flows::read::read_path_into;
use portcullis_flows::record::Collect;
use std::path::{Path, PathBuf};

/// `../shared/flowlogs`, or `None` with a visible notice when it is absent
/// (a failure when `PORTCULLIS_REQUIRE_FIXTURES` is set, as in CI).
pub fn shared_flowlogs() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/flowlogs");
    if p.is_dir() {
        return Some(p);
    }
    let required = std::env::var_os("PORTCULLIS_REQUIRE_FIXTURES").is_some_and(|v| !v.is_empty());
    assert!(!required, "PORTCULLIS_REQUIRE_FIXTURES is set but {} is missing", p.display());
    eprintln!("SKIPPED: {} not found (the shared fixtures are not part of a clone)", p.display());
    None
}

/// The project's own small fixtures.
pub fn own_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn collect(path: &Path, fields: Option<&str>) -> (Option<&'static str>, Collect) {
    let layout = fields.map(|f| Layout::parse_fields(f).expect("valid --fields"));
    let mut c = Collect::default();
    let format = read_path_into(path, layout.as_ref(), &mut c).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (format, c)
}
