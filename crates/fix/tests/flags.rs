//! kube-controller-manager's flags fixed in every place the audit reads
//! them: each hardening rule's bad examples (`crates/rules/fixtures/`),
//! and one configuration per location and YAML form (static pod `command`
//! and `args` as block lists, flow lists, shell strings and folded
//! scalars; kubeadm v1beta3 and v1beta4 `extraArgs`; k3s/RKE2
//! `kube-controller-manager-arg`; RKE, Talos, kops; a Deployment; a
//! `KubeControllerManagerConfiguration`; a pod in JSON). Each is fixed
//! with `--apply` (the re-scan inside must agree), scanned again with the
//! rules' findings gone, re-parsed, and checked to keep every comment and
//! to change only the lines it must.

use portcullis_fix::{fix, Dialect, FixRequest, Outcome};
use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::ReadOptions;
use portcullis_pipeline::{scan, Reading, ScanRequest};
use portcullis_rules::{Authorized, PortQuery};
use std::path::{Path, PathBuf};

/// The rules whose findings `fix` closes by editing flags.
const CODES: &[&str] = &["PC200", "PC203", "PC205", "PC206", "PC207"];

fn reading(paths: &[PathBuf]) -> Reading<'_> {
    Reading {
        paths,
        terraform: Box::leak(Box::new(TerraformInputs::default())),
        options: Box::leak(Box::new(ReadOptions::default())),
        parameter_files: &[],
        documents: &[],
        cloud: None,
    }
}

fn run_fix(path: &Path, select: &[String], apply: bool) -> Outcome {
    let paths = [path.to_path_buf()];
    fix(&FixRequest {
        reading: reading(&paths),
        queries: &PortQuery::builtin(),
        authorized: &Authorized::default(),
        select,
        fail_on: None,
        unsafe_fixes: true,
        apply,
        dialect: Dialect::Shell,
        waivers: &[],
        baseline: None,
    })
    .expect("fix runs")
}

/// The findings of `codes` a scan of `path` reports.
fn findings_of(path: &Path, codes: &[&str]) -> Vec<String> {
    let paths = [path.to_path_buf()];
    let run = scan(&ScanRequest {
        reading: reading(&paths),
        queries: &PortQuery::builtin(),
        authorized: &Authorized::default(),
        timings: false,
    });
    assert!(run.errors.is_empty(), "{}: {:?}", path.display(), run.errors);
    run.findings
        .iter()
        .filter(|f| codes.contains(&f.rule.as_str()))
        .map(|f| format!("{} {}:{} {}", f.rule, f.file, f.line, f.message))
        .collect()
}

fn comments(text: &str) -> Vec<&str> {
    text.lines().filter_map(|l| l.find('#').map(|i| &l[i..])).filter(|c| !c.contains('"')).collect()
}

