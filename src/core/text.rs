//! Text for people: HTML/XML escaping and the escaping markup writer, durations, and dates.
//! One module serves the status page, the alert emails and the dashboard, so every page and
//! email escapes the same way and says "2h 5m" the same way.
//!
//! # Escaping
//!
//! [`Html`] is the only way public markup is built: its raw method takes `&'static str`
//! (literals in the source), and everything computed at run time goes through [`escape`]. So
//! user text cannot inject markup even by mistake. [`escape`] is safe for element content and
//! for single- or double-quoted attributes, in HTML and in XML (Atom feeds, SVG badges).
//!
//! # Dates
//!
//! Hand-rolled from the civil calendar (Howard Hinnant's days-to-civil algorithm) instead of
//! chrono's formatter: a 50-monitor status page formats thousands of dates and chrono's
//! formatter was most of its JSON time, and strftime would add tens of kilobytes of wasm. A
//! test checks [`iso`] against `time::iso` (chrono) over a wide range. All times are UTC.
use std::fmt::Write as _;

use super::time::EpochMs;

const DAY_MS: i64 = 86_400_000;

// ---------------------------------------------------------------------------
// Escaping and the markup writer

/// Escapes text for HTML and XML, in element content and in double- or single-quoted
/// attributes. Characters XML 1.0 forbids (C0 controls other than tab/newline/CR, U+FFFE,
/// U+FFFF) become U+FFFD so a feed or SVG badge always parses.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    out
}

/// [`escape`], appending to `out`.
pub fn escape_into(out: &mut String, s: &str) {
    // Byte scan: every character that needs replacing is ASCII, except U+FFFE/U+FFFF
    // (EF BF BE / EF BF BF). Splitting only at those bytes keeps every slice on a char
    // boundary, and text without specials is one copy.
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (rep, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&#39;", 1),
            b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b if b < 0x20 => ("\u{FFFD}", 1),
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => ("\u{FFFD}", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        i += len;
        start = i;
    }
    out.push_str(&s[start..]);
}

/// Markup writer. `r` (raw) only accepts `&'static str`, i.e. literals in the source; every
/// run-time string goes through `t`, which escapes. Integers are written with `n` (they cannot
/// contain markup).
pub struct Html(String);

/// Integers [`Html::n`] may write unescaped.
pub trait Int: std::fmt::Display {}
impl Int for i64 {}
impl Int for u16 {}
impl Int for u32 {}
impl Int for usize {}

impl Html {
    pub fn with_capacity(n: usize) -> Self {
        Html(String::with_capacity(n))
    }
    /// Raw markup: literals only.
    pub fn r(&mut self, s: &'static str) -> &mut Self {
        self.0.push_str(s);
        self
    }
    /// Text, escaped.
    pub fn t(&mut self, s: &str) -> &mut Self {
        escape_into(&mut self.0, s);
        self
    }
    /// An integer.
    pub fn n(&mut self, v: impl Int) -> &mut Self {
        let _ = write!(self.0, "{v}");
        self
    }
    /// `<time datetime="ISO">Nov 21, 05:25 UTC</time>`
    pub fn time(&mut self, ms: EpochMs) -> &mut Self {
        self.r("<time datetime=\"").t(&iso(ms)).r("\">").t(&short_utc(ms)).r("</time>")
    }
    /// The markup written so far.
    pub fn finish(self) -> String {
        self.0
    }
}

/// Percent-encodes one URL path segment (slugs are validated elsewhere; this keeps a
/// surprising one from breaking out of its segment).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Durations

/// `45s`, `12m`, `2h 5m`, `3d 4h`: two units at most, the precision a person wants on a
/// status page or in an alert. Negative durations read `0s`.
pub fn duration_secs(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{m}m")
    } else if s < 86_400 {
        if m == 0 { format!("{h}h") } else { format!("{h}h {m}m") }
    } else if h == 0 {
        format!("{d}d")
    } else {
        format!("{d}d {h}h")
    }
}

/// [`duration_secs`] of a span in milliseconds (whole seconds, truncated).
pub fn duration_ms(ms: i64) -> String {
    duration_secs(ms / 1000)
}

// ---------------------------------------------------------------------------
// Dates

/// A UTC timestamp split into fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub milli: u32,
}

