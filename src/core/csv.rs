//! Seed 002's check history as CSV: `timestamp, site_id, domain_id, domain_status, http_status,
//! latency_ms, failure_type`, one row per check, so its users keep their spreadsheets
//! (`GET /api/checks` with `Accept: text/csv`; DESIGN.md §8).
//!
//! RFC 4180: CRLF line ends, a header row, and a field with a comma, quote, CR or LF quoted with
//! inner quotes doubled. Text that a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, tab or CR: OWASP's CSV injection rule) is prefixed with `'`; only user-given text
//! (names) and reasons can start that way, never timestamps, slugs, statuses or numbers.

pub const MEDIA_TYPE: &str = "text/csv; charset=utf-8; header=present";
pub const SEED_002_COLUMNS: [&str; 7] = ["timestamp", "site_id", "domain_id", "domain_status", "http_status", "latency_ms", "failure_type"];

/// One check, in seed 002's terms: the site is the project (its slug), the domain the monitor
/// (its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord<'a> {
    /// ISO 8601 UTC.
    pub timestamp: &'a str,
    pub site_id: &'a str,
    pub domain_id: &'a str,
    /// UP, DOWN, BOT_DETECTED or TIMEOUT.
    pub domain_status: &'a str,
    /// Empty when no response arrived (seed 002's null).
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    pub failure_type: Option<&'a str>,
}

/// The header row and one row per record.
pub fn write<'a>(records: impl IntoIterator<Item = CheckRecord<'a>>) -> String {
    let mut out = String::new();
    push_row(&mut out, SEED_002_COLUMNS.iter().map(|c| c.to_string()));
    for r in records {
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        push_row(
            &mut out,
            [
                text(r.timestamp),
                text(r.site_id),
                text(r.domain_id),
                text(r.domain_status),
                number(r.http_status),
                number(r.latency_ms),
                r.failure_type.map(text).unwrap_or_default(),
            ]
            .into_iter(),
        );
    }
    out
}

fn push_row(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&quoted(&f));
    }
    out.push_str("\r\n");
}

/// A text field, defused for spreadsheets.
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn quoted(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal RFC 4180 reader, to prove what `write` produces parses back.
    fn parse(csv: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
        let mut chars = csv.chars().peekable();
        let mut in_quotes = false;
        while let Some(c) = chars.next() {
            match (in_quotes, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => in_quotes = false,
                (true, c) => field.push(c),
                (false, '"') => in_quotes = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "CR must be followed by LF outside quotes");
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        assert!(field.is_empty() && row.is_empty() && !in_quotes, "ends with CRLF");
        rows
    }

    #[test]
    fn seed_002_columns_escaped_and_parseable() {
        let records = [
            CheckRecord { timestamp: "2026-12-01T10:00:00.000Z", site_id: "shop", domain_id: "www", domain_status: "UP", http_status: Some(200), latency_ms: Some(87), failure_type: None },
            CheckRecord { timestamp: "2026-12-01T10:01:00.000Z", site_id: "shop", domain_id: "api, \"v2\"", domain_status: "DOWN", http_status: Some(503), latency_ms: Some(12), failure_type: Some("HTTP 503, expected 200\nbody: \"busy\"") },
            CheckRecord { timestamp: "2026-12-01T10:02:00.000Z", site_id: "blog", domain_id: "=HYPERLINK(\"x\")", domain_status: "TIMEOUT", http_status: None, latency_ms: None, failure_type: Some("-timed out") },
        ];
        let csv = write(records.clone());
        assert!(csv.starts_with("timestamp,site_id,domain_id,domain_status,http_status,latency_ms,failure_type\r\n"));
        let rows = parse(&csv);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.len() == 7), "{rows:?}");
        assert_eq!(rows[1], ["2026-12-01T10:00:00.000Z", "shop", "www", "UP", "200", "87", ""]);
        assert_eq!(rows[2][2], "api, \"v2\"");
        assert_eq!(rows[2][6], "HTTP 503, expected 200\nbody: \"busy\"");
        // Formula-looking text is defused; empty fields are seed 002's nulls.
        assert_eq!(rows[3][2], "'=HYPERLINK(\"x\")");
        assert_eq!(rows[3][6], "'-timed out");
        assert_eq!((rows[3][4].as_str(), rows[3][5].as_str()), ("", ""));
        assert_eq!(write([]), "timestamp,site_id,domain_id,domain_status,http_status,latency_ms,failure_type\r\n");
    }
}
