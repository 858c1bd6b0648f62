//! The public status page (SPEC section 6): view model, HTML, JSON, badges and
//! the incident feed.
//!
//! Pure: the glue reads D1 into the plain input structs below, passes `now`,
//! and gets strings or JSON back. Nothing here does I/O or reads a clock.
//!
//! # Safety of public output
//!
//! * All HTML/XML is written through the shared [`Html`] writer (`core::text`), whose
//!   only way to emit unescaped text takes `&'static str`: anything computed at run time
//!   (names, titles, numbers formatted to text, URLs) goes through `text::escape`.
//!   So user text cannot inject markup even by mistake.
//! * Inputs carry no monitor URLs, headers, bodies or raw error text at all: an
//!   incident's cause arrives as its [`FailureKind`] (and HTTP status), which
//!   [`public_cause`] turns into a fixed phrase. The `failure_type` text, which can
//!   hold hosts, paths or error messages, never reaches this module.
//!
//! # Size
//!
//! The 240-minute timeline and the 90-day bar are run-length encoded: one
//! element per run of equal states, sized with `flex`. The 50-monitor sample
//! page ([`sample_data`]) is ~80 KB of HTML, ~7 KB of it the stylesheet.
//! Per-run `title`s give hover detail; the accessible summary is the
//! `aria-label` on each bar. The worst case (every monitor flapping every
//! minute) is ~0.5 MB, which gzip shrinks to a small fraction. In the JSON,
//! the daily history is run-length encoded too (see `ser_day_runs`).
//!
//! # Cost
//!
//! `view` + `render_html` for the 50-monitor sample: about 1 ms natively and
//! about 1.2 ms as wasm in V8; no chrono formatting on the hot path.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::failure::FailureKind;
use super::buckets::{fill_buckets, site_status, BucketState, CheckPoint, MonitorNow, SiteStatus, BUCKET_MS, TIMELINE_BUCKETS};
use super::monitor::Role;
use super::status::CheckStatus;
use super::text::{self, day_range, duration_ms, hm, path_segment, short_utc, ymd, Html};
use super::time::EpochMs;
use super::uptime::{day_start, exact_percentile, merged, Rollup, DAY_MS};

/// Days in the daily bar.
pub const DAILY_BARS: usize = 90;
/// Latency sparkline bins over the timeline's 4 hours: 10 minutes each on the
/// main page (small), 5 minutes on the detail page. Both divide 240 minutes,
/// so bins align with the timeline above them.
pub const SPARK_BINS: usize = 24;
pub const DETAIL_SPARK_BINS: usize = 48;
/// Sparkline viewBox: `0 0 SPARK_W SPARK_H` (integer coordinates).
const SPARK_W: i64 = 96;
const SPARK_H: i64 = 32;
/// Resolved incidents shown on the page (open ones are always shown).
pub const MAX_RESOLVED_INCIDENTS: usize = 10;
/// Open incidents shown; more than this means the page is the wrong place to
/// list them anyway, and it bounds the page size.
pub const MAX_OPEN_INCIDENTS: usize = 50;
/// Maintenance notices shown (active first, then upcoming by start).
pub const MAX_MAINTENANCE: usize = 10;
/// Entries in the Atom feed.
pub const MAX_FEED_ENTRIES: usize = 50;

/// A day is `down` (red) below this uptime: more than ~14 minutes of a fully
/// observed day down.
pub const DAY_DOWN_BELOW: f64 = 0.99;
/// A day is `degraded` (amber) with any down or bot-wall minute, or when at
/// least this share of its UP checks were slow.
pub const DAY_SLOW_SHARE: f64 = 0.10;

// ---------------------------------------------------------------------------
// Input

/// Everything the public page shows, read from D1 by the glue.
#[derive(Debug, Clone)]
pub struct PageInput<'a> {
    pub project_name: &'a str,
    pub project_slug: &'a str,
    pub now_ms: EpochMs,
    pub monitors: Vec<MonitorInput<'a>>,
    pub incidents: Vec<IncidentInput<'a>>,
    pub maintenance: Vec<MaintenanceInput<'a>>,
}

#[derive(Debug, Clone)]
pub struct MonitorInput<'a> {
    pub id: i64,
    pub name: &'a str,
    pub role: Role,
    pub interval_seconds: u32,
    /// The monitors row's current status. Only trusted while
    /// `last_checked_ms` is within `2 x interval` of now (the timeline's
    /// freshness rule); otherwise the monitor counts as "no data".
    pub status: Option<CheckStatus>,
    pub slow: bool,
    pub last_checked_ms: Option<EpochMs>,
    /// Raw checks from `now - 4 h - 2 x interval`, ascending by time.
    pub recent: &'a [CheckPoint],
    /// Recent (time, latency) points, any order; those in the 4-hour window
    /// feed the sparkline.
    pub latency_points: &'a [(EpochMs, u32)],
    /// Daily rollups (day start, rollup), up to 90 days, ascending.
    pub daily: &'a [(EpochMs, Rollup)],
    /// Uptime for 24 h, 7 d, 30 d, 90 d (from rollups), `None` = no data.
    pub uptime: [Option<f64>; 4],
}

#[derive(Debug, Clone)]
pub struct IncidentInput<'a> {
    /// incidents.id: anchors (`#incident-7`) and stable feed entry ids.
    pub id: i64,
    pub monitor_name: &'a str,
    pub opened_ms: EpochMs,
    pub resolved_ms: Option<EpochMs>,
    /// The cause's kind (`None` when not known) and the failing answer's HTTP status:
    /// all [`public_cause`] needs. The raw `failure_type` text is not an input.
    pub kind: Option<FailureKind>,
    pub http_status: Option<u16>,
}

#[derive(Debug, Clone)]
pub struct MaintenanceInput<'a> {
    pub title: &'a str,
    pub starts_ms: EpochMs,
    pub ends_ms: EpochMs,
}

/// One monitor's detail page (`GET /status/{slug}/{monitor}`).
#[derive(Debug, Clone)]
pub struct DetailInput<'a> {
    pub project_name: &'a str,
    pub project_slug: &'a str,
    pub now_ms: EpochMs,
    pub monitor: MonitorInput<'a>,
    /// This monitor's incidents (open and recent).
    pub incidents: Vec<IncidentInput<'a>>,
    pub maintenance: Vec<MaintenanceInput<'a>>,
}

// ---------------------------------------------------------------------------
// View model

fn ser_iso<S: Serializer>(ms: &EpochMs, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&text::iso(*ms))
}

fn ser_iso_opt<S: Serializer>(ms: &Option<EpochMs>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&text::iso(*ms)),
        None => s.serialize_none(),
    }
}

/// Ratios to 6 decimals (0.999306): more digits are noise and cost bytes.
fn ser_ratio<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) if v.is_finite() => s.serialize_f64((v * 1e6).round() / 1e6),
        _ => s.serialize_none(),
    }
}

/// One JSON element of the daily history.
#[derive(Serialize)]
struct DayRun {
    #[serde(serialize_with = "ser_date")]
    from: EpochMs,
    #[serde(serialize_with = "ser_date")]
    to: EpochMs,
    state: DayState,
    #[serde(serialize_with = "ser_ratio")]
    uptime: Option<f64>,
}

/// The daily history in JSON: consecutive `up` days and consecutive
/// `nodata` days are merged into one `{from, to, state, uptime}` element
/// (lossless: an up day's uptime is exactly 1 and a no-data day has none);
/// degraded and down days stay one element each with their own uptime. This
/// keeps a 50-monitor JSON at a fraction of 4,500 day objects.
fn ser_day_runs<S: Serializer>(days: &[DayView], s: S) -> Result<S::Ok, S::Error> {
    let mut runs: Vec<DayRun> = Vec::new();
    for d in days {
        let mergeable = matches!(d.state, DayState::Up | DayState::NoData);
        match runs.last_mut() {
            Some(r) if mergeable && r.state == d.state => r.to = d.date,
            _ => runs.push(DayRun { from: d.date, to: d.date, state: d.state, uptime: d.uptime }),
        }
    }
    s.collect_seq(runs)
}

fn ser_date<S: Serializer>(ms: &EpochMs, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ymd(*ms))
}

#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    pub project: ProjectView,
    pub status: SiteStatus,
    pub status_text: &'static str,
    #[serde(serialize_with = "ser_iso")]
    pub updated_at: EpochMs,
    pub monitors: Vec<MonitorView>,
    /// Open incidents (newest first), then resolved ones (newest first).
    pub incidents: Vec<IncidentView>,
    pub maintenance: Vec<MaintenanceView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonitorView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// Current status, `null` when there is no fresh data.
    pub status: Option<CheckStatus>,
    pub slow: bool,
    /// Current state as a timeline colour.
    pub state: BucketState,
    pub state_text: &'static str,
    #[serde(serialize_with = "ser_iso_opt")]
    pub last_checked_at: Option<EpochMs>,
    /// The 240 one-minute buckets, run-length encoded, oldest first.
    pub timeline: Vec<TimelineRun>,
    pub timeline_minutes: StateCounts,
    /// 90 days, oldest first, the last one is today (UTC, partial). In JSON
    /// as runs, see [`ser_day_runs`].
    #[serde(serialize_with = "ser_day_runs")]
    pub daily: Vec<DayView>,
    /// 24h, 7d, 30d, 90d.
    pub uptime: Vec<UptimeView>,
    pub latency: LatencyView,
}

/// Consecutive timeline minutes in the same state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimelineRun {
    pub state: BucketState,
    pub minutes: u32,
    #[serde(serialize_with = "ser_iso")]
    pub from: EpochMs,
    /// End of the run; for the last run this is `now` (the minute is partial).
    #[serde(serialize_with = "ser_iso")]
    pub to: EpochMs,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    pub up: u32,
    pub slow: u32,
    pub down: u32,
    pub bot: u32,
    pub unknown: u32,
}

