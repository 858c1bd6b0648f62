//! The pure core: every decision vigil makes, with no `worker` imports, no clock and no I/O.
//! Callers pass `now` and data in; the functions return decisions. All of it runs under
//! host `cargo test`.
pub mod accept; // content negotiation: which representation an Accept header prefers
pub mod assertion; // response assertions of HTTP monitors (json path, header, status, body, latency)
pub mod auth; // passwords, API token secrets and scopes
pub mod blocks; // compact check storage: one text block per monitor-hour, an entry per check
pub mod buckets; // timeline buckets (2 x interval forward fill) and site status
pub mod check_log; // the opt-in structured log line per check (CHECK_LOG=true)
pub mod classify; // probe outcome -> UP / DOWN / TIMEOUT / BOT_DETECTED with a readable reason
pub mod csv; // seed 002's check history as CSV
pub mod dashboard; // the web dashboard: view models, forms, HTML
pub mod dispatch; // checks-queue messages: packing many jobs per message, one-job retries
pub mod dns; // DNS monitors: hostname and values, DNS-over-HTTPS JSON answers, the answer judge
pub mod delivery; // one attempt's answer -> delivered / retry / disable / give up / exhausted, per channel policy
pub mod edge; // Cloudflare's own error answers (52x, 1xxx) told apart from the site's
pub mod email; // alert emails: rendering and provider send requests
pub mod endpoint; // notification endpoints: model and validation
pub mod engine; // run-time engine settings of seed 000's POST /status/queue
pub mod failure; // why a check failed, as data: FailureKind codes and their public categories
pub mod heartbeat; // heartbeat (push) monitors: pings, runs, deadlines, cron schedules in a time zone
pub mod incident; // streaks and the open/resolve state machine
pub mod input; // JSON request bodies -> typed values, with the offending field named
pub mod lcg; // deterministic pseudo-random numbers for sample data and property tests
pub mod markup; // the small safe Markdown subset of incident updates, rendered with escaping
pub mod monitor; // the monitor model, defaults and validation
pub mod notice; // incident updates and notices: statuses and validated request bodies
pub mod notify; // chat and pager channels: Slack, Discord, Telegram, Teams, PagerDuty, ntfy, Pushover, Google Chat
pub mod project; // projects and maintenance windows: validated request bodies
pub mod reminder; // reminders while an incident stays open: due number, due time, message id
pub mod retry; // which attempts to retry and urllib3's backoff schedule
pub mod schedule; // tick slots, due-ness, check ids, queue job messages
pub mod sites_yaml; // seed 002's sites YAML -> the import document, errors with YAML paths and lines
pub mod ssrf; // which URLs may be fetched, and each redirect hop
pub mod status; // CheckStatus
pub mod subscribers; // status page subscriptions: signed links, rate limits, subscriber emails
pub mod status_page; // the public status page: view model, HTML, JSON, feed, badges
pub mod summary; // a monitor's recent hourly and daily rollups reduced to one row for page views
pub mod text; // text for people: escaping writer, durations, dates (status page, emails, dashboard)
pub mod time; // epoch milliseconds <-> ISO 8601 text
pub mod uptime; // mergeable rollups, uptime and latency percentiles
pub mod usage; // the per-invocation cost line: D1 rows, queue messages, subrequests, checks
pub mod webhook; // signed webhooks: payload, Standard Webhooks signatures
