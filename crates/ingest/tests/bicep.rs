//! Bicep input must never panic, whatever the bytes: every prefix of real
//! files (cut anywhere a lexer, parser or evaluator can be surprised) and
//! every single-byte corruption of one is read to an outcome, and the
//! suppression scanner copes with the same texts.

use portcullis_ingest::suppress::{scan, Syntax};
use portcullis_ingest::{assemble, read_input};
use std::sync::Arc;

const SAMPLES: &[&str] = &[
    include_str!("../../cli/tests/fixtures/semantics/bicep-inline-rules/main.bicep"),
    include_str!("../../cli/tests/fixtures/semantics/bicep-child-rules/main.bicep"),
    include_str!("../../cli/tests/fixtures/semantics/bicep-unknowns/main.bicep"),
    include_str!("../../cli/tests/fixtures/suppressions/bicep-inline/main.bicep"),
];

fn read_all(text: &str) {
    let mut outcomes = vec![read_input("t.bicep", text)];
    let _ = assemble(&mut outcomes);
    for syntax in [Syntax::Hcl, Syntax::Yaml, Syntax::Jsonc, Syntax::Bicep] {
        let _ = scan(&Arc::from("t"), text, syntax);
    }
}

#[test]
fn every_prefix_reads_without_panic() {
    for sample in SAMPLES {
        for end in (0..=sample.len()).filter(|&i| sample.is_char_boundary(i)) {
            read_all(&sample[..end]);
        }
    }
}

#[test]
fn corrupted_bytes_read_without_panic() {
    const NOISE: &[u8] = b"'{}[]()$\\\n:,.?!=|/*#@";
    let sample = SAMPLES[0].as_bytes();
    for i in (0..sample.len()).step_by(7) {
        for &b in NOISE {
            let mut v = sample.to_vec();
            v[i] = b;
            if let Ok(text) = std::str::from_utf8(&v) {
                read_all(text);
            }
        }
    }
}

#[test]
fn a_real_file_reads_cleanly_and_finds_its_nsg() {
    let out = read_input("main.bicep", SAMPLES[1]);
    assert_eq!(out.format, Some("bicep"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.azure.nsgs.len(), 1);
    assert_eq!(out.azure.rules.len(), 4, "nested, parent:, by name, and the one on an existing NSG");
}
