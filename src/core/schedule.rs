//! Scheduling: the cron tick's slot, what a queue job carries, and deterministic check ids.
//!
//! Time (DESIGN.md §2): every instant is epoch milliseconds ([`EpochMs`]) and every integer
//! time column says so (`next_check_ms`, `rolled_up_until_ms`, `start_ms`), with one
//! exception: a check's *slot*, the whole epoch second it stands for. The slot is an identity
//! (the checks table's key with the monitor, and the public check id `{monitor}-{slot}`),
//! not a clock reading, so it stays in seconds and is always named `slot` (`opened_slot`,
//! `check_slot`). Instants become slots only through the functions below.
use serde::{Deserialize, Serialize};

use super::time::EpochMs;

/// The cron fires once a minute.
pub const TICK_SECONDS: i64 = 60;
/// Queue `send_batch` takes at most 100 messages per call.
pub const SEND_BATCH_MAX: usize = 100;

/// The minute a tick belongs to, in epoch seconds. Reserving by whole minutes (not by the tick's
/// exact time) keeps a 60 s monitor due on every tick even when ticks jitter by a few ms, and
/// makes a second tick in the same minute find nothing due.
pub fn tick_slot(now_ms: EpochMs) -> i64 {
    now_ms.div_euclid(1000 * TICK_SECONDS) * TICK_SECONDS
}

/// The slot of a check started at `ms` (manual runs and re-checks): the second it falls in.
pub fn slot_of(ms: EpochMs) -> i64 {
    ms.div_euclid(1000)
}

/// The first slot at or after the instant `ms`: `slot >= slot_at_or_after(t)` keeps the
/// checks that stand for a time not before `t`, and `slot < slot_at_or_after(t)` those before it.
pub fn slot_at_or_after(ms: EpochMs) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// The last slot at or before the instant `ms`.
pub fn slot_at_or_before(ms: EpochMs) -> i64 {
    ms.div_euclid(1000)
}

/// The instant a slot stands for.
pub fn slot_start_ms(slot: i64) -> EpochMs {
    slot * 1000
}

/// When a monitor checked in `slot` is next due.
pub fn next_due(slot: i64, interval_seconds: u32) -> i64 {
    slot + i64::from(interval_seconds)
}

/// When (epoch seconds) a re-check handed to the queue for `slot` counts as lost, so the cron
/// sends it again: a grace period after the slot plus the longest the check itself can take
/// (every attempt timing out), so a slow check still running is not sent twice.
pub fn recheck_lost_after(slot: i64, grace_s: u32, timeout_s: u32, retries: u32) -> i64 {
    slot + i64::from(grace_s) + i64::from(timeout_s) * (i64::from(retries) + 1)
}

/// Why a check runs. Part of the job so the record can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Reserved by the cron tick.
    Scheduled,
    /// Pulled forward to confirm a failure or a recovery.
    Recheck,
    /// `POST /api/monitors/{id}/run`.
    Manual,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Recheck => "recheck",
            Self::Manual => "manual",
        }
    }
}

/// One checks-queue message. Flat: serde-wasm-bindgen carries it, so no maps and no integers
/// beyond 2^53.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckJob {
    pub monitor_id: i64,
    /// Epoch seconds this check stands for; (monitor_id, slot) is the check's identity.
    pub slot: i64,
    pub kind: JobKind,
    /// The monitor's config as JSON, read by the tick in the same statement that reserved it.
    /// Carrying it lets the consumer start fetching at once instead of waiting on a D1 read;
    /// without it the consumer reads the config first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
}

impl CheckJob {
    /// The check row's public id. Deterministic, so a redelivered job maps to the same row.
    pub fn check_id(&self) -> String {
        check_id(self.monitor_id, self.slot)
    }
}

pub fn check_id(monitor_id: i64, slot: i64) -> String {
    format!("{monitor_id}-{slot}")
}

