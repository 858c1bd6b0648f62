//! Chat and pager endpoints in the alert pipeline (DESIGN.md §6): what fan-out stores for
//! them and the request of one attempt. Messages, requests and the reading of answers are
//! `core::notify`; claim, delivery log and settle are `send`'s, the same as for webhooks.
use crate::bindings::{AlertConfig, Config};
use crate::core::notify::{self, Alert, Channel, HttpRequest, Target};
use crate::core::ssrf;
use crate::core::time::EpochMs;
use crate::core::webhook::EventInfo;
use crate::store::endpoints::EndpointRow;

/// The project's status page, when `PUBLIC_BASE_URL` says where pages are served.
pub(super) fn link(config: &AlertConfig, info: &EventInfo) -> Option<String> {
    config.public_base_url.as_ref().map(|base| format!("{base}/status/{}", info.project.slug))
}

/// The stored message (secret-free; the target is added at send time). Fan-out only asks for
/// events the channel sends (`EndpointSpec::wants`), so the fallback is never stored.
pub(super) fn render(channel: Channel, info: &EventInfo, config: &AlertConfig, event_at: EpochMs) -> String {
    let alert = Alert::new(info, event_at, link(config, info).as_deref());
    notify::render(channel, &alert).unwrap_or_else(|| String::from("{}"))
}

/// The request of one attempt; `Err` says why nothing can be sent (never a secret).
pub(super) fn request(endpoint: &EndpointRow, channel: Channel, payload: &str, config: &Config) -> Result<HttpRequest, String> {
    let target = endpoint.target()?;
    // User-chosen URLs are checked again at send time (the policy may have changed since the
    // endpoint was saved); fixed hosts come from configuration, like email providers'.
    if let Target::Webhook { url } | Target::Ntfy { server: url, .. } = &target {
        ssrf::check_target(url, config.target_policy).map_err(|e| format!("url refused: {e}"))?;
    }
    notify::request(channel, &target, payload, config.alerts.channel_base_url(channel)).map_err(|e| e.0)
}
