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

fn hardening_codes_found(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).expect("fixture readable");
    let mut outcomes = vec![portcullis_ingest::read_input(&file.to_string_lossy(), &text)];
    assert!(outcomes[0].errors.is_empty(), "{}: {:?}", file.display(), outcomes[0].errors);
    assert!(outcomes[0].format.is_some(), "{} not recognized", file.display());
    let estate = portcullis_ingest::assemble(&mut outcomes);
    portcullis_rules::check_hardening(&estate).into_iter().map(|f| f.rule).collect()
}

/// Hardening rules keep their examples as YAML: the bad one is flagged by
/// that rule and by no other, the good one by none.
#[test]
fn every_hardening_rule_has_fixtures_that_behave() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for rule in catalog::HARDENING_RULES {
        let dir = root.join(rule.code);
        let (bad, good) = (dir.join("bad.yaml"), dir.join("good.yaml"));
        assert!(bad.is_file() && good.is_file(), "{} needs fixtures/{}/bad.yaml and good.yaml", rule.code, rule.code);
        let found = hardening_codes_found(&bad);
        assert_eq!(found, BTreeSet::from([rule.code.to_string()]), "{}: bad example", rule.code);
        assert!(hardening_codes_found(&good).is_empty(), "{}: good example flagged", rule.code);
    }
}

#[test]
fn every_hardening_rule_documents_every_section_and_its_sources() {
    let mut codes = BTreeSet::new();
    for rule in catalog::HARDENING_RULES {
        assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
        assert!(PORT_RULES.iter().all(|p| p.code != rule.code), "{} is also a port rule", rule.code);
        assert!(rule.code.starts_with("PC2"), "{}: kube-controller-manager rules are PC2xx", rule.code);
        let docs = clean_docs(rule.docs);
        for s in DOC_SECTIONS {
            assert!(docs.contains(s), "{} docs lack `{s}`", rule.code);
        }
        assert!(docs.contains("https://"), "{} docs cite no reference link", rule.code);
        assert!(docs.contains("CIS Kubernetes Benchmark"), "{} docs do not say which CIS item applies", rule.code);
        assert_eq!(catalog::find_hardening(&rule.code.to_lowercase()).map(|r| r.code), Some(rule.code));
    }
}
