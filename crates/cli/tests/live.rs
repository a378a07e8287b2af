//! `scan --aws / --azure / --gcp` through the real binary. Against moto
//! (with the AWS CLI beside it): the live report equals the report on the
//! AWS CLI's own dumps of the same server and the report on what `--save`
//! wrote, byte for byte apart from the file names; a refused region is an
//! input error (exit 2) while the rest is read. Against the local server
//! of published Azure examples: the same round trip. The moto tests share
//! one server, each in its own regions. Tests needing moto
//! skip with a notice without it, unless `PORTCULLIS_REQUIRE_MOTO` is set.

use assert_cmd::Command;
use portcullis_live::testing::fixtures::azure_server;
use portcullis_live::testing::{Moto, Proxy, Rule};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

const ESTATE: &str = include_str!("../../live/tests/estate.py");

fn portcullis(env: &[(String, String)]) -> Command {
    let mut cmd = Command::cargo_bin("portcullis").expect("the binary");
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(env: &[(String, String)], args: &[&str], cwd: &Path) -> Run {
    let out = portcullis(env).current_dir(cwd).args(args).output().expect("run portcullis");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, at: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(at).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Writes under `cli` what the AWS CLI prints for each document `saved`
/// holds: the same call, by the real CLI, against the same server.
fn dump_with_the_aws_cli(moto: &Moto, saved: &Path, cli: &Path) {
    for rel in files(saved) {
        let parts: Vec<&str> = rel.split('/').collect();
        let (region, rest) = (parts[2], &parts[3..]);
        let read_json = |name: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(saved.join(parts[..3].join("/")).join(name)).unwrap())
                .unwrap()
        };
        let text = match rest {
            ["ec2-get-managed-prefix-list-entries", file] => {
                let id = file.trim_end_matches(".json");
                moto.aws(region, &["ec2", "get-managed-prefix-list-entries", "--prefix-list-id", id])
            }
            ["elbv2-describe-target-health", file] => {
                let groups = read_json("elbv2-describe-target-groups.json");
                let arn = groups["TargetGroups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| g["TargetGroupArn"].as_str().unwrap())
                    .find(|a| format!("{}.json", portcullis_live::aws::calls::file_stem(a)) == *file)
                    .expect("the target group of a health file");
                moto.aws(region, &["elbv2", "describe-target-health", "--target-group-arn", arn])
            }
            ["elbv2-describe-listeners.json"] => {
                let balancers = read_json("elbv2-describe-load-balancers.json");
                match balancers["LoadBalancers"].as_array().unwrap().as_slice() {
                    // Without a balancer the CLI has no call to make; the
                    // reader's document says so with an empty list.
                    [] => "{\n    \"Listeners\": []\n}\n".to_string(),
                    [one] => moto.aws(
                        region,
                        &[
                            "elbv2",
                            "describe-listeners",
                            "--load-balancer-arn",
                            one["LoadBalancerArn"].as_str().unwrap(),
                        ],
                    ),
                    more => panic!("the estate has one balancer a region, found {}", more.len()),
                }
            }
            [file] => {
                let stem = file.trim_end_matches(".json");
                let (service, command) = stem.split_once('-').unwrap();
                moto.aws(region, &[service, command])
            }
            other => panic!("unexpected saved file {other:?}"),
        };
        let path = cli.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn live_equals_the_aws_cli_dumps_equals_saved() {
    let Some(moto) = Moto::shared() else { return };
    moto.python(&format!("import sys\nsys.argv = ['estate', 'eu-west-1']\n{ESTATE}"));
    let env = moto.client_env("eu-west-1");
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let regions = "--regions=eu-west-1,us-east-1";
    let saved = run(&env, &["scan", "--aws", regions, "-f", "json", "--save", "saved"], cwd);
    assert_eq!(saved.code, 1, "findings: {}", saved.stderr);
    assert!(saved.stderr.contains("portcullis: read 2 regions,"), "{}", saved.stderr);
    assert!(saved.stderr.contains(" instances, "), "{}", saved.stderr);
    let report: serde_json::Value = serde_json::from_str(&saved.stdout).unwrap();
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()), "{}", saved.stdout);
    assert!(saved.stdout.contains("saved/aws/123456789012/eu-west-1/ec2-describe-security-groups.json"));

    // `scan DIR` on what was saved: the same report, byte for byte.
    let rescanned = run(&env, &["scan", "saved", "-f", "json"], cwd);
    assert_eq!(rescanned.code, 1);
    assert_eq!(rescanned.stdout, saved.stdout);

    // Without --save the documents are named by their place.
    let live = run(&env, &["scan", "--aws", regions, "-f", "json", "--quiet"], cwd);
    assert_eq!(live.code, 1);
    assert_eq!(live.stderr, "", "--quiet prints nothing");
    assert_eq!(live.stdout, saved.stdout.replace("saved/aws/", "aws/"));

    // The AWS CLI's own dumps of the same server give the same report.
    dump_with_the_aws_cli(moto, &cwd.join("saved"), &cwd.join("cli"));
    assert_eq!(files(&cwd.join("cli")), files(&cwd.join("saved")));
    let from_cli = run(&env, &["scan", "cli", "-f", "json"], cwd);
    assert_eq!(from_cli.stdout.replace("cli/aws/", "saved/aws/"), saved.stdout);
    for rel in files(&cwd.join("saved")) {
        assert_eq!(
            std::fs::read_to_string(cwd.join("cli").join(&rel)).unwrap(),
            std::fs::read_to_string(cwd.join("saved").join(&rel)).unwrap(),
            "{rel}"
        );
    }

    // Text output shows the same snippets live (from memory) as from files.
    let text_live = run(&env, &["scan", "--aws", regions, "--color", "never", "--quiet"], cwd);
    let text_saved = run(&env, &["scan", "saved", "--color", "never", "--quiet"], cwd);
    assert!(text_saved.stdout.contains("  > "), "snippets shown: {}", text_saved.stdout);
    assert_eq!(text_live.stdout, text_saved.stdout.replace("saved/aws/", "aws/"));

    // explain reads the clouds too.
    let explained = run(&env, &["explain", "--aws", "--quiet", "-f", "json"], cwd);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    assert!(explained.stdout.contains("aws/123456789012/eu-west-1/"), "{}", explained.stdout);
}

#[test]
fn a_refused_region_is_an_input_error_and_the_rest_is_read() {
    let Some(moto) = Moto::shared() else { return };
    moto.python(&format!("import sys\nsys.argv = ['estate', 'eu-central-1']\n{ESTATE}"));
    let proxy = Proxy::start(moto.port, vec![Rule::DenyRegion { region: "ap-south-2".into() }]);
    let mut env = moto.client_env("eu-central-1");
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL".into(), proxy.url()));
    let work = tempfile::tempdir().unwrap();
    let out = run(&env, &["scan", "--aws", "--regions", "eu-central-1,ap-south-2", "-f", "json"], work.path());
    assert_eq!(out.code, 2, "an unreadable region is an input error: {}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    for e in errors {
        assert_eq!(e["file"], "aws account 123456789012 ap-south-2", "{e}");
    }
    let messages: Vec<&str> = errors.iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("ec2:DescribeSecurityGroups: UnauthorizedOperation")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.starts_with("elbv2:DescribeLoadBalancers: AccessDenied")), "{messages:?}");
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()), "eu-central-1 was read");
    assert!(out.stderr.contains("calls failed"), "{}", out.stderr);
}

