//! Hostile and careless inputs, walked or named: nothing is lost, nothing
//! is skipped without a word, nothing hangs, and no file a run reads is
//! overwritten or left half-written (issue 12).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn bin() -> Command {
    let mut c = Command::cargo_bin("portcullis").expect("binary built");
    // A hang is a failure, not a stuck test run.
    c.timeout(Duration::from_secs(60));
    c
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, bytes).expect("write");
    p
}

fn scan_json(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = bin().current_dir(dir).arg("scan").args(args).args(["--format", "json", "--no-config"]).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code(), v)
}

fn errors(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| format!("{}:{}:{}: {}", e["file"].as_str().unwrap_or(""), e["line"], e["column"], e["message"]))
        .collect()
}

fn resources_on(v: &Value, port: u64) -> Vec<String> {
    let mut r: Vec<String> = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["port"] == port)
        .map(|f| f["resource"].as_str().unwrap_or("").to_string())
        .collect();
    r.sort();
    r
}

/// An AWS dump with one group open on 10257.
fn open_dump(group: &str) -> String {
    format!(
        r#"{{"SecurityGroups": [{{"GroupId": "{group}", "IpPermissions": [
  {{"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": [{{"CidrIp": "0.0.0.0/0"}}]}}
]}}]}}"#
    )
}

const OPEN_TF: &str = r#"resource "aws_security_group" "kcm" {
  ingress {
    from_port   = 10257
    to_port     = 10257
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

/// The header line of AWS VPC flow logs in the default format.
const FLOW_HEADER: &str =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";

/// One default-format record to 10.0.1.5 on tcp/10257.
fn flow_record(source: &str, action: &str) -> String {
    format!("2 123456789012 eni-0a {source} 10.0.1.5 40000 10257 6 10 5000 1714996800 1714996860 {action} OK\n")
}

// ---- 1. Non-UTF-8 files found by walking are errors, as when named ----

/// A CloudFormation template with one Latin-1 byte (`é` as 0xE9) on line 6,
/// column 28, and an open 10257 rule.
fn latin1_template() -> Vec<u8> {
    let mut t = b"AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: caf".to_vec();
    t.push(0xE9);
    t.extend_from_slice(
        b" team\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 10257\n          ToPort: 10257\n          CidrIp: 0.0.0.0/0\n",
    );
    t
}

#[test]
fn walked_non_utf8_files_are_errors_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/stack.yaml", &latin1_template());
    let mut dump = open_dump("sg-0latin1").into_bytes();
    // `"Description": "caf\xe9"` inside the group, on line 1.
    let at = dump.windows(9).position(|w| w == b"\"GroupId\"").unwrap();
    let mut desc = b"\"Description\": \"caf".to_vec();
    desc.push(0xE9);
    desc.extend_from_slice(b"\", ");
    dump.splice(at..at, desc);
    write(dir.path(), "d/sg.json", &dump);
    let mut bicep = b"// caf".to_vec();
    bicep.push(0xE9);
    bicep.extend_from_slice(b"\nparam x string = 'a'\n");
    write(dir.path(), "d/main.bicep", &bicep);
    let mut tf = b"# caf".to_vec();
    tf.push(0xE9);
    tf.push(b'\n');
    tf.extend_from_slice(OPEN_TF.as_bytes());
    write(dir.path(), "d/tf/main.tf", &tf);

    for (args, label) in
        [(vec!["d"], "walked"), (vec!["d/stack.yaml", "d/sg.json", "d/main.bicep", "d/tf/main.tf"], "named")]
    {
        let (code, v) = scan_json(dir.path(), &args);
        assert_eq!(code, Some(2), "{label}: {v:#}");
        let errs = errors(&v);
        for want in [
            "d/stack.yaml:6:28: \"not UTF-8 text",
            "d/sg.json:1:41: \"not UTF-8 text",
            "d/main.bicep:1:7: \"not UTF-8 text",
            "d/tf/main.tf:1:6: \"not UTF-8 text",
        ] {
            assert!(errs.iter().any(|e| e.starts_with(want)), "{label}: no `{want}` in {errs:#?}");
        }
        // The rest of each file is still read: nothing it says is lost.
        let on_kcm = resources_on(&v, 10257);
        assert!(on_kcm.iter().any(|r| r == "sg-0latin1"), "{label}: {on_kcm:?}");
        assert!(on_kcm.iter().any(|r| r.contains("aws_security_group.kcm")), "{label}: {on_kcm:?}");
        assert!(on_kcm.iter().any(|r| r.contains("Sg")), "{label}: {on_kcm:?}");
    }
}

// ---- 2. Symbolic links inside a scanned tree are followed ----

#[cfg(unix)]
#[test]
fn symlinks_to_files_and_directories_are_followed_and_loops_reported() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "modules/main.tf", OPEN_TF.as_bytes());
    write(root, "accounts/prod/sg.json", open_dump("sg-0viadirlink").as_bytes());
    write(root, "tree/own.json", open_dump("sg-0own").as_bytes());
    std::fs::create_dir_all(root.join("tree/env")).unwrap();
    // A link to a file outside the tree, to a directory outside it, and a
    // loop back to the tree's own root.
    symlink("../../modules/main.tf", root.join("tree/env/sg.tf")).unwrap();
    symlink("../accounts", root.join("tree/accounts")).unwrap();
    symlink("..", root.join("tree/env/up")).unwrap();
    let (code, v) = scan_json(root, &["tree"]);
    let on_kcm = resources_on(&v, 10257);
    assert!(on_kcm.contains(&"sg-0own".to_string()), "{on_kcm:?}");
    assert!(on_kcm.contains(&"sg-0viadirlink".to_string()), "link to a directory: {on_kcm:?} {v:#}");
    assert!(on_kcm.iter().any(|r| r.contains("aws_security_group.kcm")), "link to a file: {on_kcm:?} {v:#}");
    // Each file once: the loop does not read the tree twice.
    assert_eq!(on_kcm.iter().filter(|r| *r == "sg-0own").count(), 1, "{on_kcm:?}");
    let errs = errors(&v);
    assert!(errs.iter().any(|e| e.contains("tree/env/up") && e.contains("loop")), "the loop is reported: {errs:#?}");
    assert_eq!(code, Some(2), "{v:#}");
}

