//! Specification of the human output: one block per finding (header,
//! `file:line:column`, the source lines around the admitting line with that
//! line marked `>`, the message, sources, path, because and unknown lines),
//! then input errors and a one-line summary. Color is ANSI escapes on top of
//! exactly the same text.

mod common;

use common::{findings, render, render_shared, MemSources, FILES_READ};
use portcullis_report::text::Text;
use portcullis_report::{Emitter, NoSources, Report};
use portcullis_rules::{Finding, Severity};

const PLAIN: Text = Text { color: false, quiet: false };
const COLOR: Text = Text { color: true, quiet: false };

/// The whole plain output for the shared findings and errors.
const EXPECTED: &str = r#"critical PC100 unrestricted tcp/10257 i-0123456789abcdef0
  --> dumps/security-groups.json:9:24
     7 |         {
     8 |           "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257,
  >  9 |           "IpRanges": [{ "CidrIp": "0.0.0.0/0" }]
    10 |         },
    11 |         {
  tcp/10257 (kube-controller-manager) on instance i-0123456789abcdef0 is reachable from the whole IPv4 internet
  sources: 0.0.0.0/0
  path:    network ACL acl-0a1b2c3d4e5f60718 -> security group sg-0cp1234567890abcd
  reach:   internet
  via:     internet → igw-0f1e2d3c4b5a69788 → rtb-0a1b2c3d4e5f60718 0.0.0.0/0 (dumps/route-tables.json:14) → acl-0a1b2c3d4e5f60718 (dumps/network-acls.json:6) → eni-0aa11bb22cc33dd44 public IPv4 54.12.0.7 (dumps/network-interfaces.json:21) → sg-0cp1234567890abcd (dumps/security-groups.json:9)
  because: dumps/network-acls.json:6: rule 100 allow all from 0.0.0.0/0 (acl-0a1b2c3d4e5f60718)
  because: dumps/security-groups.json:9: inbound tcp 10257 from 0.0.0.0/0 (sg-0cp1234567890abcd)

low PC101 public tcp/6443 i-0123456789abcdef0
  --> dumps/security-groups.json:13:24
    11 |         {
    12 |           "IpProtocol": "tcp", "FromPort": 6443, "ToPort": 6443,
  > 13 |           "IpRanges": [{ "CidrIp": "203.0.113.0/24", "Description": "office" }]
    14 |         }
    15 |       ]
  tcp/6443 (kube-apiserver) on instance i-0123456789abcdef0 is reachable from public sources that are not authorized: 203.0.113.0/24
  sources: 203.0.113.0/24
  path:    security group sg-0cp1234567890abcd
  because: dumps/security-groups.json:13: inbound tcp 6443 from 203.0.113.0/24 (sg-0cp1234567890abcd)

medium PC102 unauthorized tcp/2379 i-0fedcba9876543210
  --> envs/prod eu/sécurité.json:8:24
     6 |       "IpPermissions": [
     7 |         { "IpProtocol": "tcp", "FromPort": 2379, "ToPort": 2380,
  >  8 |           "IpRanges": [{ "CidrIp": "10.20.0.0/16", "Description": "équipe données" }] }
     9 |       ]
    10 |     }
  tcp/2379 (etcd) on instance i-0fedcba9876543210 is reachable from sources outside the authorized list: 10.20.0.0/16
  sources: 10.20.0.0/16
  path:    security group sg-0e7cd0000000000aa
  reach:   none: no internet address is among the sources in question
  via:     sg-0e7cd0000000000aa (envs/prod eu/sécurité.json:8)
  because: envs/prod eu/sécurité.json:8: inbound tcp 2379-2380 from 10.20.0.0/16 (sg-0e7cd0000000000aa)

