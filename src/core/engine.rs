//! Run-time settings of the check engine, as seed 000's `POST /status/queue` speaks them
//! (`{"worker_thread": 2, "queue_size": 4}`; `0` restores a default). DESIGN.md §8.
use serde_json::{Map, Value};

use super::input::FieldError;

/// Workers allow 6 simultaneous open connections per invocation.
pub const WORKER_THREAD_MAX: u32 = 6;
/// Jobs a tick packs per checks-queue message unless `CHECK_JOBS_PER_MESSAGE` says otherwise.
pub const QUEUE_SIZE_DEFAULT: u32 = super::dispatch::JOBS_PER_MESSAGE_DEFAULT;
pub const FIELDS: &[&str] = &["worker_thread", "queue_size"];

/// What a valid request changes. `worker_thread: Some(None)` restores the default
/// (`CHECK_CONCURRENCY`); `None` leaves it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueChange {
    pub worker_thread: Option<Option<u32>>,
}

/// Why a request is refused: bad input (400), or a setting this route cannot change (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueRefusal {
    Invalid(FieldError),
    NotYet(FieldError),
}

/// Judges a parsed body (keys already limited to [`FIELDS`]). Every field is checked for type
/// and range before anything is refused as "not yet", so a 409 means the rest was fine.
pub fn judge(body: &Map<String, Value>) -> Result<QueueChange, QueueRefusal> {
    let worker_thread = count(body, "worker_thread")?;
    let queue_size = count(body, "queue_size")?;
    if worker_thread.is_none() && queue_size.is_none() {
        return Err(QueueRefusal::Invalid(FieldError::new("worker_thread", "give worker_thread and/or queue_size (0 restores a default)")));
    }
    if let Some(Some(n)) = worker_thread {
        if n > WORKER_THREAD_MAX {
            return Err(QueueRefusal::Invalid(FieldError::new(
                "worker_thread",
                format!("must be 0 (the default, CHECK_CONCURRENCY) to {WORKER_THREAD_MAX}: Workers allow {WORKER_THREAD_MAX} open connections per invocation"),
            )));
        }
    }
    if let Some(Some(n)) = queue_size {
        return Err(QueueRefusal::NotYet(FieldError::new(
            "queue_size",
            format!(
                "cannot be set to {n} here: jobs per checks-queue message are the CHECK_JOBS_PER_MESSAGE var (default {QUEUE_SIZE_DEFAULT}); send 0 or leave it out"
            ),
        )));
    }
    Ok(QueueChange { worker_thread })
}

/// `None`: absent. `Some(None)`: 0 or null, the default. `Some(Some(n))`: a positive count.
fn count(body: &Map<String, Value>, field: &str) -> Result<Option<Option<u32>>, QueueRefusal> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => match v.as_u64() {
            Some(0) => Ok(Some(None)),
            Some(n) if n <= u64::from(u32::MAX) => Ok(Some(Some(n as u32))),
            _ => Err(QueueRefusal::Invalid(FieldError::new(field, "must be a whole number, 0 for the default"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change, or the status and field of the refusal.
    type Judged = Result<QueueChange, (u16, String)>;

    fn judged(body: &str) -> Judged {
        let map = crate::core::input::parse_object(body, FIELDS).map_err(|e| (400, e.field.unwrap_or_default()))?;
        judge(&map).map_err(|r| match r {
            QueueRefusal::Invalid(e) => (400, e.field.unwrap_or_default()),
            QueueRefusal::NotYet(e) => (409, e.field.unwrap_or_default()),
        })
    }

    #[test]
    fn seed_000_requests() {
        let change = |w| Ok(QueueChange { worker_thread: w });
        let cases: &[(&str, Judged)] = &[
            // The seed's example: queue_size is a var here, so nothing is changed.
            (r#"{"worker_thread": 2, "queue_size": 4}"#, Err((409, "queue_size".into()))),
            (r#"{"worker_thread": 2, "queue_size": 0}"#, change(Some(Some(2)))),
            (r#"{"worker_thread": 2}"#, change(Some(Some(2)))),
            (r#"{"worker_thread": 6}"#, change(Some(Some(6)))),
            // "if you only set it to 0, then the value ... by default will be set"
            (r#"{"worker_thread": 0, "queue_size": 0}"#, change(Some(None))),
            (r#"{"worker_thread": null}"#, change(Some(None))),
            (r#"{"queue_size": 0}"#, change(None)),
            (r#"{"worker_thread": 7}"#, Err((400, "worker_thread".into()))),
            (r#"{"worker_thread": 7, "queue_size": 4}"#, Err((400, "worker_thread".into()))),
            (r#"{"worker_thread": -1}"#, Err((400, "worker_thread".into()))),
            (r#"{"worker_thread": 2.5}"#, Err((400, "worker_thread".into()))),
            (r#"{"worker_thread": "2"}"#, Err((400, "worker_thread".into()))),
            (r#"{"worker_thread": 2, "queue_size": "4"}"#, Err((400, "queue_size".into()))),
            (r#"{}"#, Err((400, "worker_thread".into()))),
            (r#"{"workers": 2}"#, Err((400, "workers".into()))),
        ];
        for (body, want) in cases {
            assert_eq!(&judged(body), want, "{body}");
        }
    }
}