#[cfg(unix)]
#[test]
fn a_broken_symlink_in_a_tree_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tree/own.json", open_dump("sg-0own").as_bytes());
    std::os::unix::fs::symlink("../nowhere.json", dir.path().join("tree/gone.json")).unwrap();
    let (code, v) = scan_json(dir.path(), &["tree"]);
    assert_eq!(code, Some(2), "{v:#}");
    assert!(errors(&v).iter().any(|e| e.contains("tree/gone.json")), "{:#?}", errors(&v));
    assert_eq!(resources_on(&v, 10257), vec!["sg-0own".to_string()]);
}

// ---- 3. A key repeated in one JSON object is an error naming both places ----

/// One JSON input of each kind portcullis reads, each on one line with a
/// key written twice where the first value would hide an open 10257 (the
/// issue's cases), and the key that repeats.
fn duplicate_key_inputs() -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("groups.json", r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": [{"CidrIp": "10.0.0.0/8", "CidrIp": "0.0.0.0/0"}]}]}]}"#.into(), "\"CidrIp\""),
        ("rules.json", r#"{"SecurityGroupRules": [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-2", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "CidrIpv4": "10.0.0.0/8", "CidrIpv4": "0.0.0.0/0"}]}"#.into(), "\"CidrIpv4\""),
        ("stack.json", r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x", "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "CidrIp": "10.0.0.0/8", "CidrIp": "0.0.0.0/0"}]}}}}"#.into(), "\"CidrIp\""),
        ("template.json", r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg", "location": "westeurope", "properties": {"securityRules": [{"name": "kcm", "properties": {"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "10257", "sourceAddressPrefix": "10.0.0.0/8", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*"}}]}}]}"#.into(), "\"sourceAddressPrefix\""),
        ("tf/main.tf.json", r#"{"resource": {"aws_security_group": {"kcm": {"ingress": [{"from_port": 10257, "to_port": 10257, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"], "cidr_blocks": ["0.0.0.0/0"]}]}}}}"#.into(), "\"cidr_blocks\""),
        ("plan.json", r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "aws_security_group.kcm", "mode": "managed", "type": "aws_security_group", "name": "kcm", "values": {"ingress": [{"from_port": 10257, "to_port": 10257, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"], "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}]}}]}}}"#.into(), "\"cidr_blocks\""),
        ("nsgs.json", r#"[{"name": "nsg", "id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg", "securityRules": [{"name": "kcm", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "10257", "sourceAddressPrefix": "10.0.0.0/8", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*"}]}]"#.into(), "\"sourceAddressPrefix\""),
        ("firewalls.json", r#"[{"kind": "compute#firewall", "name": "kcm", "network": "projects/p/global/networks/default", "direction": "INGRESS", "priority": 1000, "sourceRanges": ["10.0.0.0/8"], "sourceRanges": ["0.0.0.0/0"], "allowed": [{"IPProtocol": "tcp", "ports": ["10257"]}]}]"#.into(), "\"sourceRanges\""),
    ]
}

#[test]
fn a_repeated_json_key_is_an_error_naming_both_places_in_every_json_input() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/good.json", open_dump("sg-0good").as_bytes());
    let inputs = duplicate_key_inputs();
    for (name, text, _) in &inputs {
        write(dir.path(), &format!("d/{name}"), text.as_bytes());
    }
    // Repeated block types are Terraform's JSON syntax for several blocks:
    // both resources are read, no error.
    write(
        dir.path(),
        "d/tf2/main.tf.json",
        br#"{"resource": {"aws_security_group": {"a": {"ingress": [{"from_port": 10257, "to_port": 10257, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}}},
 "resource": {"aws_security_group": {"b": {"ingress": [{"from_port": 10257, "to_port": 10257, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}}}}"#,
    );
    let (code, v) = scan_json(dir.path(), &["d"]);
    assert_eq!(code, Some(2), "{v:#}");
    let errs = errors(&v);
    for (name, text, key) in &inputs {
        let first = text.find(key).unwrap() + 1;
        let again = text.rfind(key).unwrap() + 1;
        let place = format!("d/{name}:1:{again}: ");
        let says =
            format!("key {} appears twice in one object (first at line 1, column {first})", key.replace('"', "`"));
        let hit = errs.iter().any(|e| e.starts_with(&place) && e.contains(&says));
        assert!(hit, "{name}: no error {place}...{says} in {errs:#?}");
    }
    assert_eq!(errs.len(), inputs.len(), "{errs:#?}");
    assert_eq!(
        resources_on(&v, 10257),
        vec!["aws_security_group.a".to_string(), "aws_security_group.b".to_string(), "sg-0good".to_string()]
    );
}

