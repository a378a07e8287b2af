//! portcullis where users run it, each with the real tool: the pre-commit
//! hook under `pre-commit try-repo`, and the GitHub Action's shell steps
//! with the runner's environment pointing into a temporary directory.
//!
//! pre-commit and check-jsonschema come from `.ci/run` (pinned, in
//! `.ci/.venv`, named by `PORTCULLIS_CI_BIN`); without them the tests say
//! so and skip, and with `PORTCULLIS_REQUIRE_CI_TOOLS` set (`.ci/run`)
//! they fail instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository")
}

/// The directory of the binary under test, for PATH.
fn binary_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_portcullis")).parent().expect("a directory").to_path_buf()
}

fn path_with_binary() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{path}", binary_dir().display())
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    out
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = run(Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args));
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    out
}

const OPEN: &str = r#"resource "aws_security_group" "cp" {
  ingress {
    from_port   = 10257
    to_port     = 10257
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

#[test]
fn pre_commit_hook_blocks_a_bad_commit_and_passes_a_good_one() {
    let Some(pre_commit) = ci_tool("pre-commit") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("infra")).expect("mkdir");
    git(&work, &["init", "-q"]);
    std::fs::write(work.join("README.md"), "a project\n").expect("write");
    git(&work, &["add", "README.md"]);
    git(&work, &["commit", "-q", "-m", "start"]);
    let try_repo = |work: &Path| {
        run(Command::new(&pre_commit)
            .current_dir(work)
            .env("PATH", path_with_binary())
            .env("PRE_COMMIT_HOME", dir.path().join("cache"))
            .args(["try-repo", &repository().to_string_lossy(), "portcullis"]))
    };

    // Bad: the controller manager open to the internet, staged.
    std::fs::write(work.join("infra/main.tf"), OPEN).expect("write");
    std::fs::write(work.join("infra/vars.tf"), "variable \"unused\" {}\n").expect("write");
    git(&work, &["add", "infra"]);
    let out = try_repo(&work);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "the hook blocks: {said}");
    assert!(said.contains("critical PC100 unrestricted tcp/10257 aws_security_group.cp"), "{said}");
    assert!(said.contains("infra/main.tf:6:"), "the line: {said}");
    assert!(!said.contains("1 finding"), "--quiet: findings only: {said}");

    // Good: the same group restricted to the VPC.
    std::fs::write(work.join("infra/main.tf"), OPEN.replace("0.0.0.0/0", "10.0.0.0/16")).expect("write");
    git(&work, &["add", "infra"]);
    let out = try_repo(&work);
    assert_eq!(out.status.code(), Some(0), "the hook passes: {}", text(&out));
    assert!(text(&out).contains("Passed"), "{}", text(&out));
    git(&work, &["commit", "-q", "-m", "restricted control plane"]);

    // A staged file the hook does not read (no IaC) is not scanned at all.
    std::fs::write(work.join("notes.txt"), "0.0.0.0/0 10257\n").expect("write");
    git(&work, &["add", "notes.txt"]);
    let out = try_repo(&work);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("(no files to check)Skipped"), "{}", text(&out));
}

/// A tool from `.ci/run`'s virtual environment (`PORTCULLIS_CI_BIN`), or
/// `None` with a notice.
fn ci_tool(name: &str) -> Option<PathBuf> {
    match std::env::var_os("PORTCULLIS_CI_BIN") {
        Some(dir) => {
            let tool = Path::new(&dir).join(name);
            assert!(tool.exists(), "{} is missing: .ci/run installs it", tool.display());
            Some(tool)
        }
        None if std::env::var_os("PORTCULLIS_REQUIRE_CI_TOOLS").is_some() => {
            panic!("PORTCULLIS_REQUIRE_CI_TOOLS is set but PORTCULLIS_CI_BIN is not")
        }
        None => {
            eprintln!("notice: skipping the {name} checks: set PORTCULLIS_CI_BIN (.ci/run does)");
            None
        }
    }
}

