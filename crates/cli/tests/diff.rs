//! `portcullis diff`: every change class with its exact source delta and
//! the lines on both sides, `moved` blocks, a plan's two sides, git
//! revisions read from objects (the commit that opened 10257 found by
//! walking a repository the test makes), every output format, exit codes,
//! and the README's PR comment equal to the current output.

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

fn bin() -> Command {
    Command::cargo_bin("portcullis").expect("binary built")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

/// Runs `portcullis diff ARGS` in `dir`: (exit code, standard output).
fn diff_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = bin().current_dir(dir).arg("diff").args(args).output().expect("runs");
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).expect("UTF-8"))
}

fn json_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, text) = diff_in(dir, &all);
    (code, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
}

/// A change without its message, for exact comparison.
fn summary(c: &Value) -> Value {
    json!([
        c["change"],
        c["rule"],
        c["severity"],
        c["port"],
        c["resource"],
        c["added"],
        c["removed"],
        c["base"],
        c["head"]
    ])
}

fn place(file: &str, line: u32) -> Value {
    json!({ "file": file, "line": line })
}

#[test]
fn every_change_class_with_exact_deltas_and_both_lines() {
    let (code, report) = json_in(&fixtures(), &["base", "head"]);
    assert_eq!(code, 1, "something got worse at or above low: {report}");
    assert_eq!(report["version"], 1);
    assert_eq!(report["errors"], json!([]));
    let got: Vec<Value> = report["changes"].as_array().expect("changes").iter().map(summary).collect();
    let expected = vec![
        // Worst first: what got worse, by severity.
        json!([
            "opened",
            "PC100",
            "critical",
            10257,
            "aws_security_group.opens",
            ["0.0.0.0/0"],
            [],
            null,
            place("head/main.tf", 22)
        ]),
        // Renamed into a module by a `moved` block, and widened to IPv6.
        json!([
            "widened",
            "PC102",
            "critical",
            2379,
            "module.etcd.aws_security_group.this",
            ["::/0"],
            [],
            place("base/main.tf", 80),
            place("head/modules/etcd/main.tf", 8)
        ]),
        json!([
            "opened",
            "PC200",
            "high",
            10257,
            "Pod kube-system/kube-controller-manager",
            [],
            [],
            null,
            place("head/kube-controller-manager.yaml", 17)
        ]),
        // The head line is the new rule that admits what was added.
        json!([
            "widened",
            "PC100",
            "high",
            10257,
            "aws_security_group.widens",
            ["3.5.0.0/16"],
            [],
            place("base/main.tf", 23),
            place("head/main.tf", 39)
        ]),
        json!([
            "closed",
            "PC100",
            "critical",
            10257,
            "aws_security_group.closes",
            [],
            ["0.0.0.0/0"],
            place("base/main.tf", 45),
            null
        ]),
        // The base line is the rule that admitted what was removed.
        json!([
            "narrowed",
            "PC100",
            "high",
            10257,
            "aws_security_group.narrows",
            [],
            ["3.5.0.0/16"],
            place("base/main.tf", 34),
            place("head/main.tf", 50)
        ]),
        json!([
            "closed",
            "PC203",
            "high",
            10257,
            "Pod kube-system/kube-controller-manager",
            [],
            [],
            place("base/kube-controller-manager.yaml", 17),
            null
        ]),
    ];
    assert_eq!(got, expected, "{report:#}");
    // aws_security_group.old_name moved to new_name unchanged: no change,
    // and nothing is reported under either name.
    let text = report.to_string();
    assert!(!text.contains("old_name") && !text.contains("new_name"), "{text}");
    // The message names the delta.
    let widened = &report["changes"][3]["message"];
    assert_eq!(
        widened,
        "widened: tcp/10257 (kube-controller-manager) on security group aws_security_group.widens is reachable from more unauthorized sources (+3.5.0.0/16)"
    );
}

