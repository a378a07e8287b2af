//! Every source of the AWS credential chain, each against a real or local
//! server: the instance metadata service (IMDSv2), the container endpoint,
//! IAM Identity Center's portal (the token `aws sso login` caches), and
//! roles assumed in moto's STS (profile chains, web identity), whose
//! `GetCallerIdentity` then names the role's account.

use portcullis_live::aws::credentials::{account_of, Chain};
use portcullis_live::aws::endpoint::{self, Resolver};
use portcullis_live::aws::profile::Profiles;
use portcullis_live::env::Env;
use portcullis_live::http::{Http, API_TIMEOUTS, METADATA_TIMEOUTS};
use portcullis_live::testing::fixtures::{json, Answer};
use portcullis_live::testing::{Moto, Route, TlsServer};
use std::collections::BTreeMap;
use std::path::Path;

fn env(home: &Path, vars: &[(&str, String)]) -> Env {
    let mut map: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    map.entry("AWS_CONFIG_FILE".into()).or_insert_with(|| home.join("config").display().to_string());
    map.entry("AWS_SHARED_CREDENTIALS_FILE".into()).or_insert_with(|| home.join("credentials").display().to_string());
    map.entry("AWS_EC2_METADATA_SERVICE_ENDPOINT".into()).or_insert_with(|| "http://127.0.0.1:9".into());
    Env { vars: map, home: Some(home.to_path_buf()) }
}

fn resolve(
    env: &Env,
    profile: Option<&str>,
) -> Result<portcullis_live::aws::credentials::Found, portcullis_live::LiveError> {
    let profiles = Profiles::load(env)?;
    let http = Http::new(None, API_TIMEOUTS)?;
    let metadata = Http::new(None, METADATA_TIMEOUTS)?;
    Chain { env, profiles: &profiles, http: &http, metadata_http: &metadata, region: "eu-west-1" }.resolve(profile)
}

fn keys(id: &str) -> serde_json::Value {
    serde_json::json!({"Code": "Success", "AccessKeyId": id, "SecretAccessKey": "secret", "Token": "session", "Expiration": "2099-01-01T00:00:00Z"})
}

#[test]
fn instance_metadata_v2() {
    let imds = TlsServer::plain(|r: &Route| -> Answer {
        match (r.method.as_str(), r.path()) {
            ("PUT", "/latest/api/token") if r.header("X-aws-ec2-metadata-token-ttl-seconds").is_some() => {
                (200, vec![], b"imds-session".to_vec())
            }
            (_, _) if r.header("X-aws-ec2-metadata-token") != Some("imds-session") => (401, vec![], Vec::new()),
            ("GET", "/latest/meta-data/iam/security-credentials/") => (200, vec![], b"node-role\n".to_vec()),
            ("GET", "/latest/meta-data/iam/security-credentials/node-role") => json(200, keys("ASIAIMDS")),
            ("GET", "/latest/meta-data/placement/region") => (200, vec![], b"ap-southeast-2".to_vec()),
            _ => (404, vec![], Vec::new()),
        }
    });
    let home = tempfile::tempdir().unwrap();
    let env = env(home.path(), &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())]);
    let found = resolve(&env, None).unwrap();
    assert_eq!(found.credentials.access_key_id, "ASIAIMDS");
    assert_eq!(found.credentials.session_token.as_deref(), Some("session"));
    assert!(found.source.contains("node-role"), "{}", found.source);
    let profiles = Profiles::load(&env).unwrap();
    let http = Http::new(None, API_TIMEOUTS).unwrap();
    let chain = Chain { env: &env, profiles: &profiles, http: &http, metadata_http: &http, region: "x" };
    assert_eq!(chain.instance_region(None).as_deref(), Some("ap-southeast-2"));
    // Switched off, it is not asked.
    let off = self::env(
        home.path(),
        &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()), ("AWS_EC2_METADATA_DISABLED", "true".into())],
    );
    let err = resolve(&off, None).unwrap_err();
    assert!(err.message.contains("no AWS credentials found"), "{err}");
}

#[test]
fn container_endpoint_with_its_token() {
    let server = TlsServer::plain(|r: &Route| -> Answer {
        if r.path() == "/v2/credentials/abc" && r.header("Authorization") == Some("container-secret") {
            json(200, keys("ASIACONTAINER"))
        } else {
            (403, vec![], Vec::new())
        }
    });
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, "container-secret\n").unwrap();
    let env = env(
        home.path(),
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", format!("{}/v2/credentials/abc", server.url())),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.display().to_string()),
        ],
    );
    assert_eq!(resolve(&env, None).unwrap().credentials.access_key_id, "ASIACONTAINER");
}