/// A nested block type written several times in one body is several
/// blocks in Terraform's JSON syntax: every one is read (the second rule
/// here opens 10257 to the internet, the first only to 10.0.0.0/8), while
/// an argument written twice stays an error.
#[test]
fn a_nested_block_repeated_in_a_tf_json_body_is_every_block() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tf/main.tf.json",
        br#"{"resource": {"aws_security_group": {"kcm": {
  "name": "kcm",
  "ingress": {"from_port": 10257, "to_port": 10257, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]},
  "ingress": [{"from_port": 10257, "to_port": 10257, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]
}}}}"#,
    );
    let (code, v) = scan_json(dir.path(), &["tf"]);
    assert_eq!(code, Some(1), "{v:#}");
    assert!(errors(&v).is_empty(), "{:#?}", errors(&v));
    let finding = v["findings"].as_array().unwrap().iter().find(|f| f["port"] == 10257).unwrap();
    assert_eq!(finding["resource"], "aws_security_group.kcm");
    assert_eq!(finding["exposure"], "unrestricted", "{finding:#}");
    assert_eq!(finding["because"][0]["line"], 4, "the second block admits 0.0.0.0/0: {finding:#}");

    // `name` twice is an argument written twice: an error at the repeat.
    write(
        dir.path(),
        "tf2/main.tf.json",
        br#"{"resource": {"aws_security_group": {"kcm": {"name": "a", "name": "b", "ingress": {"from_port": 10257, "to_port": 10257, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}}}}}"#,
    );
    let (code, v) = scan_json(dir.path(), &["tf2"]);
    assert_eq!(code, Some(2), "{v:#}");
    let errs = errors(&v);
    assert!(
        errs.iter().any(|e| e.starts_with("tf2/main.tf.json:1:") && e.contains("`name` appears twice")),
        "{errs:#?}"
    );
}

// ---- 12. Named pipes and other non-regular files never hang ----

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let status = std::process::Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_named_pipe_without_a_writer_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.json", open_dump("sg-0good").as_bytes());
    mkfifo(&dir.path().join("p.json"));
    let (code, v) = scan_json(dir.path(), &["p.json", "good.json"]);
    assert_eq!(code, Some(2), "{v:#}");
    assert!(errors(&v).iter().any(|e| e.starts_with("p.json:") && e.contains("pipe")), "{:#?}", errors(&v));
    assert_eq!(resources_on(&v, 10257), vec!["sg-0good".to_string()]);

    // The same for flows and for --config.
    let out =
        bin().current_dir(dir.path()).args(["flows", "p.json", "--no-config", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().current_dir(dir.path()).args(["scan", "good.json", "--config", "p.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("p.json"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(unix)]
#[test]
fn a_named_pipe_with_a_writer_is_read_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("dump.json");
    mkfifo(&fifo);
    let text = open_dump("sg-0fromapipe");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, text).expect("write to the pipe"))
    };
    // The writer opens the pipe first, as a shell's `<(…)` does.
    std::thread::sleep(Duration::from_millis(200));
    let (code, v) = scan_json(dir.path(), &["dump.json"]);
    writer.join().unwrap();
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(resources_on(&v, 10257), vec!["sg-0fromapipe".to_string()]);
    // The snippet comes from what was read, not from reading the pipe again.
    let fifo2 = dir.path().join("again.json");
    mkfifo(&fifo2);
    let text = open_dump("sg-0fromapipe");
    let writer = std::thread::spawn(move || std::fs::write(fifo2, text).expect("write to the pipe"));
    std::thread::sleep(Duration::from_millis(200));
    let out =
        bin().current_dir(dir.path()).args(["scan", "again.json", "--no-config", "--color", "never"]).output().unwrap();
    writer.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"CidrIp\": \"0.0.0.0/0\""), "{text}");
}

#[cfg(unix)]
#[test]
fn flows_reads_a_pipe_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("flows.log");
    mkfifo(&fifo);
    let log = format!("{FLOW_HEADER}{}", flow_record("1.128.0.7", "ACCEPT"));
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, log).expect("write to the pipe"))
    };
    std::thread::sleep(Duration::from_millis(200));
    let out =
        bin().current_dir(dir.path()).args(["flows", "flows.log", "--no-config", "--format", "json"]).output().unwrap();
    writer.join().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    assert_eq!(v["findings"][0]["sources"][0], "1.128.0.7", "{v:#}");
}

#[cfg(unix)]
#[test]
fn non_regular_files_are_named_when_found_by_walking_or_as_terraform() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tree/own.json", open_dump("sg-0own").as_bytes());
    mkfifo(&dir.path().join("tree/p.tf"));
    mkfifo(&dir.path().join("tree/q.json"));
    let (code, v) = scan_json(dir.path(), &["tree"]);
    assert_eq!(code, Some(2), "{v:#}");
    let errs = errors(&v);
    for name in ["tree/p.tf", "tree/q.json"] {
        assert!(errs.iter().any(|e| e.starts_with(name) && e.contains("pipe")), "{name}: {errs:#?}");
    }
    assert_eq!(resources_on(&v, 10257), vec!["sg-0own".to_string()]);
    // Named on the command line, a pipe named like Terraform is named too.
    let (code, v) = scan_json(dir.path(), &["tree/p.tf", "tree/own.json"]);
    assert_eq!(code, Some(2), "{v:#}");
    assert!(errors(&v).iter().any(|e| e.starts_with("tree/p.tf")), "{:#?}", errors(&v));
}

// ---- 14. An output that is one of the inputs is refused ----

