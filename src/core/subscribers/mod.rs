//! Email subscriptions to a public status page (DESIGN.md §6, §9): the signed links, the
//! subscribe form's input and rate limits, and what each email says (`render`). Pure: the
//! glue (`routes::subscribers`, `alerts::subscribers`) passes `now`, the secret and rows in.
//!
//! **Links.** A confirmation or unsubscribe link carries `{subscriber id}.{expiry ms}.{mac}`,
//! where mac is the first 16 bytes (base64url) of HMAC-SHA256 keyed with `SUBSCRIPTION_SECRET`
//! over the purpose, the page's project id, the subscriber id, the address and the expiry. So a
//! link works only for its purpose, its page and its address; a changed byte, another page's
//! link or an expired one is refused before anything is written. Confirmation links expire
//! after [`CONFIRM_TTL_MS`]; unsubscribe links never do (expiry 0), since they must work from
//! any old email (RFC 8058 asks for a link that keeps working). Rotating the secret voids
//! every outstanding link (confirmed subscribers stay; their next email carries new links).
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::auth::secrets_equal;
use super::email::Mailbox;
use super::time::EpochMs;
use super::webhook::hmac_sha256;

pub mod render;

/// How long a confirmation link works: 48 hours.
pub const CONFIRM_TTL_MS: i64 = 48 * 3_600_000;
/// One confirmation email per (page, address) per 15 minutes, however often it is asked for
/// (`store::subscribers::subscribe` applies it in the upsert); a confirmed subscription is never
/// changed by a subscribe request.
pub const CONFIRM_RESEND_MS: i64 = 15 * 60_000;
/// The shortest `SUBSCRIPTION_SECRET` accepted (bytes).
pub const SECRET_MIN_BYTES: usize = 16;
/// Longest address accepted (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// Most monitors one subscription may name.
pub const MONITORS_MAX: usize = 50;
const MAC_BYTES: usize = 16;

/// What a link is for; part of what is signed, so one cannot stand in for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Unsubscribe,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Unsubscribe => "unsubscribe",
        }
    }
}

/// The signed part of a link, as the glue knows it from the subscriber's row.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub project_id: i64,
    pub subscriber_id: i64,
    /// The address as stored in `email_key` (ASCII-lowercased).
    pub email_key: &'a str,
}

fn mac(secret: &[u8], purpose: Purpose, s: &Subject<'_>, expires_ms: EpochMs) -> [u8; MAC_BYTES] {
    let text = format!("vigil-subscription-v1\n{}\n{}\n{}\n{}\n{expires_ms}", purpose.as_str(), s.project_id, s.subscriber_id, s.email_key);
    let full = hmac_sha256(secret, &[text.as_bytes()]);
    let mut out = [0u8; MAC_BYTES];
    out.copy_from_slice(&full[..MAC_BYTES]);
    out
}

/// A link's token. `expires_ms` 0 means never (unsubscribe links).
pub fn sign(secret: &[u8], purpose: Purpose, s: &Subject<'_>, expires_ms: EpochMs) -> String {
    format!("{}.{expires_ms}.{}", s.subscriber_id, URL_SAFE_NO_PAD.encode(mac(secret, purpose, s, expires_ms)))
}

/// A token read from a request, before it is checked: the glue loads the subscriber it names,
/// then calls [`Token::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub subscriber_id: i64,
    pub expires_ms: EpochMs,
    mac: Vec<u8>,
}

/// Why a link is refused. The page says only "invalid or expired"; the kind is for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    Malformed,
    Expired,
    BadSignature,
}

impl Token {
    pub fn parse(token: &str) -> Result<Self, LinkError> {
        let mut parts = token.trim().split('.');
        let (Some(id), Some(exp), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(LinkError::Malformed);
        };
        let digits = |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(id) || !digits(exp) {
            return Err(LinkError::Malformed);
        }
        let subscriber_id = id.parse::<i64>().ok().filter(|n| *n > 0).ok_or(LinkError::Malformed)?;
        let expires_ms = exp.parse::<i64>().map_err(|_| LinkError::Malformed)?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok().filter(|m| m.len() == MAC_BYTES).ok_or(LinkError::Malformed)?;
        Ok(Self { subscriber_id, expires_ms, mac })
    }

