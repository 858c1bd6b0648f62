//! The prober: runs one check's attempts (retries, backoff, timeout) and hands the outcome to
//! the core's classifier. It dispatches on the monitor's type (DESIGN.md §3): an HTTP request
//! (redirects, body cap), a TCP connection (`connect()`), or a DNS-over-HTTPS query. I/O
//! only; every decision is the core's.
use std::future::Future;
use std::time::Duration;

use url::Url;
use worker::{AbortSignal, Delay, Request, Socket};

use crate::bindings::Config;
use crate::clock;
use crate::core::classify::{reads_body, HttpAnswer, NetworkErrorKind, ProbeOutcome, Refusal, BODY_CAP_BYTES};
use crate::core::dns;
use crate::core::monitor::{HttpMethod, MonitorSpec, MonitorType};
use crate::core::retry;
use crate::core::ssrf::{self, TargetPolicy, MAX_REDIRECTS};
use crate::core::time::EpochMs;
use crate::http::{self, Ended};
use crate::pool::Slots;

/// Largest DNS JSON answer read; a real one is a few hundred bytes.
const DNS_ANSWER_CAP_BYTES: usize = 64 * 1024;

const USER_AGENT: &str = concat!("vigil/", env!("CARGO_PKG_VERSION"), " (uptime monitor)");

/// What a whole check (all its attempts) came to.
pub struct ProbeReport {
    pub outcome: ProbeOutcome,
    pub attempts: u32,
    /// When the first attempt got its connection slot: the check's `started_at`.
    pub started_at: EpochMs,
}

/// How a check's probing ended.
pub enum Probed {
    Done(ProbeReport),
    /// Its first attempt outlasted the hand-off time: abandoned (the connection closed),
    /// nothing judged; the caller moves it to the slow lane.
    HandedOff,
}

/// Runs a check: attempts until one is final or `retries` are used up. Each attempt holds a
/// connection slot only while it fetches; backoff sleeps hold none. With `handoff_after_ms`
/// (main-lane checks, DESIGN.md §3), a first attempt still open after that long is abandoned:
/// the main lane is for checks that answer within it, and the slow lane gives this one its
/// whole timeout (and keeps it while it stays slow, `core::dispatch::slow_lane_after`).
pub async fn run(spec: &MonitorSpec, config: &Config, slots: &Slots, handoff_after_ms: Option<u32>) -> Probed {
    let mut attempts = 0;
    let mut started_at = None;
    loop {
        attempts += 1;
        let outcome = {
            let _slot = slots.acquire().await;
            started_at.get_or_insert_with(clock::now_ms);
            let handoff = handoff_after_ms.filter(|_| attempts == 1);
            match attempt(spec, config, hand_off_after(handoff)).await {
                Some(outcome) => outcome,
                None => return Probed::HandedOff,
            }
        };
        if attempts > spec.retries || !retry::should_retry(spec, &outcome) {
            return Probed::Done(ProbeReport { outcome, attempts, started_at: started_at.unwrap_or_else(clock::now_ms) });
        }
        let wait = retry::backoff_ms(spec.backoff_factor, attempts);
        if wait > 0 {
            Delay::from(Duration::from_millis(wait.into())).await;
        }
    }
}

/// Resolves after `after_ms`; never without a hand-off time.
async fn hand_off_after(after_ms: Option<u32>) {
    match after_ms {
        Some(ms) => Delay::from(Duration::from_millis(ms.into())).await,
        None => futures::future::pending().await,
    }
}

/// One attempt of the monitor's type; `None` when `stop` came first (the attempt abandoned).
async fn attempt(spec: &MonitorSpec, config: &Config, stop: impl Future<Output = ()>) -> Option<ProbeOutcome> {
    match spec.monitor_type {
        MonitorType::Http => http_attempt(spec, config.target_policy, stop).await,
        MonitorType::Tcp => tcp_attempt(spec, config.target_policy, stop).await,
        MonitorType::Dns => dns_attempt(spec, &config.dns_resolver_url, stop).await,
        // Pushed, never probed: the scheduler does not queue them.
        MonitorType::Heartbeat => Some(ProbeOutcome::Refused { kind: Refusal::InvalidRequest, reason: "heartbeat monitors are pinged, not probed".into() }),
    }
}

