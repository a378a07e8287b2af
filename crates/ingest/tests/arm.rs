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

const CP: &str = "nsg-cp";
const PARAM: &str = "[parameters('nsgName')]";

#[test]
fn json_with_comments_trailing_commas_and_raw_line_breaks_is_read() {
    let (estate, errors) = load(&["nsg.json"]);
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = estate.targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [CP, PARAM, "nsg-unknown"],
        "NSGs are named as deployed (as written when unknown); joined rules are not targets"
    );
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

/// The entries of a target's own layer: (resource, label, line).
fn entries(estate: &Estate, id: &str) -> Vec<(String, String, u32)> {
    let t = &estate.targets[target(estate, id)];
    let layer = &estate.layers[t.path[0].layers[0]];
    layer
        .entries
        .iter()
        .filter(|e| e.origin == portcullis_model::Origin::Explicit)
        .map(|e| (e.resource.clone(), e.label.clone(), e.span.line))
        .collect()
}

#[test]
fn nsgs_and_rules_are_named_by_the_names_they_deploy() {
    let (estate, errors) = load(&["names.json"]);
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<&str> = estate.targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        ["prod-eu1-cp-nsg", "stage-nsg", "[concat(parameters('region'), '-nsg')]"],
        "`[variables('nsgName')]` of `[concat('prod-eu1','-cp-nsg')]`, `[format('{{0}}-nsg', parameters('env'))]` \
         with its default; a name from a parameter without one is kept as written"
    );
    // Children: nested (`allow-scheduler`) and top-level `nsg/rule`
    // (`allow-kubelet`), both named `nsg/rule`, labelled by their own name.
    let got = entries(&estate, "prod-eu1-cp-nsg");
    let names: Vec<(&str, &str)> =
        got.iter().map(|(r, l, _)| (r.as_str(), l.split(':').next().unwrap_or(""))).collect();
    assert_eq!(
        names,
        [
            ("prod-eu1-cp-nsg", "priority 100 allow-kcm"),
            ("prod-eu1-cp-nsg/allow-scheduler", "priority 110 allow-scheduler"),
            ("prod-eu1-cp-nsg/allow-kubelet", "priority 120 allow-kubelet"),
        ]
    );
    assert_eq!(exact(&estate, "prod-eu1-cp-nsg", 10250), set(&["203.0.113.0/24"]));
    assert_eq!(exact(&estate, "stage-nsg", 10257), AddrSet::all());
}

#[test]
fn a_name_that_cannot_be_evaluated_says_so() {
    let (estate, _) = load(&["names.json"]);
    let id = "[concat(parameters('region'), '-nsg')]";
    let t = &estate.targets[target(&estate, id)];
    let note = t.notes.iter().find(|n| n.contains("deploys is not known")).expect("a note on the name");
    assert!(note.contains("parameter region has no defaultValue") && note.contains("named as written"), "{note}");
    // Its child, named from the same unknown parameter, still joins it.
    assert_eq!(exact(&estate, id, 10259), AddrSet::all());
    let children = entries(&estate, id);
    assert_eq!(children[1].0, "[concat(parameters('region'), '-nsg/allow-scheduler')]", "as written");
}

#[test]
fn a_property_copy_loop_makes_one_rule_per_iteration() {
    let (estate, errors) = load(&["copy.json"]);
    assert_eq!(errors.len(), 1, "only the count of 801: {errors:?}");
    assert_eq!(exact(&estate, "property-loop-nsg", 10257), AddrSet::all());
    assert_eq!(exact(&estate, "property-loop-nsg", 10259), AddrSet::all());
    assert_eq!(exact(&estate, "property-loop-nsg", 10250), AddrSet::empty());
    let got = entries(&estate, "property-loop-nsg");
    let labels: Vec<&str> = got.iter().map(|(_, l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "priority 100 allow-10257: allow tcp 10257 from * (copy loop securityRules, iteration 1 of 2)",
            "priority 101 allow-10259: allow tcp 10259 from * (copy loop securityRules, iteration 2 of 2)",
        ]
    );
    // Each rule at the line of what it was made from (the input's
    // `sourceAddressPrefix`).
    assert!(got.iter().all(|(_, _, line)| *line == 39), "{got:?}");
}

#[test]
fn a_variable_copy_loop_makes_the_variable() {
    let (estate, _) = load(&["copy.json"]);
    assert_eq!(exact(&estate, "variable-loop-nsg", 10250), set(&["203.0.113.0/24", "198.51.100.0/24"]));
    let got = entries(&estate, "variable-loop-nsg");
    let labels: Vec<&str> = got.iter().map(|(_, l, _)| l.split(':').next().unwrap_or("")).collect();
    assert_eq!(labels, ["priority 300 kubelet-1", "priority 301 kubelet-2"], "copyIndex with an offset");
    assert!(got.iter().all(|(_, _, line)| *line == 18), "{got:?}");
}

