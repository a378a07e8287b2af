//! Suppressions from both places they are written: comments in the inputs
//! (found while reading, `portcullis_ingest::suppress`) and `[[suppress]]`
//! entries of `portcullis.toml`, turned into the rules crate's waivers.
//!
//! Today's date decides expiry: the system clock in UTC, or
//! `PORTCULLIS_TODAY=YYYY-MM-DD` (tests, and reproducing yesterday's CI run).

use crate::config::Config;
use crate::inputs::Loaded;
use anyhow::{bail, Result};
use portcullis_ingest::suppress::valid_date;
use portcullis_model::Date;
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

/// Every inline suppression read, then the config's.
pub fn collect(loaded: &Loaded, config: &[Waiver]) -> Vec<Waiver> {
    let mut out: Vec<Waiver> = loaded
        .outcomes
        .iter()
        .flat_map(|o| o.suppressions.iter())
        .map(|s| Waiver {
            codes: s.codes.clone(),
            reason: s.reason.clone(),
            expires: s.expires.clone(),
            kind: SuppressionKind::Inline,
            scope: Scope::Lines { file: s.span.file.to_string(), first: s.first_line, last: s.last_line },
            file: s.span.file.to_string(),
            line: s.span.line,
            column: s.span.column,
        })
        .collect();
    // A module directory read by two roots shows its comments twice.
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    out.dedup();
    out.extend(config.iter().cloned());
    out
}

/// Today: `PORTCULLIS_TODAY` when set, else the clock (UTC).
pub fn today() -> Result<Date> {
    match std::env::var("PORTCULLIS_TODAY") {
        Ok(d) if !d.trim().is_empty() => {
            let d = d.trim();
            match Date::parse(d) {
                Ok(day) => Ok(day),
                Err(_) => bail!("PORTCULLIS_TODAY=`{d}` is not a date written YYYY-MM-DD"),
            }
        }
        _ => Ok(Date::today_utc()),
    }
}