/// Fixes `path` for `codes`, and checks what the module docs promise.
/// Returns the fixed text.
fn fixes_clean(path: &Path, codes: &[&str]) -> String {
    let what = path.display().to_string();
    let before_findings = findings_of(path, codes);
    assert!(!before_findings.is_empty(), "{what}: nothing flagged");
    let select: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    let dry = run_fix(path, &select, false);
    assert!(dry.unfixable.is_empty(), "{what}: {:#?}", dry.unfixable);
    assert_eq!(dry.still_open, 0, "{what}: the plan leaves findings open");
    assert_eq!(dry.changes.len(), 1, "{what}: one file changes");
    let change = &dry.changes[0];
    let applied = run_fix(path, &select, true);
    assert_eq!(applied.restored, None, "{what}");
    assert_eq!(applied.written.len(), 1, "{what}");
    let now = std::fs::read_to_string(path).expect("the fixed file");
    assert_eq!(now, change.after, "{what}: the file holds what the dry run showed");
    let left = findings_of(path, codes);
    assert!(left.is_empty(), "{what}: still flagged: {left:#?}\n{now}");
    // Every comment stays, and the file re-parses.
    for c in comments(&change.before) {
        assert!(now.contains(c), "{what}: comment lost: {c}");
    }
    if path.extension().is_some_and(|e| e == "json") {
        portcullis_syntax::json::parse(&now, portcullis_syntax::json::Options::STRICT).expect("fixed JSON parses");
    } else {
        let mut skipped = Vec::new();
        portcullis_syntax::yaml::load_all(&std::sync::Arc::from("fixed"), &now, &mut skipped)
            .expect("fixed YAML parses");
        assert!(skipped.is_empty(), "{what}: {skipped:?}");
    }
    // Minimal: a changed line is one a fix points at (the flag's own
    // line, or for a kubeadm v1beta4 entry the `value:` right below it),
    // and new lines are only added flags.
    // An added flag goes next to the last written one: that line may
    // change too (a flow list or a shell string grows).
    let pointed: Vec<u32> =
        dry.flag_fixes.iter().filter_map(|f| f.written.as_ref().or(f.last_written.as_ref()).map(|s| s.line)).collect();
    let diff = similar::TextDiff::from_lines(&change.before, &change.after);
    for op in diff.ops() {
        for line in op.old_range() {
            if matches!(op.tag(), similar::DiffTag::Equal) {
                continue;
            }
            let line = line as u32 + 1;
            assert!(
                pointed.iter().any(|p| *p == line || *p + 1 == line),
                "{what}: line {line} changed, no fix points at it:\n{}",
                change.diff()
            );
        }
    }
    now
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("written");
    p
}

#[test]
fn every_hardening_example_is_fixed_and_rescans_clean() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/fixtures");
    let mut fixed = 0;
    for code in CODES {
        let dir = fixtures.join(code).join("bad");
        let mut examples: Vec<PathBuf> =
            std::fs::read_dir(&dir).expect("the rule's examples").map(|e| e.expect("an entry").path()).collect();
        examples.sort();
        for example in examples {
            let tmp = tempfile::tempdir().expect("a directory");
            let copy = tmp.path().join(example.file_name().expect("a name"));
            std::fs::copy(&example, &copy).expect("a copy");
            fixes_clean(&copy, &[code]);
            fixed += 1;
        }
    }
    assert!(fixed >= 15, "only {fixed} examples fixed");
}

