//! The AWS reader against moto's server (a real implementation of the EC2
//! and ELB APIs), with the AWS CLI beside it: every document the reader
//! makes must be byte for byte what `aws … --output json` prints against
//! the same server; paging, throttling, a refused region and two accounts
//! through `--role-arn` are exercised through a proxy that can refuse calls;
//! `--regions all` reads every region the account has enabled and names
//! the opt-in ones it has not. One moto server serves every test here, each
//! test in its own region or account. Skips with a notice without moto,
//! unless `PORTCULLIS_REQUIRE_MOTO` is set.

use portcullis_live::aws::{self, Options, Regions};
use portcullis_live::env::Env;
use portcullis_live::testing::{Moto, Proxy, Rule};
use portcullis_live::{Document, ErrorKind, Silent};
use std::collections::BTreeSet;

const ESTATE: &str = include_str!("estate.py");

fn env_for(moto: &Moto, endpoint: &str, region: &str) -> Env {
    let mut vars: std::collections::BTreeMap<String, String> = moto.client_env(region).into_iter().collect();
    vars.insert("AWS_ENDPOINT_URL".into(), endpoint.to_string());
    Env { vars, home: None }
}

fn build_estate(moto: &Moto, region: &str) -> serde_json::Value {
    let out = moto.python(&format!("import sys\nsys.argv = ['estate', {region:?}]\n{ESTATE}"));
    serde_json::from_str(out.lines().last().expect("the estate script prints its ids")).expect("ids as JSON")
}

fn doc<'a>(docs: &'a [Document], path: &str) -> &'a Document {
    docs.iter()
        .find(|d| d.path == path)
        .unwrap_or_else(|| panic!("no document {path}; have {:?}", docs.iter().map(|d| &d.path).collect::<Vec<_>>()))
}

#[test]
fn every_document_is_what_the_aws_cli_prints() {
    let Some(moto) = Moto::shared() else { return };
    let region = "eu-west-1";
    let ids = build_estate(moto, region);
    let env = env_for(moto, &moto.url(), region);
    let reading = aws::read(&Options::default(), &env, &Silent);
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    let base = format!("aws/123456789012/{region}");
    let pl = ids["prefix_list"].as_str().unwrap();
    let tg = ids["target_group"].as_str().unwrap();
    let lb = ids["load_balancer"].as_str().unwrap();
    let tg_file = format!("{}.json", portcullis_live::aws::calls::file_stem(tg));
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("ec2-describe-security-groups.json".into(), vec!["ec2", "describe-security-groups"]),
        ("ec2-describe-network-acls.json".into(), vec!["ec2", "describe-network-acls"]),
        ("ec2-describe-instances.json".into(), vec!["ec2", "describe-instances"]),
        ("ec2-describe-network-interfaces.json".into(), vec!["ec2", "describe-network-interfaces"]),
        ("ec2-describe-managed-prefix-lists.json".into(), vec!["ec2", "describe-managed-prefix-lists"]),
        (
            format!("ec2-get-managed-prefix-list-entries/{pl}.json"),
            vec!["ec2", "get-managed-prefix-list-entries", "--prefix-list-id", pl],
        ),
        ("ec2-describe-route-tables.json".into(), vec!["ec2", "describe-route-tables"]),
        ("ec2-describe-internet-gateways.json".into(), vec!["ec2", "describe-internet-gateways"]),
        (
            "ec2-describe-egress-only-internet-gateways.json".into(),
            vec!["ec2", "describe-egress-only-internet-gateways"],
        ),
        ("ec2-describe-nat-gateways.json".into(), vec!["ec2", "describe-nat-gateways"]),
        ("ec2-describe-addresses.json".into(), vec!["ec2", "describe-addresses"]),
        ("ec2-describe-subnets.json".into(), vec!["ec2", "describe-subnets"]),
        ("ec2-describe-vpcs.json".into(), vec!["ec2", "describe-vpcs"]),
        ("elbv2-describe-load-balancers.json".into(), vec!["elbv2", "describe-load-balancers"]),
        ("elbv2-describe-listeners.json".into(), vec!["elbv2", "describe-listeners", "--load-balancer-arn", lb]),
        ("elbv2-describe-target-groups.json".into(), vec!["elbv2", "describe-target-groups"]),
        (
            format!("elbv2-describe-target-health/{tg_file}"),
            vec!["elbv2", "describe-target-health", "--target-group-arn", tg],
        ),
        ("elb-describe-load-balancers.json".into(), vec!["elb", "describe-load-balancers"]),
    ];
    let mut compared = BTreeSet::new();
    for (file, args) in &cases {
        let path = format!("{base}/{file}");
        let ours = doc(&reading.documents, &path);
        let cli = moto.aws(region, args);
        assert!(cli.len() > 20, "the CLI printed little for {args:?}: {cli}");
        if ours.text != cli {
            let line = ours.text.lines().zip(cli.lines()).position(|(a, b)| a != b);
            panic!(
                "{path} differs from `aws {}` at line {line:?}:\n--- ours\n{}\n--- cli\n{}",
                args.join(" "),
                ours.text,
                cli
            );
        }
        compared.insert(path);
    }
    // Nothing read that was not compared (prefix lists moto makes itself
    // have entries files too: each compared the same way).
    for d in &reading.documents {
        if compared.contains(&d.path) {
            continue;
        }
        let id = d
            .path
            .strip_prefix(&format!("{base}/ec2-get-managed-prefix-list-entries/"))
            .and_then(|f| f.strip_suffix(".json"))
            .unwrap_or_else(|| panic!("uncompared document {}", d.path));
        assert_eq!(d.text, moto.aws(region, &["ec2", "get-managed-prefix-list-entries", "--prefix-list-id", id]));
    }
    let s = &reading.summary;
    assert_eq!(s.scopes.get("regions"), Some(&1));
    let count = |noun: &str| s.items.iter().find(|(k, _)| *k == noun).map(|(_, v)| *v);
    assert_eq!(count("instances"), Some(2));
    assert_eq!(count("load balancers"), Some(1));
    assert_eq!(count("listeners"), Some(1));
    assert_eq!(count("registered targets"), Some(2));
}

