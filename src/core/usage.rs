//! What one invocation is billed for (DESIGN.md §12), as the one JSON log line each cron tick
//! and each queue consumer invocation prints, so the bill can be read from Workers Logs (and the
//! benchmarks read the same lines). Pure: the glue (`crate::meter`) does the counting.
use std::ops::Sub;

use serde::Serialize;

/// Billed work done so far by this isolate. A line reports the difference between two readings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Statements prepared (a batch of three is three).
    pub d1_statements: u64,
    /// D1's own `meta.rows_read` / `meta.rows_written`, summed over every statement run.
    pub d1_rows_read: u64,
    pub d1_rows_written: u64,
    /// Messages sent to any queue (each is later read and deleted: 3 billed operations).
    pub queue_messages: u64,
    /// Outgoing fetches (probes, alert deliveries): what the per-invocation subrequest limit counts.
    pub subrequests: u64,
}

impl Sub for Usage {
    type Output = Usage;
    fn sub(self, before: Usage) -> Usage {
        Usage {
            d1_statements: self.d1_statements.saturating_sub(before.d1_statements),
            d1_rows_read: self.d1_rows_read.saturating_sub(before.d1_rows_read),
            d1_rows_written: self.d1_rows_written.saturating_sub(before.d1_rows_written),
            queue_messages: self.queue_messages.saturating_sub(before.queue_messages),
            subrequests: self.subrequests.saturating_sub(before.subrequests),
        }
    }
}

/// Which invocation a line describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Invocation {
    /// The cron's scheduled handler: `checks` is the checks it dispatched.
    Tick,
    /// The checks queue consumer: `checks` is the checks it ran.
    Consumer,
    /// The alerts queue consumer: `checks` is 0.
    Alerts,
}

/// The per-invocation line. Every key is present in every line (zero where it does not apply),
/// so a log query can sum any of them without caring which event it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UsageLine {
    pub event: Invocation,
    pub checks: u64,
    /// Queue messages this invocation received (0 for a tick).
    pub messages: u64,
    /// Of those, the ones handed back for a retry (each retry is another read).
    pub retried: u64,
    /// Of `checks`, the ones the main lane handed to the slow lane unprobed (still open after
    /// `HANDOFF_AFTER_MS`, DESIGN.md §3): the slow lane's line counts them again when it runs them.
    pub handed_off: u64,
    /// Wall time of the invocation (Workers freeze the clock during CPU work, so this is not CPU).
    pub ms: i64,
    /// The most fetches held open at once (the consumer's slot pool; 0 elsewhere).
    pub peak_connections: u64,
    #[serde(flatten)]
    pub usage: Usage,
}

impl UsageLine {
    pub fn new(event: Invocation, usage: Usage) -> Self {
        Self { event, checks: 0, messages: 0, retried: 0, handed_off: 0, ms: 0, peak_connections: 0, usage }
    }

    /// The JSON object alone, nothing before or after it on the line.
    pub fn render(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [&str; 12] = [
        "event",
        "checks",
        "messages",
        "retried",
        "handed_off",
        "ms",
        "peak_connections",
        "d1_statements",
        "d1_rows_read",
        "d1_rows_written",
        "queue_messages",
        "subrequests",
    ];

    #[test]
    fn every_key_in_every_line() {
        let usage = Usage { d1_statements: 7, d1_rows_read: 30, d1_rows_written: 12, queue_messages: 2, subrequests: 5 };
        for event in [Invocation::Tick, Invocation::Consumer, Invocation::Alerts] {
            for usage in [Usage::default(), usage] {
                let line = UsageLine::new(event, usage).render();
                assert!(line.starts_with('{') && line.ends_with('}') && !line.contains('\n'), "{line}");
                let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                let obj = v.as_object().unwrap();
                let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
                keys.sort_unstable();
                let mut want = KEYS.to_vec();
                want.sort_unstable();
                assert_eq!(keys, want, "{line}");
                for key in &KEYS[1..] {
                    assert!(obj[*key].is_u64() || obj[*key].is_i64(), "{key} is a number in {line}");
                }
            }
        }
    }

    #[test]
    fn renders_the_counts_it_was_given() {
        let usage = Usage { d1_statements: 7, d1_rows_read: 30, d1_rows_written: 12, queue_messages: 2, subrequests: 5 };
        let line = UsageLine { checks: 5, messages: 5, retried: 1, ms: 840, peak_connections: 6, ..UsageLine::new(Invocation::Consumer, usage) };
        assert_eq!(
            line.render(),
            r#"{"event":"consumer","checks":5,"messages":5,"retried":1,"handed_off":0,"ms":840,"peak_connections":6,"d1_statements":7,"d1_rows_read":30,"d1_rows_written":12,"queue_messages":2,"subrequests":5}"#
        );
        let tick = UsageLine { checks: 3, ..UsageLine::new(Invocation::Tick, Usage::default()) };
        assert!(tick.render().starts_with(r#"{"event":"tick","checks":3,"#));
        assert!(UsageLine::new(Invocation::Alerts, usage).render().starts_with(r#"{"event":"alerts","#));
    }

    #[test]
    fn difference_of_two_readings() {
        let before = Usage { d1_statements: 10, d1_rows_read: 100, d1_rows_written: 50, queue_messages: 3, subrequests: 1 };
        let after = Usage { d1_statements: 13, d1_rows_read: 140, d1_rows_written: 55, queue_messages: 4, subrequests: 7 };
        assert_eq!(after - before, Usage { d1_statements: 3, d1_rows_read: 40, d1_rows_written: 5, queue_messages: 1, subrequests: 6 });
        // Never negative, even if the readings came in the wrong order.
        assert_eq!(before - after, Usage::default());
    }
}
