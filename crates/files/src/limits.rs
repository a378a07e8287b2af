//! The largest input of each kind read into memory. A parser holds its
//! whole input and builds a tree several times its size (hcl-edit also
//! copies the whole text into an error it builds); an input over its limit
//! is refused with an error naming the file and the limit, before any
//! parser sees it, so no input can make an allocation fail and abort the
//! run. Flow logs in AWS's text format are streamed and have no limit.
//!
//! | input | limit | why this size |
//! |---|---|---|
//! | Terraform (`.tf`, `.tf.json`, `.tfvars`) | 64 MiB | hand-written configuration; the largest in the shared corpus is far below 1 MiB |
//! | YAML (CloudFormation, Kubernetes, `.template`, `.manifest`) | 64 MiB | CloudFormation accepts templates of at most 1 MB; rendered Helm charts are a few MiB |
//! | Bicep (`.bicep`, `.bicepparam`) | 64 MiB | hand-written source |
//! | JSON (CLI dumps, plans, ARM and CloudFormation JSON, parameters, baselines, JSON flow logs after decompression) | 2 GiB | a 100,000-group `describe-security-groups` dump is 660 MB; the parser's offsets address 4 GiB |
//! | settings (`portcullis.toml`, `probe --targets` files) | 16 MiB | a few lines each |

use std::path::Path;

const MIB: u64 = 1 << 20;

/// What an input is, as far as its size limit goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Terraform,
    Yaml,
    Bicep,
    Json,
    Settings,
}

impl InputKind {
    /// The kind a file's name says it is; JSON (the dumps, which are the
    /// large inputs) when the name says nothing.
    pub fn of_path(path: &Path) -> InputKind {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let ends = |suffixes: &[&str]| suffixes.iter().any(|s| name.ends_with(s));
        if ends(&[".tf", ".tf.json", ".tfvars", ".tfvars.json"]) {
            InputKind::Terraform
        } else if ends(&[".yaml", ".yml", ".template", ".manifest"]) {
            InputKind::Yaml
        } else if ends(&[".bicep", ".bicepparam"]) {
            InputKind::Bicep
        } else if name.ends_with(".toml") {
            InputKind::Settings
        } else {
            InputKind::Json
        }
    }

    /// The largest such input read, in bytes.
    pub const fn limit(self) -> u64 {
        match self {
            InputKind::Terraform | InputKind::Yaml | InputKind::Bicep => 64 * MIB,
            InputKind::Json => 2048 * MIB,
            InputKind::Settings => 16 * MIB,
        }
    }
}

/// `64 MiB`, `2 GiB`: a limit as people read it.
pub fn describe(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes & ((1 << 30) - 1) == 0 {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= MIB && bytes & (MIB - 1) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_name() {
        for (name, kind) in [
            ("main.tf", InputKind::Terraform),
            ("x/Main.TF.JSON", InputKind::Terraform),
            ("prod.auto.tfvars", InputKind::Terraform),
            ("stack.yml", InputKind::Yaml),
            ("kube-controller-manager.manifest", InputKind::Yaml),
            ("main.bicep", InputKind::Bicep),
            ("portcullis.toml", InputKind::Settings),
            ("sg.json", InputKind::Json),
            ("dump", InputKind::Json),
        ] {
            assert_eq!(InputKind::of_path(Path::new(name)), kind, "{name}");
        }
    }

    #[test]
    fn limits_read_as_people_write_them() {
        assert_eq!(describe(InputKind::Terraform.limit()), "64 MiB");
        assert_eq!(describe(InputKind::Json.limit()), "2 GiB");
        assert_eq!(describe(1000), "1000 bytes");
    }
}