#[test]
fn json_members_follow_the_contract_order() {
    let (_, text) = diff_in(&fixtures(), &["base", "head", "--format", "json"]);
    let order = [
        "\"change\"",
        "\"rule\"",
        "\"severity\"",
        "\"port\"",
        "\"protocol\"",
        "\"resource\"",
        "\"added\"",
        "\"removed\"",
        "\"base\"",
        "\"head\"",
        "\"message\"",
    ];
    let first = &text[text.find("\"changes\"").expect("changes")..];
    let at: Vec<usize> = order.iter().map(|k| first.find(k).unwrap_or_else(|| panic!("{k} missing"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "members out of order: {at:?}");
    assert!(text.find("\"version\"") < text.find("\"changes\"") && text.find("\"changes\"") < text.find("\"errors\""));
}

#[test]
fn the_same_input_twice_is_no_change_and_exit_zero() {
    let (code, report) = json_in(&fixtures(), &["head", "head", "--fail-on", "info"]);
    assert_eq!(code, 0);
    assert_eq!(report["changes"], json!([]));
}

#[test]
fn only_what_gets_worse_fails_and_only_at_or_above_fail_on() {
    let dir = fixtures();
    // head → base: the reverse has worse changes too (what closed reopens).
    let (code, _) = json_in(&dir, &["base", "head", "--fail-on", "critical"]);
    assert_eq!(code, 1);
    let (code, _) = json_in(&dir, &["base", "head", "--fail-on", "none"]);
    assert_eq!(code, 0);
    // A change that only narrows never fails, whatever --fail-on.
    let tmp = tempfile::tempdir().expect("tempdir");
    for (side, cidrs) in [("base", "[\"52.94.0.0/16\", \"3.5.0.0/16\"]"), ("head", "[\"52.94.0.0/16\"]")] {
        std::fs::create_dir(tmp.path().join(side)).expect("mkdir");
        std::fs::write(
            tmp.path().join(side).join("main.tf"),
            format!(
                "resource \"aws_security_group\" \"a\" {{\n  ingress {{\n    protocol = \"tcp\"\n    from_port = 10257\n    to_port = 10257\n    cidr_blocks = {cidrs}\n  }}\n}}\n"
            ),
        )
        .expect("write");
    }
    let (code, report) = json_in(tmp.path(), &["base", "head", "--fail-on", "info"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["changes"][0]["change"], "narrowed");
    // The other way round it widens, and fails.
    let (code, report) = json_in(tmp.path(), &["head", "base", "--fail-on", "high"]);
    assert_eq!(code, 1);
    assert_eq!(report["changes"][0]["change"], "widened");
    assert_eq!(report["changes"][0]["added"], json!(["3.5.0.0/16"]));
}

#[test]
fn a_plan_compares_before_with_after() {
    let (code, report) = json_in(&fixtures(), &["plan.json"]);
    assert_eq!(code, 1);
    let changes = report["changes"].as_array().expect("changes");
    let find = |resource: &str, port: u64| {
        changes
            .iter()
            .find(|c| c["resource"] == resource && c["port"] == port)
            .unwrap_or_else(|| panic!("no change for {resource} {port}: {report:#}"))
    };
    let created = find("aws_security_group.created", 10257);
    assert_eq!(summary(created)[0], "opened");
    assert_eq!(created["added"], json!(["0.0.0.0/0"]));
    let deleted = find("aws_security_group.deleted", 10257);
    assert_eq!((deleted["change"].as_str(), &deleted["removed"]), (Some("closed"), &json!(["0.0.0.0/0"])));
    // 52.94.0.0/16 → everything: the exact complement of what was there.
    let widened = find("aws_security_group.widened", 10257);
    assert_eq!(widened["change"], "widened");
    let added: Vec<&str> = widened["added"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(added.len(), 16);
    assert!(added.contains(&"52.95.0.0/16") && added.contains(&"128.0.0.0/1") && !added.contains(&"52.94.0.0/16"));
    // Rules known before, known only after apply now: undetermined is
    // widened (never a silent pass), even though its lower bound is empty.
    let unknown = find("aws_security_group.unknown_after", 10257);
    assert_eq!(unknown["change"], "widened");
    assert_eq!(unknown["removed"], json!(["52.94.0.0/16"]));
    // The moved resource whose rules stay: no change.
    assert!(changes.iter().all(|c| c["resource"] != "aws_security_group.renamed"));
    // The sides are named before and after.
    let (_, text) = diff_in(&fixtures(), &["plan.json"]);
    assert!(text.contains("before → after:"), "{text}");
}

#[test]
fn a_file_that_is_not_a_plan_is_refused_with_exit_2() {
    let out = bin().current_dir(fixtures()).args(["diff", "head/main.tf"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Terraform plan"));
}

#[test]
fn input_errors_name_their_side_and_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("base")).expect("mkdir");
    std::fs::create_dir_all(tmp.path().join("head")).expect("mkdir");
    std::fs::write(tmp.path().join("base/main.tf"), "resource \"aws_security_group\" \"a\" {}\n").expect("write");
    std::fs::write(tmp.path().join("head/main.tf"), "resource \"aws_security_group\" \"a\" {\n").expect("write");
    let (code, report) = json_in(tmp.path(), &["base", "head"]);
    assert_eq!(code, 2);
    let errors = report["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|e| e["side"] == "head" && e["file"] == "head/main.tf" && e["line"].as_u64() > Some(0)));
}

#[test]
fn sarif_lists_only_what_got_worse() {
    let (_, text) = diff_in(&fixtures(), &["base", "head", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&text).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 4, "{results:#?}");
    for r in results {
        let change = r["properties"]["change"].as_str().unwrap_or_default();
        assert!(change == "opened" || change == "widened", "{r}");
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("head/"));
    }
    assert_eq!(results[0]["ruleId"], "PC100");
    assert_eq!(results[0]["level"], "error");
}

#[test]
fn github_annotations_sit_on_the_head_line_and_escape_their_text() {
    let (_, text) = diff_in(&fixtures(), &["base", "head", "--format", "github"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[0].starts_with(
        "::error file=head/main.tf,line=22,title=PC100 opened tcp/10257 aws_security_group.opens::opened: tcp/10257"
    ));
    assert!(lines[0].ends_with("%0Asources: +0.0.0.0/0"), "{}", lines[0]);
    // What got better is a notice on the base's line.
    assert!(lines.iter().any(|l| l.starts_with("::notice file=base/main.tf,line=45,title=PC100 closed")));
}

#[test]
fn markdown_puts_what_gets_worse_first_and_the_details_collapsed() {
    let (_, text) = diff_in(&fixtures(), &["base", "head", "--format", "markdown"]);
    let more = text.find("**This change lets more in:**").expect("worse table");
    let less = text.find("**This change lets less in:**").expect("better table");
    let details = text.find("<details><summary>Details</summary>").expect("details");
    assert!(more < less && less < details && text.contains("</details>"));
    let first_row = text[more..].lines().nth(4).expect("first row");
    assert_eq!(
        first_row,
        "| opened | critical | PC100 | tcp/10257 | `aws_security_group.opens` | +0.0.0.0/0 | head/main.tf:22 |"
    );
    assert!(text.contains("  - moved from `aws_security_group.legacy`"));
}

#[test]
fn the_readme_comment_is_the_current_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let begin = "<!-- portcullis diff examples/diff/base examples/diff/head --format markdown: begin -->\n";
    let start = readme.find(begin).expect("the README's diff block") + begin.len();
    let end = start + readme[start..].find("<!-- portcullis diff: end -->").expect("its end");
    let (code, out) = diff_in(&root, &["examples/diff/base", "examples/diff/head", "--format", "markdown"]);
    assert_eq!(code, 1);
    assert_eq!(&readme[start..end], out, "README.md's PR comment differs from the current output: regenerate it");
}

// ---- git ----------------------------------------------------------------

/// Runs git in `dir`; panics with its output when it fails.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Process::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=portcullis test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8").trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn commit(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

const MAIN_TF: &str = r#"variable "kcm_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

module "control_plane" {
  source    = "./modules/control-plane"
  kcm_cidrs = var.kcm_cidrs
}
"#;

const MODULE_TF: &str = r#"variable "kcm_cidrs" {
  type = list(string)
}

resource "aws_security_group" "this" {
  name = "control-plane"
}

resource "aws_security_group_rule" "kcm" {
  type              = "ingress"
  security_group_id = aws_security_group.this.id
  protocol          = "tcp"
  from_port         = 10257
  to_port           = 10257
  cidr_blocks       = var.kcm_cidrs
}

resource "aws_security_group_rule" "https" {
  type              = "ingress"
  security_group_id = aws_security_group.this.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = ["0.0.0.0/0"]
}
"#;

const DUMP: &str = r#"{
    "SecurityGroups": [
        {
            "GroupId": "sg-0a1b2c3d4e5f60001",
            "GroupName": "bastion",
            "IpPermissions": [
                {
                    "FromPort": 22,
                    "IpProtocol": "tcp",
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    "ToPort": 22
                }
            ],
            "OwnerId": "111122223333",
            "VpcId": "vpc-0a1b2c3d"
        }
    ]
}
"#;

#[test]
fn git_finds_the_commit_that_opened_10257_from_objects_alone() {
    let repo = tempfile::tempdir().expect("tempdir");
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "infra/main.tf", MAIN_TF);
    write(dir, "infra/modules/control-plane/main.tf", MODULE_TF);
    write(dir, "dumps/security-groups.json", DUMP);
    write(dir, "README.md", "# infra\n");
    let first = commit(dir, "control plane, admins only");
    write(dir, "README.md", "# infra\n\nThe control plane's Terraform.\n");
    let second = commit(dir, "docs");
    // The opening commit: a variable file, read from the revision's tree,
    // feeds the module's rule.
    write(dir, "infra/terraform.tfvars", "kcm_cidrs = [\"10.0.0.0/8\", \"0.0.0.0/0\"]\n");
    let third = commit(dir, "debug: open kcm");
    write(dir, "dumps/security-groups.json", &DUMP.replace("\"bastion\"", "\"bastion-host\""));
    let fourth = commit(dir, "rename the bastion group");
    // The work tree is not what is read: remove everything, uncommitted.
    std::fs::remove_dir_all(dir.join("infra")).expect("rm");
    std::fs::remove_dir_all(dir.join("dumps")).expect("rm");

    let commits = [&first, &second, &third, &fourth];
    let mut opened_by = Vec::new();
    for pair in commits.windows(2) {
        let range = format!("{}..{}", pair[0], pair[1]);
        let (code, report) = json_in(dir, &["--git", &range]);
        assert!(code == 0 || code == 1, "{range}: exit {code}: {report}");
        assert_eq!(report["errors"], json!([]), "{range}");
        let opened: Vec<&Value> = report["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["change"] == "opened" && c["port"] == 10257)
            .collect();
        if !opened.is_empty() {
            opened_by.push(pair[1].to_string());
            assert_eq!(opened.len(), 1, "{report:#}");
            let c = opened[0];
            assert_eq!(c["rule"], "PC100");
            assert_eq!(c["resource"], "module.control_plane.aws_security_group.this");
            assert_eq!(c["added"], json!(["0.0.0.0/0"]));
            assert_eq!(c["head"]["file"], "infra/terraform.tfvars");
            assert_eq!(c["head"]["line"], 1);
        }
        assert_eq!(code == 1, !opened.is_empty(), "{range}: {report:#}");
    }
    assert_eq!(opened_by, [third.as_str()], "exactly the third commit opened 10257");
    // Whole range, by revision names git resolves.
    let (code, report) = json_in(dir, &["--git", "main~3..main"]);
    assert_eq!(code, 1);
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(1), "{report:#}");
    // The repository can be named; the text names the revisions.
    let (_, text) = diff_in(Path::new("/"), &["--git", "main~1..main", dir.to_str().expect("path")]);
    assert!(text.contains("main~1 → main: no change"), "{text}");
}

#[test]
fn git_refuses_what_is_not_a_range_of_commits() {
    let repo = tempfile::tempdir().expect("tempdir");
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "a.json", "{}\n");
    commit(dir, "one");
    for (range, says) in
        [("main", "expected REV1..REV2"), ("main...main", "expected REV1..REV2"), ("main..nowhere", "is not a commit")]
    {
        let out = bin().current_dir(dir).args(["diff", "--git", range]).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{range}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{range}: {stderr}");
    }
}