/// Splits epoch milliseconds into calendar fields (proleptic Gregorian, UTC).
pub fn civil(ms: EpochMs) -> Civil {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS) as u32; // < 86_400_000
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: rem / 3_600_000,
        minute: rem / 60_000 % 60,
        second: rem / 1000 % 60,
        milli: rem % 1000,
    }
}

/// Appends `v` zero-padded to `width` digits (v < 10^width).
fn pad(out: &mut String, v: u32, width: u32) {
    let mut div = 10u32.pow(width.saturating_sub(1));
    while div > 0 {
        out.push(char::from(b'0' + (v / div % 10) as u8));
        div /= 10;
    }
}

/// Appends `sep` and then `v` as two digits.
fn sep2(out: &mut String, sep: char, v: u32) {
    out.push(sep);
    pad(out, v, 2);
}

/// "2026-11-21" (the date part every numeric format starts with).
fn push_date(out: &mut String, c: &Civil) {
    push_year(out, c.year);
    sep2(out, '-', c.month);
    sep2(out, '-', c.day);
}

/// The year, four digits for 0..=9999 and plain digits (with sign) outside.
fn push_year(out: &mut String, year: i64) {
    if (0..=9999).contains(&year) {
        pad(out, year as u32, 4);
    } else {
        let _ = write!(out, "{year}");
    }
}