impl StateCounts {
    fn add(&mut self, s: BucketState) {
        match s {
            BucketState::Up => self.up += 1,
            BucketState::Slow => self.slow += 1,
            BucketState::Down => self.down += 1,
            BucketState::Bot => self.bot += 1,
            BucketState::Unknown => self.unknown += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DayState {
    Up,
    Degraded,
    Down,
    #[serde(rename = "nodata")]
    NoData,
}

impl DayState {
    /// Derives a day's colour from its rollup (thresholds documented on
    /// [`DAY_DOWN_BELOW`] and [`DAY_SLOW_SHARE`]).
    pub fn of(r: &Rollup) -> DayState {
        DayState::of_counts(&DayCounts::of(r))
    }

    fn of_counts(r: &DayCounts) -> DayState {
        if r.known_minutes == 0 {
            // A day spent entirely behind a bot wall is not "no data": the
            // checker saw something, just not the site.
            return if r.bot_minutes > 0 { DayState::Degraded } else { DayState::NoData };
        }
        let uptime = f64::from(r.up_minutes.min(r.known_minutes)) / f64::from(r.known_minutes);
        if uptime < DAY_DOWN_BELOW {
            DayState::Down
        } else if r.known_minutes > r.up_minutes
            || r.bot_minutes > 0
            || (r.up > 0 && f64::from(r.slow) >= DAY_SLOW_SHARE * f64::from(r.up))
        {
            DayState::Degraded
        } else {
            DayState::Up
        }
    }

    fn class(self) -> &'static str {
        match self {
            DayState::Up => "u",
            DayState::Degraded => "w",
            DayState::Down => "d",
            DayState::NoData => "n",
        }
    }
}

/// The parts of a day's rollup the bar needs (copying these is much cheaper
/// than merging whole rollups with their histograms, 4,500 times a page).
#[derive(Debug, Clone, Copy, Default)]
struct DayCounts {
    up_minutes: u32,
    known_minutes: u32,
    bot_minutes: u32,
    up: u32,
    slow: u32,
}

impl DayCounts {
    fn of(r: &Rollup) -> Self {
        DayCounts { up_minutes: r.up_minutes, known_minutes: r.known_minutes, bot_minutes: r.bot_minutes, up: r.up, slow: r.slow }
    }
    fn add(&mut self, o: &DayCounts) {
        self.up_minutes = self.up_minutes.saturating_add(o.up_minutes);
        self.known_minutes = self.known_minutes.saturating_add(o.known_minutes);
        self.bot_minutes = self.bot_minutes.saturating_add(o.bot_minutes);
        self.up = self.up.saturating_add(o.up);
        self.slow = self.slow.saturating_add(o.slow);
    }
}

/// One day of the daily bar. The JSON carries date, state and uptime only
/// (90 days x 50 monitors adds up); the minute counts feed the HTML titles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DayView {
    #[serde(serialize_with = "ser_date")]
    pub date: EpochMs,
    pub state: DayState,
    #[serde(serialize_with = "ser_ratio")]
    pub uptime: Option<f64>,
    #[serde(skip)]
    pub up_minutes: u32,
    #[serde(skip)]
    pub known_minutes: u32,
    #[serde(skip)]
    pub down_minutes: u32,
    #[serde(skip)]
    pub bot_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UptimeView {
    pub window: &'static str,
    #[serde(serialize_with = "ser_ratio")]
    pub value: Option<f64>,
    /// "99.95%", "100%" or "—".
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyView {
    /// Mean latency per 5-minute bin over the timeline's 4 hours, oldest first.
    pub series: Vec<Option<u32>>,
    pub min_ms: Option<u32>,
    pub avg_ms: Option<u32>,
    pub max_ms: Option<u32>,
    /// SVG path data for the sparkline (viewBox `0 0 96 32`). HTML only.
    #[serde(skip)]
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentView {
    pub id: i64,
    pub monitor: String,
    /// Public category of the cause (never the raw error text).
    pub cause: &'static str,
    #[serde(serialize_with = "ser_iso")]
    pub opened_at: EpochMs,
    #[serde(serialize_with = "ser_iso_opt")]
    pub resolved_at: Option<EpochMs>,
    pub ongoing: bool,
    pub duration_seconds: i64,
    /// "2h 5m".
    pub duration_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaintenanceView {
    pub title: String,
    #[serde(serialize_with = "ser_iso")]
    pub starts_at: EpochMs,
    #[serde(serialize_with = "ser_iso")]
    pub ends_at: EpochMs,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetailView {
    pub project: ProjectView,
    #[serde(serialize_with = "ser_iso")]
    pub updated_at: EpochMs,
    pub monitor: MonitorView,
    /// Latency percentiles: last 4 hours (exact, from recent points), then
    /// 7/30/90 days from the daily rollups (histogram estimates).
    pub latency_stats: Vec<LatencyStats>,
    pub incidents: Vec<IncidentView>,
    pub maintenance: Vec<MaintenanceView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyStats {
    pub window: &'static str,
    pub p50_ms: Option<u32>,
    pub p95_ms: Option<u32>,
    pub p99_ms: Option<u32>,
    pub mean_ms: Option<u32>,
}

// ---------------------------------------------------------------------------
// Building the view

/// Builds the page's view model (shared by the HTML and the JSON).
pub fn view(input: &PageInput) -> PageView {
    let now = input.now_ms;
    let monitors: Vec<MonitorView> = input.monitors.iter().map(|m| monitor_view(m, now, SPARK_BINS)).collect();
    let nows: Vec<MonitorNow> = monitors
        .iter()
        .map(|m| MonitorNow { role: m.role, status: m.status, slow: m.slow })
        .collect();
    let status = site_status(&nows);
    let ever_checked = input.monitors.iter().any(|m| m.last_checked_ms.is_some());
    PageView {
        project: ProjectView { name: input.project_name.to_string(), slug: input.project_slug.to_string() },
        status,
        status_text: banner_text(status, &monitors, ever_checked),
        updated_at: now,
        monitors,
        incidents: incident_views(&input.incidents, now),
        maintenance: maintenance_views(&input.maintenance, now),
    }
}

/// Builds the detail page's view model.
pub fn detail_view(input: &DetailInput) -> DetailView {
    let now = input.now_ms;
    let m = &input.monitor;
    let recent: Vec<u32> = m
        .latency_points
        .iter()
        // The same 4-hour window as the timeline and the sparkline.
        .filter(|(t, _)| *t >= window_start(now) && *t <= now)
        .map(|(_, v)| *v)
        .collect();
    let mut stats = vec![LatencyStats {
        window: "4h",
        p50_ms: exact_percentile(&recent, 0.50),
        p95_ms: exact_percentile(&recent, 0.95),
        p99_ms: exact_percentile(&recent, 0.99),
        mean_ms: mean(&recent),
    }];
    let today = day_start(now);
    for (window, days) in [("7d", 7i64), ("30d", 30), ("90d", 90)] {
        let from = today - (days - 1) * DAY_MS;
        let r = merged(m.daily.iter().filter(|(d, _)| *d >= from && *d <= today).map(|(_, r)| r));
        stats.push(LatencyStats {
            window,
            p50_ms: r.p50_ms(),
            p95_ms: r.p95_ms(),
            p99_ms: r.p99_ms(),
            mean_ms: r.mean_ms(),
        });
    }
    DetailView {
        project: ProjectView { name: input.project_name.to_string(), slug: input.project_slug.to_string() },
        updated_at: now,
        monitor: monitor_view(m, now, DETAIL_SPARK_BINS),
        latency_stats: stats,
        incidents: incident_views(&input.incidents, now),
        maintenance: maintenance_views(&input.maintenance, now),
    }
}

fn mean(values: &[u32]) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    let sum: u64 = values.iter().map(|&v| u64::from(v)).sum();
    let n = values.len() as u64;
    u32::try_from((sum + n / 2) / n).ok()
}

/// A monitor's status counts only while its last check is fresh, by the same
/// `2 x interval` rule as the timeline, so the row's word and the newest
/// bucket can never disagree. Public so badges can apply the same rule.
pub fn fresh_status(
    status: Option<CheckStatus>,
    last_checked_ms: Option<EpochMs>,
    interval_seconds: u32,
    now_ms: EpochMs,
) -> Option<CheckStatus> {
    let max_age = i64::from(interval_seconds) * 2000;
    match (status, last_checked_ms) {
        (Some(s), Some(at)) if now_ms.saturating_sub(at) <= max_age => Some(s),
        _ => None,
    }
}

fn current(m: &MonitorInput, now: EpochMs) -> Option<CheckStatus> {
    fresh_status(m.status, m.last_checked_ms, m.interval_seconds, now)
}

fn state_of(status: Option<CheckStatus>, slow: bool) -> BucketState {
    match status {
        Some(CheckStatus::Up) if slow => BucketState::Slow,
        Some(CheckStatus::Up) => BucketState::Up,
        Some(CheckStatus::Down) | Some(CheckStatus::Timeout) => BucketState::Down,
        Some(CheckStatus::BotDetected) => BucketState::Bot,
        None => BucketState::Unknown,
    }
}

/// The word next to a monitor's dot.
pub fn state_text(status: Option<CheckStatus>, slow: bool) -> &'static str {
    match status {
        Some(CheckStatus::Up) if slow => "Slow",
        Some(CheckStatus::Up) => "Operational",
        Some(CheckStatus::Down) => "Down",
        Some(CheckStatus::Timeout) => "Not responding",
        Some(CheckStatus::BotDetected) => "Bot wall",
        None => "No data",
    }
}

fn banner_text(status: SiteStatus, monitors: &[MonitorView], ever_checked: bool) -> &'static str {
    match status {
        SiteStatus::Up => "All systems operational",
        SiteStatus::Degraded => "Some systems degraded",
        SiteStatus::Down => {
            // Major only when every core monitor we have data for is failing.
            let all_down = monitors
                .iter()
                .filter(|m| m.role == Role::Core && m.status.is_some())
                .all(|m| matches!(m.status, Some(CheckStatus::Down) | Some(CheckStatus::Timeout)));
            if all_down { "Major outage" } else { "Partial outage" }
        }
        SiteStatus::Unknown if ever_checked => "No recent data",
        SiteStatus::Unknown => "No data yet",
    }
}

/// Start of the first timeline bucket (the window is 240 whole minutes ending
/// with the minute that contains `now`).
fn window_start(now: EpochMs) -> EpochMs {
    now.div_euclid(BUCKET_MS) * BUCKET_MS - (TIMELINE_BUCKETS as i64 - 1) * BUCKET_MS
}

fn monitor_view(m: &MonitorInput, now: EpochMs, bins: usize) -> MonitorView {
    let status = current(m, now);
    let slow = m.slow && status == Some(CheckStatus::Up);
    let states = fill_buckets(m.recent, m.interval_seconds, now, TIMELINE_BUCKETS);
    let start = window_start(now);
    let mut timeline: Vec<TimelineRun> = Vec::new();
    let mut counts = StateCounts::default();
    for (i, &s) in states.iter().enumerate() {
        counts.add(s);
        let at = start + i as i64 * BUCKET_MS;
        let end = (at + BUCKET_MS).min(now.max(at));
        match timeline.last_mut() {
            Some(run) if run.state == s => {
                run.minutes += 1;
                run.to = end;
            }
            _ => timeline.push(TimelineRun { state: s, minutes: 1, from: at, to: end }),
        }
    }
    let uptime = ["24h", "7d", "30d", "90d"]
        .iter()
        .zip(m.uptime.iter())
        .map(|(w, v)| UptimeView { window: w, value: *v, text: uptime_text(*v) })
        .collect();
    MonitorView {
        id: m.id,
        name: m.name.to_string(),
        role: m.role,
        status,
        slow,
        state: state_of(status, slow),
        state_text: state_text(status, slow),
        last_checked_at: m.last_checked_ms,
        timeline,
        timeline_minutes: counts,
        daily: daily_views(m.daily, now),
        uptime,
        latency: latency_view(m.latency_points, m.interval_seconds, now, bins),
    }
}

fn daily_views(daily: &[(EpochMs, Rollup)], now: EpochMs) -> Vec<DayView> {
    let first = day_start(now) - (DAILY_BARS as i64 - 1) * DAY_MS;
    let mut per_day = [DayCounts::default(); DAILY_BARS];
    for (day, r) in daily {
        let d = day_start(*day);
        if d < first {
            continue;
        }
        if let Some(slot) = usize::try_from((d - first) / DAY_MS).ok().and_then(|i| per_day.get_mut(i)) {
            // Merge rather than overwrite: duplicate rows for a day (e.g. a
            // partial "today" row next to a finished one) must not lose data.
            slot.add(&DayCounts::of(r));
        }
    }
    per_day
        .iter()
        .enumerate()
        .map(|(i, r)| DayView {
            date: first + i as i64 * DAY_MS,
            state: DayState::of_counts(r),
            uptime: (r.known_minutes > 0).then(|| f64::from(r.up_minutes.min(r.known_minutes)) / f64::from(r.known_minutes)),
            up_minutes: r.up_minutes,
            known_minutes: r.known_minutes,
            down_minutes: r.known_minutes.saturating_sub(r.up_minutes),
            bot_minutes: r.bot_minutes,
        })
        .collect()
}

fn latency_view(points: &[(EpochMs, u32)], interval_seconds: u32, now: EpochMs, bins: usize) -> LatencyView {
    let start = window_start(now);
    // At most one bin per viewBox unit, so bin centres stay distinct integers.
    let bins = bins.clamp(1, SPARK_W as usize);
    let bin_ms = TIMELINE_BUCKETS as i64 * BUCKET_MS / bins as i64;
    let mut sums = vec![(0u64, 0u32); bins];
    let (mut min, mut max, mut sum, mut n) = (u32::MAX, 0u32, 0u64, 0u64);
    for &(t, v) in points {
        if t < start || t > now {
            continue;
        }
        let Some(bin) = usize::try_from((t - start) / bin_ms).ok().and_then(|b| sums.get_mut(b)) else {
            continue;
        };
        bin.0 += u64::from(v);
        bin.1 += 1;
        min = min.min(v);
        max = max.max(v);
        sum += u64::from(v);
        n += 1;
    }
    let series: Vec<Option<u32>> = sums
        .iter()
        .map(|&(s, c)| (c > 0).then(|| u32::try_from((s + u64::from(c) / 2) / u64::from(c)).unwrap_or(u32::MAX)))
        .collect();
    let avg = (n > 0).then(|| u32::try_from((sum + n / 2) / n).unwrap_or(u32::MAX));
    // Bridge empty bins up to the timeline's freshness window (2 x interval):
    // a 5-minute monitor leaves some bins empty, which is not a gap in data.
    let bridge = usize::try_from(i64::from(interval_seconds) * 2000 / bin_ms).unwrap_or(0);
    let path = spark_path(&series, SPARK_W, SPARK_H, bridge);
    LatencyView {
        series,
        min_ms: (n > 0).then_some(min),
        avg_ms: avg,
        max_ms: (n > 0).then_some(max),
        path,
    }
}

/// SVG path for a series of optional values: one point per bin, x at bin
/// centres (`width / bins` apart), y scaled from 0 to the maximum with a 2-unit
/// margin. Relative commands keep it short. Up to `bridge` missing bins in a
/// row are drawn across; longer runs break the line, and a lone point becomes
/// a zero-length segment that round caps draw as a dot.
fn spark_path(series: &[Option<u32>], width: i64, height: i64, bridge: usize) -> String {
    let max = series.iter().flatten().copied().max().unwrap_or(0).max(1);
    let bins = series.len().max(1) as i64;
    let step = width / bins;
    let y_of = |v: u32| -> i64 { height - 2 - (i64::from(v) * (height - 4) + i64::from(max) / 2) / i64::from(max) };
    let mut out = String::with_capacity(series.len() * 5);
    let mut last: Option<(i64, i64)> = None; // last drawn point
    let mut missing = 0usize; // empty bins since the last point
    let mut segment_len = 0;
    for (i, v) in series.iter().enumerate() {
        let x = i as i64 * step + step / 2;
        match v {
            Some(v) => {
                let y = y_of(*v);
                match (last, missing <= bridge) {
                    (None, _) => {
                        let _ = write!(out, "M{x} {y}");
                        segment_len = 1;
                    }
                    (Some((lx, ly)), true) => {
                        if segment_len == 1 {
                            out.push('l');
                        }
                        push_pair(&mut out, x - lx, y - ly);
                        segment_len += 1;
                    }
                    (Some((lx, ly)), false) => {
                        if segment_len == 1 {
                            out.push_str("l0 0");
                        }
                        out.push('m');
                        push_pair(&mut out, x - lx, y - ly);
                        segment_len = 1;
                    }
                }
                last = Some((x, y));
                missing = 0;
            }
            None => missing += 1,
        }
    }
    if segment_len == 1 {
        out.push_str("l0 0");
    }
    out
}

/// Appends "dx dy" with the fewest separators SVG path syntax allows (a minus
/// sign separates numbers by itself).
fn push_pair(out: &mut String, dx: i64, dy: i64) {
    for v in [dx, dy] {
        if v >= 0 && out.ends_with(|c: char| c.is_ascii_digit()) {
            out.push(' ');
        }
        let _ = write!(out, "{v}");
    }
}

fn incident_views(incidents: &[IncidentInput], now: EpochMs) -> Vec<IncidentView> {
    let mut open: Vec<&IncidentInput> = incidents.iter().filter(|i| i.resolved_ms.is_none()).collect();
    let mut resolved: Vec<&IncidentInput> = incidents.iter().filter(|i| i.resolved_ms.is_some()).collect();
    open.sort_by_key(|i| std::cmp::Reverse((i.opened_ms, i.id)));
    resolved.sort_by_key(|i| std::cmp::Reverse((i.resolved_ms, i.id)));
    open.truncate(MAX_OPEN_INCIDENTS);
    resolved.truncate(MAX_RESOLVED_INCIDENTS);
    open.into_iter()
        .chain(resolved)
        .map(|i| {
            let end = i.resolved_ms.unwrap_or(now);
            let dur = end.saturating_sub(i.opened_ms).max(0);
            IncidentView {
                id: i.id,
                monitor: i.monitor_name.to_string(),
                cause: public_cause(i.kind, i.http_status),
                opened_at: i.opened_ms,
                resolved_at: i.resolved_ms,
                ongoing: i.resolved_ms.is_none(),
                duration_seconds: dur / 1000,
                duration_text: duration_ms(dur),
            }
        })
        .collect()
}

fn maintenance_views(windows: &[MaintenanceInput], now: EpochMs) -> Vec<MaintenanceView> {
    let mut out: Vec<MaintenanceView> = windows
        .iter()
        .filter(|w| w.ends_ms > now && w.ends_ms > w.starts_ms)
        .map(|w| MaintenanceView {
            title: w.title.to_string(),
            starts_at: w.starts_ms,
            ends_at: w.ends_ms,
            active: w.starts_ms <= now,
        })
        .collect();
    out.sort_by_key(|w| (!w.active, w.starts_at));
    out.truncate(MAX_MAINTENANCE);
    out
}

// ---------------------------------------------------------------------------
// Text helpers

/// Uptime as shown: "100%" only when nothing known was down, otherwise
/// truncated (never rounded up) to two decimals so 99.999 % reads "99.99%",
/// not a misleading "100.00%"; "—" without data.
pub fn uptime_text(v: Option<f64>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) if v.is_nan() => "—".to_string(),
        Some(v) if v >= 1.0 => "100%".to_string(),
        Some(v) => {
            // The epsilon absorbs binary float error (0.9995 * 10000 is
            // 9994.999...); the cap keeps anything below 1 below "100".
            let hundredths = ((v.max(0.0) * 10_000.0) + 1e-6).floor().min(9_999.0) as u32;
            format!("{}.{:02}%", hundredths / 100, hundredths % 100)
        }
    }
}

/// The public words for an incident's cause: [`FailureKind::public_category`], or
/// "check failed" when the kind is not known (an old row whose text matched no kind).
pub fn public_cause(kind: Option<FailureKind>, http_status: Option<u16>) -> &'static str {
    kind.map_or("check failed", |k| k.public_category(http_status))
}

// ---------------------------------------------------------------------------
// HTML

/// Inline stylesheet shared by the page and the detail page. Colours:
/// up green, slow a lighter lime green (still up, so a shade of green rather
/// than amber, which would read as a warning next to the orange of bot walls),
/// down red, bot orange, unknown gray; degraded days amber. Text colours meet
/// WCAG AA (>= 4.5:1) on the card backgrounds in both schemes; bar fills are
/// never the only carrier of meaning (aria labels, titles, legend).
const CSS: &str = concat!(
    ":root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--fg:#15171a;--mut:#5b6470;--bd:#e3e6ea;--lk:#0a58ca;",
    "--u:#1f9d55;--s:#94c748;--d:#e5484d;--b:#f5902d;--n:#d3d7dc;--w:#e9b10e;--m:#3b82f6;",
    "--ut:#17744a;--st:#4d7a0f;--dt:#c42b1c;--bt:#a14a00;--nt:#5b6470;--wt:#8a5d00;--mt:#1d4ed8;",
    "--ub:#e9f7ef;--db:#fdeceb;--wb:#fdf5e1;--nb:#eef0f3;--mb:#eaf1fe}",
    "@media(prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6e9ed;--mut:#9aa4b1;--bd:#2a313b;--lk:#58a6ff;",
    "--u:#2ea467;--s:#8bc34a;--d:#f0505d;--b:#f59e2d;--n:#3a424d;--w:#d9a520;--m:#60a5fa;",
    "--ut:#4cc38a;--st:#a3d45f;--dt:#ff7b72;--bt:#ffa657;--nt:#9aa4b1;--wt:#e3b341;--mt:#93c5fd;",
    "--ub:#12261c;--db:#2d1517;--wb:#2b2211;--nb:#1f252d;--mb:#14213a}}",
    "*{box-sizing:border-box}",
    "body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;-webkit-text-size-adjust:100%}",
    "a{color:var(--lk);text-decoration:none}a:hover{text-decoration:underline}",
    ".pg{max-width:880px;margin:0 auto;padding:28px 16px 40px}figure{margin:0}",
    ".hd{display:flex;align-items:center;justify-content:space-between;gap:8px 16px;flex-wrap:wrap;margin-bottom:20px}",
    "h1{font-size:22px;line-height:1.25;margin:0;font-weight:700;letter-spacing:-.01em;overflow-wrap:anywhere}",
    "h2{font-size:13px;margin:0 0 12px;font-weight:600;text-transform:uppercase;letter-spacing:.06em;color:var(--mut)}",
    ".hd a{font-size:14px}",
    ".card{background:var(--card);border:1px solid var(--bd);border-radius:14px;padding:20px;margin:0 0 20px;box-shadow:0 1px 2px rgba(16,24,40,.04)}",
    ".bn{display:flex;align-items:center;gap:16px;padding:20px 22px;border-color:transparent}",
    ".bn .ic{flex:none;width:40px;height:40px;border-radius:50%;display:grid;place-items:center;color:#fff;font-weight:700;font-size:20px;line-height:1}",
    ".bn strong{display:block;font-size:19px;line-height:1.3}.bn p{margin:2px 0 0;color:var(--mut);font-size:14px}",
    ".b-u{background:var(--ub)}.b-u .ic{background:var(--u)}.b-u strong{color:var(--ut)}",
    ".b-w{background:var(--wb)}.b-w .ic{background:var(--w)}.b-w strong{color:var(--wt)}",
    ".b-d{background:var(--db)}.b-d .ic{background:var(--d)}.b-d strong{color:var(--dt)}",
    ".b-n{background:var(--nb)}.b-n .ic{background:var(--nt)}.b-n strong{color:var(--fg)}",
    ".mt{background:var(--mb);border-color:transparent}.mt h2{color:var(--mt)}",
    ".mt ul,.inc{list-style:none;margin:0;padding:0}.mt li+li,.inc li+li{margin-top:12px;padding-top:12px;border-top:1px solid var(--bd)}",
    ".mt b,.inc b{font-weight:600;overflow-wrap:anywhere}.mut{color:var(--mut);font-size:14px}",
    ".ms{padding:4px 20px}",
    ".mo{padding:18px 0 20px}.mo+.mo{border-top:1px solid var(--bd)}",
    ".mh{display:flex;align-items:center;gap:6px 10px;flex-wrap:wrap;margin-bottom:10px}",
    ".mh h3{margin:0;font-size:16px;font-weight:600;overflow-wrap:anywhere;flex:1 1 auto;min-width:0}.mh h3 a{color:var(--fg)}",
    ".tag{font-size:12px;color:var(--mut);border:1px solid var(--bd);border-radius:999px;padding:0 8px}",
    ".st{font-size:14px;font-weight:600;white-space:nowrap;display:inline-flex;align-items:center;gap:6px}",
    ".st:before{content:\"\";width:9px;height:9px;border-radius:50%;background:currentColor}",
    ".st.u{color:var(--ut)}.st.s{color:var(--st)}.st.d{color:var(--dt)}.st.b{color:var(--bt)}.st.n{color:var(--nt)}",
    ".bar{display:flex;height:30px;position:relative;margin-bottom:24px}",
    ".bar i{flex:1;min-width:0}.bar i:first-child{border-radius:5px 0 0 5px}.bar i:last-child{border-radius:0 5px 5px 0}.bar i:only-child{border-radius:5px}",
    ".bar:before,.bar:after{position:absolute;top:100%;margin-top:3px;font-size:12px;color:var(--mut);line-height:1.4}",
    ".bar:before{left:0}.bar:after{right:0}",
    ".t:before{content:\"4h ago\"}.t:after{content:\"now\"}",
    ".dy{height:22px}.dy:before{content:\"90 days ago\"}.dy:after{content:\"today\"}",
    ".dy>p{display:flex;flex:1;margin:0;-webkit-mask-image:repeating-linear-gradient(90deg,#000 0 calc(100%/90 - 1px),transparent 0 calc(100%/90));mask-image:repeating-linear-gradient(90deg,#000 0 calc(100%/90 - 1px),transparent 0 calc(100%/90))}",
    "i.u{background:var(--u)}i.s{background:var(--s)}i.d{background:var(--d)}i.b{background:var(--b)}i.n{background:var(--n)}i.w{background:var(--w)}",
    ".row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px 24px;margin-bottom:14px}",
    // "Uptime" is generated text: one word for 50 monitors costs no bytes per
    // row, and browsers expose CSS content to assistive technology.
    "dl{display:flex;gap:6px 22px;margin:0;flex-wrap:wrap}dl div{min-width:52px}",
    "dl:before{content:\"Uptime\";font-size:12px;color:var(--mut);text-transform:uppercase;letter-spacing:.06em;font-weight:600;align-self:center;margin-right:-6px}",
    "dt{font-size:12px;color:var(--mut)}dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}",
    ".lat{display:flex;align-items:center;gap:10px;margin:0;font-size:12px;color:var(--mut);font-variant-numeric:tabular-nums}",
    ".lat svg{width:150px;height:32px;flex:none}",
    "svg path{fill:none;stroke:var(--lk);stroke-width:1.5px;vector-effect:non-scaling-stroke;stroke-linejoin:round;stroke-linecap:round}",
    ".lg{display:flex;flex-wrap:wrap;gap:6px 16px;list-style:none;margin:0;padding:14px 0 16px;border-top:1px solid var(--bd);font-size:13px;color:var(--mut)}.card>.lg{padding-bottom:0}",
    ".lg li{display:inline-flex;align-items:center;gap:6px}.lg i{width:12px;height:12px;border-radius:3px;display:inline-block}",
    ".pill{display:inline-block;font-size:12px;font-weight:600;border-radius:999px;padding:0 8px;margin-left:6px;vertical-align:1px}",
    ".pill.d{background:var(--db);color:var(--dt)}.pill.u{background:var(--ub);color:var(--ut)}.pill.mp{background:var(--card);color:var(--mt)}",
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:14px}",
    "th,td{text-align:right;padding:6px 8px;border-bottom:1px solid var(--bd);white-space:nowrap}th:first-child,td:first-child{text-align:left;padding-left:0}",
    "th{font-weight:600;color:var(--mut);font-size:12px}",
    ".big svg{width:100%;height:120px;display:block;margin-bottom:8px;border-bottom:1px solid var(--bd);background:linear-gradient(var(--bd) 1px,transparent 0) 0 0/100% 25%}",
    ".big figcaption{font-size:13px;color:var(--mut);margin-bottom:12px;font-variant-numeric:tabular-nums}",
    ".ft{display:flex;flex-wrap:wrap;justify-content:space-between;gap:8px 16px;color:var(--mut);font-size:13px;padding:4px 4px 0}",
    ".ft nav{display:flex;gap:16px}",
    "@media(max-width:560px){.pg{padding:18px 12px 32px}.card{padding:16px;border-radius:12px}.ms{padding:2px 16px}.bn{padding:16px}",
    ".bn strong{font-size:17px}.lat{width:100%}.lat svg{flex:1 1 auto;width:auto}",
    // Phones: the "Uptime" label takes its own line so the four numbers fit
    // side by side even at 320 px.
    "dl{width:100%;justify-content:space-between;gap:4px 12px}dl:before{flex-basis:100%;margin:0}dl div{min-width:0}th,td{padding:6px 3px}table{font-size:13px}th{font-size:11px}}",
);