#[test]
fn output_onto_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let input = open_dump("sg-0keep");
    write(dir.path(), "in.json", input.as_bytes());
    write(dir.path(), "d/more.json", open_dump("sg-0more").as_bytes());
    for args in [
        vec!["scan", "in.json", "-o", "in.json"],
        vec!["scan", "in.json", "-o", "./in.json"],
        vec!["scan", "d", "-o", "d/more.json"],
        vec!["scan", "in.json", "--write-baseline", "in.json"],
        vec!["flows", "in.json", "-o", "in.json"],
    ] {
        let out = bin().current_dir(dir.path()).args(&args).arg("--no-config").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is also an input"), "{args:?}: {err}");
        assert_eq!(std::fs::read_to_string(dir.path().join("in.json")).unwrap(), input, "{args:?}");
        assert_eq!(std::fs::read_to_string(dir.path().join("d/more.json")).unwrap(), open_dump("sg-0more"));
    }
    // Updating a baseline in place stays allowed.
    bin()
        .current_dir(dir.path())
        .args(["scan", "in.json", "--no-config", "--write-baseline", "b.json"])
        .assert()
        .code(1);
    bin()
        .current_dir(dir.path())
        .args(["scan", "in.json", "--no-config", "--baseline", "b.json", "--write-baseline", "b.json"])
        .assert()
        .code(0);
}

#[test]
fn a_report_written_into_the_scanned_tree_may_be_written_again() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sg.json", open_dump("sg-0a").as_bytes());
    write(dir.path(), "logs/flows.log", format!("{FLOW_HEADER}{}", flow_record("1.128.0.7", "ACCEPT")).as_bytes());
    // The second run walks the first run's report: not an input of ours,
    // so it is replaced, not refused.
    for _ in 0..2 {
        bin()
            .current_dir(dir.path())
            .args([
                "scan",
                ".",
                "--no-config",
                "--format",
                "json",
                "-o",
                "report.json",
                "--write-baseline",
                "base.json",
            ])
            .assert()
            .code(1);
        bin()
            .current_dir(dir.path())
            .args(["flows", "logs", "--no-config", "--format", "json", "-o", "logs/out.json"])
            .assert()
            .code(1);
    }
    // A flow log found by walking is an input: not replaced.
    let out =
        bin().current_dir(dir.path()).args(["flows", "logs", "--no-config", "-o", "logs/flows.log"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is also an input"));
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_onto_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = open_dump("sg-0keep");
    write(dir.path(), "in.json", input.as_bytes());
    std::os::unix::fs::symlink("in.json", dir.path().join("alias.json")).unwrap();
    let out =
        bin().current_dir(dir.path()).args(["scan", "in.json", "--no-config", "-o", "alias.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(dir.path().join("in.json")).unwrap(), input);
}

// ---- 15. Every file written is written atomically ----

/// Many open groups, so a report takes a while to write.
fn big_dump(groups: usize) -> String {
    let items: Vec<String> = (0..groups)
        .map(|i| {
            format!(
                r#"{{"GroupId": "sg-{i:017x}", "IpPermissions": [{{"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": [{{"CidrIp": "0.0.0.0/0"}}]}}]}}"#
            )
        })
        .collect();
    format!("{{\"SecurityGroups\": [\n{}\n]}}", items.join(",\n"))
}

#[test]
fn a_reader_never_sees_a_half_written_report_or_baseline() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sg.json", big_dump(2000).as_bytes());
    let baseline = ["scan", "sg.json", "--no-config", "--write-baseline", "base.json"];
    let report = ["scan", "sg.json", "--no-config", "--format", "json", "-o", "report.json", "--fail-on", "none"];
    bin().current_dir(dir.path()).args(baseline).assert().code(1);
    bin().current_dir(dir.path()).args(report).assert().code(0);
    // Every run writes the same bytes: any other size a reader sees is a
    // file caught half-written (or emptied before writing).
    let full: Vec<(PathBuf, u64)> = ["base.json", "report.json"]
        .iter()
        .map(|n| {
            let p = dir.path().join(n);
            let len = std::fs::metadata(&p).unwrap().len();
            (p, len)
        })
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let full = full.clone();
        std::thread::spawn(move || {
            let (mut looks, mut bad) = (0u64, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for (p, len) in &full {
                    let now = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                    if now != *len {
                        bad.push(format!("{}: {now} of {len} bytes", p.display()));
                    }
                    looks += 1;
                }
            }
            (looks, bad)
        })
    };
    for _ in 0..4 {
        bin().current_dir(dir.path()).args(baseline).assert().code(1);
        bin().current_dir(dir.path()).args(report).assert().code(0);
        for (p, _) in &full {
            serde_json::from_slice::<Value>(&std::fs::read(p).unwrap()).expect("a whole JSON document");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (looks, bad) = reader.join().unwrap();
    assert!(looks > 0);
    assert!(bad.is_empty(), "{} of {looks} looks saw a partial file: {:?}", bad.len(), &bad[..bad.len().min(5)]);
    // No temporary file is left behind.
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["base.json", "report.json", "sg.json"]);
}

#[cfg(unix)]
#[test]
fn a_replaced_output_keeps_its_mode_and_devices_are_written_in_place() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sg.json", open_dump("sg-0a").as_bytes());
    let report = write(dir.path(), "report.txt", b"old");
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).unwrap();
    bin().current_dir(dir.path()).args(["scan", "sg.json", "--no-config", "-o", "report.txt"]).assert().code(1);
    let meta = std::fs::metadata(&report).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert!(std::fs::read_to_string(&report).unwrap().contains("sg-0a"));
    // A device is written to, never replaced.
    bin().current_dir(dir.path()).args(["scan", "sg.json", "--no-config", "-o", "/dev/null"]).assert().code(1);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
}

// ---- 11. A file truncated while it is read is an error, not a crash ----

