//! Incident updates and notices in the dashboard (DESIGN.md §9, §10): an incident's page with
//! its updates and the form that posts one, the notices list with the form that opens one, a
//! notice's page, and the edit form of an update. The forms carry the API's field names.
use super::form::{def, FieldDef, FormState, Kind};
use super::html::{ago, button_form, csrf, error_summary, field, notice, page, select, Chrome, Field, Html, Input, Section};
use crate::core::markup;
use crate::core::notice::UpdateStatus;
use crate::core::text::{duration_ms, short_utc};
use crate::core::time::EpochMs;

pub const UPDATE_FIELDS: &[FieldDef] = &[def("status", Kind::Text), def("message", Kind::Text)];
pub const NOTICE_FIELDS: &[FieldDef] = &[def("title", Kind::Text), def("status", Kind::Text), def("message", Kind::Text)];
pub const TITLE_FIELDS: &[FieldDef] = &[def("title", Kind::Text)];

const MESSAGE_HINT: &str = "Shown on the public status page. Plain text with links, or **bold**, *italic*, `code`, [text](https://…) and lists (- item). HTML is shown as text.";

pub struct UpdateLine<'a> {
    pub id: i64,
    pub status: UpdateStatus,
    pub message: &'a str,
    pub created_ms: EpochMs,
    pub edited_ms: Option<EpochMs>,
}

fn status_options() -> Vec<(String, String)> {
    UpdateStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect()
}

fn pill(h: &mut Html, s: UpdateStatus) {
    let class = match s {
        UpdateStatus::Investigating => "d",
        UpdateStatus::Identified => "b",
        UpdateStatus::Monitoring => "n",
        UpdateStatus::Resolved => "u",
    };
    h.r("<span class=\"pill ").r(class).r("\">").r(s.label()).r("</span>");
}

/// The post-an-update form (`action` posts `{status, message}`).
fn update_form(h: &mut Html, token: &str, action: &str, state: &FormState, button: &'static str) {
    error_summary(h, state, &["status", "message"]);
    h.r("<form method=post class=\"card form\" action=\"").t(action).r("\">");
    csrf(h, token);
    select(h, state, "status", "Status", &status_options());
    field(h, state, Field::new("message", "Message", Input::Textarea).hint(MESSAGE_HINT).required());
    h.r("<button class=\"btn primary\">").r(button).r("</button></form>");
}

/// The updates, newest first, each with its edit link and delete button; the message as the
/// status page shows it.
fn updates_list(h: &mut Html, token: &str, now_ms: EpochMs, updates: &[UpdateLine]) {
    if updates.is_empty() {
        h.r("<p class=mut>No updates yet: the status page shows only what the checks saw.</p>");
        return;
    }
    h.r("<ol class=list>");
    for u in updates {
        h.r("<li id=\"update-").n(u.id).r("\">");
        pill(h, u.status);
        h.r(" <time datetime=\"").t(&crate::core::time::iso(u.created_ms)).r("\">").t(&short_utc(u.created_ms)).r("</time> <span class=mut>(").t(&ago(now_ms, u.created_ms)).r(")</span>");
        if u.edited_ms.is_some() {
            h.r(" <span class=mut>· edited</span>");
        }
        h.r("<div class=msg>");
        markup::write(h, u.message);
        h.r("</div><div class=actions><a href=\"/app/updates/").n(u.id).r("/edit\">Edit<span class=sr> this update</span></a>");
        button_form(h, token, &format!("/app/updates/{}/delete", u.id), "Delete", "link", Some("Delete this update? It disappears from the status page."));
        h.r("</div></li>");
    }
    h.r("</ol>");
}

pub struct IncidentThread<'a> {
    pub now_ms: EpochMs,
    pub id: i64,
    pub monitor_id: i64,
    pub monitor_name: &'a str,
    pub project_name: &'a str,
    pub project_slug: &'a str,
    pub project_public: bool,
    pub opened_ms: EpochMs,
    pub resolved_ms: Option<EpochMs>,
    /// The public category of its cause.
    pub cause: &'a str,
    pub updates: &'a [UpdateLine<'a>],
    pub state: &'a FormState,
    pub notice: Option<&'static str>,
}

