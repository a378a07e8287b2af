//! Every rule keeps good and bad examples in `fixtures/<CODE>/`: bad ones
//! must be found by that rule, good ones must not.

use portcullis_model::Protocol;
use portcullis_rules::registry::{self, FamilyKind, Rule};
use portcullis_rules::{check_estate, Authorized, PortQuery};
use std::collections::BTreeSet;
use std::path::Path;

fn queries_for(rule: &'static Rule) -> Vec<PortQuery> {
    let ports: Vec<(u16, u16)> = if rule.ports().is_empty() { vec![(8080, 8080)] } else { rule.ports().to_vec() };
    ports
        .iter()
        .flat_map(|&(a, b)| (a..=b).map(move |port| PortQuery { port, protocol: Protocol::TCP, rule }))
        .collect()
}

fn codes_found(file: &Path, rule: &'static Rule) -> BTreeSet<String> {
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
    for rule in registry::family(FamilyKind::Port) {
        let dir = root.join(rule.code);
        let bad = dir.join("bad.json");
        let good = dir.join("good.json");
        assert!(bad.is_file() && good.is_file(), "{} needs fixtures/{}/bad.json and good.json", rule.code, rule.code);
        assert!(codes_found(&bad, rule).contains(rule.code), "{}: bad example not flagged", rule.code);
        assert!(!codes_found(&good, rule).contains(rule.code), "{}: good example flagged", rule.code);
    }
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
    for rule in registry::family(FamilyKind::Hardening) {
        let dir = root.join(rule.code);
        let (bad, good) = (dir.join("bad.yaml"), dir.join("good.yaml"));
        assert!(bad.is_file() && good.is_file(), "{} needs fixtures/{}/bad.yaml and good.yaml", rule.code, rule.code);
        let found = hardening_codes_found(&bad);
        assert_eq!(found, BTreeSet::from([rule.code.to_string()]), "{}: bad example", rule.code);
        assert!(hardening_codes_found(&good).is_empty(), "{}: good example flagged", rule.code);
    }
}
