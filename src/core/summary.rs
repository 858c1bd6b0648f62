//! A monitor's older history in one row (DESIGN.md §5, §9, §12): the last hourly and daily
//! rollups reduced to the counts the status page and the dashboard overview read, so a view
//! reads one row per monitor instead of up to 114 rollup rows. The cron rewrites it whenever it
//! writes the monitor's rollups, from the rollup rows themselves, so it is exactly what reading
//! those rows would give.
//!
//! Text form (`history_summaries.hours` / `.days`):
//! `;<start_ms / HOUR_MS>:<up>,<checks>,<up_minutes>,<known_minutes>` per hour and
//! `;<start_ms / DAY_MS>:<up_minutes>,<known_minutes>,<bot_minutes>,<up>,<slow>` per day.
//! A decoded entry is a [`Rollup`] with only those counts set (`checks` as `up` + `down`), so
//! callers merge them as they merged the full rows.
use super::time::EpochMs;
use super::uptime::{Rollup, DAY_MS, HOUR_MS};

/// Hourly rollups kept: the 24 h window needs the 23 finished hours before the current one,
/// plus slack for a cron an hour or two behind.
pub const HOURS: usize = 25;
/// Daily rollups kept: the 90-day bar (89 finished days and today) plus one.
pub const DAYS: usize = 91;

/// The last [`HOURS`] of `hours` as text (any order in, by start out).
pub fn hours_text(hours: &[(EpochMs, Rollup)]) -> String {
    let mut out = String::new();
    for (start, r) in last(hours, HOURS) {
        let checks = r.checks();
        out.push_str(&format!(
            ";{}:{},{},{},{}",
            start.div_euclid(HOUR_MS),
            r.up,
            checks,
            r.up_minutes,
            r.known_minutes
        ));
    }
    out
}

/// The last [`DAYS`] of `days` as text.
pub fn days_text(days: &[(EpochMs, Rollup)]) -> String {
    let mut out = String::new();
    for (start, r) in last(days, DAYS) {
        out.push_str(&format!(
            ";{}:{},{},{},{},{}",
            start.div_euclid(DAY_MS),
            r.up_minutes,
            r.known_minutes,
            r.bot_minutes,
            r.up,
            r.slow
        ));
    }
    out
}

fn last(rows: &[(EpochMs, Rollup)], n: usize) -> Vec<(EpochMs, Rollup)> {
    let mut v = rows.to_vec();
    v.sort_by_key(|(s, _)| *s);
    let skip = v.len().saturating_sub(n);
    v.split_off(skip)
}

fn numbers<const N: usize>(text: &str) -> Option<(i64, [u32; N])> {
    let (index, rest) = text.split_once(':')?;
    let mut out = [0u32; N];
    let mut parts = rest.split(',');
    for slot in &mut out {
        *slot = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(())?;
    Some((index.parse().ok()?, out))
}

/// Hours back from text, by start; entries that do not parse are skipped.
pub fn hours_of(text: &str) -> Vec<(EpochMs, Rollup)> {
    let mut out: Vec<(EpochMs, Rollup)> = text
        .split(';')
        .filter(|e| !e.is_empty())
        .filter_map(numbers::<4>)
        .map(|(h, [up, checks, up_minutes, known_minutes])| {
            (
                h * HOUR_MS,
                Rollup {
                    up,
                    down: checks.saturating_sub(up),
                    up_minutes,
                    known_minutes,
                    ..Rollup::default()
                },
            )
        })
        .collect();
    out.sort_by_key(|(s, _)| *s);
    out
}

/// Days back from text, by start.
pub fn days_of(text: &str) -> Vec<(EpochMs, Rollup)> {
    let mut out: Vec<(EpochMs, Rollup)> = text
        .split(';')
        .filter(|e| !e.is_empty())
        .filter_map(numbers::<5>)
        .map(|(d, [up_minutes, known_minutes, bot_minutes, up, slow])| {
            (
                d * DAY_MS,
                Rollup {
                    up_minutes,
                    known_minutes,
                    bot_minutes,
                    up,
                    slow,
                    ..Rollup::default()
                },
            )
        })
        .collect();
    out.sort_by_key(|(s, _)| *s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollup(
        up: u32,
        down: u32,
        up_minutes: u32,
        known_minutes: u32,
        bot_minutes: u32,
        slow: u32,
    ) -> Rollup {
        Rollup {
            up,
            down,
            timeout: 1,
            bot: 2,
            slow,
            up_minutes,
            known_minutes,
            bot_minutes,
            latency_count: 5,
            ..Rollup::default()
        }
    }

    #[test]
    fn keeps_the_counts_pages_read_and_the_latest_rows() {
        let hours: Vec<(EpochMs, Rollup)> = (0..30)
            .rev()
            .map(|i| (i * HOUR_MS, rollup(50, 7, 55, 58, 2, 3)))
            .collect();
        let text = hours_text(&hours);
        let back = hours_of(&text);
        assert_eq!(back.len(), HOURS);
        assert_eq!(back[0].0, 5 * HOUR_MS, "the oldest are dropped");
        for (_, r) in &back {
            // checks = up + down + timeout + bot = 60
            assert_eq!(
                (r.up, r.checks(), r.up_minutes, r.known_minutes, r.uptime()),
                (50, 60, 55, 58, Some(55.0 / 58.0))
            );
        }
        let days: Vec<(EpochMs, Rollup)> = (0..100)
            .map(|i| (i * DAY_MS, rollup(1400, 0, 1300, 1430, 10, 140)))
            .collect();
        let back = days_of(&days_text(&days));
        assert_eq!(
            (back.len(), back[0].0, back.last().unwrap().0),
            (DAYS, 9 * DAY_MS, 99 * DAY_MS)
        );
        let r = back[0].1;
        assert_eq!(
            (r.up_minutes, r.known_minutes, r.bot_minutes, r.up, r.slow),
            (1300, 1430, 10, 1400, 140)
        );
    }

    #[test]
    fn bad_entries_are_skipped() {
        assert_eq!(
            hours_of(";1:2,3,4;x:1,2,3,4;5:1,2,3,4,5;7:1,2,3,4").len(),
            1
        );
        assert_eq!(days_of(""), vec![]);
    }
}
