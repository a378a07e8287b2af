//! Suppressions from both places they are written: comments in the inputs
//! (found while reading, `portcullis_ingest::suppress`) and `[[suppress]]`
//! entries of `portcullis.toml`, turned into the rules crate's waivers.
//!
//! Today's date decides expiry: the system clock in UTC, or
//! `PORTCULLIS_TODAY=YYYY-MM-DD` (tests, and reproducing yesterday's CI run).

use crate::config::Config;
use crate::inputs::Loaded;
use anyhow::{bail, Result};
use portcullis_files::display::shows_nothing;
use portcullis_ingest::suppress::valid_date;
use portcullis_rules::suppress::{Scope, Waiver};
use portcullis_rules::SuppressionKind;

/// The suppressions of the config file; a refused entry is an error naming
/// the file, line and column.
pub fn from_config(cfg: &Config) -> Result<Vec<Waiver>> {
    let file = cfg.file();
    let mut out = Vec::new();
    for entry in &cfg.suppress {
        let (line, column) = cfg.position(entry);
        let at = cfg.at(entry);
        let s = entry.get_ref();
        if let (Some(rule), false) = (&s.rule, s.rules.is_empty()) {
            bail!(
                "{}: both `rule` and `rules` are set in one [[suppress]] entry: write every code in `rules`",
                cfg.at(rule)
            );
        }
        let mut codes: Vec<String> =
            s.rule.iter().map(|r| r.get_ref()).chain(&s.rules).map(|c| c.trim().to_ascii_uppercase()).collect();
        codes.dedup();
        if codes.is_empty() {
            bail!("{at}: suppression names no rule: add `rule = \"PC100\"` or `rules = [...]`");
        }
        let Some(resource) = s.resource.as_deref().map(str::trim).filter(|r| !r.is_empty()) else {
            bail!(
                "{at}: suppression names no `resource` (the finding's resource as reports name it; `*` is a wildcard)"
            );
        };
        let reason = s.reason.as_ref().map(|r| r.get_ref().trim()).unwrap_or_default();
        // Only invisible characters (a zero-width space) say nothing either.
        if shows_nothing(reason) {
            let at = s.reason.as_ref().map_or(at, |r| cfg.at(r));
            bail!("{at}: suppression of {} for {resource} has no `reason`: say why it is accepted", codes.join(","));
        }
        if let Some(d) = &s.expires {
            if !valid_date(d.get_ref()) {
                bail!("{}: `expires = \"{}\"` is not a date written YYYY-MM-DD", cfg.at(d), d.get_ref());
            }
        }
        out.push(Waiver {
            codes,
            reason: reason.to_string(),
            expires: s.expires.as_ref().map(|d| d.get_ref().clone()),
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

/// Today, `YYYY-MM-DD`: `PORTCULLIS_TODAY` when set, else the clock (UTC).
pub fn today() -> Result<String> {
    match std::env::var("PORTCULLIS_TODAY") {
        Ok(d) if !d.trim().is_empty() => {
            let d = d.trim().to_string();
            if !valid_date(&d) {
                bail!("PORTCULLIS_TODAY=`{d}` is not a date written YYYY-MM-DD");
            }
            Ok(d)
        }
        _ => Ok(portcullis_rules::suppress::today_utc()),
    }
}
