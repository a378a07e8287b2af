//! The `[[suppress]]` entries of `portcullis.toml`, as the rules crate's
//! waivers. Inline suppressions and the day that judges expiry are the
//! pipeline's (`portcullis_pipeline::suppressions`).

use crate::config::Config;
use anyhow::{bail, Result};
use portcullis_files::display::shows_nothing;
use portcullis_ingest::suppress::valid_date;
use portcullis_rules::suppressions::{Scope, Waiver};
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
