//! What the public pages read: a project by slug, its monitors, their history, incidents,
//! maintenance and what the operators said, and a cheap "data version" that says whether a
//! cached page is stale.
//!
//! A page view is one D1 batch ([`read`]), not a query after another: every statement finds the
//! project by its slug itself (and the page's monitors by a subquery), so none waits for
//! another's answer. Each round trip to D1 costs far more than these indexed reads (DESIGN.md
//! §9 "Cost"), and one batch is also one consistent snapshot of the page's data.
use serde::Deserialize;
use worker::D1Database;

use super::blocks::BlockRow;
use super::notices::{FeedUpdate, NoticeRow, UpdateRow};
use super::projects::{ProjectRow, BY_DOMAIN, BY_SLUG};
use super::rollups::{self, RollupRow};
use super::{first, stmt, Batch};
use crate::args;
use crate::core::failure::FailureKind;
use crate::core::monitor::Role;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

/// A project by its public slug (the page decides whether it may be shown).
pub async fn project_by_slug(db: &D1Database, slug: &str) -> Result<Option<ProjectRow>, AppError> {
    first(db, BY_SLUG, &args![slug]).await
}

/// The project whose custom domain is `host` (lower case), if any.
pub async fn project_by_domain(db: &D1Database, host: &str) -> Result<Option<ProjectRow>, AppError> {
    first(db, BY_DOMAIN, &args![host]).await
}

