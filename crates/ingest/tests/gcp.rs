//! GCP firewall and Kubernetes Service semantics, read from `gcloud` dumps
//! and Terraform plans: fixture in, admitted sources out.

mod common;

use common::{admitted, exact, find, set, target};
use portcullis_engine::evaluate;
use portcullis_ingest::IngestError;
use portcullis_model::{AddrSet, Estate, Protocol};

fn load(files: &[&str]) -> (Estate, Vec<IngestError>) {
    common::load_from("", files, None)
}

fn internal(estate: &Estate, id: &str, port: u16) -> Vec<String> {
    let e = evaluate(estate, target(estate, id), Protocol::TCP, port).expect("target exists");
    e.lower.internal.iter().map(|i| i.name.clone()).collect()
}

const RULES: &str = "gcp/firewall-rules.json";

#[test]
fn a_deny_beats_an_allow_at_equal_priority() {
    let (estate, errors) = load(&[RULES]);
    assert!(errors.is_empty(), "{errors:?}");
    // deny-kcm-cp and allow-kcm-cp: both priority 1000, both target tag cp.
    assert_eq!(exact(&estate, "allow-kcm-cp", 10257), AddrSet::empty());
    assert_eq!(exact(&estate, "allow-kcm-cp", 10258), AddrSet::empty(), "the allow names 10257 only");
}

#[test]
fn the_lowest_priority_number_wins() {
    let (estate, _) = load(&[RULES]);
    // allow-sched-early (100) before deny-sched-late (200, every instance).
    assert_eq!(exact(&estate, "allow-sched-early", 10259), AddrSet::all_v4());
    let t = &estate.targets[target(&estate, "allow-sched-early")];
    let layer = &estate.layers[t.path[0].layers[0]];
    assert!(layer.entries.iter().any(|e| e.resource == "deny-sched-late"), "the deny is in the layer, and loses");
}

#[test]
fn target_tags_narrow_which_instances_a_deny_covers() {
    let (estate, _) = load(&[RULES]);
    // deny-kcm-cp applies to instances tagged cp only: the untagged
    // instances allow-kcm-everywhere applies to stay open.
    assert_eq!(exact(&estate, "allow-kcm-everywhere", 10257), AddrSet::all_v4());
    let t = &estate.targets[target(&estate, "allow-kcm-everywhere")];
    assert!(t.notes.iter().any(|n| n.contains("deny-kcm-cp") && n.contains("not counted")), "{:?}", t.notes);
}

#[test]
fn disabled_rules_are_ignored() {
    let (estate, _) = load(&[RULES]);
    // deny-disabled (priority 10, every instance) would shadow everything.
    assert!(find(&estate, "allow-disabled").is_none());
    assert_eq!(exact(&estate, "allow-kcm-everywhere", 10257), AddrSet::all_v4());
    assert!(!estate.layers.iter().flat_map(|l| &l.entries).any(|e| e.resource.ends_with("disabled")));
}

#[test]
fn source_tags_alone_are_internal_and_or_with_ranges() {
    let (estate, _) = load(&[RULES]);
    assert_eq!(exact(&estate, "allow-bastion-tags", 10257), AddrSet::empty());
    assert_eq!(internal(&estate, "allow-bastion-tags", 10257), ["tag:bastion"]);
    assert_eq!(exact(&estate, "allow-ranges-or-tags", 10257), set(&["198.51.100.0/24", "9.9.9.0/24"]));
    assert_eq!(internal(&estate, "allow-ranges-or-tags", 10257), ["tag:bastion"]);
    assert_eq!(exact(&estate, "allow-sa", 10257), AddrSet::empty());
    assert_eq!(internal(&estate, "allow-sa", 10257), ["serviceAccount:bastion@demo.iam.gserviceaccount.com"]);
}

#[test]
fn no_source_is_0_0_0_0_slash_0_and_protocol_numbers_are_read() {
    let (estate, _) = load(&[RULES]);
    assert_eq!(exact(&estate, "allow-no-source", 10257), AddrSet::all_v4());
    assert_eq!(exact(&estate, "allow-no-source", 10261), AddrSet::empty());
}