#[test]
fn the_action_metadata_follows_the_published_schema() {
    // check-jsonschema carries SchemaStore's schema for action metadata
    // (`vendor.github-actions`), the one editors validate action.yml with.
    let Some(check) = ci_tool("check-jsonschema") else { return };
    let action = repository().join("action.yml");
    let out = run(Command::new(&check).args(["--builtin-schema", "vendor.github-actions"]).arg(&action));
    assert!(out.status.success(), "{}", text(&out));
    // The check can fail: a step without `shell` is not valid metadata.
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("action.yml");
    let yaml = std::fs::read_to_string(&action).expect("read").replacen("      shell: bash\n", "", 1);
    std::fs::write(&broken, yaml).expect("write");
    let out = run(Command::new(&check).args(["--builtin-schema", "vendor.github-actions"]).arg(&broken));
    assert!(!out.status.success(), "a composite run step needs a shell: {}", text(&out));
}

#[test]
fn the_hook_manifest_is_one_pre_commit_reads() {
    let Some(pre_commit) = ci_tool("pre-commit") else { return };
    let out = run(Command::new(pre_commit).arg("validate-manifest").arg(repository().join(".pre-commit-hooks.yaml")));
    assert!(out.status.success(), "{}", text(&out));
}

/// The runner's files and variables for one job, in a temporary directory.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().expect("tempdir");
        for d in ["temp", "workspace/infra"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        for f in ["output", "summary.md", "path"] {
            std::fs::write(dir.path().join(f), "").expect("write");
        }
        Runner { dir }
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).expect("read")
    }

    /// Runs one of the action's step scripts as the composite action does.
    fn step(&self, script: &str, env: &[(&str, &str)]) -> Output {
        let root = repository();
        run(Command::new(root.join("action").join(script))
            .current_dir(self.dir.path().join("workspace"))
            .env_clear()
            .env("PATH", path_with_binary())
            .env("HOME", self.dir.path())
            .env("GITHUB_ACTION_PATH", &root)
            .env("GITHUB_WORKSPACE", self.dir.path().join("workspace"))
            .env("RUNNER_TEMP", self.dir.path().join("temp"))
            .env("GITHUB_OUTPUT", self.dir.path().join("output"))
            .env("GITHUB_STEP_SUMMARY", self.dir.path().join("summary.md"))
            .env("GITHUB_PATH", self.dir.path().join("path"))
            .envs(env.iter().copied()))
    }
}