#[derive(Debug, Clone, Deserialize)]
pub struct PageIncident {
    pub id: i64,
    pub monitor_id: i64,
    pub monitor_name: String,
    pub opened_at: String,
    pub resolved_at: Option<String>,
    /// The cause as a kind and the opening check's HTTP status: all a public page may use
    /// (the raw `cause` text is not read).
    pub failure_kind: Option<FailureKind>,
    pub cause_http_status: Option<i64>,
    /// Its updates as a JSON array of [`UpdateRow`] objects (the pages' statement only; read
    /// into [`PageData::updates`]).
    #[serde(default)]
    pub updates: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PageMaintenance {
    /// The feed's entry id (`#maintenance-{id}`) and its date.
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub created_at: String,
    pub title: String,
    pub monitor_id: Option<i64>,
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct DataVersion {
    pub last_checked_at: Option<String>,
    pub monitors: i64,
    pub changed: Option<String>,
    /// Maintenance windows are shown on the page: adding or deleting one must rebuild it.
    #[serde(default)]
    pub windows: i64,
    #[serde(default)]
    pub window_changed: Option<String>,
    /// A renamed project must not be revalidated with its old name, nor a page whose notices
    /// or updates changed: the name and `projects.notices_version`, read as one value from the
    /// project's row (one row read).
    #[serde(default)]
    pub project_name: Option<String>,
}

impl DataVersion {
    /// An ETag-safe token that changes whenever a check is recorded or a monitor is edited.
    pub fn tag(&self) -> String {
        let text = format!(
            "{}|{}|{}|{}|{}|{}",
            self.last_checked_at.as_deref().unwrap_or(""),
            self.monitors,
            self.changed.as_deref().unwrap_or(""),
            self.windows,
            self.window_changed.as_deref().unwrap_or(""),
            self.project_name.as_deref().unwrap_or("")
        );
        // FNV-1a: a short stable fingerprint, not a security boundary.
        let hash = text.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
        format!("{hash:016x}")
    }
}

// ---------------------------------------------------------------------------------------------
// The page's statements. ?1 is always the slug: each statement finds the (public) project itself.

/// The public project of slug ?1 (one row by the unique slug index).
macro_rules! project {
    () => {
        "(SELECT id FROM projects WHERE slug = ?1 AND public != 0)"
    };
}

/// The newest check: steady checks do not rewrite the monitor row, so it is read from each
/// monitor's newest block (its latest start, and its length, which grows with every check
/// even when one recorded late started earlier): two rows per monitor. A renamed project must
/// not be revalidated with its old name, nor a page whose notices or updates changed: the name
/// and `projects.notices_version`, read as one value from the project's row.
const VERSION: &str = concat!(
    "WITH p AS ",
    project!(),
    " SELECT (SELECT max(b.last_at) || '/' || sum(length(b.data)) FROM monitors n JOIN check_blocks b ON b.monitor_id = n.id \
       AND b.start = (SELECT max(start) FROM check_blocks WHERE monitor_id = n.id) WHERE n.project_id = (SELECT id FROM p)) AS last_checked_at, \
     count(*) AS monitors, max(updated_at) AS changed, \
     (SELECT count(*) FROM maintenance_windows WHERE project_id = (SELECT id FROM p)) AS windows, \
     (SELECT max(created_at) FROM maintenance_windows WHERE project_id = (SELECT id FROM p)) AS window_changed, \
     (SELECT notices_version || ':' || name FROM projects WHERE id = (SELECT id FROM p)) AS project_name \
     FROM monitors WHERE project_id = (SELECT id FROM p)"
);

/// ?1 slug, ?2 one monitor or NULL, ?3 the page's monitor limit, ?4 the timeline's start (ms),
/// ?5 the newest block start: the monitors a page shows (the project's first ?3 by id, as the
/// dashboard lists them; active ones; only ?2 when it is not NULL), each with all its history
/// but the full daily rollups, in one row:
/// * only the columns the pages use (every value read crosses from JS into Rust one by one),
///   `last_checked_at` as `monitors::row_columns!` gives it (the newest block's, else the row's);
/// * its summary row's older `hours` and `days` (`core::summary` text);
/// * `blocks`: its hour blocks as `<start>=<data>` joined by `|` (neither occurs in a block's
///   text; [`split_blocks`] reads them back), from the one holding the timeline's start less two
///   of the longest interval among the page's monitors (so the first minute has its
///   predecessor), as `store::blocks::entries` reads them: `slot_at_or_after`, then
///   `block_start`, in integer arithmetic. D1 binds every JS number as a REAL, so ?4 is cast
///   first, or the divisions would not truncate.
///
/// One statement reads each monitor once (the project's index entries and rows), where a query
/// per kind of history would find the page's monitors again in each; and a monitor's blocks
/// cross as one value, not a row each.
const MONITORS: &str = concat!(
    "SELECT m.id, m.name, m.role, m.monitor_type, m.check_interval_seconds, m.grace_seconds, m.status, m.slow, \
       m.rolled_up_until_ms, m.deadline_ms, \
       COALESCE((SELECT b.last_at FROM check_blocks b WHERE b.monitor_id = m.id ORDER BY b.start DESC LIMIT 1), m.last_checked_at) AS last_checked_at, \
       s.hours, s.days, \
       (SELECT group_concat(b.start || '=' || b.data, '|') FROM check_blocks b WHERE b.monitor_id = m.id \
         AND b.start >= ((CAST(?4 AS INTEGER) - 2000 * m.longest + 999) / 1000) / 3600 * 3600 AND b.start <= ?5) AS blocks \
     FROM (SELECT *, max(check_interval_seconds) OVER () AS longest FROM ( \
         SELECT id, name, role, monitor_type, check_interval_seconds, grace_seconds, status, slow, rolled_up_until_ms, deadline_ms, \
           last_checked_at, is_active FROM monitors WHERE project_id = ",
    project!(),
    " ORDER BY id LIMIT ?3) WHERE is_active != 0 AND (?2 IS NULL OR id = ?2)) m \
     LEFT JOIN history_summaries s ON s.monitor_id = m.id ORDER BY m.id"
);

/// ?1 slug, ?2 the monitor, ?3 the first day (ms): a monitor's page shows latency percentiles,
/// which only the full daily rollups hold. Read only for an active monitor of the public
/// project (whether the page shows it, [`MONITORS`] says).
const DAYS: &str = concat!(
    "SELECT ",
    rollups::rollup_columns!(),
    " FROM rollups WHERE monitor_id = ?2 AND period = 'day' AND start_ms >= ?3 \
     AND EXISTS (SELECT 1 FROM monitors WHERE id = ?2 AND is_active != 0 AND project_id = ",
    project!(),
    ") ORDER BY start_ms"
);

/// A monitor's `blocks` column ([`MONITORS`]) as its blocks; a part that does not parse is
/// skipped (the text is only ever made by that statement).
pub fn split_blocks(monitor_id: i64, text: &str) -> Vec<BlockRow> {
    text.split('|')
        .filter_map(|part| {
            let (start, data) = part.split_once('=')?;
            Some(BlockRow { monitor_id, start: start.parse().ok()?, data: data.to_string() })
        })
        .collect()
}

/// The incidents a page shows: ?1 slug, ?2 open or resolved since (ISO), ?3 limit.
macro_rules! incidents {
    ($columns:literal) => {
        concat!(
            "SELECT ",
            $columns,
            " FROM incidents i JOIN monitors m ON m.id = i.monitor_id WHERE m.project_id = ",
            project!(),
            " AND (i.resolved_at IS NULL OR i.resolved_at >= ?2) ORDER BY i.opened_at DESC LIMIT ?3"
        )
    };
}

/// Open incidents and those resolved since ?2, newest first.
const INCIDENTS: &str =
    incidents!("i.id, i.monitor_id, m.name AS monitor_name, i.opened_at, i.resolved_at, i.failure_kind, i.cause_http_status");

/// ?1 slug, ?2 now (ISO): maintenance windows not over yet.
const MAINTENANCE: &str = concat!(
    "SELECT id, created_at, title, monitor_id, starts_at, ends_at FROM maintenance_windows WHERE project_id = ",
    project!(),
    " AND ends_at >= ?2 ORDER BY starts_at LIMIT 20"
);

/// The notices a page shows: ?1 slug, `$since` resolved since (ms), `$limit` how many.
macro_rules! notices {
    ($columns:literal, $since:literal, $limit:literal) => {
        concat!(
            "SELECT ",
            $columns,
            " FROM notices WHERE project_id = ",
            project!(),
            " AND (resolved_ms IS NULL OR resolved_ms >= ",
            $since,
            ") ORDER BY created_ms DESC LIMIT ",
            $limit
        )
    };
}

/// ?1 slug, ?2 since (ms), ?3 limit: open notices and those resolved since ?2.
const NOTICES: &str = notices!("id, project_id, title, created_ms, status, resolved_ms", "?2", "?3");

/// ?1..?3 as [`INCIDENTS`], ?4 only the updates of this monitor's incidents (or NULL for
/// all): the incidents a page shows, each with its updates as a JSON array of
/// [`UpdateRow`] objects (through the updates' partial index on `incident_id`). Found once
/// for both: selecting the shown incidents again for their updates read the project's
/// incidents twice (320 rows each in the benchmark's page).
const INCIDENTS_WITH_UPDATES: &str = concat!(
    "SELECT s.*, CASE WHEN ?4 IS NULL OR s.monitor_id = ?4 THEN (SELECT json_group_array(json_object('id', u.id, \
       'project_id', u.project_id, 'incident_id', u.incident_id, 'notice_id', u.notice_id, 'status', u.status, \
       'message', u.message, 'created_ms', u.created_ms, 'edited_ms', u.edited_ms)) \
       FROM incident_updates u WHERE u.incident_id = s.id) END AS updates FROM (",
    incidents!("i.id, i.monitor_id, m.name AS monitor_name, i.opened_at, i.resolved_at, i.failure_kind, i.cause_http_status"),
    ") s ORDER BY s.opened_at DESC"
);

/// ?1 slug, ?2..?3 as [`NOTICES`]', ?4 limit: the updates of the notices shown, newest first,
/// through the updates' partial index on `notice_id`.
const NOTICE_UPDATES: &str = concat!(
    "SELECT id, project_id, incident_id, notice_id, status, message, created_ms, edited_ms FROM incident_updates \
     WHERE notice_id IN (SELECT id FROM (",
    notices!("id", "?2", "?3"),
    ")) ORDER BY created_ms DESC, id DESC LIMIT ?4"
);

/// The updates of the incidents shown (their JSON columns) and of the notices shown, newest
/// first, at most `limit`: what one `UNION ALL ... ORDER BY created_ms DESC, id DESC LIMIT`
/// over both gave.
fn page_updates(incidents: &[PageIncident], notices: Vec<UpdateRow>, limit: u32) -> Result<Vec<UpdateRow>, AppError> {
    let mut all = notices;
    for i in incidents {
        if let Some(json) = &i.updates {
            let rows: Vec<UpdateRow> = serde_json::from_str(json).map_err(|e| AppError::Internal(format!("incident {} updates: {e}", i.id)))?;
            all.extend(rows);
        }
    }
    all.sort_by_key(|u| std::cmp::Reverse((u.created_ms, u.id)));
    all.truncate(limit as usize);
    Ok(all)
}

/// ?1 slug, ?2 since (ms), ?3 limit: the feed's newest updates with what they belong to.
const FEED_UPDATES: &str = concat!(
    "SELECT u.id, u.incident_id, u.notice_id, u.status, u.message, u.created_ms, u.edited_ms, \
       COALESCE(n.title, m.name) AS subject \
     FROM incident_updates u LEFT JOIN notices n ON n.id = u.notice_id \
     LEFT JOIN incidents i ON i.id = u.incident_id LEFT JOIN monitors m ON m.id = i.monitor_id \
     WHERE u.project_id = ",
    project!(),
    " AND u.created_ms >= ?2 ORDER BY u.created_ms DESC, u.id DESC LIMIT ?3"
);

/// A monitor as the pages read it: what they show, and what bounds its history.
#[derive(Debug, Clone, Deserialize)]
pub struct PageMonitor {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub monitor_type: String,
    pub check_interval_seconds: i64,
    pub grace_seconds: Option<i64>,
    pub status: Option<String>,
    pub slow: i64,
    /// Hours before this instant have final hourly rollups.
    pub rolled_up_until_ms: EpochMs,
    pub deadline_ms: Option<EpochMs>,
    pub last_checked_at: Option<String>,
    /// Its summary row's text (`core::summary`), if it has one.
    pub hours: Option<String>,
    pub days: Option<String>,
    /// Its blocks in the timeline's window ([`split_blocks`]).
    pub blocks: Option<String>,
}

impl PageMonitor {
    pub fn role(&self) -> Role {
        if self.role == "supplementary" { Role::Supplementary } else { Role::Core }
    }

    /// As `MonitorRow::freshness_interval`.
    pub fn freshness_interval(&self) -> u32 {
        super::monitors::freshness_interval(&self.monitor_type, self.check_interval_seconds, self.grace_seconds, self.last_checked_at.as_deref(), self.deadline_ms)
    }
}

/// Which page is built, and so which statements its batch holds beside the project and its
/// data version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageRead {
    /// The project's page (HTML or JSON): monitors, history, incidents, maintenance, notices
    /// and the updates of the incidents and notices shown.
    Project,
    /// One monitor's page: the same for that monitor, with its daily rollups and no notices.
    Monitor(i64),
    /// A badge: one monitor and its history.
    Badge(i64),
    /// The Atom feed: incidents, the newest updates and maintenance.
    Feed,
}

/// The windows a page's statements read, from the view's `now`.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    /// At most this many monitors (the first by id).
    pub max_monitors: u32,
    /// The timeline's start (ms): blocks are read from two of the longest interval before it.
    pub timeline_from_ms: EpochMs,
    /// The newest block start read.
    pub last_block: i64,
    /// Daily rollups from here (a monitor's page).
    pub first_day_ms: EpochMs,
    /// Incidents resolved since, and how many.
    pub incidents_since_ms: EpochMs,
    pub incidents: u32,
    /// Notices resolved since, and how many (project page).
    pub notices_since_ms: EpochMs,
    pub notices: u32,
    /// Updates shown at most.
    pub updates: u32,
    /// The feed's incidents and updates since, and how many of each.
    pub feed_since_ms: EpochMs,
    pub feed_incidents: u32,
    pub feed_updates: u32,
    pub now_ms: EpochMs,
}

