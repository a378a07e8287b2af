//! Azure NSG semantics, read from `az` CLI dumps and Terraform plans:
//! fixture in, admitted sources out (the engine evaluates the estate the
//! adapters build).

mod common;

use common::{admitted, exact, set, target};
use portcullis_engine::evaluate;
use portcullis_ingest::IngestError;
use portcullis_model::named::public;
use portcullis_model::{AddrSet, Estate, Origin, Protocol};

fn load(files: &[&str]) -> (Estate, Vec<IngestError>) {
    common::load_from("", files, None)
}

const SUB: &str =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-k8s/providers/Microsoft.Network";

fn nsg(name: &str) -> String {
    format!("{SUB}/networkSecurityGroups/{name}")
}

#[test]
fn a_deny_at_100_shadows_an_allow_at_200_for_exactly_its_ports_and_sources() {
    let (estate, errors) = load(&["azure/nsgs.json"]);
    let id = nsg("nsg-shadow");
    assert_eq!(exact(&estate, &id, 10257), AddrSet::all().difference(&set(&["8.8.8.0/24"])));
    assert_eq!(exact(&estate, &id, 10250), AddrSet::all(), "the deny names 10257 only");
    assert_eq!(errors.len(), 1, "only nsg-badport is invalid: {errors:?}");
}

#[test]
fn an_allow_at_100_before_a_deny_at_200_is_open() {
    let (estate, _) = load(&["azure/nsgs.json"]);
    assert_eq!(exact(&estate, &nsg("nsg-open"), 10257), public().clone(), "Internet is the public space");
}

#[test]
fn default_rules_are_appended_when_the_input_lacks_them() {
    let (estate, _) = load(&["azure/nsgs.json"]);
    // nsg-open lists no defaultSecurityRules: 65000 AllowVnetInBound admits
    // the virtual network, 65001 the platform's probe, 65500 denies the rest.
    let t = target(&estate, &nsg("nsg-open"));
    let e = evaluate(&estate, t, Protocol::TCP, 10250).expect("target");
    assert_eq!(e.lower.addrs, AddrSet::empty(), "no address: VirtualNetwork is internal, the load balancer no one");
    let names: Vec<&str> = e.lower.internal.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["VirtualNetwork"]);
    let layer = &estate.layers[estate.targets[t].path[0].layers[0]];
    let defaults: Vec<i64> =
        layer.entries.iter().filter(|e| matches!(e.origin, Origin::Default(_))).map(|e| e.order).collect();
    assert_eq!(defaults, [65000, 65001, 65500]);
    // nsg-shadow lists them: they are read, not added twice (outbound
    // defaults are not inbound rules).
    let t = target(&estate, &nsg("nsg-shadow"));
    let layer = &estate.layers[estate.targets[t].path[0].layers[0]];
    assert_eq!(layer.entries.iter().filter(|e| matches!(e.origin, Origin::Default(_))).count(), 3);
}

#[test]
fn a_service_tag_is_undetermined_until_its_ranges_are_in_the_input() {
    let (estate, _) = load(&["azure/nsgs.json"]);
    let (lo, up) = admitted(&estate, &nsg("nsg-tag"), 10257);
    assert_eq!(lo, AddrSet::empty(), "surely: no address");
    assert_eq!(up, AddrSet::all(), "possibly: anything");
    let t = target(&estate, &nsg("nsg-tag"));
    let e = evaluate(&estate, t, Protocol::TCP, 10257).expect("target");
    assert!(e.unknowns.iter().any(
        |(_, u)| u.what == "service tag AzureCloud" && u.reason.contains("its address ranges are not in the input")
    ));

    let (estate, _) = load(&["azure/nsgs.json", "azure/service-tags.json"]);
    let azure_cloud = set(&["13.64.0.0/11", "20.33.0.0/16", "2603:1000::/24"]);
    assert_eq!(exact(&estate, &nsg("nsg-tag"), 10257), azure_cloud);
}

#[test]
fn a_nic_is_guarded_by_its_subnet_nsg_and_its_own_nsg_intersected() {
    let (estate, errors) = load(&["azure/nsgs.json", "azure/nics.json"]);
    assert_eq!(errors.len(), 1);
    let nic = format!("{SUB}/networkInterfaces/nic-cp");
    let office = set(&["1.2.3.0/24", "5.6.7.8/32"]);
    // Subnet NSG: tcp 10250-10260 from *; NIC NSG: 10257 from the office.
    assert_eq!(exact(&estate, &nic, 10257), office);
    assert_eq!(exact(&estate, &nic, 10250), AddrSet::empty(), "the NIC NSG admits 10250 from the VNet only");
    let e = evaluate(&estate, target(&estate, &nic), Protocol::TCP, 10250).expect("target");
    assert!(e.lower.internal.iter().any(|i| i.name == "VirtualNetwork"));
    let t = &estate.targets[target(&estate, &nic)];
    assert_eq!(t.path.len(), 2);
    assert_eq!(estate.layers[t.path[0].layers[0]].id, nsg("nsg-subnet"), "subnet first");
    assert_eq!(estate.layers[t.path[1].layers[0]].id, nsg("nsg-nic"));
    // A subnet with the NSG and no interface in the input stands for its
    // interfaces; the one with interfaces is not a target of its own.
    let snet = format!("{SUB}/virtualNetworks/vnet-k8s/subnets/snet-empty");
    assert_eq!(exact(&estate, &snet, 10257), AddrSet::all());
    assert!(!estate.targets.iter().any(|t| t.id.ends_with("subnets/snet-cp")));
    assert!(!estate.targets.iter().any(|t| t.id == nsg("nsg-subnet")), "an attached NSG is not its own target");
}

