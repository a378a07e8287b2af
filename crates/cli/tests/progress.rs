//! Progress bars on a terminal: `scan` over many inputs and `probe` over
//! many targets draw one on standard error when it is a terminal (a
//! pseudo-terminal made by util-linux `script`), and never with `--quiet`,
//! never when JSON goes to standard output, never when standard error is
//! not a terminal. Nothing here is timed: the bar is drawn at once when
//! the work starts, and the test reads what reached the terminal.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_portcullis"))
}

/// `script`, when the system has it (util-linux; Debian's bsdutils).
fn script() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join("script")).find(|p| p.is_file()));
    if found.is_none() {
        eprintln!("SKIPPED: util-linux `script` is not installed: the progress bar is not checked on a terminal");
    }
    found
}

/// Quotes an argument for `sh -c`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Runs portcullis ARGS in `dir` with standard output and standard error
/// on a pseudo-terminal: everything the terminal got.
fn on_terminal(script: &Path, dir: &Path, args: &[&str]) -> String {
    let mut command = shell_quote(&bin().display().to_string());
    for a in args {
        command.push(' ');
        command.push_str(&shell_quote(a));
    }
    let out = Command::new(script)
        .current_dir(dir)
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .expect("script runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// 250 AWS security-group dumps, one group each: inputs enough for a bar.
fn many_inputs(dir: &Path) {
    for i in 0..250 {
        let dump = format!(
            "{{\"SecurityGroups\": [{{\"GroupId\": \"sg-{i:017x}\", \"GroupName\": \"g{i}\", \"IpPermissions\": [{{\"IpProtocol\": \"tcp\", \"FromPort\": 10257, \"ToPort\": 10257, \"IpRanges\": [{{\"CidrIp\": \"10.0.0.0/8\"}}]}}], \"VpcId\": \"vpc-1\"}}]}}\n"
        );
        std::fs::write(dir.join(format!("sg-{i:03}.json")), dump).expect("write");
    }
}

#[test]
fn scan_over_many_inputs_draws_a_bar_on_a_terminal_only() {
    let Some(script) = script() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    many_inputs(tmp.path());
    let shown = on_terminal(&script, tmp.path(), &["scan", ".", "--fail-on", "none"]);
    assert!(shown.contains("/250 inputs"), "a bar counting the 250 inputs: {shown:?}");
    // The report itself still arrives.
    assert!(shown.contains("in 250 input files"), "{shown:?}");
    let quiet = on_terminal(&script, tmp.path(), &["scan", ".", "--fail-on", "none", "--quiet"]);
    assert!(!quiet.contains("/250 inputs"), "--quiet: no bar: {quiet:?}");
    let json = on_terminal(&script, tmp.path(), &["scan", ".", "--fail-on", "none", "--format", "json"]);
    assert!(!json.contains("/250 inputs"), "JSON on standard output: no bar: {json:?}");
    assert!(json.contains("\"version\""), "the JSON report arrives: {json:?}");
    // Without a terminal at all: nothing on standard error but the report's.
    let out =
        Command::new(bin()).current_dir(tmp.path()).args(["scan", ".", "--fail-on", "none"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("/250 inputs"), "standard error not a terminal: no bar: {stderr:?}");
}

#[test]
fn a_few_inputs_draw_no_bar() {
    let Some(script) = script() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("sg.json"), "{\"SecurityGroups\": []}\n").expect("write");
    let shown = on_terminal(&script, tmp.path(), &["scan", ".", "--fail-on", "none"]);
    assert!(!shown.contains(" inputs"), "{shown:?}");
}

#[test]
fn probe_over_many_targets_draws_a_bar_on_a_terminal_only() {
    let Some(script) = script() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    // Twenty ports on 127.0.0.1 nobody listens on: each probe ends at once
    // with the connection refused. The listeners are bound and dropped to
    // find free ports.
    let ports: Vec<u16> =
        (0..20).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()).collect();
    let targets: String = ports.iter().map(|p| format!("127.0.0.1:{p}\n")).collect();
    std::fs::write(tmp.path().join("targets.txt"), targets).expect("write");
    let args = ["probe", "--targets", "targets.txt", "--fail-on", "none", "--timeout", "5"];
    let shown = on_terminal(&script, tmp.path(), &args);
    assert!(shown.contains("/20 targets"), "a bar counting the 20 targets: {shown:?}");
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let shown = on_terminal(&script, tmp.path(), &quiet);
    assert!(!shown.contains("/20 targets"), "--quiet: no bar: {shown:?}");
    let mut json = args.to_vec();
    json.extend(["--format", "sarif"]);
    let shown = on_terminal(&script, tmp.path(), &json);
    assert!(!shown.contains("/20 targets"), "SARIF on standard output: no bar: {shown:?}");
}