#[test]
fn a_static_pod_in_each_yaml_form() {
    let tmp = tempfile::tempdir().expect("a directory");
    // Block lists, command and args apart; profiling unset (added after
    // the last flag).
    let block = write(
        tmp.path(),
        "block.yaml",
        "# kubeadm wrote this\napiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-controller-manager\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-controller-manager\n    image: registry.k8s.io/kube-controller-manager:v1.30.2\n    command:\n    - kube-controller-manager\n    args:\n    - --bind-address=0.0.0.0 # opened for the scraper\n    - \"--tls-min-version=VersionTLS10\"\n    - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_RC4_128_SHA\n    - --authorization-always-allow-paths=/healthz,/metrics\n",
    );
    let out = fixes_clean(&block, CODES);
    assert!(out.contains("    - --bind-address=127.0.0.1 # opened for the scraper\n"), "{out}");
    assert!(out.contains("\"--tls-min-version=VersionTLS12\""), "{out}");
    assert!(out.contains("--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"), "{out}");
    assert!(out.contains("--authorization-always-allow-paths=/healthz\n    - --profiling=false\n"), "{out}");

    // A flow list without --profiling: added as an element of its own.
    let flow_unset = write(
        tmp.path(),
        "flow-unset.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kcm\n  namespace: kube-system\nspec:\n  containers:\n  - name: kcm\n    image: registry.k8s.io/kube-controller-manager:v1.30.2\n    command: [\"kube-controller-manager\", \"--bind-address=127.0.0.1\"]\n",
    );
    let out = fixes_clean(&flow_unset, CODES);
    assert!(
        out.contains("[\"kube-controller-manager\", \"--bind-address=127.0.0.1\", \"--profiling=false\"]"),
        "{out}"
    );

    // A flow list, with a bare boolean.
    let flow = write(
        tmp.path(),
        "flow.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kcm\n  namespace: kube-system\nspec:\n  containers:\n  - name: kcm\n    image: registry.k8s.io/kube-controller-manager:v1.30.2\n    command: [\"kube-controller-manager\", \"--profiling\", \"--bind-address=0.0.0.0\", \"--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA\"] # flow\n",
    );
    let out = fixes_clean(&flow, CODES);
    assert!(
        out.contains("[\"kube-controller-manager\", \"--profiling=false\", \"--bind-address=127.0.0.1\"] # flow"),
        "{out}"
    );

    // A shell command string behind a log runner.
    let shell = write(
        tmp.path(),
        "shell.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kcm\n  namespace: kube-system\nspec:\n  containers:\n  - name: kcm\n    image: registry.k8s.io/kube-controller-manager:v1.30.2\n    command:\n    - /bin/sh\n    - -c\n    - /usr/local/bin/kube-controller-manager --bind-address=0.0.0.0 --tls-min-version=VersionTLS11 1>>/var/log/kcm.log 2>&1\n",
    );
    let out = fixes_clean(&shell, CODES);
    assert!(
        out.contains(
            "kube-controller-manager --bind-address=127.0.0.1 --tls-min-version=VersionTLS12 --profiling=false 1>>/var/log/kcm.log"
        ),
        "{out}"
    );

    // A plain scalar folded over several lines (old kops and GCE manifests).
    let folded = write(
        tmp.path(),
        "folded.manifest",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kcm\n  namespace: kube-system\nspec:\n  containers:\n  - name: kcm\n    image: registry.k8s.io/kube-controller-manager:v1.30.2\n    command:\n    - /bin/sh\n    - -c\n    - /usr/local/bin/kube-controller-manager\n      --bind-address=0.0.0.0\n      --profiling=true 2>&1 | /bin/tee -a /var/log/kcm.log\n",
    );
    let out = fixes_clean(&folded, CODES);
    assert!(out.contains("      --bind-address=127.0.0.1\n      --profiling=false 2>&1"), "{out}");

    // A Deployment's pod template, in JSON as kubectl prints it.
    let json = write(
        tmp.path(),
        "kcm.json",
        "{\n  \"apiVersion\": \"apps/v1\",\n  \"kind\": \"Deployment\",\n  \"metadata\": {\"name\": \"kcm\", \"namespace\": \"kube-system\"},\n  \"spec\": {\"template\": {\"metadata\": {}, \"spec\": {\"containers\": [\n    {\"name\": \"kcm\", \"image\": \"registry.k8s.io/kube-controller-manager:v1.30.2\",\n     \"command\": [\"kube-controller-manager\", \"--bind-address=0.0.0.0\", \"--profiling=true\"]}\n  ]}}}\n}\n",
    );
    let out = fixes_clean(&json, CODES);
    assert!(
        out.contains("[\"kube-controller-manager\", \"--bind-address=127.0.0.1\", \"--profiling=false\"]"),
        "{out}"
    );
}

