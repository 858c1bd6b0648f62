//! Compact check storage (DESIGN.md §1, §4): a monitor's checks of one UTC hour are the entries
//! of one text *block*, appended to by one statement per check.
//!
//! Pure: encoding, decoding and the rule that says which checks need a full row. The store
//! writes and reads the text; nothing here does I/O.
//!
//! # Entries
//!
//! Every recorded check is one entry of its hour's block, whatever its outcome, so the block is
//! the one place that knows which slots of the hour are taken (a redelivered job finds its slot
//! there and its batch aborts). An entry is
//!
//! ```text
//! ;<slot - block start>:<started_at - slot start, ms>:<latency ms or empty>[/<http status>][d|t|b][s][f]
//! ```
//!
//! * `;` starts every entry and `:` ends its slot offset, so `;<offset>:` occurs once per entry
//!   and nowhere else: a membership test is one `instr` (the table's trigger uses it);
//! * `/<status>` is written only for a *plain* entry whose HTTP status is not 200 (`/` alone: no
//!   status);
//! * `d` DOWN, `t` TIMEOUT, `b` BOT_DETECTED (no letter: UP), `s` slow;
//! * `f`: the check is not plain; its details (kind, attempts, HTTP status, failure) are a row of
//!   the `checks` table. The entry still carries what the timeline and rollups need (start,
//!   status, slow, latency), so they never read full rows.
//!
//! A plain check (the common case, ~13 bytes) is a scheduled UP check answered at the first
//! attempt: everything the API shows of it is in the entry (`kind` scheduled, `attempts` 1, no
//! failure).
use super::classify::Verdict;
use super::schedule::JobKind;
use super::status::CheckStatus;
use super::time::EpochMs;
use super::uptime::RawCheck;

/// A block spans one UTC hour of slots: `[start, start + BLOCK_SECONDS)`.
pub const BLOCK_SECONDS: i64 = 3600;

/// The block a slot belongs to (its start, epoch seconds).
pub fn block_start(slot: i64) -> i64 {
    slot.div_euclid(BLOCK_SECONDS) * BLOCK_SECONDS
}

/// One check as its block entry holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub slot: i64,
    pub started_ms: EpochMs,
    pub status: CheckStatus,
    pub slow: bool,
    pub latency_ms: Option<u32>,
    /// A plain entry's HTTP status (a full entry's is in its row, and reads as `None` here).
    pub http_status: Option<u16>,
    /// Not plain: the details are a `checks` row.
    pub full: bool,
}

/// Whether a check is plain: everything the API shows of it fits its entry.
pub fn is_plain(kind: JobKind, verdict: &Verdict, attempts: u32) -> bool {
    kind == JobKind::Scheduled
        && verdict.status == CheckStatus::Up
        && verdict.failure.is_none()
        && attempts == 1
}

impl Entry {
    /// The entry of a check about to be recorded.
    pub fn of(slot: i64, started_ms: EpochMs, verdict: &Verdict, plain: bool) -> Self {
        Entry {
            slot,
            started_ms,
            status: verdict.status,
            slow: verdict.slow,
            latency_ms: verdict.latency_ms,
            http_status: if plain { verdict.http_status } else { None },
            full: !plain,
        }
    }

    /// What rollups, the timeline and the overview read.
    pub fn raw(&self) -> RawCheck {
        RawCheck {
            at_ms: self.started_ms,
            status: self.status,
            slow: self.slow,
            latency_ms: self.latency_ms,
        }
    }

    /// The entry's text (see the module docs).
    pub fn encode(&self) -> String {
        let mut out = key(self.slot);
        out.push_str(&(self.started_ms - self.slot * 1000).to_string());
        out.push(':');
        if let Some(l) = self.latency_ms {
            out.push_str(&l.to_string());
        }
        if !self.full && self.http_status != Some(200) {
            out.push('/');
            if let Some(h) = self.http_status {
                out.push_str(&h.to_string());
            }
        }
        match self.status {
            CheckStatus::Up => {}
            CheckStatus::Down => out.push('d'),
            CheckStatus::Timeout => out.push('t'),
            CheckStatus::BotDetected => out.push('b'),
        }
        if self.slow {
            out.push('s');
        }
        if self.full {
            out.push('f');
        }
        out
    }
}

/// The text that marks a slot as taken in its block: `;<offset>:`.
pub fn key(slot: i64) -> String {
    format!(";{}:", slot - block_start(slot))
}

/// The entries of the block starting at `start`, by slot. An entry that does not parse (the
/// text is only ever written by [`Entry::encode`]) is skipped rather than failing the read.
pub fn decode(start: i64, data: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = data
        .split(';')
        .filter(|e| !e.is_empty())
        .filter_map(|e| parse(start, e))
        .collect();
    out.sort_by_key(|e| e.slot);
    out
}

