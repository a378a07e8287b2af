//! Nothing panics on a damaged Kubernetes file: every prefix of every
//! YAML fixture (a file cut off mid-write, a truncated download) is read,
//! assembled and checked by the hardening rules. Errors are fine; a panic
//! is not, and a syntax error always carries a line.

use std::path::Path;

fn yaml_fixtures() -> Vec<std::path::PathBuf> {
    let roots = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/fixtures/kubernetes"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/kubernetes"),
    ];
    let mut out = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = roots.into_iter().filter(|r| r.is_dir()).collect();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("readable dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "manifest") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_prefix_of_every_kubernetes_fixture_reads_without_panicking() {
    let files = yaml_fixtures();
    assert!(files.len() >= 30, "expected the Kubernetes fixtures, found {}", files.len());
    let mut read = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).expect("UTF-8 fixture");
        // Every 5th byte boundary keeps the test quick while still cutting
        // inside keys, values, flow collections and quoted scalars.
        for end in (0..=text.len()).step_by(5).filter(|&i| text.is_char_boundary(i)) {
            let mut outcomes = vec![portcullis_ingest::read_input("cut.yaml", &text[..end])];
            for e in &outcomes[0].errors {
                assert!(e.line >= 1, "{}: error without a line at {end}: {e}", f.display());
            }
            let estate = portcullis_ingest::assemble(&mut outcomes);
            let _ = portcullis_rules::check_hardening(&estate);
            read += 1;
        }
    }
    assert!(read > 1000, "read {read} prefixes");
}
