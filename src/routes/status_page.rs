//! Public status pages: HTML, JSON, Atom feed and badges (DESIGN.md §9). Reads the last
//! 4 hours of raw checks and rollups for everything older; rendered output is cached at the edge
//! and rebuilt only when newer data exists and at least `STATUS_CACHE_SECONDS` (default 30) have
//! passed (seed 002's throttle).
use std::collections::BTreeMap;

use worker::{Cache, Response, ResponseBody};

use super::Ctx;
use crate::core::accept;
use crate::core::buckets::CheckPoint;
use crate::core::status::CheckStatus;
use crate::core::status_page::{self as page, About, DetailInput, FeedUpdate, FeedWindow, IncidentInput, MaintenanceInput, MonitorInput, NoticeInput, PageInput, Said, UpdateInput};
use crate::core::blocks::block_start;
use crate::core::schedule::slot_at_or_after;
use crate::core::summary;
use crate::core::time::{parse_iso, EpochMs};
use crate::core::uptime::{day_start, hour_start, merged, rollup_range, RawCheck, Rollup, DAY_MS, HOUR_MS};
use crate::error::{AppError, Context};
use crate::store::blocks;
use crate::store::notices::{self as store_notices, NoticeRow, UpdateRow};
use crate::store::pages::{self, PageData, PageIncident, PageMaintenance, PageMonitor, PageRead, Windows};
use crate::store::projects::ProjectRow;

const TIMELINE_MS: i64 = 4 * HOUR_MS;
const MAX_MONITORS: u32 = 200;

/// Everything one project's pages show, owned; `PageInput` borrows from it.
struct History {
    project: ProjectRow,
    monitors: Vec<MonitorHistory>,
    incidents: Vec<PageIncident>,
    maintenance: Vec<PageMaintenance>,
    now: EpochMs,
    /// What the operators said (only on the pages that show it).
    notices: Vec<NoticeRow>,
    updates: Vec<UpdateRow>,
    /// The feed's updates, with what they belong to.
    feed_updates: Vec<store_notices::FeedUpdate>,
}

struct MonitorHistory {
    row: PageMonitor,
    recent: Vec<CheckPoint>,
    latency: Vec<(EpochMs, u32)>,
    daily: Vec<(EpochMs, Rollup)>,
    uptime: [Option<f64>; 4],
}

/// Notices shown besides the open ones: those resolved in the last week.
const RECENT_NOTICES_MS: i64 = 7 * DAY_MS;
/// Updates read for one page: [`page::MAX_UPDATES_SHOWN`] for each incident and notice shown
/// would be generous; this bounds the read whatever happened.
const MAX_PAGE_UPDATES: u32 = 500;

/// What a view at `now` reads (DESIGN.md §9, §12): the last 4 hours from the hour blocks (5 rows
/// per monitor), older hours and days from the monitor's summary row (1 row); a single
/// monitor's page and badge its full daily rollups too (the latency percentiles); incidents of
/// the last week (the feed's: 90 days) and what the operators said about them.
fn windows(now: EpochMs) -> Windows {
    Windows {
        max_monitors: MAX_MONITORS,
        timeline_from_ms: now - TIMELINE_MS,
        last_block: block_start(slot_at_or_after(now + 1) - 1),
        first_day_ms: day_start(now) - 89 * DAY_MS,
        incidents_since_ms: now - 7 * DAY_MS,
        incidents: 25,
        notices_since_ms: now - RECENT_NOTICES_MS,
        notices: 60,
        updates: MAX_PAGE_UPDATES,
        feed_since_ms: now - 90 * DAY_MS,
        feed_incidents: 50,
        feed_updates: page::MAX_FEED_ENTRIES as u32,
        now_ms: now,
    }
}

