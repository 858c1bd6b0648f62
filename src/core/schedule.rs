//! Scheduling: the cron tick's slot, what a queue job carries, and deterministic check ids.
//!
//! Time (DESIGN.md §2): every instant is epoch milliseconds ([`EpochMs`]) and every integer
//! time column says so (`sched_pending_ms`, `rolled_up_until_ms`, `start_ms`), with one
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

/// The slot of a manual run asked for at `now`. A check is known by (monitor, slot), so a run in
/// the same second as the monitor's last check (a re-check lands on the second it was due) would
/// be taken for that check delivered again and silently dropped: it takes the second after the
/// last check's start, and steps over a re-check still due in that second.
pub fn manual_slot(now: EpochMs, last_checked: Option<EpochMs>, recheck_slot: Option<i64>) -> i64 {
    let mut slot = slot_of(now);
    if let Some(last) = last_checked {
        slot = slot.max(slot_of(last) + 1);
    }
    if recheck_slot == Some(slot) {
        slot += 1;
    }
    slot
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

/// Due-ness without per-monitor writes (DESIGN.md §3). A monitor's schedule is two fixed
/// numbers: its *period* in ticks (minutes) and its *phase*, so it is due on the tick of minute
/// `m` exactly when `(m - phase) mod period == 0`. Both change only when the monitor is created,
/// edited or resumed, never per check, so the tick writes nothing per monitor; one claim row per
/// tick stops a second tick of the same minute dispatching again.
///
/// The period: a 60 s monitor is due every tick, a 90 s one every 2nd (as before: due again
/// once its interval has passed, on the next whole minute), a 300 s one every 5th.
pub fn period_ticks(interval_seconds: u32) -> i64 {
    ((i64::from(interval_seconds) + TICK_SECONDS - 1) / TICK_SECONDS).max(1)
}

/// The tick minute (epoch minutes) of a tick slot or any instant in seconds.
pub fn minute_of(slot: i64) -> i64 {
    slot.div_euclid(TICK_SECONDS)
}

/// The slot (epoch seconds) of the tick of minute `minute`.
pub fn slot_of_minute(minute: i64) -> i64 {
    minute * TICK_SECONDS
}

/// The phase that makes a monitor due on the tick of `minute` (and every `period` after).
pub fn phase_at(minute: i64, period: i64) -> i64 {
    minute.rem_euclid(period.max(1))
}

/// Whether a monitor is due on a tick that covers the `window` minutes ending at `minute`
/// (window 1: just that tick; more after missed ticks, so nothing missed is skipped).
pub fn is_due(minute: i64, window: i64, period: i64, phase: i64) -> bool {
    (minute - phase).rem_euclid(period.max(1)) < window.max(1)
}

/// The phases of monitors with `period` due on a tick covering the `window` minutes ending at
/// `minute`, as inclusive ranges in ascending order (at most two: the range wraps around 0).
pub fn due_phases(minute: i64, window: i64, period: i64) -> Vec<(i64, i64)> {
    let period = period.max(1);
    let window = window.max(1);
    if window >= period {
        return vec![(0, period - 1)];
    }
    let hi = minute.rem_euclid(period);
    let lo = (minute - window + 1).rem_euclid(period);
    if lo <= hi { vec![(lo, hi)] } else { vec![(0, hi), (lo, period - 1)] }
}

/// The first tick minute after `minute` on which a monitor with `period` and `phase` is due.
pub fn next_due_minute(minute: i64, period: i64, phase: i64) -> i64 {
    let period = period.max(1);
    minute + 1 + (phase - minute - 1).rem_euclid(period)
}

/// Minutes a tick's window may cover at most: a day, the longest period, so after a long outage
/// of the cron every monitor is due once (not once per missed tick).
pub const MAX_WINDOW: i64 = 1440;

/// How long a tick may hold its claim while dispatching before another tick counts it as
/// failed and finishes the dispatch (from where the claim's cursor says it got to).
pub const CLAIM_LEASE_MS: EpochMs = 50_000;

/// A tick's claim row as the planner needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimState {
    pub slot: i64,
    /// Dispatch finished.
    pub done: bool,
    /// A holder that has not finished by then has failed (crashed, or its send failed).
    pub lease_until_ms: EpochMs,
}

impl ClaimState {
    /// Finished, or still being dispatched by a live holder: nothing for another tick to do.
    fn covered(&self, now: EpochMs) -> bool {
        self.done || self.lease_until_ms > now
    }
}

/// What a tick does about its minute's scheduled checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickPlan {
    /// Claim the tick's slot, covering `window` minutes ending at it.
    Claim { window: i64 },
    /// The slot's claim failed part way: take it over and finish from its cursor.
    TakeOver,
    /// Done or in hand elsewhere.
    Nothing,
}

