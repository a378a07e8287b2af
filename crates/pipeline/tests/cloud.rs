//! What was read from the clouds' APIs, through the pipeline: documents
//! read as the files `--save` writes them to would be (same findings,
//! same report, snippets from memory), the calls that failed as input
//! errors, the saved files protected from outputs, and the save folder
//! never read again by the run that writes it.

use portcullis_ingest::languages::terraform::hcl::Inputs as TerraformInputs;
use portcullis_ingest::ReadOptions;
use portcullis_model::Protocol;
use portcullis_pipeline::inputs::check_save_dir;
use portcullis_pipeline::{
    finish, CloudDocuments, Destination, Failure, Format, Output, Policy, Reading, Run, ScanRequest,
};
use portcullis_rules::registry::{self, FamilyKind};
use portcullis_rules::{Authorized, PortQuery};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixture(path: &str) -> Arc<str> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/fixtures").join(path);
    Arc::from(std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())))
}

/// An AWS region's security groups and an Azure subscription's NSGs, both
/// open to the internet on 10257 (the PC100 examples), named as a live read
/// names them.
fn documents() -> CloudDocuments {
    CloudDocuments {
        documents: vec![
            (
                "azure/00000000-0000-0000-0000-000000000000/az-network-nsg-list.json".into(),
                fixture("PC100/bad/az-network-nsg-list.json"),
            ),
            (
                "aws/123456789012/eu-west-1/ec2-describe-security-groups.json".into(),
                fixture("PC100/bad/aws-describe-security-groups.json"),
            ),
        ],
        failures: Vec::new(),
        saved: None,
    }
}

fn scan(paths: &[PathBuf], cloud: Option<&CloudDocuments>) -> Run {
    let queries: Vec<PortQuery> = registry::family(FamilyKind::Port)
        .flat_map(|rule| {
            rule.ports()
                .iter()
                .flat_map(move |&(a, b)| (a..=b).map(move |port| PortQuery { port, protocol: Protocol::TCP, rule }))
        })
        .collect();
    portcullis_pipeline::scan(&ScanRequest {
        reading: Reading {
            paths,
            terraform: &TerraformInputs::default(),
            options: &ReadOptions::default(),
            parameter_files: &[],
            documents: &[],
            cloud,
        },
        queries: &queries,
        authorized: &Authorized::default(),
        timings: false,
    })
}

/// The text report (with its snippets) and the exit code.
fn report(run: Run, dir: &Path) -> (String, u8) {
    let out = dir.join("report.txt");
    let destinations = [Destination { format: Format::Text, path: Some(out.clone()) }];
    let output = Output { destinations: &destinations, color: false, quiet: false };
    let finished = finish(run, &Policy::default(), &output).expect("a report");
    (std::fs::read_to_string(&out).expect("the report"), finished.code)
}

#[test]
fn documents_are_read_as_their_files_and_a_saved_folder_gives_the_same_report() {
    let work = tempfile::tempdir().unwrap();
    let live = scan(&[], Some(&documents()));
    assert!(live.errors.is_empty(), "{:?}", live.errors);
    assert_eq!(live.files_read, 2);
    let files: Vec<String> = live.findings.iter().map(|f| f.file.clone()).collect();
    assert!(files.iter().any(|f| f == "aws/123456789012/eu-west-1/ec2-describe-security-groups.json"), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("azure/")), "{files:?}");
    let (unsaved, _) = report(live, work.path());
    // The snippets come from memory: there is no such file to read back.
    assert!(unsaved.contains("> 13 |                             \"CidrIp\": \"0.0.0.0/0\","), "{unsaved}");

    let snapshot = work.path().join("snapshot");
    let mut saved = documents();
    saved.save(&snapshot);
    assert!(saved.failures.is_empty(), "{:?}", saved.failures);
    assert_eq!(saved.saved.as_ref().map(|s| s.files.len()), Some(2));
    assert_eq!(
        std::fs::read_to_string(snapshot.join("aws/123456789012/eu-west-1/ec2-describe-security-groups.json")).unwrap(),
        *fixture("PC100/bad/aws-describe-security-groups.json")
    );
    let (live_saved, live_code) = report(scan(&[], Some(&saved)), work.path());
    let (from_disk, disk_code) = report(scan(std::slice::from_ref(&snapshot), None), work.path());
    assert_eq!(live_saved, from_disk);
    assert_eq!(live_code, disk_code);
    assert_eq!(live_saved.replace(&format!("{}/", snapshot.display()), ""), unsaved);
}

