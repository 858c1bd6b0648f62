//! Reading checks back from their hour blocks (`core::blocks`, migration 0014) and the full rows
//! of the checks that are not plain. Every reader of checks goes through here, so compact and
//! full storage read back as the same [`CheckRow`]s.
use std::collections::BTreeMap;

use serde::Deserialize;
use worker::D1Database;

use super::all;
use super::checks::CheckRow;
use crate::args;
use crate::core::blocks::{block_start, decode, Entry, BLOCK_SECONDS};
use crate::core::time::iso;
use crate::error::AppError;

/// The columns a [`CheckRow`] has, for every query that reads a full row.
macro_rules! check_columns {
    () => {
        "monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, failure_kind, attempts"
    };
}

/// ?1 monitor ids (JSON), ?2..?3 block starts, inclusive. One key range per monitor.
const BLOCKS: &str = "SELECT monitor_id, start, data FROM check_blocks \
     WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND start >= ?2 AND start <= ?3 ORDER BY monitor_id, start";
/// The newest block at or before ?2 and not before ?3 among monitors ?1 (one seek per monitor).
const NEWEST_START: &str = "SELECT max(start) AS start FROM check_blocks \
     WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND start <= ?2 AND start >= ?3";
/// Each monitor's newest block: its newest check is there (slots order the blocks).
const NEWEST_BLOCKS: &str = "SELECT b.monitor_id, b.start, b.data FROM json_each(?1) j \
     JOIN check_blocks b ON b.monitor_id = j.value AND b.start = (SELECT max(start) FROM check_blocks WHERE monitor_id = j.value)";
const FULL_IN_RANGE: &str = concat!(
    "SELECT ",
    check_columns!(),
    " FROM checks WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND slot >= ?2 AND slot <= ?3"
);
const FULL_BY_KEYS: &str = concat!(
    "SELECT ",
    check_columns!(),
    " FROM json_each(?1) j JOIN checks c ON c.monitor_id = json_extract(j.value, '$[0]') AND c.slot = json_extract(j.value, '$[1]')"
);
/// The old listing, for statuses only full rows can have (every check that is not UP has one).
const LIST_FULL: &str = concat!(
    "SELECT ",
    check_columns!(),
    " FROM checks WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND status = ?2 \
     AND (?3 IS NULL OR slot >= ?3) AND (?4 IS NULL OR slot <= ?4) \
     AND (?5 IS NULL OR slot < ?5 OR (slot = ?5 AND monitor_id < ?6)) \
     ORDER BY slot DESC, monitor_id DESC LIMIT ?7"
);

/// A block as D1 returns it (the status page reads them in its own batch).
#[derive(Debug, Deserialize)]
pub struct BlockRow {
    pub monitor_id: i64,
    pub start: i64,
    pub data: String,
}

#[derive(Debug, Deserialize)]
struct Start {
    start: Option<i64>,
}

fn json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// The entries of `ids` with slots in `[from_slot, to_slot)`, by (monitor, slot): what the
/// timeline, rollups and the overview read (no full rows needed).
pub async fn entries(
    db: &D1Database,
    ids: &[i64],
    from_slot: i64,
    to_slot: i64,
) -> Result<Vec<(i64, Entry)>, AppError> {
    if ids.is_empty() || to_slot <= from_slot {
        return Ok(Vec::new());
    }
    let rows: Vec<BlockRow> = all(
        db,
        BLOCKS,
        &args![json(ids), block_start(from_slot), block_start(to_slot - 1)],
    )
    .await?;
    Ok(entries_of(&rows, from_slot, to_slot))
}

/// The entries of some blocks with slots in `[from_slot, to_slot)`, by (monitor, slot) when
/// the blocks are.
pub fn entries_of(rows: &[BlockRow], from_slot: i64, to_slot: i64) -> Vec<(i64, Entry)> {
    rows.iter()
        .flat_map(|b| decode(b.start, &b.data).into_iter().map(move |e| (b.monitor_id, e)))
        .filter(|(_, e)| e.slot >= from_slot && e.slot < to_slot)
        .collect()
}