/// Decides from the most recent claims (any order) what the tick of `slot` does:
/// - its slot already claimed: nothing, unless that claim failed (then take it over);
/// - a later slot claimed: nothing (that claim's window covered this minute);
/// - else claim it, covering every minute since the newest claim that finished or is live, so
///   a failed or missed tick's monitors are checked now, once each. With no claim at all (a
///   fresh database) the window is this tick alone; when every recent claim failed, a day.
pub fn plan_tick(slot: i64, now: EpochMs, recent: &[ClaimState]) -> TickPlan {
    if let Some(own) = recent.iter().find(|c| c.slot == slot) {
        return if own.covered(now) { TickPlan::Nothing } else { TickPlan::TakeOver };
    }
    if recent.iter().any(|c| c.slot > slot) {
        return TickPlan::Nothing;
    }
    if recent.is_empty() {
        return TickPlan::Claim { window: 1 };
    }
    let window = match recent.iter().filter(|c| c.covered(now)).map(|c| c.slot).max() {
        Some(covered) => (minute_of(slot) - minute_of(covered)).clamp(1, MAX_WINDOW),
        None => MAX_WINDOW,
    };
    TickPlan::Claim { window }
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
    /// Which attempt this is: a job that failed is sent again on its own with the next number,
    /// and dropped (logged dead) after [`JOB_MAX_ATTEMPTS`].
    #[serde(default = "first_attempt", skip_serializing_if = "is_first_attempt")]
    pub attempt: u32,
    /// The monitor's last check timed out: it may hold only a few connection slots, so hanging
    /// targets cannot take every slot from healthy ones (`src/pool.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
}

fn first_attempt() -> u32 {
    1
}

fn is_first_attempt(n: &u32) -> bool {
    *n <= 1
}

/// Attempts a check job gets: the checks queue's `max_retries = 3` redeliveries plus the first,
/// so a job re-sent on its own is retried as often as a whole message would be.
pub const JOB_MAX_ATTEMPTS: u32 = 4;

