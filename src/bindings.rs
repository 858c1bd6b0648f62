//! Binding and var names, and the config read from vars, in one place.
use worker::{Env, Queue};

use crate::core::delivery::BACKOFF_BASE_S;
use crate::core::dispatch::Lane;
use crate::core::email::{Mailbox, Provider};
use crate::core::subscribers;
use crate::core::notify::Channel;
use crate::core::ssrf::TargetPolicy;
use crate::error::{AppError, Context};

pub const DB: &str = "DB";
pub const CHECKS_QUEUE: &str = "CHECKS";
pub const CHECKS_SLOW_QUEUE: &str = "CHECKS_SLOW";
pub const ALERTS_QUEUE: &str = "ALERTS";
/// Queue names as they appear in a MessageBatch (wrangler.toml `queue =`).
pub const CHECKS_QUEUE_NAME: &str = "vigil-checks";
pub const CHECKS_SLOW_QUEUE_NAME: &str = "vigil-checks-slow";

/// The checks queue of a lane (DESIGN.md §3): both are consumed by the same code.
pub fn checks_queue(env: &Env, lane: Lane) -> Result<Queue, AppError> {
    match lane {
        Lane::Main => env.queue(CHECKS_QUEUE).context("checks queue binding"),
        Lane::Slow => env.queue(CHECKS_SLOW_QUEUE).context("slow checks queue binding"),
    }
}

/// Cloudflare's public resolver, which answers `application/dns-json` (as Google's does at
/// `https://dns.google/resolve`).
pub const DNS_RESOLVER_DEFAULT: &str = "https://cloudflare-dns.com/dns-query";

/// Vars and secrets, with the defaults documented in README.md "Configuration".
#[derive(Debug, Clone)]
pub struct Config {
    /// Secret. Until accounts exist, the one API token.
    pub admin_token: Option<String>,
    pub target_policy: TargetPolicy,
    /// `DNS_RESOLVER_URL`: the DNS-over-HTTPS JSON endpoint DNS monitors ask (a loopback
    /// fake in tests). Default [`DNS_RESOLVER_DEFAULT`].
    pub dns_resolver_url: String,
    /// Fetches one consumer invocation keeps open at once (Cloudflare allows 6).
    pub check_concurrency: usize,
    /// A main-lane check still open after this long (ms) gives its slot up to waiting healthy
    /// checks and moves to the slow lane (DESIGN.md §3); 0 never hands off.
    pub handoff_after_ms: u32,
    pub recheck_delay_seconds: u32,
    /// `CHECK_JOBS_PER_MESSAGE`: check jobs a tick packs into one checks-queue message (1-100;
    /// a message costs 3 queue operations whatever it carries).
    pub check_jobs_per_message: usize,
    /// `HANDOFF_GRACE_SECONDS`: how long a hand-off through a queue (an incident event to the
    /// alerts consumer, a delivery message, a confirmation re-check) may take before the cron
    /// counts it lost and sends it again (DESIGN.md §6). Tests use a few seconds.
    pub handoff_grace_seconds: u32,
    /// `VIGIL_TEST_HOOKS=true` enables routes that only end-to-end tests use (raw queue
    /// messages, to prove redelivery is harmless). Off by default; never set in production.
    pub test_hooks: bool,
    /// Retention (DESIGN.md §5): raw checks, hourly and daily rollups, in days.
    pub raw_retention_days: u32,
    pub hourly_retention_days: u32,
    pub daily_retention_days: u32,
    /// Seconds a rendered status page is served from the edge cache without asking D1 whether
    /// newer data exists (seed 002's throttle). 0 turns the page cache off (benchmarks).
    pub status_cache_seconds: u32,
    /// `CHECK_LOG=true`: one structured log line per check (off by default: Workers Logs bills
    /// per line).
    pub check_log: bool,
    /// `HEARTBEAT_SECOND_MS`: how long one second of a heartbeat monitor's period and grace
    /// time lasts, in ms. 1000; tests only shrink it (1-1000) so a 60 s period passes in
    /// seconds. Cron schedules are wall-clock times and never scaled.
    pub heartbeat_second_ms: u32,
    pub alerts: AlertConfig,
}