/// Everything one page view read. Lists a page does not read stay empty.
#[derive(Debug, Default)]
pub struct PageData {
    /// `None`: no public project of that slug (then nothing else was found either).
    pub project: Option<ProjectRow>,
    pub version: Option<DataVersion>,
    pub monitors: Vec<PageMonitor>,
    pub days: Vec<RollupRow>,
    pub incidents: Vec<PageIncident>,
    pub maintenance: Vec<PageMaintenance>,
    pub notices: Vec<NoticeRow>,
    pub updates: Vec<UpdateRow>,
    pub feed_updates: Vec<FeedUpdate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Project,
    Version,
    Monitors,
    Days,
    Incidents,
    Maintenance,
    Notices,
    Updates,
    FeedUpdates,
}

/// The project of `slug` and its data version, and, with `page`, everything that page shows:
/// one batch, so one round trip to D1 whatever the page.
pub async fn read(db: &D1Database, slug: &str, page: Option<PageRead>, w: &Windows) -> Result<PageData, AppError> {
    let mut batch = Batch::new();
    batch.push(Key::Project, stmt(db, BY_SLUG, &args![slug])?);
    batch.push(Key::Version, stmt(db, VERSION, &args![slug])?);
    if let Some(page) = page {
        for (key, sql, args) in statements(slug, page, w) {
            batch.push(key, stmt(db, sql, &args)?);
        }
    }
    let results = batch.run(db, "reading a status page").await?;
    let project = results.rows::<ProjectRow>(Key::Project)?.into_iter().next().filter(|p| p.public != 0);
    if project.is_none() {
        return Ok(PageData::default());
    }
    let incidents: Vec<PageIncident> = results.rows(Key::Incidents)?;
    Ok(PageData {
        project,
        version: results.rows(Key::Version)?.into_iter().next(),
        monitors: results.rows(Key::Monitors)?,
        days: rollups::rows_of(results.rows(Key::Days)?),
        updates: page_updates(&incidents, results.rows(Key::Updates)?, w.updates)?,
        incidents,
        maintenance: results.rows(Key::Maintenance)?,
        notices: results.rows(Key::Notices)?,
        feed_updates: results.rows(Key::FeedUpdates)?,
    })
}

