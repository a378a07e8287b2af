//! Every fixture (the providers' documented event shapes, see
//! fixtures/README.md) read and judged: who, when, which rule, what it did.

mod common;
use common::*;
use portcullis_events::Verdict;
use portcullis_model::AddrSet;

/// The 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &str, needle: &str) -> u32 {
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).map(|i| i as u32 + 1).expect(needle)
}

#[test]
fn security_group_history_from_creation_to_revocation() {
    let j = judge_files(&[fixture("aws/security-group-records.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    assert_eq!(
        summary(&j.changes),
        [
            "opened AuthorizeSecurityGroupIngress sg-0c0ffee0000000001 tcp/10257 +[0.0.0.0/0] -[]",
            "opened AuthorizeSecurityGroupIngress sg-0c0ffee0000000001 tcp/10257 +[::/0] -[]",
            // 0.0.0.0/0 replaced by the documentation range 192.0.2.0/24, which is not public.
            "closed ModifySecurityGroupRules sg-0c0ffee0000000001 tcp/10257 +[] -[0.0.0.0/1 128.0.0.0/2 192.0.0.0/23 192.0.3.0/24 192.0.4.0/22 192.0.8.0/21 192.0.16.0/20 192.0.32.0/19 192.0.64.0/18 192.0.128.0/17 192.1.0.0/16 192.2.0.0/15 192.4.0.0/14 192.8.0.0/13 192.16.0.0/12 192.32.0.0/11 192.64.0.0/10 192.128.0.0/9 193.0.0.0/8 194.0.0.0/7 196.0.0.0/6 200.0.0.0/5 208.0.0.0/4 224.0.0.0/3]",
            // Revoked by the rule id Authorize's response gave ::/0.
            "closed RevokeSecurityGroupIngress sg-0c0ffee0000000001 tcp/10257 +[] -[::/0]",
        ]
    );
    let opened = &j.changes[0];
    assert!(opened.before_known, "the group's creation is in the log: it admitted nothing before");
    assert_eq!(opened.principal, "arn:aws:sts::111122223333:assumed-role/platform-admin/alice");
    assert_eq!(opened.source_ip.as_deref(), Some("198.51.100.24"));
    assert_eq!(opened.user_agent.as_deref(), Some("aws-cli/2.17.0 md/command#ec2.authorize-security-group-ingress"));
    assert_eq!(opened.time.as_deref(), Some("2026-11-30T09:05:47Z"));
    assert_eq!(opened.exposure, Some("unrestricted"));
    assert_eq!(opened.stated, ["0.0.0.0/0"]);
    assert_eq!(opened.line, line_of("aws/security-group-records.json", "{\"cidrIp\": \"0.0.0.0/0\"}"));
    assert_eq!(
        opened.event_line,
        line_of("aws/security-group-records.json", "\"eventTime\": \"2026-11-30T09:05:47Z\"") - 3
    );
    // 10.0.0.0/8 is private: authorized by default, no change reported for it.
    assert!(j.changes.iter().all(|c| !c.stated.contains(&"10.0.0.0/8".to_string())));
    assert_eq!((j.stats.events, j.stats.judged, j.stats.failed), (5, 4, 1), "the duplicate authorize failed");
    assert_eq!(j.changes[2].principal, "arn:aws:iam::111122223333:user/bob");
}

#[test]
fn network_acl_entries_by_number_inbound_only() {
    let j = judge_files(&[fixture("aws/network-acl-records.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    let s = summary(&j.changes);
    assert_eq!(s.len(), 4, "the egress entry is not judged: {s:?}");
    assert_eq!(s[0], "opened CreateNetworkAclEntry acl-0bad0000000000001 tcp/10257 +[0.0.0.0/0] -[]");
    assert!(!j.changes[0].before_known, "the ACL's earlier entries are not in the log");
    assert!(s[1].starts_with(
        "closed ReplaceNetworkAclEntry acl-0bad0000000000001 tcp/10257 +[] -[0.0.0.0/5 8.0.0.0/7 11.0.0.0/8"
    ));
    assert_eq!(s[2], "closed CreateNetworkAclEntry acl-0bad0000000000001 tcp/10257 +[] -[0.0.0.0/0]", "a deny entry");
    assert_eq!(j.changes[2].action, "deny");
    // Deleting the deny entry may let them in again: which entry decides
    // depends on entries the log does not show.
    assert_eq!(s[3], "widened DeleteNetworkAclEntry acl-0bad0000000000001 tcp/10257 +[0.0.0.0/0] -[]");
    assert_eq!(j.changes[3].exposure, Some("undetermined"));
    assert_eq!(j.changes[3].principal, "arn:aws:iam::111122223333:root");
}

#[test]
fn watched_ports_beyond_10257() {
    let mut watch = default_watch();
    watch.ports.push((6, 10250));
    watch.ports.push((6, 22));
    let j = judge_files(&[fixture("aws/network-acl-records.json")], &watch);
    let opened: Vec<u16> = j.changes.iter().filter(|c| c.verdict == Verdict::Opened).map(|c| c.port).collect();
    assert_eq!(opened, [10257, 10250], "the entry's range 10250-10260 covers both; 22 is outside it");
}

#[test]
fn explicit_authorized_list_is_taken_out_of_what_is_shown() {
    let mut watch = default_watch();
    watch.explicit = true;
    watch.authorized = AddrSet::from_cidrs([portcullis_model::Cidr::parse("128.0.0.0/1").unwrap()]);
    let j = judge_files(&[fixture("aws/lake-query-results.json")], &watch);
    assert_eq!(
        summary(&j.changes),
        ["opened AuthorizeSecurityGroupIngress sg-0e00e0000000000bb tcp/10257 +[0.0.0.0/1] -[]"]
    );
}

#[test]
fn lookup_events_and_lake_rows() {
    let j = judge_files(&[fixture("aws/lookup-events.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    assert_eq!(
        summary(&j.changes),
        ["opened AuthorizeSecurityGroupIngress sg-0d00d0000000000aa tcp/10257 +[34.117.0.0/24] -[]"]
    );
    let c = &j.changes[0];
    assert_eq!(c.exposure, Some("public"));
    assert_eq!(c.rule, "allow all from 34.117.0.0/24", "protocol -1: every port");
    assert_eq!(c.line, line_of("aws/lookup-events.json", "\"CloudTrailEvent\""), "placed at the event's string");
    assert_eq!(c.principal, "arn:aws:iam::111122223333:user/carol");

    let j = judge_files(&[fixture("aws/lake-query-results.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    let c = &j.changes[0];
    assert_eq!((c.verdict, c.time.as_deref()), (Verdict::Opened, Some("2026-12-02T11:00:00Z")));
    assert_eq!(c.principal, "arn:aws:iam::111122223333:user/dave");
}

#[test]
fn azure_activity_log_exports() {
    let j = judge_files(&[fixture("azure/activity-log-storage.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    assert_eq!(j.changes.len(), 2);
    let (opened, closed) = (&j.changes[0], &j.changes[1]);
    assert_eq!(opened.verdict, Verdict::Opened);
    assert_eq!(opened.event, "Microsoft.Network/networkSecurityGroups/securityRules/write");
    assert_eq!(opened.principal, "erin@contoso.example");
    assert_eq!(opened.outcome, "succeeded", "the start entry's call ended in the success entry");
    assert_eq!(opened.exposure, Some("unrestricted"), "the Internet tag");
    assert_eq!(closed.verdict, Verdict::Closed);
    assert!(closed.before_known, "the deleted rule was written earlier in the log");
    assert_eq!(j.stats.failed, 1, "the etcd rule's write failed");

    let j = judge_files(&[fixture("azure/activity-log-cli.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    assert_eq!(
        summary(&j.changes),
        ["opened Microsoft.Network/networkSecurityGroups/write nsg-control-plane tcp/10257 +[0.0.0.0/0] -[]"]
    );
    assert_eq!(j.changes[0].rule, "priority 110 allow tcp 10257 from 0.0.0.0/0");
    assert_eq!(j.changes[0].source_ip.as_deref(), Some("192.0.2.44"));

    let j = judge_files(&[fixture("azure/log-analytics-azureactivity.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    assert_eq!(j.changes.len(), 1);
    assert_eq!(
        (j.changes[0].exposure, j.changes[0].added.as_slice()),
        (Some("public"), &["51.140.10.0/24".to_string()][..])
    );
    assert_eq!(j.changes[0].principal, "grace@contoso.example");
}

#[test]
fn gcp_audit_logs() {
    let j = judge_files(&[fixture("gcp/cloudaudit-activity.json")], &default_watch());
    assert!(j.errors.is_empty(), "{:?}", j.errors);
    let s = summary(&j.changes);
    assert_eq!(s[0], "opened v1.compute.firewalls.insert allow-kcm tcp/10257 +[0.0.0.0/0] -[]");
    // The first patch adds a tag and CGNAT space, both authorized by
    // default: nothing changes for unauthorized sources, nothing is listed.
    assert!(s[1].starts_with("closed v1.compute.firewalls.patch allow-kcm tcp/10257"), "{}", s[1]);
    assert_eq!(
        s[2], "opened beta.compute.firewalls.insert allow-default-source tcp/10257 +[0.0.0.0/0] -[]",
        "no source: 0.0.0.0/0"
    );
    assert_eq!(s[3], "closed v1.compute.firewalls.delete allow-default-source tcp/10257 +[] -[0.0.0.0/0]");
    assert_eq!(s.len(), 4);
    assert_eq!(j.stats.failed, 1, "the insert that already existed");
    assert_eq!(j.changes[0].principal, "deployer@prj-cluster.iam.gserviceaccount.com");
    assert_eq!(j.changes[0].account.as_deref(), Some("prj-cluster"));
    assert!(j.changes[0].user_agent.as_deref().unwrap().contains("Terraform"));
}

#[test]
fn files_in_any_order_are_judged_in_time_order() {
    let forward = judge_files(
        &[fixture("aws/security-group-records.json"), fixture("gcp/cloudaudit-activity.json")],
        &default_watch(),
    );
    let backward = judge_files(
        &[fixture("gcp/cloudaudit-activity.json"), fixture("aws/security-group-records.json")],
        &default_watch(),
    );
    assert_eq!(summary(&forward.changes), summary(&backward.changes));
    let times: Vec<&str> = forward.changes.iter().filter_map(|c| c.time.as_deref()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
}
