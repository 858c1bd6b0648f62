//! Custom domains (DESIGN.md §9): a request whose `Host` is a project's custom domain is routed
//! to that project's public pages (`/` is its page), and to nothing else.
//!
//! Cost: platform hosts (localhost, IP addresses, `*.workers.dev`, `PUBLIC_BASE_URL`'s host)
//! are never looked up. Any other host is looked up once per isolate per minute (one D1 row
//! through the `projects_custom_domain` index), hits and misses alike, so a cached page on a
//! custom domain still costs no D1 read. A changed or removed domain takes effect within that
//! minute.
use std::cell::RefCell;
use std::collections::HashMap;

use worker::{Env, Request};

use crate::bindings::{Config, DB};
use crate::core::project::{custom_host_path, host_of, platform_host};
use crate::core::time::EpochMs;
use crate::error::{AppError, Context};
use crate::store::pages;

/// How long an isolate trusts what it looked up.
const TTL_MS: i64 = 60_000;
/// Hosts remembered at most (a flood of made-up Host headers cannot grow memory without bound).
const MAX_REMEMBERED: usize = 1000;

thread_local! {
    /// host -> (the public project's slug, or None; looked up at).
    static HOSTS: RefCell<HashMap<String, (Option<String>, EpochMs)>> = RefCell::new(HashMap::new());
}

/// The path the route table should see for this request: `path` itself, or for a custom
/// domain the project's page path; `NotFound` for anything a status domain does not serve.
pub async fn routed_path(req: &Request, env: &Env, path: String, now: EpochMs) -> Result<String, AppError> {
    let header = req.headers().get("host").ok().flatten().unwrap_or_default();
    let host = host_of(&header);
    if platform_host(&host, None) {
        return Ok(path);
    }
    let public_host = Config::from_env(env).alerts.public_base_url.as_deref().and_then(|u| url::Url::parse(u).ok()).and_then(|u| u.host_str().map(str::to_string));
    if platform_host(&host, public_host.as_deref()) {
        return Ok(path);
    }
    let slug = match HOSTS.with(|h| h.borrow().get(&host).filter(|(_, at)| now - at < TTL_MS).map(|(slug, _)| slug.clone())) {
        Some(known) => known,
        None => {
            let db = env.d1(DB).context("D1 binding")?;
            let slug = pages::project_by_domain(&db, &host).await?.filter(|p| p.public != 0).map(|p| p.slug);
            HOSTS.with(|h| {
                let mut h = h.borrow_mut();
                if h.len() >= MAX_REMEMBERED {
                    h.clear();
                }
                h.insert(host.clone(), (slug.clone(), now));
            });
            slug
        }
    };
    match slug {
        // Not a project's domain (the worker's own custom domain, say): routed as usual.
        None => Ok(path),
        Some(slug) => custom_host_path(&slug, &path).ok_or_else(|| AppError::NotFound(format!("{path} on {host}"))),
    }
}