impl History {
    /// One view's history from what its batch read (`None`: no public project of that slug).
    fn of(data: PageData, now: EpochMs, read: PageRead) -> Option<Self> {
        let project = data.project?;
        let rows = data.monitors;
        // The blocks were read from two of the longest interval before the timeline (so its
        // first minute has its predecessor); the entries are cut to exactly that.
        let max_interval = rows.iter().map(|m| m.check_interval_seconds).max().unwrap_or(60);
        let (from_slot, to_slot) = (slot_at_or_after(now - TIMELINE_MS - 2 * max_interval * 1000), slot_at_or_after(now + 1));
        let day0 = day_start(now) - 89 * DAY_MS;
        let hour0 = hour_start(now) - 23 * HOUR_MS;
        // A monitor's page and badge show its full daily rollups (latency percentiles).
        let full_days = matches!(read, PageRead::Monitor(_) | PageRead::Badge(_));
        let mut daily: BTreeMap<i64, Vec<(EpochMs, Rollup)>> = BTreeMap::new();
        for r in data.days {
            daily.entry(r.monitor_id).or_default().push((r.start_ms, r.rollup));
        }
        let monitors = rows
            .into_iter()
            .map(|row| {
                let blocks = row.blocks.as_deref().map(|text| pages::split_blocks(row.id, text)).unwrap_or_default();
                let mut entries = blocks::entries_of(&blocks, from_slot, to_slot);
                // By slot whatever order the blocks were joined in (already so: a no-op pass).
                entries.sort_by_key(|(_, e)| e.slot);
                let checks: Vec<RawCheck> = entries.iter().map(|(_, e)| e.raw()).collect();
                let interval = row.check_interval_seconds.clamp(60, 86_400) as u32;
                // Hours not rolled up yet come live from raw checks (at most the last 4 hours).
                let live_from = row.rolled_up_until_ms.max(now - TIMELINE_MS);
                let live = rollup_range(&checks, interval, live_from, now);
                let hours: Vec<(EpochMs, Rollup)> =
                    row.hours.as_deref().map(summary::hours_of).unwrap_or_default().into_iter().filter(|(start, _)| *start >= hour0).collect();
                let mut days: Vec<(EpochMs, Rollup)> = if full_days {
                    daily.remove(&row.id).unwrap_or_default()
                } else {
                    row.days.as_deref().map(summary::days_of).unwrap_or_default().into_iter().filter(|(start, _)| *start >= day0).collect()
                };
                let window = |rollups: &[(EpochMs, Rollup)], since: EpochMs| {
                    let mut total = merged(rollups.iter().filter(|(start, _)| *start >= since && *start < live_from).map(|(_, r)| r));
                    total.merge(&live);
                    total.uptime()
                };
                let uptime = [
                    window(&hours, hour0),
                    window(&days, day_start(now) - 6 * DAY_MS),
                    window(&days, day_start(now) - 29 * DAY_MS),
                    window(&days, day0),
                ];
                // Today's bar includes the live hours too.
                match days.last_mut() {
                    Some((start, r)) if *start == day_start(now) => r.merge(&live),
                    _ => days.push((day_start(now), live)),
                }
                MonitorHistory {
                    recent: checks.iter().map(RawCheck::point).collect(),
                    latency: checks.iter().filter_map(|c| Some((c.at_ms, c.latency_ms?))).collect(),
                    daily: days,
                    uptime,
                    row,
                }
            })
            .collect();
        Some(History {
            project,
            monitors,
            incidents: data.incidents,
            maintenance: data.maintenance,
            now,
            notices: data.notices,
            updates: data.updates,
            feed_updates: data.feed_updates,
        })
    }

    fn said(&self) -> Said<'_> {
        Said {
            notices: self
                .notices
                .iter()
                .map(|n| NoticeInput { id: n.id, title: &n.title, created_ms: n.created_ms, status: n.status, resolved_ms: n.resolved_ms })
                .collect(),
            updates: self
                .updates
                .iter()
                .filter_map(|u| {
                    let about = about(u.incident_id, u.notice_id)?;
                    Some(UpdateInput { id: u.id, about, status: u.status, message: &u.message, created_ms: u.created_ms, edited_ms: u.edited_ms })
                })
                .collect(),
        }
    }
}

/// What an update belongs to, from its row's two columns (the schema's CHECK keeps exactly one
/// set; a row with neither is skipped rather than shown under the wrong heading).
fn about(incident_id: Option<i64>, notice_id: Option<i64>) -> Option<About> {
    match (incident_id, notice_id) {
        (Some(i), _) => Some(About::Incident(i)),
        (None, Some(n)) => Some(About::Notice(n)),
        (None, None) => None,
    }
}

