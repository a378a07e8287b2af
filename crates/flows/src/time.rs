//! Times as flow logs and `--since`/`--until` write them. Everything is
//! kept as Unix seconds; RFC 3339 is read and printed by the model's date
//! module (`portcullis_model::date`), which checks the calendar.

use crate::error::{Error, ErrorKind};
use portcullis_model::date;

/// A `--since`/`--until` value: Unix seconds, RFC 3339, or a day
/// (`YYYY-MM-DD`, midnight UTC).
pub fn parse_instant(text: &str) -> Result<i64, Error> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(seconds) = t.parse() {
            return Ok(seconds);
        }
    }
    date::parse_rfc3339(t).map_err(|e| ErrorKind::Time(e).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_model::ErrorKind as Calendar;

    #[test]
    fn instants() {
        assert_eq!(parse_instant("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_instant("2014-12-14T04:07:50Z"), Ok(1_418_530_070));
        assert_eq!(parse_instant("1970-01-02"), Ok(86_400));
        let calendar = |text: &str| match parse_instant(text) {
            Err(Error { kind: ErrorKind::Time(e) }) => Some(e.kind),
            _ => None,
        };
        assert!(matches!(calendar("2024-02-31"), Some(Calendar::NoSuchDay { .. })));
        assert_eq!(calendar("yesterday"), Some(Calendar::TimeShape));
        assert_eq!(calendar("99999999999999999999"), Some(Calendar::TimeShape));
    }
}
