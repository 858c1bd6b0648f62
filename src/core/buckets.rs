//! Status-page timeline buckets and the site (project) banner status.
//!
//! Pure logic: no I/O and no clock. `now` is always an argument so that the
//! status page, tests and any future backfill agree on the same rules.
//!
//! # Bucket rules (DESIGN.md §5)
//!
//! The timeline is a row of 1-minute buckets aligned to whole UTC minutes. The
//! last bucket is the (partial) minute containing `now`.
//!
//! * Bucket `i` covers the half-open range `[start_i, end_i)` with
//!   `end_i = start_i + BUCKET_MS`. A check at `t` is *visible* to bucket `i`
//!   when `t < end_i`; a check exactly on a minute boundary therefore belongs to
//!   the bucket that starts there, never to the one that ends there. Half-open
//!   ranges mean every instant belongs to exactly one bucket.
//! * A bucket shows the most recent visible check, but only while it is fresh:
//!   `reference_i - t <= 2 * interval_seconds * 1000`, where
//!   `reference_i = end_i` for finished buckets. Monitors are checked less
//!   often than once a minute (e.g. every 300 s), so without this forward fill
//!   their timeline would be mostly gray; with it, a monitor that stops being
//!   checked still turns gray after two missed intervals.
//! * For the current, unfinished bucket `reference = now_ms` instead of its
//!   (future) end. Measuring against the future end would age a check by time
//!   that has not happened yet: with a 60 s interval, a check 100 s old at
//!   10 s into the minute would already look 150 s old and the newest bucket
//!   would flash gray although the monitor is perfectly on schedule. Using
//!   `now` means "fresh" in the current bucket is exactly "the latest check is
//!   at most two intervals old right now".
//! * Checks stamped after `now` (clock skew between the checker and the page
//!   renderer) still count for the current bucket if they fall inside it; they
//!   are never considered stale. Checks at or after the end of the current
//!   bucket are ignored: there is no bucket for them.
//! * `interval_seconds == 0` is a misconfiguration; the freshness window is
//!   then zero, so almost everything is Unknown. That is deliberately visible
//!   rather than silently papered over.

use super::monitor::Role;
use super::status::CheckStatus;

/// Width of one timeline bucket. One minute keeps the timeline readable while
/// still showing short outages of monitors checked every minute.
pub const BUCKET_MS: i64 = 60_000;

/// Buckets on the status page: 240 one-minute buckets = the last 4 hours.
pub const TIMELINE_BUCKETS: usize = 240;

/// One recorded check as the timeline needs it.
///
/// `slow` is precomputed by the caller (latency above the monitor's threshold)
/// so this module does not need to know about latencies or thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckPoint {
    pub at_ms: i64,
    pub status: CheckStatus,
    pub slow: bool,
}

/// The colour of one timeline bucket.
///
/// `Down` covers both DOWN and TIMEOUT: to a visitor both mean "the site did
/// not answer properly", and the status page uses a single red for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BucketState {
    Up,
    Slow,
    Down,
    Bot,
    Unknown,
}

impl BucketState {
    /// Stable lowercase name. The status page uses it both as the CSS class and
    /// as the accessible text, so it must match the serde representation.
    pub fn label(self) -> &'static str {
        match self {
            BucketState::Up => "up",
            BucketState::Slow => "slow",
            BucketState::Down => "down",
            BucketState::Bot => "bot",
            BucketState::Unknown => "unknown",
        }
    }

    /// `slow` only qualifies an UP check: a failed check has no meaningful
    /// latency, so a slow DOWN is simply DOWN.
    fn from_check(c: &CheckPoint) -> Self {
        match c.status {
            CheckStatus::Up if c.slow => BucketState::Slow,
            CheckStatus::Up => BucketState::Up,
            CheckStatus::Down | CheckStatus::Timeout => BucketState::Down,
            CheckStatus::BotDetected => BucketState::Bot,
        }
    }
}

