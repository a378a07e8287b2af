//! Dates and instants, the one place portcullis reads or prints them:
//! suppression expiry days and today's date, certificate validity, flow-log
//! times and `--since`/`--until`. The calendar is the `time` crate's
//! (proleptic Gregorian, years -9999 to 9999); this module fixes the shapes
//! portcullis accepts and prints.
//!
//! A day that is written well but is not in the calendar (`2024-02-31`,
//! `2023-02-29`) is an error, never rolled over into the next month.

use crate::error::{Error, ErrorKind};
use std::fmt;
use time::{Month, OffsetDateTime};

/// A calendar day, printed `YYYY-MM-DD`. Ordered by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

/// The number written in `digits`, when they are all ASCII digits.
fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| n.checked_mul(10)?.checked_add(u32::from(d - b'0')))
}

/// The day `YYYY-MM-DD` at the start of `text` (ten bytes); `shape` is the
/// error kind when it is not written so.
fn calendar_day(text: &str, shape: ErrorKind) -> Result<time::Date, Error> {
    let b = text.trim().as_bytes();
    let fields = (b.len() >= 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| Some((number(&b[0..4])?, number(&b[5..7])?, number(&b[8..10])?)))
        .flatten();
    let Some((year, month, day)) = fields else { return Err(Error::new(text, shape)) };
    // Four digits and two: all three fit their types.
    let (year, month, day) = (year as i32, month as u8, day as u8);
    Month::try_from(month)
        .and_then(|m| time::Date::from_calendar_date(year, m, day))
        .map_err(|_| Error::new(text, ErrorKind::NoSuchDay { year, month, day }))
}

impl Date {
    /// Reads `YYYY-MM-DD`, exactly: four-digit year, two-digit month and
    /// day, a day the calendar has.
    pub fn parse(text: &str) -> Result<Date, Error> {
        if text.len() != 10 {
            return Err(Error::new(text, ErrorKind::DateShape));
        }
        calendar_day(text, ErrorKind::DateShape).map(Date)
    }

    /// Today in UTC, by the system clock.
    pub fn today_utc() -> Date {
        Date(OffsetDateTime::now_utc().date())
    }