#[test]
fn configuration_files_in_each_tool_s_form() {
    let tmp = tempfile::tempdir().expect("a directory");
    // kubeadm v1beta3: a map of strings; profiling unset is added as a
    // string, the value quoted so YAML does not read a boolean.
    let v1beta3 = write(
        tmp.path(),
        "kubeadm-v1beta3.yaml",
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.29.0\ncontrollerManager:\n  extraArgs:\n    # opened on purpose\n    bind-address: 0.0.0.0\n    tls-min-version: VersionTLS10 # old clients\n---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n",
    );
    let out = fixes_clean(&v1beta3, CODES);
    assert!(
        out.contains(
            "    bind-address: 127.0.0.1\n    tls-min-version: VersionTLS12 # old clients\n    profiling: \"false\"\n"
        ),
        "{out}"
    );

    // kubeadm v1beta4: a list of {name, value}; an entry is added as a
    // copy of the last one.
    let v1beta4 = write(
        tmp.path(),
        "kubeadm-v1beta4.yaml",
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrollerManager:\n  extraArgs:\n  - name: authorization-always-allow-paths\n    value: \"/healthz,/readyz,/livez,/configz\" # for the dashboard\n  - name: tls-cipher-suites\n    value: TLS_RSA_WITH_RC4_128_SHA\n",
    );
    let out = fixes_clean(&v1beta4, CODES);
    assert!(
        out.contains(
            "    value: \"/healthz,/readyz,/livez\" # for the dashboard\n  - name: profiling\n    value: \"false\"\n"
        ),
        "{out}"
    );
    assert!(!out.contains("tls-cipher-suites"), "{out}");

    // k3s/RKE2 config.yaml.
    let k3s = write(
        tmp.path(),
        "config.yaml",
        "# /etc/rancher/k3s/config.yaml\nwrite-kubeconfig-mode: \"0600\"\nkube-controller-manager-arg:\n  - bind-address=0.0.0.0\n  - \"profiling=true\" # debugging\n  - 'tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA'\n",
    );
    let out = fixes_clean(&k3s, CODES);
    assert!(out.contains("  - bind-address=127.0.0.1\n  - \"profiling=false\" # debugging\n"), "{out}");
    assert!(!out.contains("tls-cipher-suites"), "{out}");

    // RKE cluster.yml, Talos machine config, kops Cluster spec, and a
    // KubeControllerManagerConfiguration: maps, the keys kept.
    let rke = write(
        tmp.path(),
        "cluster.yml",
        "nodes: []\nservices:\n  kube-controller:\n    extra_args:\n      bind-address: \"0.0.0.0\"\n      profiling: \"true\"\n",
    );
    fixes_clean(&rke, CODES);
    let talos = write(
        tmp.path(),
        "controlplane.yaml",
        "version: v1alpha1\nmachine:\n  type: controlplane\ncluster:\n  controllerManager:\n    image: registry.k8s.io/kube-controller-manager:v1.30.2\n    extraArgs:\n      bind-address: 0.0.0.0\n      tls-min-version: VersionTLS11\n",
    );
    fixes_clean(&talos, CODES);
    let kops = write(
        tmp.path(),
        "kops-cluster.yaml",
        "apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  name: k.example.com\nspec:\n  kubeControllerManager:\n    enableProfiling: true\n    tlsMinVersion: VersionTLS10\n",
    );
    let out = fixes_clean(&kops, CODES);
    assert!(out.contains("    enableProfiling: false\n    tlsMinVersion: VersionTLS12\n"), "{out}");
}

#[test]
fn a_flag_written_twice_is_not_fixed_and_says_why() {
    let tmp = tempfile::tempdir().expect("a directory");
    let p = write(
        tmp.path(),
        "twice.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kcm\n  namespace: kube-system\nspec:\n  containers:\n  - name: kcm\n    image: registry.k8s.io/kube-controller-manager:v1.30.2\n    command:\n    - kube-controller-manager\n    - --profiling=false\n    - --bind-address=127.0.0.1\n    - --tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA\n    - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
    );
    let out = run_fix(&p, &["PC206".into()], true);
    assert!(out.changes.is_empty() && out.written.is_empty());
    assert_eq!(out.unfixable.len(), 1, "{:#?}", out.unfixable);
    assert!(out.unfixable[0].reason.contains("more than once"), "{}", out.unfixable[0].reason);
    assert_eq!(out.still_open, 1);
}

#[test]
fn binding_to_loopback_is_unsafe() {
    let tmp = tempfile::tempdir().expect("a directory");
    let p = write(tmp.path(), "config.yaml", "kube-controller-manager-arg:\n  - bind-address=0.0.0.0\n");
    let paths = [p.clone()];
    let out = fix(&FixRequest {
        reading: reading(&paths),
        queries: &PortQuery::builtin(),
        authorized: &Authorized::default(),
        select: &[],
        fail_on: None,
        unsafe_fixes: false,
        apply: true,
        dialect: Dialect::Shell,
        waivers: &[],
        baseline: None,
    })
    .expect("fix runs");
    assert!(out.written.is_empty() && out.flag_fixes.is_empty());
    assert_eq!(out.unsafe_flags_skipped.len(), 1);
    assert!(out.unsafe_flags_skipped[0].risk.is_some());
    assert_eq!(
        std::fs::read_to_string(&p).expect("the file"),
        "kube-controller-manager-arg:\n  - bind-address=0.0.0.0\n"
    );
}
