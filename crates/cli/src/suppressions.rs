//! The `[[suppress]]` entries of `portcullis.toml`, as the rules crate's
//! waivers. Inline suppressions and the day that judges expiry are the
//! pipeline's (`portcullis_pipeline::suppressions`).

use crate::config::Config;
use anyhow::{bail, Result};
use portcullis_ingest::suppress::valid_date;
use portcullis_rules::suppressions::{Scope, Waiver};
use portcullis_rules::SuppressionKind;

/// The suppressions of the config file; a refused entry is an error naming
/// the file, line and column.
pub fn from_config(cfg: &Config) -> Result<Vec<Waiver>> {
    let file = cfg.path.as_ref().map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| "portcullis.toml".into());
    let mut out = Vec::new();
    for (i, entry) in cfg.suppress.iter().enumerate() {
        let (line, column) = cfg.suppress_at.get(i).copied().unwrap_or((0, 0));
        let at = format!("{file}:{line}:{column}");
        let s = entry.get_ref();
        let mut codes: Vec<String> = s.rule.iter().chain(&s.rules).map(|c| c.trim().to_ascii_uppercase()).collect();
        codes.dedup();
        if codes.is_empty() {
            bail!("{at}: suppression names no rule: add `rule = \"PC100\"` or `rules = [...]`");
        }
        let Some(resource) = s.resource.as_deref().map(str::trim).filter(|r| !r.is_empty()) else {
            bail!(
                "{at}: suppression names no `resource` (the finding's resource as reports name it; `*` is a wildcard)"
            );
        };
        let reason = s.reason.as_deref().map(str::trim).unwrap_or_default();
        if reason.is_empty() {
            bail!("{at}: suppression of {} for {resource} has no `reason`: say why it is accepted", codes.join(","));
        }
        if let Some(d) = &s.expires {
            if !valid_date(d) {
                bail!("{at}: `expires = \"{d}\"` is not a date written YYYY-MM-DD");
            }
        }
        out.push(Waiver {
            codes,
            reason: reason.to_string(),
            expires: s.expires.clone(),
            kind: SuppressionKind::Config,
            scope: Scope::Resource(resource.to_string()),
            file: file.clone(),
            line,
            column,
        });
    }
    Ok(out)
}
