//! D1: SQL as named constants, row structs, and row -> core conversions. Nothing here decides
//! anything; it stores what the core decided.
pub mod accounts;
pub mod alerts;
pub mod blocks;
pub mod checks;
pub mod deliveries;
pub mod endpoints;
pub mod heartbeats;
pub mod incidents;
pub mod monitors;
pub mod notices;
pub mod overview;
pub mod pages;
pub mod projects;
pub mod rollups;
pub mod sessions;
pub mod settings;
pub mod subscribers;
#[cfg(test)]
pub mod sqlite;
pub mod ticks;

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::error::{AppError, Context};
use crate::meter;

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

/// Rows D1 reported reading for every statement run in this isolate so far: page handlers
/// report the difference per build (the benchmark's "D1 rows read per page view").
pub fn rows_read() -> u64 {
    meter::now().d1_rows_read
}

/// Statements prepared by this isolate so far (the consumer's line reports the difference).
pub fn statements_prepared() -> u64 {
    meter::now().d1_statements
}

/// Prepares `sql` with numbered `?N` placeholders bound to `args`.
pub fn stmt(db: &D1Database, sql: &str, args: &[Arg]) -> Result<D1PreparedStatement, AppError> {
    meter::statement();
    let values: Vec<JsValue> = args.iter().map(JsValue::from).collect();
    db.prepare(sql).bind(&values).context("binding SQL parameters")
}

/// Adds a result's billed rows (D1's own `meta.rows_read` / `rows_written`) to the isolate's
/// count. Every statement the store runs passes through here: [`all`], [`run`] and
/// [`run_batch`] (a batch returns one result per statement).
fn metered(result: &D1Result) {
    if let Ok(Some(meta)) = result.meta() {
        meter::d1_rows(meta.rows_read.unwrap_or(0), meta.rows_written.unwrap_or(0));
    }
}

/// A row that is just an id (`RETURNING id`, `SELECT id`).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct Id {
    pub id: i64,
}

/// Runs a query and deserializes every row.
pub async fn all<T: serde::de::DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg]) -> Result<Vec<T>, AppError> {
    let result = stmt(db, sql, args)?.all().await.map_err(|e| db_error(first_line(sql), e))?;
    metered(&result);
    result.results::<T>().context("decoding rows")
}

/// Runs a query and deserializes the first row, if any.
pub async fn first<T: serde::de::DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg]) -> Result<Option<T>, AppError> {
    Ok(all(db, sql, args).await?.into_iter().next())
}

/// Runs a statement for its effect.
pub async fn run(db: &D1Database, sql: &str, args: &[Arg]) -> Result<(), AppError> {
    let result = stmt(db, sql, args)?.run().await.map_err(|e| db_error(first_line(sql), e))?;
    metered(&result);
    Ok(())
}

fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or("SQL")
}

/// Statements for one D1 batch (one transaction), each filed under a key that says what it is,
/// so a result is read by name ([`BatchResults::rows`]) and not by where it ended up in a
/// list whose length depends on the case.
pub struct Batch<K> {
    statements: Vec<D1PreparedStatement>,
    keys: Vec<K>,
}

impl<K: Copy + PartialEq> Batch<K> {
    pub fn new() -> Self {
        Self { statements: Vec::new(), keys: Vec::new() }
    }

    pub fn push(&mut self, key: K, statement: D1PreparedStatement) {
        self.statements.push(statement);
        self.keys.push(key);
    }

    /// Runs every statement in one transaction. A constraint that refuses it comes back as
    /// [`AppError::Refused`], like any other statement's.
    pub async fn run(self, db: &D1Database, what: &str) -> Result<BatchResults<K>, AppError> {
        let results = run_batch(db, self.statements, what).await?;
        Ok(BatchResults { keys: self.keys, results })
    }
}

impl<K: Copy + PartialEq> Default for Batch<K> {
    fn default() -> Self {
        Self::new()
    }
}

pub struct BatchResults<K> {
    keys: Vec<K>,
    results: Vec<D1Result>,
}

impl<K: Copy + PartialEq> BatchResults<K> {
    /// The rows the statement filed under `key` returned; none when the batch had no such
    /// statement.
    pub fn rows<T: serde::de::DeserializeOwned>(&self, key: K) -> Result<Vec<T>, AppError> {
        match self.keys.iter().position(|k| *k == key).and_then(|i| self.results.get(i)) {
            Some(result) => result.results::<T>().context("decoding batch rows"),
            None => Ok(Vec::new()),
        }
    }
}

/// Runs statements that need no results as one batch (one transaction).
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>, what: &str) -> Result<(), AppError> {
    if !statements.is_empty() {
        run_batch(db, statements, what).await?;
    }
    Ok(())
}

/// Runs statements as one batch (one transaction) and returns one result per statement, in
/// order. Every batch goes through here, so its rows are counted ([`metered`]).
pub async fn run_batch(db: &D1Database, statements: Vec<D1PreparedStatement>, what: &str) -> Result<Vec<D1Result>, AppError> {
    let results = db.batch(statements).await.map_err(|e| db_error(what, e))?;
    results.iter().for_each(metered);
    Ok(results)
}

/// Why D1 refused a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unique,
    ForeignKey,
    /// The monitors_state_version_guard trigger: someone else recorded first.
    StaleState,
}

impl Refusal {
    /// D1 reports constraint failures as text only (no codes), so this is the one place that
    /// reads it: every D1 error the store sees passes through [`db_error`], and callers match
    /// on [`AppError::Refused`] instead.
    fn of(message: &str) -> Option<Self> {
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

/// A D1 error as the one error type: a constraint refusal is typed, anything else is ours.
fn db_error(what: &str, e: worker::Error) -> AppError {
    let message = format!("{what}: {e}");
    match Refusal::of(&message) {
        Some(refusal) => AppError::Refused(refusal, message),
        None => AppError::Internal(message),
    }
}

/// Gives a refusal its meaning for the caller (a taken name, a missing project); any other
/// error passes through.
pub fn refused_as(e: AppError, refusal: Refusal, meaning: impl FnOnce() -> AppError) -> AppError {
    match e {
        AppError::Refused(r, _) if r == refusal => meaning(),
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_from_sqlite_text() {
        // The one place D1's text is read (D1 reports no codes).
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

    /// DESIGN.md rule: every statement lives in src/store/ as a named constant. Non-test code
    /// elsewhere that carries SQL text again fails here. (src/alerts* is being moved by its own change.)
    #[test]
    fn no_sql_text_outside_the_store() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&src, &mut files);
        let statement = ["\"SELECT ", "\"UPDATE ", "\"INSERT ", "\"DELETE ", "\"WITH ", "\"REPLACE "];
        let mut found = Vec::new();
        for file in files {
            let rel = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            if rel.starts_with("store/") || rel.starts_with("alerts") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // Tests may hold SQL (e.g. fixtures for a migration's backfill): the rule is about
            // the code that runs.
            for (n, line) in text.lines().enumerate().take_while(|(_, l)| !l.starts_with("#[cfg(test)]")) {
                if statement.iter().any(|s| line.contains(s)) {
                    found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
        assert!(found.is_empty(), "SQL outside src/store/:\n{}", found.join("\n"));
    }

    #[test]
    fn args_macro_converts() {
        let v = args![1i64, "a", None::<String>, Some(2u32), true, 0.5];
        assert_eq!(v, [Arg::Int(1), Arg::Text("a".into()), Arg::Null, Arg::Int(2), Arg::Int(1), Arg::Real(0.5)]);
    }
}
