//! The Atom feed of a project's incidents.
use super::view::public_cause;
use super::{IncidentInput, MAX_FEED_ENTRIES};
use crate::core::text::{self, duration_ms, path_segment, short_utc, Html};
use crate::core::time::EpochMs;

/// An Atom 1.0 feed of incidents, newest change first. One entry per
/// incident, with id `{base_url}/status/{slug}#incident-{id}` (stable across
/// renders; it is also the entry's link, which lands on the page's anchor),
/// `published` = opened, `updated` = resolved or opened, so feed readers see a
/// resolution as an update of the same entry. Causes are public categories.
pub fn atom_feed(project_name: &str, slug: &str, base_url: &str, incidents: &[IncidentInput], now_ms: EpochMs) -> String {
    let base = base_url.trim_end_matches('/');
    let page = format!("{base}/status/{}", path_segment(slug));
    let mut list: Vec<&IncidentInput> = incidents.iter().collect();
    list.sort_by_key(|i| std::cmp::Reverse((i.resolved_ms.unwrap_or(i.opened_ms), i.id)));
    list.truncate(MAX_FEED_ENTRIES);
    let updated = list.first().map_or(now_ms, |i| i.resolved_ms.unwrap_or(i.opened_ms));
    let mut h = Html::with_capacity(1000 + list.len() * 600);
    h.r("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>")
        .t(project_name)
        .r(" status: incidents</title>\n<id>")
        .t(&page)
        .r("/feed.atom</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"")
        .t(&page)
        .r("/feed.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"")
        .t(&page)
        .r("\"/>\n<updated>")
        .t(&text::iso(updated))
        .r("</updated>\n<author><name>")
        .t(project_name)
        .r("</name></author>\n<generator>vigil</generator>\n");
    for i in list {
        let cause = public_cause(i.kind, i.http_status);
        let url = format!("{page}#incident-{}", i.id);
        let (title, summary) = match i.resolved_ms {
            None => (
                format!("{} is down", i.monitor_name),
                format!("{} has been down since {} ({cause}).", i.monitor_name, short_utc(i.opened_ms)),
            ),
            Some(r) => (
                format!("{} recovered", i.monitor_name),
                format!(
                    "{} was down from {} to {} ({}, {cause}).",
                    i.monitor_name,
                    short_utc(i.opened_ms),
                    short_utc(r),
                    duration_ms(r - i.opened_ms)
                ),
            ),
        };
        h.r("<entry>\n<id>").t(&url).r("</id>\n<title>").t(&title).r("</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        h.t(&url).r("\"/>\n<published>").t(&text::iso(i.opened_ms)).r("</published>\n<updated>");
        h.t(&text::iso(i.resolved_ms.unwrap_or(i.opened_ms))).r("</updated>\n<summary type=\"text\">").t(&summary);
        h.r("</summary>\n</entry>\n");
    }
    h.r("</feed>\n");
    h.finish()
}
