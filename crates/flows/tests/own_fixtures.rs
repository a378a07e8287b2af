//! The project's own small fixtures (crates/flows/fixtures), read record
//! by record: they cover every format when `../shared` is absent.

mod common;

use common::{collect, own_fixtures};
use portcullis_flows::record::Action;

fn ip(s: &str) -> Option<std::net::IpAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn aws_s3_object_with_header() {
    let p = own_fixtures().join(
        "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/05/06/123456789012_vpcflowlogs_eu-west-1_fl-0a1b2c3d_20240506T1200Z_abcd1234.log",
    );
    let (format, c) = collect(&p, None);
    assert_eq!(format, Some("aws-vpc-flow-log"));
    assert_eq!((c.flows.len(), c.nodata, c.skipdata), (9, 1, 1));
    let (line, f) = &c.flows[0];
    assert_eq!(*line, 2);
    assert_eq!(
        (f.src, f.dst, f.src_port, f.dst_port, f.protocol),
        (ip("1.128.0.7"), ip("10.0.1.5"), Some(40001), Some(10257), Some(6))
    );
    assert_eq!(
        (f.action, f.start, f.end, f.packets, f.bytes),
        (Some(Action::Accept), Some(1714996800), Some(1714996860), Some(12), Some(3400))
    );
    assert_eq!(
        (f.target.as_str(), f.account.as_str(), f.region.as_str()),
        ("eni-0aaa1111bbbb2222c", "123456789012", "eu-west-1")
    );
}

#[test]
fn aws_bad_lines() {
    let (_, c) = collect(&own_fixtures().join("aws-bad-lines.log"), None);
    // Without a port filter every record is parsed in full.
    assert_eq!(c.flows.len(), 2);
    assert_eq!(c.malformed.iter().map(|m| m.0).collect::<Vec<_>>(), vec![3, 4, 5, 6, 7, 8]);
}

#[test]
fn azure_nsg_v1_and_vnet() {
    let (_, c) = collect(&own_fixtures().join("azure-nsg-v1.json"), None);
    assert_eq!(c.flows.len(), 4);
    assert_eq!(c.malformed, vec![(12, "a flow tuple of 3 fields (`not,a,tuple`)".to_string())]);
    let f = &c.flows[2].1;
    assert_eq!(
        (f.src, f.dst, f.dst_port, f.protocol, f.action),
        (ip("198.51.100.77"), ip("10.1.0.4"), Some(10257), Some(6), Some(Action::Reject))
    );
    assert_eq!(
        (f.rule.as_str(), f.target.as_str(), f.start),
        ("DefaultRule_DenyAllInBound", "CP-NSG", Some(1714996900))
    );
    assert_eq!(c.flows[3].1.protocol, Some(17));

    let (_, c) = collect(&own_fixtures().join("azure-vnet.json"), None);
    assert_eq!(c.flows.len(), 3);
    let end = &c.flows[1].1;
    assert_eq!(
        (end.start, end.packets, end.bytes, end.action),
        (Some(1714996805), Some(16), Some(4600), Some(Action::Accept))
    );
    let denied = &c.flows[2].1;
    assert_eq!(
        (denied.action, denied.rule.as_str(), denied.target.as_str()),
        (Some(Action::Reject), "DefaultRule_DenyAllInBound", "cp-vnet")
    );
    assert_eq!(c.flows.iter().map(|f| f.0).collect::<Vec<_>>(), vec![2, 2, 3], "tuples at their lines");
}

#[test]
fn gcp_vpc_flows_and_firewall() {
    let (_, c) = collect(&own_fixtures().join("gcp-vpc-flows.json"), None);
    assert_eq!(c.flows.len(), 2);
    let (line, f) = &c.flows[0];
    assert_eq!(*line, 2);
    assert_eq!(
        (f.src, f.dst_port, f.action, f.packets, f.bytes),
        (ip("192.0.2.150"), Some(10257), Some(Action::Accept), Some(11), Some(4200))
    );
    assert_eq!(
        (f.start, f.end, f.target.as_str(), f.account.as_str()),
        (Some(1714996800), Some(1714996804), "cp-node-2", "cp-project")
    );
    assert_eq!(c.flows[1].1.action, None, "reported by the source: no verdict");

    let (_, c) = collect(&own_fixtures().join("gcp-firewall.ndjson"), None);
    assert_eq!(c.flows.len(), 2);
    assert_eq!(c.malformed.len(), 1);
    assert_eq!(c.malformed[0].0, 3);
    let f = &c.flows[0].1;
    assert_eq!((f.src_port, f.dst_port, f.protocol), (Some(50500), Some(10257), Some(6)), "int64 as strings");
    assert_eq!(c.flows[1].1.protocol, Some(6), "protocol by name");
    assert_eq!(c.flows[1].1.action, Some(Action::Reject));
}

#[test]
fn cloudwatch_subscription() {
    let (_, c) = collect(&own_fixtures().join("cloudwatch-subscription.json"), None);
    assert_eq!((c.flows.len(), c.nodata), (1, 1));
    assert_eq!(c.flows[0].1.src, ip("192.0.2.200"));
    assert_eq!(c.flows[0].1.target, "eni-0fff5555aaaa6666b");
}
