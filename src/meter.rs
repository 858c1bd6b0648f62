//! The isolate's running count of billed work (DESIGN.md §12): D1 statements and rows (counted
//! where the store runs statements), queue messages sent (through [`send`] and [`send_batch`])
//! and outgoing fetches (`http::fetch`). A tick or consumer invocation reads [`now`] at its
//! start and logs the difference at its end ([`log`]).
//!
//! The counts are per isolate, not per invocation: a request served by the same isolate while
//! an invocation runs is counted in that invocation's line too. Lines therefore never undercount;
//! the benchmarks, which send nothing else meanwhile, read exact figures.
use std::cell::Cell;

use serde::Serialize;
use worker::{Queue, SendMessage};

use crate::core::usage::{Usage, UsageLine};

thread_local! {
    static USAGE: Cell<Usage> = const { Cell::new(Usage { d1_statements: 0, d1_rows_read: 0, d1_rows_written: 0, queue_messages: 0, subrequests: 0 }) };
}

fn add(f: impl FnOnce(&mut Usage)) {
    USAGE.with(|c| {
        let mut u = c.get();
        f(&mut u);
        c.set(u);
    });
}

/// Everything counted in this isolate so far.
pub fn now() -> Usage {
    USAGE.with(Cell::get)
}

pub fn statement() {
    add(|u| u.d1_statements += 1);
}

/// One statement's result meta (`rows_read`, `rows_written`).
pub fn d1_rows(read: usize, written: usize) {
    add(|u| {
        u.d1_rows_read += read as u64;
        u.d1_rows_written += written as u64;
    });
}

pub fn subrequest() {
    add(|u| u.subrequests += 1);
}

/// `queue.send`, counted.
pub async fn send<T: Serialize, U: Into<SendMessage<T>>>(queue: &Queue, message: U) -> worker::Result<()> {
    queue.send(message).await?;
    add(|u| u.queue_messages += 1);
    Ok(())
}

/// `queue.send_batch`, counted (each message of the batch is one billed write).
pub async fn send_batch<T: Serialize>(queue: &Queue, messages: Vec<SendMessage<T>>) -> worker::Result<()> {
    let n = messages.len() as u64;
    queue.send_batch::<T, _>(messages).await?;
    add(|u| u.queue_messages += n);
    Ok(())
}

/// Prints the line: the JSON object alone on its line, so Workers Logs parses it as fields.
pub fn log(line: &UsageLine) {
    worker::console_log!("{}", line.render());
}
