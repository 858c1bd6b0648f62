//! History math for uptime and latency (DESIGN.md §5): rollups that merge.
//!
//! Pure logic: no I/O and no clock. A [`Rollup`] summarises any span of one
//! monitor's history (an hour, a day, 90 days) as sums and counts only, never
//! averages or percentages, so two rollups of adjacent spans merge into exactly
//! the rollup of the combined span. Hourly rows merge into daily rows, daily rows
//! into 7/30/90-day windows, with no raw checks scanned.
//!
//! # Minutes and uptime
//!
//! Uptime is measured in timeline minutes, not in checks: each minute of the
//! span gets the [`BucketState`] that [`fill_buckets`] gives it (most recent
//! check, forward-filled for `2 x interval`), and
//!
//! * `Up` and `Slow` minutes are **up** and **known** (slow is still up);
//! * `Down` minutes (DOWN and TIMEOUT) are **known** but not up;
//! * `Unknown` minutes are counted in `unknown_minutes` and are neither up nor
//!   known: a gap in monitoring is reported, never counted as up or as down;
//! * `Bot` minutes are counted in `bot_minutes` and, like unknown minutes, are
//!   **excluded** from both up and known. A bot wall tells us the checker was
//!   blocked, not whether humans could use the site, so counting it as down
//!   would punish a working site and counting it as up would over-claim.
//!
//! `uptime = up_minutes / known_minutes`, `None` when nothing is known.
//! Every minute of a span lands in exactly one of `known_minutes`,
//! `unknown_minutes` and `bot_minutes`.
//!
//! # Latency histogram
//!
//! Percentiles cannot be merged, so a rollup keeps a fixed histogram of
//! latencies ([`HIST_LOWER`], 48 log-spaced buckets) and estimates percentiles
//! from it. The edges were chosen (greedily, widest possible) so that each
//! bucket has one integer representative ([`HIST_REP`]) within 10 % or 1 ms of
//! every integer latency in the bucket. The exact nearest-rank percentile always
//! falls in the bucket the estimate reads, so `p95_ms()` is within
//! `max(10 %, 1 ms)` of the exact p95 for every latency below 71,288 ms (above
//! any `timeout_seconds` the monitor model allows). The estimate is also clamped
//! to the exact min/max, which only moves it closer.
//!
//! # Storage
//!
//! `Rollup` derives serde with one field per D1 column ([`Rollup::COLUMNS`]):
//! counts are INTEGER, `latency_min_ms`/`latency_max_ms` are INTEGER or NULL and
//! `latency_hist` is TEXT in a sparse `index:count,index:count` form (usually a
//! handful of pairs, since a monitor's latencies cluster), so a D1 row
//! deserializes straight into a `Rollup` and back.

use serde::{Deserialize, Serialize};

use super::buckets::{fill_buckets, BucketState, CheckPoint, BUCKET_MS};
use super::status::CheckStatus;
use super::time::EpochMs;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// Number of latency histogram buckets.
pub const HIST_BUCKETS: usize = 48;

/// Inclusive lower bound (ms) of each histogram bucket; bucket `i` holds
/// `HIST_LOWER[i] <= latency < HIST_LOWER[i + 1]`, the last one is open-ended.
/// Stored data depends on these numbers: never change them, only append a new
/// version of the format.
pub const HIST_LOWER: [u32; HIST_BUCKETS] = [
    0, 3, 6, 9, 12, 15, 18, 22, 27, 33, 41, 51, 63, 77, 94, 115, 141, 173, 212, 259, 316, 386, 472,
    577, 705, 862, 1054, 1288, 1574, 1924, 2352, 2875, 3514, 4295, 5249, 6415, 7841, 9584, 11714,
    14317, 17498, 21386, 26138, 31946, 39045, 47722, 58327, 71288,
];

