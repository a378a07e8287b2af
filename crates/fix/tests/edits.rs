//! Fixes on hand-written inputs with known right answers: a port range
//! split in Terraform and CloudFormation (short tags and comments kept), a
//! rule removed whole, a CIDR that needs several CloudFormation items, a
//! source that comes from a shared variable or local (an override in the
//! rule, said) or from one nothing else reads (changed where defined),
//! and how `--apply` writes: the file's mode kept, a file edited since it
//! was read refused, and a re-scan that disagrees restoring the original.

use portcullis_fix::{apply, fix, Dialect, FixRequest, Outcome};
use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::ReadOptions;
use portcullis_model::{AddrSet, Cidr};
use portcullis_pipeline::Reading;
use portcullis_rules::{Authorized, PortQuery};
use std::path::{Path, PathBuf};

fn queries() -> Vec<PortQuery> {
    PortQuery::builtin()
}

fn authorized(list: &[&str]) -> Authorized {
    Authorized {
        addrs: AddrSet::from_cidrs(list.iter().map(|c| Cidr::parse(c).expect("a CIDR"))),
        internal: Vec::new(),
        explicit: true,
    }
}

fn run(path: &Path, select: &[&str], auth: &[&str], apply: bool) -> Outcome {
    let paths = [path.to_path_buf()];
    let select: Vec<String> = select.iter().map(|s| s.to_string()).collect();
    fix(&FixRequest {
        reading: Reading {
            paths: &paths,
            terraform: &TerraformInputs::default(),
            options: &ReadOptions::default(),
            parameter_files: &[],
            documents: &[],
            cloud: None,
        },
        queries: &queries(),
        authorized: &authorized(auth),
        select: &select,
        fail_on: None,
        unsafe_fixes: false,
        apply,
        dialect: Dialect::AwsCli,
        waivers: &[],
        baseline: None,
    })
    .expect("fix runs")
}

fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("written");
    p
}

const SPLIT_TF: &str = r#"resource "aws_security_group" "cp" {
  name = "cp"
  # the control plane ports, opened wide
  ingress {
    from_port        = 10250
    to_port          = 10260
    protocol         = "tcp"
    cidr_blocks      = ["0.0.0.0/0"] # temporary
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_security_group_rule" "etcd" {
  type              = "ingress"
  security_group_id = aws_security_group.cp.id
  from_port         = 2379
  to_port           = 2380
  protocol          = "tcp"
  cidr_blocks       = ["198.51.100.0/24", "203.0.113.0/24"]
}
"#;

const SPLIT_TF_FIXED: &str = r#"resource "aws_security_group" "cp" {
  name = "cp"
  # the control plane ports, opened wide
  ingress {
    from_port        = 10250
    to_port          = 10260
    protocol         = "tcp"
    cidr_blocks      = ["10.1.0.0/16", "10.2.0.0/16"] # temporary
    ipv6_cidr_blocks = []
  }
  ingress {
    from_port        = 10250
    to_port          = 10256
    protocol         = "tcp"
    cidr_blocks      = ["0.0.0.0/0"] # temporary
    ipv6_cidr_blocks = ["::/0"]
  }
  ingress {
    from_port        = 10258
    to_port          = 10260
    protocol         = "tcp"
    cidr_blocks      = ["0.0.0.0/0"] # temporary
    ipv6_cidr_blocks = ["::/0"]
  }
}

"#;

#[test]
fn terraform_splits_a_range_narrows_and_removes_a_rule() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = file(dir.path(), "main.tf", SPLIT_TF);
    let out = run(dir.path(), &["PC100", "PC102"], &["10.1.0.0/16", "10.2.0.0/16"], true);
    assert!(out.unfixable.is_empty(), "{:#?}", out.unfixable);
    assert_eq!(out.restored, None);
    assert_eq!(out.still_open, 0);
    let now = std::fs::read_to_string(&path).expect("read");
    assert_eq!(now, SPLIT_TF_FIXED);
    hcl_edit::parser::parse_body(&now).expect("hcl-edit parses the fixed file");
    // The kubelet's port 10250 was not selected: still open to everyone.
    let after = run(dir.path(), &["PC103"], &["10.1.0.0/16", "10.2.0.0/16"], false);
    assert!(after.selected > 0, "PC103 still flagged");
}

