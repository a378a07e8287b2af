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
    let log = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
               2 123456789012 eni-0a 1.128.0.7 10.0.1.5 40000 10257 6 10 5000 1714996800 1714996860 ACCEPT OK\n";
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