/// Runs `args` in `dir` while `file` is truncated after `delay`; the exit
/// status and the report's text.
#[cfg(unix)]
fn run_while_truncating(dir: &Path, args: &[&str], file: &Path, delay: Duration) -> (std::process::ExitStatus, String) {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("portcullis"))
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    std::fs::OpenOptions::new().write(true).open(file).unwrap().set_len(0).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// Truncates the input at growing delays until a run is caught mid-read
/// (log rotation's `copytruncate` does this to a reader): no run may die of
/// a signal (SIGBUS from the memory map), and a run caught mid-read must
/// say the file changed.
#[cfg(unix)]
fn truncation_is_reported(dir: &Path, args: &[&str], file: &Path, content: &[u8]) {
    use std::os::unix::process::ExitStatusExt;
    let mut caught = 0;
    for delay_ms in [5u64, 15, 30, 60, 120, 250, 500, 1000, 2000] {
        std::fs::write(file, content).unwrap();
        let (status, text) = run_while_truncating(dir, args, file, Duration::from_millis(delay_ms));
        assert_eq!(status.signal(), None, "killed by a signal after {delay_ms} ms: {text}");
        if text.contains("changed while it was read") {
            caught += 1;
            assert_eq!(status.code(), Some(2), "{text}");
        }
    }
    assert!(caught > 0, "no run was caught mid-read: make the input larger");
}

#[cfg(unix)]
#[test]
fn a_dump_truncated_while_scanned_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let dump = big_dump(120_000);
    assert!(dump.len() > 16 << 20, "large enough to be mapped and read in parts");
    let file = dir.path().join("sg.json");
    truncation_is_reported(
        dir.path(),
        &["scan", "sg.json", "--no-config", "--format", "json", "--fail-on", "none"],
        &file,
        dump.as_bytes(),
    );
}

#[cfg(unix)]
#[test]
fn a_flow_log_truncated_while_read_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::from(FLOW_HEADER);
    let record = flow_record("198.51.100.7", "REJECT");
    while log.len() < 64 << 20 {
        log.push_str(&record);
    }
    let file = dir.path().join("flows.log");
    truncation_is_reported(
        dir.path(),
        &["flows", "flows.log", "--no-config", "--format", "json", "--fail-on", "none"],
        &file,
        log.as_bytes(),
    );
}

// ---- 7. Data after the last gzip member: a warning with its offset ----

#[test]
fn flows_warns_about_data_after_the_last_gzip_member() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("flows.log");
    std::fs::write(&log, format!("{FLOW_HEADER}{}", flow_record("1.128.0.7", "ACCEPT"))).unwrap();
    let status = std::process::Command::new("gzip").arg(&log).status().expect("gzip runs");
    assert!(status.success());
    let gz = dir.path().join("flows.log.gz");
    let end = std::fs::metadata(&gz).unwrap().len();
    let mut bytes = std::fs::read(&gz).unwrap();
    bytes.extend_from_slice(&[0u8; 512]);
    std::fs::write(dir.path().join("padded.log.gz"), &bytes).unwrap();
    bytes.extend_from_slice(b"garbage");
    std::fs::write(&gz, &bytes).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["flows", "flows.log.gz", "padded.log.gz", "--no-config", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "a warning does not change the exit code: {v:#}");
    assert_eq!(v["flow_stats"]["matched"], 2, "both files read in full: {v:#}");
    let warnings = v["warnings"].as_array().expect("a warnings member");
    assert_eq!(warnings.len(), 1, "zero padding alone is not worth a word: {v:#}");
    assert_eq!(warnings[0]["file"], "flows.log.gz");
    assert!(warnings[0]["message"].as_str().unwrap().contains(&format!("byte {end}")), "{v:#}");
    let out = bin().current_dir(dir.path()).args(["flows", "flows.log.gz", "--no-config"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("warning: flows.log.gz: the data from byte {end} on is not gzip")), "{text}");
}

// ---- 9. Inputs over their kind's size limit are refused, never an abort ----

#[cfg(unix)]
#[test]
fn inputs_over_the_size_limit_are_errors_not_aborts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/good.json", open_dump("sg-0good").as_bytes());
    // Sparse: they take no disk, and read as zeros after their start.
    let sparse = |name: &str, start: &[u8], len: u64| {
        let p = write(dir.path(), name, start);
        std::fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(len).unwrap();
    };
    sparse("d/tf/huge.tf", b"# a comment\n", 2 << 30);
    sparse("d/huge.json", b"{\"SecurityGroups\": [", 3 << 30);
    // A string literal of 80 MiB in otherwise valid Terraform.
    let mut literal = b"locals {\n  blob = \"".to_vec();
    literal.resize(literal.len() + (80 << 20), b'a');
    literal.extend_from_slice(b"\"\n}\n");
    write(dir.path(), "d/tf2/blob.tf", &literal);
    // Under a 4 GiB address-space limit, as a constrained CI runner has:
    // an allocation as large as the input failed and aborted the run.
    let out = std::process::Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg("ulimit -v 4194304 && exec \"$0\" scan d --no-config --format json")
        .arg(assert_cmd::cargo::cargo_bin("portcullis"))
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(2), "{v:#}");
    let errs = errors(&v);
    for (file, limit) in [("d/tf/huge.tf", "64 MiB"), ("d/tf2/blob.tf", "64 MiB"), ("d/huge.json", "2 GiB")] {
        assert!(
            errs.iter().any(|e| e.starts_with(file) && e.contains(&format!("larger than {limit}"))),
            "{file}: {errs:#?}"
        );
    }
    assert_eq!(resources_on(&v, 10257), vec!["sg-0good".to_string()]);
}

