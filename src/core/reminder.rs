//! Reminders while an incident stays open (DESIGN.md §6, optional per endpoint): which
//! reminder is due at `now`, when it was due, and its message id.
//!
//! An endpoint with `reminder_minutes = N` gets reminder k (k = 1, 2, ...) at
//! `opened_at + k * N` minutes. At any moment at most one reminder is due: the latest period
//! that has started. Periods missed (the cron was down, a maintenance window covered them)
//! are not caught up: the receiver gets one reminder for "now", not a burst.
//!
//! Pure: the caller passes the clock in.
use super::time::EpochMs;
use super::webhook;

/// The event type of a reminder, in payloads, sends and the delivery log.
pub const EVENT: &str = "incident.reminder";

/// One reminder as alerts render it: its number and when it was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderInfo {
    /// 1 for the first reminder.
    pub number: u32,
    /// `opened_at + number * every_minutes`: the payload's `timestamp`, fixed for every retry.
    pub due_at: EpochMs,
    pub every_minutes: u32,
}

impl ReminderInfo {
    /// Whole seconds the incident had been open when this reminder fell due.
    pub fn open_seconds(&self, opened_at: EpochMs) -> i64 {
        (self.due_at - opened_at).max(0) / 1000
    }
}

/// The period length: `minutes` of `unit_seconds` each (60 in production; tests shrink it
/// through `ALERT_REMINDER_UNIT_SECONDS`). `None` for a zero period, which would be due always.
pub fn interval_ms(minutes: u32, unit_seconds: u32) -> Option<i64> {
    let ms = i64::from(minutes) * i64::from(unit_seconds) * 1000;
    (ms > 0).then_some(ms)
}

/// The reminder due at `now`, if any: the number of whole periods since `opened_at`, from 1.
pub fn due(opened_at: EpochMs, interval_ms: i64, now: EpochMs) -> Option<u32> {
    if interval_ms <= 0 || now < opened_at {
        return None;
    }
    let k = (now - opened_at) / interval_ms;
    u32::try_from(k).ok().filter(|k| *k >= 1)
}

/// When reminder `number` falls due.
pub fn due_at(opened_at: EpochMs, interval_ms: i64, number: u32) -> EpochMs {
    opened_at + interval_ms * i64::from(number)
}

/// The `webhook-id` of reminder `number` of an incident: `msg_<incident>_<opened>_incident_reminder_<k>`.
/// The same for every retry and every cron tick that finds it due, so the send's claim row
/// (keyed on it) makes a reminder go out once however often the cron fires in its period.
pub fn message_id(incident_id: i64, opened_at: EpochMs, number: u32) -> String {
    webhook::message_id(incident_id, opened_at, &format!("{EVENT}_{number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const T0: EpochMs = 1_795_238_700_123;

    #[test]
    fn due_is_the_latest_started_period() {
        let five = interval_ms(5, 60).unwrap();
        let cases: &[(i64, Option<u32>)] = &[
            (-MIN, None),            // clock skew: before the incident opened
            (0, None),               // just opened
            (5 * MIN - 1, None),     // one ms before the first reminder
            (5 * MIN, Some(1)),      // first at opened + N
            (7 * MIN, Some(1)),
            (10 * MIN - 1, Some(1)),
            (10 * MIN, Some(2)),     // then every N
            (14 * MIN, Some(2)),
            (61 * MIN, Some(12)),
            (24 * 60 * MIN, Some(288)),
        ];
        for &(offset, want) in cases {
            assert_eq!(due(T0, five, T0 + offset), want, "offset {offset} ms");
        }
    }

    #[test]
    fn due_refuses_an_empty_period() {
        assert_eq!(interval_ms(0, 60), None);
        assert_eq!(interval_ms(5, 0), None);
        assert_eq!(due(T0, 0, T0 + MIN), None);
        assert_eq!(due(T0, -5, T0 + MIN), None);
    }

    #[test]
    fn the_unit_scales_minutes_for_tests() {
        let cases = [((5, 60), 300_000), ((5, 1), 5_000), ((1440, 60), 86_400_000), ((5, 2), 10_000)];
        for ((minutes, unit), want) in cases {
            assert_eq!(interval_ms(minutes, unit), Some(want), "{minutes} x {unit}s");
        }
        // 5 "minutes" of 1 s: reminder 3 at 15 s.
        assert_eq!(due(T0, 5_000, T0 + 15_000), Some(3));
        assert_eq!(due_at(T0, 5_000, 3), T0 + 15_000);
    }

    #[test]
    fn due_at_inverts_due() {
        for every in [5, 7, 30, 1440] {
            let i = interval_ms(every, 60).unwrap();
            for k in 1..50 {
                let at = due_at(T0, i, k);
                assert_eq!(due(T0, i, at), Some(k));
                assert_eq!(due(T0, i, at - 1), if k == 1 { None } else { Some(k - 1) });
            }
        }
    }

    #[test]
    fn message_ids_are_deterministic_distinct_and_dot_free() {
        let cases = [
            (42, T0, 1, "msg_42_1795238700123_incident_reminder_1"),
            (42, T0, 12, "msg_42_1795238700123_incident_reminder_12"),
            (7, 5, 3, "msg_7_5_incident_reminder_3"),
        ];
        for (incident, opened, k, want) in cases {
            assert_eq!(message_id(incident, opened, k), want);
        }
        let ids = [message_id(42, T0, 1), message_id(42, T0, 2), message_id(43, T0, 1), message_id(42, T0 + 1, 1)];
        for (i, a) in ids.iter().enumerate() {
            assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{a}");
            for b in &ids[i + 1..] {
                assert_ne!(a, b);
            }
            // Never equal to the opened or resolved alert's id.
            assert_ne!(a, &webhook::message_id(42, T0, "incident.opened"));
        }
    }

    #[test]
    fn open_seconds_counts_to_the_due_time() {
        let r = ReminderInfo { number: 3, due_at: T0 + 15 * MIN, every_minutes: 5 };
        assert_eq!(r.open_seconds(T0), 900);
        assert_eq!(ReminderInfo { number: 1, due_at: T0 - 1, every_minutes: 5 }.open_seconds(T0), 0);
    }
}
