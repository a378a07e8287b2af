//! The one shared set of findings every output format is tested on, so
//! the formats are compared on the same findings, with the input texts
//! they point into, so the text renderer can show snippets.
//!
//! The findings are written as `check_estate` would produce them from the
//! files below: same message shapes, labels and severities
//! (`severity_for` in crates/rules/src/ports/mod.rs), and positions that point
//! at the right characters of those files.

// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use portcullis_report::{Emitter, Report, ReportError, Sources};
use portcullis_rules::finding::sort_findings;
use portcullis_rules::{Because, ExposureClass, Finding, FindingKind, PathReach, ReachKind, Severity, Via};
use std::sync::Arc;

pub const SG_FILE: &str = "dumps/security-groups.json";
pub const NACL_FILE: &str = "dumps/network-acls.json";
pub const PLAN_FILE: &str = "plan/tfplan.json";
/// `aws ec2 describe-route-tables` and `describe-network-interfaces`: only
/// named by path hops, never shown.
pub const ROUTES_FILE: &str = "dumps/route-tables.json";
pub const ENI_FILE: &str = "dumps/network-interfaces.json";
/// A path with a space and non-ASCII characters: SARIF must percent-encode
/// it, text and JSON must print it as given.
pub const ODD_FILE: &str = "envs/prod eu/sécurité.json";

/// `aws ec2 describe-security-groups`. Line 9 and 13, column 24: the
/// `IpRanges` entries.
pub const SG_TEXT: &str = r#"{
  "SecurityGroups": [
    {
      "GroupId": "sg-0cp1234567890abcd",
      "GroupName": "control-plane",
      "IpPermissions": [
        {
          "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257,
          "IpRanges": [{ "CidrIp": "0.0.0.0/0" }]
        },
        {
          "IpProtocol": "tcp", "FromPort": 6443, "ToPort": 6443,
          "IpRanges": [{ "CidrIp": "203.0.113.0/24", "Description": "office" }]
        }
      ]
    }
  ]
}
"#;

/// `aws ec2 describe-network-acls`. Line 6, column 9: entry 100.
pub const NACL_TEXT: &str = r#"{
  "NetworkAcls": [
    {
      "NetworkAclId": "acl-0a1b2c3d4e5f60718",
      "Entries": [
        { "RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false,
          "CidrBlock": "0.0.0.0/0" }
      ]
    }
  ]
}
"#;

/// `terraform show -json`. Line 9, column 28: the unknown `cidr_blocks`.
pub const PLAN_TEXT: &str = r#"{
  "format_version": "1.2",
  "resource_changes": [
    {
      "address": "aws_security_group_rule.kcm",
      "type": "aws_security_group_rule",
      "change": {
        "after": { "type": "ingress", "protocol": "tcp", "from_port": 10257, "to_port": 10257 },
        "after_unknown": { "cidr_blocks": true }
      }
    }
  ]
}
"#;

/// Line 8, column 24 (counted in characters, as columns are): the
/// `IpRanges` entry; the lines around it carry non-ASCII text.
pub const ODD_TEXT: &str = r#"{
  "SecurityGroups": [
    {
      "GroupId": "sg-0e7cd0000000000aa",
      "Description": "accès etcd depuis le réseau interne",
      "IpPermissions": [
        { "IpProtocol": "tcp", "FromPort": 2379, "ToPort": 2380,
          "IpRanges": [{ "CidrIp": "10.20.0.0/16", "Description": "équipe données" }] }
      ]
    }
  ]
}
"#;

/// Input files read as a known format in the run the findings come from.
pub const FILES_READ: usize = 4;

/// Serves the input texts above; any other file is unreadable.
pub struct MemSources;

impl Sources for MemSources {
    fn text(&self, file: &str) -> Option<Arc<str>> {
        let text = match file {
            SG_FILE => SG_TEXT,
            NACL_FILE => NACL_TEXT,
            PLAN_FILE => PLAN_TEXT,
            ODD_FILE => ODD_TEXT,
            HOSTILE_FILE => HOSTILE_TEXT,
            _ => return None,
        };
        Some(Arc::from(text))
    }
}

