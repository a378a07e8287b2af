//! The probe rules (PC3xx) obey the catalog's rules: every docs section
//! STYLE.md requires with a reference link, codes in the PC3xx range and
//! unique across the whole catalog, names that say what they flag. Their
//! good and bad examples are live servers: crates/probe/tests/live.rs.

use portcullis_rules::catalog::{self, FLOW_RULES, PORT_RULES, PROBE_RULES};
use portcullis_rules::spec::{clean_docs, DOC_SECTIONS};
use std::collections::BTreeSet;

#[test]
fn every_probe_rule_documents_every_section() {
    for rule in PROBE_RULES {
        let docs = clean_docs(rule.docs);
        for s in DOC_SECTIONS {
            assert!(docs.contains(s), "{} docs lack `{s}`", rule.code);
        }
        assert!(docs.contains("http"), "{} docs cite no reference link", rule.code);
    }
}

#[test]
fn probe_codes_are_pc3xx_and_unique_across_the_catalog() {
    let mut codes: BTreeSet<&str> = PORT_RULES.iter().map(|r| r.code).collect();
    let mut names: BTreeSet<&str> = PORT_RULES.iter().map(|r| r.name).collect();
    for r in PROBE_RULES {
        assert!(r.code.len() == 5 && r.code.starts_with("PC3"), "code shape {}", r.code);
        assert!(codes.insert(r.code), "duplicate code {}", r.code);
        assert!(names.insert(r.name), "duplicate name {}", r.name);
        assert!(!r.name.starts_with("no-"), "names say what they flag: {}", r.name);
    }
    let listed: Vec<&str> = PROBE_RULES.iter().map(|r| r.code).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "listed in code order");
    assert_eq!(catalog::probe::find("pc302").map(|r| r.name), Some("metrics-served-anonymously"));
    assert_eq!(catalog::probe::find("legacy-tls-accepted").map(|r| r.code), Some("PC310"));
    assert!(catalog::probe::find("PC100").is_none());
}

#[test]
fn flow_rules_document_every_section_and_are_pc4xx() {
    for rule in FLOW_RULES {
        let docs = clean_docs(rule.docs);
        for s in DOC_SECTIONS {
            assert!(docs.contains(s), "{} docs lack `{s}`", rule.code);
        }
        assert!(docs.contains("http"), "{} docs cite no reference link", rule.code);
        assert!(rule.code.starts_with("PC4"), "code shape {}", rule.code);
        assert!(PROBE_RULES.iter().chain(FLOW_RULES).filter(|r| r.code == rule.code).count() == 1);
    }
}