#[test]
fn the_save_folder_is_not_read_by_the_run_that_writes_it() {
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("project");
    let snapshot = project.join("snapshot");
    // An earlier save, and a file of the project's own.
    let mut earlier = documents();
    earlier.save(&snapshot);
    std::fs::write(project.join("gcloud.json"), &*fixture("PC100/bad/gcloud-firewall-rules-list.json")).unwrap();

    let mut now = documents();
    now.save(&snapshot);
    let run = scan(std::slice::from_ref(&project), Some(&now));
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    // The project's file and this run's two documents; the folder's files
    // are this run's documents, not a second copy of them.
    assert_eq!(run.files_read, 3);
    let mut files: Vec<&str> = run.findings.iter().map(|f| f.file.as_str()).collect();
    files.dedup();
    let aws = snapshot.join("aws/123456789012/eu-west-1/ec2-describe-security-groups.json");
    let alone = scan(&[], Some(&now));
    let aws_findings = |run: &Run| run.findings.iter().filter(|f| Path::new(&f.file) == aws).count();
    assert!(aws_findings(&alone) > 0);
    assert_eq!(aws_findings(&run), aws_findings(&alone));

    // No output replaces a saved file.
    let refused = run.read.check_output("-o", &aws);
    assert!(refused.is_err(), "an output onto a saved document must be refused");
    assert!(run.read.check_output("-o", &project.join("report.json")).is_ok());

    // A path named inside the folder is refused before anything is read.
    for inside in [snapshot.clone(), snapshot.join("aws"), aws.clone()] {
        let error = check_save_dir(std::slice::from_ref(&inside), &snapshot).expect_err("inside the save folder");
        assert!(error.to_string().contains("in a later one"), "{error}");
    }
    assert!(check_save_dir(&[project.clone(), project.join("gcloud.json")], &snapshot).is_ok());
    assert!(check_save_dir(std::slice::from_ref(&snapshot), &work.path().join("not yet")).is_ok());
}

#[test]
fn failed_calls_and_failed_writes_are_input_errors_and_the_rest_is_read() {
    let work = tempfile::tempdir().unwrap();
    let mut cloud = documents();
    cloud.failures.push(Failure {
        place: "aws account 123456789012 ap-south-2".into(),
        message:
            "ec2:DescribeSecurityGroups: AuthFailure: AWS was not able to validate the provided access credentials"
                .into(),
    });
    // A file where the save folder's `aws` directory would go.
    let snapshot = work.path().join("snapshot");
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::write(snapshot.join("aws"), "in the way").unwrap();
    cloud.save(&snapshot);
    assert_eq!(cloud.failures.len(), 2, "{:?}", cloud.failures);
    assert_eq!(cloud.saved.as_ref().map(|s| s.files.len()), Some(1));
    let run = scan(&[], Some(&cloud));
    let errors: Vec<String> = run.errors.iter().map(|e| format!("{}: {}", e.file, e.message)).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("aws account 123456789012 ap-south-2: ec2:DescribeSecurityGroups: ")));
    assert!(errors.iter().any(|e| e.contains("ec2-describe-security-groups.json") && e.contains("cannot write")));
    // Both documents were still read: the one that could not be written
    // under the name it would have had.
    assert_eq!(run.files_read, 2);
    let (_, code) = report(run, work.path());
    assert_eq!(code, 2);
}
