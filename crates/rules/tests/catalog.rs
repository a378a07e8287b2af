//! Every rule keeps good and bad examples in `fixtures/<CODE>/`: bad ones
//! must be found by that rule, good ones must not. Every rule's docs have
//! the sections STYLE.md requires.

use portcullis_model::Protocol;
use portcullis_rules::catalog::{self, PORT_RULES};
use portcullis_rules::spec::{clean_docs, DOC_SECTIONS};
use portcullis_rules::{check_estate, Authorized, PortQuery};
use std::collections::BTreeSet;
use std::path::Path;

fn queries_for(rule: &'static portcullis_rules::PortRule) -> Vec<PortQuery> {
    let ports: Vec<(u16, u16)> = if rule.ports.is_empty() { vec![(8080, 8080)] } else { rule.ports.to_vec() };
    ports
        .iter()
        .flat_map(|&(a, b)| (a..=b).map(move |port| PortQuery { port, protocol: Protocol::TCP, rule }))
        .collect()
}

fn codes_found(file: &Path, rule: &'static portcullis_rules::PortRule) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).expect("fixture readable");
    let mut outcomes = vec![portcullis_ingest::read_input(&file.to_string_lossy(), &text)];
    assert!(outcomes[0].errors.is_empty(), "{}: {:?}", file.display(), outcomes[0].errors);
    assert!(outcomes[0].format.is_some(), "{} not recognized", file.display());
    let estate = portcullis_ingest::assemble(&mut outcomes);
    check_estate(&estate, &queries_for(rule), &Authorized::default()).into_iter().map(|f| f.rule).collect()
}

#[test]
fn every_rule_has_good_and_bad_fixtures_that_behave() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for rule in PORT_RULES {
        let dir = root.join(rule.code);
        let bad = dir.join("bad.json");
        let good = dir.join("good.json");
        assert!(bad.is_file() && good.is_file(), "{} needs fixtures/{}/bad.json and good.json", rule.code, rule.code);
        assert!(codes_found(&bad, rule).contains(rule.code), "{}: bad example not flagged", rule.code);
        assert!(!codes_found(&good, rule).contains(rule.code), "{}: good example flagged", rule.code);
    }
}

#[test]
fn every_rule_documents_every_section() {
    for rule in PORT_RULES {
        let docs = clean_docs(rule.docs);
        for s in DOC_SECTIONS {
            assert!(docs.contains(s), "{} docs lack `{s}`", rule.code);
        }
        assert!(docs.contains("http"), "{} docs cite no reference link", rule.code);
    }
}

#[test]
fn codes_and_names_are_unique_and_stable_in_shape() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in PORT_RULES {
        assert!(codes.insert(r.code), "duplicate code {}", r.code);
        assert!(names.insert(r.name), "duplicate name {}", r.name);
        assert!(r.code.len() == 5 && r.code.starts_with("PC"), "code shape {}", r.code);
        assert!(!r.name.starts_with("no-"), "names say what they flag: {}", r.name);
    }
    assert_eq!(catalog::find("pc100").map(|r| r.code), Some("PC100"));
    assert_eq!(catalog::find("controller-manager-port-reachable").map(|r| r.code), Some("PC100"));
    assert_eq!(catalog::for_port(2380).map(|r| r.code), Some("PC102"));
    assert_eq!(catalog::for_port(8080), None);
}