const CFN: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "control plane ${AWS::StackName}"
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        # wide open
        - IpProtocol: tcp
          FromPort: 10250
          ToPort: 10260
          CidrIp: 0.0.0.0/0
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 10.1.0.0/16
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
"#;

const CFN_FIXED: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "control plane ${AWS::StackName}"
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        # wide open
        - IpProtocol: tcp
          FromPort: 10250
          ToPort: 10260
          CidrIp: 10.1.0.0/16
        - IpProtocol: tcp
          FromPort: 10250
          ToPort: 10260
          CidrIp: 10.2.0.0/16
        - IpProtocol: tcp
          FromPort: 10250
          ToPort: 10256
          CidrIp: 0.0.0.0/0
        - IpProtocol: tcp
          FromPort: 10258
          ToPort: 10260
          CidrIp: 0.0.0.0/0
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 10.1.0.0/16
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
"#;

#[test]
fn cloudformation_copies_items_keeping_tags_and_comments() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = file(dir.path(), "template.yaml", CFN);
    let out = run(&path, &["PC100"], &["10.1.0.0/16", "10.2.0.0/16"], true);
    assert!(out.unfixable.is_empty(), "{:#?}", out.unfixable);
    assert_eq!(out.restored, None);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), CFN_FIXED);
}

#[test]
fn a_shared_variable_gets_an_override_in_the_rule_and_an_unshared_one_changes_where_defined() {
    let dir = tempfile::tempdir().expect("a directory");
    let variables = "variable \"admin\" {\n  default = [\"0.0.0.0/0\", \"10.1.0.0/16\"] # office and VPN\n}\n";
    let text = r#"resource "aws_security_group" "cp" {
  name = "cp"
  ingress {
    from_port   = 10257
    to_port     = 10257
    protocol    = "tcp"
    cidr_blocks = var.admin
  }
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.admin
  }
}
"#;
    let vars = file(dir.path(), "variables.tf", variables);
    let path = file(dir.path(), "main.tf", text);
    let out = run(dir.path(), &["PC100"], &["10.0.0.0/8"], true);
    assert!(out.unfixable.is_empty(), "{:#?}", out.unfixable);
    assert_eq!(out.restored, None);
    // var.admin feeds the rule on 22 too: the rule on 10257 gets its own
    // literal sources (what it keeps of the variable: 0.0.0.0/0 narrowed
    // to 10.0.0.0/8, which holds 10.1.0.0/16), with a comment,
    // and the variable and the other rule stay as they are.
    assert_eq!(std::fs::read_to_string(&vars).expect("read"), variables);
    let fixed = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        fixed,
        text.replacen(
            "    cidr_blocks = var.admin\n",
            "    # portcullis fix: this rule's own sources; var.admin is left as it is for the 1 other place that reads it\n    cidr_blocks = [\"10.0.0.0/8\"]\n",
            1
        )
    );
    hcl_edit::parser::parse_body(&fixed).expect("the override parses");
    assert!(
        out.notes.iter().any(|(_, n)| n.contains("var.admin is read by 2 places") && n.contains("main.tf:7")),
        "{:?}",
        out.notes
    );
    // A local two resources read: the same, in a standalone rule.
    let dir = tempfile::tempdir().expect("a directory");
    let text = r#"locals {
  admins = ["198.51.100.0/24"]
}