/// The value reported for a percentile that falls in bucket `i` (before
/// clamping to the observed min/max).
pub const HIST_REP: [u32; HIST_BUCKETS] = [
    1, 4, 7, 10, 13, 16, 19, 24, 29, 36, 45, 56, 69, 84, 103, 126, 155, 190, 233, 284, 347, 424, 519,
    634, 775, 948, 1159, 1416, 1731, 2116, 2587, 3162, 3865, 4724, 5773, 7056, 8625, 10542, 12885,
    15748, 19247, 23524, 28751, 35140, 42949, 52494, 64159, 71288,
];

/// Histogram bucket of a latency.
pub fn hist_index(latency_ms: u32) -> usize {
    // partition_point: number of lower bounds <= latency, at least 1 because
    // HIST_LOWER[0] == 0.
    HIST_LOWER.partition_point(|&lo| lo <= latency_ms).saturating_sub(1)
}

/// Mergeable aggregate of one monitor over some span (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    /// Checks by outcome.
    pub up: u32,
    pub down: u32,
    pub timeout: u32,
    pub bot: u32,
    /// UP checks that were slow (also counted in `up`).
    pub slow: u32,
    /// Minutes by timeline state; `known + unknown + bot` = minutes of the span.
    pub unknown_minutes: u32,
    pub known_minutes: u32,
    pub up_minutes: u32,
    /// Minutes behind a bot wall: neither up nor known.
    #[serde(default)]
    pub bot_minutes: u32,
    pub latency_count: u32,
    pub latency_sum_ms: u64,
    pub latency_min_ms: Option<u32>,
    pub latency_max_ms: Option<u32>,
    #[serde(default = "empty_hist", with = "hist_text")]
    pub latency_hist: [u32; HIST_BUCKETS],
}

fn empty_hist() -> [u32; HIST_BUCKETS] {
    [0; HIST_BUCKETS]
}

// Manual because `Default` is only implemented for arrays of up to 32 items.
impl Default for Rollup {
    fn default() -> Self {
        Rollup {
            up: 0,
            down: 0,
            timeout: 0,
            bot: 0,
            slow: 0,
            unknown_minutes: 0,
            known_minutes: 0,
            up_minutes: 0,
            bot_minutes: 0,
            latency_count: 0,
            latency_sum_ms: 0,
            latency_min_ms: None,
            latency_max_ms: None,
            latency_hist: empty_hist(),
        }
    }
}

fn min_opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    a.max(b) // None < Some(_)
}

impl Rollup {
    /// D1 column names, in serde field order (for INSERT statements).
    pub const COLUMNS: [&'static str; 14] = [
        "up",
        "down",
        "timeout",
        "bot",
        "slow",
        "unknown_minutes",
        "known_minutes",
        "up_minutes",
        "bot_minutes",
        "latency_count",
        "latency_sum_ms",
        "latency_min_ms",
        "latency_max_ms",
        "latency_hist",
    ];

    /// Counts one check. `slow` only counts for UP checks (a failed check has
    /// no meaningful latency verdict). `latency_ms` is the check row's latency
    /// as stored (null on failure), counted whatever the status.
    pub fn add_check(&mut self, status: CheckStatus, slow: bool, latency_ms: Option<u32>) {
        match status {
            CheckStatus::Up => {
                self.up = self.up.saturating_add(1);
                if slow {
                    self.slow = self.slow.saturating_add(1);
                }
            }
            CheckStatus::Down => self.down = self.down.saturating_add(1),
            CheckStatus::Timeout => self.timeout = self.timeout.saturating_add(1),
            CheckStatus::BotDetected => self.bot = self.bot.saturating_add(1),
        }
        if let Some(ms) = latency_ms {
            self.latency_count = self.latency_count.saturating_add(1);
            self.latency_sum_ms = self.latency_sum_ms.saturating_add(u64::from(ms));
            self.latency_min_ms = min_opt(self.latency_min_ms, Some(ms));
            self.latency_max_ms = max_opt(self.latency_max_ms, Some(ms));
            let slot = &mut self.latency_hist[hist_index(ms)];
            *slot = slot.saturating_add(1);
        }
    }

