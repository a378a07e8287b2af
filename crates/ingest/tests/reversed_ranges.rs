//! A port range whose start is above its end (issue 12 item 4). AWS
//! rejects such a rule, so a dump, template or configuration that holds one
//! is wrong: it is an input error at the value, worded as Azure's and GCP's
//! readers word it, and the rule is undetermined rather than silently empty
//! (an empty range would pass an open 10257 without a word).

mod common;

use common::{admitted, load_from, set, target};
use portcullis_ingest::languages::terraform::hcl::Inputs;
use portcullis_ingest::{assemble, read_terraform_dir, IngestError};
use std::path::Path;

const WORDING: &str = "runs backwards (the provider rejects it)";

/// Every error is the reversed-range one, and it points at `needle` in the
/// file, by line and column.
fn assert_at(errors: &[IngestError], file: &str, needles: &[&str]) {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/reversed/{file}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture");
    let mut errors: Vec<_> = errors.iter().filter(|e| e.file.ends_with(file)).collect();
    errors.sort_by_key(|e| (e.line, e.column));
    assert_eq!(errors.len(), needles.len(), "{errors:?}");
    for (needle, e) in needles.iter().zip(&errors) {
        assert!(e.message.contains(WORDING), "{e}");
        let line = text.lines().nth(e.line as usize - 1).expect("line");
        let at: String = line.chars().skip(e.column as usize - 1).collect();
        assert!(at.starts_with(needle), "{e} should point at {needle}: {line}");
    }
}

/// The target may admit every IPv4 address on 10257 (the rule is
/// undetermined, its source is 0.0.0.0/0), and surely admits no one.
fn assert_undetermined(estate: &portcullis_model::Estate, id: &str) {
    let (lower, upper) = admitted(estate, id, 10257);
    assert!(lower.is_empty(), "{id}: {lower:?}");
    assert_eq!(upper, set(&["0.0.0.0/0"]), "{id}");
}

#[test]
fn a_security_group_dump_says_the_range_runs_backwards() {
    let (estate, errors) = load_from("reversed/", &["sg-dump.json"], None);
    assert_at(&errors, "sg-dump.json", &["10258"]);
    assert!(errors[0].message.contains("range `10258-10256`"), "{}", errors[0]);
    assert_undetermined(&estate, "sg-0123456789abcdef0");
}

#[test]
fn a_network_acl_dump_says_the_range_runs_backwards() {
    let (_, errors) = load_from("reversed/", &["nacl-dump.json"], None);
    assert_at(&errors, "nacl-dump.json", &["10258"]);
}

#[test]
fn cloudformation_json_and_yaml_say_the_range_runs_backwards() {
    let (estate, errors) = load_from("reversed/", &["template.json"], Some("cloudformation"));
    assert_at(&errors, "template.json", &["10258"]);
    assert_undetermined(&estate, &estate.targets[target(&estate, "ControlPlane")].id.clone());
    // The YAML template has the group and a network ACL entry.
    let (_, errors) = load_from("reversed/", &["template.yaml"], Some("cloudformation"));
    assert_at(&errors, "template.yaml", &["10258", "10258"]);
}

#[test]
fn terraform_says_the_range_runs_backwards_for_inline_and_separate_rules() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reversed/terraform");
    let read = read_terraform_dir(&dir, "terraform", &Inputs::default(), None);
    let errors = read.outcome.errors.clone();
    assert_at(&errors, "terraform/main.tf", &["10258", "10259"]);
    let estate = assemble(&mut [read.outcome]);
    let id = estate.targets.iter().find(|t| t.id.contains("aws_security_group.cp")).map(|t| t.id.clone());
    let id = id.unwrap_or_else(|| panic!("{:?}", estate.targets.iter().map(|t| &t.id).collect::<Vec<_>>()));
    assert_undetermined(&estate, &id);
}

proptest::proptest! {
    /// Any FromPort/ToPort pair in a dump: an error exactly when the range
    /// runs backwards, and otherwise the range as written (never empty).
    #[test]
    fn a_dump_range_is_an_error_exactly_when_it_runs_backwards(from in 0u16..=65535, to in 0u16..=65535) {
        let dump = format!(
            r#"{{"SecurityGroups":[{{"GroupId":"sg-1","VpcId":"vpc-1","IpPermissions":[
{{"IpProtocol":"tcp","FromPort":{from},"ToPort":{to},"IpRanges":[{{"CidrIp":"0.0.0.0/0"}}]}}]}}]}}"#
        );
        let mut outcomes = vec![portcullis_ingest::read_input("dump.json", &dump)];
        let errors = outcomes[0].errors.clone();
        let estate = assemble(&mut outcomes);
        if from > to {
            proptest::prop_assert_eq!(errors.len(), 1, "{:?}", errors);
            proptest::prop_assert!(errors[0].message.contains(&format!("range `{from}-{to}` {WORDING}")), "{}", errors[0]);
            proptest::prop_assert_eq!((errors[0].line, errors[0].column), (2, 32));
        } else {
            proptest::prop_assert!(errors.is_empty(), "{:?}", errors);
            for port in [from, to] {
                let (lower, _) = admitted(&estate, "sg-1", port);
                proptest::prop_assert_eq!(lower, set(&["0.0.0.0/0"]));
            }
        }
    }
}
