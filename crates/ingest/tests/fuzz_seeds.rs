//! The fuzz targets' seeds (`fuzz/seeds/<target>/`), run through what
//! each target runs, in the normal test suite: the shapes issue 12 found
//! (repeated keys, reversed ranges, byte-order marks, control characters)
//! stay read without a panic even where nobody runs the fuzzer, and each
//! seed still reaches the error it was written for.

use portcullis_ingest::languages::terraform::hcl::{Files, Inputs, MemoryTree};
use portcullis_ingest::{assemble, read_input, read_terraform_dir_in, FileOutcome};
use std::path::{Path, PathBuf};

fn seeds(target: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn errors(outcomes: &[FileOutcome]) -> Vec<String> {
    outcomes.iter().flat_map(|o| o.errors.iter().map(ToString::to_string)).collect()
}

/// What a seed named like this must be told (one of these words).
fn expected(name: &str) -> &'static [&'static str] {
    if name.contains("duplicate") {
        // JSON's message, and the YAML loader's.
        &["appears twice", "duplicated key"]
    } else if name.contains("reversed-range") {
        &["backwards"]
    } else {
        &[]
    }
}

fn check(target: &str, name: &str, errs: &[String]) {
    let want = expected(name);
    if !want.is_empty() {
        assert!(
            errs.iter().any(|e| want.iter().any(|w| e.contains(w))),
            "{target}/{name}: no error saying {want:?}: {errs:#?}"
        );
    }
}

#[test]
fn json_seeds_parse_without_panicking() {
    use portcullis_syntax::json::{parse, testing, Options};
    for (name, text) in seeds("json") {
        for opts in [Options::STRICT, Options::LENIENT] {
            let whole = parse(&text, opts);
            if name.starts_with("duplicate") {
                assert!(whole.as_ref().is_err_and(|e| e.message.contains("appears twice")), "{name}: {whole:?}");
            }
            let sequential = testing::sequentially(&text, opts, &["Items"]);
            for extra in 1..4 {
                assert_eq!(testing::in_parts(&text, opts, &["Items"], extra), sequential, "{name}");
            }
        }
    }
}

#[test]
fn ingest_seeds_read_and_assemble() {
    for (name, text) in seeds("ingest") {
        let mut outcomes = vec![read_input("fuzz.json", &text)];
        let _ = assemble(&mut outcomes);
        check("ingest", &name, &errors(&outcomes));
    }
}

#[test]
fn cloudformation_seeds_read_and_assemble() {
    for (name, text) in seeds("cloudformation") {
        let file = if name.starts_with("json") { "template.json" } else { "template.yaml" };
        let mut outcomes = vec![read_input(file, &text)];
        let _ = assemble(&mut outcomes);
        check("cloudformation", &name, &errors(&outcomes));
    }
}

#[test]
fn terraform_seeds_evaluate_and_assemble() {
    for (name, text) in seeds("terraform") {
        let file = if name.ends_with(".tf.json") { "main.tf.json" } else { "main.tf" };
        let mut tree = MemoryTree::default();
        tree.insert(file, text);
        let read = read_terraform_dir_in(Files::Memory(&tree), Path::new(""), "fuzz", &Inputs::default(), None);
        let mut outcomes = vec![read.outcome];
        let _ = assemble(&mut outcomes);
        check("terraform", &name, &errors(&outcomes));
    }
}
