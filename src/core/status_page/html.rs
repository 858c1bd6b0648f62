//! The HTML pages: the project page and a monitor's detail page. Every dynamic string goes
//! through `core::text::Html`'s escaping `t`; raw markup is literals only.
use std::fmt::Write as _;

use super::said::{status_class, NoticeView, Said, UpdateView};
use super::view::{DayState, DayView, DetailView, IncidentView, LatencyView, MaintenanceView, MonitorView, PageView, StateCounts};
use super::view::{detail_view_with, uptime_text};
use super::DetailInput;
use crate::core::markup;
use crate::core::buckets::{BucketState, SiteStatus, BUCKET_MS};
use crate::core::monitor::Role;
use crate::core::text::{day_range, duration_ms, hm, path_segment, Html};
use crate::core::time::EpochMs;

/// Inline stylesheet shared by the page and the detail page. Colours:
/// up green, slow a lighter lime green (still up, so a shade of green rather
/// than amber, which would read as a warning next to the orange of bot walls),
/// down red, bot orange, unknown gray; degraded days amber. Text colours meet
/// WCAG AA (>= 4.5:1) on the card backgrounds in both schemes; bar fills are
/// never the only carrier of meaning (aria labels, titles, legend).
///
/// One rule (or a few) per line in `style.css`, whose lines are written one after another
/// without their line breaks; lines that start with `/*` are comments for the reader and
/// are left out. So the page carries the same bytes the old one-line stylesheet had.
pub(super) const CSS: &str = include_str!("style.css");

/// The optional script that shows times in the visitor's zone, served at
/// `/assets/local-time.js?v=<fingerprint>` (DESIGN.md §9).
pub const LOCAL_TIME_JS: &str = include_str!("local-time.js");
const LOCAL_TIME_VERSION: u64 = crate::core::dashboard::html::fingerprint(LOCAL_TIME_JS);

/// The stylesheet as served: `style.css` without its line breaks and comment lines.
pub(super) fn stylesheet(h: &mut Html) {
    for line in CSS.lines().filter(|l| !l.starts_with("/*")) {
        h.r(line);
    }
}

pub(super) fn site_class(s: SiteStatus) -> (&'static str, &'static str) {
    // (banner class, icon glyph); the icon is decorative, the words carry it.
    match s {
        SiteStatus::Up => ("b-u", "✓"),
        SiteStatus::Degraded => ("b-w", "!"),
        SiteStatus::Down => ("b-d", "✕"),
        SiteStatus::Unknown => ("b-n", "?"),
    }
}

pub(super) fn favicon_colour(s: SiteStatus) -> &'static str {
    match s {
        SiteStatus::Up => "%231f9d55",
        SiteStatus::Degraded => "%23e9b10e",
        SiteStatus::Down => "%23e5484d",
        SiteStatus::Unknown => "%239aa4b1",
    }
}

pub(super) fn head(h: &mut Html, title: &str, slug: &str, status: SiteStatus) {
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
        .r("/feed.atom\"><style>");
    stylesheet(h);
    // The one script: optional (times stay UTC without it), from this origin (the CSP allows
    // nothing else), deferred so it never holds up the page.
    h.r("</style><script src=\"/assets/local-time.js?v=").t(&LOCAL_TIME_VERSION.to_string()).r("\" defer></script></head><body><div class=pg>");
}

pub(super) fn foot(h: &mut Html, slug: &str, updated: EpochMs) {
    let base = format!("/status/{}", path_segment(slug));
    h.r("<footer class=ft><span>Updated ")
        .time(updated)
        .r(" · <span class=tz>times in UTC</span></span><nav><a href=\"")
        .t(&base)
        .r(".json\">JSON</a><a href=\"")
        .t(&base)
        .r("/feed.atom\">Atom feed</a><span>Powered by vigil</span></nav></footer></div></body></html>");
}