    /// Checks the signature for this purpose and subject (whose id must be the token's), then
    /// the expiry. Constant-time comparison.
    pub fn verify(&self, secret: &[u8], purpose: Purpose, s: &Subject<'_>, now: EpochMs) -> Result<(), LinkError> {
        if s.subscriber_id != self.subscriber_id || !secrets_equal(&mac(secret, purpose, s, self.expires_ms), &self.mac) {
            return Err(LinkError::BadSignature);
        }
        // A confirmation link always expires; an unsubscribe link (expiry 0) never does.
        let expired = match purpose {
            Purpose::Confirm => self.expires_ms <= 0 || now >= self.expires_ms,
            Purpose::Unsubscribe => self.expires_ms != 0 && now >= self.expires_ms,
        };
        if expired {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

/// The address as stored for uniqueness: trimmed, ASCII-lowercased (Unicode case tables would
/// cost wasm size; the domain is case-insensitive and providers treat local parts so too).
pub fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// A plain address (`name@example.com`), or why not. No display names, at most 254 bytes, a
/// dot in the domain.
pub fn validate_email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim();
    if email.is_empty() {
        return Err("is required");
    }
    if email.len() > EMAIL_MAX {
        return Err("is longer than 254 characters");
    }
    let ok = !email.contains(['<', '>', '(', ')', '[', ']', ';', ':', '\\'])
        && Mailbox::parse(email).is_some_and(|m| m.name.is_none())
        && email.rsplit_once('@').is_some_and(|(local, domain)| {
            local.len() <= 64 && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..")
        });
    if ok {
        Ok(email.to_string())
    } else {
        Err("must be an email address like name@example.com")
    }
}

/// The rate limits of the subscribe form (fixed windows). Each costs one counter row per key
/// and window in `subscribe_limits`; expired rows are deleted a few at a time by later requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The key's prefix in `subscribe_limits` (`page:<project id>`, `ip:<address>`).
    pub scope: &'static str,
    pub max: u32,
    pub window_ms: i64,
}

/// Per page: 30 subscribe requests an hour, whoever sends them (`SUBSCRIBE_PER_PAGE_PER_HOUR`).
pub const PER_PAGE: Limit = Limit { scope: "page", max: 30, window_ms: 3_600_000 };
/// Per client address (`CF-Connecting-IP`): 5 an hour, over all pages
/// (`SUBSCRIBE_PER_CLIENT_PER_HOUR`).
pub const PER_CLIENT: Limit = Limit { scope: "ip", max: 5, window_ms: 3_600_000 };

impl Limit {
    /// The window `now` falls in (its start, epoch ms).
    pub fn window(self, now: EpochMs) -> EpochMs {
        now - now.rem_euclid(self.window_ms)
    }

    /// `None` when `count` (this request included) is within the limit; otherwise the seconds
    /// until the window ends, for `Retry-After`.
    pub fn exceeded(self, count: u32, now: EpochMs) -> Option<u32> {
        (count > self.max).then(|| ((self.window(now) + self.window_ms - now + 999) / 1000).max(1) as u32)
    }
}

/// Whether a secret is usable for signing links.
pub fn secret_ok(secret: &str) -> bool {
    secret.trim().len() >= SECRET_MIN_BYTES
}

/// Whether a public base URL may carry links in subscriber emails: https (RFC 8058 asks for an
/// HTTPS `List-Unsubscribe` URI), or plain http to this machine for local runs and tests.
pub fn base_url_ok(base: &str) -> bool {
    let lower = base.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return lower.len() > "https://".len();
    }
    let Some(rest) = lower.strip_prefix("http://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Message ids (the `subscriber_messages` key; part of each send's key).
pub fn incident_message_id(incident_id: i64, opened_ms: EpochMs, event: &str) -> String {
    // The alert's id with another prefix: one message per (incident, event), however often fanned out.
    format!("sub_{}", super::webhook::message_id(incident_id, opened_ms, event).trim_start_matches("msg_"))
}

pub fn update_message_id(event_id: i64) -> String {
    format!("sub_update_{event_id}")
}

pub fn confirm_message_id(subscriber_id: i64, sent_ms: EpochMs) -> String {
    format!("sub_confirm_{subscriber_id}_{sent_ms}")
}

/// The confirmation email's send time, from its message id (its link expires TTL later).
pub fn confirm_sent_ms(message_id: &str) -> Option<EpochMs> {
    message_id.strip_prefix("sub_confirm_")?.split_once('_')?.1.parse().ok()
}

#[cfg(test)]
mod tests;