/// Parses a public check id back to (monitor_id, slot).
pub fn parse_check_id(id: &str) -> Option<(i64, i64)> {
    let (m, s) = id.split_once('-')?;
    Some((m.parse().ok()?, s.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_to_slots() {
        // (ms, slot_of, at_or_after, at_or_before)
        let cases = [
            (0, 0, 0, 0),
            (1, 0, 1, 0),
            (999, 0, 1, 0),
            (1000, 1, 1, 1),
            (1_795_238_700_123, 1_795_238_700, 1_795_238_701, 1_795_238_700),
            (-1, -1, 0, -1),
        ];
        for (ms, of, after, before) in cases {
            assert_eq!((slot_of(ms), slot_at_or_after(ms), slot_at_or_before(ms)), (of, after, before), "{ms}");
            assert!(slot_start_ms(slot_at_or_after(ms)) >= ms && slot_start_ms(slot_at_or_before(ms)) <= ms, "{ms}");
        }
        assert_eq!(slot_start_ms(tick_slot(1_795_238_759_999)), 1_795_238_700_000);
    }

    #[test]
    fn tick_slots_are_whole_minutes() {
        let cases = [
            (0, 0),
            (59_999, 0),
            (60_000, 60),
            (60_001, 60),
            (1_795_238_700_123, 1_795_238_700), // 05:25:00.123 -> 05:25:00
            (1_795_238_759_999, 1_795_238_700),
        ];
        for (ms, slot) in cases {
            assert_eq!(tick_slot(ms), slot, "{ms}");
        }
    }

    #[test]
    fn a_60s_monitor_is_due_on_every_tick_despite_jitter() {
        // Ticks that arrive 5 ms late or 5 ms early in their minute.
        let mut next = 0;
        let mut dispatched = 0;
        for minute in 0..10i64 {
            let jitter = if minute % 2 == 0 { 5 } else { 59_995 };
            let slot = tick_slot(minute * 60_000 + jitter);
            if next <= slot {
                dispatched += 1;
                next = next_due(slot, 60);
            }
            // A second tick in the same minute finds nothing due.
            assert!(next > tick_slot(minute * 60_000 + jitter + 1));
        }
        assert_eq!(dispatched, 10);
    }

    #[test]
    fn a_300s_monitor_is_due_every_fifth_tick() {
        let mut next = 0;
        let due: Vec<i64> = (0..15i64)
            .filter(|m| {
                let slot = tick_slot(m * 60_000);
                let is_due = next <= slot;
                if is_due {
                    next = next_due(slot, 300);
                }
                is_due
            })
            .collect();
        assert_eq!(due, vec![0, 5, 10]);
    }

    #[test]
    fn check_ids_round_trip() {
        let job = CheckJob { monitor_id: 42, slot: 1_795_238_700, kind: JobKind::Scheduled, spec: None };
        assert_eq!(job.check_id(), "42-1795238700");
        assert_eq!(parse_check_id(&job.check_id()), Some((42, 1_795_238_700)));
        for bad in ["", "42", "x-1", "42-", "-5x"] {
            assert_eq!(parse_check_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn job_serializes_flat() {
        let job = CheckJob { monitor_id: 1, slot: 60, kind: JobKind::Recheck, spec: None };
        assert_eq!(serde_json::to_string(&job).unwrap(), r#"{"monitor_id":1,"slot":60,"kind":"recheck"}"#);
        let back: CheckJob = serde_json::from_str(r#"{"monitor_id":1,"slot":60,"kind":"recheck"}"#).unwrap();
        assert_eq!(back, job);
    }

    #[test]
    fn a_recheck_is_lost_after_grace_plus_its_longest_run() {
        assert_eq!(recheck_lost_after(1_000, 120, 20, 3), 1_000 + 120 + 80);
        assert_eq!(recheck_lost_after(1_000, 5, 1, 0), 1_006);
        assert_eq!(recheck_lost_after(0, 3600, 30, 3), 3720);
    }
}