/// Computes `count` bucket states, oldest first, ending with the minute that
/// contains `now_ms` (see the module docs for the exact boundary and freshness
/// rules).
///
/// `checks` must be sorted by `at_ms` ascending (debug-asserted); that is the
/// natural order of an indexed `ORDER BY at` query and lets this run as one
/// merge pass in O(checks + count) rather than rescanning per bucket, which
/// matters with 240 buckets times many monitors per page render. Among checks
/// with the same `at_ms`, the later one in the slice wins, so callers can
/// break ties with a secondary sort key (e.g. row id).
///
/// Checks older than the window are still used: the newest of them can
/// forward-fill the first buckets if it is fresh enough, so callers should
/// fetch from `window_start - 2 * interval` to avoid a gray left edge.
pub fn fill_buckets(
    checks: &[CheckPoint],
    interval_seconds: u32,
    now_ms: i64,
    count: usize,
) -> Vec<BucketState> {
    debug_assert!(
        checks.windows(2).all(|w| w[0].at_ms <= w[1].at_ms),
        "fill_buckets: checks must be sorted by at_ms ascending"
    );

    let mut out = Vec::with_capacity(count);
    if count == 0 {
        return out;
    }

    // i64 is ample: u32::MAX * 2000 < 2^43.
    let max_age_ms = i64::from(interval_seconds) * 2 * 1000;
    // div_euclid floors towards -inf, so alignment is also right for
    // (theoretical) pre-1970 timestamps.
    let last_start = now_ms.div_euclid(BUCKET_MS) * BUCKET_MS;
    // Saturate instead of panicking on absurd counts; the result is then merely
    // misaligned far in the past, where there is no data anyway.
    let span = i64::try_from(count - 1)
        .unwrap_or(i64::MAX)
        .saturating_mul(BUCKET_MS);
    let mut start = last_start.saturating_sub(span);

    let mut next = 0usize;
    let mut latest: Option<&CheckPoint> = None;
    for i in 0..count {
        let end = start.saturating_add(BUCKET_MS);
        while let Some(c) = checks.get(next) {
            if c.at_ms >= end {
                break;
            }
            latest = Some(c);
            next += 1;
        }
        let reference = if i + 1 == count { now_ms.min(end) } else { end };
        let state = match latest {
            Some(c) if reference.saturating_sub(c.at_ms) <= max_age_ms => {
                BucketState::from_check(c)
            }
            _ => BucketState::Unknown,
        };
        out.push(state);
        start = end;
    }
    out
}

/// The banner status of a whole site (project).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SiteStatus {
    Up,
    Degraded,
    Down,
    Unknown,
}

/// A monitor's current state as the site banner needs it.
///
/// `status` is `None` when the monitor has no recent data (never checked, or
/// its latest check is stale); `slow` only matters together with `Some(Up)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorNow {
    pub role: Role,
    pub status: Option<CheckStatus>,
    pub slow: bool,
}

