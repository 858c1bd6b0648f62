//! Claim -> send -> settle (DESIGN.md §6): one attempt of one send. The decision is
//! `core::delivery::settle`; this file takes the send's row, makes the request, and writes
//! what the settlement says in one batch.
use serde::Deserialize;
use worker::D1Database;

use super::Next;
use crate::bindings::Config;
use crate::clock;
use crate::core::delivery::{self, Answer, Outcome, Policy, SendState, Settlement, MAX_DELAY_S};
use crate::core::email::{self, EmailContent, Mailbox, Provider};
use crate::core::endpoint::Kind;
use crate::core::notify::{self, Channel, Reply as NotifyReply};
use crate::core::reminder;
use crate::core::ssrf;
use crate::core::time::EpochMs;
use crate::core::webhook::{self, WebhookSecret};
use crate::error::AppError;
use crate::http;
use crate::store::alerts as store;
use crate::store::deliveries::{self, Attempt, ClaimedSend, SendRef};
use crate::store::endpoints::{self, EndpointRow};

/// How long a claimed send stays with its sender beyond the request timeout: time to record
/// the answer (one D1 batch). A sender that dies holding the claim delays the send by this
/// much; one still recording when it ends would let a second sender repeat the attempt.
pub(super) const LEASE_MARGIN_MS: i64 = 30_000;
/// How much of a chat or pager answer is read: their JSON answers are small.
const ANSWER_KEEP: usize = 16 * 1024;

/// Claims a send and makes one attempt, if it is due: the queue, the cron and `GET /emails`
/// all go through this claim, so none of them spends attempts faster than the backoff allows.
/// Returns what to do with the message and the outcome if an attempt was made.
pub async fn deliver(db: &D1Database, config: &Config, s: &SendRef, now: EpochMs) -> Result<(Next, Option<Outcome>), AppError> {
    let alerts = &config.alerts;
    let lease_ms = i64::from(alerts.timeout_seconds) * 1000 + LEASE_MARGIN_MS;
    let Some(claimed) = deliveries::claim(db, s, now, lease_ms).await? else {
        // Not ours to send: done, in flight elsewhere, or gone; or a retry not yet due, which
        // this (duplicate or early) message waits for rather than sending early.
        return Ok(match deliveries::state(db, s).await? {
            Some(st) if st.state() == Some(SendState::Pending) && st.next_attempt_at > now => {
                let wait_s = ((st.next_attempt_at - now + 999) / 1000).clamp(1, i64::from(MAX_DELAY_S));
                (Next::RetryAfter(wait_s as u32), None)
            }
            _ => (Next::Ack, None),
        });
    };
    let attempt = claimed.attempts;
    if claimed.event == reminder::EVENT && !incident_open(db, claimed.incident_id).await? {
        // Resolved since the reminder was created (or deleted): "still down" would be wrong.
        let log = Attempt { send: s, incident_id: claimed.incident_id, event: &claimed.event, attempt, outcome: Outcome::Skipped, http_status: None, error: Some("not sent: the incident resolved".into()), latency_ms: None };
        crate::store::batch(db, vec![deliveries::log(db, &log, now)?, deliveries::settle(db, s, attempt, SendState::Failed, now, now)?], "recording skipped reminder").await?;
        return Ok((Next::Ack, Some(Outcome::Skipped)));
    }
    let endpoint = endpoints::get(db, s.endpoint_id).await?;
    let prepared = match &endpoint {
        None => return Ok((Next::Ack, None)), // deleted: its sends went with it
        Some(ep) if ep.is_active == 0 => Err(format!("endpoint is inactive{}", ep.disabled_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())),
        Some(ep) => prepare(ep, &claimed, config, now),
    };
    let mut followup = Vec::new();
    let mut disabled_reason = String::from("the receiver answered 410 Gone");
    let (settlement, http_status, error, latency_ms) = match prepared {
        // Nothing to send to: a configuration problem, not the receiver's; retrying won't help.
        Err(reason) => (Settlement::GiveUp, None, Some(reason), 0),
        Ok(request) => {
            let mut reply = send(&request, alerts.timeout_seconds).await;
            let (max, base, at) = (alerts.max_attempts, alerts.backoff_base_seconds, clock::now_ms());
            let settlement = match request.channel {
                // Chat and pager answers are read with their body (core::notify).
                Some(channel) => {
                    let (settlement, read) = notify::settle(channel, reply.answer(), &reply.body, attempt as u32, max, base, at);
                    match read {
                        Some(NotifyReply::Gone { reason }) => disabled_reason = reason,
                        Some(NotifyReply::Rejected { reason }) => reply.error = Some(reason),
                        Some(NotifyReply::Migrated { chat_id }) => {
                            // Telegram moved the group: store the new id; the retry goes there.
                            followup.push(endpoints::set_chat_id(db, s.endpoint_id, chat_id, at)?);
                            reply.error = Some(format!("Telegram moved the chat to {chat_id}; sending there next"));
                        }
                        _ => {}
                    }
                    settlement
                }
                None => delivery::settle(&request.policy, reply.answer(), attempt as u32, max, base, at),
            };
            (settlement, reply.status(), reply.error, reply.latency_ms)
        }
    };
    let now = clock::now_ms();
    let outcome = settlement.outcome();
    let log = Attempt { send: s, incident_id: claimed.incident_id, event: &claimed.event, attempt, outcome, http_status, error, latency_ms: Some(latency_ms) };
    let mut batch = vec![deliveries::log(db, &log, now)?, deliveries::settle(db, s, attempt, settlement.state(), settlement.next_attempt_at(now), now)?];
    batch.extend(followup);
    if settlement == Settlement::Disable {
        batch.push(endpoints::disable(db, s.endpoint_id, &disabled_reason, now)?);
    }
    crate::store::batch(db, batch, "recording delivery attempt").await?;
    worker::console_log!("alert {} -> endpoint {} attempt {attempt}: {} ({http_status:?})", s.message_id, s.endpoint_id, outcome.as_str());
    let next = match settlement {
        Settlement::Retry { after_s } => Next::RetryAfter(after_s),
        _ => Next::Ack,
    };
    Ok((next, Some(outcome)))
}

