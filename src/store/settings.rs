//! The one `engine_settings` row (migration 0011): what seed 000's `POST /status/queue` sets,
//! and what the last cron tick did (DESIGN.md §8, §12).
use serde::Deserialize;
use worker::D1Database;

use super::{first, run};
use crate::args;
use crate::core::time::EpochMs;
use crate::error::AppError;

const READ: &str = "SELECT worker_thread, queue_size, updated_at, last_tick_at, last_tick_slot, last_tick_dispatched, last_tick_ms \
     FROM engine_settings WHERE id = 1";
/// The consumer's read: one row by primary key.
const READ_WORKER_THREAD: &str = "SELECT worker_thread FROM engine_settings WHERE id = 1";
const SET_WORKER_THREAD: &str = "UPDATE engine_settings SET worker_thread = ?1, updated_at = ?2 WHERE id = 1";
const RECORD_TICK: &str =
    "UPDATE engine_settings SET last_tick_at = ?1, last_tick_slot = ?2, last_tick_dispatched = ?3, last_tick_ms = ?4 WHERE id = 1";

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EngineSettings {
    /// `None`: the `CHECK_CONCURRENCY` default.
    pub worker_thread: Option<u32>,
    /// `None`: one job per message (until jobs are packed, nothing else can be set).
    pub queue_size: Option<u32>,
    pub updated_at: Option<EpochMs>,
    pub last_tick_at: Option<EpochMs>,
    pub last_tick_slot: Option<i64>,
    pub last_tick_dispatched: Option<i64>,
    pub last_tick_ms: Option<i64>,
}

pub async fn read(db: &D1Database) -> Result<EngineSettings, AppError> {
    Ok(first(db, READ, &[]).await?.unwrap_or_default())
}

/// The stored `worker_thread`, if one is set.
pub async fn worker_thread(db: &D1Database) -> Result<Option<u32>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        worker_thread: Option<u32>,
    }
    Ok(first::<Row>(db, READ_WORKER_THREAD, &[]).await?.and_then(|r| r.worker_thread))
}

/// `None` restores the default.
pub async fn set_worker_thread(db: &D1Database, worker_thread: Option<u32>, now: EpochMs) -> Result<(), AppError> {
    run(db, SET_WORKER_THREAD, &args![worker_thread, now]).await
}

pub async fn record_tick(db: &D1Database, started: EpochMs, slot: i64, dispatched: usize, duration_ms: i64) -> Result<(), AppError> {
    run(db, RECORD_TICK, &args![started, slot, dispatched as i64, duration_ms]).await
}
