//! `fix --apply` over a copy of all of `../shared/corpus/` (real files from
//! public repositories): it never panics, its re-scan agrees (nothing is
//! restored), it never widens (every finding after is one that was there
//! before, with no source it did not have), and every selected finding
//! still open afterwards is reported with a reason or was answered with
//! commands (CLI dumps are not edited). Skips with a notice without the
//! corpus; fails instead under `PORTCULLIS_REQUIRE_FIXTURES`.

use portcullis_fix::edit::Format;
use portcullis_fix::{fix, Dialect, FixRequest};
use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::ReadOptions;
use portcullis_model::{AddrSet, Cidr};
use portcullis_pipeline::{scan, Reading, ScanRequest};
use portcullis_rules::{Authorized, Finding, PortQuery};
use std::collections::BTreeMap;
use std::path::Path;

fn copy_into(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("a directory");
        for e in std::fs::read_dir(from).expect("a corpus folder") {
            let e = e.expect("an entry");
            copy_into(&e.path(), &to.join(e.file_name()));
        }
    } else if from.is_file() {
        std::fs::copy(from, to).expect("a copy");
    }
}

fn sources(f: &Finding) -> AddrSet {
    AddrSet::from_cidrs(f.sources.iter().filter_map(|s| Cidr::parse(s).ok()))
}

#[test]
fn fix_over_the_corpus_never_widens_and_reports_what_it_leaves() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !corpus.is_dir() {
        let required = std::env::var_os("PORTCULLIS_REQUIRE_FIXTURES").is_some();
        assert!(!required, "PORTCULLIS_REQUIRE_FIXTURES is set but {} is missing", corpus.display());
        eprintln!("SKIPPED: {} not found (the shared corpus is not part of a clone)", corpus.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("a directory");
    let copy = tmp.path().join("corpus");
    copy_into(&corpus, &copy);
    let queries = PortQuery::builtin();
    let authorized = Authorized {
        addrs: AddrSet::from_cidrs([Cidr::parse("10.0.0.0/8").expect("a CIDR")]),
        internal: Vec::new(),
        explicit: true,
    };
    let paths = [copy.clone()];
    let (terraform, options) = (TerraformInputs::default(), ReadOptions::default());
    let reading = Reading {
        paths: &paths,
        terraform: &terraform,
        options: &options,
        parameter_files: &[],
        documents: &[],
        cloud: None,
    };
    let scan_request = ScanRequest { reading, queries: &queries, authorized: &authorized, timings: false };
    let before = scan(&scan_request);
    let before: BTreeMap<String, AddrSet> = before.findings.iter().map(|f| (f.fingerprint(), sources(f))).collect();

    let outcome = fix(&FixRequest {
        reading,
        queries: &queries,
        authorized: &authorized,
        select: &[],
        fail_on: None,
        unsafe_fixes: true,
        apply: true,
        dialect: Dialect::Shell,
        waivers: &[],
        baseline: None,
    })
    .expect("fix runs");
    assert_eq!(outcome.restored, None, "the re-scan disagreed");
    assert!(outcome.changed_since_read.is_empty());
    eprintln!(
        "corpus: {} findings selected, {} fixes, {} files written, {} commands, {} not fixed",
        outcome.selected,
        outcome.fixes.len(),
        outcome.written.len(),
        outcome.commands.len(),
        outcome.unfixable.len()
    );
    assert!(!outcome.written.is_empty(), "the corpus has findings a fix writes");

    let after = scan(&scan_request);
    for f in &after.findings {
        let fingerprint = f.fingerprint();
        let Some(was) = before.get(&fingerprint) else { panic!("a new finding after the fix: {fingerprint}") };
        let now = sources(f);
        assert!(
            was.contains_set(&now),
            "{fingerprint}: wider after the fix: {:?}",
            now.difference(was).to_cidr_strings()
        );
    }
    // Every exposure still open is explained.
    let dumped: Vec<&str> =
        outcome.fixes.iter().filter(|a| matches!(a.format, Format::Dump(_))).map(|a| a.fix.resource.as_str()).collect();
    for f in after.findings.iter().filter(|f| f.kind == portcullis_rules::FindingKind::Exposure) {
        let reported =
            outcome.unfixable.iter().any(|u| u.resource == f.resource && u.rule.split(',').any(|r| r == f.rule));
        assert!(
            reported || dumped.contains(&f.resource.as_str()),
            "{} {} {}:{} still open and not reported",
            f.rule,
            f.resource,
            f.file,
            f.line
        );
    }
    for u in &outcome.unfixable {
        assert!(!u.reason.is_empty(), "{u:?}");
    }
}
