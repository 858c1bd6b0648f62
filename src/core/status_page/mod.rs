//! The public status page (DESIGN.md §9): view model, HTML, JSON, badges and
//! the incident feed.
//!
//! Pure: the glue reads D1 into the plain input structs below, passes `now`,
//! and gets strings or JSON back. Nothing here does I/O or reads a clock.
//!
//! # Safety of public output
//!
//! * All HTML/XML is written through the shared `core::text::Html` writer, whose
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
//! page (`sample_data`) is ~80 KB of HTML, ~7 KB of it the stylesheet.
//! Per-run `title`s give hover detail; the accessible summary is the
//! `aria-label` on each bar. The worst case (every monitor flapping every
//! minute) is ~0.5 MB, which gzip shrinks to a small fraction. In the JSON,
//! the daily history is run-length encoded too (see `ser_day_runs`).
//!
//! # Cost
//!
//! `view` + `render_html` for the 50-monitor sample: about 1 ms natively and
//! about 1.2 ms as wasm in V8; no chrono formatting on the hot path.
//!
//! # Layout
//!
//! * this file: the limits below and the input structs the glue fills from D1;
//! * `view`: the view model (shared by HTML and JSON) and the JSON output;
//! * `timeline`: one monitor's 240-minute timeline, 90-day bar and latency sparkline;
//! * `html`: the page and detail page, written with `core::text::Html`; the
//!   stylesheet is `style.css`, inlined;
//! * `badge`: shields-style SVG badges and the shields endpoint JSON;
//! * `said`: what the operators said: incident updates and notices (inputs and views);
//! * `feed`: the Atom feed of incidents, updates and upcoming maintenance;
//! * `sample`: realistic sample data for tests and `benches/render.rs` (built only
//!   for tests and with the `bench` feature, never into the worker).

use super::buckets::CheckPoint;
use super::failure::FailureKind;
use super::monitor::Role;
use super::status::CheckStatus;
use super::time::EpochMs;
use super::uptime::Rollup;

mod badge;
mod feed;
mod html;
mod said;
#[cfg(any(test, feature = "bench"))]
mod sample;
mod subscribe;
mod timeline;
mod view;

pub use badge::{badge_svg, shields_endpoint, status_badge, uptime_badge};
pub use feed::{atom_feed, atom_feed_with, FeedUpdate, FeedWindow};
pub use html::{render_detail_html, render_detail_view, render_html, render_html_with, LOCAL_TIME_JS};
pub use said::{About, NoticeInput, NoticeView, Said, UpdateInput, UpdateView, MAX_UPDATES_SHOWN};
pub use subscribe::{answer_html, Answer, AnswerForm};
#[cfg(any(test, feature = "bench"))]
pub use sample::{sample_data, SampleData};
pub use view::{
    detail_view, detail_view_with, fresh_status, freshness_interval, public_cause, render_json, render_json_string, state_text, uptime_text, view, view_with, DayState,
    DayView, DetailView, IncidentView, LatencyStats, LatencyView, MaintenanceView, MonitorView, PageView, ProjectView,
    StateCounts, TimelineRun, UptimeView,
};

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


#[cfg(test)]
mod tests;