    /// Counts timeline minutes (one [`BucketState`] per minute, from
    /// [`fill_buckets`]); see the module docs for which minutes are up/known.
    pub fn add_minutes(&mut self, states: &[BucketState]) {
        for s in states {
            match s {
                BucketState::Up | BucketState::Slow => {
                    self.up_minutes = self.up_minutes.saturating_add(1);
                    self.known_minutes = self.known_minutes.saturating_add(1);
                }
                BucketState::Down => self.known_minutes = self.known_minutes.saturating_add(1),
                BucketState::Bot => self.bot_minutes = self.bot_minutes.saturating_add(1),
                BucketState::Unknown => {
                    self.unknown_minutes = self.unknown_minutes.saturating_add(1)
                }
            }
        }
    }

    /// Adds `other` in: the result is the rollup of both spans' raw inputs.
    pub fn merge(&mut self, other: &Rollup) {
        self.up = self.up.saturating_add(other.up);
        self.down = self.down.saturating_add(other.down);
        self.timeout = self.timeout.saturating_add(other.timeout);
        self.bot = self.bot.saturating_add(other.bot);
        self.slow = self.slow.saturating_add(other.slow);
        self.unknown_minutes = self.unknown_minutes.saturating_add(other.unknown_minutes);
        self.known_minutes = self.known_minutes.saturating_add(other.known_minutes);
        self.up_minutes = self.up_minutes.saturating_add(other.up_minutes);
        self.bot_minutes = self.bot_minutes.saturating_add(other.bot_minutes);
        self.latency_count = self.latency_count.saturating_add(other.latency_count);
        self.latency_sum_ms = self.latency_sum_ms.saturating_add(other.latency_sum_ms);
        self.latency_min_ms = min_opt(self.latency_min_ms, other.latency_min_ms);
        self.latency_max_ms = max_opt(self.latency_max_ms, other.latency_max_ms);
        for (a, b) in self.latency_hist.iter_mut().zip(other.latency_hist.iter()) {
            *a = a.saturating_add(*b);
        }
    }

    /// Total number of checks counted.
    pub fn checks(&self) -> u32 {
        self.up
            .saturating_add(self.down)
            .saturating_add(self.timeout)
            .saturating_add(self.bot)
    }

    /// Minutes counted in any state.
    pub fn total_minutes(&self) -> u32 {
        self.known_minutes
            .saturating_add(self.unknown_minutes)
            .saturating_add(self.bot_minutes)
    }

    /// Known minutes that were not up (DOWN or TIMEOUT).
    pub fn down_minutes(&self) -> u32 {
        self.known_minutes.saturating_sub(self.up_minutes)
    }

    /// `up_minutes / known_minutes` in `0.0..=1.0`; `None` if no minute is known.
    pub fn uptime(&self) -> Option<f64> {
        if self.known_minutes == 0 {
            return None;
        }
        Some(f64::from(self.up_minutes.min(self.known_minutes)) / f64::from(self.known_minutes))
    }

    /// Nearest-rank percentile estimate (`q` in `0.0..=1.0`) from the
    /// histogram, within `max(10 %, 1 ms)` of the exact value (module docs).
    pub fn percentile_ms(&self, q: f64) -> Option<u32> {
        let total: u64 = self.latency_hist.iter().map(|&c| u64::from(c)).sum();
        if total == 0 {
            return None;
        }
        let rank = nearest_rank(q, total);
        let mut seen = 0u64;
        for (i, &c) in self.latency_hist.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                let lo = self.latency_min_ms.unwrap_or(0);
                let hi = self.latency_max_ms.unwrap_or(u32::MAX).max(lo);
                return Some(HIST_REP[i].clamp(lo, hi));
            }
        }
        None
    }

    pub fn p50_ms(&self) -> Option<u32> {
        self.percentile_ms(0.50)
    }

    pub fn p95_ms(&self) -> Option<u32> {
        self.percentile_ms(0.95)
    }

    pub fn p99_ms(&self) -> Option<u32> {
        self.percentile_ms(0.99)
    }

    /// Mean latency, rounded to the nearest millisecond.
    pub fn mean_ms(&self) -> Option<u32> {
        if self.latency_count == 0 {
            return None;
        }
        let n = u64::from(self.latency_count);
        let mean = (self.latency_sum_ms + n / 2) / n;
        Some(u32::try_from(mean).unwrap_or(u32::MAX))
    }
}

