//! The registry obeys its own rules: every rule documents every section
//! with a reference link; codes are unique, shaped `PCnxx` with the
//! family's hundred, and listed in code order; names are unique and say
//! what they flag; look-ups by code, name and port find the right rule.
//! Each rule's good and bad examples are checked by the pipeline's
//! `rule_examples` test (probe rules: live servers, `probe_live.rs`).

use portcullis_rules::registry::{self, Family, FamilyKind, DOC_SECTIONS, RULES};
use std::collections::BTreeSet;

#[test]
fn every_rule_documents_every_section_with_a_link() {
    for rule in RULES {
        let docs = rule.markdown();
        let mut at = 0;
        for s in DOC_SECTIONS {
            let found =
                docs[at..].find(s).unwrap_or_else(|| panic!("{} docs lack `{s}` (or have it out of order)", rule.code));
            at += found + s.len();
        }
        assert!(docs.contains("http"), "{} docs cite no reference link", rule.code);
        assert!(!docs.starts_with(' ') && !docs.ends_with('\n'), "{}: docs are trimmed", rule.code);
    }
}

#[test]
fn hardening_rules_cite_their_sources_and_the_cis_item() {
    for rule in registry::family(FamilyKind::Hardening) {
        let docs = rule.markdown();
        assert!(docs.contains("https://"), "{} docs cite no reference link", rule.code);
        assert!(docs.contains("CIS Kubernetes Benchmark"), "{} docs do not say which CIS item applies", rule.code);
        let Family::Hardening { flags, .. } = rule.family else { unreachable!("a hardening rule") };
        assert!(!flags.is_empty(), "{} reads no flag", rule.code);
    }
}

#[test]
fn codes_and_names_are_unique_shaped_and_in_code_order() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in RULES {
        assert!(codes.insert(r.code), "duplicate code {}", r.code);
        assert!(names.insert(r.name), "duplicate name {}", r.name);
        assert!(r.code.len() == 5 && r.code.starts_with("PC"), "code shape {}", r.code);
        assert!(r.code[2..].bytes().all(|b| b.is_ascii_digit()), "code shape {}", r.code);
        assert!(!r.name.starts_with("no-"), "names say what they flag: {}", r.name);
        let hundred = match r.family.kind() {
            FamilyKind::Port => "PC1",
            FamilyKind::Hardening => "PC2",
            FamilyKind::Probe => "PC3",
            FamilyKind::Flow => "PC4",
            FamilyKind::Event => "PC5",
            FamilyKind::Suppression => "PC9",
        };
        assert!(r.code.starts_with(hundred), "{} is a {:?} rule: its code starts {hundred}", r.code, r.family.kind());
    }
    let listed: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "listed in code order");
    for kind in [
        FamilyKind::Port,
        FamilyKind::Hardening,
        FamilyKind::Probe,
        FamilyKind::Flow,
        FamilyKind::Event,
        FamilyKind::Suppression,
    ] {
        assert!(registry::family(kind).next().is_some(), "no {kind:?} rule");
    }
}

#[test]
fn look_ups_by_code_name_and_port() {
    assert_eq!(registry::find("pc100").map(|r| r.code), Some("PC100"));
    assert_eq!(registry::find("controller-manager-port-reachable").map(|r| r.code), Some("PC100"));
    assert_eq!(registry::find("pc302").map(|r| r.name), Some("metrics-served-anonymously"));
    assert_eq!(registry::find("legacy-tls-accepted").map(|r| r.code), Some("PC310"));
    assert_eq!(registry::find("PC400").map(|r| r.family.kind()), Some(FamilyKind::Flow));
    assert_eq!(registry::find("pc100").map(|r| r.family.kind()), Some(FamilyKind::Port));
    assert!(registry::find("PC999").is_none() && registry::find("").is_none());
    for rule in RULES {
        assert_eq!(registry::find(&rule.code.to_lowercase()).map(|r| r.code), Some(rule.code));
        assert_eq!(registry::find(&rule.name.to_uppercase()).map(|r| r.code), Some(rule.code));
    }
    assert_eq!(registry::for_port(2380).map(|r| r.code), Some("PC102"));
    assert_eq!(registry::for_port(10257).map(|r| r.code), Some("PC100"));
    assert!(registry::for_port(8080).is_none());
    assert_eq!(registry::user_port_rule().code, "PC199");
    assert!(registry::user_port_rule().ports().is_empty(), "the user's port rule asks about the ports named");
    // Only port rules have ports; every port rule but the user's has some.
    for rule in RULES {
        let is_port = rule.family.kind() == FamilyKind::Port;
        assert_eq!(!rule.ports().is_empty(), is_port && rule.code != "PC199", "{}", rule.code);
    }
}