/// Each monitor's newest check (by slot), as its entry.
pub async fn newest_entries(
    db: &D1Database,
    ids: &[i64],
) -> Result<BTreeMap<i64, Entry>, AppError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<BlockRow> = all(db, NEWEST_BLOCKS, &args![json(ids)]).await?;
    Ok(rows
        .into_iter()
        .filter_map(|b| Some((b.monitor_id, decode(b.start, &b.data).pop()?)))
        .collect())
}

/// The rows of some checks: plain ones rebuilt from their entries, the others read by key.
pub async fn rows_of(db: &D1Database, entries: &[(i64, Entry)]) -> Result<Vec<CheckRow>, AppError> {
    let keys: Vec<(i64, i64)> = entries
        .iter()
        .filter(|(_, e)| e.full)
        .map(|(m, e)| (*m, e.slot))
        .collect();
    let full: Vec<CheckRow> = if keys.is_empty() {
        Vec::new()
    } else {
        let list = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
        all(db, FULL_BY_KEYS, &args![list]).await?
    };
    Ok(merge(entries, full))
}

/// A plain check's row: everything the API shows of it is in its entry.
pub fn plain_row(monitor_id: i64, e: &Entry) -> CheckRow {
    CheckRow {
        monitor_id,
        slot: e.slot,
        kind: "scheduled".into(),
        started_at: iso(e.started_ms),
        status: e.status.as_str().into(),
        slow: i64::from(e.slow),
        http_status: e.http_status.map(i64::from),
        latency_ms: e.latency_ms.map(i64::from),
        failure_type: None,
        attempts: 1,
        failure_kind: None,
    }
}

/// Rows in the order of `entries`: plain entries become rows, full ones take their row from
/// `full` (a full entry whose row is missing is left out).
pub fn merge(entries: &[(i64, Entry)], full: Vec<CheckRow>) -> Vec<CheckRow> {
    let mut by_key: BTreeMap<(i64, i64), CheckRow> = full
        .into_iter()
        .map(|r| ((r.monitor_id, r.slot), r))
        .collect();
    entries
        .iter()
        .filter_map(|(m, e)| {
            if e.full {
                by_key.remove(&(*m, e.slot))
            } else {
                Some(plain_row(*m, e))
            }
        })
        .collect()
}

/// What `GET /api/checks` asks for, in slots: `monitors` already scoped to the caller.
#[derive(Debug, Clone)]
pub struct Listing<'a> {
    pub monitors: &'a [i64],
    /// Only UP checks (other statuses go to [`list_full`]).
    pub only_up: bool,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub before: Option<(i64, i64)>,
    pub limit: u32,
}

/// Checks whose status only full rows can have, newest first (the old listing's SQL).
pub async fn list_full(
    db: &D1Database,
    l: &Listing<'_>,
    status: &str,
) -> Result<Vec<CheckRow>, AppError> {
    let (cursor_slot, cursor_monitor) = l.before.map_or((None, None), |(s, m)| (Some(s), Some(m)));
    all(
        db,
        LIST_FULL,
        &args![
            json(l.monitors),
            status,
            l.since,
            l.until,
            cursor_slot,
            cursor_monitor,
            l.limit
        ],
    )
    .await
}