fn because(file: &str, line: u32, column: u32, rule: &str, resource: &str) -> Because {
    Because { file: file.into(), line, column, rule: rule.into(), resource: resource.into() }
}

fn via(hop: &str, resource: &str, file: &str, line: u32, detail: &str) -> Via {
    Via { hop: hop.into(), resource: resource.into(), file: file.into(), line, detail: detail.into() }
}

fn strings(items: &[&str]) -> std::sync::Arc<[String]> {
    items.iter().map(|s| s.to_string()).collect()
}

/// PC100, unrestricted: the controller manager port open to the whole IPv4
/// internet, let in by a network ACL entry and a security group rule in two
/// different files. It points at the security group rule (the innermost
/// layer, the one a fix edits).
pub fn unrestricted_pc100() -> Finding {
    Finding {
        rule: "PC100".into(),
        severity: Severity::Critical,
        kind: FindingKind::Exposure,
        exposure: Some(ExposureClass::Unrestricted),
        port: Some(10257),
        protocol: Some("tcp".into()),
        resource: "i-0123456789abcdef0".into(),
        file: SG_FILE.into(),
        line: 9,
        column: 24,
        sources: strings(&["0.0.0.0/0"]),
        because: vec![
            because(NACL_FILE, 6, 9, "rule 100 allow all from 0.0.0.0/0", "acl-0a1b2c3d4e5f60718"),
            because(SG_FILE, 9, 24, "inbound tcp 10257 from 0.0.0.0/0", "sg-0cp1234567890abcd"),
        ]
        .into(),
        flag: None,
        message: "tcp/10257 (kube-controller-manager) on instance i-0123456789abcdef0 is reachable from the whole \
                  IPv4 internet"
            .into(),
        resource_kind: "instance".into(),
        path: strings(&["network ACL acl-0a1b2c3d4e5f60718", "security group sg-0cp1234567890abcd"]),
        unknown: Vec::new(),
        reach: Some(Arc::new(PathReach {
            reach: ReachKind::Internet,
            reason: None,
            via: vec![
                via("internet gateway", "igw-0f1e2d3c4b5a69788", ROUTES_FILE, 0, "attached to vpc-0a1b2c3d"),
                via("route", "rtb-0a1b2c3d4e5f60718", ROUTES_FILE, 14, "0.0.0.0/0 → igw-0f1e2d3c4b5a69788"),
                via("network ACL", "acl-0a1b2c3d4e5f60718", NACL_FILE, 6, "rule 100 allow all from 0.0.0.0/0"),
                via("public address", "eni-0aa11bb22cc33dd44", ENI_FILE, 21, "public IPv4 54.12.0.7"),
                via("security group", "sg-0cp1234567890abcd", SG_FILE, 9, "inbound tcp 10257 from 0.0.0.0/0"),
            ],
        })),
        suppressed: None,
    }
}

/// PC101, public: the API server open to one public /24 that is not
/// authorized. PC101 is medium when unrestricted, so one step lower here.
pub fn public_pc101() -> Finding {
    Finding {
        rule: "PC101".into(),
        severity: Severity::Low,
        kind: FindingKind::Exposure,
        exposure: Some(ExposureClass::Public),
        port: Some(6443),
        protocol: Some("tcp".into()),
        resource: "i-0123456789abcdef0".into(),
        file: SG_FILE.into(),
        line: 13,
        column: 24,
        sources: strings(&["203.0.113.0/24"]),
        because: vec![because(SG_FILE, 13, 24, "inbound tcp 6443 from 203.0.113.0/24", "sg-0cp1234567890abcd")].into(),
        flag: None,
        message: "tcp/6443 (kube-apiserver) on instance i-0123456789abcdef0 is reachable from public sources that \
                  are not authorized: 203.0.113.0/24"
            .into(),
        resource_kind: "instance".into(),
        path: strings(&["security group sg-0cp1234567890abcd"]),
        unknown: Vec::new(),
        reach: None,
        suppressed: None,
    }
}