#[test]
fn one_address_in_two_root_modules_is_two_targets() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let group = |cidr: &str| {
        format!(
            "resource \"aws_security_group\" \"cp\" {{\n  ingress {{\n    protocol = \"tcp\"\n    from_port = 10257\n    to_port = 10257\n    cidr_blocks = [\"{cidr}\"]\n  }}\n}}\n"
        )
    };
    for (side, staging) in [("base", "52.94.0.0/16"), ("head", "0.0.0.0/0")] {
        write(tmp.path(), &format!("{side}/envs/prod/main.tf"), &group("52.94.0.0/16"));
        write(tmp.path(), &format!("{side}/envs/staging/main.tf"), &group(staging));
    }
    let (code, report) = json_in(tmp.path(), &["base", "head"]);
    assert_eq!(code, 1);
    let changes = report["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{report:#}");
    assert_eq!(changes[0]["change"], "widened");
    assert_eq!(changes[0]["head"]["file"], "head/envs/staging/main.tf");
    assert_eq!(changes[0]["base"]["file"], "base/envs/staging/main.tf");
}

/// A security group on tcp/10257 from `cidrs`, named `name`.
fn group_tf(name: &str, cidrs: &str) -> String {
    format!(
        "resource \"aws_security_group\" \"{name}\" {{\n  ingress {{\n    protocol    = \"tcp\"\n    from_port   = 10257\n    to_port     = 10257\n    cidr_blocks = [{cidrs}]\n  }}\n}}\n"
    )
}

