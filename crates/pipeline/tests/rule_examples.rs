//! Every rule's examples, through the pipeline a command runs: each input
//! in `crates/rules/fixtures/<CODE>/bad/` must be flagged by that rule,
//! each in `good/` must not. An example is one file in any format
//! portcullis reads, or a folder (a Terraform module); a rule that applies
//! to several formats has an example in each of them.
//!
//! Port rules run with the built-in ports and `--port 8080` (the user's
//! port, PC199). A hardening rule's bad example is flagged by that rule and
//! no other hardening rule, its good one by none. Flow-log rules read flow
//! logs. Suppression rules judge the suppressions written in the examples
//! on a fixed day. Probe rules judge live endpoints: their examples are the
//! servers of `crates/rules/tests/probe_live.rs`.

use portcullis_flows::Watch;
use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::ReadOptions;
use portcullis_model::named::non_public;
use portcullis_model::{Date, Protocol};
use portcullis_pipeline::{judge, FlowsRequest, Policy, Reading, Run, ScanRequest, Suppressions};
use portcullis_rules::registry::{self, FamilyKind, Rule, RULES};
use portcullis_rules::{Authorized, FindingKind, PortQuery};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/fixtures")
}

/// The examples in `dir`: its files and folders, by name.
fn examples(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.expect("a readable fixture folder").path()).collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

/// What `portcullis scan --port 8080` asks: every built-in port, then 8080.
fn queries() -> Vec<PortQuery> {
    let mut out: Vec<PortQuery> = registry::family(FamilyKind::Port)
        .flat_map(|rule| {
            rule.ports()
                .iter()
                .flat_map(move |&(a, b)| (a..=b).map(move |port| PortQuery { port, protocol: Protocol::TCP, rule }))
        })
        .collect();
    out.push(PortQuery { port: 8080, protocol: Protocol::TCP, rule: registry::user_port_rule() });
    out
}

/// The findings the report of `run` lists, after suppressions judged on a
/// fixed day; the run must have read its input without errors.
fn reported(run: Run, example: &Path) -> Vec<portcullis_rules::Finding> {
    assert!(run.errors.is_empty(), "{}: {:?}", example.display(), run.errors);
    assert_eq!(run.files_read, 1, "{}: read as one input", example.display());
    let today = Date::parse("2026-06-01").expect("a day");
    let policy =
        Policy { suppressions: Some(Suppressions { config: Vec::new(), today: Some(today) }), ..Policy::default() };
    judge(run, &policy).expect("judged").run.findings
}

fn scanned(example: &Path) -> Vec<portcullis_rules::Finding> {
    let run = portcullis_pipeline::scan(&ScanRequest {
        reading: Reading {
            paths: &[example.to_path_buf()],
            terraform: &TerraformInputs::default(),
            options: &ReadOptions::default(),
            parameter_files: &[],
        },
        queries: &queries(),
        authorized: &Authorized::default(),
        timings: false,
    });
    reported(run, example)
}

fn flows(example: &Path) -> Vec<portcullis_rules::Finding> {
    let watch = Watch { ports: vec![(6, 10257)], authorized: non_public().clone(), since: None, until: None };
    let run = portcullis_pipeline::flows(&FlowsRequest {
        paths: &[example.to_path_buf()],
        watch: &watch,
        fields: None,
        top: 5,
        progress: None,
    });
    reported(run, example)
}

/// The codes `rule` is judged by in an example's findings: the rule's own
/// family (a hardening example is judged by every hardening rule).
fn codes(rule: &Rule, example: &Path) -> BTreeSet<String> {
    let findings = match rule.family.kind() {
        FamilyKind::Flow => flows(example),
        _ => scanned(example),
    };
    findings
        .into_iter()
        .filter(|f| match rule.family.kind() {
            FamilyKind::Hardening => f.kind == FindingKind::Hardening,
            _ => f.rule == rule.code,
        })
        .map(|f| f.rule)
        .collect()
}

#[test]
fn every_rule_flags_its_bad_examples_and_not_its_good_ones() {
    let mut checked = 0;
    for rule in RULES {
        let dir = fixtures().join(rule.code);
        let (bad, good) = (examples(&dir.join("bad")), examples(&dir.join("good")));
        if rule.family.kind() == FamilyKind::Probe {
            assert!(bad.is_empty() && good.is_empty(), "{}: probe examples are live servers", rule.code);
            continue;
        }
        assert!(
            !bad.is_empty() && !good.is_empty(),
            "{} needs fixtures/{}/bad/ and good/ examples",
            rule.code,
            rule.code
        );
        for example in &bad {
            let found = codes(rule, example);
            let want = BTreeSet::from([rule.code.to_string()]);
            assert_eq!(found, want, "{}: bad example {} is flagged by it (and alone)", rule.code, example.display());
            checked += 1;
        }
        for example in &good {
            let found = codes(rule, example);
            assert!(found.is_empty(), "{}: good example {} flagged: {found:?}", rule.code, example.display());
            checked += 1;
        }
    }
    assert!(checked >= 200, "{checked} examples");
}

/// A rule that reads several input formats has examples in more than one.
#[test]
fn rules_that_read_several_formats_have_examples_in_several() {
    for rule in RULES.iter().filter(|r| r.family.kind() != FamilyKind::Probe) {
        let formats: BTreeSet<String> = examples(&fixtures().join(rule.code).join("bad"))
            .iter()
            .map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
            .collect();
        let least = match rule.family.kind() {
            FamilyKind::Port => 7,
            _ => 2,
        };
        assert!(formats.len() >= least, "{}: examples in {formats:?}, at least {least} formats expected", rule.code);
    }
}

/// Every probe rule has a live example: its code is asserted on a server.
#[test]
fn every_probe_rule_is_asserted_on_a_live_server() {
    let live = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/tests/probe_live.rs"))
        .expect("the live probe tests");
    for rule in registry::family(FamilyKind::Probe) {
        assert!(live.contains(&format!("\"{}\"", rule.code)), "{} has no live example in probe_live.rs", rule.code);
    }
}
