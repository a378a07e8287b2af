//! Timestamps as flow logs write them: Unix seconds or milliseconds, and
//! RFC 3339 (GCP's `start_time`, Cloud Logging's `timestamp`). Everything is
//! kept as Unix seconds; printing goes back to RFC 3339 in UTC.

use portcullis_model::date::{civil_from_days, days_from_civil};

fn num(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |a, &b| a.checked_mul(10)?.checked_add(u32::from(b - b'0')))
}

/// Parses `2019-06-14T03:50:10.845445834Z`, `2019-06-14T03:50:10+02:00`
/// and `2019-06-14` (midnight UTC) into Unix seconds; fractions are cut.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let day = days_from_civil(i64::from(y), mo, d);
    if b.len() == 10 {
        return Some(day * 86_400);
    }
    if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, se) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(r) = rest.strip_prefix(b".") {
        let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &r[n..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), hh1, hh2, b':', mm1, mm2] => {
            let o = i64::from(num(&[*hh1, *hh2])?) * 3600 + i64::from(num(&[*mm1, *mm2])?) * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some(day * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(se) - offset)
}

/// Unix seconds as `2014-12-14T04:07:50Z`.
pub fn format_rfc3339(t: i64) -> String {
    let (day, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A `--since`/`--until` value: RFC 3339, a date, or Unix seconds.
pub fn parse_instant(s: &str) -> Option<i64> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    parse_rfc3339(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(parse_rfc3339("2014-12-14T04:07:50Z"), Some(1_418_530_070));
        assert_eq!(format_rfc3339(1_418_530_070), "2014-12-14T04:07:50Z");
        assert_eq!(parse_rfc3339("2019-06-14T03:50:10.845445834Z"), Some(1_560_484_210));
        assert_eq!(parse_rfc3339("2019-06-14T05:50:10+02:00"), Some(1_560_484_210));
        assert_eq!(parse_rfc3339("1970-01-01"), Some(0));
        assert_eq!(format_rfc3339(164_000_066), "1975-03-14T03:34:26Z");
        assert_eq!(parse_rfc3339("2019-13-14T03:50:10Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_instant("1700000000"), Some(1_700_000_000));
    }
}
