//! The view model: what a page shows, built once and rendered as HTML (`html`) or JSON
//! (here). Times serialize as ISO 8601 text, ratios to 6 decimals.
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::said::{notice_views, updates_of, About, NoticeView, Said, UpdateView};
use super::timeline::{monitor_view, window_start};
use super::{DetailInput, IncidentInput, MaintenanceInput, MonitorInput, PageInput, DETAIL_SPARK_BINS, MAX_MAINTENANCE, MAX_OPEN_INCIDENTS, MAX_RESOLVED_INCIDENTS, SPARK_BINS};
use super::{DAY_DOWN_BELOW, DAY_SLOW_SHARE};
use crate::core::buckets::{site_status, BucketState, MonitorNow, SiteStatus};
use crate::core::failure::FailureKind;
use crate::core::monitor::Role;
use crate::core::status::CheckStatus;
use crate::core::text::{self, duration_ms, ymd};
use crate::core::time::EpochMs;
use crate::core::uptime::{day_start, exact_percentile, merged, Rollup, DAY_MS};

pub(super) fn ser_iso<S: Serializer>(ms: &EpochMs, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&text::iso(*ms))
}

pub(super) fn ser_iso_opt<S: Serializer>(ms: &Option<EpochMs>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&text::iso(*ms)),
        None => s.serialize_none(),
    }
}

/// Ratios to 6 decimals (0.999306): more digits are noise and cost bytes.
pub(super) fn ser_ratio<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) if v.is_finite() => s.serialize_f64((v * 1e6).round() / 1e6),
        _ => s.serialize_none(),
    }
}

/// One JSON element of the daily history.
#[derive(Serialize)]
pub(super) struct DayRun {
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
pub(super) fn ser_day_runs<S: Serializer>(days: &[DayView], s: S) -> Result<S::Ok, S::Error> {
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

pub(super) fn ser_date<S: Serializer>(ms: &EpochMs, s: S) -> Result<S::Ok, S::Error> {
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
    /// The operators' notices: open ones (newest first), then resolved ones.
    pub notices: Vec<NoticeView>,
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
    pub(super) fn add(&mut self, s: BucketState) {
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

    pub(super) fn of_counts(r: &DayCounts) -> DayState {
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

    pub(super) fn class(self) -> &'static str {
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
pub(super) struct DayCounts {
    pub(super) up_minutes: u32,
    pub(super) known_minutes: u32,
    pub(super) bot_minutes: u32,
    pub(super) up: u32,
    pub(super) slow: u32,
}

impl DayCounts {
    pub(super) fn of(r: &Rollup) -> Self {
        DayCounts { up_minutes: r.up_minutes, known_minutes: r.known_minutes, bot_minutes: r.bot_minutes, up: r.up, slow: r.slow }
    }
    pub(super) fn add(&mut self, o: &DayCounts) {
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
    /// What the operators said about it, newest first.
    pub updates: Vec<UpdateView>,
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


/// Builds the page's view model (shared by the HTML and the JSON).
pub fn view(input: &PageInput) -> PageView {
    view_with(input, &Said::default())
}

/// [`view`] with what the operators said: incident updates and notices.
pub fn view_with(input: &PageInput, said: &Said) -> PageView {
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
        incidents: incident_views(&input.incidents, said, now),
        maintenance: maintenance_views(&input.maintenance, now),
        notices: notice_views(said),
    }
}

/// Builds the detail page's view model.
pub fn detail_view(input: &DetailInput) -> DetailView {
    detail_view_with(input, &Said::default())
}

/// [`detail_view`] with the updates of the monitor's incidents.
pub fn detail_view_with(input: &DetailInput, said: &Said) -> DetailView {
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
        incidents: incident_views(&input.incidents, said, now),
        maintenance: maintenance_views(&input.maintenance, now),
    }
}

pub(super) fn mean(values: &[u32]) -> Option<u32> {
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

/// A heartbeat found late is recorded DOWN by the next cron sweep, within this margin of its
/// deadline (a tick a minute, plus the tick's own time).
const SWEEP_MARGIN_S: i64 = 120;

/// The interval the pages' freshness rule (a result counts for 2 x it, see [`fresh_status`])
/// applies to a monitor. A probed monitor is checked every `interval_s`, clamped to a day.
/// A heartbeat's results come when its job pings, and it is on time until its deadline (its
/// period plus grace after the last success, the next cron run plus grace, or grace after a
/// start), after which the sweep records it DOWN; so its last result counts until then.
/// Without this, a weekly heartbeat pinged on time read "No data" for five days of its week.
pub fn freshness_interval(heartbeat: bool, interval_s: i64, grace_s: Option<i64>, last_checked_ms: Option<EpochMs>, deadline_ms: Option<EpochMs>) -> u32 {
    if !heartbeat {
        return interval_s.clamp(60, 86_400) as u32;
    }
    let until_deadline_s = match (last_checked_ms, deadline_ms) {
        (Some(last), Some(deadline)) if deadline > last => (deadline - last + 999) / 1000,
        _ => interval_s + grace_s.unwrap_or(i64::from(crate::core::heartbeat::DEFAULT_GRACE_SECONDS)),
    };
    let gap_s = until_deadline_s.max(0) + SWEEP_MARGIN_S;
    ((gap_s + 1) / 2).clamp(60, i64::from(u32::MAX)) as u32
}

pub(super) fn current(m: &MonitorInput, now: EpochMs) -> Option<CheckStatus> {
    fresh_status(m.status, m.last_checked_ms, m.interval_seconds, now)
}

pub(super) fn state_of(status: Option<CheckStatus>, slow: bool) -> BucketState {
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

pub(super) fn banner_text(status: SiteStatus, monitors: &[MonitorView], ever_checked: bool) -> &'static str {
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


pub(super) fn incident_views(incidents: &[IncidentInput], said: &Said, now: EpochMs) -> Vec<IncidentView> {
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
                updates: updates_of(said, About::Incident(i.id)),
            }
        })
        .collect()
}

pub(super) fn maintenance_views(windows: &[MaintenanceInput], now: EpochMs) -> Vec<MaintenanceView> {
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