fn site_class(s: SiteStatus) -> (&'static str, &'static str) {
    // (banner class, icon glyph); the icon is decorative, the words carry it.
    match s {
        SiteStatus::Up => ("b-u", "✓"),
        SiteStatus::Degraded => ("b-w", "!"),
        SiteStatus::Down => ("b-d", "✕"),
        SiteStatus::Unknown => ("b-n", "?"),
    }
}

fn favicon_colour(s: SiteStatus) -> &'static str {
    match s {
        SiteStatus::Up => "%231f9d55",
        SiteStatus::Degraded => "%23e9b10e",
        SiteStatus::Down => "%23e5484d",
        SiteStatus::Unknown => "%239aa4b1",
    }
}

fn head(h: &mut Html, title: &str, slug: &str, status: SiteStatus) {
    h.r("<!doctype html><html lang=en><head><meta charset=utf-8>")
        .r("<meta name=viewport content=\"width=device-width,initial-scale=1\">")
        .r("<meta name=color-scheme content=\"light dark\"><title>")
        .t(title)
        .r("</title>")
        // The favicon is an inline SVG dot in the site's colour, so no
        // request reaches the worker for it and a tab shows the status.
        .r("<link rel=icon href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='")
        .r(favicon_colour(status))
        .r("'/%3E%3C/svg%3E\">")
        .r("<link rel=alternate type=application/atom+xml title=Incidents href=\"/status/")
        .t(&path_segment(slug))
        .r("/feed.atom\"><style>")
        .r(CSS)
        .r("</style></head><body><div class=pg>");
}