/// "2026-11-21T05:25:00.123Z": the same text as `time::iso` (chrono), which it defers to
/// outside the years 0..=9999 that fixed-width ISO covers.
pub fn iso(ms: EpochMs) -> String {
    let c = civil(ms);
    if !(0..=9999).contains(&c.year) {
        return super::time::iso(ms);
    }
    let mut out = String::with_capacity(24);
    push_date(&mut out, &c);
    sep2(&mut out, 'T', c.hour);
    sep2(&mut out, ':', c.minute);
    sep2(&mut out, ':', c.second);
    out.push('.');
    pad(&mut out, c.milli, 3);
    out.push('Z');
    out
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "2026-11-21".
pub fn ymd(ms: EpochMs) -> String {
    let c = civil(ms);
    let mut out = String::with_capacity(10);
    push_date(&mut out, &c);
    out
}

/// "05:25".
pub fn hm(ms: EpochMs) -> String {
    let c = civil(ms);
    let mut out = String::with_capacity(5);
    pad(&mut out, c.hour, 2);
    sep2(&mut out, ':', c.minute);
    out
}

/// "Nov 21".
pub fn md(ms: EpochMs) -> String {
    let c = civil(ms);
    let month = MONTHS.get(c.month.saturating_sub(1) as usize).copied().unwrap_or("");
    let mut out = String::with_capacity(6);
    out.push_str(month);
    out.push(' ');
    let _ = write!(out, "{}", c.day);
    out
}

/// "Nov 21, 05:25 UTC": short, for pages that say the year elsewhere.
pub fn short_utc(ms: EpochMs) -> String {
    format!("{}, {} UTC", md(ms), hm(ms))
}

/// "2026-11-21 05:25:00 UTC": complete and explicit about the zone, for alerts.
pub fn full_utc(ms: EpochMs) -> String {
    let c = civil(ms);
    let mut out = String::with_capacity(23);
    push_date(&mut out, &c);
    sep2(&mut out, ' ', c.hour);
    sep2(&mut out, ':', c.minute);
    sep2(&mut out, ':', c.second);
    out.push_str(" UTC");
    out
}

/// "Aug 28", "Sep 3–20", "Aug 29–Sep 4": the days from `first` to `last`.
pub fn day_range(first: EpochMs, last: EpochMs) -> String {
    if first == last {
        return md(first);
    }
    let (a, b) = (civil(first), civil(last));
    if a.month == b.month && a.year == b.year {
        format!("{}–{}", md(first), b.day)
    } else {
        format!("{}–{}", md(first), md(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    /// 2026-11-21T05:25:30Z: 30 s into a minute.
    const NOW: i64 = 1_795_238_730_000;

    #[test]
    fn escape_table() {
        let cases = [
            ("plain", "plain"),
            ("<b>", "&lt;b&gt;"),
            ("a&b", "a&amp;b"),
            ("\"q\" 'q'", "&quot;q&quot; &#39;q&#39;"),
            ("tab\tnl\n", "tab\tnl\n"),
            ("bell\u{7}", "bell\u{FFFD}"),
            ("ünïcødé ✓", "ünïcødé ✓"),
            ("x\u{FFFE}y\u{FFFF}z\u{FFFD}", "x\u{FFFD}y\u{FFFD}z\u{FFFD}"),
            ("\u{EFBF}<", "\u{EFBF}&lt;"), // U+EFBF encodes as EE BE BF: not a match
            ("﾿<", "﾿&lt;"),              // U+FFBF is EF BE BF: kept
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want);
        }
    }

    #[test]
    fn writer_escapes_text_and_keeps_literals() {
        let mut h = Html::with_capacity(64);
        h.r("<p title=\"").t("a\"b<c>").r("\">").n(42i64).r(" ").n(7u16).r(" ").time(NOW).r("</p>");
        assert_eq!(
            h.finish(),
            "<p title=\"a&quot;b&lt;c&gt;\">42 7 <time datetime=\"2026-11-21T05:25:30.000Z\">Nov 21, 05:25 UTC</time></p>"
        );
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("acme-1_x.y~z"), "acme-1_x.y~z");
        assert_eq!(path_segment("a\"b/../c d"), "a%22b%2F..%2Fc%20d");
        assert_eq!(path_segment("ü"), "%C3%BC");
    }

    #[test]
    fn durations() {
        // (seconds, text): the status page's and the emails' cases, both.
        let cases = [
            (0, "0s"),
            (45, "45s"),
            (60, "1m"),
            (12 * 60 + 30, "12m"),
            (59 * 60 + 59, "59m"),
            (3600, "1h"),
            (3600 + 5 * 60, "1h 5m"),
            (125 * 60, "2h 5m"),
            (86_400, "1d"),
            (26 * 3600 + 59 * 60, "1d 2h"),
            (2 * 86_400 + 3 * 3600 + 59, "2d 3h"),
            (-5, "0s"),
        ];
        for (secs, want) in cases {
            assert_eq!(duration_secs(secs), want, "{secs}");
            assert_eq!(duration_ms(secs * 1000 + 999), want, "{secs} s + 999 ms");
        }
        assert_eq!(duration_ms(-5), "0s");
        assert_eq!(duration_ms(59_999), "59s");
    }

    #[test]
    fn fast_dates_match_chrono() {
        let mut t: i64 = -62_135_596_800_000; // 0001-01-01
        let mut step: i64 = 1;
        while t < 253_402_300_800_000 {
            // 9999-12-31 and beyond
            assert_eq!(iso(t), super::super::time::iso(t), "{t}");
            assert_eq!(ymd(t), super::super::time::iso(t)[..10], "{t}");
            t += step;
            step = step * 3 + 7_777; // geometric walk through all magnitudes
            if step > 40 * DAY_MS {
                step = 1 + step % (40 * DAY_MS);
            }
        }
        for t in [0, -1, NOW, NOW - NOW.rem_euclid(DAY_MS) - 1, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */] {
            assert_eq!(iso(t), super::super::time::iso(t), "{t}");
        }
        assert_eq!((hm(NOW), md(NOW), short_utc(NOW)), ("05:25".into(), "Nov 21".into(), "Nov 21, 05:25 UTC".to_string()));
        assert_eq!(day_range(NOW - 5 * DAY_MS, NOW), "Nov 16–21");
        assert_eq!(day_range(NOW - 25 * DAY_MS, NOW), "Oct 27–Nov 21");
        assert_eq!(day_range(NOW, NOW), "Nov 21");
    }

    #[test]
    fn full_utc_is_complete_and_matches_iso() {
        assert_eq!(full_utc(1_795_238_700_123), "2026-11-21 05:25:00 UTC");
        assert_eq!(full_utc(0), "1970-01-01 00:00:00 UTC");
        let mut t = -2 * 365 * DAY_MS;
        while t < 40 * 365 * DAY_MS {
            let i = iso(t);
            assert_eq!(full_utc(t), format!("{} {} UTC", &i[..10], &i[11..19]), "{t}");
            t += 7 * DAY_MS + 13 * MIN + 17_017;
        }
    }
}