async fn incident_open(db: &D1Database, incident_id: Option<i64>) -> Result<bool, AppError> {
    match incident_id {
        Some(id) => store::incident_open(db, id).await,
        None => Ok(false),
    }
}

/// A request ready to fetch, and the policy its answer is read by.
pub(super) struct Outgoing {
    pub(super) url: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
    pub(super) policy: Policy,
    /// Chat and pager kinds: their answers are read with the body (`notify::settle`).
    pub(super) channel: Option<Channel>,
}

/// Builds the request for an attempt; `Err` says why nothing can be sent (never a secret).
fn prepare(endpoint: &EndpointRow, send: &ClaimedSend, config: &Config, now: EpochMs) -> Result<Outgoing, String> {
    let not_sent = |why: String| format!("not sent: {why}");
    match Kind::parse(&endpoint.kind) {
        Some(Kind::Webhook) => {
            let raw_url = endpoint.url.as_deref().ok_or_else(|| not_sent("webhook has no url".into()))?;
            // Checked again at send time: the policy may have changed since the endpoint was saved.
            let url = ssrf::check_target(raw_url, config.target_policy).map_err(|e| not_sent(format!("url refused: {e}")))?;
            let secret = endpoint.secret.as_deref().map(WebhookSecret::parse).transpose().ok().flatten().ok_or_else(|| not_sent("webhook secret is unreadable".into()))?;
            let headers = webhook::headers(secret.as_bytes(), &send.message_id, now.div_euclid(1000), &send.payload);
            Ok(Outgoing {
                url: url.to_string(),
                headers: headers.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                body: send.payload.clone(),
                policy: delivery::WEBHOOK,
                channel: None,
            })
        }
        Some(Kind::Email) => {
            let alerts = &config.alerts;
            let provider = match endpoint.provider.as_deref() {
                Some(p) => Provider::parse(p),
                None => alerts.email_provider,
            }
            .ok_or_else(|| not_sent("no email provider configured (EMAIL_PROVIDER)".into()))?;
            let key = alerts.email_key(provider).ok_or_else(|| not_sent(format!("no API key configured for {provider}")))?;
            let from = alerts.email_from.as_deref().and_then(Mailbox::parse).ok_or_else(|| not_sent("no valid sender configured (EMAIL_FROM)".into()))?;
            let content: StoredEmail = serde_json::from_str(&send.payload).map_err(|_| not_sent("stored email is unreadable".into()))?;
            let content = EmailContent { subject: content.subject, text: content.text, html: content.html, category: content.category };
            let key_for_provider = email::idempotency_key(&send.message_id, &send.recipient);
            let request = email::build_request(provider, alerts.email_base_url(provider), key, &from, std::slice::from_ref(&send.recipient), &content, Some(&key_for_provider));
            Ok(Outgoing { url: request.url, headers: request.headers, body: request.body, policy: delivery::email_policy(provider), channel: None })
        }
        Some(Kind::Chat(channel)) => {
            let request = super::channels::request(endpoint, channel, &send.payload, config).map_err(not_sent)?;
            Ok(Outgoing { url: request.url, headers: request.headers, body: request.body, policy: notify::POLICY, channel: Some(channel) })
        }
        None => Err(not_sent(format!("unknown endpoint kind {}", endpoint.kind))),
    }
}