#[test]
fn sso_token_cache_and_portal() {
    let portal = TlsServer::plain(|r: &Route| -> Answer {
        let ok = r.path() == "/federation/credentials"
            && r.query("account_id") == Some("444455556666")
            && r.query("role_name") == Some("ReadOnly")
            && r.header("x-amz-sso_bearer_token") == Some("cached-access-token");
        if ok {
            json(
                200,
                serde_json::json!({"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "s", "sessionToken": "t", "expiration": 4_000_000_000_000u64}}),
            )
        } else {
            json(401, serde_json::json!({"message": "Session token not found or invalid"}))
        }
    });
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 444455556666\nsso_role_name = ReadOnly\nregion = eu-west-1\n\
         [sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
    )
    .unwrap();
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    // The cache file is named by the SHA-1 of the session name.
    let name = portcullis_live::aws::sigv4::hex(ring_sha1(b"corp").as_ref());
    let write_token = |expires: &str| {
        std::fs::write(
            cache.join(format!("{name}.json")),
            serde_json::json!({"accessToken": "cached-access-token", "expiresAt": expires, "region": "us-east-1"})
                .to_string(),
        )
        .unwrap()
    };
    write_token("2099-01-01T00:00:00Z");
    let env = env(home.path(), &[("AWS_ENDPOINT_URL_SSO", portal.url())]);
    let found = resolve(&env, Some("dev")).unwrap();
    assert_eq!(found.credentials.access_key_id, "ASIASSO");
    assert_eq!(found.credentials.expires, Some(4_000_000_000));
    write_token("2001-01-01T00:00:00Z");
    let err = resolve(&env, Some("dev")).unwrap_err();
    assert!(err.message.contains("aws sso login --profile dev"), "{err}");
}

fn ring_sha1(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref().to_vec()
}

#[test]
fn roles_assumed_in_moto() {
    let Some(moto) = Moto::shared() else { return };
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config"),
        "[profile base]\nregion = eu-west-1\n[profile audit]\nrole_arn = arn:aws:iam::333333333333:role/audit\nsource_profile = base\n\
         [profile chained]\nrole_arn = arn:aws:iam::444444444444:role/next\nsource_profile = audit\n\
         [profile mfa]\nrole_arn = arn:aws:iam::333333333333:role/audit\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/me\n\
         [profile loop1]\nrole_arn = arn:aws:iam::333333333333:role/a\nsource_profile = loop2\n\
         [profile loop2]\nrole_arn = arn:aws:iam::333333333333:role/b\nsource_profile = loop1\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join("credentials"),
        "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n",
    )
    .unwrap();
    let token = home.path().join("web-token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln").unwrap();
    let env = env(home.path(), &[("AWS_ENDPOINT_URL", moto.url())]);
    let http = Http::new(None, API_TIMEOUTS).unwrap();
    let sts = Resolver::new(&env, &Profiles::load(&env).unwrap(), None).endpoint(endpoint::STS, "eu-west-1");
    for (profile, account) in [("audit", "333333333333"), ("chained", "444444444444")] {
        let found = resolve(&env, Some(profile)).unwrap();
        assert_ne!(found.credentials.access_key_id, "AKIABASE");
        assert_eq!(account_of(&http, &sts, &found.credentials).unwrap(), account, "{profile}: {}", found.source);
    }
    assert!(resolve(&env, Some("mfa")).unwrap_err().message.contains("MFA"));
    assert!(resolve(&env, Some("loop1")).unwrap_err().message.contains("loops"));
    assert!(resolve(&env, Some("nope")).unwrap_err().message.contains("not in the AWS config"));
    // Web identity from the environment, as EKS sets it.
    let web = self::env(
        home.path(),
        &[
            ("AWS_ENDPOINT_URL", moto.url()),
            ("AWS_CONFIG_FILE", "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token.display().to_string()),
            ("AWS_ROLE_ARN", "arn:aws:iam::555555555555:role/irsa".into()),
        ],
    );
    let found = resolve(&web, None).unwrap();
    assert!(found.source.contains("web identity"), "{}", found.source);
    assert_eq!(account_of(&http, &sts, &found.credentials).unwrap(), "555555555555");
}
