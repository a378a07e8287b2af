//! Several reports from one run (`--format sarif=out.sarif --format
//! json=out.json --format text`), `--quiet`, and the refusals: two reports
//! on standard output, two onto one file, a report onto an input.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn bin() -> Command {
    Command::cargo_bin("portcullis").expect("binary built")
}

const OPEN_SG: &str = r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
  {"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
]}]}"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("in")).expect("mkdir");
    std::fs::write(dir.path().join("in/sg.json"), OPEN_SG).expect("write");
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn one_run_writes_every_format_asked_each_to_its_place() {
    let dir = project();
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "--no-config", "in", "--format", "sarif=out/r.sarif", "--format", "json=out/r.json"])
        .args(["--format", "junit=out/r.xml", "--format", "html=out/r.html", "--format", "markdown=out/r.md"])
        .args(["--format", "github=out/r.txt", "--format", "text"])
        .output()
        .expect("runs");
    std::fs::create_dir_all(dir.path().join("out")).ok();
    assert_eq!(out.status.code(), Some(2), "out/ does not exist yet: {}", String::from_utf8_lossy(&out.stderr));
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "--no-config", "in", "--format", "sarif=out/r.sarif", "--format", "json=out/r.json"])
        .args(["--format", "junit=out/r.xml", "--format", "html=out/r.html", "--format", "markdown=out/r.md"])
        .args(["--format", "github=out/r.txt", "--format", "text", "--color", "never"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(stdout.starts_with("critical PC100 unrestricted tcp/10257 sg-1"), "{stdout}");
    assert!(stdout.trim_end().ends_with("1 finding (1 critical) in 1 input file"), "{stdout}");
    let o = dir.path().join("out");
    let json: Value = serde_json::from_str(&read(&o.join("r.json"))).expect("JSON");
    assert_eq!(json["findings"][0]["rule"], "PC100");
    let sarif: Value = serde_json::from_str(&read(&o.join("r.sarif"))).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "PC100");
    let junit = read(&o.join("r.xml"));
    assert!(junit.contains("<testcase classname=\"portcullis.PC100\" name=\"sg-1 tcp/10257\">"), "{junit}");
    assert!(junit.contains("<failure type=\"critical\""), "--fail-on low by default in scan? {junit}");
    assert!(read(&o.join("r.html")).contains("<tr id=\"r0\" class=\"sev-critical\""));
    assert!(read(&o.join("r.md")).starts_with("### portcullis\n\n**1 finding** (1 critical)"));
    assert!(read(&o.join("r.txt")).starts_with("::error file=in/sg.json,line=2,"));
    // Written atomically: nothing but the reports is left in the directory.
    let mut names: Vec<String> = std::fs::read_dir(&o)
        .expect("lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["r.html", "r.json", "r.md", "r.sarif", "r.txt", "r.xml"]);
}

#[test]
fn dash_o_still_names_the_file_of_the_one_format() {
    let dir = project();
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "--no-config", "in", "-f", "json", "-o", "r.json", "--format", "text"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "json and text both lack a file: -o is ambiguous");
    assert!(String::from_utf8_lossy(&out.stderr).contains("-o names one file but several formats have none"));
    let out = bin().current_dir(dir.path()).args(["scan", "--no-config", "in", "-f", "json", "-o", "r.json"]).output();
    assert_eq!(out.expect("runs").status.code(), Some(1));
    let json: Value = serde_json::from_str(&read(&dir.path().join("r.json"))).expect("JSON");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));
}

#[test]
fn two_reports_on_standard_output_or_in_one_file_are_refused() {
    let dir = project();
    let refused = |args: &[&str], message: &str| {
        let out = bin().current_dir(dir.path()).args(["scan", "--no-config", "in"]).args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "nothing printed before the refusal");
    };
    refused(&["--format", "text", "--format", "markdown"], "would both print to standard output");
    refused(&["--format", "json=r", "--format", "sarif=./r"], "two reports would be written to this file");
    refused(&["--format", "xml"], "--format xml: expected one of text, json, sarif, junit, github, markdown, html");
    refused(&["--format", "json="], "name a file after the `=`");
}

#[test]
fn a_report_never_replaces_an_input() {
    let dir = project();
    let out = bin()
        .current_dir(dir.path())
        .args(["scan", "--no-config", "in", "--format", "text", "--format", "json=in/sg.json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--format json: this file is also an input"), "{stderr}");
    assert_eq!(read(&dir.path().join("in/sg.json")), OPEN_SG, "the input is untouched");
}

