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
use toml::Spanned;

pub const FILE_NAME: &str = "portcullis.toml";

/// The file's values keep where they were written ([`Config::at`]), so an
/// error about one names the file, line and column, not a flag.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub ports: Vec<Spanned<String>>,
    #[serde(default)]
    pub authorized: Vec<Spanned<String>>,
    pub fail_on: Option<Spanned<String>>,
    /// Suppressions by resource and rule code.
    #[serde(default)]
    pub suppress: Vec<Spanned<ConfigSuppression>>,
    /// Where it was read from (for messages).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// Byte offset where each line starts (for positions).
    #[serde(skip)]
    line_starts: Vec<usize>,
    #[serde(skip)]
    text: String,
}

/// One `[[suppress]]` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSuppression {
    /// One code (`rule = "PC100"`) or several (`rules = [...]`).
    pub rule: Option<Spanned<String>>,
    #[serde(default)]
    pub rules: Vec<String>,
    /// The finding's resource as reports name it; `*` matches any run of characters.
    pub resource: Option<String>,
    pub reason: Option<Spanned<String>>,
    /// The last day it applies, `YYYY-MM-DD`.
    pub expires: Option<Spanned<String>>,
}

impl Config {
    /// The file as messages name it.
    pub fn file(&self) -> String {
        self.path.as_ref().map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| FILE_NAME.into())
    }

    /// 1-based line and column (in characters) of a value of the file.
    pub fn position<T>(&self, value: &Spanned<T>) -> (u32, u32) {
        let offset = value.span().start.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line as u32, column as u32 + 1)
    }

    /// `file:line:column` of a value of the file, for messages.
    pub fn at<T>(&self, value: &Spanned<T>) -> String {
        let (line, column) = self.position(value);
        format!("{}:{line}:{column}", self.file())
    }
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
    cfg.line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    cfg.text = text;
    Ok(cfg)
}