/// The outcome of work under the attempt's deadline: a timeout is an outcome, a stop is none.
fn ended(ended: Ended<ProbeOutcome>, timeout_ms: u32) -> Option<ProbeOutcome> {
    match ended {
        Ended::Done(outcome) => Some(outcome),
        Ended::TimedOut => Some(ProbeOutcome::Timeout { after_ms: timeout_ms }),
        Ended::Stopped => None,
    }
}

/// Opens a TCP connection with Workers' `connect()` and closes it at once: UP when it opens
/// within the timeout, the latency being the time to open. Nothing is sent.
async fn tcp_attempt(spec: &MonitorSpec, policy: TargetPolicy, stop: impl Future<Output = ()>) -> Option<ProbeOutcome> {
    let (host, port) = match ssrf::check_tcp_target(&spec.url, policy) {
        Ok(target) => target,
        Err(e) => return Some(ProbeOutcome::Refused { kind: Refusal::Target, reason: e.to_string() }),
    };
    let timeout_ms = spec.timeout_seconds * 1000;
    let start = clock::now_ms();
    // An outgoing connection, billed and limited like a fetch (DESIGN.md §12).
    crate::meter::subrequest();
    let mut socket = match Socket::builder().connect(host, port) {
        Ok(socket) => socket,
        Err(e) => return Some(network_error(e)),
    };
    let opened = http::race(async { socket.opened().await.map(|_| (clock::now_ms() - start).max(0) as u32) }, timeout_ms.into(), stop).await;
    // Closed whatever happened: a socket still connecting is abandoned, not left to linger.
    let _ = socket.close().await;
    match opened {
        Ended::Stopped => None,
        Ended::TimedOut => Some(ProbeOutcome::Timeout { after_ms: timeout_ms }),
        Ended::Done(Ok(latency_ms)) => Some(ProbeOutcome::Connected { latency_ms }),
        Ended::Done(Err(e)) => Some(network_error(e)),
    }
}

fn network_error(e: worker::Error) -> ProbeOutcome {
    let message = e.to_string();
    ProbeOutcome::NetworkError { kind: NetworkErrorKind::from_message(&message), message }
}

/// Asks the DNS-over-HTTPS resolver (`DNS_RESOLVER_URL`, JSON API) for the monitor's name and
/// record type. The resolver is the operator's choice, not the user's, so it is not judged by
/// the SSRF guard; the monitor's hostname is only a query parameter.
async fn dns_attempt(spec: &MonitorSpec, resolver: &str, stop: impl Future<Output = ()>) -> Option<ProbeOutcome> {
    let mut url = match Url::parse(resolver.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url,
        _ => return Some(ProbeOutcome::ResolverFailed { reason: format!("DNS_RESOLVER_URL {resolver:?} is not an http(s) URL") }),
    };
    url.query_pairs_mut().append_pair("name", spec.hostname.as_deref().unwrap_or_default()).append_pair("type", spec.dns_record_type().as_str());
    let timeout_ms = spec.timeout_seconds * 1000;
    let ask = |signal: AbortSignal| async move {
        let start = clock::now_ms();
        let request = http::request("GET", url.as_str(), [("accept", "application/dns-json"), ("user-agent", USER_AGENT)], None);
        let mut response = match request {
            Ok(r) => match http::fetch(r, &signal).await {
                Ok(response) => response,
                Err(e) => return ProbeOutcome::ResolverFailed { reason: format!("could not reach the resolver: {e}") },
            },
            Err(e) => return ProbeOutcome::ResolverFailed { reason: format!("could not build the resolver request: {e}") },
        };
        let latency_ms = (clock::now_ms() - start).max(0) as u32;
        let status = response.status_code();
        let body = String::from_utf8_lossy(&http::read_capped(&mut response, DNS_ANSWER_CAP_BYTES).await).into_owned();
        if status != 200 {
            return ProbeOutcome::ResolverFailed { reason: format!("the resolver answered status {status}") };
        }
        match dns::parse_reply(&body, latency_ms) {
            Ok(reply) => ProbeOutcome::Resolved(reply),
            Err(reason) => ProbeOutcome::ResolverFailed { reason },
        }
    };
    ended(http::within_unless(timeout_ms.into(), stop, ask).await, timeout_ms)
}

