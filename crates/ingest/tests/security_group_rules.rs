//! `aws ec2 describe-security-group-rules` read alone and beside
//! `describe-security-groups` (issue 12, item 6): each rule counts once,
//! and where the two listings of one group disagree, each side's extra
//! rules are reported at their own place and counted.

use portcullis_ingest::{assemble, read_input, FileOutcome};
use portcullis_model::Estate;

const GROUPS: &str = r#"{
    "SecurityGroups": [
        {
            "GroupId": "sg-1",
            "GroupName": "cp",
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 10257,
                    "ToPort": 10257,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}],
                    "UserIdGroupPairs": [{"GroupId": "sg-1"}]
                }
            ]
        }
    ]
}
"#;

/// A rules listing of sg-1; `extra` rules are appended.
fn rules(extra: &str) -> String {
    format!(
        r#"{{
    "SecurityGroupRules": [
        {{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "CidrIpv4": "0.0.0.0/0"}},
        {{"SecurityGroupRuleId": "sgr-2", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "CidrIpv4": "10.0.0.0/8"}},
        {{"SecurityGroupRuleId": "sgr-3", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "ReferencedGroupInfo": {{"GroupId": "sg-1", "UserId": "123456789012"}}}},
        {{"SecurityGroupRuleId": "sgr-4", "GroupId": "sg-1", "IsEgress": true, "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv4": "0.0.0.0/0"}}{extra}
    ]
}}
"#
    )
}

fn read(files: &[(&str, &str)]) -> (Estate, Vec<FileOutcome>) {
    let mut outcomes: Vec<FileOutcome> = files.iter().map(|(name, text)| read_input(name, text)).collect();
    let estate = assemble(&mut outcomes);
    (estate, outcomes)
}

/// The labels of the layer of security group `id`.
fn labels(estate: &Estate, id: &str) -> Vec<String> {
    let layers: Vec<_> = estate.layers.iter().filter(|l| l.id == id && l.kind_name == "security group").collect();
    assert_eq!(layers.len(), 1, "one layer for {id}");
    let mut out: Vec<String> = layers[0].entries.iter().map(|e| e.label.clone()).collect();
    out.sort();
    out
}

fn errors(outcomes: &[FileOutcome]) -> Vec<String> {
    outcomes.iter().flat_map(|o| o.errors.iter().map(ToString::to_string)).collect()
}

#[test]
fn the_listing_alone_makes_one_group_per_group_id_of_its_inbound_rules() {
    let text = rules(
        r#",
        {"SecurityGroupRuleId": "sgr-9", "GroupId": "sg-2", "IsEgress": false, "IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "CidrIpv6": "::/0"}"#,
    );
    let (estate, outcomes) = read(&[("rules.json", &text)]);
    assert_eq!(outcomes[0].format, Some("aws-security-group-rules"));
    assert!(errors(&outcomes).is_empty(), "{:?}", errors(&outcomes));
    assert_eq!(
        labels(&estate, "sg-1"),
        ["inbound tcp 10257 from 0.0.0.0/0", "inbound tcp 10257 from 10.0.0.0/8", "inbound tcp 10257 from self"]
    );
    assert_eq!(labels(&estate, "sg-2"), ["inbound udp 53 from ::/0"]);
    let targets: Vec<&str> = estate.targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(targets, ["sg-1", "sg-2"]);
}

#[test]
fn a_group_in_both_dumps_counts_each_rule_once() {
    let listing = rules("");
    for files in
        [[("groups.json", GROUPS), ("rules.json", &listing)], [("rules.json", &listing), ("groups.json", GROUPS)]]
    {
        let (estate, outcomes) = read(&files);
        assert!(errors(&outcomes).is_empty(), "{:?}", errors(&outcomes));
        assert_eq!(
            labels(&estate, "sg-1"),
            ["inbound tcp 10257 from 0.0.0.0/0", "inbound tcp 10257 from 10.0.0.0/8", "inbound tcp 10257 from self"]
        );
        // The entries point at the group's description, not the listing.
        let layer = estate.layers.iter().find(|l| l.id == "sg-1").expect("sg-1");
        assert!(layer.entries.iter().all(|e| &*e.span.file == "groups.json"), "{:?}", layer.entries);
        assert_eq!(estate.targets.len(), 1);
    }
}

#[test]
fn dumps_that_disagree_are_reported_on_both_sides_and_the_union_is_judged() {
    // The listing has a rule the group's description lacks (ssh from the
    // world) and lacks one it has (the private range).
    let listing = r#"{
    "SecurityGroupRules": [
        {"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "CidrIpv4": "0.0.0.0/0"},
        {"SecurityGroupRuleId": "sgr-3", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "ReferencedGroupInfo": {"GroupId": "sg-1"}},
        {"SecurityGroupRuleId": "sgr-5", "GroupId": "sg-1", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "CidrIpv4": "0.0.0.0/0"},
        {"SecurityGroupRuleId": "sgr-6", "GroupId": "sg-3", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "CidrIpv4": "10.0.0.0/8"}
    ]
}
"#;
    let (estate, outcomes) = read(&[("groups.json", GROUPS), ("rules.json", listing)]);
    assert_eq!(labels(&estate, "sg-3"), ["inbound tcp 10257 from 10.0.0.0/8"]);
    assert_eq!(
        labels(&estate, "sg-1"),
        [
            "inbound tcp 10257 from 0.0.0.0/0",
            "inbound tcp 10257 from 10.0.0.0/8",
            "inbound tcp 10257 from self",
            "inbound tcp 22 from 0.0.0.0/0"
        ]
    );
    let errs = errors(&outcomes);
    // The ssh rule's source is on line 6, at column 22.
    let ssh_at = "rules.json:6:22: ";
    assert!(
        errs.iter().any(|e| e.starts_with(ssh_at)
            && e.contains("security group sg-1: rule sgr-5 `inbound tcp 22 from 0.0.0.0/0` is not among the group's rules as described at groups.json:3:9:")),
        "{errs:#?}"
    );
    let private_at = GROUPS.find(r#""10.0.0.0/8""#).expect("private range");
    let line = GROUPS[..private_at].matches('\n').count() + 1;
    let column = private_at - GROUPS[..private_at].rfind('\n').map_or(0, |n| n + 1) + 1;
    assert!(
        errs.iter().any(|e| e.starts_with(&format!("groups.json:{line}:{column}: "))
            && e.contains("`inbound tcp 10257 from 10.0.0.0/8` is not among the group's rules listed in rules.json")),
        "{errs:#?}"
    );
    assert_eq!(errs.len(), 2, "{errs:#?}");
}
