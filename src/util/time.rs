//! Dates, datetimes and durations as the format writes them.

use chrono::{DateTime, FixedOffset, NaiveDate};

/// `YYYY-MM-DD`, strictly.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    // Exactly `DDDD-DD-DD` (chrono alone would take `+202-01-01`), then a
    // real calendar date: the schema's `date` pattern says the same.
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    if !shape {
        return None;
    }
    // The digits read directly: what `parse_from_str(s, "%Y-%m-%d")` reads
    // of this shape, without reading the format string each time.
    let n = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
    NaiveDate::from_ymd_opt(n(0..4) as i32, n(5..7), n(8..10))
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

/// A lag or duration: a number of at most 9 digits before the point (any
/// after it), optional spaces, and a unit: `3d`, `1.5w`, `4 h` (hours are
/// fractions of an 8-hour day). Returns days. The same grammar as the
/// schema's `lag` pattern.
pub fn parse_lag(s: &str) -> Option<f64> {
    let unit = *s.as_bytes().last()?;
    let per_unit = match unit {
        b'd' => 1.0,
        b'w' => 5.0,
        b'h' => 1.0 / 8.0,
        _ => return None,
    };
    let num = s[..s.len() - 1].trim_end_matches(' ');
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (num, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || int.len() > 9 || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    num.parse::<f64>().ok().map(|n| n * per_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digits read directly agree with chrono's `%Y-%m-%d` on every
    /// string of the shape: leap days, month and day bounds, year 0.
    #[test]
    fn dates_read_as_chrono_reads_them() {
        let mut cases = vec!["0000-01-01".to_string(), "9999-12-31".to_string(), "2024-02-29".to_string()];
        for y in ["1900", "2000", "2023", "2024"] {
            for m in 0..=13 {
                for d in [0, 1, 28, 29, 30, 31, 32] {
                    cases.push(format!("{y}-{m:02}-{d:02}"));
                }
            }
        }
        for s in &cases {
            assert_eq!(parse_date(s), NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(), "{s}");
        }
    }

    #[test]
    fn dates() {
        assert!(parse_date("2026-11-30").is_some());
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-1-3").is_none());
        assert!(parse_date("+202-01-01").is_none());
        assert!(parse_date("-001-01-01").is_none());
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2100-02-29").is_none());
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
        assert_eq!(parse_lag("2.5 d"), Some(2.5));
        assert_eq!(parse_lag("999999999d"), Some(999_999_999.0));
        for bad in ["1000000000d", "+3d", ".5d", "3.d", " 3d", "1e3d", "infd", "NaNd", "3é", "é", "d", "3 x"] {
            assert_eq!(parse_lag(bad), None, "{bad}");
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("UTC").map(|o| o.local_minus_utc()), Some(0));
        assert_eq!(parse_offset("+01:30").map(|o| o.local_minus_utc()), Some(5400));
        assert_eq!(parse_offset("Europe/Paris"), None);
    }
}