    /// The UTC day of a Unix time in seconds; `None` outside years -9999
    /// to 9999.
    pub fn of_unix(seconds: i64) -> Option<Date> {
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(|t| Date(t.date()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0.year(), u8::from(self.0.month()), self.0.day())
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time in seconds, as certificates' dates are
/// printed; the number itself outside years -9999 to 9999 (no certificate
/// can say such a date).
pub fn unix_day(seconds: i64) -> String {
    Date::of_unix(seconds).map_or_else(|| format!("{seconds} s after 1970"), |d| d.to_string())
}

/// Reads a time as RFC 3339 writes it, into Unix seconds:
/// `2019-06-14T03:50:10.845445834Z`, `2019-06-14T03:50:10+02:00`, a space
/// or a lower-case `t` for the `T`, or a day alone (`2019-06-14`, midnight
/// UTC). Fractions of a second are cut; a leap second (`:60`) counts as the
/// next second.
pub fn parse_rfc3339(text: &str) -> Result<i64, Error> {
    let shape = || Error::new(text, ErrorKind::TimeShape);
    let day = calendar_day(text, ErrorKind::TimeShape)?;
    let midnight = day.midnight().assume_utc().unix_timestamp();
    let b = text.trim().as_bytes();
    if b.len() == 10 {
        return Ok(midnight);
    }
    if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return Err(shape());
    }
    let (Some(hour), Some(minute), Some(second)) = (number(&b[11..13]), number(&b[14..16]), number(&b[17..19])) else {
        return Err(shape());
    };
    if hour > 23 || minute > 59 || second > 60 {
        return Err(shape());
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(shape());
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (Some(h), Some(m)) = (number(&[*h1, *h2]), number(&[*m1, *m2])) else { return Err(shape()) };
            let o = i64::from(h) * 3600 + i64::from(m) * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return Err(shape()),
    };
    Ok(midnight + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second) - offset)
}

/// Unix seconds as `2014-12-14T04:07:50Z`; `None` outside years -9999 to
/// 9999.
pub fn format_rfc3339(seconds: i64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    Some(format!("{}T{:02}:{:02}:{:02}Z", Date(t.date()), t.hour(), t.minute(), t.second()))
}

/// The month's English name, for messages (`February`).
pub(crate) fn month_name(month: u8) -> String {
    Month::try_from(month).map(|m| m.to_string()).unwrap_or_else(|_| format!("month {month}"))
}

/// How many days `month` of `year` has; `None` for a month that does not exist.
pub(crate) fn days_in_month(year: i32, month: u8) -> Option<u8> {
    Month::try_from(month).ok().map(|m| m.length(year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_the_calendar_is_checked() {
        for text in ["1970-01-01", "2000-02-29", "2028-02-29", "2026-12-31", "0001-01-01", "9999-12-31"] {
            assert_eq!(Date::parse(text).map(|d| d.to_string()), Ok(text.to_string()));
        }
        for (text, kind) in [
            ("2027-02-29", ErrorKind::NoSuchDay { year: 2027, month: 2, day: 29 }),
            ("2024-02-31", ErrorKind::NoSuchDay { year: 2024, month: 2, day: 31 }),
            ("2024-04-31", ErrorKind::NoSuchDay { year: 2024, month: 4, day: 31 }),
            ("2024-13-01", ErrorKind::NoSuchDay { year: 2024, month: 13, day: 1 }),
            ("2024-00-10", ErrorKind::NoSuchDay { year: 2024, month: 0, day: 10 }),
            ("2024-01-00", ErrorKind::NoSuchDay { year: 2024, month: 1, day: 0 }),
            ("2026-1-01", ErrorKind::DateShape),
            ("2026-01-01T00:00:00Z", ErrorKind::DateShape),
            ("2026/01/01", ErrorKind::DateShape),
            ("tomorrow", ErrorKind::DateShape),
            ("+026-01-01", ErrorKind::DateShape),
        ] {
            assert_eq!(Date::parse(text).map_err(|e| e.kind), Err(kind), "{text}");
        }
        assert!(Date::parse("2027-02-28").expect("valid") < Date::parse("2027-03-01").expect("valid"));
        assert_eq!(
            Date::parse("2024-02-31").expect_err("no such day").to_string(),
            "`2024-02-31` is not a day of the calendar: February 2024 has 29 days, not 31"
        );
        assert_eq!(
            Date::parse("2024-13-01").expect_err("no such month").to_string(),
            "`2024-13-01` is not a day of the calendar: there is no month 13"
        );
    }

    #[test]
    fn unix_days() {
        assert_eq!(unix_day(0), "1970-01-01");
        assert_eq!(unix_day(951_782_400), "2000-02-29");
        assert_eq!(unix_day(1_700_000_000), "2023-11-14");
        assert_eq!(unix_day(-1), "1969-12-31");
        assert_eq!(Date::of_unix(i64::MAX), None);
        assert_eq!(Date::today_utc().to_string().len(), 10);
    }

    #[test]
    fn rfc3339_round_trips() {
        assert_eq!(parse_rfc3339("2014-12-14T04:07:50Z"), Ok(1_418_530_070));
        assert_eq!(format_rfc3339(1_418_530_070).as_deref(), Some("2014-12-14T04:07:50Z"));
        assert_eq!(parse_rfc3339("2019-06-14T03:50:10.845445834Z"), Ok(1_560_484_210));
        assert_eq!(parse_rfc3339("2019-06-14T05:50:10+02:00"), Ok(1_560_484_210));
        assert_eq!(parse_rfc3339("2019-06-14 01:50:10-02:00"), Ok(1_560_484_210));
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60Z"), Ok(1_483_228_800));
        assert_eq!(parse_rfc3339(" 1970-01-01 "), Ok(0));
        assert_eq!(format_rfc3339(164_000_066).as_deref(), Some("1975-03-14T03:34:26Z"));
        assert_eq!(format_rfc3339(-1).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(format_rfc3339(i64::MAX), None);
        for bad in ["2019-13-14T03:50:10Z", "2024-02-31T00:00:00Z", "2024-02-31"] {
            assert!(matches!(parse_rfc3339(bad).map_err(|e| e.kind), Err(ErrorKind::NoSuchDay { .. })), "{bad}");
        }
        for bad in [
            "yesterday",
            "2019-06-14T24:00:00Z",
            "2019-06-14T03:50",
            "2019-06-14T03:50:10.Z",
            "2019-06-14T03:50:10+2:00",
        ] {
            assert_eq!(parse_rfc3339(bad).map_err(|e| e.kind), Err(ErrorKind::TimeShape), "{bad}");
        }
    }
}
