mod common;
use common::*;

#[test]
fn dump_all() {
    for f in [
        "aws/security-group-records.json",
        "aws/network-acl-records.json",
        "aws/lookup-events.json",
        "aws/lake-query-results.json",
        "azure/activity-log-storage.json",
        "azure/activity-log-cli.json",
        "azure/log-analytics-azureactivity.json",
        "gcp/cloudaudit-activity.json",
    ] {
        let j = judge_files(&[fixture(f)], &default_watch());
        println!("== {f} {:?} errors {:?}", j.stats, j.errors);
        for s in summary(&j.changes) {
            println!("  {s}");
        }
        for c in &j.changes {
            println!(
                "  {} {}:{} {:?} {:?} {:?} stated={:?} exp={:?} unk={:?} known={}",
                c.principal,
                c.file,
                c.line,
                c.time,
                c.source_ip,
                c.user_agent,
                c.stated,
                c.exposure,
                c.unknown,
                c.before_known
            );
        }
    }
}
