//! Outgoing HTTP, one way for the prober and the alert sender (DESIGN.md §3, §6): build a
//! request that never follows redirects by itself, run the work under one deadline that an
//! AbortController enforces, and read a body only up to a cap (or cancel it).
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use worker::{AbortController, AbortSignal, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

/// A request with `redirect: manual`: a 3xx comes back as an answer, so the prober can judge
/// each hop with the SSRF guard and the alert sender can report it. Headers are set in order,
/// so a later one replaces an earlier one of the same name.
pub fn request<'a>(method: &str, url: &str, headers: impl IntoIterator<Item = (&'a str, &'a str)>, body: Option<&str>) -> worker::Result<Request> {
    let h = Headers::new();
    for (name, value) in headers {
        h.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(method.to_string()))
        .with_headers(h)
        .with_redirect(RequestRedirect::Manual)
        .with_body(body.map(wasm_bindgen::JsValue::from_str));
    Request::new_with_init(url, &init)
}

/// Runs `work` (every fetch and body read it makes takes the signal it is given) under one
/// deadline. `None`: the deadline passed first; the work is dropped and its fetches aborted.
pub async fn within<T, Fut: Future<Output = T>>(timeout_ms: u64, work: impl FnOnce(AbortSignal) -> Fut) -> Option<T> {
    match within_unless(timeout_ms, futures::future::pending(), work).await {
        Ended::Done(value) => Some(value),
        Ended::TimedOut | Ended::Stopped => None,
    }
}

/// How work under [`within_unless`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended<T> {
    Done(T),
    TimedOut,
    /// `stop` came first: the work was abandoned, its fetches aborted.
    Stopped,
}

/// [`within`], with a second way out: `stop` (the consumer's hand-off of a slow check,
/// DESIGN.md §3). Either way out aborts the signal, which closes the connection: dropping the
/// Rust future alone would leave the JavaScript fetch, and its connection slot, open.
pub async fn within_unless<T, Fut: Future<Output = T>>(timeout_ms: u64, stop: impl Future<Output = ()>, work: impl FnOnce(AbortSignal) -> Fut) -> Ended<T> {
    let controller = AbortController::default();
    let ended = race(work(controller.signal()), timeout_ms, stop).await;
    if !matches!(ended, Ended::Done(_)) {
        // The work future is dropped by now; aborting the signal is what cancels the fetch.
        controller.abort();
    }
    ended
}

/// `work` against a deadline and a stop, whichever comes first; the losers are dropped. For
/// work that is not a fetch (a TCP socket, which the caller closes itself), and under
/// [`within_unless`].
pub async fn race<T>(work: impl Future<Output = T>, timeout_ms: u64, stop: impl Future<Output = ()>) -> Ended<T> {
    let deadline = pin!(Delay::from(Duration::from_millis(timeout_ms)));
    match select(pin!(work), select(deadline, pin!(stop))).await {
        Either::Left((value, _)) => Ended::Done(value),
        Either::Right((Either::Left(_), _)) => Ended::TimedOut,
        Either::Right((Either::Right(_), _)) => Ended::Stopped,
    }
}

/// One fetch, abortable by the deadline's signal, counted as a subrequest (`meter`).
pub async fn fetch(request: Request, signal: &AbortSignal) -> worker::Result<Response> {
    crate::meter::subrequest();
    Fetch::Request(request).send_with_signal(signal).await
}

/// Reads at most `cap` bytes of the body; dropping the stream cancels the rest.
pub async fn read_capped(response: &mut Response, cap: usize) -> Vec<u8> {
    let Ok(mut stream) = response.stream() else { return Vec::new() };
    let mut buf = Vec::new();
    while let Some(Ok(chunk)) = stream.next().await {
        buf.extend_from_slice(&chunk);
        if buf.len() >= cap {
            break;
        }
    }
    buf.truncate(cap);
    buf
}

/// Cancels an unread body so its connection is released now, not when it is collected.
pub fn discard_body(response: &mut Response) {
    if let Ok(stream) = response.stream() {
        drop(stream);
    }
}
