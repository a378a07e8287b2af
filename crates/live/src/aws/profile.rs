//! The AWS shared config and credentials files (`~/.aws/config`,
//! `~/.aws/credentials`, or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`),
//! read as the SDKs read them
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>):
//! `[profile NAME]` (or `[default]`) in the config file, `[NAME]` in the
//! credentials file, whose keys win; `[sso-session NAME]` and
//! `[services NAME]` sections; `key = value` lines, `#`/`;` comments, and
//! indented sub-properties under a key with no value (`ec2 =` then
//! `  endpoint_url = …`).

use crate::env::Env;
use crate::error::{ErrorKind, LiveError};
use std::collections::BTreeMap;
use std::path::Path;

pub type Section = BTreeMap<String, String>;

#[derive(Clone, Debug, Default)]
pub struct Profiles {
    pub profiles: BTreeMap<String, Section>,
    pub sso_sessions: BTreeMap<String, Section>,
    /// `[services NAME]`: per service id (`ec2`, `sts`…), its settings.
    pub services: BTreeMap<String, BTreeMap<String, Section>>,
}

/// One parsed file: (section header, keys), where a key with
/// sub-properties is stored as `key.sub`.
fn parse(text: &str, file: &Path) -> Result<Vec<(String, Section)>, LiveError> {
    let mut sections: Vec<(String, Section)> = Vec::new();
    let mut parent: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let bad = |what: &str| LiveError::new(ErrorKind::Config, format!("{}:{}: {what}", file.display(), n + 1));
        if let Some(header) = trimmed.strip_prefix('[') {
            let header = header.split(['#', ';']).next().unwrap_or("").trim_end();
            let Some(name) = header.strip_suffix(']') else { return Err(bad("a section header without `]`")) };
            sections.push((name.trim().to_string(), Section::new()));
            parent = None;
            continue;
        }
        let Some((_, section)) = sections.last_mut() else { return Err(bad("a setting before any [section]")) };
        let indented = line.starts_with([' ', '\t']);
        let Some((key, value)) = trimmed.split_once('=') else { return Err(bad("expected `key = value`")) };
        let key = key.trim().to_ascii_lowercase();
        // Inline comments need white space before them, as the SDKs read.
        let value = value.split(" #").next().unwrap_or("").split(" ;").next().unwrap_or("").trim().to_string();
        match (&parent, indented) {
            (Some(p), true) => {
                section.insert(format!("{p}.{key}"), value);
            }
            _ => {
                parent = value.is_empty().then(|| key.clone());
                section.insert(key, value);
            }
        }
    }
    Ok(sections)
}

fn read_file(path: &Path) -> Result<Option<String>, LiveError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LiveError::new(ErrorKind::Config, format!("cannot read {}: {e}", path.display()))),
    }
}

impl Profiles {
    pub fn load(env: &Env) -> Result<Profiles, LiveError> {
        let mut out = Profiles::default();
        if let Some(path) = env.path_or("AWS_CONFIG_FILE", ".aws/config") {
            if let Some(text) = read_file(&path)? {
                for (header, keys) in parse(&text, &path)? {
                    let mut words = header.split_whitespace();
                    match (words.next(), words.next()) {
                        (Some("default"), None) => merge(out.profiles.entry("default".into()).or_default(), keys),
                        (Some("profile"), Some(name)) => merge(out.profiles.entry(name.into()).or_default(), keys),
                        (Some("sso-session"), Some(name)) => {
                            merge(out.sso_sessions.entry(name.into()).or_default(), keys)
                        }
                        (Some("services"), Some(name)) => {
                            let services = out.services.entry(name.into()).or_default();
                            for (k, v) in keys {
                                if let Some((service, setting)) = k.split_once('.') {
                                    services.entry(service.into()).or_default().insert(setting.into(), v);
                                }
                            }
                        }
                        // Other sections (plugins, …) are not ours.
                        _ => {}
                    }
                }
            }
        }
        if let Some(path) = env.path_or("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials") {
            if let Some(text) = read_file(&path)? {
                for (header, keys) in parse(&text, &path)? {
                    merge(out.profiles.entry(header).or_default(), keys);
                }
            }
        }
        Ok(out)
    }

    pub fn get(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }
}

fn merge(into: &mut Section, keys: Section) {
    into.extend(keys);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_credentials_merge() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let creds = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = eu-west-1 # home\n[profile dev]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\nservices = local\n\
             [sso-session corp]\nsso_region = us-east-1\n[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:5000\n",
        )
        .unwrap();
        std::fs::write(&creds, "; keys\n[default]\naws_access_key_id = AKIA\naws_secret_access_key = s=cret\n")
            .unwrap();
        let env = Env {
            vars: [
                ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
                ("AWS_SHARED_CREDENTIALS_FILE".to_string(), creds.display().to_string()),
            ]
            .into(),
            home: None,
        };
        let p = Profiles::load(&env).unwrap();
        let default = p.get("default").unwrap();
        assert_eq!(default["region"], "eu-west-1");
        assert_eq!(default["aws_secret_access_key"], "s=cret");
        assert_eq!(p.get("dev").unwrap()["source_profile"], "default");
        assert_eq!(p.sso_sessions["corp"]["sso_region"], "us-east-1");
        assert_eq!(p.services["local"]["ec2"]["endpoint_url"], "http://127.0.0.1:5000");
        std::fs::write(&creds, "aws_access_key_id = x\n").unwrap();
        let err = Profiles::load(&env).unwrap_err();
        assert!(err.message.contains("credentials:1"), "{err}");
    }
}