fn foot(h: &mut Html, slug: &str, updated: EpochMs) {
    let base = format!("/status/{}", path_segment(slug));
    h.r("<footer class=ft><span>Updated ")
        .time(updated)
        .r(" · times in UTC</span><nav><a href=\"")
        .t(&base)
        .r(".json\">JSON</a><a href=\"")
        .t(&base)
        .r("/feed.atom\">Atom feed</a><span>Powered by vigil</span></nav></footer></div></body></html>");
}

fn banner(h: &mut Html, status: SiteStatus, text: &str, updated: EpochMs) {
    let (class, icon) = site_class(status);
    h.r("<section class=\"card bn ")
        .r(class)
        .r("\" role=status><span class=ic aria-hidden=true>")
        .r(icon)
        .r("</span><div><strong>")
        .t(text)
        .r("</strong><p>Last updated ")
        .time(updated)
        .r("</p></div></section>");
}

fn maintenance_html(h: &mut Html, ms: &[MaintenanceView]) {
    if ms.is_empty() {
        return;
    }
    h.r("<section class=\"card mt\"><h2>Scheduled maintenance</h2><ul>");
    for m in ms {
        h.r("<li><b>").t(&m.title).r("</b>");
        if m.active {
            h.r("<span class=\"pill mp\">In progress</span><div class=mut>Until ").time(m.ends_at).r("</div>");
        } else {
            h.r("<span class=\"pill mp\">Upcoming</span><div class=mut>")
                .time(m.starts_at)
                .r(" to ")
                .time(m.ends_at)
                .r("</div>");
        }
        h.r("</li>");
    }
    h.r("</ul></section>");
}

fn incidents_html(h: &mut Html, title: &'static str, list: &[&IncidentView], empty: &'static str) {
    if list.is_empty() && empty.is_empty() {
        return;
    }
    h.r("<section class=card><h2>").r(title).r("</h2>");
    if list.is_empty() {
        h.r("<p class=mut style=margin:0>").r(empty).r("</p></section>");
        return;
    }
    h.r("<ul class=inc>");
    for i in list {
        h.r("<li id=incident-").n(i.id).r("><b>").t(&i.monitor).r("</b>");
        if i.ongoing {
            h.r("<span class=\"pill d\">Ongoing</span><div class=mut>").t(i.cause).r(" · since ").time(i.opened_at);
            h.r(" · ").t(&i.duration_text).r(" so far</div>");
        } else {
            h.r("<span class=\"pill u\">Resolved</span><div class=mut>").t(i.cause).r(" · ").time(i.opened_at);
            h.r(" · lasted ").t(&i.duration_text).r("</div>");
        }
        h.r("</li>");
    }
    h.r("</ul></section>");
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// "Last 4 hours: 232 minutes up, 5 down, 3 unknown" (non-zero parts only).
fn timeline_label(c: &StateCounts) -> String {
    let mut out = String::from("Last 4 hours: ");
    let parts = [(c.up, "up"), (c.slow, "slow"), (c.down, "down"), (c.bot, "bot wall"), (c.unknown, "unknown")];
    let mut first = true;
    for (n, word) in parts {
        if n == 0 {
            continue;
        }
        if first {
            let _ = write!(out, "{n} {} {word}", plural(n, "minute", "minutes"));
            first = false;
        } else {
            let _ = write!(out, ", {n} {word}");
        }
    }
    out
}

fn days_label(days: &[DayView]) -> String {
    let count = |s: DayState| days.iter().filter(|d| d.state == s).count() as u32;
    let mut out = format!("Last {} days: ", days.len());
    let parts = [
        (count(DayState::Up), "operational"),
        (count(DayState::Degraded), "degraded"),
        (count(DayState::Down), "with an outage"),
        (count(DayState::NoData), "without data"),
    ];
    let mut first = true;
    for (n, word) in parts {
        if n == 0 {
            continue;
        }
        let _ = write!(out, "{}{n} {} {word}", if first { "" } else { ", " }, plural(n, "day", "days"));
        first = false;
    }
    out
}

fn flex(h: &mut Html, n: u32) {
    if n > 1 {
        h.r(" style=flex:").n(n);
    }
}

fn timeline_html(h: &mut Html, m: &MonitorView) {
    h.r("<div class=\"bar t\" role=img aria-label=\"").t(&timeline_label(&m.timeline_minutes)).r("\">");
    for run in &m.timeline {
        h.r("<i class=").r(run.state.label_class());
        flex(h, run.minutes);
        // Times are UTC, as the footer says; repeating it per run costs bytes.
        h.r(" title=\"").t(&hm(run.from)).r("–").t(&hm(run.to)).r(" ").r(run.state.label()).r("\"></i>");
    }
    h.r("</div>");
}

/// Hover text for a run of days: "Oct 27: 1h 34m down (93.47%)",
/// "Sep 3–20: no downtime", "Aug 25–Nov 10: no data".
fn day_title(run: &[DayView]) -> String {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return String::new();
    };
    let mut out = day_range(first.date, last.date);
    out.push_str(": ");
    let sum = |f: fn(&DayView) -> u32| run.iter().map(f).sum::<u32>();
    let (up, known, down, bot) = (sum(|d| d.up_minutes), sum(|d| d.known_minutes), sum(|d| d.down_minutes), sum(|d| d.bot_minutes));
    if first.state == DayState::NoData {
        out.push_str("no data");
        return out;
    }
    let mut parts: Vec<String> = Vec::new();
    if down > 0 {
        parts.push(format!("{} down ({})", duration_ms(i64::from(down) * BUCKET_MS), uptime_text(Some(f64::from(up) / f64::from(known.max(1))))));
    }
    if bot > 0 {
        parts.push(format!("{} bot wall", duration_ms(i64::from(bot) * BUCKET_MS)));
    }
    if parts.is_empty() {
        parts.push(if first.state == DayState::Degraded { "slow".to_string() } else { "no downtime".to_string() });
    }
    out.push_str(&parts.join(", "));
    out
}

/// `merge_runs`: the main page merges equal consecutive days into one element
/// (with the run's combined numbers in its title) to stay small; the detail
/// page shows one element per day.
fn days_html(h: &mut Html, days: &[DayView], merge_runs: bool) {
    h.r("<div class=\"bar dy\" role=img aria-label=\"").t(&days_label(days)).r("\"><p>");
    let mut i = 0;
    while i < days.len() {
        let state = days[i].state;
        let mut j = i + 1;
        if merge_runs {
            while j < days.len() && days[j].state == state {
                j += 1;
            }
        }
        let run = &days[i..j];
        h.r("<i class=").r(state.class());
        flex(h, run.len() as u32);
        h.r(" title=\"").t(&day_title(run)).r("\"></i>");
        i = j;
    }
    h.r("</p></div>");
}

fn uptime_html(h: &mut Html, m: &MonitorView) {
    h.r("<dl>");
    for u in &m.uptime {
        h.r("<div><dt>").r(u.window).r("</dt><dd>").t(&u.text).r("</dd></div>");
    }
    h.r("</dl>");
}

fn latency_caption(l: &LatencyView) -> String {
    match (l.min_ms, l.avg_ms, l.max_ms) {
        (Some(a), Some(b), Some(c)) => format!("min {a} · avg {b} · max {c} ms"),
        _ => "no latency data".to_string(),
    }
}

fn sparkline_html(h: &mut Html, l: &LatencyView, class: &'static str) {
    let caption = latency_caption(l);
    if l.path.is_empty() {
        h.r("<p class=").r(class).r(">").t(&caption).r("</p>");
        return;
    }
    // The title names the chart; the numbers are in the visible caption
    // (not repeated, to keep 50-monitor pages small).
    h.r("<figure class=").r(class).r("><svg viewBox=\"0 0 96 32\" preserveAspectRatio=none role=img><title>Response time, last 4 hours")
        .r("</title><path d=\"")
        .t(&l.path)
        .r("\"/></svg><figcaption>")
        .t(&caption)
        .r("</figcaption></figure>");
}

fn legend_html(h: &mut Html) {
    h.r("<ul class=lg aria-label=Legend>")
        .r("<li><i class=u></i>Up</li><li><i class=s></i>Slow (up, over the latency target)</li>")
        .r("<li><i class=d></i>Down or timeout</li><li><i class=b></i>Bot wall (checker blocked)</li>")
        .r("<li><i class=n></i>Unknown (no data)</li><li><i class=w></i>Degraded day</li></ul>");
}

trait StateClass {
    fn label_class(self) -> &'static str;
}

impl StateClass for BucketState {
    /// One-letter CSS class (`u s d b n`); the full word is in titles and labels.
    fn label_class(self) -> &'static str {
        match self {
            BucketState::Up => "u",
            BucketState::Slow => "s",
            BucketState::Down => "d",
            BucketState::Bot => "b",
            BucketState::Unknown => "n",
        }
    }
}

fn monitor_header(h: &mut Html, m: &MonitorView, link: Option<&str>, level: &'static str) {
    h.r("<div class=mh><").r(level).r(">");
    match link {
        Some(href) => {
            h.r("<a href=\"").t(href).r("\">").t(&m.name).r("</a>");
        }
        None => {
            h.t(&m.name);
        }
    }
    h.r("</").r(level).r(">");
    if m.role == Role::Supplementary {
        h.r("<span class=tag>supplementary</span>");
    }
    h.r("<span class=\"st ").r(m.state.label_class()).r("\">").r(m.state_text).r("</span></div>");
}

/// Renders the public status page.
pub fn render_html(v: &PageView) -> String {
    let mut h = Html::with_capacity(6_000 + v.monitors.len() * 2_000);
    head(&mut h, &format!("{} status", v.project.name), &v.project.slug, v.status);
    h.r("<header class=hd><h1>").t(&v.project.name).r("</h1><a href=\"/status/").t(&path_segment(&v.project.slug));
    h.r("/feed.atom\">Subscribe (Atom feed)</a></header><main>");
    banner(&mut h, v.status, v.status_text, v.updated_at);
    maintenance_html(&mut h, &v.maintenance);
    let open: Vec<&IncidentView> = v.incidents.iter().filter(|i| i.ongoing).collect();
    incidents_html(&mut h, "Active incidents", &open, "");
    h.r("<section class=\"card ms\" aria-label=Monitors>");
    if v.monitors.is_empty() {
        h.r("<p class=mut style=\"margin:16px 0\">No monitors yet.</p>");
    }
    let base = format!("/status/{}/", path_segment(&v.project.slug));
    for m in &v.monitors {
        h.r("<article class=mo>");
        monitor_header(&mut h, m, Some(&format!("{base}{}", m.id)), "h3");
        timeline_html(&mut h, m);
        h.r("<div class=row>");
        uptime_html(&mut h, m);
        sparkline_html(&mut h, &m.latency, "lat");
        h.r("</div>");
        days_html(&mut h, &m.daily, true);
        h.r("</article>");
    }
    if !v.monitors.is_empty() {
        legend_html(&mut h);
    }
    h.r("</section>");
    let past: Vec<&IncidentView> = v.incidents.iter().filter(|i| !i.ongoing).collect();
    incidents_html(&mut h, "Past incidents", &past, "No recent incidents.");
    h.r("</main>");
    foot(&mut h, &v.project.slug, v.updated_at);
    h.finish()
}

/// The same data as the page, for `GET /status/{slug}.json`.
pub fn render_json(v: &PageView) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The same JSON as [`render_json`], serialized straight to text without the
/// intermediate `Value` tree (about half the work; use it for the response
/// body).
pub fn render_json_string(v: &PageView) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

/// A table cell: the unit is in the column header so narrow phones fit.
fn opt_ms(v: Option<u32>) -> String {
    v.map_or_else(|| "—".to_string(), |v| v.to_string())
}

/// Renders one monitor's detail page.
pub fn render_detail_html(input: &DetailInput) -> String {
    render_detail_view(&detail_view(input))
}

