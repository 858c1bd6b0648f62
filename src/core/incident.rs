//! The incident state machine (DESIGN.md §4): streaks of failures and successes decide when
//! an incident opens and resolves, and when to pull the next check forward to confirm.
use super::status::CheckStatus;

/// What a check contributes to the streaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Failure,
    Success,
    /// BOT_DETECTED without the monitor's opt-in: says nothing about the site, so it leaves the
    /// streaks as they were (an open incident stays open, a closed one stays closed).
    Neutral,
}

impl Effect {
    pub fn of(status: CheckStatus, bot_counts_as_failure: bool) -> Self {
        match status {
            CheckStatus::Up => Self::Success,
            CheckStatus::Down | CheckStatus::Timeout => Self::Failure,
            CheckStatus::BotDetected if bot_counts_as_failure => Self::Failure,
            CheckStatus::BotDetected => Self::Neutral,
        }
    }
}

/// A monitor's incident-relevant state, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Streaks {
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub incident_open: bool,
}

/// Successes count up to this and then stay: a steady UP monitor's streaks stop changing, so
/// its checks need not rewrite the monitor's row (DESIGN.md §4). Only `recovery` successes in
/// a row decide anything, and the model allows at most 10 (`MonitorSpec::THRESHOLD`).
pub const SUCCESS_STREAK_CAP: u32 = 10;

/// What the monitor's row holds of its state, to tell whether a check changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub status: Option<CheckStatus>,
    pub slow: bool,
    pub streaks: Streaks,
    /// A confirmation re-check still awaited (DESIGN.md §6), settled by the check at its slot.
    pub recheck_slot: Option<i64>,
    /// Its checks go to the slow lane (DESIGN.md §3, `core::dispatch::slow_lane_after`).
    pub slow_lane: bool,
}

/// Whether recording a check (its status, slowness, slot and `step`) must write the monitor's
/// state. A steady check (same status and slowness, streaks saturated, nothing pending, no
/// incident) leaves the row as it was, so it writes only its check; the row's
/// `last_checked_at` is then read from the checks themselves.
pub fn changes_state(stored: &Stored, status: CheckStatus, slow: bool, step: &Step, slot: i64) -> bool {
    step.transition != Transition::None
        || step.recheck
        || step.streaks.incident_open
        || step.streaks != stored.streaks
        || stored.status != Some(status)
        || stored.slow != slow
        || stored.recheck_slot.is_some_and(|r| r <= slot)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    None,
    Open,
    Resolve,
}

/// The outcome of feeding one check to the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub streaks: Streaks,
    pub transition: Transition,
    /// Pull the next check forward (a delayed queue message) because a decision is pending:
    /// failing but not yet confirmed, or recovering but not yet resolved.
    pub recheck: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub failure: u32,
    pub recovery: u32,
}