impl History {
    fn monitor_input(m: &MonitorHistory) -> MonitorInput<'_> {
        MonitorInput {
            id: m.row.id,
            name: &m.row.name,
            role: m.row.role(),
            interval_seconds: m.row.freshness_interval(),
            status: m.row.status.as_deref().and_then(CheckStatus::parse),
            slow: m.row.slow != 0,
            last_checked_ms: m.row.last_checked_at.as_deref().and_then(parse_iso),
            recent: &m.recent,
            latency_points: &m.latency,
            daily: &m.daily,
            uptime: m.uptime,
        }
    }

    fn incidents(&self, monitor: Option<i64>) -> Vec<IncidentInput<'_>> {
        self.incidents
            .iter()
            .filter(|i| monitor.is_none_or(|id| id == i.monitor_id))
            .filter_map(|i| {
                Some(IncidentInput {
                    id: i.id,
                    monitor_name: &i.monitor_name,
                    opened_ms: parse_iso(&i.opened_at)?,
                    resolved_ms: i.resolved_at.as_deref().and_then(parse_iso),
                    kind: i.failure_kind,
                    http_status: i.cause_http_status.and_then(|s| u16::try_from(s).ok()),
                })
            })
            .collect()
    }

    fn maintenance(&self, monitor: Option<i64>) -> Vec<MaintenanceInput<'_>> {
        self.maintenance
            .iter()
            .filter(|w| w.monitor_id.is_none() || monitor.is_none() || w.monitor_id == monitor)
            .filter_map(|w| Some(MaintenanceInput { title: &w.title, starts_ms: parse_iso(&w.starts_at)?, ends_ms: parse_iso(&w.ends_at)? }))
            .collect()
    }

    fn page_input(&self) -> PageInput<'_> {
        PageInput {
            project_name: &self.project.name,
            project_slug: &self.project.slug,
            now_ms: self.now,
            monitors: self.monitors.iter().map(Self::monitor_input).collect(),
            incidents: self.incidents(None),
            maintenance: self.maintenance(None),
        }
    }
}

/// `GET /status/{slug}` (HTML) and `GET /status/{slug}.json`.
pub async fn project_page(ctx: Ctx) -> Result<Response, AppError> {
    let raw = ctx.param("slug").to_string();
    // `/status/{slug}` also answers its JSON to `Accept: application/json` (seed 003's clients
    // ask the page itself for JSON); `.json` always is JSON. DESIGN.md §8, §9.
    let (slug, json, negotiated) = match raw.strip_suffix(".json") {
        Some(slug) => (slug.to_string(), true, false),
        None => {
            let accept = ctx.req.headers().get("accept").ok().flatten();
            let json = accept::preferred(accept.as_deref(), &[HTML, JSON]) == 1;
            (raw, json, true)
        }
    };
    // The subscribe form only where subscriptions are configured (the page is public here).
    let subscribe = ctx.config.alerts.subscriptions().is_some();
    let mut response = cached(&ctx, &slug, if json { JSON } else { HTML }, PageRead::Project, |history| {
        let view = page::view_with(&history.page_input(), &history.said());
        Ok(if json { page::render_json_string(&view) } else { page::render_html_with(&view, subscribe) })
    })
    .await?;
    if negotiated {
        let _ = response.headers_mut().set("vary", "Accept");
    }
    Ok(response)
}

/// `GET /status/{slug}/{monitor}`: one monitor's detail page.
pub async fn monitor_page(ctx: Ctx) -> Result<Response, AppError> {
    let slug = ctx.param("slug").to_string();
    let monitor = ctx.id("monitor")?;
    cached(&ctx, &slug, HTML, PageRead::Monitor(monitor), |history| {
        let m = history.monitors.first().ok_or_else(|| AppError::NotFound(format!("monitor {monitor}")))?;
        let input = DetailInput {
            project_name: &history.project.name,
            project_slug: &history.project.slug,
            now_ms: history.now,
            monitor: History::monitor_input(m),
            incidents: history.incidents(Some(monitor)),
            maintenance: history.maintenance(Some(monitor)),
        };
        Ok(page::render_detail_view(&page::detail_view_with(&input, &history.said())))
    })
    .await
}

/// `GET /status/{slug}/feed.atom`: incidents as an Atom feed.
pub async fn feed(ctx: Ctx) -> Result<Response, AppError> {
    let slug = ctx.param("slug").to_string();
    let base = ctx.req.url().context("request URL")?.origin().ascii_serialization();
    let now = ctx.now;
    cached(&ctx, &slug, ATOM, PageRead::Feed, |history| {
        let updates: Vec<FeedUpdate> = history
            .feed_updates
            .iter()
            .filter_map(|u| {
                let about = about(u.incident_id, u.notice_id)?;
                let subject = u.subject.as_deref().unwrap_or("Update");
                Some(FeedUpdate { id: u.id, about, subject, status: u.status, message: &u.message, created_ms: u.created_ms, edited_ms: u.edited_ms })
            })
            .collect();
        // Only windows for the whole project or any monitor: the feed is the project's.
        let windows: Vec<FeedWindow> = history
            .maintenance
            .iter()
            .filter_map(|w| {
                Some(FeedWindow { id: w.id, title: &w.title, starts_ms: parse_iso(&w.starts_at)?, ends_ms: parse_iso(&w.ends_at)?, created_ms: parse_iso(&w.created_at)? })
            })
            .collect();
        Ok(page::atom_feed_with(&history.project.name, &history.project.slug, &base, &history.incidents(None), &updates, &windows, now))
    })
    .await
}