#[test]
fn a_json_string_over_the_token_limit_is_an_error_not_an_abort() {
    // 200 MiB in one string, within the 2 GiB JSON file limit but over the
    // parser's 128 MiB limit per string. The parser copied it whole: the
    // starting point's release binary read it without a word with 1 GiB of
    // address space, and under 640 MiB panicked ("Cannot allocate memory
    // to hold CompactString", exit 101, no report). Under 576 MiB (the
    // file is mapped: 200 of them) the run reports it and goes on.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/good.json", open_dump("sg-0good").as_bytes());
    let mut big = br#"{"SecurityGroups": [{"GroupId": "sg-0big", "Description": ""#.to_vec();
    let head = big.len();
    big.resize(head + (200 << 20), b'a');
    big.extend_from_slice(br#""}]}"#);
    write(dir.path(), "d/big.json", &big);
    drop(big);
    let out = std::process::Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg("ulimit -v 589824 && exec \"$0\" scan d --no-config --format json")
        .arg(assert_cmd::cargo::cargo_bin("portcullis"))
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(2), "{v:#}");
    let errs = errors(&v);
    let want = format!("d/big.json:1:{}: ", head);
    assert!(
        errs.iter().any(|e| e.starts_with(&want) && e.contains("a string longer than 128 MiB")),
        "{want}: {errs:#?}"
    );
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(resources_on(&v, 10257), vec!["sg-0good".to_string()]);
}

// ---- 5. IPv4-mapped IPv6 addresses are the IPv4 addresses ----

#[test]
fn ipv4_mapped_sources_in_flow_logs_are_judged_as_ipv4() {
    let dir = tempfile::tempdir().unwrap();
    let mapped = format!("{FLOW_HEADER}{}", flow_record("::ffff:1.128.0.7", "ACCEPT"));
    write(dir.path(), "mapped.log", mapped.as_bytes());
    let out = bin()
        .current_dir(dir.path())
        .args(["flows", "mapped.log", "--no-config", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "an unauthorized public source got through: {v:#}");
    assert_eq!(v["findings"][0]["sources"][0], "1.128.0.7", "{v:#}");
    // Authorized in either spelling, it is authorized.
    for authorized in ["1.128.0.0/16", "::ffff:1.128.0.0/112"] {
        let out = bin()
            .current_dir(dir.path())
            .args(["flows", "mapped.log", "--no-config", "--format", "json", "--authorized", authorized])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "--authorized {authorized}: {}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn ipv4_mapped_rules_and_probe_targets_are_ipv4() {
    let dir = tempfile::tempdir().unwrap();
    let dump = r#"{"SecurityGroups": [{"GroupId": "sg-0mapped", "IpPermissions": [
  {"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "Ipv6Ranges": [{"CidrIpv6": "::ffff:0:0/96"}]}
]}]}"#;
    write(dir.path(), "sg.json", dump.as_bytes());
    let (code, v) = scan_json(dir.path(), &["sg.json"]);
    assert_eq!(code, Some(1), "{v:#}");
    let f = &v["findings"][0];
    assert_eq!(f["sources"], serde_json::json!(["0.0.0.0/0"]), "{v:#}");
    assert_eq!(f["exposure"], "unrestricted");
    // A probe target written mapped is probed, and named, as IPv4.
    let out = bin().args(["probe", "[::ffff:127.0.0.1]:1", "--format", "json", "--timeout", "2"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["resource"], "127.0.0.1:1", "{v:#}");
}

// ---- 13. Control characters from inputs are never printed raw ----

/// A terminal sequence that erases the line and moves up: printed raw, it
/// rewrites the report the reader sees.
const ERASE: &str = "\x1b[2K\x1b[1A";

fn assert_no_raw_controls(text: &str, what: &str) {
    let raw: Vec<char> =
        text.chars().filter(|c| (c.is_control() && *c != '\n' && *c != '\t') || *c == '\u{202e}').collect();
    assert!(raw.is_empty(), "{what}: raw control characters {raw:?} in:\n{text}");
}