#[derive(Deserialize)]
pub(super) struct StoredEmail {
    pub(super) subject: String,
    pub(super) text: String,
    pub(super) html: String,
    pub(super) category: String,
}

impl StoredEmail {
    pub(super) fn content(self) -> EmailContent {
        EmailContent { subject: self.subject, text: self.text, html: self.html, category: self.category }
    }
}

/// What came back from one request, as logged.
pub(super) struct Reply {
    received: Received,
    /// The delivery row's error text (none for a 2xx).
    pub(super) error: Option<String>,
    pub(super) latency_ms: i64,
    /// The start of the answer's body, for channels whose answers say more there (Discord's
    /// and Telegram's waits and error codes); empty otherwise.
    body: String,
}

enum Received {
    Status { code: u16, retry_after: Option<String> },
    NetworkError,
    Timeout,
}

impl Reply {
    pub(super) fn answer(&self) -> Answer<'_> {
        match &self.received {
            Received::Status { code, retry_after } => Answer::Status { code: *code, retry_after: retry_after.as_deref() },
            Received::NetworkError => Answer::NetworkError,
            Received::Timeout => Answer::Timeout,
        }
    }

    pub(super) fn status(&self) -> Option<u16> {
        match self.received {
            Received::Status { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A fetch error can quote the URL, and a chat or pager URL can hold a secret (Slack's path,
/// Telegram's bot token): the deliveries log gets it redacted (DESIGN.md §11).
fn scrub(text: String, request: &Outgoing) -> String {
    if request.channel.is_none() {
        return text;
    }
    let redacted = notify::redact_url(&request.url);
    let without_query = request.url.split('?').next().unwrap_or(&request.url);
    text.replace(&request.url, &redacted).replace(without_query, &redacted)
}

/// POSTs under one deadline. Redirects are not followed (`manual`): a 3xx is an answer, judged
/// as not delivered. For webhooks and email the answer's body is cancelled unread: the status
/// decides, and recording it at once keeps short the window in which a crash makes the send go
/// out twice (README "Delivery guarantees"). Chat and pager answers are read up to 16 KiB.
pub(super) async fn send(request: &Outgoing, timeout_seconds: u32) -> Reply {
    let start = clock::now_ms();
    let headers = request.headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let req = match http::request("POST", &request.url, headers, Some(&request.body)) {
        Ok(r) => r,
        Err(e) => return Reply { received: Received::NetworkError, error: Some(scrub(format!("not sent: could not build the request: {e}"), request)), latency_ms: 0, body: String::new() },
    };
    let keep_body = request.channel.is_some();
    let result = http::within(u64::from(timeout_seconds) * 1000, |signal| async move {
        let mut response = http::fetch(req, &signal).await?;
        let status = response.status_code();
        let retry_after = response.headers().get("retry-after").ok().flatten();
        let body = if keep_body {
            // Chat and pager answers say in the body what went wrong and how long to wait.
            String::from_utf8_lossy(&http::read_capped(&mut response, ANSWER_KEEP).await).into_owned()
        } else {
            http::discard_body(&mut response);
            String::new()
        };
        Ok::<_, worker::Error>((status, retry_after, body))
    })
    .await;
    let latency_ms = (clock::now_ms() - start).max(0);
    match result {
        None => Reply { received: Received::Timeout, error: Some(format!("timeout after {timeout_seconds}s")), latency_ms, body: String::new() },
        Some(Err(e)) => Reply { received: Received::NetworkError, error: Some(scrub(format!("network error: {e}"), request)), latency_ms, body: String::new() },
        Some(Ok((code, retry_after, body))) => {
            let error = match code {
                200..=299 => None,
                300..=399 => Some(format!("HTTP {code}: redirects are not followed; update the URL")),
                _ => Some(format!("HTTP {code}")),
            };
            Reply { received: Received::Status { code, retry_after }, error, latency_ms, body }
        }
    }
}