impl CheckJob {
    pub fn new(monitor_id: i64, slot: i64, kind: JobKind, spec: Option<String>) -> Self {
        Self { monitor_id, slot, kind, spec, attempt: 1, timed_out: false }
    }

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
    fn a_manual_run_never_takes_the_slot_of_a_check_already_there() {
        // (now ms, last check started ms, pending re-check slot) -> slot
        let cases: [(EpochMs, Option<EpochMs>, Option<i64>, i64); 6] = [
            (100_500, None, None, 100),
            (100_500, Some(40_000), None, 100),
            (100_500, Some(100_200), None, 101), // the re-check of second 100 was just recorded
            (100_500, Some(99_900), Some(100), 101), // a re-check due this very second
            (100_500, Some(99_900), Some(120), 100), // one due later keeps its own slot
            (100_500, Some(100_900), Some(101), 102),
        ];
        for (now, last, recheck, want) in cases {
            assert_eq!(manual_slot(now, last, recheck), want, "{now} {last:?} {recheck:?}");
        }
    }

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
        // Ticks that arrive 5 ms late or 5 ms early in their minute, and a second tick in the
        // same minute, which plans nothing once the first claimed the slot.
        let period = period_ticks(60);
        let mut claims: Vec<ClaimState> = Vec::new();
        let mut dispatched = 0;
        for minute in 100..110i64 {
            let jitter = if minute % 2 == 0 { 5 } else { 59_995 };
            let now = minute * 60_000 + jitter;
            let slot = tick_slot(now);
            match plan_tick(slot, now, &claims) {
                TickPlan::Claim { window } => {
                    assert_eq!(window, 1, "minute {minute}");
                    assert!(is_due(minute_of(slot), window, period, 0));
                    dispatched += 1;
                    claims.push(ClaimState { slot, done: true, lease_until_ms: now + CLAIM_LEASE_MS });
                }
                other => panic!("minute {minute}: {other:?}"),
            }
            assert_eq!(plan_tick(tick_slot(now + 1), now + 1, &claims), TickPlan::Nothing, "second tick of minute {minute}");
        }
        assert_eq!(dispatched, 10);
    }

    #[test]
    fn periods_round_intervals_up_to_whole_ticks() {
        let cases = [(60, 1), (61, 2), (90, 2), (120, 2), (300, 5), (3599, 60), (3600, 60), (86_400, 1440), (0, 1)];
        for (interval, period) in cases {
            assert_eq!(period_ticks(interval), period, "{interval}");
        }
    }

    /// (minute, window, period, phase) -> due. Every monitor is due once per period, on the
    /// minutes that match its phase; a wider window (missed ticks) catches up what it covers.
    #[test]
    fn due_ness_by_phase_and_window() {
        let cases = [
            (100, 1, 1, 0, true),
            (100, 1, 5, 0, true),
            (101, 1, 5, 0, false),
            (104, 1, 5, 4, true),
            (104, 1, 5, 3, false),
            // Missed ticks: minute 104's tick covers 102..=104, so phases 2, 3, 4 are due.
            (104, 3, 5, 2, true),
            (104, 3, 5, 3, true),
            (104, 3, 5, 1, false),
            // Wraps: 101's tick covering 99..=101 takes phases 4, 0, 1.
            (101, 3, 5, 4, true),
            (101, 3, 5, 2, false),
            (101, 9, 5, 2, true),
            // Negative minutes and phases beyond the period behave like their residues.
            (-1, 1, 5, 4, true),
            (7, 1, 5, 12, true),
        ];
        for (minute, window, period, phase, due) in cases {
            assert_eq!(is_due(minute, window, period, phase), due, "{minute} {window} {period} {phase}");
            let in_ranges = due_phases(minute, window, period).iter().any(|&(lo, hi)| (lo..=hi).contains(&phase.rem_euclid(period)));
            assert_eq!(in_ranges, due, "ranges of {minute} {window} {period} {phase}");
        }
        assert_eq!(due_phases(104, 1, 5), vec![(4, 4)]);
        assert_eq!(due_phases(101, 3, 5), vec![(0, 1), (4, 4)]);
        assert_eq!(due_phases(101, 5, 5), vec![(0, 4)]);
        assert_eq!(due_phases(101, 1, 1), vec![(0, 0)]);
    }

    #[test]
    fn a_300s_monitor_is_due_every_fifth_tick_from_its_phase() {
        let period = period_ticks(300);
        let phase = phase_at(1002, period);
        let due: Vec<i64> = (1000..1015).filter(|&m| is_due(m, 1, period, phase)).collect();
        assert_eq!(due, vec![1002, 1007, 1012]);
        // Every minute of any window is covered exactly once by its ticks.
        for m in 1000..1015 {
            let next = next_due_minute(m, period, phase);
            assert!(next > m && is_due(next, 1, period, phase) && (m + 1..next).all(|k| !is_due(k, 1, period, phase)), "{m} -> {next}");
        }
        assert_eq!(next_due_minute(1002, period, phase), 1007);
        assert_eq!(next_due_minute(1001, period, phase), 1002);
        assert_eq!(next_due_minute(5, 1, 0), 6);
    }

    #[test]
    fn tick_plans_from_recent_claims() {
        let slot = slot_of_minute(1000);
        let now = slot_start_ms(slot) + 200;
        let done = |m: i64| ClaimState { slot: slot_of_minute(m), done: true, lease_until_ms: 0 };
        let live = |m: i64| ClaimState { slot: slot_of_minute(m), done: false, lease_until_ms: now + 1 };
        let failed = |m: i64| ClaimState { slot: slot_of_minute(m), done: false, lease_until_ms: now };
        let cases: Vec<(&str, Vec<ClaimState>, TickPlan)> = vec![
            ("a fresh database", vec![], TickPlan::Claim { window: 1 }),
            ("the previous minute finished", vec![done(999), done(998)], TickPlan::Claim { window: 1 }),
            ("two ticks missed", vec![done(997)], TickPlan::Claim { window: 3 }),
            ("the previous one failed: its minute is covered now", vec![failed(999), done(998)], TickPlan::Claim { window: 2 }),
            ("the previous one is still dispatching", vec![live(999), done(998)], TickPlan::Claim { window: 1 }),
            ("every recent claim failed", vec![failed(999), failed(998)], TickPlan::Claim { window: MAX_WINDOW }),
            ("a month without ticks", vec![done(1000 - 43_200)], TickPlan::Claim { window: MAX_WINDOW }),
            ("this minute done: a second tick", vec![done(1000), done(999)], TickPlan::Nothing),
            ("this minute being dispatched: an overlapping tick", vec![live(1000)], TickPlan::Nothing),
            ("this minute failed: take it over", vec![failed(1000), done(999)], TickPlan::TakeOver),
            ("a later minute claimed: a late tick", vec![done(1001), done(999)], TickPlan::Nothing),
        ];
        for (what, recent, want) in cases {
            assert_eq!(plan_tick(slot, now, &recent), want, "{what}");
        }
    }

    #[test]
    fn check_ids_round_trip() {
        let job = CheckJob::new(42, 1_795_238_700, JobKind::Scheduled, None);
        assert_eq!(job.check_id(), "42-1795238700");
        assert_eq!(parse_check_id(&job.check_id()), Some((42, 1_795_238_700)));
        for bad in ["", "42", "x-1", "42-", "-5x"] {
            assert_eq!(parse_check_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn job_serializes_flat() {
        let job = CheckJob::new(1, 60, JobKind::Recheck, None);
        assert_eq!(serde_json::to_string(&job).unwrap(), r#"{"monitor_id":1,"slot":60,"kind":"recheck"}"#);
        let back: CheckJob = serde_json::from_str(r#"{"monitor_id":1,"slot":60,"kind":"recheck"}"#).unwrap();
        assert_eq!(back, job);
        // A job re-sent after a failure carries its attempt number.
        let retry = CheckJob { attempt: 2, ..job.clone() };
        assert_eq!(serde_json::to_string(&retry).unwrap(), r#"{"monitor_id":1,"slot":60,"kind":"recheck","attempt":2}"#);
    }

    #[test]
    fn a_recheck_is_lost_after_grace_plus_its_longest_run() {
        assert_eq!(recheck_lost_after(1_000, 120, 20, 3), 1_000 + 120 + 80);
        assert_eq!(recheck_lost_after(1_000, 5, 1, 0), 1_006);
        assert_eq!(recheck_lost_after(0, 3600, 30, 3), 3720);
    }
}