/// Newest first by (slot, monitor). Walks back from the newest hour with checks, reading whole
/// hours (a window that doubles each round, so a long page takes a few rounds), until the page
/// is full or the history ends: per round one seek per monitor, their blocks, and the full rows
/// of the window when it has any.
pub async fn list(db: &D1Database, l: &Listing<'_>) -> Result<Vec<CheckRow>, AppError> {
    let limit = l.limit as usize;
    let mut out: Vec<CheckRow> = Vec::new();
    if l.monitors.is_empty() || limit == 0 {
        return Ok(out);
    }
    let floor = l.since.map_or(0, block_start);
    let mut hi = match (l.until, l.before) {
        (Some(u), Some((s, _))) => u.min(s),
        (Some(u), None) => u,
        (None, Some((s, _))) => s,
        (None, None) => i64::MAX / 2,
    };
    let mut hours = 1i64;
    loop {
        let top: Vec<Start> = all(
            db,
            NEWEST_START,
            &args![json(l.monitors), block_start(hi), floor],
        )
        .await?;
        let Some(top) = top.first().and_then(|t| t.start) else {
            break;
        };
        let from = (top - (hours - 1) * BLOCK_SECONDS).max(floor);
        let rows: Vec<BlockRow> = all(db, BLOCKS, &args![json(l.monitors), from, top]).await?;
        let mut entries: Vec<(i64, Entry)> = rows
            .into_iter()
            .flat_map(|b| {
                decode(b.start, &b.data)
                    .into_iter()
                    .map(move |e| (b.monitor_id, e))
            })
            .filter(|(m, e)| keep(l, hi, *m, e))
            .collect();
        entries.sort_by(|(ma, a), (mb, b)| (b.slot, mb).cmp(&(a.slot, ma)));
        let full: Vec<CheckRow> = if entries.iter().any(|(_, e)| e.full) {
            all(
                db,
                FULL_IN_RANGE,
                &args![json(l.monitors), from, top + BLOCK_SECONDS - 1],
            )
            .await?
        } else {
            Vec::new()
        };
        out.extend(merge(&entries, full));
        if out.len() >= limit || from <= floor {
            break;
        }
        hi = from - 1;
        hours = (hours * 2).min(24 * 7);
    }
    out.truncate(limit);
    Ok(out)
}

/// Whether an entry belongs on the page: its status, the time range and the cursor.
fn keep(l: &Listing<'_>, hi: i64, monitor: i64, e: &Entry) -> bool {
    let after_cursor = l
        .before
        .is_none_or(|(s, m)| e.slot < s || (e.slot == s && monitor < m));
    (!l.only_up || e.status == crate::core::status::CheckStatus::Up)
        && e.slot <= hi
        && l.since.is_none_or(|s| e.slot >= s)
        && after_cursor
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::status::CheckStatus;

    #[test]
    fn plain_and_full_entries_read_back_as_rows() {
        let h = 1_795_237_200;
        let plain = Entry {
            slot: h,
            started_ms: h * 1000 + 123,
            status: CheckStatus::Up,
            slow: true,
            latency_ms: Some(87),
            http_status: Some(204),
            full: false,
        };
        let full = Entry {
            slot: h + 60,
            started_ms: h * 1000 + 60_500,
            status: CheckStatus::Down,
            slow: false,
            latency_ms: None,
            http_status: None,
            full: true,
        };
        let lost = Entry {
            slot: h + 120,
            ..full
        };
        let row = CheckRow {
            monitor_id: 7,
            slot: h + 60,
            kind: "recheck".into(),
            started_at: iso(h * 1000 + 60_500),
            status: "DOWN".into(),
            slow: 0,
            http_status: Some(503),
            latency_ms: None,
            failure_type: Some("status 503 not in [200]".into()),
            attempts: 4,
            failure_kind: Some(crate::core::failure::FailureKind::Status),
        };
        let rows = merge(&[(7, plain), (7, full), (7, lost)], vec![row.clone()]);
        assert_eq!(rows.len(), 2, "a full entry without its row is left out");
        let p = &rows[0];
        assert_eq!(
            (
                p.kind.as_str(),
                p.started_at.as_str(),
                p.status.as_str(),
                p.slow,
                p.http_status,
                p.latency_ms,
                p.attempts
            ),
            (
                "scheduled",
                "2026-11-21T05:00:00.123Z",
                "UP",
                1,
                Some(204),
                Some(87),
                1
            )
        );
        assert_eq!((p.failure_type.clone(), p.failure_kind), (None, None));
        assert_eq!(format!("{:?}", rows[1]), format!("{row:?}"));
    }
}