resource "aws_security_group_rule" "kcm" {
  type              = "ingress"
  security_group_id = "sg-1"
  from_port         = 10257
  to_port           = 10257
  protocol          = "tcp"
  cidr_blocks       = local.admins # who runs kubectl
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = "sg-1"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = local.admins
}
"#;
    let path = file(dir.path(), "main.tf", text);
    let out = run(dir.path(), &["PC100"], &["198.51.100.128/25"], true);
    assert!(out.unfixable.is_empty(), "{:#?}", out.unfixable);
    assert_eq!(out.restored, None);
    let fixed = std::fs::read_to_string(&path).expect("read");
    assert!(fixed.contains("  cidr_blocks       = [\"198.51.100.128/25\"] # who runs kubectl\n"), "{fixed}");
    assert!(fixed.contains("  admins = [\"198.51.100.0/24\"]\n"), "{fixed}");
    assert!(fixed.contains("  cidr_blocks       = local.admins\n"), "{fixed}");
    // Used once, the variable's default is where the fix goes.
    let dir = tempfile::tempdir().expect("a directory");
    let once = "variable \"admin\" {\n  default = [\"0.0.0.0/0\"]\n}\n\nresource \"aws_security_group\" \"cp\" {\n  name = \"cp\"\n  ingress {\n    from_port   = 10257\n    to_port     = 10257\n    protocol    = \"tcp\"\n    cidr_blocks = var.admin\n  }\n}\n";
    let path = file(dir.path(), "main.tf", once);
    let out = run(dir.path(), &["PC100"], &["10.0.0.0/8"], true);
    assert!(out.unfixable.is_empty(), "{:#?}", out.unfixable);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), once.replace("[\"0.0.0.0/0\"]", "[\"10.0.0.0/8\"]"));
    assert!(out.notes.iter().any(|(_, n)| n.contains("changed where var.admin is defined")), "{:?}", out.notes);
}

/// Runs `body` with the request `fix DIR --authorized 10.0.0.0/8 --select
/// PC100` makes (a dry run: the tests apply it themselves).
fn with_request(dir: &Path, body: impl FnOnce(&FixRequest)) {
    let paths = [dir.to_path_buf()];
    let select = vec!["PC100".to_string()];
    let auth = authorized(&["10.0.0.0/8"]);
    let q = queries();
    let (terraform, options) = (TerraformInputs::default(), ReadOptions::default());
    body(&FixRequest {
        reading: Reading {
            paths: &paths,
            terraform: &terraform,
            options: &options,
            parameter_files: &[],
            documents: &[],
            cloud: None,
        },
        queries: &q,
        authorized: &auth,
        select: &select,
        fail_on: None,
        unsafe_fixes: false,
        apply: false,
        dialect: Dialect::AwsCli,
        waivers: &[],
        baseline: None,
    });
}

const OPEN_TF: &str = r#"resource "aws_security_group" "cp" {
  ingress {
    from_port   = 10257
    to_port     = 10257
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

#[test]
fn apply_keeps_the_mode_and_refuses_a_file_edited_since_it_was_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a directory");
    let path = file(dir.path(), "main.tf", OPEN_TF);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    with_request(dir.path(), |request| {
        // Edited between the dry run and the apply: refused, left as edited.
        let mut outcome = fix(request).expect("fix runs");
        assert_eq!(outcome.changes.len(), 1);
        let edited = OPEN_TF.replace("protocol    = \"tcp\"", "protocol    = \"tcp\" # edited");
        std::fs::write(&path, &edited).expect("edited");
        apply(request, &mut outcome).expect("apply runs");
        assert_eq!(outcome.changed_since_read.len(), 1);
        assert!(outcome.written.is_empty());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), edited);
        // Unchanged: written, mode kept.
        std::fs::write(&path, OPEN_TF).expect("restored");
        let mut outcome = fix(request).expect("fix runs");
        apply(request, &mut outcome).expect("apply runs");
        assert_eq!(outcome.written.len(), 1);
        assert!(std::fs::read_to_string(&path).expect("read").contains("[\"10.0.0.0/8\"]"));
        assert_eq!(std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777, 0o640);
    });
}

#[test]
fn a_rescan_that_disagrees_restores_the_original() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = file(dir.path(), "main.tf", OPEN_TF);
    with_request(dir.path(), |request| {
        let mut outcome = fix(request).expect("fix runs");
        // A change the model did not plan: the re-scan still finds the port
        // open (here, to a wider public range), so the original comes back.
        outcome.changes[0].after = OPEN_TF.replace("0.0.0.0/0", "0.0.0.0/1");
        apply(request, &mut outcome).expect("apply runs");
        assert!(outcome.restored.as_deref().is_some_and(|why| why.contains("still finds")), "{:?}", outcome.restored);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), OPEN_TF);
    });
}