/// The statements of `page` beside the project and version, with their arguments.
fn statements(slug: &str, page: PageRead, w: &Windows) -> Vec<(Key, &'static str, Vec<super::Arg>)> {
    let only = match page {
        PageRead::Monitor(id) | PageRead::Badge(id) => Some(id),
        PageRead::Project | PageRead::Feed => None,
    };
    let notices = if page == PageRead::Project { w.notices } else { 0 };
    let mut out = Vec::new();
    if page != PageRead::Feed {
        out.push((Key::Monitors, MONITORS, args![slug, only, w.max_monitors, w.timeline_from_ms, w.last_block].to_vec()));
    }
    if let Some(id) = only {
        out.push((Key::Days, DAYS, args![slug, id, w.first_day_ms].to_vec()));
    }
    match page {
        PageRead::Project | PageRead::Monitor(_) => {
            out.push((Key::Incidents, INCIDENTS_WITH_UPDATES, args![slug, iso(w.incidents_since_ms), w.incidents, only].to_vec()));
            out.push((Key::Maintenance, MAINTENANCE, args![slug, iso(w.now_ms)].to_vec()));
            if notices > 0 {
                out.push((Key::Notices, NOTICES, args![slug, w.notices_since_ms, notices].to_vec()));
                out.push((Key::Updates, NOTICE_UPDATES, args![slug, w.notices_since_ms, notices, w.updates].to_vec()));
            }
        }
        PageRead::Feed => {
            out.push((Key::Incidents, INCIDENTS, args![slug, iso(w.feed_since_ms), w.feed_incidents].to_vec()));
            out.push((Key::FeedUpdates, FEED_UPDATES, args![slug, w.feed_since_ms, w.feed_updates].to_vec()));
            out.push((Key::Maintenance, MAINTENANCE, args![slug, iso(w.now_ms)].to_vec()));
        }
        PageRead::Badge(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::{self, q};
    use crate::store::Arg;

    const H: i64 = 1_795_237_200; // an hour start, epoch seconds

    fn script() -> String {
        let mut s = sqlite::migrations(u32::MAX);
        s.push_str(&format!(
            "INSERT INTO projects (id, slug, name, public, owner_id, created_at) VALUES (2, 'hidden', 'Hidden', 0, 1, 'x');\n\
             INSERT INTO monitors (id, project_id, name, url, created_at, updated_at, check_interval_seconds, is_active) VALUES \
               (1, 1, 'a', 'https://a.example', 'x', 'x', 60, 1), (2, 1, 'b', 'https://b.example', 'x', 'x', 300, 1), \
               (3, 1, 'c', 'https://c.example', 'x', 'x', 3600, 0), (4, 2, 'd', 'https://d.example', 'x', 'x', 60, 1);\n\
             INSERT INTO check_blocks (monitor_id, start, last_at, data) VALUES \
               (1, {h5}, 'a5', ';0:1:5'), (1, {h4}, 'a4', ';60:1:6'), (1, {h}, 'a0', ';0:2:7;60:3:8'), (2, {h1}, 'b1', ';0:1:9'), \
               (3, {h}, 'c0', ';0:1:1'), (4, {h}, 'd0', ';0:1:1');\n\
             INSERT INTO history_summaries (monitor_id, hours, days) VALUES (1, ';1:1,1,60,60', ';2:60,60,0,1,0');\n\
             INSERT INTO rollups (monitor_id, period, start_ms, up, down, timeout, bot, slow, unknown_minutes, known_minutes, up_minutes, bot_minutes, latency_count, latency_sum_ms, latency_hist) \
               VALUES (1, 'day', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ''), (4, 'day', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '');\n",
            h5 = H - 5 * 3600,
            h4 = H - 4 * 3600,
            h1 = H - 3600,
            h = H,
        ));
        s
    }

    /// MONITORS' arguments at 30 minutes past `H`, bound as D1 binds them (numbers as REAL).
    fn monitors_args(slug: &str, only: Option<i64>, limit: u32) -> Vec<Arg> {
        let now_ms = (H + 1800) * 1000;
        vec![Arg::from(slug), only.map_or(Arg::Null, |i| Arg::Real(i as f64)), Arg::Real(f64::from(limit)), Arg::Real((now_ms - 4 * 3_600_000) as f64), Arg::Real(H as f64)]
    }

    #[test]
    fn one_statement_reads_the_page_monitors_with_their_history() {
        let groups = vec![vec![
            q(MONITORS, &monitors_args("default", None, 200)),
            q(MONITORS, &monitors_args("default", Some(2), 200)),
            q(MONITORS, &monitors_args("default", None, 1)),
            q(MONITORS, &monitors_args("hidden", None, 200)),
            q(DAYS, &[Arg::from("default"), Arg::Real(1.0), Arg::Real(0.0)]),
            q(DAYS, &[Arg::from("default"), Arg::Real(4.0), Arg::Real(0.0)]),
            q(VERSION, &[Arg::from("hidden")]),
        ]];
        let out = sqlite::run(&script(), &groups);
        let r = out[0].as_ref().unwrap();
        let ids = |i: usize| r[i].0.iter().map(|m| m["id"].as_i64().unwrap()).collect::<Vec<_>>();
        // Active monitors of the public project only, in id order, within the limit.
        assert_eq!((ids(0), ids(1), ids(2), ids(3)), (vec![1, 2], vec![2], vec![1], vec![]));
        let page: Vec<PageMonitor> = r[0].0.iter().map(|m| serde_json::from_value(m.clone()).unwrap()).collect();
        // The longest interval (300 s) reaches back to 10 minutes before the timeline's start,
        // 3 h 40 min before H: the block of H - 4 h, not the one before it.
        let blocks = split_blocks(1, page[0].blocks.as_deref().unwrap());
        let starts: Vec<i64> = blocks.iter().map(|b| b.start).collect();
        assert_eq!(starts, vec![H - 4 * 3600, H]);
        assert_eq!(blocks[1].data, ";0:2:7;60:3:8");
        assert_eq!(page[0].last_checked_at.as_deref(), Some("a0"), "the newest block's last_at");
        assert_eq!((page[0].hours.as_deref(), page[0].days.as_deref()), (Some(";1:1,1,60,60"), Some(";2:60,60,0,1,0")));
        assert_eq!((page[1].blocks.as_deref(), page[1].hours.as_deref()), (Some(&*format!("{}=;0:1:9", H - 3600)), None));
        assert_eq!(r[4].0.len(), 1, "a monitor of the page has its daily rollups read");
        assert!(r[5].0.is_empty(), "not another project's monitor");
        assert_eq!(r[6].0[0]["monitors"], 0, "a private project has no version");
    }

    #[test]
    fn the_shown_incidents_carry_their_updates_and_merge_with_the_notices_newest_first() {
        let mut script = script();
        script.push_str(
            "INSERT INTO incidents (id, monitor_id, opened_at, opened_slot, cause, last_status) VALUES \
               (1, 1, '2026-11-20T00:00:00.000Z', 1, 'down', 'DOWN'), (2, 2, '2026-11-21T00:00:00.000Z', 2, 'down', 'DOWN'), \
               (3, 4, '2026-11-21T00:00:00.000Z', 3, 'down', 'DOWN');\n\
             INSERT INTO notices (id, project_id, title, created_ms, status) VALUES (1, 1, 'n', 5, 'monitoring');\n\
             INSERT INTO incident_updates (id, project_id, incident_id, notice_id, status, message, created_ms, edited_ms) VALUES \
               (1, 1, 1, NULL, 'investigating', 'a \"quoted\" one', 10, NULL), (2, 1, 2, NULL, 'identified', 'b', 30, 31), \
               (3, 1, NULL, 1, 'monitoring', 'c', 20, NULL), (4, 1, 1, NULL, 'resolved', 'd', 30, NULL), \
               (5, 2, 3, NULL, 'investigating', 'other project', 40, NULL);\n",
        );
        let since = Arg::from("2000-01-01T00:00:00.000Z");
        let groups = vec![vec![
            q(INCIDENTS_WITH_UPDATES, &[Arg::from("default"), since.clone(), Arg::Real(25.0), Arg::Null]),
            q(INCIDENTS_WITH_UPDATES, &[Arg::from("default"), since, Arg::Real(25.0), Arg::Real(2.0)]),
            q(NOTICE_UPDATES, &[Arg::from("default"), Arg::Real(0.0), Arg::Real(60.0), Arg::Real(500.0)]),
        ]];
        let out = sqlite::run(&script, &groups);
        let r = out[0].as_ref().unwrap();
        let rows = |i: usize| -> Vec<PageIncident> { r[i].0.iter().map(|v| serde_json::from_value(v.clone()).unwrap()).collect() };
        let notices: Vec<UpdateRow> = r[2].0.iter().map(|v| serde_json::from_value(v.clone()).unwrap()).collect();
        let (all, one) = (rows(0), rows(1));
        assert_eq!(all.iter().map(|i| i.id).collect::<Vec<_>>(), vec![2, 1], "the project's incidents, newest first");
        let ids = |u: Vec<UpdateRow>| u.iter().map(|u| u.id).collect::<Vec<_>>();
        // Newest first by (created_ms, id), as one ORDER BY over both halves gave.
        assert_eq!(ids(page_updates(&all, notices.clone(), 500).unwrap()), vec![4, 2, 3, 1]);
        assert_eq!(ids(page_updates(&all, notices.clone(), 2).unwrap()), vec![4, 2]);
        assert_eq!(ids(page_updates(&one, Vec::new(), 500).unwrap()), vec![2], "one monitor's incidents only");
        let u = page_updates(&all, notices, 500).unwrap();
        let first = u.iter().find(|u| u.id == 1).unwrap();
        assert_eq!((first.message.as_str(), first.incident_id, first.notice_id, first.edited_ms), ("a \"quoted\" one", Some(1), None, None));
        assert_eq!(u.iter().find(|u| u.id == 2).unwrap().edited_ms, Some(31));
    }

    #[test]
    fn joined_blocks_split_back() {
        let b = split_blocks(7, "3600=;0:1:2|7200=;60:1:3/204;120:1:|x=;0:1:1|bad");
        assert_eq!(b.iter().map(|b| (b.monitor_id, b.start, b.data.as_str())).collect::<Vec<_>>(), vec![(7, 3600, ";0:1:2"), (7, 7200, ";60:1:3/204;120:1:")]);
        assert!(split_blocks(7, "").is_empty());
    }
}