fn parse(start: i64, text: &str) -> Option<Entry> {
    let (offset, rest) = text.split_once(':')?;
    let (dt, rest) = rest.split_once(':')?;
    let slot = start + offset.parse::<i64>().ok()?;
    let started_ms = slot * 1000 + dt.parse::<i64>().ok()?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let latency_ms = if digits == 0 {
        None
    } else {
        Some(rest[..digits].parse::<u32>().ok()?)
    };
    let mut rest = &rest[digits..];
    let mut http_status = Some(200);
    if let Some(after) = rest.strip_prefix('/') {
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        http_status = if n == 0 {
            None
        } else {
            Some(after[..n].parse::<u16>().ok()?)
        };
        rest = &after[n..];
    }
    let (mut status, mut slow, mut full) = (CheckStatus::Up, false, false);
    for flag in rest.chars() {
        match flag {
            'd' => status = CheckStatus::Down,
            't' => status = CheckStatus::Timeout,
            'b' => status = CheckStatus::BotDetected,
            's' => slow = true,
            'f' => full = true,
            _ => return None,
        }
    }
    if full {
        http_status = None;
    }
    Some(Entry {
        slot,
        started_ms,
        status,
        slow,
        latency_ms,
        http_status,
        full,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::failure::{Failure, FailureKind};

    fn entry(
        slot: i64,
        dt: i64,
        status: CheckStatus,
        slow: bool,
        latency: Option<u32>,
        http: Option<u16>,
        full: bool,
    ) -> Entry {
        Entry {
            slot,
            started_ms: slot * 1000 + dt,
            status,
            slow,
            latency_ms: latency,
            http_status: if full { None } else { http },
            full,
        }
    }

    #[test]
    fn entries_round_trip_through_text() {
        let h = 1_795_237_200; // an hour start (05:00 UTC)
        use CheckStatus::*;
        #[rustfmt::skip]
        let cases = [
            (entry(h, 1234, Up, false, Some(87), Some(200), false), ";0:1234:87"),
            (entry(h + 3599, 0, Up, true, Some(2500), Some(200), false), ";3599:0:2500s"),
            (entry(h + 60, -15, Up, false, Some(3), Some(204), false), ";60:-15:3/204"),
            (entry(h + 120, 7, Up, false, None, None, false), ";120:7:/"),
            (entry(h + 180, 40_000, Down, false, None, None, true), ";180:40000:df"),
            (entry(h + 181, 12, Timeout, false, None, None, true), ";181:12:tf"),
            (entry(h + 240, 12, BotDetected, false, Some(30), None, true), ";240:12:30bf"),
            (entry(h + 300, 12, Up, true, Some(900), None, true), ";300:12:900sf"),
        ];
        for (e, text) in cases {
            assert_eq!(e.encode(), text, "{e:?}");
            assert_eq!(decode(h, text), vec![e], "{text}");
        }
        let all: String = cases.iter().rev().map(|(e, _)| e.encode()).collect();
        let mut want: Vec<Entry> = cases.iter().map(|(e, _)| *e).collect();
        want.sort_by_key(|e| e.slot);
        assert_eq!(decode(h, &all), want, "sorted by slot");
    }

    #[test]
    fn garbage_entries_are_skipped() {
        let h = 3600;
        for bad in [
            ";x:1:2",
            ";1:",
            ";1:2",
            ";1:2:3q",
            ";1:2:99999999999",
            ";1:2:3/70000",
        ] {
            assert_eq!(decode(h, bad), vec![], "{bad}");
        }
        assert_eq!(decode(h, ";1:2:3q;5:0:1").len(), 1);
        assert_eq!(decode(h, ""), vec![]);
    }

    #[test]
    fn keys_are_unique_per_slot_and_found_only_at_entry_starts() {
        let h = 7200;
        let data: String = (0..60)
            .map(|i| {
                entry(
                    h + i * 60,
                    60 + i,
                    CheckStatus::Up,
                    false,
                    Some(60),
                    Some(200),
                    false,
                )
                .encode()
            })
            .collect();
        for i in 0..3600 {
            let taken = i % 60 == 0;
            assert_eq!(data.contains(&key(h + i)), taken, "offset {i}");
        }
        assert_eq!(block_start(h + 3599), h);
        assert_eq!(block_start(h - 1), h - 3600);
        assert_eq!(key(h + 61), ";61:");
    }

    #[test]
    fn plain_checks_are_scheduled_ups_at_the_first_attempt() {
        let up = Verdict {
            status: CheckStatus::Up,
            failure: None,
            slow: false,
            http_status: Some(200),
            latency_ms: Some(5),
        };
        let down = Verdict {
            status: CheckStatus::Down,
            failure: Some(Failure {
                kind: FailureKind::Status,
                reason: "status 503 not in [200]".into(),
            }),
            slow: false,
            http_status: Some(503),
            latency_ms: Some(5),
        };
        assert!(is_plain(JobKind::Scheduled, &up, 1));
        assert!(!is_plain(JobKind::Scheduled, &up, 2), "retried");
        assert!(!is_plain(JobKind::Recheck, &up, 1));
        assert!(!is_plain(JobKind::Manual, &up, 1));
        assert!(!is_plain(JobKind::Scheduled, &down, 1));
        let e = Entry::of(3600, 3_600_100, &up, true);
        assert_eq!((e.full, e.http_status), (false, Some(200)));
        let e = Entry::of(3600, 3_600_100, &down, false);
        assert_eq!(
            (e.full, e.http_status, e.status),
            (true, None, CheckStatus::Down)
        );
    }
}