#[test]
fn control_characters_in_inputs_are_escaped_in_text_output() {
    let dir = tempfile::tempdir().unwrap();
    // In a comment on the admitting line of a .tf, in a group id, in a
    // file name, and a right-to-left override that reorders what is shown.
    let tf = format!(
        "resource \"aws_security_group\" \"kcm\" {{\n  ingress {{\n    from_port   = 10257\n    to_port     = 10257\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"] # {ERASE}all good\n  }}\n}}\n"
    );
    write(dir.path(), "tf/main.tf", tf.as_bytes());
    let group = format!("sg-0\u{202e}evil{ERASE}");
    let dump = open_dump(&group.replace('\x1b', "\\u001b"));
    write(dir.path(), &format!("dump{ERASE}.json"), dump.as_bytes());
    let out = bin().current_dir(dir.path()).args(["scan", ".", "--no-config", "--color", "never"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_no_raw_controls(&text, "scan");
    assert!(text.contains("# \\x1b[2K\\x1b[1Aall good"), "the snippet shows the sequence, escaped:\n{text}");
    assert!(text.contains("sg-0\\u{202e}evil\\x1b[2K"), "the resource, escaped:\n{text}");
    assert!(text.contains("dump\\x1b[2K\\x1b[1A.json"), "the path, escaped:\n{text}");
    // The same in explain, and in an error message about a file.
    let out = bin().current_dir(dir.path()).args(["explain", ".", "--no-config"]).output().unwrap();
    assert_no_raw_controls(&String::from_utf8(out.stdout).unwrap(), "explain");
    let out =
        bin().current_dir(dir.path()).args(["scan", &format!("missing{ERASE}.json"), "--no-config"]).output().unwrap();
    assert_no_raw_controls(&String::from_utf8_lossy(&out.stdout), "an error in the report");
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", ".", "--config", &format!("missing{ERASE}.toml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_no_raw_controls(&String::from_utf8_lossy(&out.stderr), "an error on standard error");
}

#[test]
fn control_characters_in_flow_logs_are_escaped_in_text_output() {
    let dir = tempfile::tempdir().unwrap();
    // A GCP firewall log names the instance and the rule: both from the log.
    let entry = serde_json::json!({
        "insertId": "1", "logName": "projects/p/logs/compute.googleapis.com%2Ffirewall",
        "timestamp": "2024-05-06T12:00:00Z",
        "jsonPayload": {
            "connection": {"src_ip": "1.128.0.7", "dest_ip": "10.0.1.5", "src_port": 40000, "dest_port": 10257, "protocol": 6},
            "disposition": "ALLOWED",
            "rule_details": {"reference": format!("network:default/firewall:allow{ERASE}")},
            "instance": {"vm_name": format!("cp-1{ERASE}"), "project_id": "p", "zone": "z"}
        }
    });
    write(dir.path(), "fw.json", format!("{entry}\n").as_bytes());
    let out = bin().current_dir(dir.path()).args(["flows", "fw.json", "--no-config"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_no_raw_controls(&text, "flows");
    assert!(text.contains("\\x1b[2K"), "{text}");
}

#[test]
fn control_characters_in_a_probed_certificate_are_escaped() {
    use portcullis_probe::testing;
    let cn = format!("kcm{ERASE}trusted");
    let pki = testing::issue("ca", &cn, &["127.0.0.1"], false, None).expect("test PKI");
    let server = testing::rustls_server("127.0.0.1".parse().unwrap(), &pki, testing::HARDENED_ROUTES).expect("server");
    let out = bin().args(["probe", &format!("127.0.0.1:{}", server.port()), "--color", "never"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("CN=kcm\\x1b[2K\\x1b[1Atrusted"), "{text}");
    assert_no_raw_controls(&text, "probe");
}

// ---- 16. A targets file with an invalid byte: that line is an error ----

#[test]
fn a_targets_file_with_an_invalid_byte_still_probes_the_other_lines() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "targets.txt", b"# endpoints\n127.0.0.1:1\n10.\xff.0.1 # bad\n127.0.0.1:2\n");
    let out = bin()
        .current_dir(dir.path())
        .args(["probe", "--targets", "targets.txt", "--format", "json", "--timeout", "2"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2), "{v:#}");
    assert_eq!(errors(&v), vec!["targets.txt:3:4: \"not UTF-8 text: this target is not read\"".to_string()]);
    let probed: std::collections::BTreeSet<&str> =
        v["findings"].as_array().unwrap().iter().filter_map(|f| f["resource"].as_str()).collect();
    assert_eq!(probed, ["127.0.0.1:1", "127.0.0.1:2"].into_iter().collect(), "{v:#}");
}

// ---- 17, 18, 19. portcullis.toml: positions, invisible reasons, rule and rules ----

/// Standard error of a scan of an open group with `config` as the config file.
fn config_error(config: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sg.json", open_dump("sg-0a").as_bytes());
    write(dir.path(), "portcullis.toml", config.as_bytes());
    let out = bin()
        .current_dir(dir.path())
        .env("PORTCULLIS_TODAY", "2026-01-01")
        .args(["scan", "sg.json", "--config", "portcullis.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{config}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn config_values_are_errors_at_their_line_and_column_in_the_file() {
    let cases = [
        ("fail_on = \"high\"\nauthorized = [\"10.0.0.0/8\", \"300.1.1.1/32\"]\n", "portcullis.toml:2:29: authorized"),
        ("ports = [\"10257\",\n  \"99999\"]\n", "portcullis.toml:2:3: ports"),
        ("\n\nfail_on = \"hgh\"\n", "portcullis.toml:3:11: fail_on"),
    ];
    for (config, want) in cases {
        let err = config_error(config);
        assert!(err.contains(want), "{config:?}: want `{want}` in {err}");
        assert!(!err.contains("--authorized") && !err.contains("--fail-on"), "a value of the file, not a flag: {err}");
    }
    // The flag's own errors still name the flag.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sg.json", open_dump("sg-0a").as_bytes());
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "sg.json", "--no-config", "--authorized", "300.1.1.1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--authorized"));
}

#[test]
fn a_bad_expiry_is_an_error_at_the_value() {
    let config =
        "[[suppress]]\nrule = \"PC100\"\nresource = \"sg-0a\"\nreason = \"vendor\"\nexpires = \"2026-02-30\"\n";
    let err = config_error(config);
    assert!(err.contains("portcullis.toml:5:11: "), "{err}");
    assert!(err.contains("2026-02-30"), "{err}");
}

#[test]
fn an_invisible_reason_is_no_reason() {
    for reason in ["\u{200B}", "\u{200B}\u{2060} \u{FEFF}", "\u{00AD}"] {
        let config = format!("[[suppress]]\nrule = \"PC100\"\nresource = \"sg-0a\"\nreason = \"{reason}\"\n");
        let err = config_error(&config);
        assert!(err.contains("has no `reason`"), "{reason:?}: {err}");
    }
    // In a comment too.
    let dir = tempfile::tempdir().unwrap();
    let tf = OPEN_TF.replace(
        "    cidr_blocks = [\"0.0.0.0/0\"]",
        "    cidr_blocks = [\"0.0.0.0/0\"] # portcullis:ignore[PC100] \u{200B}\u{200B}",
    );
    write(dir.path(), "main.tf", tf.as_bytes());
    let (code, v) = scan_json(dir.path(), &["main.tf"]);
    assert_eq!(code, Some(2), "{v:#}");
    assert!(errors(&v).iter().any(|e| e.contains("has no reason")), "{:#?}", errors(&v));
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "PC100" && f.get("suppressed").is_none()));
}