#[test]
fn a_nic_without_any_nsg_is_undetermined_not_silent() {
    let (estate, _) = load(&["azure/nsgs.json", "azure/nics.json"]);
    let (lo, up) = admitted(&estate, &format!("{SUB}/networkInterfaces/nic-bare"), 10257);
    assert!(lo.is_empty());
    assert_eq!(up, AddrSet::all());
}

#[test]
fn without_the_nic_dump_the_referenced_nic_has_its_own_nsg_only() {
    let (estate, _) = load(&["azure/nsgs.json"]);
    let nic = format!("{SUB}/networkInterfaces/nic-cp");
    let t = &estate.targets[target(&estate, &nic)];
    assert_eq!(t.path.len(), 1);
    assert!(t.notes.iter().any(|n| n.contains("subnet not in the input")), "{:?}", t.notes);
    // Both subnets of nsg-subnet now stand for their interfaces.
    assert_eq!(exact(&estate, &format!("{SUB}/virtualNetworks/vnet-k8s/subnets/snet-cp"), 10257), AddrSet::all());
}

#[test]
fn any_lower_case_enums_port_lists_and_outbound_rules() {
    let (estate, _) = load(&["azure/nsgs.json"]);
    let id = nsg("nsg-lists");
    assert_eq!(exact(&estate, &id, 10257), AddrSet::all(), "`Any`, `tcp`, 10257-10259 in the list");
    assert_eq!(exact(&estate, &id, 10250), AddrSet::all());
    assert_eq!(exact(&estate, &id, 10251), AddrSet::empty(), "not in the list: defaults only");
    assert_eq!(exact(&estate, &id, 10248), AddrSet::empty(), "the outbound rule does not admit");
}

#[test]
fn a_comma_list_in_one_port_field_is_an_error_and_undetermined() {
    let (estate, errors) = load(&["azure/nsgs.json"]);
    let e = errors.iter().find(|e| e.message.contains("SecurityRuleInvalidPortRange")).expect("the comma list");
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/azure/nsgs.json", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture");
    let line = text.lines().nth(e.line as usize - 1).expect("line");
    assert_eq!(line.trim(), "\"destinationPortRange\": \"22,10257\",");
    assert_eq!(&line[e.column as usize - 1..], "\"22,10257\",", "the column points at the value");
    let (lo, up) = admitted(&estate, &nsg("nsg-badport"), 10257);
    assert_eq!(lo, AddrSet::empty());
    assert_eq!(up, AddrSet::all());
}

#[test]
fn entries_point_at_their_source_prefix() {
    let (estate, _) = load(&["azure/nsgs.json"]);
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/azure/nsgs.json", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture");
    let t = target(&estate, &nsg("nsg-shadow"));
    let e = evaluate(&estate, t, Protocol::TCP, 10250).expect("target");
    let by = e.because(&public().clone(), false);
    assert_eq!(by.len(), 1);
    let entry = portcullis_engine::entry(&estate, by[0]).expect("entry");
    assert!(entry.label.contains("AllowAll"), "{}", entry.label);
    let line = text.lines().nth(entry.span.line as usize - 1).expect("line");
    assert_eq!(line.trim(), "\"sourceAddressPrefix\": \"*\",");
}

#[test]
fn arm_shaped_output_with_nested_properties_is_read() {
    let (estate, errors) = load(&["azure/arm-shaped.json"]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(exact(&estate, &nsg("nsg-arm"), 10257), AddrSet::all_v4());
}

#[test]
fn terraform_nsg_rules_associations_and_orphans() {
    let (estate, errors) = load(&["azure/plan.json"]);
    assert!(errors.is_empty(), "{errors:?}");
    // The standalone rule joins its NSG by name and resource group; the
    // NSG guards the subnet of the interface; the interface's own NSG is
    // attached by reference.
    let nic = "azurerm_network_interface.cp";
    let t = &estate.targets[target(&estate, nic)];
    assert_eq!(t.path.len(), 2, "{:?}", t.notes);
    // Subnet NSG: deny 8.8.8.0/24 at 100, allow Internet at 200 (the
    // standalone rule); NIC NSG: allow * on 10257 at 100.
    assert_eq!(exact(&estate, nic, 10257), public().difference(&set(&["8.8.8.0/24"])));
    // The rule whose NSG is not in the input is its own target, before the
    // default rules.
    assert_eq!(exact(&estate, "azurerm_network_security_rule.lonely", 10257), AddrSet::all_v4());
    // No target for attached NSGs.
    assert!(!estate.targets.iter().any(|t| t.id.starts_with("azurerm_network_security_group.")));
}
