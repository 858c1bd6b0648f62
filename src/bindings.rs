//! Binding and var names, and the config read from vars, in one place.
use worker::Env;

use crate::core::ssrf::TargetPolicy;

pub const DB: &str = "DB";
pub const CHECKS_QUEUE: &str = "CHECKS";
pub const ALERTS_QUEUE: &str = "ALERTS";
/// Queue names as they appear in a MessageBatch (wrangler.toml `queue =`).
pub const CHECKS_QUEUE_NAME: &str = "vigil-checks";

/// Vars and secrets, with the defaults documented in README.md "Configuration".
#[derive(Debug, Clone)]
pub struct Config {
    /// Secret. Until accounts exist, the one API token.
    pub admin_token: Option<String>,
    pub target_policy: TargetPolicy,
    /// Fetches one consumer invocation keeps open at once (Cloudflare allows 6).
    pub check_concurrency: usize,
    pub recheck_delay_seconds: u32,
    /// `VIGIL_TEST_HOOKS=true` enables routes that only end-to-end tests use (raw queue
    /// messages, to prove redelivery is harmless). Off by default; never set in production.
    pub test_hooks: bool,
    /// Retention (SPEC section 3): raw checks, hourly and daily rollups, in days.
    pub raw_retention_days: u32,
    pub hourly_retention_days: u32,
    pub daily_retention_days: u32,
    /// Seconds a rendered status page is served from the edge cache without asking D1 whether
    /// newer data exists (seed 002's throttle). 0 turns the page cache off (benchmarks).
    pub status_cache_seconds: u32,
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
            check_concurrency: number("CHECK_CONCURRENCY", 6, (1, 6)) as usize,
            recheck_delay_seconds: number("RECHECK_DELAY_SECONDS", 20, (0, 300)),
            test_hooks: var("VIGIL_TEST_HOOKS").is_some_and(|v| v.trim() == "true"),
            raw_retention_days: number("RAW_RETENTION_DAYS", 7, (1, 90)),
            hourly_retention_days: number("HOURLY_RETENTION_DAYS", 90, (1, 400)),
            daily_retention_days: number("DAILY_RETENTION_DAYS", 400, (1, 3650)),
            status_cache_seconds: number("STATUS_CACHE_SECONDS", 30, (0, 3600)),
        }
    }
}