#[test]
fn moved_blocks_of_modules_and_inside_modules_are_followed_through_git() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    // Base: a module called `old`, and one called per key of a for_each.
    write(
        repo,
        "main.tf",
        "module \"old\" {\n  source = \"./modules/net\"\n}\n\nmodule \"edge\" {\n  source   = \"./modules/edge\"\n  for_each = toset([\"a\", \"b\"])\n}\n",
    );
    write(repo, "modules/net/main.tf", &group_tf("x", "\"52.94.0.0/16\""));
    write(repo, "modules/edge/main.tf", &group_tf("before", "\"0.0.0.0/0\""));
    let base = commit(repo, "base");
    // Head: `module.old` renamed to `module.new` by a root `moved` block,
    // the group inside it renamed (and widened) by a `moved` block written
    // in the module, relative to it: a chain of two moves. The for_each
    // module renames its group in the module too: every instance moves.
    write(
        repo,
        "main.tf",
        "moved {\n  from = module.old\n  to   = module.new\n}\n\nmodule \"new\" {\n  source = \"./modules/net\"\n}\n\nmodule \"edge\" {\n  source   = \"./modules/edge\"\n  for_each = toset([\"a\", \"b\"])\n}\n",
    );
    write(
        repo,
        "modules/net/main.tf",
        &format!(
            "moved {{\n  from = aws_security_group.x\n  to   = aws_security_group.y\n}}\n\n{}",
            group_tf("y", "\"52.94.0.0/16\", \"3.5.0.0/16\"")
        ),
    );
    write(
        repo,
        "modules/edge/main.tf",
        &format!(
            "moved {{\n  from = aws_security_group.before\n  to   = aws_security_group.after\n}}\n\n{}",
            group_tf("after", "\"0.0.0.0/0\"")
        ),
    );
    let head = commit(repo, "head");
    let (code, report) = json_in(repo, &["--git", &format!("{base}..{head}")]);
    assert_eq!(code, 1, "{report:#}");
    let changes: Vec<(Value, Value, Value, Value)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["change"].clone(), c["resource"].clone(), c["added"].clone(), c["removed"].clone()))
        .collect();
    // Only the widening: nothing closed under an old name, nothing opened
    // under a new one.
    assert_eq!(
        changes,
        vec![(json!("widened"), json!("module.new.aws_security_group.y"), json!(["3.5.0.0/16"]), json!([]))],
        "{report:#}"
    );
    let (_, text) = diff_in(repo, &["--git", &format!("{base}..{head}")]);
    assert!(text.contains("module.old.aws_security_group.x"), "the text names the old address: {text}");
}