/// `GET /badge/{slug}/{monitor}.svg` (status, or `?metric=uptime&window=24h|7d|30d|90d`) and
/// `.json` (a shields.io endpoint document with the same message).
pub async fn badge(ctx: Ctx) -> Result<Response, AppError> {
    let slug = ctx.param("slug").to_string();
    let file = ctx.param("monitor").to_string();
    let (id, json) = match (file.strip_suffix(".svg"), file.strip_suffix(".json")) {
        (Some(id), _) => (id.to_string(), false),
        (_, Some(id)) => (id.to_string(), true),
        _ => return Err(AppError::NotFound(format!("badge {file}"))),
    };
    let monitor: i64 = id.parse().map_err(|_| AppError::NotFound(format!("badge {file}")))?;
    let q = ctx.query(&["metric", "window"])?;
    let window = match q.text("window").unwrap_or("24h") {
        "24h" => 0,
        "7d" => 1,
        "30d" => 2,
        "90d" => 3,
        _ => return Err(crate::core::input::FieldError::new("window", "must be 24h, 7d, 30d or 90d").into()),
    };
    let uptime = match q.text("metric").unwrap_or("status") {
        "status" => false,
        "uptime" => true,
        _ => return Err(crate::core::input::FieldError::new("metric", "must be status or uptime").into()),
    };
    let now = ctx.now;
    cached(&ctx, &slug, if json { JSON } else { SVG }, PageRead::Badge(monitor), |history| {
        let m = history.monitors.first().ok_or_else(|| AppError::NotFound(format!("monitor {monitor}")))?;
        let (message, color) = if uptime {
            page::uptime_badge(m.uptime[window])
        } else {
            // A monitor not checked for 2 x its interval reads as no data, as on the page.
            let input = History::monitor_input(m);
            let status = page::fresh_status(input.status, input.last_checked_ms, input.interval_seconds, now);
            let (message, color) = page::status_badge(status, m.row.slow != 0);
            (message.to_string(), color)
        };
        Ok(if json {
            page::shields_endpoint(&m.row.name, &message, color).to_string()
        } else {
            page::badge_svg(&m.row.name, &message, color)
        })
    })
    .await
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";
const ATOM: &str = "application/atom+xml; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// Serves `build`'s output through the edge cache. A copy younger than 30 s is served without
/// touching D1; an older one is served again if the project's data version is unchanged (one
/// cheap batch); otherwise the page is rebuilt. ETag / If-None-Match give 304s. Without a copy
/// to revalidate, the version and everything `read` shows come in one batch (one round trip).
async fn cached<F>(ctx: &Ctx, slug: &str, content_type: &str, read: PageRead, build: F) -> Result<Response, AppError>
where
    F: FnOnce(History) -> Result<String, AppError>,
{
    let fresh_ms = i64::from(ctx.config.status_cache_seconds) * 1000;
    // STATUS_CACHE_SECONDS=0: no edge cache at all, every view is built (benchmarks).
    let cache = (fresh_ms > 0).then(Cache::default);
    let key = cache_key(ctx, content_type)?;
    let (cached_body, cached_tag) = match &cache {
        Some(cache) => match cache.get(key.as_str(), false).await.context("cache read")? {
            Some(mut r) => {
                let tag = r.headers().get("x-vigil-version").ok().flatten();
                let at = r.headers().get("x-vigil-built-at").ok().flatten().and_then(|v| v.parse::<EpochMs>().ok());
                if let (Some(tag), Some(at)) = (&tag, at) {
                    if ctx.now - at < fresh_ms {
                        // The hot path: hand the cached body stream straight on, no copy.
                        let (_, body) = r.into_parts();
                        return respond(ctx, body, content_type, tag, "HIT");
                    }
                }
                (r.text().await.ok(), tag)
            }
            None => (None, None),
        },
        None => (None, None),
    };
    let rows_before = crate::store::rows_read();
    let db = ctx.db()?;
    let windows = windows(ctx.now);
    let not_found = || AppError::NotFound(format!("status page {slug}"));
    // With a copy to revalidate, first only the version: most stale copies are still current.
    let revalidating = cached_body.is_some() && cached_tag.is_some();
    let mut data = pages::read(&db, slug, (!revalidating).then_some(read), &windows).await?;
    if data.project.is_none() {
        return Err(not_found());
    }
    let tag = data.version.take().unwrap_or_default().tag();
    let (body, tag, state) = match (cached_body, cached_tag) {
        (Some(body), Some(old)) if old == tag => (body, tag, "REVALIDATED"),
        _ => {
            let tag = if revalidating {
                data = pages::read(&db, slug, Some(read), &windows).await?;
                // The tag of the data the page is built from, which may be newer still.
                data.version.take().unwrap_or_default().tag()
            } else {
                tag
            };
            let history = History::of(data, ctx.now, read).ok_or_else(not_found)?;
            (build(history)?, tag, if cache.is_some() { "MISS" } else { "OFF" })
        }
    };
    if let Some(cache) = &cache {
        let stored = Response::ok(body.clone())
            .context("cache entry")?
            .with_headers(headers(&[
                ("content-type", content_type),
                // The edge copy lives longer than the browser's; freshness is judged by built-at.
                ("cache-control", "public, max-age=86400"),
                ("x-vigil-version", &tag),
                ("x-vigil-built-at", &ctx.now.to_string()),
            ]));
        cache.put(key.as_str(), stored).await.context("cache write")?;
    }
    let mut response = respond(ctx, ResponseBody::Body(body.into_bytes()), content_type, &tag, state)?;
    // What this view cost D1 (0 on a HIT, which returns above): the benchmark reads it.
    let _ = response.headers_mut().set("x-vigil-d1-rows-read", &(crate::store::rows_read() - rows_before).to_string());
    Ok(response)
}

fn headers(pairs: &[(&str, &str)]) -> worker::Headers {
    let h = worker::Headers::new();
    for (k, v) in pairs {
        let _ = h.set(k, v);
    }
    h
}

/// The cache key: origin, path, and only the query parameters a route reads, in a fixed order.
/// Anything else in the query string is ignored, so `?x=<random>` cannot force a rebuild.
/// A JSON view negotiated on a path without `.json` shares the `.json` path's entry: the edge
/// cache is keyed per representation, not per `Accept` header (Cloudflare's cache ignores
/// `Vary` but for encodings).
fn cache_key(ctx: &Ctx, content_type: &str) -> Result<String, AppError> {
    let url = ctx.req.url().context("request URL")?;
    // The routed path: on a custom domain `/` is keyed as `/status/{slug}` (of that origin).
    let path = ctx.path.trim_end_matches('/');
    let json_path = if content_type == JSON && !path.ends_with(".json") && path.starts_with("/status/") { ".json" } else { "" };
    let mut key = format!("{}{path}{json_path}", url.origin().ascii_serialization());
    for name in ["metric", "window"] {
        if let Some((_, v)) = url.query_pairs().find(|(k, _)| k == name) {
            key.push(if key.contains('?') { '&' } else { '?' });
            key.push_str(&format!("{name}={v}"));
        }
    }
    Ok(key)
}

/// The HTML pages' CSP: the inline stylesheet and `style=` widths, the data: favicon, and
/// scripts from this origin only (the optional local-time script); forms post here only.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'self'; base-uri 'none'; form-action 'self'";

/// `GET /assets/local-time.js`: the status page's optional script (its URL carries a
/// fingerprint of the content, so it is cached for a year).
pub async fn local_time_js(_ctx: Ctx) -> Result<Response, AppError> {
    Ok(Response::ok(page::LOCAL_TIME_JS).context("asset")?.with_headers(headers(&[
        ("content-type", "text/javascript; charset=utf-8"),
        ("cache-control", "public, max-age=31536000, immutable"),
        ("x-content-type-options", "nosniff"),
    ])))
}

fn respond(ctx: &Ctx, body: ResponseBody, content_type: &str, tag: &str, cache_state: &str) -> Result<Response, AppError> {
    // Representations of one URL need their own validators (Vary: Accept on /status/{slug}).
    let etag = if content_type == JSON { format!("W/\"{tag}-json\"") } else { format!("W/\"{tag}\"") };
    let matches = ctx.req.headers().get("if-none-match").ok().flatten().is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let response = if matches { Response::empty().context("304")?.with_status(304) } else { Response::from_body(body).context("page")? };
    let mut response = response.with_headers(headers(&[
        ("content-type", content_type),
        ("cache-control", "public, max-age=30"),
        ("etag", &etag),
        ("x-vigil-cache", cache_state),
        ("x-content-type-options", "nosniff"),
    ]));
    if content_type == HTML {
        let _ = response.headers_mut().set("content-security-policy", PAGE_CSP);
    }
    Ok(response)
}