#[test]
fn all_protocols_and_other_networks() {
    let (estate, _) = load(&[RULES]);
    assert_eq!(exact(&estate, "allow-all-protocols", 10257), AddrSet::all_v6());
    let t = &estate.targets[target(&estate, "allow-all-protocols")];
    let layer = &estate.layers[t.path[0].layers[0]];
    assert!(layer.entries.iter().all(|e| e.resource == "allow-all-protocols"), "no deny of network default");
}

#[test]
fn egress_rules_and_deny_rules_are_not_targets() {
    let (estate, _) = load(&[RULES]);
    assert!(find(&estate, "allow-egress").is_none());
    assert!(find(&estate, "deny-kcm-cp").is_none());
}

#[test]
fn invalid_values_are_errors_with_positions_and_undetermined() {
    let (estate, mut errors) = load(&["gcp/invalid.json"]);
    errors.sort_by_key(|e| (e.line, e.column));
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/gcp/invalid.json", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture");
    assert_eq!(errors.len(), 3, "{errors:?}");
    for (needle, e) in ["\"tcpp\"", "\"ten\"", "\"10.0.0.0/33\""].iter().zip(&errors) {
        let line = text.lines().nth(e.line as usize - 1).expect("line");
        assert!(line[e.column as usize - 1..].starts_with(needle), "{e} should point at {needle}: {line}");
    }
    let (lo, up) = admitted(&estate, "bad-values", 10257);
    assert!(lo.is_empty());
    assert_eq!(up, AddrSet::all());
}

const PLAN: &str = "gcp/plan.json";

#[test]
fn an_instance_is_guarded_by_the_rules_of_its_network_that_apply_to_it() {
    let (estate, errors) = load(&[PLAN]);
    assert!(errors.is_empty(), "{errors:?}");
    // cp (tag cp): deny-kcm at 900 before allow-cp at 1000.
    assert_eq!(exact(&estate, "google_compute_instance.cp", 10257), AddrSet::empty());
    assert_eq!(exact(&estate, "google_compute_instance.cp", 10259), AddrSet::all_v4());
    assert_eq!(exact(&estate, "google_compute_instance.cp", 22), AddrSet::all_v4());
    // sa (no tags, service account cp@): allow-sa and allow-ssh only.
    assert_eq!(exact(&estate, "google_compute_instance.sa", 10257), AddrSet::all_v4());
    assert_eq!(exact(&estate, "google_compute_instance.sa", 10259), AddrSet::empty());
}

#[test]
fn rules_that_apply_to_no_instance_in_the_input_are_their_own_targets() {
    let (estate, _) = load(&[PLAN]);
    assert_eq!(exact(&estate, "google_compute_firewall.allow_workers", 10250), AddrSet::all_v4());
    assert_eq!(exact(&estate, "google_compute_firewall.other_net", 10257), AddrSet::all_v4());
    for applied in ["allow_cp", "allow_ssh_all", "allow_sa"] {
        assert!(find(&estate, &format!("google_compute_firewall.{applied}")).is_none(), "{applied}");
    }
}

#[test]
fn kubernetes_load_balancer_services() {
    let (estate, _) = load(&[PLAN]);
    // No source ranges: every IPv4 source, on port and targetPort.
    assert_eq!(exact(&estate, "kubernetes_service_v1.kcm_lb", 10257), AddrSet::all_v4());
    assert_eq!(exact(&estate, "kubernetes_service_v1.kcm_lb", 443), AddrSet::all_v4());
    assert_eq!(exact(&estate, "kubernetes_service.kcm_ranges", 10257), set(&["203.0.113.0/24", "9.9.9.0/24"]));
    // Dual-stack, named targetPort: only the service port counts.
    assert_eq!(exact(&estate, "kubernetes_service.named", 8443), AddrSet::all());
    assert_eq!(exact(&estate, "kubernetes_service.named", 10257), AddrSet::empty());
    assert!(find(&estate, "kubernetes_service.internal").is_none(), "ClusterIP stays inside");
}

#[test]
fn kubernetes_node_port_services_are_undetermined() {
    let (estate, _) = load(&[PLAN]);
    for port in [10257, 30000, 32767] {
        let (lo, up) = admitted(&estate, "kubernetes_service.np", port);
        assert!(lo.is_empty());
        assert_eq!(up, AddrSet::all(), "tcp/{port}");
    }
    assert_eq!(exact(&estate, "kubernetes_service.np", 80), AddrSet::empty(), "the cluster port stays inside");
}