/// PC100, undetermined: the sources of a planned rule are known only after
/// apply. It points at the unknown value, admits no known source, and is
/// reported as high (never a silent pass).
pub fn undetermined_pc100() -> Finding {
    let unknown = "cidr_blocks is unknown: known only after apply (plan/tfplan.json:9:28)";
    Finding {
        rule: "PC100".into(),
        severity: Severity::High,
        kind: FindingKind::Exposure,
        exposure: Some(ExposureClass::Undetermined),
        port: Some(10257),
        protocol: Some("tcp".into()),
        resource: "aws_instance.control_plane".into(),
        file: PLAN_FILE.into(),
        line: 9,
        column: 28,
        sources: Default::default(),
        because: vec![because(PLAN_FILE, 4, 5, "cidr_blocks (known only after apply)", "aws_security_group_rule.kcm")]
            .into(),
        flag: None,
        message: format!(
            "tcp/10257 (kube-controller-manager) on instance aws_instance.control_plane may be reachable from the \
             internet: {unknown}"
        ),
        resource_kind: "instance".into(),
        path: strings(&["security group aws_security_group.cp"]),
        unknown: vec![unknown.into()],
        reach: Some(Arc::new(PathReach {
            reach: ReachKind::Unknown,
            reason: Some(
                "the input has no AWS route tables, so the route from subnet-0a1b back to the internet is unknown"
                    .into(),
            ),
            via: Vec::new(),
        })),
        suppressed: None,
    }
}

/// PC102, unauthorized, in a file whose path has a space and non-ASCII
/// characters.
pub fn odd_path_pc102() -> Finding {
    Finding {
        rule: "PC102".into(),
        severity: Severity::Medium,
        kind: FindingKind::Exposure,
        exposure: Some(ExposureClass::Unauthorized),
        port: Some(2379),
        protocol: Some("tcp".into()),
        resource: "i-0fedcba9876543210".into(),
        file: ODD_FILE.into(),
        line: 8,
        column: 24,
        sources: strings(&["10.20.0.0/16"]),
        because: vec![because(ODD_FILE, 8, 24, "inbound tcp 2379-2380 from 10.20.0.0/16", "sg-0e7cd0000000000aa")]
            .into(),
        flag: None,
        message: "tcp/2379 (etcd) on instance i-0fedcba9876543210 is reachable from sources outside the authorized \
                  list: 10.20.0.0/16"
            .into(),
        resource_kind: "instance".into(),
        path: strings(&["security group sg-0e7cd0000000000aa"]),
        unknown: Vec::new(),
        reach: Some(Arc::new(PathReach {
            reach: ReachKind::None,
            reason: Some("no internet address is among the sources in question".into()),
            via: vec![via(
                "security group",
                "sg-0e7cd0000000000aa",
                ODD_FILE,
                8,
                "inbound tcp 2379-2380 from 10.20.0.0/16",
            )],
        })),
        suppressed: None,
    }
}

/// The shared findings, in canonical order (as `check_estate` returns them).
pub fn findings() -> Vec<Finding> {
    let mut f = vec![odd_path_pc102(), undetermined_pc100(), public_pc101(), unrestricted_pc100()];
    sort_findings(&mut f);
    f
}

/// Two input errors, sorted as the CLI sorts them: one with a position,
/// one about a whole file (line 0).
pub fn errors() -> Vec<ReportError> {
    vec![
        ReportError {
            file: "dumps/broken.json".into(),
            line: 3,
            column: 17,
            message: "expected `,` or `}` after an object member".into(),
        },
        ReportError {
            file: "dumps/unreadable.json".into(),
            line: 0,
            column: 0,
            message: "cannot read the file: permission denied".into(),
        },
    ]
}

