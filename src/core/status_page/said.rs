//! What the operators said (DESIGN.md §9): incident updates and notices on the page, in its
//! JSON and in the feed. Kept apart from the machine's data (`PageInput`) so the page's other
//! inputs stay as they are: `view_with(input, said)` is `view(input)` plus this.
use serde::Serialize;

use super::view::{ser_iso, ser_iso_opt};
use super::{MAX_OPEN_INCIDENTS, MAX_RESOLVED_INCIDENTS};
use crate::core::markup;
use crate::core::notice::UpdateStatus;
use crate::core::time::EpochMs;

/// Updates shown per incident or notice (newest first); older ones are in the JSON of the API.
pub const MAX_UPDATES_SHOWN: usize = 20;

/// Notices and updates, read from D1 by the glue.
#[derive(Debug, Clone, Default)]
pub struct Said<'a> {
    pub notices: Vec<NoticeInput<'a>>,
    /// Updates of the page's incidents and notices, any order.
    pub updates: Vec<UpdateInput<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Incident(i64),
    Notice(i64),
}

#[derive(Debug, Clone)]
pub struct UpdateInput<'a> {
    pub id: i64,
    pub about: About,
    pub status: UpdateStatus,
    /// The small Markdown subset (`core::markup`).
    pub message: &'a str,
    pub created_ms: EpochMs,
    pub edited_ms: Option<EpochMs>,
}