/// Derives the site banner from its monitors' current states.
///
/// Precedence, strongest first:
/// 1. **DOWN** if any core monitor with data is DOWN or TIMEOUT. One observed
///    core failure is enough evidence, even if other core monitors lack data.
/// 2. **UNKNOWN** if no core monitor has data. This includes a site with no
///    monitors at all and a site with only supplementary monitors. It wins over
///    DEGRADED on purpose: DEGRADED tells a visitor "the site works, something
///    minor is impaired", and without any core data we cannot claim the site
///    works. A failing supplementary monitor is still shown on its own row, so
///    nothing is hidden; the banner just does not over-claim. (This refines
///    the order the original design listed, UNKNOWN after DEGRADED; DESIGN.md §5.)
/// 3. **DEGRADED** if any core monitor is BOT_DETECTED or slow (UP but slow),
///    or any supplementary monitor is DOWN, TIMEOUT or BOT_DETECTED.
///    Supplementary slowness alone is not worth a banner.
/// 4. **UP** otherwise. Core monitors without data are ignored once at least
///    one core monitor has data: the banner reflects what was observed, and a
///    single monitor lagging behind should not gray out a healthy site.
pub fn site_status(monitors: &[MonitorNow]) -> SiteStatus {
    let mut core_has_data = false;
    let mut degraded = false;
    for m in monitors {
        let Some(status) = m.status else { continue };
        match m.role {
            Role::Core => {
                core_has_data = true;
                match status {
                    CheckStatus::Down | CheckStatus::Timeout => return SiteStatus::Down,
                    CheckStatus::BotDetected => degraded = true,
                    CheckStatus::Up => degraded |= m.slow,
                }
            }
            Role::Supplementary => {
                degraded |= matches!(
                    status,
                    CheckStatus::Down | CheckStatus::Timeout | CheckStatus::BotDetected
                );
            }
        }
    }
    if !core_has_data {
        SiteStatus::Unknown
    } else if degraded {
        SiteStatus::Degraded
    } else {
        SiteStatus::Up
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::lcg::Lcg;

    const MIN: i64 = 60_000;
    const SEC: i64 = 1_000;
    /// A whole-minute timestamp in late 2023, used as the start of the current
    /// bucket ("L") in most scenarios.
    const L: i64 = 28_333_333 * MIN;

    fn cp(at_ms: i64, status: CheckStatus) -> CheckPoint {
        CheckPoint {
            at_ms,
            status,
            slow: false,
        }
    }
    fn up(at_ms: i64) -> CheckPoint {
        cp(at_ms, CheckStatus::Up)
    }
    fn slow(at_ms: i64) -> CheckPoint {
        CheckPoint {
            at_ms,
            status: CheckStatus::Up,
            slow: true,
        }
    }
    fn down(at_ms: i64) -> CheckPoint {
        cp(at_ms, CheckStatus::Down)
    }
    fn timeout(at_ms: i64) -> CheckPoint {
        cp(at_ms, CheckStatus::Timeout)
    }
    fn bot(at_ms: i64) -> CheckPoint {
        cp(at_ms, CheckStatus::BotDetected)
    }

    /// Compact timeline: U=up S=slow D=down B=bot ?=unknown.
    fn encode(states: &[BucketState]) -> String {
        states
            .iter()
            .map(|s| match s {
                BucketState::Up => 'U',
                BucketState::Slow => 'S',
                BucketState::Down => 'D',
                BucketState::Bot => 'B',
                BucketState::Unknown => '?',
            })
            .collect()
    }

    /// One check per minute at `offset` into the minute, for minutes
    /// `L - from_min .. =L - to_min`, with `f` choosing the status per minute
    /// (argument: minutes before L).
    fn per_minute(
        from_min: i64,
        to_min: i64,
        offset: i64,
        f: impl Fn(i64) -> fn(i64) -> CheckPoint,
    ) -> Vec<CheckPoint> {
        (to_min..=from_min)
            .rev()
            .map(|k| f(k)(L - k * MIN + offset))
            .collect()
    }

    struct Case {
        name: &'static str,
        checks: Vec<CheckPoint>,
        interval: u32,
        now: i64,
        count: usize,
        want: String,
    }

    fn case(
        name: &'static str,
        checks: Vec<CheckPoint>,
        interval: u32,
        now: i64,
        count: usize,
        want: &str,
    ) -> Case {
        Case {
            name,
            checks,
            interval,
            now,
            count,
            want: want.to_string(),
        }
    }

    #[test]
    fn fill_buckets_scenarios() {
        // With count = 10 and now inside minute L, bucket index 9 - k starts
        // at L - k minutes.
        let cases = vec![
            case("empty history", vec![], 60, L + 30 * SEC, 10, "??????????"),
            case(
                "60s monitor checked every minute",
                per_minute(20, 0, 10 * SEC, |_| up),
                60,
                L + 30 * SEC,
                10,
                "UUUUUUUUUU",
            ),
            case(
                "300s monitor every 5 minutes forward-fills",
                (0..8)
                    .rev()
                    .map(|k| up(L - k * 5 * MIN + 5 * SEC))
                    .collect(),
                300,
                L + 30 * SEC,
                10,
                "UUUUUUUUUU",
            ),
            case(
                "stopped 20 minutes ago turns unknown after 2 minutes",
                // Last check at L - 19.5 min, i.e. 20 minutes before now. Its
                // own bucket (index 9) and the next (age 90 s at its end) stay
                // up; from index 11 (age 150 s) on it is stale.
                per_minute(40, 20, 30 * SEC, |_| up),
                60,
                L + 30 * SEC,
                30,
                &format!("{}{}", "U".repeat(11), "?".repeat(19)),
            ),
            case(
                "down stretch in the middle",
                per_minute(12, 0, 10 * SEC, |k| {
                    if (4..=6).contains(&k) {
                        down
                    } else {
                        up
                    }
                }),
                60,
                L + 30 * SEC,
                10,
                "UUUDDDUUUU",
            ),
            case(
                "bot and slow",
                per_minute(12, 0, 10 * SEC, |k| match k {
                    8 => bot,
                    7 | 6 => slow,
                    2 => bot,
                    _ => up,
                }),
                60,
                L + 30 * SEC,
                10,
                "UBSSUUUBUU",
            ),
            case(
                "timeout maps to down",
                per_minute(12, 0, 10 * SEC, |k| if k == 3 { timeout } else { up }),
                60,
                L + 30 * SEC,
                10,
                "UUUUUUDUUU",
            ),
            case(
                "slow flag on a failed check is ignored",
                vec![CheckPoint {
                    at_ms: L + SEC,
                    status: CheckStatus::Down,
                    slow: true,
                }],
                60,
                L + 30 * SEC,
                3,
                "??D",
            ),
            case(
                "several checks in one bucket: latest wins (up last)",
                vec![
                    down(L - MIN + 5 * SEC),
                    bot(L - MIN + 10 * SEC),
                    up(L - MIN + 50 * SEC),
                ],
                60,
                L + 30 * SEC,
                3,
                "?UU",
            ),
            case(
                "several checks in one bucket: latest wins (down last)",
                vec![
                    up(L - MIN + 5 * SEC),
                    down(L - MIN + 50 * SEC),
                    up(L + 20 * SEC),
                ],
                60,
                L + 30 * SEC,
                3,
                "?DU",
            ),
            case(
                "equal timestamps: later in slice wins",
                vec![up(L + 5 * SEC), down(L + 5 * SEC)],
                60,
                L + 30 * SEC,
                2,
                "?D",
            ),
            case(
                // Check exactly at start of L-5 = end of L-6: belongs to L-5.
                // Bucket L-4 ends exactly 120 s after it: still fresh (<=).
                // Bucket L-3 ends 180 s after it: stale.
                "check exactly on a boundary",
                vec![down(L - 5 * MIN)],
                60,
                L + 30 * SEC,
                10,
                "????DD????",
            ),
            case(
                "check 1 ms before a boundary belongs to the earlier bucket",
                vec![down(L - 5 * MIN - 1)],
                60,
                L + 30 * SEC,
                10,
                "???DD?????",
            ),
            case(
                // First bucket starts at L - 9 min; check 3 min earlier with a
                // 600 s window reaches the end of bucket 6 (age exactly 600 s).
                "check older than the window forward-fills the first buckets",
                vec![up(L - 12 * MIN)],
                300,
                L + 30 * SEC,
                10,
                "UUUUUUU???",
            ),
            case(
                "current bucket: 60s monitor checked 30s ago is fresh",
                vec![up(L + 20 * SEC)],
                60,
                L + 50 * SEC,
                3,
                "??U",
            ),
            case(
                // Age at now is 100 s (fresh); age at the bucket's future end
                // would be 150 s (stale). Now wins.
                "current bucket measures freshness at now, not at its end",
                vec![up(L - 90 * SEC)],
                60,
                L + 10 * SEC,
                4,
                "?UUU",
            ),
            case(
                "current bucket goes unknown once the check is 2 intervals old",
                vec![up(L - 90 * SEC)],
                60,
                L + 31 * SEC,
                4,
                "?UU?",
            ),
            case(
                "now exactly on a minute start with a check at now",
                vec![up(L)],
                60,
                L,
                3,
                "??U",
            ),
            case(
                "check slightly after now (clock skew) counts in current bucket",
                vec![up(L + 40 * SEC)],
                60,
                L + 30 * SEC,
                2,
                "?U",
            ),
            case(
                "check in a future bucket is ignored",
                vec![up(L - 30 * SEC), down(L + MIN)],
                60,
                L + 30 * SEC,
                2,
                "UU",
            ),
            case(
                "count zero",
                per_minute(5, 0, 0, |_| up),
                60,
                L + 30 * SEC,
                0,
                "",
            ),
            case(
                "interval zero: only a check exactly at the reference is fresh",
                vec![up(L - 2 * MIN), up(L + 30 * SEC)],
                0,
                L + 30 * SEC,
                3,
                "??U",
            ),
            case(
                "negative now aligns by flooring",
                vec![up(-90 * SEC)],
                60,
                -10 * SEC,
                3,
                "?UU",
            ),
            case(
                "full 4 hour timeline",
                per_minute(250, 0, 10 * SEC, |_| up),
                60,
                L + 30 * SEC,
                TIMELINE_BUCKETS,
                &"U".repeat(TIMELINE_BUCKETS),
            ),
        ];

        let mut failures = Vec::new();
        for c in &cases {
            let got = fill_buckets(&c.checks, c.interval, c.now, c.count);
            if got.len() != c.count {
                failures.push(format!("{}: len {} != {}", c.name, got.len(), c.count));
                continue;
            }
            let got = encode(&got);
            if got != c.want {
                failures.push(format!("{}:\n  want {}\n  got  {}", c.name, c.want, got));
            }
        }
        assert!(
            failures.is_empty(),
            "failing cases:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn timeline_length_is_240() {
        let got = fill_buckets(&[], 60, L, TIMELINE_BUCKETS);
        assert_eq!(got.len(), 240);
        assert!(got.iter().all(|s| *s == BucketState::Unknown));
    }

    #[test]
    fn labels() {
        let cases = [
            (BucketState::Up, "up"),
            (BucketState::Slow, "slow"),
            (BucketState::Down, "down"),
            (BucketState::Bot, "bot"),
            (BucketState::Unknown, "unknown"),
        ];
        for (state, want) in cases {
            assert_eq!(state.label(), want, "label of {state:?}");
        }
    }

    /// Straightforward O(checks * buckets) statement of the rules, written
    /// independently of the merge pass.
    fn naive(checks: &[CheckPoint], interval: u32, now: i64, count: usize) -> Vec<BucketState> {
        let last_start = now.div_euclid(MIN) * MIN;
        (0..count)
            .map(|i| {
                let start = last_start - (count - 1 - i) as i64 * MIN;
                let end = start + MIN;
                let reference = if i == count - 1 { now.min(end) } else { end };
                let latest = checks.iter().rev().find(|c| c.at_ms < end);
                match latest {
                    Some(c) if reference - c.at_ms <= interval as i64 * 2000 => match c.status {
                        CheckStatus::Up if c.slow => BucketState::Slow,
                        CheckStatus::Up => BucketState::Up,
                        CheckStatus::Down | CheckStatus::Timeout => BucketState::Down,
                        CheckStatus::BotDetected => BucketState::Bot,
                    },
                    _ => BucketState::Unknown,
                }
            })
            .collect()
    }


    #[test]
    fn merge_pass_matches_naive_reference() {
        let mut rng = Lcg(0x5eed);
        let intervals = [0u32, 30, 60, 120, 300, 600, 3600];
        let statuses = [
            CheckStatus::Up,
            CheckStatus::Up,
            CheckStatus::Up,
            CheckStatus::Down,
            CheckStatus::Timeout,
            CheckStatus::BotDetected,
        ];
        for case in 0..500 {
            let count = rng.below(60) as usize;
            let interval = intervals[rng.below(intervals.len() as u64) as usize];
            let now = L + rng.below(MIN as u64) as i64;
            // Spread checks from well before the window to past the current
            // bucket. The grid starts on a minute boundary, so the coarse
            // grain hits bucket boundaries exactly and produces duplicate
            // timestamps; the fine grain covers everything in between.
            let span = (count as i64 + 30) * MIN;
            let grain = if rng.below(2) == 0 { 1 } else { 30 * SEC };
            let n = rng.below(120) as usize;
            let mut checks: Vec<CheckPoint> = (0..n)
                .map(|_| {
                    let ticks = rng.below((span + 2 * MIN) as u64 / grain as u64) as i64;
                    CheckPoint {
                        at_ms: L - span + ticks * grain,
                        status: statuses[rng.below(statuses.len() as u64) as usize],
                        slow: rng.below(4) == 0,
                    }
                })
                .collect();
            checks.sort_by_key(|c| c.at_ms);
            let got = fill_buckets(&checks, interval, now, count);
            let want = naive(&checks, interval, now, count);
            assert_eq!(
                encode(&got),
                encode(&want),
                "random case {case}: interval {interval}, now {now}, count {count}, checks {checks:?}"
            );
        }
    }

    fn m(role: Role, status: Option<CheckStatus>, slow: bool) -> MonitorNow {
        MonitorNow { role, status, slow }
    }
    fn core(status: CheckStatus) -> MonitorNow {
        m(Role::Core, Some(status), false)
    }
    fn core_slow() -> MonitorNow {
        m(Role::Core, Some(CheckStatus::Up), true)
    }
    fn core_none() -> MonitorNow {
        m(Role::Core, None, false)
    }
    fn supp(status: CheckStatus) -> MonitorNow {
        m(Role::Supplementary, Some(status), false)
    }
    fn supp_slow() -> MonitorNow {
        m(Role::Supplementary, Some(CheckStatus::Up), true)
    }
    fn supp_none() -> MonitorNow {
        m(Role::Supplementary, None, false)
    }

    #[test]
    fn site_status_table() {
        use CheckStatus::{BotDetected as Bot, Down, Timeout, Up};
        let cases: Vec<(&str, Vec<MonitorNow>, SiteStatus)> = vec![
            ("no monitors", vec![], SiteStatus::Unknown),
            ("single core up", vec![core(Up)], SiteStatus::Up),
            (
                "all core up, supplementary up",
                vec![core(Up), core(Up), supp(Up)],
                SiteStatus::Up,
            ),
            ("core down", vec![core(Up), core(Down)], SiteStatus::Down),
            ("core timeout", vec![core(Timeout)], SiteStatus::Down),
            (
                "core down beats everything",
                vec![
                    core(Bot),
                    core_slow(),
                    supp(Down),
                    supp(Bot),
                    core_none(),
                    core(Down),
                ],
                SiteStatus::Down,
            ),
            (
                "core down with other core lacking data",
                vec![core_none(), core(Down)],
                SiteStatus::Down,
            ),
            ("core bot", vec![core(Up), core(Bot)], SiteStatus::Degraded),
            (
                "core slow",
                vec![core(Up), core_slow()],
                SiteStatus::Degraded,
            ),
            (
                "supplementary down",
                vec![core(Up), supp(Down)],
                SiteStatus::Degraded,
            ),
            (
                "supplementary timeout",
                vec![core(Up), supp(Timeout)],
                SiteStatus::Degraded,
            ),
            (
                "supplementary bot",
                vec![core(Up), supp(Bot)],
                SiteStatus::Degraded,
            ),
            (
                "supplementary slow alone",
                vec![core(Up), supp_slow()],
                SiteStatus::Up,
            ),
            (
                "supplementary without data",
                vec![core(Up), supp_none()],
                SiteStatus::Up,
            ),
            (
                "slow flag on core bot is still degraded",
                vec![m(Role::Core, Some(Bot), true)],
                SiteStatus::Degraded,
            ),
            (
                "slow flag on core down is still down",
                vec![m(Role::Core, Some(Down), true)],
                SiteStatus::Down,
            ),
            (
                "all core without data",
                vec![core_none(), core_none()],
                SiteStatus::Unknown,
            ),
            (
                "all core without data beats supplementary down",
                vec![core_none(), supp(Down), supp(Bot)],
                SiteStatus::Unknown,
            ),
            (
                "only supplementary monitors, all up",
                vec![supp(Up), supp(Up)],
                SiteStatus::Unknown,
            ),
            (
                "only supplementary monitors, one down",
                vec![supp(Down)],
                SiteStatus::Unknown,
            ),
            (
                "mixed core data: the one with data is up",
                vec![core_none(), core(Up)],
                SiteStatus::Up,
            ),
            (
                "mixed core data: the one with data is bot",
                vec![core(Bot), core_none()],
                SiteStatus::Degraded,
            ),
            (
                "mixed core data plus supplementary timeout",
                vec![core_none(), core(Up), supp(Timeout)],
                SiteStatus::Degraded,
            ),
        ];
        let mut failures = Vec::new();
        for (name, monitors, want) in &cases {
            let got = site_status(monitors);
            if got != *want {
                failures.push(format!("{name}: want {want:?}, got {got:?}"));
            }
            // Order of monitors must never matter.
            let mut reversed = monitors.clone();
            reversed.reverse();
            let got_rev = site_status(&reversed);
            if got_rev != *want {
                failures.push(format!("{name} (reversed): want {want:?}, got {got_rev:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "failing cases:\n{}",
            failures.join("\n")
        );
    }
}
