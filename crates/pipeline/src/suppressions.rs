//! Suppressions from both places they are written: comments in the inputs
//! (found while reading, `portcullis_ingest::suppress`) and `[[suppress]]`
//! entries of `portcullis.toml` (read by the caller), as the rules crate's
//! waivers; and the day that decides whether one has expired.

use crate::error::{Error, ErrorKind};
use crate::inputs::Loaded;
use portcullis_model::Date;
use portcullis_rules::suppressions::{Scope, Waiver};
use portcullis_rules::SuppressionKind;

/// Every inline suppression read, in file order, each once.
pub fn inline(loaded: &Loaded) -> Vec<Waiver> {
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
    out
}

/// Today: `PORTCULLIS_TODAY=YYYY-MM-DD` when set (tests, and reproducing
/// yesterday's CI run), else the clock (UTC). Read only when a suppression
/// has to be judged.
pub fn today() -> Result<Date, Error> {
    match std::env::var("PORTCULLIS_TODAY") {
        Ok(d) if !d.trim().is_empty() => {
            let d = d.trim();
            Date::parse(d).map_err(|_| ErrorKind::Today(d.to_string()).into())
        }
        _ => Ok(Date::today_utc()),
    }
}