/// Renders a prepared [`DetailView`].
pub fn render_detail_view(v: &DetailView) -> String {
    let m = &v.monitor;
    let mut h = Html::with_capacity(16_000);
    let site = match m.state {
        BucketState::Up => SiteStatus::Up,
        BucketState::Slow | BucketState::Bot => SiteStatus::Degraded,
        BucketState::Down => SiteStatus::Down,
        BucketState::Unknown => SiteStatus::Unknown,
    };
    head(&mut h, &format!("{} · {} status", m.name, v.project.name), &v.project.slug, site);
    h.r("<header class=hd><div><a href=\"/status/").t(&path_segment(&v.project.slug)).r("\">← ").t(&v.project.name);
    h.r("</a><h1>").t(&m.name).r("</h1></div>");
    if m.role == Role::Supplementary {
        h.r("<span class=tag>supplementary</span>");
    }
    h.r("</header><main>");
    let (class, icon) = site_class(site);
    h.r("<section class=\"card bn ").r(class).r("\" role=status><span class=ic aria-hidden=true>").r(icon);
    h.r("</span><div><strong>").r(m.state_text).r("</strong><p>");
    match m.last_checked_at {
        Some(t) => {
            h.r("Last checked ").time(t);
        }
        None => {
            h.r("Not checked yet");
        }
    }
    h.r("</p></div></section>");
    maintenance_html(&mut h, &v.maintenance);
    h.r("<section class=card><h2>Last 4 hours</h2>");
    timeline_html(&mut h, m);
    h.r("<div class=row>");
    uptime_html(&mut h, m);
    h.r("</div><h2>Last 90 days</h2>");
    days_html(&mut h, &m.daily, false);
    legend_html(&mut h);
    h.r("</section><section class=card><h2>Response time</h2>");
    sparkline_html(&mut h, &m.latency, "big");
    h.r("<table><thead><tr><th>Last</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>mean ms</th></tr></thead><tbody>");
    for s in &v.latency_stats {
        let name = match s.window {
            "4h" => "4 hours",
            "7d" => "7 days",
            "30d" => "30 days",
            _ => "90 days",
        };
        h.r("<tr><td>").r(name).r("</td><td>").t(&opt_ms(s.p50_ms)).r("</td><td>").t(&opt_ms(s.p95_ms));
        h.r("</td><td>").t(&opt_ms(s.p99_ms)).r("</td><td>").t(&opt_ms(s.mean_ms)).r("</td></tr>");
    }
    h.r("</tbody></table></section>");
    let all: Vec<&IncidentView> = v.incidents.iter().collect();
    incidents_html(&mut h, "Incidents", &all, "No recent incidents.");
    h.r("</main>");
    foot(&mut h, &v.project.slug, v.updated_at);
    h.finish()
}


// ---------------------------------------------------------------------------
// Badges

/// Shields.io named colours (the ones a badge URL is likely to carry).
fn badge_hex(color: &str) -> String {
    let named = match color.trim().to_ascii_lowercase().as_str() {
        "brightgreen" | "success" => Some("#4c1"),
        "green" => Some("#97ca00"),
        "yellowgreen" => Some("#a4a61d"),
        "yellow" => Some("#dfb317"),
        "orange" | "important" => Some("#fe7d37"),
        "red" | "critical" => Some("#e05d44"),
        "blue" => Some("#007ec6"),
        "lightgrey" | "lightgray" | "inactive" => Some("#9f9f9f"),
        "grey" | "gray" => Some("#555"),
        _ => None,
    };
    if let Some(hex) = named {
        return hex.to_string();
    }
    let hex = color.trim().trim_start_matches('#');
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("#{hex}")
    } else {
        "#9f9f9f".to_string()
    }
}

/// Approximate advance width in px of text in 11px Verdana (shields' font),
/// from a small per-character class table; `textLength` in the SVG then
/// forces the real font to exactly this width, so the estimate only has to be
/// plausible, never exact.
fn text_width(s: &str) -> u32 {
    let w: f64 = s
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '|' | '.' | ',' | ':' | ';' | '!' | '\'' => 3.6,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | ' ' | '-' => 4.8,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 10.5,
            'A'..='Z' => 7.6,
            '0'..='9' => 7.0,
            c if c.is_ascii() => 6.6,
            _ => 8.0,
        })
        .sum();
    w.ceil() as u32
}

/// A shields-style flat badge. All text is escaped; `color` is a shields
/// colour name or a hex colour (anything else falls back to light grey).
pub fn badge_svg(label: &str, message: &str, color: &str) -> String {
    let (lw, mw) = (text_width(label), text_width(message));
    let (left, right) = (lw + 10, mw + 10);
    let total = left + right;
    let mut h = Html::with_capacity(1200);
    let aria = format!("{label}: {message}");
    h.r("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").n(total).r("\" height=\"20\" role=\"img\" aria-label=\"").t(&aria);
    h.r("\"><title>").t(&aria).r("</title>");
    // No ids (no clipPath or gradient): ids collide when several badges are
    // inlined into one page. The rounded left part is a rounded rect whose
    // right corners are squared off by a 3 px patch.
    h.r("<rect width=\"").n(total).r("\" height=\"20\" rx=\"3\" fill=\"").t(&badge_hex(color)).r("\"/>");
    h.r("<rect width=\"").n(left).r("\" height=\"20\" rx=\"3\" fill=\"#555\"/><rect x=\"").n(left - 3);
    h.r("\" width=\"3\" height=\"20\" fill=\"#555\"/>");
    h.r("<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"110\">");
    for (x, w, text) in [(left * 10 / 2, lw, label), (left * 10 + right * 10 / 2, mw, message)] {
        // Shadow then text, at 10x scale so half-pixel centres stay integers.
        for (dy, shadow) in [(150u32, true), (140, false)] {
            h.r("<text x=\"").n(x).r("\" y=\"").n(dy).r("\" transform=\"scale(.1)\" textLength=\"").n(w * 10).r("\"");
            if shadow {
                h.r(" fill=\"#010101\" fill-opacity=\".3\" aria-hidden=\"true\"");
            }
            h.r(">").t(text).r("</text>");
        }
    }
    h.r("</g></svg>");
    h.finish()
}

/// A shields.io endpoint response (`https://img.shields.io/endpoint?url=...`).
pub fn shields_endpoint(label: &str, message: &str, color: &str) -> Value {
    json!({ "schemaVersion": 1, "label": label, "message": message, "color": color })
}

/// Badge message and shields colour for a monitor's current state.
pub fn status_badge(status: Option<CheckStatus>, slow: bool) -> (&'static str, &'static str) {
    match status {
        Some(CheckStatus::Up) if slow => ("slow", "yellowgreen"),
        Some(CheckStatus::Up) => ("up", "brightgreen"),
        Some(CheckStatus::Down) => ("down", "red"),
        Some(CheckStatus::Timeout) => ("timeout", "red"),
        Some(CheckStatus::BotDetected) => ("bot wall", "orange"),
        None => ("no data", "lightgrey"),
    }
}

/// Badge message and shields colour for an uptime ratio.
pub fn uptime_badge(uptime: Option<f64>) -> (String, &'static str) {
    let color = match uptime {
        None => "lightgrey",
        Some(v) if v >= 0.999 => "brightgreen",
        Some(v) if v >= 0.99 => "green",
        Some(v) if v >= 0.95 => "yellow",
        Some(v) if v >= 0.90 => "orange",
        Some(_) => "red",
    };
    let text = if uptime.is_none() { "no data".to_string() } else { uptime_text(uptime) };
    (text, color)
}

// ---------------------------------------------------------------------------
// Atom feed

