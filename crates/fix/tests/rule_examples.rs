//! Every port rule's bad examples (`crates/rules/fixtures/<CODE>/bad/`),
//! fixed for real: copied to a temporary directory, fixed with `--apply`
//! (the re-scan inside must agree), scanned again by the pipeline with
//! zero findings of the rule left, and the diff checked to be minimal:
//! only the lines that carry the sources change. Fixed Terraform re-parses
//! with hcl-edit and keeps every comment; fixed YAML keeps every comment
//! and re-reads; fixed CloudFormation passes cfn-lint (pinned, installed
//! by `.ci/run`; skipped with a notice without it, mandatory under
//! `PORTCULLIS_REQUIRE_CFN_LINT`). CLI dumps get commands instead.

use portcullis_fix::edit::Format;
use portcullis_fix::{fix, Dialect, FixRequest, Outcome};
use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::ReadOptions;
use portcullis_model::{AddrSet, Cidr, Protocol};
use portcullis_pipeline::{scan, Reading, ScanRequest};
use portcullis_rules::registry::{self, FamilyKind};
use portcullis_rules::{Authorized, PortQuery};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/fixtures")
}

fn queries() -> Vec<PortQuery> {
    let mut out = PortQuery::builtin();
    out.push(PortQuery { port: 8080, protocol: Protocol::TCP, rule: registry::user_port_rule() });
    out
}

/// Who may connect in these tests: one private range, and the Azure
/// virtual network (whose default rule admits it after a narrowed rule).
fn authorized() -> Authorized {
    Authorized {
        addrs: AddrSet::from_cidrs([Cidr::parse("10.0.0.0/8").expect("a CIDR")]),
        internal: vec!["VirtualNetwork".into()],
        explicit: true,
    }
}

fn copy_into(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("a directory");
        for e in std::fs::read_dir(from).expect("a fixture folder") {
            let e = e.expect("an entry");
            copy_into(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).expect("a copy");
    }
}

fn run_fix(path: &Path, code: &str, apply: bool) -> Outcome {
    let paths = [path.to_path_buf()];
    let select = [code.to_string()];
    fix(&FixRequest {
        reading: Reading {
            paths: &paths,
            terraform: &TerraformInputs::default(),
            options: &ReadOptions::default(),
            parameter_files: &[],
            documents: &[],
            cloud: None,
        },
        queries: &queries(),
        authorized: &authorized(),
        select: &select,
        fail_on: None,
        unsafe_fixes: true,
        apply,
        dialect: Dialect::Shell,
        waivers: &[],
        baseline: None,
    })
    .expect("fix runs")
}

fn findings_of(path: &Path, code: &str) -> Vec<String> {
    let paths = [path.to_path_buf()];
    let run = scan(&ScanRequest {
        reading: Reading {
            paths: &paths,
            terraform: &TerraformInputs::default(),
            options: &ReadOptions::default(),
            parameter_files: &[],
            documents: &[],
            cloud: None,
        },
        queries: &queries(),
        authorized: &authorized(),
        timings: false,
    });
    assert!(run.errors.is_empty(), "{}: {:?}", path.display(), run.errors);
    run.findings.iter().filter(|f| f.rule == code).map(|f| format!("{}:{} {}", f.file, f.line, f.message)).collect()
}

/// The lines a diff removes and adds.
fn changed_lines(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(change.value().to_string()),
            similar::ChangeTag::Insert => added.push(change.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    (removed, added)
}

fn comments(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.trim_start().starts_with('#') || l.trim_start().starts_with("//")).collect()
}

fn cfn_lint() -> Option<PathBuf> {
    match std::env::var_os("PORTCULLIS_CFN_LINT").map(PathBuf::from).filter(|p| p.exists()) {
        Some(p) => Some(p),
        None if std::env::var_os("PORTCULLIS_REQUIRE_CFN_LINT").is_some() => {
            panic!("PORTCULLIS_REQUIRE_CFN_LINT is set but PORTCULLIS_CFN_LINT names no cfn-lint")
        }
        None => {
            eprintln!("notice: cfn-lint not installed (PORTCULLIS_CFN_LINT): fixed templates not linted");
            None
        }
    }
}