#[test]
fn quiet_prints_findings_and_errors_only() {
    let dir = project();
    std::fs::write(dir.path().join("in/broken.json"), "{\"SecurityGroups\": [").expect("write");
    let run = |quiet: bool| {
        let mut cmd = bin();
        cmd.current_dir(dir.path()).args(["scan", "--no-config", "in", "--color", "never"]);
        if quiet {
            cmd.arg("--quiet");
        }
        let out = cmd.output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "an input error");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let (full, quiet) = (run(false), run(true));
    assert!(full.contains("1 finding (1 critical) in 2 input files, 1 input error"), "{full}");
    assert!(!quiet.contains("1 finding"), "{quiet}");
    assert!(quiet.contains("critical PC100 unrestricted tcp/10257 sg-1"), "{quiet}");
    assert!(quiet.contains("error: in/broken.json:"), "{quiet}");
    assert!(full.starts_with(quiet.trim_end()), "quiet is the full report without its summary");
}

#[test]
fn explain_writes_markdown_for_a_review_comment() {
    let dir = project();
    let out = bin()
        .current_dir(dir.path())
        .args(["explain", "--no-config", "in", "--format", "markdown"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(md.starts_with("### portcullis explain\n\n1 target\n"), "{md}");
    assert!(md.contains("| `sg-1` |"), "{md}");
    let refused = bin().current_dir(dir.path()).args(["explain", "--no-config", "in", "-f", "html"]).output();
    let refused = refused.expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("`explain` writes text, json, markdown"));
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = bin().arg("--version").output().expect("runs");
    let line = String::from_utf8(out.stdout).expect("UTF-8");
    let head = std::process::Command::new("git")
        .args(["log", "-1", "--format=%h %cs", "--abbrev=12"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(commit) => assert_eq!(line.trim_end(), format!("portcullis {} ({commit})", env!("CARGO_PKG_VERSION"))),
        // A source archive: the version alone (.ci/run installs from one).
        None => eprintln!("notice: not a git checkout; --version printed {line:?}"),
    }
}

#[test]
fn workspace_crates_carry_the_workspace_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let manifest: toml::Table = read(&root).parse().expect("Cargo.toml is TOML");
    let workspace = manifest["workspace"].as_table().expect("[workspace]");
    let version = workspace["package"]["version"].as_str().expect("a version");
    let mut checked = 0;
    for (name, dep) in workspace["dependencies"].as_table().expect("dependencies") {
        if dep.get("path").is_some() {
            assert_eq!(
                dep.get("version").and_then(|v| v.as_str()),
                Some(version),
                "{name} needs version = {version:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "every crate of the workspace: {checked}");
}

#[test]
fn completions_for_every_shell_name_the_subcommands_and_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin().args(["completions", shell]).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).expect("UTF-8");
        for word in ["scan", "explain", "probe", "flows", "--format", "--quiet", "--fail-on"] {
            // fish names long options as `-l format`.
            let word = if shell == "fish" { word.replace("--", "-l ") } else { word.to_string() };
            assert!(script.contains(&word), "{shell} completion lacks {word}");
        }
        if shell == "bash" {
            // The script is valid bash.
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("portcullis.bash");
            std::fs::write(&file, &script).expect("write");
            let checked = std::process::Command::new("bash").arg("-n").arg(&file).output().expect("bash runs");
            assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
        }
    }
    let out = bin().args(["completions", "tcsh"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "an unknown shell is misuse");
}

#[test]
fn man_pages_for_the_command_and_each_subcommand() {
    let page = |args: &[&str]| {
        let out = bin().arg("man").args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let main = page(&[]);
    assert!(main.contains(".TH portcullis 1"), "{main}");
    for sub in ["scan", "explain", "rules", "probe", "flows", "completions"] {
        assert!(main.contains(&format!("portcullis\\-{sub}(1)")), "the page lists {sub}");
        let own = page(&[sub]);
        assert!(own.contains(&format!(".TH portcullis-{sub} 1")), "{own}");
    }
    let scan = page(&["scan"]);
    for flag in ["\\-\\-format", "\\-\\-quiet", "\\-\\-fail\\-on", "\\-\\-baseline"] {
        assert!(scan.contains(flag), "portcullis-scan(1) lacks {flag}");
    }
    let out = bin().args(["man", "nope"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("man nope: no such subcommand"));
}