pub fn step(before: Streaks, effect: Effect, t: Thresholds) -> Step {
    let mut s = before;
    let mut transition = Transition::None;
    match effect {
        Effect::Failure => {
            s.consecutive_failures = s.consecutive_failures.saturating_add(1);
            s.consecutive_successes = 0;
            if !s.incident_open && s.consecutive_failures >= t.failure {
                s.incident_open = true;
                transition = Transition::Open;
            }
        }
        Effect::Success => {
            s.consecutive_successes = s.consecutive_successes.saturating_add(1).min(SUCCESS_STREAK_CAP);
            s.consecutive_failures = 0;
            if s.incident_open && s.consecutive_successes >= t.recovery {
                s.incident_open = false;
                transition = Transition::Resolve;
            }
        }
        Effect::Neutral => {}
    }
    let recheck = match effect {
        Effect::Failure => !s.incident_open,
        Effect::Success => s.incident_open,
        Effect::Neutral => false,
    };
    Step { streaks: s, transition, recheck }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a sequence written as letters: F failure, S success, N neutral. Returns the
    /// transitions as a string: `o` open, `r` resolve, `.` none; and rechecks as `!`/` `.
    fn run(seq: &str, failure: u32, recovery: u32) -> (String, String) {
        let t = Thresholds { failure, recovery };
        let mut s = Streaks::default();
        let (mut transitions, mut rechecks) = (String::new(), String::new());
        for c in seq.chars() {
            let effect = match c {
                'F' => Effect::Failure,
                'S' => Effect::Success,
                _ => Effect::Neutral,
            };
            let st = step(s, effect, t);
            s = st.streaks;
            transitions.push(match st.transition {
                Transition::Open => 'o',
                Transition::Resolve => 'r',
                Transition::None => '.',
            });
            rechecks.push(if st.recheck { '!' } else { ' ' });
        }
        (transitions, rechecks)
    }

    #[test]
    fn state_machine_table() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, u32, u32, &str)] = &[
            ("flapping never opens at 3", "FSFSFSFSFS", 3, 1, ".........."),
            ("two failures are not enough", "FFSFFS", 3, 1, "......"),
            ("a real outage: one open, one resolve", "SFFFFFFS", 3, 1, "...o...r"),
            ("threshold 1 opens at once", "FS", 1, 1, "or"),
            ("recovery 2 needs two successes", "FFFSSS", 3, 2, "..o.r."),
            ("a failure during recovery restarts it", "FFFSFSS", 3, 2, "..o...r"),
            ("neutral keeps the streak", "FFNF", 3, 1, "...o"),
            ("neutral does not resolve", "FFFNNNS", 3, 1, "..o...r"),
            ("neutral alone does nothing", "NNNN", 1, 1, "...."),
            ("second outage opens again", "FFFSFFF", 3, 1, "..or..o"),
            ("long outage opens once", "FFFFFFFFFF", 3, 1, "..o......."),
        ];
        for (name, seq, f, r, want) in cases {
            assert_eq!(run(seq, *f, *r).0, *want, "{name}");
        }
    }

    #[test]
    fn rechecks_only_while_a_decision_is_pending() {
        // failing but unconfirmed -> recheck; open incident and still failing -> regular cadence.
        assert_eq!(run("FFFF", 3, 1).1, "!!  ");
        // recovering with recovery 3: rechecks until resolved.
        assert_eq!(run("FFSSS", 2, 3).1, "! !! ");
        // all good: no rechecks.
        assert_eq!(run("SSS", 3, 1).1, "   ");
    }

    #[test]
    fn successes_saturate_and_a_steady_check_changes_nothing() {
        let t = Thresholds { failure: 3, recovery: 10 };
        let mut s = Streaks { consecutive_failures: 0, consecutive_successes: 0, incident_open: true };
        for n in 1..=12u32 {
            let st = step(s, Effect::Success, t);
            assert_eq!(st.streaks.consecutive_successes, n.min(SUCCESS_STREAK_CAP));
            // The largest recovery threshold still resolves, at its 10th success.
            assert_eq!(st.transition == Transition::Resolve, n == 10, "{n}");
            s = st.streaks;
        }
        let up = Some(CheckStatus::Up);
        let stored = Stored { status: up, slow: false, streaks: s, recheck_slot: None, slow_lane: false };
        let st = step(s, Effect::Success, t);
        #[rustfmt::skip]
        let cases: &[(&str, Stored, CheckStatus, bool, bool)] = &[
            ("steady", stored, CheckStatus::Up, false, false),
            ("turns slow", stored, CheckStatus::Up, true, true),
            ("was never checked", Stored { status: None, ..stored }, CheckStatus::Up, false, true),
            ("was down", Stored { status: Some(CheckStatus::Down), ..stored }, CheckStatus::Up, false, true),
            ("settles its re-check", Stored { recheck_slot: Some(600), ..stored }, CheckStatus::Up, false, true),
            ("a later re-check stays pending", Stored { recheck_slot: Some(601), ..stored }, CheckStatus::Up, false, false),
            ("streak not saturated", Stored { streaks: Streaks { consecutive_successes: 9, ..s }, ..stored }, CheckStatus::Up, false, true),
        ];
        for (name, stored, status, slow, want) in cases {
            assert_eq!(changes_state(stored, *status, *slow, &st, 600), *want, "{name}");
        }
        // A failure, a transition or an open incident always writes.
        let failing = step(s, Effect::Failure, t);
        assert!(changes_state(&stored, CheckStatus::Down, false, &failing, 600));
        let open = Streaks { incident_open: true, ..s };
        let held = step(open, Effect::Neutral, t);
        assert!(changes_state(&Stored { streaks: open, status: Some(CheckStatus::BotDetected), ..stored }, CheckStatus::BotDetected, false, &held, 600));
        // A repeated bot wall on a closed monitor is steady too.
        let bot = step(s, Effect::Neutral, t);
        assert!(!changes_state(&Stored { status: Some(CheckStatus::BotDetected), ..stored }, CheckStatus::BotDetected, false, &bot, 600));
    }

    #[test]
    fn effects_of_statuses() {
        assert_eq!(Effect::of(CheckStatus::Up, false), Effect::Success);
        assert_eq!(Effect::of(CheckStatus::Down, false), Effect::Failure);
        assert_eq!(Effect::of(CheckStatus::Timeout, false), Effect::Failure);
        assert_eq!(Effect::of(CheckStatus::BotDetected, false), Effect::Neutral);
        assert_eq!(Effect::of(CheckStatus::BotDetected, true), Effect::Failure);
    }
}
