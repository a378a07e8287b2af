//! ARM templates: network security groups and their rules, evaluated by
//! the same builder as every Azure input. Fixture in, admitted sources out.

mod common;

use common::{admitted, exact, set, target};
use portcullis_engine::evaluate;
use portcullis_ingest::IngestError;
use portcullis_model::named::public;
use portcullis_model::{AddrSet, Estate, Protocol};

fn load(files: &[&str]) -> (Estate, Vec<IngestError>) {
    common::load_from("arm/", files, Some("arm"))
}

const CP: &str = "[variables('cpNsg')]";
const PARAM: &str = "[parameters('nsgName')]";

#[test]
fn json_with_comments_trailing_commas_and_raw_line_breaks_is_read() {
    let (estate, errors) = load(&["nsg.json"]);
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = estate.targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, [CP, PARAM, "nsg-unknown"], "NSGs are named as written; joined rules are not targets");
}

#[test]
fn priority_order_with_a_deny_before_an_allow() {
    let (estate, _) = load(&["nsg.json"]);
    // 100 denies Internet (the public space) on the port from a variable,
    // 200 allows everything: what is left is the private space.
    assert_eq!(exact(&estate, CP, 10257), AddrSet::all().difference(public()));
    assert_eq!(exact(&estate, CP, 22), AddrSet::all());
}

#[test]
fn child_rules_join_their_nsg_nested_or_by_name() {
    let (estate, _) = load(&["nsg.json"]);
    assert_eq!(exact(&estate, CP, 10259), AddrSet::empty(), "nested `securityRules` child at 150");
    assert_eq!(exact(&estate, CP, 10250), AddrSet::empty(), "top-level `nsg/rule` child at 120");
    // Both named by the same parameter without a default: they still meet.
    assert_eq!(exact(&estate, PARAM, 10257), AddrSet::all());
    assert_eq!(
        exact(&estate, PARAM, 6443),
        set(&["198.51.100.0/24"]),
        "rules from a variable, source from a parameter"
    );
}

#[test]
fn a_resource_whose_condition_is_false_is_not_deployed() {
    let (estate, _) = load(&["nsg.json"]);
    // kcm-if-asked (priority 101, allow 10257 from *) depends on openKcm = false.
    let layer = &estate.layers[estate.targets[target(&estate, CP)].path[0].layers[0]];
    assert!(!layer.entries.iter().any(|e| e.resource.contains("kcm-if-asked")));
}

#[test]
fn an_expression_azure_evaluates_at_deployment_is_undetermined() {
    let (estate, _) = load(&["nsg.json"]);
    let (lo, up) = admitted(&estate, "nsg-unknown", 10257);
    assert_eq!(lo, AddrSet::empty());
    assert_eq!(up, AddrSet::all());
    let e = evaluate(&estate, target(&estate, "nsg-unknown"), Protocol::TCP, 10257).expect("target");
    assert!(e.unknowns.iter().any(|(_, u)| u.reason.contains("reference()")), "{:?}", e.unknowns);
}

#[test]
fn entries_point_at_their_lines() {
    let (estate, _) = load(&["nsg.json"]);
    let e = evaluate(&estate, target(&estate, "nsg-unknown"), Protocol::TCP, 10257).expect("target");
    let (_, u) = &e.unknowns[0];
    assert_eq!((u.span.line, u.span.column), (112, 38), "the sourceAddressPrefix value");
}

#[test]
fn invalid_expressions_are_errors_and_unknowns() {
    let (estate, errors) = load(&["invalid.json"]);
    let at: Vec<(u32, u32)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(at, [(14, 38), (22, 38)], "{errors:?}");
    assert!(errors[0].message.contains("ends too early"), "{}", errors[0].message);
    assert!(errors[1].message.contains("nowhere"));
    for port in [10257, 10259] {
        let (lo, up) = admitted(&estate, "nsg-bad", port);
        assert_eq!((lo, up), (AddrSet::empty(), AddrSet::all()), "tcp/{port}");
    }
}

#[test]
fn a_syntax_error_is_reported_with_its_position() {
    let (_, errors) = load(&["syntax.json"]);
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].line, errors[0].column), (4, 5));
}