#[test]
fn pages_throttling_and_a_refused_region() {
    let Some(moto) = Moto::shared() else { return };
    // Its own region of the shared server: eu-central-1.
    // More instances than a page holds (7 reservations a page here; moto
    // pages DescribeInstances, not DescribeSecurityGroups), and groups.
    moto.python(
        "ec2 = client('ec2', 'eu-central-1')\n\
         image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']\n\
         for i in range(15):\n    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)\n\
         for i in range(40):\n    ec2.create_security_group(GroupName=f'g{i}', Description='d')\n",
    );
    let proxy = Proxy::start(
        moto.port,
        vec![
            Rule::Throttle { action: "DescribeSecurityGroups".into(), times: 2 },
            Rule::Throttle { action: "DescribeLoadBalancers".into(), times: 1 },
            Rule::DenyRegion { region: "ap-south-2".into() },
        ],
    );
    let env = env_for(moto, &proxy.url(), "eu-central-1");
    let options = Options {
        regions: Regions::List(vec!["eu-central-1".into(), "ap-south-2".into()]),
        page_size: Some(7),
        ..Options::default()
    };
    let reading = aws::read(&options, &env, &Silent);
    // The refused region: one error per call, each naming region and call.
    assert!(!reading.errors.is_empty());
    for e in &reading.errors {
        assert_eq!(e.kind, ErrorKind::Denied, "{e}");
        assert!(e.place.as_deref().is_some_and(|p| p.ends_with("ap-south-2")), "{e}");
        assert!(e.to_string().contains("UnauthorizedOperation") || e.to_string().contains("AccessDenied"), "{e}");
    }
    let failed_calls: BTreeSet<String> = reading.errors.iter().filter_map(|e| e.call.clone()).collect();
    assert!(failed_calls.contains("ec2:DescribeSecurityGroups"), "{failed_calls:?}");
    assert!(failed_calls.contains("elbv2:DescribeLoadBalancers"), "{failed_calls:?}");
    assert!(reading.documents.iter().all(|d| !d.path.contains("ap-south-2")));
    // The readable region is whole, every page read once.
    let groups = doc(&reading.documents, "aws/123456789012/eu-central-1/ec2-describe-security-groups.json");
    let parsed: serde_json::Value = serde_json::from_str(&groups.text).unwrap();
    let names: BTreeSet<&str> =
        parsed["SecurityGroups"].as_array().unwrap().iter().map(|g| g["GroupName"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 41, "40 groups and the default one");
    assert_eq!(groups.text, moto.aws("eu-central-1", &["ec2", "describe-security-groups"]));
    let seen = proxy.seen();
    let requests = |action: &str| -> Vec<_> {
        seen.iter().filter(|s| s.action == action && s.region == "eu-central-1").cloned().collect()
    };
    let sg_requests = requests("DescribeSecurityGroups");
    assert_eq!(sg_requests.len(), 3, "two throttled attempts, then the answer");
    assert_eq!(sg_requests.iter().filter(|s| s.status == 200).count(), 1);
    let pages: Vec<_> = requests("DescribeInstances");
    assert!(pages.iter().all(|s| s.status == 200));
    assert_eq!(pages.len(), 15usize.div_ceil(7), "one request a page");
    let bodies: BTreeSet<&str> = pages.iter().map(|s| s.body.as_str()).collect();
    assert_eq!(bodies.len(), pages.len(), "no page fetched twice");
    let instances = doc(&reading.documents, "aws/123456789012/eu-central-1/ec2-describe-instances.json");
    assert_eq!(instances.text, moto.aws("eu-central-1", &["ec2", "describe-instances"]));
    assert_eq!(instances.text.matches("\"InstanceId\"").count(), 15);
    assert_eq!(requests("DescribeLoadBalancers").len(), 2 + 1, "ELBv2 throttled once, then the answer; classic once");
    assert!(reading.documents.iter().any(|d| d.path.ends_with("eu-central-1/elbv2-describe-load-balancers.json")));
}

#[test]
fn two_accounts_through_role_arns() {
    let Some(moto) = Moto::shared() else { return };
    // A group in each account, made with that account's assumed role.
    moto.python(
        "sts = client('sts', 'eu-west-1')\n\
         for account in ['111111111111', '222222222222']:\n    \
         c = sts.assume_role(RoleArn=f'arn:aws:iam::{account}:role/audit', RoleSessionName='setup')['Credentials']\n    \
         ec2 = client('ec2', 'eu-west-1', key=c['AccessKeyId'], secret=c['SecretAccessKey'], token=c['SessionToken'])\n    \
         ec2.create_security_group(GroupName=f'only-in-{account}', Description='d')\n",
    );
    let env = env_for(moto, &moto.url(), "eu-west-1");
    let options = Options {
        role_arns: vec!["arn:aws:iam::111111111111:role/audit".into(), "arn:aws:iam::222222222222:role/audit".into()],
        ..Options::default()
    };
    let reading = aws::read(&options, &env, &Silent);
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    for (account, other) in [("111111111111", "222222222222"), ("222222222222", "111111111111")] {
        let d = doc(&reading.documents, &format!("aws/{account}/eu-west-1/ec2-describe-security-groups.json"));
        assert!(d.text.contains(&format!("only-in-{account}")), "{}", d.text);
        assert!(!d.text.contains(&format!("only-in-{other}")), "{}", d.text);
        assert!(d.text.contains(&format!("\"OwnerId\": \"{account}\"")), "{}", d.text);
    }
    assert_eq!(reading.summary.scopes.get("regions"), Some(&2));
}

#[test]
fn all_regions_reads_the_enabled_ones_and_names_the_others() {
    let Some(moto) = Moto::shared() else { return };
    // Its own account of the shared server, through an assumed role.
    let account = "333333333333";
    let role = format!("arn:aws:iam::{account}:role/audit");
    moto.python(&format!(
        "sts = client('sts', 'eu-west-1')\n\
         c = sts.assume_role(RoleArn='{role}', RoleSessionName='setup')['Credentials']\n\
         ec2 = client('ec2', 'ap-northeast-3', key=c['AccessKeyId'], secret=c['SecretAccessKey'], token=c['SessionToken'])\n\
         ec2.create_security_group(GroupName='only-in-osaka', Description='d')\n"
    ));
    // What the AWS CLI lists, with each region's opt-in status. (moto lists
    // the GovCloud and China regions too, as not needing an opt-in; AWS
    // lists only its partition's.)
    let listed: serde_json::Value =
        serde_json::from_str(&moto.aws("eu-west-1", &["ec2", "describe-regions", "--all-regions"])).unwrap();
    let mut enabled = BTreeSet::new();
    let mut disabled = BTreeSet::new();
    for region in listed["Regions"].as_array().unwrap() {
        let name = region["RegionName"].as_str().unwrap().to_string();
        if region["OptInStatus"] == "not-opted-in" {
            disabled.insert(name);
        } else {
            enabled.insert(name);
        }
    }
    assert!(enabled.contains("ap-northeast-3") && !disabled.is_empty(), "{listed}");

    let env = env_for(moto, &moto.url(), "eu-west-1");
    let options = Options { regions: Regions::All, role_arns: vec![role], ..Options::default() };
    let reading = aws::read(&options, &env, &Silent);
    assert!(reading.errors.is_empty(), "{:?}", reading.errors);
    let read: BTreeSet<String> = reading
        .documents
        .iter()
        .filter_map(|d| d.path.strip_prefix(&format!("aws/{account}/"))?.split('/').next().map(str::to_string))
        .collect();
    assert_eq!(read, enabled, "every enabled region read, no other");
    assert_eq!(reading.summary.scopes.get("regions"), Some(&(enabled.len() as u64)));
    let names: Vec<&str> = disabled.iter().map(String::as_str).collect();
    assert_eq!(
        reading.notes,
        [format!(
            "aws account {account}: not read: {} opt-in regions the account has not enabled ({})",
            names.len(),
            names.join(", ")
        )]
    );
    let osaka = doc(&reading.documents, &format!("aws/{account}/ap-northeast-3/ec2-describe-security-groups.json"));
    assert!(osaka.text.contains("only-in-osaka"), "{}", osaka.text);
}