// ---- path changes ---------------------------------------------------------

fn path_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff-path")
}

/// The one change of `diff BASE HEAD` in the path fixtures, and the exit
/// code at `--fail-on high`.
fn path_change(base: &str, head: &str) -> (i32, Value) {
    let (code, report) = json_in(&path_fixtures(), &[base, head, "--fail-on", "high"]);
    let changes = report["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{report:#}");
    (code, changes[0].clone())
}

#[test]
fn a_route_to_the_internet_gateway_added_is_a_worse_path_and_fails() {
    // The same security group, open to 0.0.0.0/0, on an interface with a
    // public address: the base's subnet has no route to the internet
    // gateway (reach none, high), the head's has (internet, critical).
    let (code, change) = path_change("none", "internet");
    assert_eq!(code, 1);
    assert_eq!(
        (&change["change"], &change["severity"], &change["resource"], &change["added"], &change["removed"]),
        (&json!("path"), &json!("critical"), &json!("eni-0a1a1a1a1a1a1a1a1"), &json!([]), &json!([]))
    );
    assert_eq!(
        change["message"],
        "path: tcp/10257 (kube-controller-manager) on network interface eni-0a1a1a1a1a1a1a1a1: reach went from none to internet (high to critical)"
    );
    // SARIF lists it: it got worse.
    let out = bin()
        .current_dir(path_fixtures())
        .args(["diff", "none", "internet", "--format", "sarif", "--fail-on", "none"])
        .output()
        .expect("runs");
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(1), "{sarif:#}");
}

