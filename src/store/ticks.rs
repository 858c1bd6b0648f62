//! Tick claims (migration 0013, DESIGN.md §3): one row per cron tick's minute. Claiming is an
//! INSERT that a second tick of the same minute cannot repeat; the row then remembers how far
//! dispatch got, so a tick that died or whose send failed is finished by the next one. A tick
//! writes its claim, its progress after each `send_batch` but the last, and its end: 2 rows for
//! a whole tick of up to ~400 monitors, whatever the number of monitors due, plus one old row
//! deleted.
use serde::Deserialize;
use worker::D1Database;

use super::monitors::Position;
use super::{all, first, stmt, Batch};
use crate::args;
use crate::core::schedule::ClaimState;
use crate::core::time::EpochMs;
use crate::error::AppError;

/// The newest claims, for `core::schedule::plan_tick`: 5 rows by primary key.
const RECENT: &str = "SELECT slot, window_ticks, holder_ms, lease_until_ms, cursor_period, cursor_phase, cursor_id, dispatched, done_ms \
     FROM tick_claims ORDER BY slot DESC LIMIT 5";
/// ?1 slot, ?2 window, ?3 holder (now), ?4 lease end. Nothing comes back when the slot was
/// claimed already.
const CLAIM: &str = "INSERT INTO tick_claims (slot, window_ticks, holder_ms, lease_until_ms) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (slot) DO NOTHING \
     RETURNING slot, window_ticks, holder_ms, lease_until_ms, cursor_period, cursor_phase, cursor_id, dispatched, done_ms";
/// Claims older than ?1 (a day): at most one row a tick.
const PRUNE: &str = "DELETE FROM tick_claims WHERE slot < ?1";
/// Takes over a failed claim (not done, lease over): only one tick can, since the first one
/// moves the lease.
const TAKE_OVER: &str = "UPDATE tick_claims SET holder_ms = ?2, lease_until_ms = ?3 WHERE slot = ?1 AND done_ms IS NULL AND lease_until_ms <= ?2 \
     RETURNING slot, window_ticks, holder_ms, lease_until_ms, cursor_period, cursor_phase, cursor_id, dispatched, done_ms";
/// Progress and end, fenced by the holder: a tick whose claim was taken over writes nothing.
/// ?6 done (ms) or NULL; ?7 the lease (0 on failure: the next tick takes over at once).
const ADVANCE: &str = "UPDATE tick_claims SET cursor_period = ?3, cursor_phase = ?4, cursor_id = ?5, dispatched = dispatched + ?8, \
     done_ms = ?6, lease_until_ms = ?7 WHERE slot = ?1 AND holder_ms = ?2 RETURNING slot AS id";

/// Claims are kept a day (for `GET /status/queue` and debugging), then deleted.
const KEEP_SLOTS: i64 = 86_400;

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Claim {
    pub slot: i64,
    pub window_ticks: i64,
    pub holder_ms: EpochMs,
    pub lease_until_ms: EpochMs,
    pub cursor_period: i64,
    pub cursor_phase: i64,
    pub cursor_id: i64,
    pub dispatched: i64,
    pub done_ms: Option<EpochMs>,
}

impl Claim {
    pub fn state(&self) -> ClaimState {
        ClaimState { slot: self.slot, done: self.done_ms.is_some(), lease_until_ms: self.lease_until_ms }
    }

    pub fn cursor(&self) -> Position {
        Position { period: self.cursor_period, phase: self.cursor_phase, id: self.cursor_id }
    }
}

pub async fn recent(db: &D1Database) -> Result<Vec<Claim>, AppError> {
    all(db, RECENT, &[]).await
}

/// Claims `slot`; `None` when another tick did first. Deletes claims older than a day in the
/// same batch.
pub async fn claim(db: &D1Database, slot: i64, window: i64, now: EpochMs, lease_until: EpochMs) -> Result<Option<Claim>, AppError> {
    let mut batch = Batch::new();
    batch.push(Write::Claim, stmt(db, CLAIM, &args![slot, window, now, lease_until])?);
    batch.push(Write::Prune, stmt(db, PRUNE, &args![slot - KEEP_SLOTS])?);
    Ok(batch.run(db, &format!("claiming tick {slot}")).await?.rows::<Claim>(Write::Claim)?.into_iter().next())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Claim,
    Prune,
}

/// Takes over `slot`'s failed claim; `None` when another tick did first.
pub async fn take_over(db: &D1Database, slot: i64, now: EpochMs, lease_until: EpochMs) -> Result<Option<Claim>, AppError> {
    first(db, TAKE_OVER, &args![slot, now, lease_until]).await
}

/// Where a holder's dispatch got to; `done` ends it, `lease_until = 0` gives it up. False when
/// the claim was taken over meanwhile (the holder must stop).
pub async fn advance(db: &D1Database, claim: &Claim, to: Position, sent: usize, done: Option<EpochMs>, lease_until: EpochMs) -> Result<bool, AppError> {
    let row: Option<super::Id> =
        first(db, ADVANCE, &args![claim.slot, claim.holder_ms, to.period, to.phase, to.id, done, lease_until, sent as i64]).await?;
    Ok(row.is_some())
}