high PC100 undetermined tcp/10257 aws_instance.control_plane
  --> plan/tfplan.json:9:28
     7 |       "change": {
     8 |         "after": { "type": "ingress", "protocol": "tcp", "from_port": 10257, "to_port": 10257 },
  >  9 |         "after_unknown": { "cidr_blocks": true }
    10 |       }
    11 |     }
  tcp/10257 (kube-controller-manager) on instance aws_instance.control_plane may be reachable from the internet: cidr_blocks is unknown: known only after apply (plan/tfplan.json:9:28)
  path:    security group aws_security_group.cp
  reach:   unknown: the input has no AWS route tables, so the route from subnet-0a1b back to the internet is unknown
  because: plan/tfplan.json:4: cidr_blocks (known only after apply) (aws_security_group_rule.kcm)
  unknown: cidr_blocks is unknown: known only after apply (plan/tfplan.json:9:28)

error: dumps/broken.json:3:17: expected `,` or `}` after an object member
error: dumps/unreadable.json: cannot read the file: permission denied

4 findings (1 critical, 1 high, 1 medium, 1 low) in 4 input files, 2 input errors
"#;

/// Removes ANSI SGR sequences (`ESC [ … m`), the only escapes we print.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            assert_eq!(chars.next(), Some('['), "only CSI escapes are expected in {s:?}");
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
                assert!(c.is_ascii_digit() || c == ';', "only SGR escapes are expected in {s:?}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn render_one(f: Finding) -> String {
    render(&PLAIN, &[f], &[], 1)
}

#[test]
fn shared_findings_render_exactly() {
    let text = render_shared(&PLAIN);
    if text != EXPECTED {
        // Line by line, so a change shows where it is.
        for (i, (got, want)) in text.lines().zip(EXPECTED.lines()).enumerate() {
            assert_eq!(got, want, "line {}", i + 1);
        }
        assert_eq!(text, EXPECTED);
    }
}