#[test]
fn a_route_to_the_internet_gateway_removed_is_a_better_path_and_passes() {
    let (code, change) = path_change("internet", "none");
    assert_eq!(code, 0);
    assert_eq!(
        (&change["change"], &change["severity"], &change["resource"]),
        (&json!("path"), &json!("critical"), &json!("eni-0a1a1a1a1a1a1a1a1"))
    );
    assert!(change["message"].as_str().is_some_and(|m| m.contains("reach went from internet to none")), "{change:#}");
    let out = bin()
        .current_dir(path_fixtures())
        .args(["diff", "internet", "none", "--format", "sarif", "--fail-on", "none"])
        .output()
        .expect("runs");
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(0), "{sarif:#}");
}

#[test]
fn an_elastic_ip_added_in_terraform_makes_an_unknown_reach_internet() {
    // Base: no public address at launch, so whether the internet gets in
    // is unknown (a configuration does not show every load balancer).
    // Head: the same, plus an Elastic IP associated with the instance.
    let (code, change) = path_change("tf-no-address", "tf-elastic-ip");
    assert_eq!(code, 1);
    assert_eq!(
        (&change["change"], &change["resource"], &change["head"]["file"]),
        (&json!("path"), &json!("aws_instance.cp"), &json!("tf-elastic-ip/main.tf"))
    );
    assert!(
        change["message"].as_str().is_some_and(|m| m.contains("reach went from unknown to internet")),
        "{change:#}"
    );
    // Back again: better, exit 0.
    let (code, change) = path_change("tf-elastic-ip", "tf-no-address");
    assert_eq!((code, &change["change"]), (0, &json!("path")));
}
