//! Dates, datetimes and durations as the format writes them.

use chrono::{DateTime, FixedOffset, NaiveDate};

/// `YYYY-MM-DD`, strictly.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// An RFC 3339 datetime.
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// A date or an RFC 3339 datetime (for `created` / `updated`).
pub fn is_date_or_datetime(s: &str) -> bool {
    parse_date(s).is_some() || parse_datetime(s).is_some()
}

/// `UTC`, `Z` or `+HH:MM` / `-HH:MM`.
pub fn parse_offset(s: &str) -> Option<FixedOffset> {
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// A lag or duration: `3d`, `1w`, `4h` (hours are fractions of an 8-hour day).
/// Returns days.
pub fn parse_lag(s: &str) -> Option<f64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: f64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    match unit {
        'd' => Some(n),
        'w' => Some(n * 5.0),
        'h' => Some(n / 8.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(parse_date("2026-11-30").is_some());
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-1-3").is_none());
        assert!(is_date_or_datetime("2026-11-30T10:00:00Z"));
        assert!(!is_date_or_datetime("tomorrow"));
    }

    #[test]
    fn lags() {
        assert_eq!(parse_lag("3d"), Some(3.0));
        assert_eq!(parse_lag("1w"), Some(5.0));
        assert_eq!(parse_lag("4h"), Some(0.5));
        assert_eq!(parse_lag("3x"), None);
        assert_eq!(parse_lag("-1d"), None);
        assert_eq!(parse_lag(""), None);
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("UTC").map(|o| o.local_minus_utc()), Some(0));
        assert_eq!(parse_offset("+01:30").map(|o| o.local_minus_utc()), Some(5400));
        assert_eq!(parse_offset("Europe/Paris"), None);
    }
}