/// `/app/incidents/{id}`: what the checks saw, what was said, and the form to say more.
pub fn incident_page(c: &Chrome, v: &IncidentThread) -> String {
    let title = format!("Incident on {}", v.monitor_name);
    page(&Chrome { section: Section::Monitors, ..*c }, &title, |h| {
        notice(h, v.notice);
        h.r("<p class=meta>");
        match v.resolved_ms {
            None => h.r("<span class=\"pill d\">Open</span> since ").t(&short_utc(v.opened_ms)).r(", ").t(&duration_ms(v.now_ms - v.opened_ms)).r(" so far"),
            Some(r) => h.r("<span class=\"pill u\">Resolved</span> ").t(&short_utc(v.opened_ms)).r(", lasted ").t(&duration_ms(r - v.opened_ms)),
        };
        h.r(" · ").t(v.cause).r(" · <a href=\"/app/monitors/").n(v.monitor_id).r("\">").t(v.monitor_name).r("</a> in ").t(v.project_name);
        if v.project_public {
            h.r(" · <a href=\"/status/").t(&crate::core::text::path_segment(v.project_slug)).r("#incident-").n(v.id).r("\">On the status page</a>");
        }
        h.r("</p><h2>Post an update</h2>");
        update_form(h, c.csrf, &format!("/app/incidents/{}/updates", v.id), v.state, "Post update");
        h.r("<h2>Updates</h2>");
        updates_list(h, c.csrf, v.now_ms, v.updates);
    })
}

pub struct NoticeLine<'a> {
    pub id: i64,
    pub title: &'a str,
    pub project: &'a str,
    pub status: Option<UpdateStatus>,
    pub open: bool,
    pub created_ms: EpochMs,
}

/// `/app/notices`: every notice of the user's projects, and the form that opens one.
pub fn notices_page(c: &Chrome, now_ms: EpochMs, list: &[NoticeLine], state: &FormState, projects: &[(i64, String)], note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Notices, ..*c }, "Notices", |h| {
        notice(h, note);
        h.r("<p class=mut>A notice is your own announcement on a project's status page, not tied to a detected incident: a planned change, an outage at a provider. It stays at the top of the page until an update says it is resolved.</p>");
        if !list.is_empty() {
            h.r("<div class=tw><table><thead><tr><th scope=col>Notice<th scope=col>Project<th scope=col>Status<th scope=col>Posted</thead><tbody>");
            for n in list {
                h.r("<tr><td><a href=\"/app/notices/").n(n.id).r("\">").t(n.title).r("</a><td>").t(n.project).r("<td>");
                match n.status {
                    Some(s) => pill(h, s),
                    None => {
                        h.r("–");
                    }
                }
                if n.open {
                    h.r(" <span class=mut>open</span>");
                }
                h.r("<td>").t(&ago(now_ms, n.created_ms));
            }
            h.r("</tbody></table></div>");
        }
        h.r("<h2>New notice</h2>");
        error_summary(h, state, &["project", "title", "status", "message"]);
        h.r("<form method=post action=/app/notices class=\"card form\">");
        csrf(h, c.csrf);
        let mut p: Vec<(String, String)> = projects.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
        if projects.len() != 1 {
            p.insert(0, (String::new(), "Choose a project".into()));
        }
        select(h, state, "project", "Project", &p);
        field(h, state, Field::new("title", "Title", Input::Text).hint("Like: Card payments delayed").required());
        select(h, state, "status", "Status", &status_options());
        field(h, state, Field::new("message", "First update", Input::Textarea).hint(MESSAGE_HINT).required());
        h.r("<button class=\"btn primary\">Post notice</button></form>");
    })
}

pub struct NoticeThread<'a> {
    pub now_ms: EpochMs,
    pub id: i64,
    pub title: &'a str,
    pub project_name: &'a str,
    pub open: bool,
    pub updates: &'a [UpdateLine<'a>],
    /// The post-an-update form and the rename form.
    pub state: &'a FormState,
    pub title_state: &'a FormState,
    pub notice: Option<&'static str>,
}