#[test]
fn block_has_header_location_marked_snippet_sources_path_and_because() {
    // The same contract as the exact text above, stated piece by piece for
    // the flagship finding, so a deliberate layout change still keeps it.
    let text = render_one(common::unrestricted_pc100());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "critical PC100 unrestricted tcp/10257 i-0123456789abcdef0");
    assert_eq!(lines[1], "  --> dumps/security-groups.json:9:24");
    let marked: Vec<&&str> = lines.iter().filter(|l| l.starts_with("  > ")).collect();
    assert_eq!(marked, [&r#"  >  9 |           "IpRanges": [{ "CidrIp": "0.0.0.0/0" }]"#]);
    assert!(lines.contains(&"  sources: 0.0.0.0/0"));
    assert!(lines.iter().any(|l| l.starts_with("  path:    network ACL")));
    assert_eq!(lines.iter().filter(|l| l.starts_with("  because: ")).count(), 2);
}

#[test]
fn plain_output_has_no_escapes() {
    let text = render_shared(&PLAIN);
    assert!(!text.contains('\x1b'), "color=false printed an escape: {text:?}");
}

#[test]
fn color_is_escapes_on_the_same_text() {
    let colored = render_shared(&COLOR);
    assert!(colored.contains("\x1b["), "color=true printed no escapes");
    // anstyle writes bold and red as two SGR sequences.
    assert!(colored.contains("\x1b[1m\x1b[31mcritical\x1b[0m"), "critical is bold red: {colored:?}");
    assert!(colored.contains("\x1b[1m\x1b[31merror:\x1b[0m"), "errors are bold red");
    assert_eq!(strip_ansi(&colored), EXPECTED);
}

#[test]
fn summary_counts_findings_by_severity_files_and_errors() {
    let last = |s: String| s.lines().last().unwrap_or_default().to_string();
    assert_eq!(
        last(render_shared(&PLAIN)),
        "4 findings (1 critical, 1 high, 1 medium, 1 low) in 4 input files, 2 input errors"
    );
    assert_eq!(last(render_one(common::public_pc101())), "1 finding (1 low) in 1 input file");
    assert_eq!(last(render(&PLAIN, &[], &[], 0)), "0 findings in 0 input files");
    assert_eq!(
        last(render(&PLAIN, &findings()[..2], &common::errors()[1..], FILES_READ)),
        "2 findings (1 critical, 1 low) in 4 input files, 1 input error"
    );
}

#[test]
fn without_source_text_there_is_no_snippet() {
    let findings = [common::unrestricted_pc100()];
    let report =
        Report { findings: &findings, errors: &[], files_read: 1, sources: &NoSources, baseline: None, fail_on: None };
    let mut out = Vec::new();
    PLAIN.emit(&report, &mut out).expect("writing to a Vec cannot fail");
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<&str> = text.lines().take(3).collect();
    assert_eq!(
        lines,
        [
            "critical PC100 unrestricted tcp/10257 i-0123456789abcdef0",
            "  --> dumps/security-groups.json:9:24",
            "  tcp/10257 (kube-controller-manager) on instance i-0123456789abcdef0 is reachable from the whole IPv4 \
             internet",
        ]
    );
}

#[test]
fn snippet_stops_at_the_edges_of_the_file() {
    // Line 1 of a 17-line file: lines 1-3 only, width 1.
    let first = Finding { line: 1, column: 1, ..common::unrestricted_pc100() };
    let text = render_one(first);
    assert!(text.contains("\n  > 1 | {\n    2 |   \"SecurityGroups\": [\n    3 |     {\n  tcp/"), "{text}");
    // A line past the end (a stale position) shows no snippet rather than panicking.
    let past = Finding { line: 99, ..common::unrestricted_pc100() };
    let text = render_one(past);
    assert!(!text.contains(" | "), "{text}");
}

#[test]
fn long_sources_lists_are_cut_at_twelve() {
    let sources: Vec<String> = (1..=15).map(|i| format!("198.51.100.{i}/32")).collect();
    let f = Finding { sources: sources.into(), ..common::public_pc101() };
    let text = render_one(f);
    let line = text.lines().find(|l| l.starts_with("  sources: ")).expect("a sources line");
    assert!(line.ends_with("198.51.100.12/32 (and 3 more)"), "{line}");
}

#[test]
fn severities_keep_their_order_in_the_summary() {
    let mut all: Vec<Finding> = [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical]
        .into_iter()
        .map(|severity| Finding { severity, ..common::public_pc101() })
        .collect();
    all.push(Finding { severity: Severity::Critical, ..common::public_pc101() });
    let text = render(&PLAIN, &all, &[], 1);
    assert!(text.ends_with("6 findings (2 critical, 1 high, 1 medium, 1 low, 1 info) in 1 input file\n"), "{text}");
}

/// The fixtures must point where they say, or the snippets above test
/// nothing: each finding's column (counted in characters) lands on the
/// `{` of the admitting entry, or on the unknown field's name.
#[test]
fn fixture_positions_point_at_the_admitting_text() {
    use portcullis_report::Sources;
    for f in findings() {
        let text = MemSources.text(&f.file).expect("the fixture serves every finding's file");
        let line = text.lines().nth(f.line as usize - 1).expect("the line exists");
        let at: String = line.chars().skip(f.column as usize - 1).take(14).collect();
        assert!(at.starts_with("{ \"CidrIp\"") || at.starts_with("\"cidr_blocks\""), "{}: {at:?}", f.file);
    }
}

#[test]
fn quiet_prints_the_findings_and_errors_alone() {
    let quiet = render_shared(&Text { color: false, quiet: true });
    let full = render_shared(&PLAIN);
    // Everything but the summary line and the blank line before it.
    let (body, summary) = full.trim_end().rsplit_once("\n\n").expect("a summary after a blank line");
    assert!(summary.starts_with("4 findings"), "{summary}");
    assert_eq!(quiet, format!("{body}\n"));
    assert!(quiet.contains("error: dumps/broken.json:3:17"));
}