#[derive(Debug, Clone)]
pub struct NoticeInput<'a> {
    pub id: i64,
    pub title: &'a str,
    pub created_ms: EpochMs,
    pub status: Option<UpdateStatus>,
    pub resolved_ms: Option<EpochMs>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateView {
    pub id: i64,
    pub status: UpdateStatus,
    pub status_text: &'static str,
    /// As written.
    pub message: String,
    /// Rendered with escaping (the Markdown subset).
    pub message_html: String,
    #[serde(serialize_with = "ser_iso")]
    pub created_at: EpochMs,
    #[serde(serialize_with = "ser_iso_opt")]
    pub edited_at: Option<EpochMs>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeView {
    pub id: i64,
    pub title: String,
    pub status: Option<UpdateStatus>,
    pub open: bool,
    #[serde(serialize_with = "ser_iso")]
    pub created_at: EpochMs,
    #[serde(serialize_with = "ser_iso_opt")]
    pub resolved_at: Option<EpochMs>,
    /// Newest first.
    pub updates: Vec<UpdateView>,
}

/// The updates about `about`, newest first, at most [`MAX_UPDATES_SHOWN`].
pub(super) fn updates_of(said: &Said, about: About) -> Vec<UpdateView> {
    let mut list: Vec<&UpdateInput> = said.updates.iter().filter(|u| u.about == about).collect();
    list.sort_by_key(|u| std::cmp::Reverse((u.created_ms, u.id)));
    list.truncate(MAX_UPDATES_SHOWN);
    list.into_iter()
        .map(|u| UpdateView {
            id: u.id,
            status: u.status,
            status_text: u.status.label(),
            message: u.message.to_string(),
            message_html: markup::render(u.message),
            created_at: u.created_ms,
            edited_at: u.edited_ms,
        })
        .collect()
}

/// Open notices (newest first), then resolved ones (newest resolution first).
pub(super) fn notice_views(said: &Said) -> Vec<NoticeView> {
    let mut open: Vec<&NoticeInput> = said.notices.iter().filter(|n| n.resolved_ms.is_none()).collect();
    let mut resolved: Vec<&NoticeInput> = said.notices.iter().filter(|n| n.resolved_ms.is_some()).collect();
    open.sort_by_key(|n| std::cmp::Reverse((n.created_ms, n.id)));
    resolved.sort_by_key(|n| std::cmp::Reverse((n.resolved_ms, n.id)));
    open.truncate(MAX_OPEN_INCIDENTS);
    resolved.truncate(MAX_RESOLVED_INCIDENTS);
    open.into_iter()
        .chain(resolved)
        .map(|n| NoticeView {
            id: n.id,
            title: n.title.to_string(),
            status: n.status,
            open: n.resolved_ms.is_none(),
            created_at: n.created_ms,
            resolved_at: n.resolved_ms,
            updates: updates_of(said, About::Notice(n.id)),
        })
        .collect()
}

/// The pill class of a status: red while investigating, amber once identified, blue while
/// monitoring, green when resolved (the word is always written next to it).
pub(super) fn status_class(s: UpdateStatus) -> &'static str {
    match s {
        UpdateStatus::Investigating => "d",
        UpdateStatus::Identified => "w",
        UpdateStatus::Monitoring => "mp",
        UpdateStatus::Resolved => "u",
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;
    use crate::core::failure::FailureKind;
    use crate::core::text::escape;

    const MIN: i64 = 60_000;
    /// 2026-11-21T05:25:30Z.
    const NOW: i64 = 1_795_238_730_000;

    fn page_input() -> PageInput<'static> {
        PageInput {
            project_name: "Acme",
            project_slug: "acme",
            now_ms: NOW,
            monitors: vec![],
            incidents: vec![
                IncidentInput { id: 7, monitor_name: "Checkout", opened_ms: NOW - 40 * MIN, resolved_ms: None, kind: Some(FailureKind::Timeout), http_status: None },
                IncidentInput { id: 3, monitor_name: "Search", opened_ms: NOW - 3 * 1440 * MIN, resolved_ms: Some(NOW - 3 * 1440 * MIN + 20 * MIN), kind: None, http_status: None },
            ],
            maintenance: vec![],
        }
    }

    fn update(id: i64, about: About, status: UpdateStatus, message: &'static str, at_min_ago: i64) -> UpdateInput<'static> {
        UpdateInput { id, about, status, message, created_ms: NOW - at_min_ago * MIN, edited_ms: None }
    }

    fn said() -> Said<'static> {
        Said {
            notices: vec![
                NoticeInput { id: 5, title: "Card payments via Stripe", created_ms: NOW - 90 * MIN, status: Some(UpdateStatus::Monitoring), resolved_ms: None },
                NoticeInput { id: 4, title: "DNS provider", created_ms: NOW - 2 * 1440 * MIN, status: Some(UpdateStatus::Resolved), resolved_ms: Some(NOW - 1440 * MIN) },
            ],
            updates: vec![
                update(12, About::Incident(7), UpdateStatus::Identified, "A **bad deploy**; rolling back.", 20),
                update(11, About::Incident(7), UpdateStatus::Investigating, "Checkout times out.", 35),
                update(13, About::Incident(7), UpdateStatus::Monitoring, "Rolled back. See https://status.example.com/x", 5),
                update(20, About::Notice(5), UpdateStatus::Monitoring, "Stripe says:\n- fixed\n- watching", 30),
                update(19, About::Notice(4), UpdateStatus::Resolved, "Done.", 1440),
                // An update of an incident the page does not show is not shown.
                update(99, About::Incident(1234), UpdateStatus::Resolved, "elsewhere", 1),
            ],
        }
    }

    #[test]
    fn timelines_are_newest_first_on_the_page_and_in_json() {
        let v = view_with(&page_input(), &said());
        let ids: Vec<i64> = v.incidents[0].updates.iter().map(|u| u.id).collect();
        assert_eq!(ids, [13, 12, 11]);
        assert!(v.incidents[1].updates.is_empty());
        assert_eq!(v.notices.iter().map(|n| (n.id, n.open)).collect::<Vec<_>>(), [(5, true), (4, false)]);
        let j = render_json(&v);
        assert_eq!(j["incidents"][0]["updates"][0]["status"], "monitoring");
        assert_eq!(j["incidents"][0]["updates"][1]["message_html"], "<p>A <strong>bad deploy</strong>; rolling back.</p>");
        assert_eq!(j["incidents"][0]["updates"][2]["created_at"], "2026-11-21T04:50:30.000Z");
        assert_eq!(j["notices"][0]["title"], "Card payments via Stripe");
        assert_eq!(j["notices"][1]["resolved_at"], "2026-11-20T05:25:30.000Z");
        // Without updates the JSON is the old one plus empty lists.
        let plain = render_json(&view(&page_input()));
        assert_eq!(plain["incidents"][0]["updates"], serde_json::json!([]));
        assert_eq!(plain["notices"], serde_json::json!([]));

        let html = render_html(&v);
        // Open notices and incidents at the top (before the monitors), past ones below.
        let active = html.find("Active incidents").unwrap();
        let past = html.find("Past incidents").unwrap();
        let (n5, i7, n4, i3) = ["id=notice-5", "id=incident-7", "id=notice-4", "id=incident-3"].map(|a| html.find(a).unwrap()).into();
        assert!(active < n5 && n5 < i7 && i7 < past && past < n4 && n4 < i3, "{html}");
        let (u13, u12, u11) = ["id=update-13", "id=update-12", "id=update-11"].map(|a| html.find(a).unwrap()).into();
        assert!(u13 < u12 && u12 < u11);
        assert!(html.contains("<span class=\"pill mp\">Monitoring</span><time datetime=\"2026-11-21T05:20:30.000Z\">Nov 21, 05:20 UTC</time>"));
        assert!(html.contains("<p>A <strong>bad deploy</strong>; rolling back.</p>"));
        assert!(html.contains("<a href=\"https://status.example.com/x\" rel=\"nofollow noopener ugc\">"));
        assert!(html.contains("<ul><li>fixed</li><li>watching</li></ul>"));
        assert!(!html.contains("elsewhere"));
    }

    #[test]
    fn hostile_updates_and_titles_come_out_inert() {
        let nasty = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "<a href=\"javascript:alert(1)\">x</a>"];
        for bad in nasty {
            let s = Said {
                notices: vec![NoticeInput { id: 1, title: bad, created_ms: NOW - MIN, status: Some(UpdateStatus::Investigating), resolved_ms: None }],
                updates: vec![update(1, About::Notice(1), UpdateStatus::Investigating, bad, 1), update(2, About::Incident(7), UpdateStatus::Identified, bad, 1)],
            };
            let v = view_with(&page_input(), &s);
            let html = render_html(&v);
            let feed = atom_feed_with("Acme", "acme", "https://s.example", &[], &feed_updates(&s), &[], NOW);
            for out in [&html, &feed] {
                assert!(!out.contains("<script>") && !out.contains("<img") && !out.contains("href=\"javascript"), "{bad}: {out}");
            }
            assert!(html.contains(&escape(bad)) || html.contains("[x](javascript:alert(1))"), "{bad}");
        }
    }

    fn feed_updates<'a>(s: &'a Said<'a>) -> Vec<FeedUpdate<'a>> {
        s.updates
            .iter()
            .map(|u| FeedUpdate { id: u.id, about: u.about, subject: "Checkout", status: u.status, message: u.message, created_ms: u.created_ms, edited_ms: u.edited_ms })
            .collect()
    }

    fn entry_ids(feed: &str) -> Vec<String> {
        feed.split("<entry>\n<id>").skip(1).map(|e| e.split("</id>").next().unwrap_or("").to_string()).collect()
    }

    #[test]
    fn feed_has_one_entry_per_update_with_ids_stable_across_rebuilds_and_edits() {
        let p = page_input();
        let s = said();
        let windows = [
            FeedWindow { id: 8, title: "Database upgrade", starts_ms: NOW + 1440 * MIN, ends_ms: NOW + 1500 * MIN, created_ms: NOW - 10 * MIN },
            FeedWindow { id: 6, title: "Over", starts_ms: NOW - 100 * MIN, ends_ms: NOW - 50 * MIN, created_ms: NOW - 200 * MIN },
        ];
        let feed = atom_feed_with("Acme", "acme", "https://s.example/", &p.incidents, &feed_updates(&s), &windows, NOW);
        let ids = entry_ids(&feed);
        for want in ["#update-11", "#update-12", "#update-13", "#update-20", "#incident-7", "#maintenance-8"] {
            assert_eq!(ids.iter().filter(|i| i.ends_with(want)).count(), 1, "{want} in {ids:?}");
        }
        assert!(!feed.contains("#maintenance-6"), "a window that is over is not announced");
        assert!(feed.contains("<title>Scheduled maintenance: Database upgrade</title>"));
        assert!(feed.contains("Database upgrade from Nov 22, 05:25 UTC to Nov 22, 06:25 UTC."));
        assert!(feed.contains("<title>Checkout: Identified</title>"));
        assert!(feed.contains("<link rel=\"alternate\" type=\"text/html\" href=\"https://s.example/status/acme#incident-7\"/>"));
        assert!(feed.contains("<content type=\"html\">&lt;p&gt;A &lt;strong&gt;bad deploy&lt;/strong&gt;; rolling back.&lt;/p&gt;</content>"));
        // Newest first: the update posted a minute ago, then the one of 5 minutes ago.
        assert!(ids[0].ends_with("#update-99") && ids[1].ends_with("#update-13"), "{ids:?}");
        // A rebuild later gives the same feed; an edit changes an entry's text and `updated`,
        // never any id.
        assert_eq!(feed, atom_feed_with("Acme", "acme", "https://s.example/", &p.incidents, &feed_updates(&s), &windows, NOW + 60 * MIN));
        let mut edited = said();
        edited.updates[0].message = "Edited: a bad config push.";
        edited.updates[0].edited_ms = Some(NOW);
        edited.updates[0].status = UpdateStatus::Monitoring;
        let again = atom_feed_with("Acme", "acme", "https://s.example/", &p.incidents, &feed_updates(&edited), &windows, NOW + MIN);
        let mut a = entry_ids(&again);
        let mut b = ids.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(again.contains("Edited: a bad config push.") && again.contains("<updated>2026-11-21T05:25:30.000Z</updated>"));
        assert!(entry_ids(&again)[0].ends_with("#update-12"), "the edited entry is now the newest change");
    }

    #[test]
    fn detail_page_shows_its_incidents_updates() {
        let input = DetailInput {
            project_name: "Acme",
            project_slug: "acme",
            now_ms: NOW,
            monitor: MonitorInput {
                id: 1,
                name: "Checkout",
                role: crate::core::monitor::Role::Core,
                interval_seconds: 60,
                status: None,
                slow: false,
                last_checked_ms: None,
                recent: &[],
                latency_points: &[],
                daily: &[],
                uptime: [None; 4],
            },
            incidents: page_input().incidents,
            maintenance: vec![],
        };
        let html = render_detail_view(&detail_view_with(&input, &said()));
        assert!(html.contains("id=update-13") && html.contains("A <strong>bad deploy</strong>"));
        assert!(!html.contains("id=notice-5"), "notices are the project page's");
    }
}