/// A finding the user accepted is left alone and listed as skipped, with
/// the reason: a suppression in the input, one in the configuration file,
/// and a baseline entry; the one finding nobody accepted is fixed.
#[test]
fn suppressed_and_baselined_findings_are_skipped_not_fixed() {
    use portcullis_rules::suppressions::{Scope, Waiver};
    use portcullis_rules::SuppressionKind;
    let dir = tempfile::tempdir().expect("a directory");
    let group = |name: &str, comment: &str| {
        format!(
            "{comment}resource \"aws_security_group\" \"{name}\" {{\n  name = \"{name}\"\n  ingress {{\n    from_port   = 10257\n    to_port     = 10257\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n}}\n"
        )
    };
    let inline = file(
        dir.path(),
        "inline.tf",
        &group("inline", "# portcullis:ignore[PC100] the vendor's scraper until the VPN is up\n"),
    );
    let config = file(dir.path(), "config.tf", &group("config", ""));
    let baselined = file(dir.path(), "baselined.tf", &group("baselined", ""));
    let open = file(dir.path(), "open.tf", &group("open", ""));
    let originals: Vec<(PathBuf, String)> = [&inline, &config, &baselined, &open]
        .iter()
        .map(|p| ((*p).clone(), std::fs::read_to_string(p).expect("read")))
        .collect();
    let waivers = [Waiver {
        codes: vec!["PC100".into()],
        reason: "accepted by the platform team".into(),
        expires: None,
        kind: SuppressionKind::Config,
        scope: Scope::Resource("aws_security_group.config".into()),
        file: "portcullis.toml".into(),
        line: 3,
        column: 1,
    }];
    let paths = [dir.path().to_path_buf()];
    let (terraform, options) = (TerraformInputs::default(), ReadOptions::default());
    let reading = Reading {
        paths: &paths,
        terraform: &terraform,
        options: &options,
        parameter_files: &[],
        documents: &[],
        cloud: None,
    };
    // The baseline: what a scan finds in baselined.tf.
    let run = portcullis_pipeline::scan(&portcullis_pipeline::ScanRequest {
        reading,
        queries: &queries(),
        authorized: &authorized(&["10.0.0.0/8"]),
        timings: false,
    });
    let accepted: Vec<_> =
        run.findings.iter().filter(|f| f.resource == "aws_security_group.baselined").cloned().collect();
    assert_eq!(accepted.len(), 1, "{:#?}", run.findings);
    let baseline = portcullis_report::baseline::Baseline::from_findings(&accepted);
    let out = fix(&FixRequest {
        reading,
        queries: &queries(),
        authorized: &authorized(&["10.0.0.0/8"]),
        select: &["PC100".to_string()],
        fail_on: None,
        unsafe_fixes: false,
        apply: true,
        dialect: Dialect::AwsCli,
        waivers: &waivers,
        baseline: Some(&baseline),
    })
    .expect("fix runs");
    assert_eq!(out.restored, None);
    assert!(out.unfixable.is_empty(), "{:#?}", out.unfixable);
    assert_eq!(out.written, vec![open.to_string_lossy().to_string()]);
    assert_eq!(out.selected, 1, "only the finding nobody accepted is selected");
    let skipped: Vec<(String, String)> = out.skipped.iter().map(|s| (s.resource.clone(), s.reason.clone())).collect();
    assert_eq!(skipped.len(), 3, "{skipped:#?}");
    let reason = |r: &str| skipped.iter().find(|(x, _)| x == r).map(|(_, why)| why.clone()).unwrap_or_default();
    assert!(reason("aws_security_group.inline").starts_with("suppressed (inline"), "{skipped:?}");
    assert!(reason("aws_security_group.inline").contains("the vendor's scraper"), "{skipped:?}");
    assert!(reason("aws_security_group.config").starts_with("suppressed (config, portcullis.toml:3)"), "{skipped:?}");
    assert_eq!(reason("aws_security_group.baselined"), "in the baseline");
    for (path, text) in &originals {
        let now = std::fs::read_to_string(path).expect("read");
        if path == &open {
            assert!(now.contains("cidr_blocks = [\"10.0.0.0/8\"]"), "{now}");
        } else {
            assert_eq!(&now, text, "{}: an accepted finding's file was touched", path.display());
        }
    }
}