#[test]
fn the_action_steps_annotate_summarize_and_fail_the_job() {
    let runner = Runner::new();
    std::fs::write(runner.dir.path().join("workspace/infra/main.tf"), OPEN).expect("write");

    let out = runner.step("install.sh", &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("is on PATH"), "the binary under test is used: {}", text(&out));

    let hostile = "infra\n$(touch pwned) `touch pwned2`";
    let out = runner.step(
        "scan.sh",
        &[
            ("INPUT_PATHS", hostile),
            ("INPUT_AUTHORIZED", "10.0.0.0/8, 192.168.0.0/16"),
            ("INPUT_FAIL_ON", "high"),
            ("INPUT_FORMAT", "json=portcullis.json\njunit=portcullis.xml"),
        ],
    );
    assert!(out.status.success(), "the scan step records the code, the verdict fails: {}", text(&out));
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("::error file=infra/main.tf,line=6,col="), "an annotation on the line: {log}");
    assert!(!runner.dir.path().join("workspace/pwned").exists(), "inputs are never run by the shell");
    assert!(!runner.dir.path().join("workspace/pwned2").exists(), "inputs are never run by the shell");
    // The two odd paths do not exist: input errors, so the exit code is 2.
    let outputs = runner.file("output");
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
    let sarif_path = outputs.lines().find_map(|l| l.strip_prefix("sarif=")).expect("a sarif output");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_path).expect("the SARIF")).expect("JSON");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "PC100");
    assert!(runner.file("summary.md").starts_with("### portcullis\n\n**1 finding** (1 critical)"));
    let json = std::fs::read_to_string(runner.dir.path().join("workspace/portcullis.json")).expect("json report");
    assert!(json.contains("\"rule\": \"PC100\""), "{json}");
    assert!(runner.dir.path().join("workspace/portcullis.xml").exists());

    // The clean case: the paths that exist, the group restricted.
    std::fs::write(runner.dir.path().join("workspace/infra/main.tf"), OPEN.replace("0.0.0.0/0", "10.1.0.0/16"))
        .expect("write");
    std::fs::write(runner.dir.path().join("output"), "").expect("write");
    let out = runner.step("scan.sh", &[("INPUT_PATHS", "infra"), ("INPUT_AUTHORIZED", "10.0.0.0/8")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(runner.file("output").contains("exit-code=0\n"), "{}", runner.file("output"));

    for (code, want) in [("0", Some(0)), ("1", Some(1)), ("2", Some(2)), ("", Some(2))] {
        let out = runner.step("verdict.sh", &[("EXIT_CODE", code)]);
        assert_eq!(out.status.code(), want, "EXIT_CODE={code}: {}", text(&out));
    }
}

#[test]
fn on_a_pull_request_the_action_diffs_against_the_fetched_base() {
    let runner = Runner::new();
    let workspace = runner.dir.path().join("workspace");
    let origin = runner.dir.path().join("origin.git");
    git(runner.dir.path(), &["init", "-q", "--bare", "-b", "main", origin.to_str().expect("UTF-8")]);
    // The base branch: the group restricted; pushed to origin.
    git(&workspace, &["init", "-q", "-b", "main"]);
    std::fs::write(workspace.join("infra/main.tf"), OPEN.replace("0.0.0.0/0", "10.1.0.0/16")).expect("write");
    git(&workspace, &["add", "-A"]);
    git(&workspace, &["commit", "-q", "-m", "base"]);
    git(&workspace, &["remote", "add", "origin", origin.to_str().expect("UTF-8")]);
    git(&workspace, &["push", "-q", "origin", "main"]);
    // The pull request opens the group to the world. The checkout has no
    // ref of the base branch (as a shallow actions/checkout of the merge
    // commit has none): the step must fetch it.
    git(&workspace, &["checkout", "-q", "-b", "open-it"]);
    std::fs::write(workspace.join("infra/main.tf"), OPEN).expect("write");
    git(&workspace, &["commit", "-q", "-am", "open 10257"]);
    git(&workspace, &["update-ref", "-d", "refs/remotes/origin/main"]);

    let out = runner.step("diff.sh", &[("GITHUB_BASE_REF", "main"), ("INPUT_FAIL_ON", "high")]);
    assert!(out.status.success(), "the step records the code, the verdict fails: {}", text(&out));
    let log = text(&out);
    assert!(log.contains("fetching the base branch main"), "{log}");
    assert!(log.contains("::error file=infra/main.tf,line="), "an annotation on the line that opened it: {log}");
    let outputs = runner.file("output");
    assert!(outputs.contains("diff-exit-code=1\n"), "{outputs}");
    let summary = runner.file("summary.md");
    assert!(summary.contains("opened") && summary.contains("aws_security_group.cp"), "{summary}");
    assert!(summary.contains("+0.0.0.0/0") || summary.contains("`0.0.0.0/0`"), "the delta is shown: {summary}");
    let sarif_path = outputs.lines().find_map(|l| l.strip_prefix("diff-sarif=")).expect("a diff SARIF");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_path).expect("the SARIF")).expect("JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "only what got worse: {sarif:#}");
    assert_eq!(results[0]["ruleId"], "PC100");

    // The verdict fails the job on the diff even when the scan passed.
    let out = runner.step("verdict.sh", &[("EXIT_CODE", "0"), ("DIFF_EXIT_CODE", "1")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = runner.step("verdict.sh", &[("EXIT_CODE", "0"), ("DIFF_EXIT_CODE", "")]);
    assert_eq!(out.status.code(), Some(0), "no diff ran: {}", text(&out));
    let out = runner.step("verdict.sh", &[("EXIT_CODE", "0"), ("DIFF_EXIT_CODE", "2")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // A second run finds the base already fetched, and nothing more.
    std::fs::write(runner.dir.path().join("output"), "").expect("write");
    let out = runner.step("diff.sh", &[("GITHUB_BASE_REF", "main")]);
    assert!(!text(&out).contains("fetching"), "{}", text(&out));
    assert!(runner.file("output").contains("diff-exit-code=1\n"));

    // Not a pull request: no diff, no code (the verdict ignores it).
    std::fs::write(runner.dir.path().join("output"), "").expect("write");
    let out = runner.step("diff.sh", &[]);
    assert!(out.status.success() && text(&out).contains("not a pull request"), "{}", text(&out));
    assert_eq!(runner.file("output"), "");
    // diff: false, even on a pull request.
    let out = runner.step("diff.sh", &[("GITHUB_BASE_REF", "main"), ("INPUT_DIFF", "false")]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(runner.file("output"), "");
    // diff: true where there is no pull request is the action misused.
    let out = runner.step("diff.sh", &[("INPUT_DIFF", "true")]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(runner.file("output"), "diff-exit-code=2\n");
}
