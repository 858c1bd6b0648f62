//! D1: SQL as named constants, row structs, and row -> core conversions. Nothing here decides
//! anything; it stores what the core decided.
pub mod accounts;
pub mod alerts;
pub mod checks;
pub mod deliveries;
pub mod endpoints;
pub mod incidents;
pub mod monitors;
pub mod overview;
pub mod pages;
pub mod projects;
pub mod rollups;
pub mod sessions;
pub mod settings;

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::error::{AppError, Context};

/// A bound SQL parameter. Integers go to JS as f64: D1 rejects BigInt, and every integer we
/// store (ids, epoch seconds/ms, counts) is far below 2^53.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Self::Int(v.into())
    }
}
impl From<u16> for Arg {
    fn from(v: u16) -> Self {
        Self::Int(v.into())
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Int(v.into())
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Self::Real(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

impl From<&Arg> for JsValue {
    fn from(arg: &Arg) -> Self {
        match arg {
            Arg::Null => JsValue::NULL,
            Arg::Int(i) => JsValue::from_f64(*i as f64),
            Arg::Real(f) => JsValue::from_f64(*f),
            Arg::Text(s) => JsValue::from_str(s),
        }
    }
}

/// `args![a, b, c]` -> `[Arg; 3]` (an array: callers pass `&args![..]` as a slice).
#[macro_export]
macro_rules! args {
    ($($x:expr),* $(,)?) => { [$($crate::store::Arg::from($x)),*] };
}

thread_local! {
    static PREPARED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static ROWS_READ: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Rows D1 reported reading for queries run through [`all`] in this isolate so far: page
/// handlers report the difference per build (the benchmark's "D1 rows read per page view").
pub fn rows_read() -> u64 {
    ROWS_READ.with(|c| c.get())
}

/// Statements prepared by this isolate so far: the consumer logs the difference per
/// invocation, which the benchmark reports as D1 statements per check.
pub fn statements_prepared() -> u64 {
    PREPARED.with(|c| c.get())
}

/// Prepares `sql` with numbered `?N` placeholders bound to `args`.
pub fn stmt(db: &D1Database, sql: &str, args: &[Arg]) -> Result<D1PreparedStatement, AppError> {
    PREPARED.with(|c| c.set(c.get() + 1));
    let values: Vec<JsValue> = args.iter().map(JsValue::from).collect();
    db.prepare(sql).bind(&values).context("binding SQL parameters")
}

/// A row that is just an id (`RETURNING id`, `SELECT id`).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct Id {
    pub id: i64,
}

/// Runs a query and deserializes every row.
pub async fn all<T: serde::de::DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg]) -> Result<Vec<T>, AppError> {
    let result = stmt(db, sql, args)?.all().await.context(first_line(sql))?;
    if let Ok(Some(meta)) = result.meta() {
        ROWS_READ.with(|c| c.set(c.get() + meta.rows_read.unwrap_or(0) as u64));
    }
    result.results::<T>().context("decoding rows")
}

/// Runs a query and deserializes the first row, if any.
pub async fn first<T: serde::de::DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg]) -> Result<Option<T>, AppError> {
    Ok(all(db, sql, args).await?.into_iter().next())
}

/// Runs a statement for its effect.
pub async fn run(db: &D1Database, sql: &str, args: &[Arg]) -> Result<(), AppError> {
    stmt(db, sql, args)?.run().await.context(first_line(sql))?;
    Ok(())
}

fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or("SQL")
}

/// Why a D1 write was refused, sorted from the error text SQLite gives (D1 has no codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unique,
    ForeignKey,
    /// The monitors_state_version_guard trigger: someone else recorded first.
    StaleState,
}

impl Refusal {
    pub fn of(message: &str) -> Option<Self> {
        if message.contains("stale monitor state") {
            Some(Self::StaleState)
        } else if message.contains("UNIQUE constraint failed") {
            Some(Self::Unique)
        } else if message.contains("FOREIGN KEY constraint failed") {
            Some(Self::ForeignKey)
        } else {
            None
        }
    }
}

/// A UNIQUE refusal means the client chose a name that is taken: a 409 naming the field.
pub fn unique_as_conflict(e: AppError, field: &str, message: &str) -> AppError {
    match &e {
        AppError::Internal(msg) if Refusal::of(msg) == Some(Refusal::Unique) => {
            AppError::Conflict(crate::core::input::FieldError::new(field, message))
        }
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_from_sqlite_text() {
        let cases = [
            ("D1_ERROR: UNIQUE constraint failed: checks.monitor_id, checks.slot: SQLITE_CONSTRAINT", Some(Refusal::Unique)),
            ("D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT", Some(Refusal::ForeignKey)),
            ("D1_ERROR: stale monitor state: SQLITE_CONSTRAINT", Some(Refusal::StaleState)),
            ("D1_ERROR: no such table: x", None),
        ];
        for (text, want) in cases {
            assert_eq!(Refusal::of(text), want, "{text}");
        }
    }

    #[test]
    fn args_macro_converts() {
        let v = args![1i64, "a", None::<String>, Some(2u32), true, 0.5];
        assert_eq!(v, [Arg::Int(1), Arg::Text("a".into()), Arg::Null, Arg::Int(2), Arg::Int(1), Arg::Real(0.5)]);
    }
}