#[test]
fn a_resource_copy_loop_makes_one_resource_per_iteration() {
    let (estate, _) = load(&["copy.json"]);
    assert_eq!(exact(&estate, "resource-loop-nsg", 10257), set(&["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"]));
    let got = entries(&estate, "resource-loop-nsg");
    let shown: Vec<(&str, &str)> = got.iter().map(|(r, l, _)| (r.as_str(), l.as_str())).collect();
    assert_eq!(
        shown,
        [
            (
                "resource-loop-nsg/from-source-1",
                "priority 200 from-source-1: allow tcp 10257 from 203.0.113.0/24 (copy loop ruleLoop, iteration 1 of 3)"
            ),
            (
                "resource-loop-nsg/from-source-2",
                "priority 201 from-source-2: allow tcp 10257 from 198.51.100.0/24 (copy loop ruleLoop, iteration 2 of 3)"
            ),
            (
                "resource-loop-nsg/from-source-3",
                "priority 202 from-source-3: allow tcp 10257 from 192.0.2.0/24 (copy loop ruleLoop, iteration 3 of 3)"
            ),
        ]
    );
}

#[test]
fn a_copy_count_the_template_cannot_tell_is_undetermined_with_the_reason() {
    let (estate, _) = load(&["copy.json"]);
    for id in ["unknown-count-nsg", "unknown-loop-nsg"] {
        let (lo, up) = admitted(&estate, id, 10257);
        assert_eq!((lo, up), (AddrSet::empty(), AddrSet::all()), "{id}");
        let e = evaluate(&estate, target(&estate, id), Protocol::TCP, 10257).expect("target");
        let reason = &e.unknowns[0].1.reason;
        assert!(
            reason.contains("is not known") && reason.contains("parameter extraPorts has no defaultValue"),
            "{reason}"
        );
    }
}

#[test]
fn a_copy_count_above_azures_limit_is_an_error() {
    let (estate, errors) = load(&["copy.json"]);
    let e = errors.iter().find(|e| e.message.contains("801")).expect("an error for count 801");
    assert!(e.message.contains("more than 800"), "{}", e.message);
    assert_eq!((e.line, e.column), (116, 22), "the count");
    let (lo, up) = admitted(&estate, "too-many-nsg", 10257);
    assert_eq!((lo, up), (AddrSet::empty(), AddrSet::all()), "what the loop builds is unknown");
}

#[test]
fn copy_loops_in_copy_loops_are_bounded() {
    // 800 × 800 × 800 values if evaluated: stopped at the budget, with an
    // error, and the rules are unknown.
    let text = r#"{
      "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "variables": {
        "copy": [
          {"name": "c", "count": 800, "input": "abcdefgh"},
          {"name": "b", "count": 800, "input": "[variables('c')]"},
          {"name": "a", "count": 800, "input": "[variables('b')]"}
        ]
      },
      "resources": [
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01", "name": "big",
         "properties": {"securityRules": "[variables('a')]"}}
      ]
    }"#;
    let mut outs = vec![portcullis_ingest::read_input("big.json", text)];
    let errors = outs[0].errors.clone();
    assert!(errors.iter().any(|e| e.message.contains("more than 1000000 values")), "{errors:?}");
    let estate = portcullis_ingest::assemble(&mut outs);
    let (lo, up) = admitted(&estate, "big", 10257);
    assert_eq!((lo, up), (AddrSet::empty(), AddrSet::all()));
}

#[test]
fn any_count_is_read_without_panic_and_a_bad_one_is_an_error() {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/arm/copy.json", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture");
    let cases = [
        ("0", false),
        ("800", false),
        ("-1", true),
        ("9223372036854775807", true),
        ("\"x\"", true),
        ("null", true),
        ("[1]", true),
        ("\"[copyIndex()]\"", true),
        ("\"[copyIndex('nowhere')]\"", true),
    ];
    for (count, bad) in cases {
        let t = text.replace(r#""count": 3"#, &format!(r#""count": {count}"#));
        let mut outs = vec![portcullis_ingest::read_input("count.json", &t)];
        let errors: Vec<String> = outs[0].errors.iter().map(|e| e.message.clone()).collect();
        let about_it = errors.iter().filter(|m| m.contains("ruleLoop") || m.contains("copyIndex")).count();
        assert_eq!(about_it > 0, bad, "count {count}: {errors:?}");
        let estate = portcullis_ingest::assemble(&mut outs);
        let (lo, up) = admitted(&estate, "resource-loop-nsg", 10257);
        if bad || count == "0" {
            assert_eq!(lo, AddrSet::empty(), "count {count}");
        }
        if bad {
            assert_eq!(up, AddrSet::all(), "count {count}: unknown, never a pass");
        }
    }
}