/// 1-based nearest rank of quantile `q` among `n` values: `ceil(q * n)`,
/// at least 1 and at most `n`. NaN counts as 0.
pub fn nearest_rank(q: f64, n: u64) -> u64 {
    let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
    // Float is exact enough: n is a count of checks (far below 2^52).
    let r = (q * n as f64).ceil() as u64;
    r.clamp(1, n.max(1))
}

/// Exact nearest-rank percentile of a set of latencies (sorts a copy). Used
/// for the raw recent points on the detail page and as the test oracle.
pub fn exact_percentile(values: &[u32], q: f64) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = nearest_rank(q, v.len() as u64);
    v.get(usize::try_from(rank - 1).ok()?).copied()
}

/// Merges many rollups into one.
pub fn merged<'a>(rollups: impl IntoIterator<Item = &'a Rollup>) -> Rollup {
    let mut out = Rollup::default();
    for r in rollups {
        out.merge(r);
    }
    out
}

/// Start of the UTC hour containing `ms`.
pub fn hour_start(ms: EpochMs) -> EpochMs {
    ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// Start of the UTC day containing `ms` (UTC has no DST, so days are 24 h).
pub fn day_start(ms: EpochMs) -> EpochMs {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// One raw check as a rollup needs it (a `checks` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawCheck {
    pub at_ms: EpochMs,
    pub status: CheckStatus,
    pub slow: bool,
    pub latency_ms: Option<u32>,
}

impl RawCheck {
    pub fn point(&self) -> CheckPoint {
        CheckPoint {
            at_ms: self.at_ms,
            status: self.status,
            slow: self.slow,
        }
    }
}

/// The rollup of `[from_ms, to_ms)`, both rounded down to whole minutes:
/// checks stamped inside the span are counted, and each minute of the span
/// gets its finished-bucket state from [`fill_buckets`].
///
/// `checks` must be sorted by `at_ms` ascending and should start at
/// `from_ms - 2 * interval` so the first minutes can be forward-filled
/// (otherwise they are counted unknown). Computing an hour (or a day) once it
/// is over is idempotent, so the cron can simply recompute and REPLACE the
/// row; see [`rollup_hour`].
pub fn rollup_range(
    checks: &[RawCheck],
    interval_seconds: u32,
    from_ms: EpochMs,
    to_ms: EpochMs,
) -> Rollup {
    let from = from_ms.div_euclid(BUCKET_MS) * BUCKET_MS;
    let to = to_ms.div_euclid(BUCKET_MS) * BUCKET_MS;
    let mut out = Rollup::default();
    for c in checks.iter().filter(|c| c.at_ms >= from && c.at_ms < to) {
        out.add_check(c.status, c.slow, c.latency_ms);
    }
    if to <= from {
        return out;
    }
    let minutes = usize::try_from((to - from) / BUCKET_MS).unwrap_or(0);
    let points: Vec<CheckPoint> = checks.iter().take_while(|c| c.at_ms < to).map(RawCheck::point).collect();
    // With now == `to` (a minute boundary) fill_buckets' last bucket is the
    // one starting at `to`; the `minutes` before it are the span, all treated
    // as finished buckets (freshness measured at each bucket's end).
    let states = fill_buckets(&points, interval_seconds, to, minutes + 1);
    out.add_minutes(&states[..minutes]);
    out
}

/// The rollup of the UTC hour starting at `hour_start_ms` (see [`rollup_range`]).
pub fn rollup_hour(checks: &[RawCheck], interval_seconds: u32, hour_start_ms: EpochMs) -> Rollup {
    let start = hour_start(hour_start_ms);
    rollup_range(checks, interval_seconds, start, start + HOUR_MS)
}

/// Sparse text form of the histogram: `index:count` pairs for non-zero
/// buckets, comma-separated, ascending; empty text for an empty histogram.
pub fn hist_to_text(hist: &[u32; HIST_BUCKETS]) -> String {
    let mut out = String::new();
    for (i, &c) in hist.iter().enumerate() {
        if c == 0 {
            continue;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&i.to_string());
        out.push(':');
        out.push_str(&c.to_string());
    }
    out
}

/// Parses [`hist_to_text`]'s form. Rejects out-of-range indexes and garbage
/// rather than guessing; repeated indexes add up.
pub fn hist_from_text(text: &str) -> Result<[u32; HIST_BUCKETS], String> {
    let mut hist = [0u32; HIST_BUCKETS];
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (i, c) = pair
            .split_once(':')
            .ok_or_else(|| format!("latency_hist: expected index:count, got {pair:?}"))?;
        let i: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("latency_hist: bad index in {pair:?}"))?;
        let c: u32 = c
            .trim()
            .parse()
            .map_err(|_| format!("latency_hist: bad count in {pair:?}"))?;
        let slot = hist
            .get_mut(i)
            .ok_or_else(|| format!("latency_hist: index {i} out of range"))?;
        *slot = slot.saturating_add(c);
    }
    Ok(hist)
}