#[test]
fn rule_and_rules_together_are_an_error() {
    let config = "[[suppress]]\nrule = \"PC100\"\nrules = [\"PC101\"]\nresource = \"sg-0a\"\nreason = \"vendor\"\n";
    let err = config_error(config);
    assert!(err.contains("portcullis.toml:2:8: ") && err.contains("`rule` and `rules`"), "{err}");
}

// ---- 6 (first half). A named file that is no input portcullis reads ----

#[test]
fn a_named_file_that_is_not_recognised_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // `aws ec2 describe-security-group-rules`: a real dump, read since
    // (it was the issue's example of a dump passing as "0 findings").
    let rules = r#"{"SecurityGroupRules": [{"SecurityGroupRuleId": "sgr-0a", "GroupId": "sg-0a", "IsEgress": false,
  "IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "CidrIpv4": "0.0.0.0/0"}]}"#;
    write(dir.path(), "rules.json", rules.as_bytes());
    write(dir.path(), "package.json", br#"{"name": "web", "version": "1.0.0"}"#);
    write(dir.path(), "notes.yaml", b"title: not a template\n");
    write(dir.path(), "empty.json", b"");
    write(dir.path(), "good.json", open_dump("sg-0good").as_bytes());
    let (code, v) = scan_json(dir.path(), &["rules.json", "package.json", "notes.yaml", "empty.json", "good.json"]);
    assert_eq!(code, Some(2), "{v:#}");
    let errs = errors(&v);
    for name in ["package.json", "notes.yaml", "empty.json"] {
        assert!(
            errs.iter().any(|e| e.starts_with(&format!("{name}:0:0: \"not an input portcullis reads"))),
            "{name}: {errs:#?}"
        );
    }
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert_eq!(resources_on(&v, 10257), vec!["sg-0a".to_string(), "sg-0good".to_string()]);
    // A template parameters file named as an input is read only with
    // --parameters: without it, the error says so.
    write(dir.path(), "params/p.json", br#"{"parameters": {"src": {"value": "*"}}}"#);
    let (code, v) = scan_json(dir.path(), &["params/p.json", "good.json"]);
    assert_eq!(code, Some(2));
    assert!(errors(&v).iter().any(|e| e.starts_with("params/p.json") && e.contains("--parameters")), "{v:#}");
    let (code, v) = scan_json(dir.path(), &["params/p.json", "good.json", "--parameters", "params/p.json"]);
    assert_eq!(code, Some(1), "{v:#}");
    std::fs::remove_dir_all(dir.path().join("params")).unwrap();
    // A Terraform variables file named on its own says where it applies.
    write(dir.path(), "tf/prod.tfvars", b"admin_cidr = \"0.0.0.0/0\"\n");
    let (code, v) = scan_json(dir.path(), &["tf/prod.tfvars"]);
    assert_eq!(code, Some(2));
    assert!(errors(&v).iter().any(|e| e.contains("--var-file")), "{v:#}");
    std::fs::remove_dir_all(dir.path().join("tf")).unwrap();
    // Found by walking, such files are not inputs and stay silent.
    let (code, v) = scan_json(dir.path(), &["."]);
    assert_eq!(code, Some(1), "{v:#}");
    assert!(errors(&v).is_empty(), "{v:#}");
}

// ---- 8. A leading byte-order mark is dropped from every text input ----

#[test]
fn a_bom_is_dropped_from_every_text_input() {
    let dir = tempfile::tempdir().unwrap();
    let bom = |text: &str| [&b"\xef\xbb\xbf"[..], text.as_bytes()].concat();
    write(dir.path(), "tf/main.tf", &bom(OPEN_TF));
    write(
        dir.path(),
        "stack.yaml",
        &bom("Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 10257\n          ToPort: 10257\n          CidrIp: 0.0.0.0/0\n"),
    );
    write(dir.path(), "sg.json", &bom(&open_dump("sg-0bom")));
    write(dir.path(), "portcullis.toml", &bom("fail_on = \"critical\"\n"));
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "tf", "stack.yaml", "sg.json", "--config", "portcullis.toml", "--format", "json"])
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(errors(&v), Vec::<String>::new());
    let on_kcm = resources_on(&v, 10257);
    assert_eq!(on_kcm.len(), 3, "{on_kcm:?}");
    assert!(on_kcm.iter().any(|r| r.contains("aws_security_group.kcm")), "{on_kcm:?}");
    // The first line's columns count from after the mark.
    write(dir.path(), "bad.json", &bom("{\"SecurityGroups\": [{\"GroupId\": 5}]}"));
    let (_, v) = scan_json(dir.path(), &["bad.json"]);
    assert!(errors(&v).iter().all(|e| e.starts_with("bad.json:1:")), "{:#?}", errors(&v));
    // A baseline and a targets file too.
    bin()
        .current_dir(dir.path())
        .args(["scan", "sg.json", "--no-config", "--write-baseline", "base.json"])
        .assert()
        .code(1);
    let base = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    write(dir.path(), "base.json", &bom(&base));
    bin().current_dir(dir.path()).args(["scan", "sg.json", "--no-config", "--baseline", "base.json"]).assert().code(0);
    write(dir.path(), "targets.txt", &bom("127.0.0.1:1\n"));
    let out = bin()
        .current_dir(dir.path())
        .args(["probe", "--targets", "targets.txt", "--format", "json", "--timeout", "2"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(errors(&v), Vec::<String>::new(), "{v:#}");
    assert_eq!(v["findings"][0]["resource"], "127.0.0.1:1");
}
