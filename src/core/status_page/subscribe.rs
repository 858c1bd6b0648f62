//! The subscribe form on the status page and the pages its links answer with (DESIGN.md §9):
//! plain HTML forms that work without JavaScript, styled by the page's stylesheet.
use super::html::head;
use super::view::PageView;
use crate::core::buckets::SiteStatus;
use crate::core::subscribers::EMAIL_MAX;
use crate::core::text::{path_segment, Html};

/// The "Get email updates" card: an address and, folded away, a choice of monitors.
pub(super) fn form_html(h: &mut Html, v: &PageView) {
    let action = format!("/status/{}/subscribe", path_segment(&v.project.slug));
    h.r("<section class=\"card sb\" id=subscribe aria-labelledby=sb-h><h2 id=sb-h>Get email updates</h2><form method=post action=\"")
        .t(&action)
        .r("\"><p class=mut>An email when an incident opens or resolves and when an update is posted. You confirm by email first, and every email has a one-click unsubscribe.</p>")
        .r("<div class=sf><label for=sb-email>Email address</label><input id=sb-email type=email name=email required autocomplete=email maxlength=")
        .n(EMAIL_MAX as i64)
        .r(" placeholder=\"you@example.com\"><button type=submit>Subscribe</button></div>");
    if v.monitors.len() > 1 {
        h.r("<details><summary>Only some monitors</summary><fieldset><legend>Monitors (none ticked: all of them)</legend>");
        for m in &v.monitors {
            h.r("<label><input type=checkbox name=monitors value=").n(m.id).r("> ").t(&m.name).r("</label>");
        }
        h.r("</fieldset></details>");
    }
    h.r("</form></section>");
}

/// A form on an answer page: where it posts, its button, its hidden fields.
#[derive(Debug, Clone)]
pub struct AnswerForm<'a> {
    pub action: String,
    pub button: &'static str,
    pub hidden: Vec<(&'static str, &'a str)>,
}

/// An answer page of the subscription flow (subscribed, confirm, unsubscribe, refused).
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    pub project_name: &'a str,
    pub slug: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub form: Option<AnswerForm<'a>>,
}

pub fn answer_html(a: &Answer<'_>) -> String {
    let mut h = Html::with_capacity(9_000);
    head(&mut h, &format!("{} · {} status", a.title, a.project_name), a.slug, SiteStatus::Unknown);
    let page = format!("/status/{}", path_segment(a.slug));
    h.r("<header class=hd><div><a href=\"").t(&page).r("\">← ").t(a.project_name).r(" status</a></div></header><main><section class=\"card sb\"><h1>")
        .t(a.title)
        .r("</h1><p>")
        .t(a.message)
        .r("</p>");
    if let Some(f) = &a.form {
        h.r("<form method=post action=\"").t(&f.action).r("\">");
        for (name, value) in &f.hidden {
            h.r("<input type=hidden name=\"").t(name).r("\" value=\"").t(value).r("\">");
        }
        h.r("<button type=submit>").r(f.button).r("</button></form>");
    }
    h.r("</section></main></div></body></html>");
    h.finish()
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::monitor::Role;
    use crate::core::status_page::{render_html, render_html_with, view, MonitorInput, PageInput};

    fn monitor(id: i64, name: &str) -> MonitorInput<'_> {
        MonitorInput { id, name, role: Role::Core, interval_seconds: 60, status: None, slow: false, last_checked_ms: None, recent: &[], latency_points: &[], daily: &[], uptime: [None; 4] }
    }

    #[test]
    fn the_form_shows_only_when_subscriptions_are_on_and_escapes_names() {
        let input = PageInput { project_name: "Acme", project_slug: "acme co", now_ms: 1_795_238_700_000, monitors: vec![monitor(3, "API <b>"), monitor(9, "Web\"x")], incidents: vec![], maintenance: vec![] };
        let v = view(&input);
        let off = render_html_with(&v, false);
        assert_eq!(off, render_html(&v));
        assert!(!off.contains("/subscribe") && !off.contains("type=email"));
        let on = render_html_with(&v, true);
        assert!(on.contains("<form method=post action=\"/status/acme%20co/subscribe\">"), "{on}");
        assert!(on.contains("<label for=sb-email>Email address</label><input id=sb-email type=email name=email required"), "a visible label");
        assert!(on.contains("name=monitors value=3> API &lt;b&gt;</label>") && on.contains("value=9> Web&quot;x</label>"), "{on}");
        assert!(!on.contains("<b>"));
        // One monitor: nothing to choose.
        let one = PageInput { monitors: vec![monitor(3, "API")], ..input };
        assert!(!render_html_with(&view(&one), true).contains("<details>"));
    }

    #[test]
    fn answer_pages_escape_everything() {
        let form = AnswerForm { action: String::from("/status/a/unsubscribe?t=1.0.x&y=\"z\""), button: "Unsubscribe", hidden: vec![("t", "\"><script>")] };
        let html = answer_html(&Answer { project_name: "<i>Acme</i>", slug: "a", title: "Unsubscribe", message: "Stop <now>?", form: Some(form) });
        for raw in ["<i>", "<script>", "<now>"] {
            assert!(!html.contains(raw), "{raw} in {html}");
        }
        assert!(html.contains("action=\"/status/a/unsubscribe?t=1.0.x&amp;y=&quot;z&quot;\""), "{html}");
        assert!(html.contains("<input type=hidden name=\"t\" value=\"&quot;&gt;&lt;script&gt;\">"));
        assert!(html.ends_with("</section></main></div></body></html>"));
    }
}
