//! CloudFormation templates, YAML and JSON: fixture in, admitted sources
//! out (the engine evaluates the estate the adapter builds). The YAML and
//! JSON fixtures are twins and must mean the same.

mod common;

use common::{admitted, exact, set, target};
use portcullis_engine::evaluate;
use portcullis_ingest::{read_input, IngestError};
use portcullis_model::{AddrSet, Estate, Protocol};

fn load(files: &[&str]) -> (Estate, Vec<IngestError>) {
    common::load_from("cloudformation/", files, Some("cloudformation"))
}

#[test]
fn the_instance_is_guarded_by_its_nacl_then_its_groups() {
    for f in ["control-plane.yaml", "control-plane.json"] {
        let (estate, errors) = load(&[f]);
        assert!(errors.is_empty(), "{f}: {errors:?}");
        let t = &estate.targets[target(&estate, "ControlPlane")];
        let layers: Vec<&str> =
            t.path.iter().flat_map(|s| s.layers.iter().map(|&l| estate.layers[l].id.as_str())).collect();
        assert_eq!(layers, ["Acl", "ControlPlaneSG"], "{f}");
        assert_eq!(exact(&estate, "ControlPlane", 10257), AddrSet::all_v4(), "{f}");
    }
}

#[test]
fn parameters_take_their_default_and_functions_are_evaluated() {
    for f in ["control-plane.yaml", "control-plane.json"] {
        let (estate, _) = load(&[f]);
        let office = set(&["198.51.100.0/24"]);
        assert_eq!(exact(&estate, "ControlPlane", 6443), office, "{f}: !Ref OfficeCidr");
        // The merge key copies the office rule; !Select picks the ports
        // from a CommaDelimitedList default.
        assert_eq!(exact(&estate, "ControlPlane", 10250), office, "{f}: merged rule, selected ports");
        assert_eq!(exact(&estate, "ControlPlane", 2379), set(&["203.0.113.0/24"]), "{f}: !FindInMap");
        assert_eq!(exact(&estate, "ControlPlane", 10255), set(&["10.0.0.0/8"]), "{f}: !If on a false !Not");
    }
}

#[test]
fn a_standalone_ingress_joins_its_group_and_the_nacl_deny_mitigates() {
    for f in ["control-plane.yaml", "control-plane.json"] {
        let (estate, _) = load(&[f]);
        assert_eq!(exact(&estate, "ControlPlane", 10258), set(&["::/0"]), "{f}");
        assert_eq!(exact(&estate, "ControlPlane", 10259), AddrSet::empty(), "{f}: rule 90 denies IPv6 before rule 101");
        assert!(!estate.targets.iter().any(|t| t.id == "SchedulerFromOffice"), "{f}: joined, not its own target");
    }
}

#[test]
fn unknown_values_are_undetermined_with_their_reason() {
    for f in ["control-plane.yaml", "control-plane.json"] {
        let (estate, _) = load(&[f]);
        let (lo, up) = admitted(&estate, "ControlPlane", 10256);
        assert_eq!(lo, AddrSet::empty(), "{f}");
        assert_eq!(up, AddrSet::all(), "{f}: !ImportValue may be anything");
        let e = evaluate(&estate, target(&estate, "ControlPlane"), Protocol::TCP, 10256).expect("target");
        assert!(e.unknowns.iter().any(|(_, u)| u.reason.contains("Fn::ImportValue")), "{f}: {:?}", e.unknowns);
        // A parameter without a default.
        let (lo, up) = admitted(&estate, "BastionGroup", 10257);
        assert_eq!((lo, up), (AddrSet::empty(), AddrSet::all()), "{f}");
        let e = evaluate(&estate, target(&estate, "BastionGroup"), Protocol::TCP, 10257).expect("target");
        assert!(e.unknowns.iter().any(|(_, u)| u.reason.contains("BastionCidr has no `Default`")), "{f}");
    }
}

#[test]
fn group_references_are_internal_and_false_conditions_remove_resources() {
    for f in ["control-plane.yaml", "control-plane.json"] {
        let (estate, _) = load(&[f]);
        let e = evaluate(&estate, target(&estate, "ControlPlane"), Protocol::TCP, 22).expect("target");
        assert_eq!(e.lower.addrs, AddrSet::empty(), "{f}");
        let internal: Vec<&str> = e.lower.internal.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(internal, ["WorkerSG"], "{f}: !GetAtt WorkerSG.GroupId");
        assert!(!estate.targets.iter().any(|t| t.id == "DevOnlyGroup"), "{f}: its condition IsDev is false");
        assert_eq!(exact(&estate, "WorkerSG", 10257), AddrSet::empty(), "{f}: attached to nothing, admits nothing");
    }
}

#[test]
fn spans_point_at_the_source_line_in_either_syntax() {
    let (estate, _) = load(&["control-plane.yaml"]);
    let e = evaluate(&estate, target(&estate, "ControlPlane"), Protocol::TCP, 10257).expect("target");
    let entries: Vec<_> = e.lower.pieces.iter().filter_map(|p| portcullis_engine::entry(&estate, p.by)).collect();
    let entry = entries.iter().find(|e| e.label.contains("from 0.0.0.0/0") && e.resource == "ControlPlaneSG");
    let entry = entry.expect("the admitting rule");
    assert_eq!((entry.span.line, entry.span.column), (38, 19), "CidrIp: 0.0.0.0/0 in control-plane.yaml");
}

#[test]
fn invalid_values_are_errors_with_positions_and_never_a_pass() {
    let (estate, errors) = load(&["invalid.yaml"]);
    let at: Vec<(u32, u32)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(at, [(11, 19), (12, 23), (17, 21), (23, 19)], "{errors:?}");
    assert!(errors[0].message.contains("CidrIp"));
    assert!(errors[1].message.contains("unknown protocol `tcpp`"));
    assert!(errors[2].message.contains("FromPort"));
    assert!(errors[3].message.contains("Nowhere"));
    let (lo, up) = admitted(&estate, "Broken", 10257);
    assert_eq!(lo, AddrSet::empty());
    assert_eq!(up, AddrSet::all(), "every broken rule may admit anything");
}

#[test]
fn a_yaml_syntax_error_is_reported_with_its_position() {
    let (_, errors) = load(&["syntax.yaml"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 8);
    assert!(errors[0].message.starts_with("not valid YAML"), "{}", errors[0].message);
}

#[test]
fn other_yaml_is_not_read() {
    let o = read_input("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n");
    assert_eq!(o.format, None);
    assert!(o.errors.is_empty());
}