#[test]
fn azure_round_trip_on_published_examples() {
    let server = azure_server(Arc::new(AtomicUsize::new(1)));
    let work = tempfile::tempdir().unwrap();
    let ca = server.write_ca(work.path());
    let env: Vec<(String, String)> = [
        ("AZURE_TENANT_ID", "tenant-1".to_string()),
        ("AZURE_CLIENT_ID", "app-1".into()),
        ("AZURE_CLIENT_SECRET", "s3cret".into()),
        ("AZURE_AUTHORITY_HOST", server.url()),
        ("PORTCULLIS_AZURE_RESOURCE_MANAGER_URL", server.url()),
        ("REQUESTS_CA_BUNDLE", ca.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let cwd = work.path();
    // rule1 of the published NSG admits any source on port 80.
    let saved = run(&env, &["scan", "--azure", "--port", "80", "-f", "json", "--save", "saved"], cwd);
    assert_eq!(saved.code, 1, "{}", saved.stderr);
    assert!(saved.stdout.contains("saved/azure/subid/az-network-nsg-list.json"), "{}", saved.stdout);
    assert!(saved.stdout.contains("rule1"), "{}", saved.stdout);
    assert!(
        saved.stderr.contains("read 1 subscription, 3 network security groups, 2 network interfaces"),
        "{}",
        saved.stderr
    );
    let rescanned = run(&env, &["scan", "saved", "--port", "80", "-f", "json"], cwd);
    assert_eq!(rescanned.stdout, saved.stdout);

    // Saving again inside the folder scanned: the earlier save there is
    // not read beside the new one (the folder is this run's output).
    let again = run(&env, &["scan", ".", "--azure", "--port", "80", "-f", "json", "--save", "saved"], cwd);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stdout == saved.stdout, "{}", again.stdout);

    // Naming the folder (or something in it) as an input is refused before
    // anything is read or written.
    let before = files(&cwd.join("saved"));
    for named in ["saved", "saved/azure", "./saved/azure/subid/az-network-nsg-list.json"] {
        let refused = run(&env, &["scan", named, "--azure", "--save", "saved"], cwd);
        assert_eq!(refused.code, 2, "{named}: {}", refused.stderr);
        assert!(refused.stderr.contains("so nothing there is read in the same run"), "{}", refused.stderr);
        assert!(!refused.stderr.contains("read 1 subscription"), "{}", refused.stderr);
    }
    assert_eq!(files(&cwd.join("saved")), before);
}

#[test]
fn save_needs_a_cloud() {
    let work = tempfile::tempdir().unwrap();
    let out = run(&[], &["scan", "--save", "x", "."], work.path());
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--save needs --aws, --azure or --gcp"), "{}", out.stderr);
    assert!(!PathBuf::from(work.path()).join("x").exists());
}

/// The fenced block that follows `<!-- policy: NAME -->` in the README.
fn readme_policy(name: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    let marker = format!("<!-- policy: {name} -->");
    let after = &readme[readme.find(&marker).unwrap_or_else(|| panic!("README has {marker}")) + marker.len()..];
    let body = after.split_once("```").and_then(|(_, b)| b.split_once('\n')).map(|(_, b)| b).unwrap();
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn readme_policies_are_exactly_the_calls_made() {
    use std::collections::BTreeSet;
    let aws: serde_json::Value = serde_json::from_str(&readme_policy("aws")).unwrap();
    let listed: BTreeSet<&str> =
        aws["Statement"][0]["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(listed, portcullis_live::aws::iam_actions());
    // Every operation the client is built to call (the generated models),
    // but STS's, is in the policy.
    for op in portcullis_live::aws::shapes::OPERATIONS.iter().filter(|o| o.service != "sts") {
        let prefix = if op.service == "ec2" { "ec2" } else { "elasticloadbalancing" };
        assert!(
            listed.contains(format!("{prefix}:{}", op.name).as_str()),
            "{}:{} is not in the policy",
            op.service,
            op.name
        );
    }
    let azure: serde_json::Value = serde_json::from_str(&readme_policy("azure")).unwrap();
    let listed: BTreeSet<&str> = azure["Actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(listed, portcullis_live::azure::role_actions());
    let gcp = readme_policy("gcp");
    let listed: BTreeSet<&str> =
        gcp.split("includedPermissions:").nth(1).unwrap().lines().filter_map(|l| l.trim().strip_prefix("- ")).collect();
    assert_eq!(listed, portcullis_live::gcp::permissions());
}