/// An Atom 1.0 feed of incidents, newest change first. One entry per
/// incident, with id `{base_url}/status/{slug}#incident-{id}` (stable across
/// renders; it is also the entry's link, which lands on the page's anchor),
/// `published` = opened, `updated` = resolved or opened, so feed readers see a
/// resolution as an update of the same entry. Causes are public categories.
pub fn atom_feed(project_name: &str, slug: &str, base_url: &str, incidents: &[IncidentInput], now_ms: EpochMs) -> String {
    let base = base_url.trim_end_matches('/');
    let page = format!("{base}/status/{}", path_segment(slug));
    let mut list: Vec<&IncidentInput> = incidents.iter().collect();
    list.sort_by_key(|i| std::cmp::Reverse((i.resolved_ms.unwrap_or(i.opened_ms), i.id)));
    list.truncate(MAX_FEED_ENTRIES);
    let updated = list.first().map_or(now_ms, |i| i.resolved_ms.unwrap_or(i.opened_ms));
    let mut h = Html::with_capacity(1000 + list.len() * 600);
    h.r("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>")
        .t(project_name)
        .r(" status: incidents</title>\n<id>")
        .t(&page)
        .r("/feed.atom</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"")
        .t(&page)
        .r("/feed.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"")
        .t(&page)
        .r("\"/>\n<updated>")
        .t(&text::iso(updated))
        .r("</updated>\n<author><name>")
        .t(project_name)
        .r("</name></author>\n<generator>vigil</generator>\n");
    for i in list {
        let cause = public_cause(i.kind, i.http_status);
        let url = format!("{page}#incident-{}", i.id);
        let (title, summary) = match i.resolved_ms {
            None => (
                format!("{} is down", i.monitor_name),
                format!("{} has been down since {} ({cause}).", i.monitor_name, short_utc(i.opened_ms)),
            ),
            Some(r) => (
                format!("{} recovered", i.monitor_name),
                format!(
                    "{} was down from {} to {} ({}, {cause}).",
                    i.monitor_name,
                    short_utc(i.opened_ms),
                    short_utc(r),
                    duration_ms(r - i.opened_ms)
                ),
            ),
        };
        h.r("<entry>\n<id>").t(&url).r("</id>\n<title>").t(&title).r("</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        h.t(&url).r("\"/>\n<published>").t(&text::iso(i.opened_ms)).r("</published>\n<updated>");
        h.t(&text::iso(i.resolved_ms.unwrap_or(i.opened_ms))).r("</updated>\n<summary type=\"text\">").t(&summary);
        h.r("</summary>\n</entry>\n");
    }
    h.r("</feed>\n");
    h.finish()
}

// ---------------------------------------------------------------------------
// Sample data (tests, benchmarks, screenshots)

/// Owned data behind a realistic sample page; [`SampleData::input`] borrows it
/// as a [`PageInput`]. Deterministic for a given `(monitors, now_ms)`.
#[derive(Debug, Clone)]
pub struct SampleData {
    pub now_ms: EpochMs,
    pub names: Vec<String>,
    pub checks: Vec<Vec<CheckPoint>>,
    pub latencies: Vec<Vec<(EpochMs, u32)>>,
    pub daily: Vec<Vec<(EpochMs, Rollup)>>,
    pub intervals: Vec<u32>,
}


use super::lcg::Lcg;

const SAMPLE_NAMES: [&str; 10] = ["Website", "API", "Checkout", "Login", "Search", "CDN", "Webhooks", "Docs", "Dashboard", "Billing"];
const SAMPLE_REGIONS: [&str; 5] = ["", " (EU)", " (US)", " (Asia)", " v2"];

/// Builds `monitors` sample monitors with mixed histories: most are healthy,
/// some had a short outage, a slow spell or a bot wall, one has a monitoring
/// gap, one is down now; 90 days of daily rollups with a few bad days.
pub fn sample_data(monitors: usize, now_ms: EpochMs) -> SampleData {
    let mut rng = Lcg(0x5747_5553 ^ monitors as u64);
    let mut data = SampleData { now_ms, names: vec![], checks: vec![], latencies: vec![], daily: vec![], intervals: vec![] };
    let window = TIMELINE_BUCKETS as i64 * BUCKET_MS;
    for k in 0..monitors {
        let name = format!("{}{}", SAMPLE_NAMES[k % SAMPLE_NAMES.len()], SAMPLE_REGIONS[(k / SAMPLE_NAMES.len()) % SAMPLE_REGIONS.len()]);
        let interval: u32 = if k % 3 == 0 { 60 } else { 300 };
        let base = 60 + rng.below(300) as u32;
        let scenario = k % 7;
        let mut checks = Vec::new();
        let mut lats = Vec::new();
        let step = i64::from(interval) * 1000;
        let mut t = now_ms - window - 2 * step + rng.below(step as u64) as i64;
        let outage_at = now_ms - window + rng.below((window - 30 * BUCKET_MS) as u64) as i64;
        let outage_len = (5 + rng.below(20) as i64) * BUCKET_MS;
        while t <= now_ms {
            let age = now_ms - t;
            let in_outage = (t - outage_at) >= 0 && (t - outage_at) < outage_len;
            let (status, slow) = match scenario {
                1 if in_outage => (CheckStatus::Down, false),
                2 if in_outage => (CheckStatus::Up, true),
                3 if in_outage => (CheckStatus::BotDetected, false),
                4 if age < 12 * BUCKET_MS => (CheckStatus::Timeout, false),
                _ => (CheckStatus::Up, false),
            };
            // Scenario 5 has a monitoring gap of about 40 minutes.
            let gap = scenario == 5 && (t - outage_at) >= 0 && (t - outage_at) < 40 * BUCKET_MS;
            if !gap {
                checks.push(CheckPoint { at_ms: t, status, slow });
                if status == CheckStatus::Up {
                    let jitter = rng.below(u64::from(base / 2)) as u32;
                    let spike = if rng.below(25) == 0 { base * 3 } else { 0 };
                    let lat = if slow { base * 5 + jitter } else { base + jitter + spike };
                    lats.push((t, lat));
                }
            }
            t += step;
        }
        let today = day_start(now_ms);
        let mut daily = Vec::new();
        for d in (0..DAILY_BARS as i64).rev() {
            let day = today - d * DAY_MS;
            // The newest monitors only started a few weeks ago.
            if k % 11 == 10 && d > 20 {
                continue;
            }
            let mut r = Rollup::default();
            let minutes: u32 = if d == 0 { ((now_ms - today) / BUCKET_MS) as u32 } else { 1440 };
            // About one day in 20 has some downtime, one in 60 a long one.
            let down = match rng.below(60) {
                0 => 20 + rng.below(120) as u32,
                1..=2 => 1 + rng.below(8) as u32,
                _ => 0,
            }
            .min(minutes);
            let unknown = if rng.below(30) == 0 { rng.below(60) as u32 } else { 0 }.min(minutes - down);
            let mut states = vec![BucketState::Up; (minutes - down - unknown) as usize];
            states.extend(std::iter::repeat_n(BucketState::Down, down as usize));
            states.extend(std::iter::repeat_n(BucketState::Unknown, unknown as usize));
            r.add_minutes(&states);
            for _ in 0..(minutes * 60 / interval.max(1)).min(1440) {
                r.add_check(CheckStatus::Up, false, Some(base + rng.below(u64::from(base)) as u32));
            }
            daily.push((day, r));
        }
        data.names.push(name);
        data.checks.push(checks);
        data.latencies.push(lats);
        data.daily.push(daily);
        data.intervals.push(interval);
    }
    data
}

impl SampleData {
    /// The sample as page input, with two incidents (one open) and one
    /// maintenance window in progress.
    pub fn input(&self) -> PageInput<'_> {
        let now = self.now_ms;
        let monitors = (0..self.names.len())
            .map(|k| {
                let checks = &self.checks[k];
                let last = checks.last();
                let uptime_all = merged(self.daily[k].iter().map(|(_, r)| r));
                let recent = |days: i64| {
                    let from = day_start(now) - (days - 1) * DAY_MS;
                    merged(self.daily[k].iter().filter(|(d, _)| *d >= from).map(|(_, r)| r)).uptime()
                };
                MonitorInput {
                    id: k as i64 + 1,
                    name: &self.names[k],
                    role: if k % 5 == 4 { Role::Supplementary } else { Role::Core },
                    interval_seconds: self.intervals[k],
                    status: last.map(|c| c.status),
                    slow: last.is_some_and(|c| c.slow),
                    last_checked_ms: last.map(|c| c.at_ms),
                    recent: checks,
                    latency_points: &self.latencies[k],
                    daily: &self.daily[k],
                    uptime: [recent(1), recent(7), recent(30), uptime_all.uptime()],
                }
            })
            .collect();
        // Scenario 4 (k = 4) is timing out right now; scenario 1 had an outage.
        let down_now = self.names.get(4).or(self.names.first()).map_or("Website", String::as_str);
        let had_outage = self.names.get(1).or(self.names.first()).map_or("Website", String::as_str);
        PageInput {
            project_name: "Acme Cloud",
            project_slug: "acme",
            now_ms: now,
            monitors,
            incidents: vec![
                IncidentInput {
                    id: 42,
                    monitor_name: down_now,
                    opened_ms: now - 11 * BUCKET_MS,
                    resolved_ms: None,
                    kind: Some(FailureKind::Timeout),
                    http_status: None,
                },
                IncidentInput {
                    id: 41,
                    monitor_name: had_outage,
                    opened_ms: now - 2 * DAY_MS,
                    resolved_ms: Some(now - 2 * DAY_MS + 125 * BUCKET_MS),
                    kind: Some(FailureKind::Status),
                    http_status: Some(503),
                },
            ],
            maintenance: vec![MaintenanceInput {
                title: "Database upgrade",
                starts_ms: now - 30 * BUCKET_MS,
                ends_ms: now + 90 * BUCKET_MS,
            }],
        }
    }
}

// ---------------------------------------------------------------------------


#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::text::escape;

    const MIN: i64 = 60_000;
    /// 2026-11-21T05:25:30Z: 30 s into a minute.
    const NOW: i64 = 1_795_238_730_000;

    fn up_every(interval_s: u32, from_min: i64, to_min: i64) -> Vec<CheckPoint> {
        let step = i64::from(interval_s) * 1000;
        let mut t = NOW - from_min * MIN;
        let mut out = vec![];
        while t <= NOW - to_min * MIN {
            out.push(CheckPoint { at_ms: t, status: CheckStatus::Up, slow: false });
            t += step;
        }
        out
    }

    fn mon<'a>(name: &'a str, role: Role, status: Option<CheckStatus>, recent: &'a [CheckPoint]) -> MonitorInput<'a> {
        MonitorInput {
            id: 1,
            name,
            role,
            interval_seconds: 300,
            status,
            slow: false,
            last_checked_ms: status.map(|_| NOW - MIN),
            recent,
            latency_points: &[],
            daily: &[],
            uptime: [None; 4],
        }
    }

    fn page<'a>(monitors: Vec<MonitorInput<'a>>) -> PageInput<'a> {
        PageInput { project_name: "Acme", project_slug: "acme", now_ms: NOW, monitors, incidents: vec![], maintenance: vec![] }
    }

    #[test]
    fn banner_for_every_site_status() {
        use CheckStatus::{BotDetected as Bot, Down, Timeout, Up};
        let c = |s| mon("core", Role::Core, Some(s), &[]);
        let sup = |s| mon("supp", Role::Supplementary, Some(s), &[]);
        let none = mon("never", Role::Core, None, &[]);
        let mut stale = mon("stale", Role::Core, Some(Up), &[]);
        stale.last_checked_ms = Some(NOW - 11 * MIN); // interval 300 s: stale after 10 min
        let mut slow = c(Up);
        slow.slow = true;
        let cases: Vec<(&str, Vec<MonitorInput>, SiteStatus, &str)> = vec![
            ("all up", vec![c(Up), sup(Up)], SiteStatus::Up, "All systems operational"),
            ("core slow", vec![c(Up), slow], SiteStatus::Degraded, "Some systems degraded"),
            ("core bot", vec![c(Bot)], SiteStatus::Degraded, "Some systems degraded"),
            ("supplementary down", vec![c(Up), sup(Down)], SiteStatus::Degraded, "Some systems degraded"),
            ("every core down", vec![c(Down), c(Timeout), sup(Up)], SiteStatus::Down, "Major outage"),
            ("one core down", vec![c(Down), c(Up)], SiteStatus::Down, "Partial outage"),
            ("no monitors", vec![], SiteStatus::Unknown, "No data yet"),
            ("never checked", vec![none.clone()], SiteStatus::Unknown, "No data yet"),
            ("only stale data", vec![stale.clone()], SiteStatus::Unknown, "No recent data"),
            ("stale core ignored next to fresh", vec![stale, c(Up)], SiteStatus::Up, "All systems operational"),
        ];
        for (name, monitors, status, text) in cases {
            let v = view(&page(monitors));
            assert_eq!(v.status, status, "{name}");
            assert_eq!(v.status_text, text, "{name}");
            let html = render_html(&v);
            assert!(html.contains(&format!("<strong>{text}</strong>")), "{name}: banner text in HTML");
            assert_eq!(render_json(&v)["status"], json!(format!("{status:?}").to_uppercase()), "{name}");
        }
    }

    #[test]
    fn monitor_state_words_and_staleness() {
        let cases = [
            (Some(CheckStatus::Up), false, 1, "Operational", BucketState::Up),
            (Some(CheckStatus::Up), true, 1, "Slow", BucketState::Slow),
            (Some(CheckStatus::Down), true, 1, "Down", BucketState::Down),
            (Some(CheckStatus::Timeout), false, 1, "Not responding", BucketState::Down),
            (Some(CheckStatus::BotDetected), false, 1, "Bot wall", BucketState::Bot),
            (Some(CheckStatus::Up), false, 11, "No data", BucketState::Unknown),
            (None, false, 1, "No data", BucketState::Unknown),
        ];
        for (status, slow, age_min, word, state) in cases {
            let mut m = mon("m", Role::Core, status, &[]);
            m.slow = slow;
            m.last_checked_ms = Some(NOW - age_min * MIN);
            let v = view(&page(vec![m]));
            assert_eq!((v.monitors[0].state_text, v.monitors[0].state), (word, state), "{status:?} slow={slow} age={age_min}");
            assert!(render_html(&v).contains(&format!("{word}</span></div>")));
            let fresh = fresh_status(status, Some(NOW - age_min * MIN), 300, NOW);
            assert_eq!(fresh.is_some(), state != BucketState::Unknown);
        }
    }

    #[test]
    fn forward_fill_and_unknown_gaps_reach_the_html() {
        // 300 s monitor checked every 5 minutes for 5 hours: forward fill
        // makes the whole 4 hours one green run.
        let steady = up_every(300, 300, 0);
        let v = view(&page(vec![mon("steady", Role::Core, Some(CheckStatus::Up), &steady)]));
        let m = &v.monitors[0];
        assert_eq!(m.timeline.len(), 1);
        assert_eq!((m.timeline[0].state, m.timeline[0].minutes), (BucketState::Up, 240));
        let html = render_html(&v);
        assert!(html.contains("aria-label=\"Last 4 hours: 240 minutes up\""));
        assert!(html.contains("<i class=u style=flex:240 title=\"01:26–05:25 up\"></i>"), "{html}");

        // Same monitor with no checks between 120 and 60 minutes ago: the
        // last check before the gap stays fresh for 10 minutes, then gray.
        let mut gap = up_every(300, 300, 121);
        gap.extend(up_every(300, 60, 0));
        let v = view(&page(vec![mon("gap", Role::Core, Some(CheckStatus::Up), &gap)]));
        let m = &v.monitors[0];
        let states: Vec<(BucketState, u32)> = m.timeline.iter().map(|r| (r.state, r.minutes)).collect();
        assert_eq!(m.timeline_minutes.unknown, states.iter().filter(|s| s.0 == BucketState::Unknown).map(|s| s.1).sum::<u32>());
        assert_eq!(states.len(), 3, "{states:?}");
        assert_eq!(states[1].0, BucketState::Unknown);
        assert_eq!(states.iter().map(|s| s.1).sum::<u32>(), 240);
        let html = render_html(&v);
        let label = timeline_label(&m.timeline_minutes);
        assert!(label.ends_with(&format!(", {} unknown", states[1].1)), "{label}");
        assert!(html.contains(&format!("aria-label=\"{label}\"")));
        assert!(html.contains(&format!("<i class=n style=flex:{}", states[1].1)));
        // JSON carries the runs with ISO bounds.
        let j = render_json(&v);
        assert_eq!(j["monitors"][0]["timeline"][1]["state"], "unknown");
        assert_eq!(j["monitors"][0]["timeline"][0]["from"], "2026-11-21T01:26:00.000Z");
        assert_eq!(j["monitors"][0]["timeline"][2]["to"], "2026-11-21T05:25:30.000Z");
    }

    #[test]
    fn uptime_strings() {
        let cases = [
            (None, "—"),
            (Some(1.0), "100%"),
            (Some(0.9995), "99.95%"),
            (Some(0.99999), "99.99%"), // never rounds up to 100
            (Some(0.999_999_999_9), "99.99%"),
            (Some(0.5), "50.00%"),
            (Some(0.0), "0.00%"),
            (Some(1368.0 / 1440.0), "95.00%"),
            (Some(0.123456), "12.34%"),
            (Some(f64::NAN), "—"),
        ];
        for (v, want) in cases {
            assert_eq!(uptime_text(v), want, "{v:?}");
        }
        let mut m = mon("m", Role::Core, Some(CheckStatus::Up), &[]);
        m.uptime = [Some(0.9995), Some(1.0), None, Some(0.98765)];
        let v = view(&page(vec![m]));
        let texts: Vec<&str> = v.monitors[0].uptime.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(texts, ["99.95%", "100%", "—", "98.76%"]);
        let html = render_html(&v);
        assert!(html.contains("<div><dt>24h</dt><dd>99.95%</dd></div><div><dt>7d</dt><dd>100%</dd></div><div><dt>30d</dt><dd>—</dd></div>"));
    }

    #[test]
    fn incidents_ordered_with_durations_and_public_causes() {
        let mut p = page(vec![mon("api", Role::Core, Some(CheckStatus::Down), &[])]);
        p.incidents = vec![
            IncidentInput { id: 1, monitor_name: "api", opened_ms: NOW - 3 * DAY_MS, resolved_ms: Some(NOW - 3 * DAY_MS + 125 * MIN), kind: Some(FailureKind::Status), http_status: Some(503) },
            IncidentInput { id: 3, monitor_name: "api", opened_ms: NOW - 47 * MIN, resolved_ms: None, kind: Some(FailureKind::Timeout), http_status: None },
            IncidentInput { id: 2, monitor_name: "web", opened_ms: NOW - DAY_MS, resolved_ms: Some(NOW - DAY_MS + 30_000), kind: Some(FailureKind::Dns), http_status: None },
        ];
        let v = view(&p);
        let got: Vec<(i64, bool, &str, &str)> = v.incidents.iter().map(|i| (i.id, i.ongoing, i.duration_text.as_str(), i.cause)).collect();
        assert_eq!(
            got,
            [(3, true, "47m", "timeout"), (2, false, "30s", "DNS error"), (1, false, "2h 5m", "server error (5xx)")]
        );
        let html = render_html(&v);
        assert!(html.contains("Active incidents"));
        assert!(html.contains("<li id=incident-3><b>api</b><span class=\"pill d\">Ongoing</span>"));
        assert!(html.contains("47m so far"));
        assert!(html.contains("lasted 2h 5m"));
        // Without incidents: no active section, a calm past section.
        let html = render_html(&view(&page(vec![])));
        assert!(!html.contains("Active incidents"));
        assert!(html.contains("No recent incidents."));
    }

    #[test]
    fn maintenance_active_and_upcoming_shown_past_dropped() {
        let mut p = page(vec![]);
        p.maintenance = vec![
            MaintenanceInput { title: "Later", starts_ms: NOW + DAY_MS, ends_ms: NOW + DAY_MS + 60 * MIN },
            MaintenanceInput { title: "Over", starts_ms: NOW - 120 * MIN, ends_ms: NOW - 60 * MIN },
            MaintenanceInput { title: "Now", starts_ms: NOW - 10 * MIN, ends_ms: NOW + 50 * MIN },
            MaintenanceInput { title: "Backwards", starts_ms: NOW + 10 * MIN, ends_ms: NOW + 5 * MIN },
        ];
        let v = view(&p);
        let got: Vec<(&str, bool)> = v.maintenance.iter().map(|m| (m.title.as_str(), m.active)).collect();
        assert_eq!(got, [("Now", true), ("Later", false)]);
        let html = render_html(&v);
        assert!(html.contains("Scheduled maintenance"));
        assert!(html.contains("<b>Now</b><span class=\"pill mp\">In progress</span><div class=mut>Until <time datetime=\"2026-11-21T06:15:30.000Z\">Nov 21, 06:15 UTC</time>"));
        assert!(html.contains("<b>Later</b><span class=\"pill mp\">Upcoming</span>"));
        assert!(!html.contains("Over"));
        assert_eq!(render_json(&v)["maintenance"][0]["active"], true);
        assert!(!render_html(&view(&page(vec![]))).contains("Scheduled maintenance"));
    }

    #[test]
    fn daily_bars_cover_90_days_with_states() {
        let today = day_start(NOW);
        let day = |d: i64, up: u32, down: u32, bot: u32, slow: u32| {
            let mut r = Rollup::default();
            r.add_minutes(&vec![BucketState::Up; up as usize]);
            r.add_minutes(&vec![BucketState::Down; down as usize]);
            r.add_minutes(&vec![BucketState::Bot; bot as usize]);
            for i in 0..10 {
                r.add_check(CheckStatus::Up, i < slow, Some(100));
            }
            (today - d * DAY_MS, r)
        };
        let daily = vec![
            day(120, 1440, 0, 0, 0), // too old: ignored
            day(89, 1440, 0, 0, 0),
            day(10, 1420, 20, 0, 0), // 98.6% -> down
            day(9, 1430, 10, 0, 0),  // 99.3% -> degraded
            day(8, 1400, 0, 40, 0),  // bot minutes -> degraded
            day(7, 1440, 0, 0, 1),   // 1 in 10 slow -> degraded
            day(6, 0, 0, 1440, 0),   // only bot -> degraded
            day(0, 325, 0, 0, 0),    // today, partial
        ];
        let mut m = mon("m", Role::Core, Some(CheckStatus::Up), &[]);
        m.daily = &daily;
        let v = view(&page(vec![m]));
        let d = &v.monitors[0].daily;
        assert_eq!(d.len(), 90);
        assert_eq!(d[89].date, today);
        let at = |ago: usize| d[89 - ago].state;
        assert_eq!(at(89), DayState::Up);
        assert_eq!(at(10), DayState::Down);
        assert_eq!(at(9), DayState::Degraded);
        assert_eq!(at(8), DayState::Degraded);
        assert_eq!(at(7), DayState::Degraded);
        assert_eq!(at(6), DayState::Degraded);
        assert_eq!(at(5), DayState::NoData);
        assert_eq!(at(0), DayState::Up);
        let html = render_html(&v);
        assert!(html.contains("title=\"Nov 11: 20m down (98.61%)\""), "{html}");
        assert!(html.contains("aria-label=\"Last 90 days: 2 days operational, 4 days degraded, 1 day with an outage, 83 days without data\""));
        // JSON: up and no-data days merge into runs, the others stay single.
        let j = render_json(&v);
        let runs: Vec<(String, String, String)> = j["monitors"][0]["daily"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["from"].as_str().unwrap().to_string(), r["to"].as_str().unwrap().to_string(), r["state"].as_str().unwrap().to_string()))
            .collect();
        let want = [
            ("2026-08-24", "2026-08-24", "up"),
            ("2026-08-25", "2026-11-10", "nodata"),
            ("2026-11-11", "2026-11-11", "down"),
            ("2026-11-12", "2026-11-12", "degraded"),
            ("2026-11-13", "2026-11-13", "degraded"),
            ("2026-11-14", "2026-11-14", "degraded"),
            ("2026-11-15", "2026-11-15", "degraded"),
            ("2026-11-16", "2026-11-20", "nodata"),
            ("2026-11-21", "2026-11-21", "up"),
        ];
        let want: Vec<(String, String, String)> = want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
        assert_eq!(runs, want);
        assert_eq!(DayState::of(&daily[2].1), DayState::Down);
        assert_eq!(DayState::of(&Rollup::default()), DayState::NoData);
        assert_eq!(j["monitors"][0]["daily"][0]["uptime"], 1.0);
        assert_eq!(j["monitors"][0]["daily"][1]["uptime"], Value::Null);
        assert_eq!(j["monitors"][0]["daily"][2]["uptime"], 0.986111);
        // The detail page shows one element per day.
        let detail = render_detail_html(&DetailInput {
            project_name: "Acme",
            project_slug: "acme",
            now_ms: NOW,
            monitor: { let mut m = mon("m", Role::Core, Some(CheckStatus::Up), &[]); m.daily = &daily; m },
            incidents: vec![],
            maintenance: vec![],
        });
        let bar = detail.split("<div class=\"bar dy\"").nth(1).unwrap().split("</div>").next().unwrap();
        assert_eq!(bar.matches("<i ").count(), 90);
    }

    #[test]
    fn sparkline_path() {
        let cases: Vec<(Vec<Option<u32>>, &str)> = vec![
            (vec![], ""),
            (vec![None, None], ""),
            (vec![Some(10)], "M1 2l0 0"),
            (vec![Some(0), Some(10), Some(5)], "M1 30l2-28 2 14"),
            (vec![Some(10), None, Some(10), Some(0)], "M1 2l0 0m4 0l2 28"),
            (vec![Some(10), Some(10), None, Some(0)], "M1 2l2 0m4 28l0 0"),
        ];
        for (series, want) in cases {
            let mut padded = series.clone();
            padded.resize(48, None);
            assert_eq!(spark_path(&padded, 96, 32, 0), want, "{series:?}");
        }
        // Bridging: one missing bin is drawn across when allowed, two are not.
        let s = [Some(10), None, Some(10), None, None, Some(0)];
        assert_eq!(spark_path(&s, 12, 32, 1), "M1 2l4 0m6 28l0 0");
        assert_eq!(spark_path(&s, 12, 32, 2), "M1 2l4 0 6 28");
        let pts = [(NOW - 3 * MIN, 100), (NOW - 2 * MIN, 300), (NOW - 5 * 60 * MIN, 9999), (NOW + MIN, 9999)];
        let v = latency_view(&pts, 60, NOW, 48);
        assert_eq!((v.min_ms, v.avg_ms, v.max_ms), (Some(100), Some(200), Some(300)));
        assert_eq!(v.series.iter().flatten().count(), 1, "both points share the last 5-minute bin");
        assert_eq!(v.series[47], Some(200));
        assert_eq!(latency_view(&pts, 60, NOW, SPARK_BINS).series.len(), SPARK_BINS);
    }

    #[test]
    fn public_cause_categories() {
        use FailureKind::*;
        // (kind, HTTP status of the failing answer, public words). The old text-prefix table's
        // rows, by the kind the classifier gives that text; "check failed" for unknown kinds.
        let cases = [
            (Some(Timeout), None, "timeout"),
            (Some(BotWall), Some(403), "bot wall"),
            (Some(BotWall), Some(200), "bot wall"),
            (Some(Dns), None, "DNS error"),
            (Some(Tls), None, "TLS error"),
            (Some(Connection), None, "connection error"),
            (Some(TooManyRedirects), None, "request refused"),
            (Some(RefusedTarget), None, "request refused"),
            (Some(InvalidRequest), None, "request refused"),
            (Some(BodyMissing), Some(200), "content check failed"),
            (Some(Status), Some(503), "server error (5xx)"),
            (Some(Status), Some(404), "client error (4xx)"),
            (Some(Status), Some(301), "unexpected redirect (3xx)"),
            (Some(Status), Some(200), "unexpected status"),
            (Some(Status), Some(502), "server error (5xx)"),
            (None, None, "check failed"),
            (None, Some(503), "check failed"),
        ];
        for (kind, status, want) in cases {
            assert_eq!(public_cause(kind, status), want, "{kind:?} {status:?}");
        }
    }

    const NASTY: [&str; 3] = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "a'b&c"];

    #[test]
    fn user_text_is_escaped_everywhere() {
        let checks = up_every(60, 250, 0);
        for nasty in NASTY {
            let mut p = page(vec![mon(nasty, Role::Core, Some(CheckStatus::Up), &checks)]);
            p.project_name = nasty;
            p.incidents = vec![IncidentInput { id: 1, monitor_name: nasty, opened_ms: NOW - MIN, resolved_ms: None, kind: None, http_status: None }];
            p.maintenance = vec![MaintenanceInput { title: nasty, starts_ms: NOW - MIN, ends_ms: NOW + MIN }];
            let html = render_html(&view(&p));
            let detail = render_detail_html(&DetailInput {
                project_name: nasty,
                project_slug: "acme",
                now_ms: NOW,
                monitor: mon(nasty, Role::Core, Some(CheckStatus::Up), &checks),
                incidents: p.incidents.clone(),
                maintenance: p.maintenance.clone(),
            });
            let badge = badge_svg(nasty, nasty, nasty);
            let feed = atom_feed(nasty, "acme", "https://status.example.com/", &p.incidents, NOW);
            for (what, out) in [("page", &html), ("detail", &detail), ("badge", &badge), ("feed", &feed)] {
                assert!(!out.contains(nasty), "{what}: raw {nasty:?} leaked");
                assert!(out.contains(&escape(nasty)), "{what}: escaped {nasty:?} missing");
                assert!(!out.contains("<b>bold"), "{what}: raw cause leaked");
                assert!(!out.contains("&lt;b&gt;bold"), "{what}: raw cause shown even escaped");
                assert!(!out.contains("<script") && !out.contains("<img"), "{what}: markup injected");
            }
        }
        // The only way the page itself could run script.
        let html = render_html(&view(&sample_data(5, NOW).input()));
        assert!(!html.to_ascii_lowercase().contains("<script"));
        assert!(!html.contains(" on") || !html.contains("onerror"));
    }

    #[test]
    fn slug_cannot_break_out_of_urls() {
        let mut p = page(vec![mon("m", Role::Core, Some(CheckStatus::Up), &[])]);
        p.project_slug = "a\"b/../c d";
        let html = render_html(&view(&p));
        assert!(html.contains("href=\"/status/a%22b%2F..%2Fc%20d.json\""));
        assert!(!html.contains("a\"b"));
    }

    #[test]
    fn no_raw_causes_or_urls_leak() {
        // Incident input has no raw text at all (only a kind): what could leak is whatever
        // the page builds around it.
        let mut p = page(vec![mon("api", Role::Core, Some(CheckStatus::Down), &[])]);
        p.incidents = vec![
            IncidentInput { id: 1, monitor_name: "api", opened_ms: NOW - MIN, resolved_ms: None, kind: Some(FailureKind::Connection), http_status: None },
            IncidentInput { id: 2, monitor_name: "api", opened_ms: NOW - DAY_MS, resolved_ms: Some(NOW - DAY_MS + MIN), kind: None, http_status: None },
        ];
        let v = view(&p);
        let outputs = [
            ("page", render_html(&v)),
            ("json", render_json(&v).to_string()),
            ("feed", atom_feed("Acme", "acme", "https://status.example.com", &p.incidents, NOW)),
            (
                "detail",
                render_detail_html(&DetailInput {
                    project_name: "Acme",
                    project_slug: "acme",
                    now_ms: NOW,
                    monitor: mon("api", Role::Core, Some(CheckStatus::Down), &[]),
                    incidents: p.incidents.clone(),
                    maintenance: vec![],
                }),
            ),
        ];
        for (what, out) in &outputs {
            for leak in ["10.0.0.1", "token=abc", "secret"] {
                assert!(!out.contains(leak), "{what} leaks {leak}");
            }
            assert!(out.contains("connection error"), "{what} shows the category");
        }
    }

    #[test]
    fn json_has_the_page_data() {
        let data = sample_data(3, NOW);
        let v = view(&data.input());
        let j = render_json(&v);
        assert_eq!(j["project"], json!({"name": "Acme Cloud", "slug": "acme"}));
        assert_eq!(j["updated_at"], "2026-11-21T05:25:30.000Z");
        let text: Value = serde_json::from_str(&render_json_string(&v)).unwrap();
        assert_eq!(text, j, "render_json_string is the same document");
        let m = &j["monitors"][0];
        for key in ["id", "name", "role", "status", "state", "state_text", "last_checked_at", "timeline", "timeline_minutes", "daily", "uptime", "latency"] {
            assert!(!m[key].is_null() || key == "status", "monitor key {key}");
        }
        assert!(m["latency"].get("path").is_none(), "SVG path stays out of the JSON");
        assert_eq!(m["latency"]["series"].as_array().map(Vec::len), Some(SPARK_BINS));
        let minutes: u64 = m["timeline"].as_array().unwrap().iter().map(|r| r["minutes"].as_u64().unwrap()).sum();
        assert_eq!(minutes, 240);
        assert_eq!(m["uptime"][0]["window"], "24h");
        assert_eq!(j["incidents"][0]["cause"], "timeout");
        assert_eq!(j["maintenance"][0]["title"], "Database upgrade");
    }

    #[test]
    fn detail_page_has_percentiles_and_incidents() {
        let data = sample_data(1, NOW);
        let p = data.input();
        let d = DetailInput {
            project_name: p.project_name,
            project_slug: p.project_slug,
            now_ms: NOW,
            monitor: p.monitors[0].clone(),
            incidents: p.incidents.clone(),
            maintenance: vec![],
        };
        let v = detail_view(&d);
        let windows: Vec<&str> = v.latency_stats.iter().map(|s| s.window).collect();
        assert_eq!(windows, ["4h", "7d", "30d", "90d"]);
        let exact: Vec<u32> = data.latencies[0].iter().filter(|(t, _)| *t >= window_start(NOW)).map(|p| p.1).collect();
        assert_eq!(v.latency_stats[0].p95_ms, exact_percentile(&exact, 0.95));
        assert!(v.latency_stats.iter().all(|s| s.p50_ms.is_some() && s.p50_ms <= s.p95_ms && s.p95_ms <= s.p99_ms));
        let html = render_detail_html(&d);
        assert!(html.contains("<th>p95 ms</th>") && html.contains("<td>30 days</td>"));
        assert!(html.contains("<h1>Website</h1>"), "monitor name is the page title");
        assert!(html.contains("<a href=\"/status/acme\">← Acme Cloud</a>"));
        assert!(html.contains("id=incident-42"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn badges() {
        let svg = badge_svg("uptime 30d", "99.95%", "brightgreen");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("fill=\"#4c1\""));
        assert!(svg.contains("aria-label=\"uptime 30d: 99.95%\""));
        let wide = badge_svg("status", "operational and fine", "red");
        let width = |s: &str| s.split("width=\"").nth(1).and_then(|w| w.split('"').next()).and_then(|w| w.parse::<u32>().ok()).unwrap();
        assert!(width(&wide) > width(&badge_svg("status", "up", "red")));
        for (color, want) in [("green", "#97ca00"), ("#abc", "#abc"), ("ff0000", "#ff0000"), ("javascript:x", "#9f9f9f"), ("\"/><script>", "#9f9f9f")] {
            assert!(badge_svg("a", "b", color).contains(&format!("fill=\"{want}\"")), "{color}");
        }
        assert_eq!(
            shields_endpoint("api", "up", "brightgreen"),
            json!({"schemaVersion": 1, "label": "api", "message": "up", "color": "brightgreen"})
        );
        assert_eq!(status_badge(Some(CheckStatus::Up), true), ("slow", "yellowgreen"));
        assert_eq!(status_badge(None, false), ("no data", "lightgrey"));
        assert_eq!(uptime_badge(Some(0.9995)), ("99.95%".to_string(), "brightgreen"));
        assert_eq!(uptime_badge(Some(0.97)), ("97.00%".to_string(), "yellow"));
        assert_eq!(uptime_badge(None), ("no data".to_string(), "lightgrey"));
        assert!(well_formed(&svg), "{svg}");
    }

    /// Minimal XML well-formedness check (tags balance, entities known) so the
    /// feed and badge tests need no XML crate.
    fn well_formed(xml: &str) -> bool {
        let body = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n").unwrap_or(xml);
        let mut stack: Vec<String> = vec![];
        let mut rest = body;
        while let Some(i) = rest.find(['<', '&']) {
            let text = &rest[..i];
            if text.contains('>') {
                return false;
            }
            rest = &rest[i..];
            if rest.starts_with('&') {
                let Some(end) = rest.find(';') else { return false };
                if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&&rest[..=end]) {
                    return false;
                }
                rest = &rest[end + 1..];
                continue;
            }
            let Some(end) = rest.find('>') else { return false };
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop().as_deref() != Some(name) {
                    return false;
                }
            } else if !tag.ends_with('/') {
                let name = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
                if !tag.matches('"').count().is_multiple_of(2) {
                    return false;
                }
                stack.push(name.to_string());
            }
        }
        stack.is_empty() && !rest.contains('>')
    }

    #[test]
    fn atom_feed_is_valid_and_stable() {
        let incidents = vec![
            IncidentInput { id: 7, monitor_name: "API & <Web>", opened_ms: NOW - 125 * MIN, resolved_ms: Some(NOW - 5 * MIN), kind: Some(FailureKind::Status), http_status: Some(502) },
            IncidentInput { id: 9, monitor_name: "Checkout", opened_ms: NOW - 2 * MIN, resolved_ms: None, kind: Some(FailureKind::Timeout), http_status: None },
        ];
        let feed = atom_feed("Acme \u{1}Cloud", "acme", "https://status.example.com/", &incidents, NOW);
        assert!(well_formed(&feed), "{feed}");
        assert!(feed.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(feed.contains("<title>Acme \u{FFFD}Cloud status: incidents</title>"));
        assert!(feed.contains("<id>https://status.example.com/status/acme/feed.atom</id>"));
        assert!(feed.contains("<updated>2026-11-21T05:23:30.000Z</updated>"), "feed updated = newest change");
        assert!(feed.contains("<id>https://status.example.com/status/acme#incident-7</id>"));
        assert!(feed.contains("<title>API &amp; &lt;Web&gt; recovered</title>"));
        assert!(feed.contains("(2h, server error (5xx))"));
        assert!(feed.contains("<title>Checkout is down</title>"));
        // Newest change first: the open incident (opened 2 min ago) leads.
        assert!(feed.find("incident-9").unwrap() < feed.find("incident-7").unwrap());
        // Entry ids do not depend on render time.
        let later = atom_feed("Acme \u{1}Cloud", "acme", "https://status.example.com", &incidents, NOW + DAY_MS);
        assert_eq!(feed, later);
        let empty = atom_feed("Acme", "acme", "https://x.example", &[], NOW);
        assert!(well_formed(&empty) && empty.contains("<updated>2026-11-21T05:25:30.000Z</updated>"));
    }

    #[test]
    fn fifty_monitor_page_is_under_100_kb() {
        let data = sample_data(50, NOW);
        let html = render_html(&view(&data.input()));
        let json = render_json(&view(&data.input())).to_string();
        println!("50-monitor page: {} bytes of HTML, {} bytes of JSON", html.len(), json.len());
        assert!(html.len() < 100_000, "page is {} bytes", html.len());
        // Every monitor really has 240 buckets and 90 days behind its runs.
        let v = view(&data.input());
        for m in &v.monitors {
            assert_eq!(m.timeline.iter().map(|r| r.minutes).sum::<u32>(), 240);
            assert_eq!(m.daily.len(), 90);
        }
        let mixed = v.monitors.iter().filter(|m| m.timeline.len() > 1).count();
        assert!(mixed >= 20, "sample has mixed states ({mixed} monitors with more than one run)");
    }

    #[test]
    fn worst_case_flapping_page_size() {
        // Not a budget, a bound: every minute alternating between up and down
        // on every monitor is the largest timeline the page can have.
        let checks: Vec<CheckPoint> = (0..245)
            .map(|k| CheckPoint {
                at_ms: NOW - k * MIN,
                status: if k % 2 == 0 { CheckStatus::Up } else { CheckStatus::Down },
                slow: false,
            })
            .rev()
            .collect();
        let monitors = (0..50)
            .map(|_| {
                let mut m = mon("flappy", Role::Core, Some(CheckStatus::Up), &checks);
                m.interval_seconds = 60;
                m
            })
            .collect();
        let html = render_html(&view(&page(monitors)));
        println!("50 monitors flapping every minute: {} bytes", html.len());
        assert!(html.len() < 1_000_000);
    }

    #[test]
    #[ignore = "timing, run with --ignored --nocapture (use --release)"]
    fn render_timing() {
        let data = sample_data(50, NOW);
        let input = data.input();
        let n = 1000;
        let t = std::time::Instant::now();
        let mut bytes = 0;
        for _ in 0..n {
            bytes += render_html(&view(&input)).len();
        }
        let per = t.elapsed() / n;
        println!("view + render_html, 50 monitors: {per:?} per render ({} bytes)", bytes / n as usize);
        let t = std::time::Instant::now();
        for _ in 0..n {
            bytes = bytes.wrapping_add(view(&input).monitors.len());
        }
        println!("view alone: {:?} per render", t.elapsed() / n);
        let v = view(&input);
        let t = std::time::Instant::now();
        for _ in 0..n {
            bytes = bytes.wrapping_add(render_html(&v).len());
        }
        println!("render_html alone: {:?} per render", t.elapsed() / n);
        let t = std::time::Instant::now();
        for _ in 0..n {
            bytes = bytes.wrapping_add(render_json(&v).as_object().map_or(0, |o| o.len()));
        }
        println!("render_json alone: {:?} per render", t.elapsed() / n);
        let j = render_json(&v);
        let t = std::time::Instant::now();
        for _ in 0..n {
            bytes = bytes.wrapping_add(j.to_string().len());
        }
        println!("Value::to_string alone: {:?} per render", t.elapsed() / n);
        let t = std::time::Instant::now();
        for _ in 0..n {
            bytes = bytes.wrapping_add(serde_json::to_string(&v).map_or(0, |s| s.len()));
        }
        println!("serde_json::to_string(&view) directly: {:?} per render ({bytes})", t.elapsed() / n);
    }

    #[test]
    #[ignore = "writes sample pages; VIGIL_SAMPLE_DIR picks the folder"]
    fn write_sample_pages() {
        let dir = std::env::var("VIGIL_SAMPLE_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
        let data = sample_data(50, NOW);
        let input = data.input();
        std::fs::write(dir.join("sample.html"), render_html(&view(&input))).unwrap();
        let small = sample_data(8, NOW);
        std::fs::write(dir.join("sample-small.html"), render_html(&view(&small.input()))).unwrap();
        let p = small.input();
        let d = DetailInput {
            project_name: p.project_name,
            project_slug: p.project_slug,
            now_ms: NOW,
            monitor: p.monitors[1].clone(),
            incidents: p.incidents.iter().filter(|i| i.monitor_name == p.monitors[1].name).cloned().collect(),
            maintenance: p.maintenance.clone(),
        };
        std::fs::write(dir.join("detail.html"), render_detail_html(&d)).unwrap();
        std::fs::write(dir.join("badge.svg"), badge_svg("api", "up", "brightgreen")).unwrap();
        let b = |l: &str, m: &str, c: &str| badge_svg(l, m, c);
        let badges = format!(
            "<html><body style='zoom:3;padding:8px'>{}<br>{}<br>{}<br>{}<br>{}<br>{}</body></html>",
            b("api", "up", "brightgreen"),
            b("uptime 30d", "99.95%", "green"),
            b("Checkout (EU)", "bot wall", "orange"),
            b("status", "MMMMWWWW", "red"),
            b("iiiiiiii", "lllllll", "blue"),
            b("Website", "no data", "lightgrey"),
        );
        std::fs::write(dir.join("badges.html"), badges).unwrap();
        std::fs::write(dir.join("empty.html"), render_html(&view(&page(vec![])))).unwrap();
        // Every state, hostile and very long names: for eyeballing layout.
        let long = "A-very-long-monitor-name-without-any-spaces-that-must-wrap-instead-of-scrolling-sideways-on-a-phone";
        let checks = up_every(60, 250, 0);
        let states = [
            ("Up", Some(CheckStatus::Up), false, 1),
            ("Slow", Some(CheckStatus::Up), true, 1),
            ("Down", Some(CheckStatus::Down), false, 1),
            ("Timeout", Some(CheckStatus::Timeout), false, 1),
            ("Bot", Some(CheckStatus::BotDetected), false, 1),
            ("Stale", Some(CheckStatus::Up), false, 30),
            ("Never", None, false, 1),
        ];
        let mut monitors: Vec<MonitorInput> = states
            .iter()
            .map(|(name, st, slow, age)| {
                let mut m = mon(name, Role::Core, *st, &checks);
                m.slow = *slow;
                m.last_checked_ms = st.map(|_| NOW - age * MIN);
                m
            })
            .collect();
        monitors.push(mon(long, Role::Supplementary, Some(CheckStatus::Up), &checks));
        monitors.push(mon(NASTY[1], Role::Core, Some(CheckStatus::Up), &checks));
        let mut stress = page(monitors);
        stress.project_name = "Project <script>alert(1)</script> with a long name";
        stress.incidents = vec![IncidentInput { id: 1, monitor_name: long, opened_ms: NOW - 3 * MIN, resolved_ms: None, kind: None, http_status: None }];
        std::fs::write(dir.join("stress.html"), render_html(&view(&stress))).unwrap();
        std::fs::write(dir.join("feed.atom"), atom_feed("Acme Cloud", "acme", "https://status.example.com", &p.incidents, NOW)).unwrap();
        std::fs::write(dir.join("sample.json"), serde_json::to_string_pretty(&render_json(&view(&small.input()))).unwrap()).unwrap();
    }
}