/// Alert delivery settings (README.md "Configuration").
#[derive(Debug, Clone)]
pub struct AlertConfig {
    /// `ALERT_TIMEOUT_SECONDS`: one webhook or email API request, connection to last byte.
    pub timeout_seconds: u32,
    /// `ALERT_BACKOFF_BASE_SECONDS`: wait after the first failed attempt; doubles each time.
    pub backoff_base_seconds: u32,
    /// `ALERT_MAX_ATTEMPTS`: attempts per (event, endpoint, recipient) before dead-lettering.
    /// At most 6: the alerts queue's `max_retries = 5` redelivers a message 6 times in all.
    pub max_attempts: u32,
    /// `ALERT_REMINDER_UNIT_SECONDS`: the length of one `reminder_minutes` minute. 60; tests
    /// only shrink it (1-60) so reminders come every few seconds.
    pub reminder_unit_seconds: u32,
    /// `PUBLIC_BASE_URL`: where the status pages are served, for links in alerts.
    pub public_base_url: Option<String>,
    /// `EMAIL_PROVIDER`: the provider of email endpoints that do not name one.
    pub email_provider: Option<Provider>,
    /// `EMAIL_FROM`: the sender, `alerts@example.com` or `Vigil <alerts@example.com>`.
    pub email_from: Option<String>,
    /// Secret `EMAIL_API_KEY`, or per provider `MAILTRAP_API_KEY`, `RESEND_API_KEY`,
    /// `POSTMARK_API_KEY`, `SENDGRID_API_KEY` (which win).
    email_keys: Vec<(Provider, Redacted)>,
    /// `EMAIL_BASE_URL`, or per provider `MAILTRAP_BASE_URL`, ...: the API origin (a loopback
    /// fake in tests). Unset: the provider's production origin.
    email_base_urls: Vec<(Provider, String)>,
    /// `TELEGRAM_BASE_URL`, `PAGERDUTY_BASE_URL`, `PUSHOVER_BASE_URL`: the API origin of the
    /// chat and pager providers with a fixed host (a loopback fake in tests).
    channel_base_urls: Vec<(Channel, String)>,
    /// `SUBSCRIBE_PER_PAGE_PER_HOUR` (30) and `SUBSCRIBE_PER_CLIENT_PER_HOUR` (5): the subscribe
    /// form's rate limits (`core::subscribers::PER_PAGE`, `PER_CLIENT`).
    pub subscribe_per_page: u32,
    pub subscribe_per_client: u32,
    /// Secret `SUBSCRIPTION_SECRET`: the HMAC key of subscribers' confirmation and unsubscribe
    /// links (at least 16 bytes). Subscriptions are off without it.
    subscription_secret: Option<Redacted>,
}

/// Status page subscriptions (README "Subscriptions"), when everything they need is configured:
/// the system-wide email provider (`EMAIL_PROVIDER` and its API key), a valid `EMAIL_FROM`, a
/// `PUBLIC_BASE_URL` for the links (https, or http on localhost) and `SUBSCRIPTION_SECRET`.
/// Otherwise pages show no form and the subscribe route refuses.
#[derive(Debug, Clone)]
pub struct Subscriptions<'a> {
    pub provider: Provider,
    pub api_key: &'a str,
    pub base_url: Option<&'a str>,
    pub from: Mailbox,
    pub public_base_url: &'a str,
    pub secret: &'a [u8],
}

impl AlertConfig {
    pub fn channel_base_url(&self, channel: Channel) -> Option<&str> {
        self.channel_base_urls.iter().find(|(c, _)| *c == channel).map(|(_, u)| u.as_str())
    }

    pub fn email_key(&self, provider: Provider) -> Option<&str> {
        self.email_keys.iter().find(|(p, _)| *p == provider).map(|(_, k)| k.0.as_str())
    }

    pub fn email_base_url(&self, provider: Provider) -> Option<&str> {
        self.email_base_urls.iter().find(|(p, _)| *p == provider).map(|(_, u)| u.as_str())
    }

    /// `None` when subscriptions are not configured (see [`Subscriptions`]).
    pub fn subscriptions(&self) -> Option<Subscriptions<'_>> {
        let provider = self.email_provider?;
        let secret = self.subscription_secret.as_ref().filter(|s| subscribers::secret_ok(&s.0))?;
        let public_base_url = self.public_base_url.as_deref().filter(|u| subscribers::base_url_ok(u))?;
        Some(Subscriptions {
            provider,
            api_key: self.email_key(provider)?,
            base_url: self.email_base_url(provider),
            from: self.email_from.as_deref().and_then(Mailbox::parse)?,
            public_base_url,
            secret: secret.0.trim().as_bytes(),
        })
    }
}

/// See [`Config::handoff_after_ms`]: well above a healthy site's answer seen from Cloudflare's
/// edge, short enough that a hanging one frees its slot soon.
pub const HANDOFF_AFTER_MS_DEFAULT: u32 = 500;

