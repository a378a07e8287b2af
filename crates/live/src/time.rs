//! Times for signing dates and credential expiry: the clock, and RFC 3339
//! in and out of Unix seconds (the calendar is the model crate's).

pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Unix seconds of an RFC 3339 time (`2026-12-06T10:00:00Z`,
/// `…T10:00:00.123+01:00`, or with a space for the `T`, as the SSO token
/// cache and the metadata services write them); `None` before 1970.
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    portcullis_model::date::parse_rfc3339(s).ok().and_then(|t| u64::try_from(t).ok())
}

/// `YYYYMMDDTHHMMSSZ` for a Unix time (SigV4's `X-Amz-Date`).
pub fn amz_date(unix: u64) -> String {
    let text = i64::try_from(unix).ok().and_then(portcullis_model::date::format_rfc3339).unwrap_or_default();
    text.chars().filter(|c| !matches!(c, '-' | ':')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_rfc3339("2015-08-30T12:36:00Z"), Some(1_440_938_160));
        assert_eq!(parse_rfc3339("2015-08-30T13:36:00.250+01:00"), Some(1_440_938_160));
        assert_eq!(parse_rfc3339("2015-08-30 12:36:00"), Some(1_440_938_160));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(amz_date(0), "19700101T000000Z");
    }
}