pub(super) fn banner(h: &mut Html, status: SiteStatus, text: &str, updated: EpochMs) {
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

pub(super) fn maintenance_html(h: &mut Html, ms: &[MaintenanceView]) {
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

pub(super) fn incidents_html(h: &mut Html, title: &'static str, list: &[&IncidentView], empty: &'static str) {
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
        incident_item(h, i);
    }
    h.r("</ul></section>");
}

fn incident_item(h: &mut Html, i: &IncidentView) {
    h.r("<li id=incident-").n(i.id).r("><b>").t(&i.monitor).r("</b>");
    if i.ongoing {
        h.r("<span class=\"pill d\">Ongoing</span><div class=mut>").t(i.cause).r(" · since ").time(i.opened_at);
        h.r(" · ").t(&i.duration_text).r(" so far</div>");
    } else {
        h.r("<span class=\"pill u\">Resolved</span><div class=mut>").t(i.cause).r(" · ").time(i.opened_at);
        h.r(" · lasted ").t(&i.duration_text).r("</div>");
    }
    updates_html(h, &i.updates);
    h.r("</li>");
}

fn notice_item(h: &mut Html, n: &NoticeView) {
    h.r("<li id=notice-").n(n.id).r("><b>").t(&n.title).r("</b>");
    match n.resolved_at {
        None => {
            h.r("<span class=\"pill w\">Notice</span><div class=mut>Posted ").time(n.created_at).r("</div>");
        }
        Some(at) => {
            h.r("<span class=\"pill u\">Resolved</span><div class=mut>Posted ").time(n.created_at).r(" · resolved ").time(at).r("</div>");
        }
    }
    updates_html(h, &n.updates);
    h.r("</li>");
}

/// An update timeline, newest first: status, time, and the message rendered from the
/// Markdown subset with escaping (`core::markup`).
fn updates_html(h: &mut Html, updates: &[UpdateView]) {
    if updates.is_empty() {
        return;
    }
    h.r("<ol class=ups>");
    for u in updates {
        h.r("<li id=update-").n(u.id).r("><p class=uh><span class=\"pill ").r(status_class(u.status)).r("\">").r(u.status_text).r("</span>");
        h.time(u.created_at);
        if let Some(at) = u.edited_at {
            h.r(" <span class=ed>(edited ").time(at).r(")</span>");
        }
        h.r("</p><div class=um>");
        markup::write(h, &u.message);
        h.r("</div></li>");
    }
    h.r("</ol>");
}

/// The open (or past) notices and incidents in one card: notices first, as the operators'
/// own words lead.
fn threads_html(h: &mut Html, title: &'static str, notices: &[&NoticeView], incidents: &[&IncidentView], empty: &'static str) {
    if notices.is_empty() && incidents.is_empty() {
        if !empty.is_empty() {
            h.r("<section class=card><h2>").r(title).r("</h2><p class=mut style=margin:0>").r(empty).r("</p></section>");
        }
        return;
    }
    h.r("<section class=card><h2>").r(title).r("</h2><ul class=inc>");
    for n in notices {
        notice_item(h, n);
    }
    for i in incidents {
        incident_item(h, i);
    }
    h.r("</ul></section>");
}

pub(super) fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// "Last 4 hours: 232 minutes up, 5 down, 3 unknown" (non-zero parts only).
pub(super) fn timeline_label(c: &StateCounts) -> String {
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

pub(super) fn days_label(days: &[DayView]) -> String {
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

pub(super) fn flex(h: &mut Html, n: u32) {
    if n > 1 {
        h.r(" style=flex:").n(n);
    }
}

pub(super) fn timeline_html(h: &mut Html, m: &MonitorView) {
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
pub(super) fn day_title(run: &[DayView]) -> String {
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
pub(super) fn days_html(h: &mut Html, days: &[DayView], merge_runs: bool) {
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

pub(super) fn uptime_html(h: &mut Html, m: &MonitorView) {
    h.r("<dl>");
    for u in &m.uptime {
        h.r("<div><dt>").r(u.window).r("</dt><dd>").t(&u.text).r("</dd></div>");
    }
    h.r("</dl>");
}

pub(super) fn latency_caption(l: &LatencyView) -> String {
    match (l.min_ms, l.avg_ms, l.max_ms) {
        (Some(a), Some(b), Some(c)) => format!("min {a} · avg {b} · max {c} ms"),
        _ => "no latency data".to_string(),
    }
}

pub(super) fn sparkline_html(h: &mut Html, l: &LatencyView, class: &'static str) {
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

pub(super) fn legend_html(h: &mut Html) {
    h.r("<ul class=lg aria-label=Legend>")
        .r("<li><i class=u></i>Up</li><li><i class=s></i>Slow (up, over the latency target)</li>")
        .r("<li><i class=d></i>Down or timeout</li><li><i class=b></i>Bot wall (checker blocked)</li>")
        .r("<li><i class=n></i>Unknown (no data)</li><li><i class=w></i>Degraded day</li></ul>");
}

pub(super) trait StateClass {
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

pub(super) fn monitor_header(h: &mut Html, m: &MonitorView, link: Option<&str>, level: &'static str) {
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
    render_html_with(v, false)
}

/// Renders the public status page, with the subscribe form when `subscribe` (subscriptions
/// configured and the page public).
pub fn render_html_with(v: &PageView, subscribe: bool) -> String {
    let mut h = Html::with_capacity(6_000 + v.monitors.len() * 2_000);
    head(&mut h, &format!("{} status", v.project.name), &v.project.slug, v.status);
    h.r("<header class=hd><h1>").t(&v.project.name).r("</h1><a href=\"/status/").t(&path_segment(&v.project.slug));
    h.r("/feed.atom\">Subscribe (Atom feed)</a></header><main>");
    banner(&mut h, v.status, v.status_text, v.updated_at);
    let open: Vec<&IncidentView> = v.incidents.iter().filter(|i| i.ongoing).collect();
    let open_notices: Vec<&NoticeView> = v.notices.iter().filter(|n| n.open).collect();
    threads_html(&mut h, "Active incidents", &open_notices, &open, "");
    maintenance_html(&mut h, &v.maintenance);
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
    let past_notices: Vec<&NoticeView> = v.notices.iter().filter(|n| !n.open).collect();
    threads_html(&mut h, "Past incidents", &past_notices, &past, "No recent incidents.");
    if subscribe {
        super::subscribe::form_html(&mut h, v);
    }
    h.r("</main>");
    foot(&mut h, &v.project.slug, v.updated_at);
    h.finish()
}

/// A table cell: the unit is in the column header so narrow phones fit.
pub(super) fn opt_ms(v: Option<u32>) -> String {
    v.map_or_else(|| "—".to_string(), |v| v.to_string())
}

/// Renders one monitor's detail page.
pub fn render_detail_html(input: &DetailInput) -> String {
    render_detail_view(&detail_view_with(input, &Said::default()))
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