/// cfn-lint's problems per file (code and message, without the place),
/// for many files in one run (each start costs seconds).
fn lint_problems(lint: &Path, files: &[PathBuf]) -> BTreeMap<PathBuf, BTreeSet<String>> {
    let out = std::process::Command::new(lint).args(files).output().expect("cfn-lint runs");
    // Exit codes: 0 clean, 2 errors, 4 warnings, 8 informational, ORed;
    // 1 is cfn-lint failing.
    assert!(out.status.code().is_some_and(|c| c != 1 && c < 16), "cfn-lint failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut problems: BTreeMap<PathBuf, BTreeSet<String>> =
        files.iter().map(|f| (f.clone(), BTreeSet::new())).collect();
    // Each problem is two lines: `CODE message`, then `file:line:column`.
    let lines: Vec<&str> = text.lines().collect();
    for pair in lines.windows(2) {
        let is_problem =
            pair[0].len() > 5 && pair[0].as_bytes()[0].is_ascii_uppercase() && pair[0].as_bytes()[1].is_ascii_digit();
        if !is_problem {
            continue;
        }
        let Some(file) = files.iter().find(|f| pair[1].starts_with(&*f.to_string_lossy())) else { continue };
        problems.entry(file.clone()).or_default().insert(pair[0].to_string());
    }
    problems
}

#[test]
fn every_port_rule_example_is_fixed_minimally_and_rescans_clean() {
    let lint = cfn_lint();
    let keep = tempfile::tempdir().expect("a directory for the templates");
    let mut templates: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut fixed_files = 0;
    let mut commands = 0;
    for rule in registry::family(FamilyKind::Port) {
        let dir = fixtures().join(rule.code).join("bad");
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut examples: Vec<PathBuf> = entries.map(|e| e.expect("an entry").path()).collect();
        examples.sort();
        for example in examples {
            let name = example.file_name().expect("a name").to_owned();
            let tmp = tempfile::tempdir().expect("a temporary directory");
            let copy = tmp.path().join(&name);
            copy_into(&example, &copy);
            let what = format!("{} {}", rule.code, example.display());
            assert!(!findings_of(&copy, rule.code).is_empty(), "{what}: the example is not flagged");
            let dry = run_fix(&copy, rule.code, false);
            assert!(dry.unfixable.is_empty(), "{what}: {:#?}", dry.unfixable);
            assert_eq!(dry.still_open, 0, "{what}: the model predicts findings left");
            if !dry.commands.is_empty() {
                commands += dry.commands.len();
                assert!(dry.changes.is_empty(), "{what}: a dump is not edited");
                continue;
            }
            let applied = run_fix(&copy, rule.code, true);
            assert_eq!(applied.restored, None, "{what}");
            assert!(!applied.written.is_empty(), "{what}: nothing written");
            let left = findings_of(&copy, rule.code);
            assert!(left.is_empty(), "{what}: still flagged after the fix: {left:#?}");
            for change in &dry.changes {
                fixed_files += 1;
                let now = std::fs::read_to_string(&change.path).expect("the fixed file");
                assert_eq!(now, change.after, "{what}: the file holds what the dry run showed");
                // Minimal: every removed line is a line a fix points at,
                // and as many lines come back as go.
                let (removed, added) = changed_lines(&change.before, &change.after);
                let pointed: Vec<&str> = dry
                    .fixes
                    .iter()
                    .filter(|a| a.fix.span.file.as_ref() == change.path)
                    .map(|a| change.before.lines().nth(a.fix.span.line as usize - 1).expect("the fixed line"))
                    .collect();
                for line in &removed {
                    assert!(
                        pointed.contains(&line.trim_end_matches('\n')),
                        "{what}: changed a line no fix points at: {line:?}"
                    );
                }
                assert_eq!(removed.len(), added.len(), "{what}: {removed:?} → {added:?}");
                assert!(added.iter().all(|l| l.contains("10.0.0.0/8")), "{what}: {added:?}");
                // Comments stay.
                for c in comments(&change.before) {
                    assert!(change.after.contains(c), "{what}: comment lost: {c}");
                }
                match change.format {
                    Format::Terraform => {
                        hcl_edit::parser::parse_body(&change.after).expect("fixed Terraform parses with hcl-edit");
                    }
                    Format::CloudFormationYaml | Format::CloudFormationJson => {
                        // The examples use made-up ids cfn-lint rejects; the
                        // fix must add no problem of its own (checked below,
                        // all templates in one cfn-lint run).
                        let original = keep.path().join(format!("{}-{}", rule.code, name.to_string_lossy()));
                        std::fs::write(&original, &change.before).expect("the original written");
                        let fixed = keep.path().join(format!("{}-fixed-{}", rule.code, name.to_string_lossy()));
                        std::fs::write(&fixed, &change.after).expect("the fix written");
                        templates.push((original, fixed));
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(templates.len() >= 11, "only {} CloudFormation templates fixed", templates.len());
    if let Some(lint) = &lint {
        let all: Vec<PathBuf> = templates.iter().flat_map(|(a, b)| [a.clone(), b.clone()]).collect();
        let problems = lint_problems(lint, &all);
        for (original, fixed) in &templates {
            let new: Vec<&String> = problems[fixed].iter().filter(|p| !problems[original].contains(*p)).collect();
            assert!(new.is_empty(), "{}: cfn-lint finds new problems: {new:?}", fixed.display());
        }
    }
    assert!(fixed_files >= 40, "only {fixed_files} files fixed");
    assert!(commands >= 20, "only {commands} commands");
}
