//! Faults that end-to-end tests arm through `/__test/` routes (only with `VIGIL_TEST_HOOKS=true`),
//! to prove the engine's recovery paths: a failing `send_batch` in the tick's dispatch, and check
//! jobs that fail in the consumer; and a clock moved forward, so a benchmark can run days of
//! history upkeep in minutes. `wrangler dev` runs one isolate, so the routes and the handlers
//! share this state; in production nothing arms it.
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
struct Faults {
    /// The tick's next `send_batch` calls: `true` fails that call. Consumed in order.
    sends: Vec<bool>,
    /// Messages per `send_batch` and jobs per message in the tick's dispatch (to make one tick
    /// take several calls with a few monitors).
    messages_per_send: Option<usize>,
    jobs_per_message: Option<usize>,
    /// Monitor id -> how many more of its check jobs fail before probing.
    failing_jobs: BTreeMap<i64, u32>,
}

thread_local! {
    static FAULTS: RefCell<Faults> = RefCell::new(Faults::default());
    /// Added to the real clock by `clock::now_ms`; only `/__test/clock` moves it.
    static CLOCK_OFFSET_MS: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// How far the test clock runs ahead of the real one (0 unless a test moved it).
pub fn clock_offset_ms() -> i64 {
    CLOCK_OFFSET_MS.with(|c| c.get())
}

/// Moves the test clock forward by `ms` (never back: time that went backwards would break
/// the order every cursor and claim relies on). Returns the new offset.
pub fn advance_clock(ms: i64) -> i64 {
    CLOCK_OFFSET_MS.with(|c| {
        c.set(c.get() + ms.max(0));
        c.get()
    })
}

/// Arms the tick's next sends (`true`: fail), its messages per send and jobs per message.
pub fn arm_sends(sends: Vec<bool>, messages_per_send: Option<usize>, jobs_per_message: Option<usize>) {
    FAULTS.with(|f| {
        let mut f = f.borrow_mut();
        f.sends = sends;
        f.messages_per_send = messages_per_send;
        f.jobs_per_message = jobs_per_message;
    });
}

/// Whether this `send_batch` of the tick's dispatch must fail.
pub fn send_fails() -> bool {
    FAULTS.with(|f| {
        let mut f = f.borrow_mut();
        if f.sends.is_empty() { false } else { f.sends.remove(0) }
    })
}

pub fn messages_per_send() -> Option<usize> {
    FAULTS.with(|f| f.borrow().messages_per_send)
}

pub fn jobs_per_message() -> Option<usize> {
    FAULTS.with(|f| f.borrow().jobs_per_message)
}

/// Makes the next `times` check jobs of `monitor_id` fail.
pub fn fail_jobs(monitor_id: i64, times: u32) {
    FAULTS.with(|f| {
        f.borrow_mut().failing_jobs.insert(monitor_id, times);
    });
}

/// Whether this check job of `monitor_id` must fail (and counts it).
pub fn job_fails(monitor_id: i64) -> bool {
    FAULTS.with(|f| match f.borrow_mut().failing_jobs.get_mut(&monitor_id) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    })
}