/// One HTTP attempt under one deadline that covers every redirect hop and the body read.
async fn http_attempt(spec: &MonitorSpec, policy: TargetPolicy, stop: impl Future<Output = ()>) -> Option<ProbeOutcome> {
    // Fetch the URL as parsed and judged by the guard, never the raw text.
    let url = match ssrf::check_target(&spec.url, policy) {
        Ok(url) => url,
        Err(e) => return Some(ProbeOutcome::Refused { kind: Refusal::Target, reason: e.to_string() }),
    };
    let timeout_ms = spec.timeout_seconds * 1000;
    ended(http::within_unless(timeout_ms.into(), stop, |signal| follow(spec, policy, url, signal)).await, timeout_ms)
}

/// Fetches with redirects followed by hand, so every hop passes the SSRF guard again.
async fn follow(spec: &MonitorSpec, policy: TargetPolicy, mut url: Url, signal: AbortSignal) -> ProbeOutcome {
    // Workers freeze Date.now() between I/O events, so this reads the time of the last one:
    // latency may include CPU work done since then, never less than the fetch took.
    let start = clock::now_ms();
    let mut method = spec.method;
    let mut body = spec.body.clone();
    for hop in 0..=MAX_REDIRECTS {
        let request = match build_request(spec, &url, method, body.as_deref()) {
            Ok(r) => r,
            Err(e) => return ProbeOutcome::Refused { kind: Refusal::InvalidRequest, reason: format!("could not build the request: {e}") },
        };
        let mut response = match http::fetch(request, &signal).await {
            Ok(r) => r,
            Err(e) => {
                let message = e.to_string();
                return ProbeOutcome::NetworkError { kind: NetworkErrorKind::from_message(&message), message };
            }
        };
        let latency_ms = (clock::now_ms() - start).max(0) as u32;
        let status = response.status_code();
        let location = response.headers().get("location").ok().flatten();
        if let (true, Some(location)) = ((300..400).contains(&status) && !spec.expects_status(status), location) {
            http::discard_body(&mut response);
            if hop == MAX_REDIRECTS {
                return ProbeOutcome::Refused { kind: Refusal::TooManyRedirects, reason: format!("more than {MAX_REDIRECTS} redirects") };
            }
            url = match ssrf::resolve_redirect(&url, &location, policy) {
                Ok(next) => next,
                Err(e) => return ProbeOutcome::Refused { kind: Refusal::Target, reason: format!("redirect to a forbidden target: {e}") },
            };
            // Browsers' rule: 303 always, and 301/302 after POST, continue as GET without a body.
            if status == 303 || (matches!(status, 301 | 302) && method == HttpMethod::POST) {
                method = HttpMethod::GET;
                body = None;
            }
            continue;
        }
        let headers: Vec<(String, String)> = response.headers().entries().map(|(n, v)| (n.to_ascii_lowercase(), v)).collect();
        let body = if reads_body(spec, status, &headers) {
            String::from_utf8_lossy(&http::read_capped(&mut response, BODY_CAP_BYTES).await).into_owned()
        } else {
            http::discard_body(&mut response);
            String::new()
        };
        return ProbeOutcome::Response(HttpAnswer { status, headers, body, latency_ms });
    }
    ProbeOutcome::Refused { kind: Refusal::TooManyRedirects, reason: format!("more than {MAX_REDIRECTS} redirects") }
}

fn build_request(spec: &MonitorSpec, url: &Url, method: HttpMethod, body: Option<&str>) -> worker::Result<Request> {
    // The user-agent first, so a configured header of the same name replaces it.
    let headers = std::iter::once(("user-agent", USER_AGENT)).chain(spec.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    http::request(method.as_str(), url.as_str(), headers, body)
}
