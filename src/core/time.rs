//! Time as data. The core never reads a clock: callers pass epoch milliseconds in (see
//! `crate::clock` for the one place that reads one) and this module formats and parses them.
use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch, UTC.
pub type EpochMs = i64;

/// `2026-11-21T05:25:00.123Z`: fixed width, so text order equals time order in D1 indexes.
pub fn iso(ms: EpochMs) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses RFC 3339 text (any offset) to epoch milliseconds.
pub fn parse_iso(text: &str) -> Option<EpochMs> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fixed_width_utc_with_millis() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_649_367_553_000, "2022-04-07T21:39:13.000Z"),
            (1_795_238_700_123, "2026-11-21T05:25:00.123Z"),
        ];
        for (ms, text) in cases {
            assert_eq!(iso(ms), text);
            assert_eq!(parse_iso(text), Some(ms));
        }
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        assert_eq!(parse_iso("2022-04-07T23:39:13+02:00"), Some(1_649_367_553_000));
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_iso(""), None);
    }
}
