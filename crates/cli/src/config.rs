//! `portcullis.toml`: the settings a team keeps beside its code.
//!
//! ```toml
//! ports = ["10257", "8080/tcp"]      # checked besides the built-in ports
//! authorized = ["10.0.0.0/8", "sg-0123456789abcdef0"]
//! fail_on = "high"
//!
//! [[suppress]]                       # see crate::suppressions
//! rules = ["PC100"]
//! resource = "sg-0123456789abcdef0"
//! reason = "vendor scrapes metrics until the VPN is up"
//! expires = "2026-12-31"
//! ```
//!
//! Found by walking up from the first scanned path; `--config FILE` names
//! one, `--no-config` ignores them.

use anyhow::{anyhow, bail, Result};
use portcullis_files::{InputKind, Origin};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "portcullis.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub ports: Vec<String>,
    #[serde(default)]
    pub authorized: Vec<String>,
    pub fail_on: Option<String>,
    /// Suppressions by resource and rule code.
    #[serde(default)]
    pub suppress: Vec<toml::Spanned<ConfigSuppression>>,
    /// Line and column of each `suppress` entry (for messages).
    #[serde(skip)]
    pub suppress_at: Vec<(u32, u32)>,
    /// Where it was read from (for messages).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// One `[[suppress]]` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSuppression {
    /// One code (`rule = "PC100"`) or several (`rules = [...]`).
    pub rule: Option<String>,
    #[serde(default)]
    pub rules: Vec<String>,
    /// The finding's resource as reports name it; `*` matches any run of characters.
    pub resource: Option<String>,
    pub reason: Option<String>,
    /// The last day it applies, `YYYY-MM-DD`.
    pub expires: Option<String>,
}

/// The nearest `portcullis.toml` in `start` or a parent directory.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(start).ok()?;
    let mut dir = if abs.is_dir() { Some(abs.as_path()) } else { abs.parent() };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

pub fn load(path: &Path) -> Result<Config> {
    let shown = path.to_string_lossy();
    let read = portcullis_files::read_text(path, &shown, Origin::Named, InputKind::Settings.limit())
        .map_err(|e| anyhow!("cannot read config file {e}"))?;
    if let Some(e) = read.not_utf8 {
        bail!("config file {e}");
    }
    let text = read.text;
    let mut cfg: Config = match toml::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            // toml's message carries line and column already.
            bail!("{}: {}", path.display(), e.to_string().trim_end());
        }
    };
    cfg.path = Some(path.to_path_buf());
    cfg.suppress_at = cfg
        .suppress
        .iter()
        .map(|s| {
            let before = &text[..s.span().start.min(text.len())];
            let line = before.matches('\n').count() as u32 + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            (line, col)
        })
        .collect();
    Ok(cfg)
}