/// `/app/notices/{id}`.
pub fn notice_page(c: &Chrome, v: &NoticeThread) -> String {
    page(&Chrome { section: Section::Notices, ..*c }, v.title, |h| {
        notice(h, v.notice);
        h.r("<p class=meta>").r(if v.open { "<span class=\"pill d\">Open</span>" } else { "<span class=\"pill u\">Resolved</span>" }).r(" · ").t(v.project_name).r(" · <a href=/app/notices>All notices</a></p>");
        h.r("<h2>Post an update</h2>");
        update_form(h, c.csrf, &format!("/app/notices/{}/updates", v.id), v.state, "Post update");
        h.r("<h2>Updates</h2>");
        updates_list(h, c.csrf, v.now_ms, v.updates);
        h.r("<h2>Rename</h2>");
        error_summary(h, v.title_state, &["title"]);
        h.r("<form method=post class=\"card form\" action=\"/app/notices/").n(v.id).r("\">");
        csrf(h, c.csrf);
        field(h, v.title_state, Field::new("title", "Title", Input::Text).required());
        h.r("<button class=btn>Save title</button></form><div class=actions>");
        button_form(h, c.csrf, &format!("/app/notices/{}/delete", v.id), "Delete notice", "btn danger", Some("Delete this notice and its updates?"));
        h.r("</div>");
    })
}

/// `/app/updates/{id}/edit`: `back` is the incident's or notice's page.
pub fn edit_update_page(c: &Chrome, id: i64, back: &str, state: &FormState) -> String {
    page(&Chrome { section: Section::Monitors, ..*c }, "Edit update", |h| {
        h.r("<p class=mut>The update keeps the time it was posted; the status page marks it edited.</p>");
        update_form(h, c.csrf, &format!("/app/updates/{id}"), state, "Save update");
        h.r("<p><a href=\"").t(back).r("\">Cancel</a></p>");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::FieldError;

    fn chrome() -> Chrome<'static> {
        Chrome { username: "u", is_admin: false, csrf: "tok", section: Section::Monitors }
    }

    #[test]
    fn incident_page_posts_with_csrf_and_renders_updates_safely() {
        let updates = [UpdateLine { id: 9, status: UpdateStatus::Identified, message: "**bad** <script>x</script> [y](javascript:z)", created_ms: 0, edited_ms: Some(5) }];
        let mut state = FormState::from_pairs(&[("status", "monitoring"), ("message", "<b>kept</b>")]);
        state.error = Some(FieldError::new("message", "must be 1 to 5000 characters"));
        let html = incident_page(
            &chrome(),
            &IncidentThread {
                now_ms: 60_000,
                id: 7,
                monitor_id: 3,
                monitor_name: "<i>API</i>",
                project_name: "P",
                project_slug: "p",
                project_public: true,
                opened_ms: 0,
                resolved_ms: None,
                cause: "timeout",
                updates: &updates,
                state: &state,
                notice: None,
            },
        );
        assert!(html.contains("action=\"/app/incidents/7/updates\"") && html.contains("name=csrf value=\"tok\""));
        assert!(html.contains("<strong>bad</strong> &lt;script&gt;x&lt;/script&gt; [y](javascript:z)"), "{html}");
        assert!(!html.contains("<script>x") && !html.contains("<i>API") && !html.contains("href=\"javascript"));
        assert!(html.contains("<option value=\"monitoring\" selected>Monitoring</option>"));
        assert!(html.contains("&lt;b&gt;kept&lt;/b&gt;</textarea>"), "input kept");
        assert!(html.contains("<p class=err id=e-message>must be 1 to 5000 characters</p>"), "error next to the field");
        assert!(html.contains("href=\"/app/updates/9/edit\"") && html.contains("action=\"/app/updates/9/delete\""));
        assert!(html.contains("href=\"/status/p#incident-7\""));
    }

    #[test]
    fn notices_pages() {
        let list = [NoticeLine { id: 4, title: "<b>t</b>", project: "P", status: Some(UpdateStatus::Resolved), open: false, created_ms: 0 }];
        let html = notices_page(&chrome(), 1000, &list, &FormState::default(), &[(1, "P".into()), (2, "Q".into())], Some("Created."));
        assert!(html.contains("href=\"/app/notices/4\">&lt;b&gt;t&lt;/b&gt;</a>") && html.contains("Choose a project"));
        assert!(html.contains("action=/app/notices") && html.contains("name=title") && html.contains("name=message"));
        let html = notice_page(
            &chrome(),
            &NoticeThread { now_ms: 0, id: 4, title: "T", project_name: "P", open: true, updates: &[], state: &FormState::default(), title_state: &FormState::from_pairs(&[("title", "T")]), notice: None },
        );
        assert!(html.contains("action=\"/app/notices/4/updates\"") && html.contains("action=\"/app/notices/4\"") && html.contains("action=\"/app/notices/4/delete\""));
        assert!(edit_update_page(&chrome(), 9, "/app/notices/4", &FormState::default()).contains("action=\"/app/updates/9\""));
    }
}