/// A secret value whose `Debug` never shows it, so logging a config cannot leak a key.
#[derive(Clone)]
struct Redacted(String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Config {
    pub fn from_env(env: &Env) -> Self {
        let var = |name: &str| env.var(name).ok().map(|v| v.to_string()).or_else(|| env.secret(name).ok().map(|s| s.to_string()));
        let number = |name: &str, default: u32, (lo, hi): (u32, u32)| {
            var(name).and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| (lo..=hi).contains(n)).unwrap_or(default)
        };
        Self {
            admin_token: var("ADMIN_TOKEN").filter(|t| !t.is_empty()),
            target_policy: TargetPolicy { allow_private: var("ALLOW_PRIVATE_TARGETS").is_some_and(|v| v.trim() == "true") },
            dns_resolver_url: var("DNS_RESOLVER_URL").map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).unwrap_or_else(|| DNS_RESOLVER_DEFAULT.to_string()),
            check_concurrency: number("CHECK_CONCURRENCY", 6, (1, 6)) as usize,
            handoff_after_ms: number("HANDOFF_AFTER_MS", HANDOFF_AFTER_MS_DEFAULT, (0, 60_000)),
            recheck_delay_seconds: number("RECHECK_DELAY_SECONDS", 20, (0, 300)),
            check_jobs_per_message: number("CHECK_JOBS_PER_MESSAGE", crate::core::dispatch::JOBS_PER_MESSAGE_DEFAULT, (1, 100)) as usize,
            handoff_grace_seconds: number("HANDOFF_GRACE_SECONDS", 120, (1, 3600)),
            test_hooks: var("VIGIL_TEST_HOOKS").is_some_and(|v| v.trim() == "true"),
            raw_retention_days: number("RAW_RETENTION_DAYS", 7, (1, 90)),
            hourly_retention_days: number("HOURLY_RETENTION_DAYS", 90, (1, 400)),
            daily_retention_days: number("DAILY_RETENTION_DAYS", 400, (1, 3650)),
            status_cache_seconds: number("STATUS_CACHE_SECONDS", 30, (0, 3600)),
            check_log: var("CHECK_LOG").is_some_and(|v| v.trim() == "true"),
            heartbeat_second_ms: number("HEARTBEAT_SECOND_MS", 1000, (1, 1000)),
            alerts: AlertConfig {
                timeout_seconds: number("ALERT_TIMEOUT_SECONDS", 10, (1, 30)),
                backoff_base_seconds: number("ALERT_BACKOFF_BASE_SECONDS", BACKOFF_BASE_S, (1, 3600)),
                max_attempts: number("ALERT_MAX_ATTEMPTS", 5, (1, 6)),
                reminder_unit_seconds: number("ALERT_REMINDER_UNIT_SECONDS", 60, (1, 60)),
                public_base_url: var("PUBLIC_BASE_URL").map(|u| u.trim().trim_end_matches('/').to_string()).filter(|u| !u.is_empty()),
                email_provider: var("EMAIL_PROVIDER").and_then(|p| Provider::parse(&p)),
                email_from: var("EMAIL_FROM").map(|f| f.trim().to_string()).filter(|f| !f.is_empty()),
                email_keys: Provider::ALL
                    .into_iter()
                    .filter_map(|p| {
                        let own = var(&format!("{}_API_KEY", p.as_str().to_ascii_uppercase()));
                        own.or_else(|| var("EMAIL_API_KEY")).filter(|k| !k.trim().is_empty()).map(|k| (p, Redacted(k)))
                    })
                    .collect(),
                email_base_urls: Provider::ALL
                    .into_iter()
                    .filter_map(|p| {
                        let own = var(&format!("{}_BASE_URL", p.as_str().to_ascii_uppercase()));
                        own.or_else(|| var("EMAIL_BASE_URL")).filter(|u| !u.trim().is_empty()).map(|u| (p, u))
                    })
                    .collect(),
                channel_base_urls: Channel::ALL
                    .into_iter()
                    .filter(|c| c.default_base_url().is_some())
                    .filter_map(|c| var(&format!("{}_BASE_URL", c.as_str().to_ascii_uppercase())).filter(|u| !u.trim().is_empty()).map(|u| (c, u)))
                    .collect(),
                subscription_secret: var("SUBSCRIPTION_SECRET").map(Redacted),
                subscribe_per_page: number("SUBSCRIBE_PER_PAGE_PER_HOUR", subscribers::PER_PAGE.max, (1, 100_000)),
                subscribe_per_client: number("SUBSCRIBE_PER_CLIENT_PER_HOUR", subscribers::PER_CLIENT.max, (1, 100_000)),
            },
        }
    }
}