mod hist_text {
    use super::{hist_from_text, hist_to_text, HIST_BUCKETS};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hist: &[u32; HIST_BUCKETS], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hist_to_text(hist))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u32; HIST_BUCKETS], D::Error> {
        // NULL (a row written before the column existed) reads as empty.
        let text: Option<String> = Option::deserialize(d)?;
        hist_from_text(text.as_deref().unwrap_or("")).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::lcg::Lcg;
    use BucketState::{Bot as B, Down as D, Slow as S, Unknown as N, Up as U};

    const MIN: i64 = 60_000;


    /// (name, minute states, uptime, (up, known, unknown, bot) minutes)
    type MinutesCase = (&'static str, Vec<BucketState>, Option<f64>, (u32, u32, u32, u32));
    /// Raw inputs of a rollup: checks as (status, slow, latency) and minutes.
    type History = (Vec<(CheckStatus, bool, Option<u32>)>, Vec<BucketState>);

    #[test]
    fn uptime_from_minutes_table() {
        let cases: Vec<MinutesCase> = vec![
            ("empty", vec![], None, (0, 0, 0, 0)),
            ("all unknown", vec![N; 10], None, (0, 0, 10, 0)),
            ("all bot", vec![B; 5], None, (0, 0, 0, 5)),
            ("all up", vec![U; 60], Some(1.0), (60, 60, 0, 0)),
            ("slow is up", vec![U, S, S, U], Some(1.0), (4, 4, 0, 0)),
            ("one of four down", vec![U, U, U, D], Some(0.75), (3, 4, 0, 0)),
            // 3 up, 1 down known; 2 unknown and 2 bot are excluded.
            ("unknown and bot excluded", vec![U, N, B, U, D, N, B, S], Some(0.75), (3, 4, 2, 2)),
            ("all down", vec![D; 3], Some(0.0), (0, 3, 0, 0)),
            (
                "a day with a 72 minute outage",
                [vec![U; 1368], vec![D; 72]].concat(),
                Some(1368.0 / 1440.0),
                (1368, 1440, 0, 0),
            ),
        ];
        for (name, states, want, (up, known, unknown, bot)) in cases {
            let mut r = Rollup::default();
            r.add_minutes(&states);
            assert_eq!(r.uptime(), want, "{name}");
            assert_eq!(
                (r.up_minutes, r.known_minutes, r.unknown_minutes, r.bot_minutes),
                (up, known, unknown, bot),
                "{name}"
            );
            assert_eq!(r.total_minutes() as usize, states.len(), "{name}: every minute counted once");
            assert_eq!(r.down_minutes(), known - up, "{name}");
        }
    }

    #[test]
    fn add_check_counts() {
        let mut r = Rollup::default();
        r.add_check(CheckStatus::Up, false, Some(100));
        r.add_check(CheckStatus::Up, true, Some(900));
        r.add_check(CheckStatus::Down, true, None); // slow ignored on failures
        r.add_check(CheckStatus::Timeout, false, None);
        r.add_check(CheckStatus::BotDetected, false, Some(50));
        assert_eq!((r.up, r.down, r.timeout, r.bot, r.slow), (2, 1, 1, 1, 1));
        assert_eq!(r.checks(), 5);
        assert_eq!(r.latency_count, 3);
        assert_eq!(r.latency_sum_ms, 1050);
        assert_eq!((r.latency_min_ms, r.latency_max_ms), (Some(50), Some(900)));
        assert_eq!(r.mean_ms(), Some(350));
        assert_eq!(r.latency_hist.iter().sum::<u32>(), 3);
    }

    #[test]
    fn empty_rollup_has_no_answers() {
        let r = Rollup::default();
        assert_eq!(r.uptime(), None);
        assert_eq!(r.p95_ms(), None);
        assert_eq!(r.mean_ms(), None);
        assert_eq!(r.checks(), 0);
        let mut m = r;
        m.merge(&Rollup::default());
        assert_eq!(m, Rollup::default());
    }

    #[test]
    fn mean_rounds_to_nearest() {
        let mut r = Rollup::default();
        for ms in [1, 2] {
            r.add_check(CheckStatus::Up, false, Some(ms));
        }
        assert_eq!(r.mean_ms(), Some(2)); // 1.5 rounds half up
        r.add_check(CheckStatus::Up, false, Some(1));
        assert_eq!(r.mean_ms(), Some(1)); // 1.33
    }

    #[test]
    fn histogram_tables_are_consistent() {
        assert_eq!(HIST_LOWER[0], 0);
        for i in 0..HIST_BUCKETS {
            if i + 1 < HIST_BUCKETS {
                assert!(HIST_LOWER[i] < HIST_LOWER[i + 1], "edges ascend at {i}");
                assert!(HIST_REP[i] >= HIST_LOWER[i] && HIST_REP[i] < HIST_LOWER[i + 1], "rep inside bucket {i}");
            }
            assert_eq!(hist_index(HIST_LOWER[i]), i);
        }
        assert_eq!(hist_index(u32::MAX), HIST_BUCKETS - 1);
        // The documented guarantee, for every integer latency below the
        // open-ended last bucket.
        for v in 0..HIST_LOWER[HIST_BUCKETS - 1] {
            let rep = HIST_REP[hist_index(v)];
            let err = (i64::from(rep) - i64::from(v)).unsigned_abs() as f64;
            assert!(err <= 1.0 || err <= 0.10 * f64::from(v), "latency {v}: rep {rep}");
        }
    }

    #[test]
    fn percentile_estimate_within_ten_percent_of_exact() {
        let mut rng = Lcg(42);
        let mut worst = 0.0f64;
        for case in 0..300 {
            let n = 1 + rng.below(500) as usize;
            // Log-uniform-ish spread from ~5 ms to ~30 s, plus clustered sets.
            let base = 5 + rng.below(3000) as u32;
            let values: Vec<u32> = (0..n)
                .map(|_| {
                    if case % 3 == 0 {
                        base + rng.below(u64::from(base / 4 + 1)) as u32
                    } else {
                        let exp = rng.below(13) as u32; // 2^0 .. 2^12
                        (1u32 << exp) * (5 + rng.below(6) as u32) / 2
                    }
                })
                .collect();
            let mut r = Rollup::default();
            for &v in &values {
                r.add_check(CheckStatus::Up, false, Some(v));
            }
            for q in [0.5, 0.95, 0.99] {
                let exact = exact_percentile(&values, q).unwrap();
                let est = r.percentile_ms(q).unwrap();
                let err = (f64::from(est) - f64::from(exact)).abs();
                assert!(
                    err <= 1.0 || err <= 0.10 * f64::from(exact),
                    "case {case} q {q}: exact {exact}, estimate {est}"
                );
                if exact >= 10 {
                    worst = worst.max(err / f64::from(exact));
                }
            }
        }
        assert!(worst <= 0.10, "worst relative error {worst}");
    }

    #[test]
    fn percentile_clamps_to_observed_range() {
        let mut r = Rollup::default();
        r.add_check(CheckStatus::Up, false, Some(1000));
        // A single value: every percentile is that value, not the bucket rep.
        assert_eq!(r.p95_ms(), Some(1000));
        assert_eq!(r.p50_ms(), Some(1000));
        let mut r = Rollup::default();
        r.add_check(CheckStatus::Up, false, Some(100_000)); // overflow bucket
        assert_eq!(r.p99_ms(), Some(100_000));
    }

    /// Random history: checks (with latencies) and minute states.
    fn random_history(rng: &mut Lcg) -> History {
        let statuses = [CheckStatus::Up, CheckStatus::Up, CheckStatus::Up, CheckStatus::Down, CheckStatus::Timeout, CheckStatus::BotDetected];
        let states = [U, U, U, S, D, B, N];
        let checks = (0..rng.below(80))
            .map(|_| {
                let st = statuses[rng.below(statuses.len() as u64) as usize];
                let lat = if rng.below(4) == 0 { None } else { Some(rng.below(40_000) as u32) };
                (st, rng.below(3) == 0, lat)
            })
            .collect();
        let minutes = (0..rng.below(200)).map(|_| states[rng.below(states.len() as u64) as usize]).collect();
        (checks, minutes)
    }

    fn rollup_of(checks: &[(CheckStatus, bool, Option<u32>)], minutes: &[BucketState]) -> Rollup {
        let mut r = Rollup::default();
        for &(s, slow, lat) in checks {
            r.add_check(s, slow, lat);
        }
        r.add_minutes(minutes);
        r
    }

    #[test]
    fn merge_equals_rollup_of_combined_inputs() {
        let mut rng = Lcg(7);
        for case in 0..400 {
            let (ca, ma) = random_history(&mut rng);
            let (cb, mb) = random_history(&mut rng);
            let a = rollup_of(&ca, &ma);
            let b = rollup_of(&cb, &mb);
            let whole = rollup_of(&[ca.clone(), cb.clone()].concat(), &[ma.clone(), mb.clone()].concat());
            let mut ab = a;
            ab.merge(&b);
            assert_eq!(ab, whole, "case {case}: merge(a, b)");
            let mut ba = b;
            ba.merge(&a);
            assert_eq!(ba, whole, "case {case}: merge is commutative");
            assert_eq!(merged([&a, &Rollup::default(), &b]), whole, "case {case}: identity");
            // Derived answers agree too, since they only read sums and counts.
            assert_eq!(ab.uptime(), whole.uptime());
            assert_eq!(ab.p95_ms(), whole.p95_ms());
        }
    }

    #[test]
    fn hour_and_day_start() {
        let t = 1_795_238_700_123; // 2026-11-21T05:25:00.123Z
        let cases = [
            (t, 1_795_237_200_000, 1_795_219_200_000),
            (0, 0, 0),
            (HOUR_MS - 1, 0, 0),
            (DAY_MS, DAY_MS, DAY_MS),
            (-1, -HOUR_MS, -DAY_MS), // floors, also before 1970
        ];
        for (ms, h, d) in cases {
            assert_eq!(hour_start(ms), h, "hour_start({ms})");
            assert_eq!(day_start(ms), d, "day_start({ms})");
        }
        assert_eq!(super::super::time::iso(day_start(t)), "2026-11-21T00:00:00.000Z");
        assert_eq!(super::super::time::iso(hour_start(t)), "2026-11-21T05:00:00.000Z");
    }

    #[test]
    fn hour_rollup_from_raw_checks() {
        let h = 1_795_237_200_000; // 05:00Z
        let up = |at: i64, lat: u32| RawCheck { at_ms: at, status: CheckStatus::Up, slow: false, latency_ms: Some(lat) };
        let down = |at: i64| RawCheck { at_ms: at, status: CheckStatus::Down, slow: false, latency_ms: None };
        // 300 s monitor: a check before the hour (forward-fills the first
        // minutes), up every 5 minutes, one failed check at :30 and nothing
        // after :45 (stale from :55 on).
        let mut checks = vec![up(h - 2 * MIN, 100)];
        for k in 0..10 {
            let at = h + 3 * MIN + k * 5 * MIN; // :03, :08, ..., :48
            checks.push(if k == 5 { down(at) } else { up(at, 100 + k as u32) });
        }
        let r = rollup_hour(&checks, 300, h + 17 * MIN);
        assert_eq!((r.up, r.down), (9, 1));
        // Minutes :00-:02 are filled by the 04:58 check. The :48 check stays
        // fresh while bucket end - 48 min <= 10 min, i.e. through minute :57;
        // :58 and :59 are unknown. The :28 check is down until the :33 one,
        // so minutes :28-:32 are down: 58 known, 53 up.
        assert_eq!(r.unknown_minutes, 2);
        assert_eq!(r.known_minutes, 58);
        assert_eq!(r.up_minutes, 53);
        assert_eq!(r.total_minutes(), 60);
        assert_eq!(r.uptime(), Some(53.0 / 58.0));
        // A check exactly at the next hour belongs to the next hour.
        let mut next = checks.clone();
        next.push(down(h + HOUR_MS));
        assert_eq!(rollup_hour(&next, 300, h), r);
        // Hours merge into the day exactly like their raw checks would.
        let two = rollup_range(&checks, 300, h, h + 2 * HOUR_MS);
        let mut sum = rollup_hour(&checks, 300, h);
        sum.merge(&rollup_hour(&checks, 300, h + HOUR_MS));
        assert_eq!(two, sum);
    }

    #[test]
    fn serde_round_trip_matches_columns() {
        let mut r = Rollup::default();
        for v in [5, 120, 130, 2000, 2000] {
            r.add_check(CheckStatus::Up, v > 1000, Some(v));
        }
        r.add_minutes(&[U, D, N, B]);
        let json = serde_json::to_value(r).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want: Vec<&str> = Rollup::COLUMNS.to_vec();
        let mut got = keys.clone();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(json["latency_hist"], "1:1,15:2,29:2");
        let back: Rollup = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        // A row with NULL latency columns and a NULL/absent histogram.
        let row = serde_json::json!({"up":1,"down":0,"timeout":0,"bot":0,"slow":0,"unknown_minutes":0,
            "known_minutes":1,"up_minutes":1,"latency_count":0,"latency_sum_ms":0,
            "latency_min_ms":null,"latency_max_ms":null,"latency_hist":null});
        let r: Rollup = serde_json::from_value(row).unwrap();
        assert_eq!(r.latency_hist, [0; HIST_BUCKETS]);
        assert_eq!(r.bot_minutes, 0);
    }

    #[test]
    fn hist_text_rejects_garbage() {
        assert!(hist_from_text("").is_ok());
        assert_eq!(hist_from_text("3:2, 3:1").unwrap()[3], 3);
        for bad in ["x", "1", "48:1", "-1:2", "1:x", "1:-1"] {
            assert!(hist_from_text(bad).is_err(), "{bad:?}");
        }
    }
}