/// Renders a report with `emitter`, as UTF-8.
pub fn render(emitter: &dyn Emitter, findings: &[Finding], errors: &[ReportError], files_read: usize) -> String {
    let report =
        Report { findings, errors, files_read, sources: &MemSources, baseline: None, fail_on: Some(Severity::Low) };
    let mut out = Vec::new();
    emitter.emit(&report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("output is UTF-8")
}

/// Renders the shared findings and errors with `emitter`.
pub fn render_shared(emitter: &dyn Emitter) -> String {
    render(emitter, &findings(), &errors(), FILES_READ)
}

/// The hostile finding's file: markup, command separators, an escaped
/// line break, a backtick and a pipe in its name.
pub const HOSTILE_FILE: &str = "evil/<img src=x onerror=alert(1)>,a:b%0A`|.json";
/// Its text: the snippet carries markup and a Markdown fence.
pub const HOSTILE_TEXT: &str = "{\"x\": \"</pre><script>alert(5)</script>```\"}\n";

/// A finding whose every text comes from a hostile input: markup, quotes,
/// workflow-command separators, line breaks, backticks, table pipes and
/// control characters in the file name, the resource and the message. No
/// format may let any of it act as its own syntax.
pub fn hostile() -> Finding {
    let file = HOSTILE_FILE;
    Finding {
        rule: "PC100".into(),
        severity: Severity::Critical,
        kind: FindingKind::Exposure,
        exposure: Some(ExposureClass::Unrestricted),
        port: Some(10257),
        protocol: Some("tcp".into()),
        resource: "sg-\"><script>alert(2)</script>`|@team".into(),
        file: file.into(),
        line: 1,
        column: 1,
        sources: strings(&["0.0.0.0/0"]),
        because: vec![because(file, 1, 1, "inbound </li><b>bold</b>", "sg-\"><script>alert(2)</script>`|@team")].into(),
        flag: None,
        message:
            "open\r\n::error file=forged.tf::forged & <script>alert(3)</script> *x* [l](javascript:alert(4)) \u{1b}[31m"
                .into(),
        resource_kind: "security group".into(),
        path: strings(&["security group sg-\"><script>alert(2)</script>`|@team"]),
        unknown: Vec::new(),
        reach: None,
        suppressed: None,
    }
}

/// The reach fields of the shared critical finding as docs/json.md writes
/// them ("A finding", "A hop"): the internet through a gateway, a route,
/// the ACL and the group to the instance. Findings carry them once the
/// path issue lands; until then the fixture stands in.
const REACH_FIXTURE: &str = r#"{
  "reach": "internet",
  "via": [
    {"hop": "internet gateway", "resource": "igw-0a1", "file": "dumps/igws.json", "line": 4, "detail": "attached to vpc-0c1"},
    {"hop": "route", "resource": "rtb-0b2", "file": "dumps/routes.json", "line": 12, "detail": "0.0.0.0/0 → igw-0a1"},
    {"hop": "network ACL", "resource": "acl-0a1b2c3d4e5f60718", "file": "dumps/network-acls.json", "line": 6, "detail": "rule 100 allow all from 0.0.0.0/0"},
    {"hop": "public address", "resource": "eipalloc-9", "file": "", "line": 0, "detail": "<203.0.113.7>"}
  ]
}"#;

fn fixture_reach(f: &Finding) -> Option<portcullis_report::html::Reach> {
    let value: serde_json::Value = serde_json::from_str(REACH_FIXTURE).expect("the fixture is JSON");
    (f.resource == "i-0123456789abcdef0" && f.port == Some(10257))
        .then(|| portcullis_report::html::Reach::from_contract(&value))
        .flatten()
}

/// The shared findings as a page whose critical finding carries the
/// fixture's path from the internet.
pub fn page_with_reach() -> String {
    render_shared(&portcullis_report::html::Html { reach: fixture_reach })
}
