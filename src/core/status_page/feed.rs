//! The Atom feed of a project's incidents, the operators' updates and upcoming maintenance.
use super::said::About;
use super::view::public_cause;
use super::{IncidentInput, MAX_FEED_ENTRIES};
use crate::core::markup;
use crate::core::notice::UpdateStatus;
use crate::core::text::{self, duration_ms, path_segment, short_utc, Html};
use crate::core::time::EpochMs;

/// One update for the feed, with what it is about in words (the notice's title or the
/// incident's monitor name).
#[derive(Debug, Clone)]
pub struct FeedUpdate<'a> {
    pub id: i64,
    pub about: About,
    pub subject: &'a str,
    pub status: UpdateStatus,
    pub message: &'a str,
    pub created_ms: EpochMs,
    pub edited_ms: Option<EpochMs>,
}

/// A maintenance window not over yet, announced before it starts.
#[derive(Debug, Clone)]
pub struct FeedWindow<'a> {
    pub id: i64,
    pub title: &'a str,
    pub starts_ms: EpochMs,
    pub ends_ms: EpochMs,
    /// When it was scheduled: the entry's `published` and `updated`, so it never moves.
    pub created_ms: EpochMs,
}

/// One `<entry>`, before writing: sorted by `updated`, newest first.
struct Entry {
    updated: EpochMs,
    /// Ties (same `updated`) in a fixed order.
    order: (u8, i64),
    item: Item,
}

enum Item {
    Incident(Incident),
    Update(Update),
    Window(Window),
}

/// An Atom 1.0 feed of incidents, newest change first. One entry per
/// incident, with id `{base_url}/status/{slug}#incident-{id}` (stable across
/// renders; it is also the entry's link, which lands on the page's anchor),
/// `published` = opened, `updated` = resolved or opened, so feed readers see a
/// resolution as an update of the same entry. Causes are public categories.
pub fn atom_feed(project_name: &str, slug: &str, base_url: &str, incidents: &[IncidentInput], now_ms: EpochMs) -> String {
    atom_feed_with(project_name, slug, base_url, incidents, &[], &[], now_ms)
}

/// [`atom_feed`] with every update (one entry each) and upcoming maintenance (one entry per
/// window). Entry ids are made of row ids only, so neither a rebuild nor an edit changes them:
/// `{page}#update-{id}` (an edit moves its `updated`, so readers show it changed) and
/// `{page}#maintenance-{id}`.
pub fn atom_feed_with(
    project_name: &str,
    slug: &str,
    base_url: &str,
    incidents: &[IncidentInput],
    updates: &[FeedUpdate],
    windows: &[FeedWindow],
    now_ms: EpochMs,
) -> String {
    let base = base_url.trim_end_matches('/');
    let page = format!("{base}/status/{}", path_segment(slug));
    let mut entries: Vec<Entry> = Vec::with_capacity(incidents.len() + updates.len() + windows.len());
    for i in incidents {
        let i = Incident::of(i);
        entries.push(Entry { updated: i.resolved_ms.unwrap_or(i.opened_ms), order: (0, i.id), item: Item::Incident(i) });
    }
    for u in updates {
        let u = Update::of(u);
        entries.push(Entry { updated: u.edited_ms.unwrap_or(u.created_ms), order: (1, u.id), item: Item::Update(u) });
    }
    for w in windows.iter().filter(|w| w.ends_ms > now_ms) {
        let w = Window { id: w.id, title: w.title.to_string(), starts_ms: w.starts_ms, ends_ms: w.ends_ms, created_ms: w.created_ms };
        entries.push(Entry { updated: w.created_ms, order: (2, w.id), item: Item::Window(w) });
    }
    entries.sort_by_key(|e| std::cmp::Reverse((e.updated, e.order)));
    entries.truncate(MAX_FEED_ENTRIES);
    let updated = entries.first().map_or(now_ms, |e| e.updated);
    let mut h = Html::with_capacity(1000 + entries.len() * 600);
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
    for e in &entries {
        match &e.item {
            Item::Incident(i) => i.write(&mut h, &page),
            Item::Update(u) => u.write(&mut h, &page),
            Item::Window(w) => w.write(&mut h, &page),
        }
    }
    h.r("</feed>\n");
    h.finish()
}

/// An incident's entry data, owned (entries are written after sorting).
struct Incident {
    id: i64,
    monitor_name: String,
    opened_ms: EpochMs,
    resolved_ms: Option<EpochMs>,
    cause: &'static str,
}

impl Incident {
    fn of(i: &IncidentInput) -> Self {
        Self { id: i.id, monitor_name: i.monitor_name.to_string(), opened_ms: i.opened_ms, resolved_ms: i.resolved_ms, cause: public_cause(i.kind, i.http_status) }
    }

    fn write(&self, h: &mut Html, page: &str) {
        let i = self;
        let cause = i.cause;
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
}

struct Update {
    id: i64,
    about: About,
    subject: String,
    status: UpdateStatus,
    message: String,
    created_ms: EpochMs,
    edited_ms: Option<EpochMs>,
}

impl Update {
    fn of(u: &FeedUpdate) -> Self {
        Self {
            id: u.id,
            about: u.about,
            subject: u.subject.to_string(),
            status: u.status,
            message: u.message.to_string(),
            created_ms: u.created_ms,
            edited_ms: u.edited_ms,
        }
    }

    /// Title "{subject}: {Status}"; the link lands on the incident's or notice's anchor; the
    /// content is the message rendered as on the page (escaped once more as XML text).
    fn write(&self, h: &mut Html, page: &str) {
        let id = format!("{page}#update-{}", self.id);
        let link = match self.about {
            About::Incident(i) => format!("{page}#incident-{i}"),
            About::Notice(n) => format!("{page}#notice-{n}"),
        };
        let title = format!("{}: {}", self.subject, self.status.label());
        h.r("<entry>\n<id>").t(&id).r("</id>\n<title>").t(&title).r("</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        h.t(&link).r("\"/>\n<published>").t(&text::iso(self.created_ms)).r("</published>\n<updated>");
        h.t(&text::iso(self.edited_ms.unwrap_or(self.created_ms))).r("</updated>\n<content type=\"html\">");
        h.t(&markup::render(&self.message)).r("</content>\n</entry>\n");
    }
}

struct Window {
    id: i64,
    title: String,
    starts_ms: EpochMs,
    ends_ms: EpochMs,
    created_ms: EpochMs,
}

impl Window {
    fn write(&self, h: &mut Html, page: &str) {
        let id = format!("{page}#maintenance-{}", self.id);
        let title = format!("Scheduled maintenance: {}", self.title);
        let summary = format!("{} from {} to {}.", self.title, short_utc(self.starts_ms), short_utc(self.ends_ms));
        h.r("<entry>\n<id>").t(&id).r("</id>\n<title>").t(&title).r("</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        h.t(page).r("\"/>\n<published>").t(&text::iso(self.created_ms)).r("</published>\n<updated>");
        h.t(&text::iso(self.created_ms)).r("</updated>\n<summary type=\"text\">").t(&summary).r("</summary>\n</entry>\n");
    }
}
