//! Host tests of the status page: views, HTML, JSON, badges, feed and sizes.
use serde_json::{json, Value};

use super::timeline::*;
use super::html::*;
use super::view::*;
use super::*;
use crate::core::buckets::{BucketState, CheckPoint, SiteStatus};
use crate::core::uptime::{day_start, exact_percentile, Rollup, DAY_MS};
use crate::core::text::escape;

const MIN: i64 = 60_000;
/// 2026-11-21T05:25:30Z: 30 s into a minute.
const NOW: i64 = 1_795_238_730_000;

fn up_every(interval_s: u32, from_min: i64, to_min: i64) -> Vec<CheckPoint> {
    let step = i64::from(interval_s) * 1000;
    let mut t = NOW - from_min * MIN;
    let mut out = vec![];
    while t <= NOW - to_min * MIN {
        out.push(CheckPoint { at_ms: t, status: CheckStatus::Up, slow: false });
        t += step;
    }
    out
}

fn mon<'a>(name: &'a str, role: Role, status: Option<CheckStatus>, recent: &'a [CheckPoint]) -> MonitorInput<'a> {
    MonitorInput {
        id: 1,
        name,
        role,
        interval_seconds: 300,
        status,
        slow: false,
        last_checked_ms: status.map(|_| NOW - MIN),
        recent,
        latency_points: &[],
        daily: &[],
        uptime: [None; 4],
    }
}

fn page<'a>(monitors: Vec<MonitorInput<'a>>) -> PageInput<'a> {
    PageInput { project_name: "Acme", project_slug: "acme", now_ms: NOW, monitors, incidents: vec![], maintenance: vec![] }
}

#[test]
fn banner_for_every_site_status() {
    use CheckStatus::{BotDetected as Bot, Down, Timeout, Up};
    let c = |s| mon("core", Role::Core, Some(s), &[]);
    let sup = |s| mon("supp", Role::Supplementary, Some(s), &[]);
    let none = mon("never", Role::Core, None, &[]);
    let mut stale = mon("stale", Role::Core, Some(Up), &[]);
    stale.last_checked_ms = Some(NOW - 11 * MIN); // interval 300 s: stale after 10 min
    let mut slow = c(Up);
    slow.slow = true;
    let cases: Vec<(&str, Vec<MonitorInput>, SiteStatus, &str)> = vec![
        ("all up", vec![c(Up), sup(Up)], SiteStatus::Up, "All systems operational"),
        ("core slow", vec![c(Up), slow], SiteStatus::Degraded, "Some systems degraded"),
        ("core bot", vec![c(Bot)], SiteStatus::Degraded, "Some systems degraded"),
        ("supplementary down", vec![c(Up), sup(Down)], SiteStatus::Degraded, "Some systems degraded"),
        ("every core down", vec![c(Down), c(Timeout), sup(Up)], SiteStatus::Down, "Major outage"),
        ("one core down", vec![c(Down), c(Up)], SiteStatus::Down, "Partial outage"),
        ("no monitors", vec![], SiteStatus::Unknown, "No data yet"),
        ("never checked", vec![none.clone()], SiteStatus::Unknown, "No data yet"),
        ("only stale data", vec![stale.clone()], SiteStatus::Unknown, "No recent data"),
        ("stale core ignored next to fresh", vec![stale, c(Up)], SiteStatus::Up, "All systems operational"),
    ];
    for (name, monitors, status, text) in cases {
        let v = view(&page(monitors));
        assert_eq!(v.status, status, "{name}");
        assert_eq!(v.status_text, text, "{name}");
        let html = render_html(&v);
        assert!(html.contains(&format!("<strong>{text}</strong>")), "{name}: banner text in HTML");
        assert_eq!(render_json(&v)["status"], json!(format!("{status:?}").to_uppercase()), "{name}");
    }
}

#[test]
fn monitor_state_words_and_staleness() {
    let cases = [
        (Some(CheckStatus::Up), false, 1, "Operational", BucketState::Up),
        (Some(CheckStatus::Up), true, 1, "Slow", BucketState::Slow),
        (Some(CheckStatus::Down), true, 1, "Down", BucketState::Down),
        (Some(CheckStatus::Timeout), false, 1, "Not responding", BucketState::Down),
        (Some(CheckStatus::BotDetected), false, 1, "Bot wall", BucketState::Bot),
        (Some(CheckStatus::Up), false, 11, "No data", BucketState::Unknown),
        (None, false, 1, "No data", BucketState::Unknown),
    ];
    for (status, slow, age_min, word, state) in cases {
        let mut m = mon("m", Role::Core, status, &[]);
        m.slow = slow;
        m.last_checked_ms = Some(NOW - age_min * MIN);
        let v = view(&page(vec![m]));
        assert_eq!((v.monitors[0].state_text, v.monitors[0].state), (word, state), "{status:?} slow={slow} age={age_min}");
        assert!(render_html(&v).contains(&format!("{word}</span></div>")));
        let fresh = fresh_status(status, Some(NOW - age_min * MIN), 300, NOW);
        assert_eq!(fresh.is_some(), state != BucketState::Unknown);
    }
}

#[test]
fn heartbeats_stay_fresh_until_their_deadline_and_the_sweep() {
    const H: i64 = 3600;
    // (heartbeat, interval s, grace s, deadline after the last check s) -> the interval the rule uses
    type Case = (bool, i64, Option<i64>, Option<i64>, u32);
    let cases: [Case; 7] = [
        (false, 300, None, None, 300),
        (false, 30, None, None, 60),
        (false, 7 * 24 * H, None, None, 86_400), // probed: clamped to a day, as before
        (true, 24 * H, Some(H), Some(25 * H), (25 * 3600 + 120) / 2),
        // A weekly cron heartbeat: its deadline, not its stored interval, decides.
        (true, 24 * H, Some(H), Some(7 * 24 * H + H), ((7 * 24 + 1) * 3600 + 120) / 2),
        // No deadline known (never pinged, or paused): period + grace.
        (true, 600, None, None, (600 + 3600 + 120) / 2),
        (true, 60, Some(60), Some(0), 120), // a deadline not after the check: period + grace
    ];
    for (heartbeat, interval, grace, deadline_after, want) in cases {
        let last = NOW - 10 * MIN;
        let got = freshness_interval(heartbeat, interval, grace, Some(last), deadline_after.map(|s| last + s * 1000));
        assert_eq!(got, want, "{heartbeat} {interval} {grace:?} {deadline_after:?}");
    }
    // A weekly heartbeat pinged 5 days ago is still UP, and stops counting after its deadline
    // plus the sweep's margin.
    let last = NOW - 5 * 24 * H * 1000;
    let interval = freshness_interval(true, 24 * H, Some(H), Some(last), Some(last + (7 * 24 + 1) * H * 1000));
    assert_eq!(fresh_status(Some(CheckStatus::Up), Some(last), interval, NOW), Some(CheckStatus::Up));
    let late = NOW + (2 * 24 + 1) * H * 1000 + 121_000;
    assert_eq!(fresh_status(Some(CheckStatus::Up), Some(last), interval, late), None);
}

#[test]
fn forward_fill_and_unknown_gaps_reach_the_html() {
    // 300 s monitor checked every 5 minutes for 5 hours: forward fill
    // makes the whole 4 hours one green run.
    let steady = up_every(300, 300, 0);
    let v = view(&page(vec![mon("steady", Role::Core, Some(CheckStatus::Up), &steady)]));
    let m = &v.monitors[0];
    assert_eq!(m.timeline.len(), 1);
    assert_eq!((m.timeline[0].state, m.timeline[0].minutes), (BucketState::Up, 240));
    let html = render_html(&v);
    assert!(html.contains("aria-label=\"Last 4 hours: 240 minutes up\""));
    assert!(html.contains("<i class=u style=flex:240 title=\"01:26–05:25 up\"></i>"), "{html}");

    // Same monitor with no checks between 120 and 60 minutes ago: the
    // last check before the gap stays fresh for 10 minutes, then gray.
    let mut gap = up_every(300, 300, 121);
    gap.extend(up_every(300, 60, 0));
    let v = view(&page(vec![mon("gap", Role::Core, Some(CheckStatus::Up), &gap)]));
    let m = &v.monitors[0];
    let states: Vec<(BucketState, u32)> = m.timeline.iter().map(|r| (r.state, r.minutes)).collect();
    assert_eq!(m.timeline_minutes.unknown, states.iter().filter(|s| s.0 == BucketState::Unknown).map(|s| s.1).sum::<u32>());
    assert_eq!(states.len(), 3, "{states:?}");
    assert_eq!(states[1].0, BucketState::Unknown);
    assert_eq!(states.iter().map(|s| s.1).sum::<u32>(), 240);
    let html = render_html(&v);
    let label = timeline_label(&m.timeline_minutes);
    assert!(label.ends_with(&format!(", {} unknown", states[1].1)), "{label}");
    assert!(html.contains(&format!("aria-label=\"{label}\"")));
    assert!(html.contains(&format!("<i class=n style=flex:{}", states[1].1)));
    // JSON carries the runs with ISO bounds.
    let j = render_json(&v);
    assert_eq!(j["monitors"][0]["timeline"][1]["state"], "unknown");
    assert_eq!(j["monitors"][0]["timeline"][0]["from"], "2026-11-21T01:26:00.000Z");
    assert_eq!(j["monitors"][0]["timeline"][2]["to"], "2026-11-21T05:25:30.000Z");
}

#[test]
fn uptime_strings() {
    let cases = [
        (None, "—"),
        (Some(1.0), "100%"),
        (Some(0.9995), "99.95%"),
        (Some(0.99999), "99.99%"), // never rounds up to 100
        (Some(0.999_999_999_9), "99.99%"),
        (Some(0.5), "50.00%"),
        (Some(0.0), "0.00%"),
        (Some(1368.0 / 1440.0), "95.00%"),
        (Some(0.123456), "12.34%"),
        (Some(f64::NAN), "—"),
    ];
    for (v, want) in cases {
        assert_eq!(uptime_text(v), want, "{v:?}");
    }
    let mut m = mon("m", Role::Core, Some(CheckStatus::Up), &[]);
    m.uptime = [Some(0.9995), Some(1.0), None, Some(0.98765)];
    let v = view(&page(vec![m]));
    let texts: Vec<&str> = v.monitors[0].uptime.iter().map(|u| u.text.as_str()).collect();
    assert_eq!(texts, ["99.95%", "100%", "—", "98.76%"]);
    let html = render_html(&v);
    assert!(html.contains("<div><dt>24h</dt><dd>99.95%</dd></div><div><dt>7d</dt><dd>100%</dd></div><div><dt>30d</dt><dd>—</dd></div>"));
}

#[test]
fn incidents_ordered_with_durations_and_public_causes() {
    let mut p = page(vec![mon("api", Role::Core, Some(CheckStatus::Down), &[])]);
    p.incidents = vec![
        IncidentInput { id: 1, monitor_name: "api", opened_ms: NOW - 3 * DAY_MS, resolved_ms: Some(NOW - 3 * DAY_MS + 125 * MIN), kind: Some(FailureKind::Status), http_status: Some(503) },
        IncidentInput { id: 3, monitor_name: "api", opened_ms: NOW - 47 * MIN, resolved_ms: None, kind: Some(FailureKind::Timeout), http_status: None },
        IncidentInput { id: 2, monitor_name: "web", opened_ms: NOW - DAY_MS, resolved_ms: Some(NOW - DAY_MS + 30_000), kind: Some(FailureKind::Dns), http_status: None },
    ];
    let v = view(&p);
    let got: Vec<(i64, bool, &str, &str)> = v.incidents.iter().map(|i| (i.id, i.ongoing, i.duration_text.as_str(), i.cause)).collect();
    assert_eq!(
        got,
        [(3, true, "47m", "timeout"), (2, false, "30s", "DNS error"), (1, false, "2h 5m", "server error (5xx)")]
    );
    let html = render_html(&v);
    assert!(html.contains("Active incidents"));
    assert!(html.contains("<li id=incident-3><b>api</b><span class=\"pill d\">Ongoing</span>"));
    assert!(html.contains("47m so far"));
    assert!(html.contains("lasted 2h 5m"));
    // Without incidents: no active section, a calm past section.
    let html = render_html(&view(&page(vec![])));
    assert!(!html.contains("Active incidents"));
    assert!(html.contains("No recent incidents."));
}

#[test]
fn maintenance_active_and_upcoming_shown_past_dropped() {
    let mut p = page(vec![]);
    p.maintenance = vec![
        MaintenanceInput { title: "Later", starts_ms: NOW + DAY_MS, ends_ms: NOW + DAY_MS + 60 * MIN },
        MaintenanceInput { title: "Over", starts_ms: NOW - 120 * MIN, ends_ms: NOW - 60 * MIN },
        MaintenanceInput { title: "Now", starts_ms: NOW - 10 * MIN, ends_ms: NOW + 50 * MIN },
        MaintenanceInput { title: "Backwards", starts_ms: NOW + 10 * MIN, ends_ms: NOW + 5 * MIN },
    ];
    let v = view(&p);
    let got: Vec<(&str, bool)> = v.maintenance.iter().map(|m| (m.title.as_str(), m.active)).collect();
    assert_eq!(got, [("Now", true), ("Later", false)]);
    let html = render_html(&v);
    assert!(html.contains("Scheduled maintenance"));
    assert!(html.contains("<b>Now</b><span class=\"pill mp\">In progress</span><div class=mut>Until <time datetime=\"2026-11-21T06:15:30.000Z\">Nov 21, 06:15 UTC</time>"));
    assert!(html.contains("<b>Later</b><span class=\"pill mp\">Upcoming</span>"));
    assert!(!html.contains("Over"));
    assert_eq!(render_json(&v)["maintenance"][0]["active"], true);
    assert!(!render_html(&view(&page(vec![]))).contains("Scheduled maintenance"));
}

#[test]
fn daily_bars_cover_90_days_with_states() {
    let today = day_start(NOW);
    let day = |d: i64, up: u32, down: u32, bot: u32, slow: u32| {
        let mut r = Rollup::default();
        r.add_minutes(&vec![BucketState::Up; up as usize]);
        r.add_minutes(&vec![BucketState::Down; down as usize]);
        r.add_minutes(&vec![BucketState::Bot; bot as usize]);
        for i in 0..10 {
            r.add_check(CheckStatus::Up, i < slow, Some(100));
        }
        (today - d * DAY_MS, r)
    };
    let daily = vec![
        day(120, 1440, 0, 0, 0), // too old: ignored
        day(89, 1440, 0, 0, 0),
        day(10, 1420, 20, 0, 0), // 98.6% -> down
        day(9, 1430, 10, 0, 0),  // 99.3% -> degraded
        day(8, 1400, 0, 40, 0),  // bot minutes -> degraded
        day(7, 1440, 0, 0, 1),   // 1 in 10 slow -> degraded
        day(6, 0, 0, 1440, 0),   // only bot -> degraded
        day(0, 325, 0, 0, 0),    // today, partial
    ];
    let mut m = mon("m", Role::Core, Some(CheckStatus::Up), &[]);
    m.daily = &daily;
    let v = view(&page(vec![m]));
    let d = &v.monitors[0].daily;
    assert_eq!(d.len(), 90);
    assert_eq!(d[89].date, today);
    let at = |ago: usize| d[89 - ago].state;
    assert_eq!(at(89), DayState::Up);
    assert_eq!(at(10), DayState::Down);
    assert_eq!(at(9), DayState::Degraded);
    assert_eq!(at(8), DayState::Degraded);
    assert_eq!(at(7), DayState::Degraded);
    assert_eq!(at(6), DayState::Degraded);
    assert_eq!(at(5), DayState::NoData);
    assert_eq!(at(0), DayState::Up);
    let html = render_html(&v);
    assert!(html.contains("title=\"Nov 11: 20m down (98.61%)\""), "{html}");
    assert!(html.contains("aria-label=\"Last 90 days: 2 days operational, 4 days degraded, 1 day with an outage, 83 days without data\""));
    // JSON: up and no-data days merge into runs, the others stay single.
    let j = render_json(&v);
    let runs: Vec<(String, String, String)> = j["monitors"][0]["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["from"].as_str().unwrap().to_string(), r["to"].as_str().unwrap().to_string(), r["state"].as_str().unwrap().to_string()))
        .collect();
    let want = [
        ("2026-08-24", "2026-08-24", "up"),
        ("2026-08-25", "2026-11-10", "nodata"),
        ("2026-11-11", "2026-11-11", "down"),
        ("2026-11-12", "2026-11-12", "degraded"),
        ("2026-11-13", "2026-11-13", "degraded"),
        ("2026-11-14", "2026-11-14", "degraded"),
        ("2026-11-15", "2026-11-15", "degraded"),
        ("2026-11-16", "2026-11-20", "nodata"),
        ("2026-11-21", "2026-11-21", "up"),
    ];
    let want: Vec<(String, String, String)> = want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(runs, want);
    assert_eq!(DayState::of(&daily[2].1), DayState::Down);
    assert_eq!(DayState::of(&Rollup::default()), DayState::NoData);
    assert_eq!(j["monitors"][0]["daily"][0]["uptime"], 1.0);
    assert_eq!(j["monitors"][0]["daily"][1]["uptime"], Value::Null);
    assert_eq!(j["monitors"][0]["daily"][2]["uptime"], 0.986111);
    // The detail page shows one element per day.
    let detail = render_detail_html(&DetailInput {
        project_name: "Acme",
        project_slug: "acme",
        now_ms: NOW,
        monitor: { let mut m = mon("m", Role::Core, Some(CheckStatus::Up), &[]); m.daily = &daily; m },
        incidents: vec![],
        maintenance: vec![],
    });
    let bar = detail.split("<div class=\"bar dy\"").nth(1).unwrap().split("</div>").next().unwrap();
    assert_eq!(bar.matches("<i ").count(), 90);
}

#[test]
fn sparkline_path() {
    let cases: Vec<(Vec<Option<u32>>, &str)> = vec![
        (vec![], ""),
        (vec![None, None], ""),
        (vec![Some(10)], "M1 2l0 0"),
        (vec![Some(0), Some(10), Some(5)], "M1 30l2-28 2 14"),
        (vec![Some(10), None, Some(10), Some(0)], "M1 2l0 0m4 0l2 28"),
        (vec![Some(10), Some(10), None, Some(0)], "M1 2l2 0m4 28l0 0"),
    ];
    for (series, want) in cases {
        let mut padded = series.clone();
        padded.resize(48, None);
        assert_eq!(spark_path(&padded, 96, 32, 0), want, "{series:?}");
    }
    // Bridging: one missing bin is drawn across when allowed, two are not.
    let s = [Some(10), None, Some(10), None, None, Some(0)];
    assert_eq!(spark_path(&s, 12, 32, 1), "M1 2l4 0m6 28l0 0");
    assert_eq!(spark_path(&s, 12, 32, 2), "M1 2l4 0 6 28");
    let pts = [(NOW - 3 * MIN, 100), (NOW - 2 * MIN, 300), (NOW - 5 * 60 * MIN, 9999), (NOW + MIN, 9999)];
    let v = latency_view(&pts, 60, NOW, 48);
    assert_eq!((v.min_ms, v.avg_ms, v.max_ms), (Some(100), Some(200), Some(300)));
    assert_eq!(v.series.iter().flatten().count(), 1, "both points share the last 5-minute bin");
    assert_eq!(v.series[47], Some(200));
    assert_eq!(latency_view(&pts, 60, NOW, SPARK_BINS).series.len(), SPARK_BINS);
}

#[test]
fn public_cause_categories() {
    use FailureKind::*;
    // (kind, HTTP status of the failing answer, public words). The old text-prefix table's
    // rows, by the kind the classifier gives that text; "check failed" for unknown kinds.
    let cases = [
        (Some(Timeout), None, "timeout"),
        (Some(BotWall), Some(403), "bot wall"),
        (Some(BotWall), Some(200), "bot wall"),
        (Some(Dns), None, "DNS error"),
        (Some(Tls), None, "TLS error"),
        (Some(Connection), None, "connection error"),
        (Some(TooManyRedirects), None, "request refused"),
        (Some(RefusedTarget), None, "request refused"),
        (Some(InvalidRequest), None, "request refused"),
        (Some(BodyMissing), Some(200), "content check failed"),
        (Some(Status), Some(503), "server error (5xx)"),
        (Some(Status), Some(404), "client error (4xx)"),
        (Some(Status), Some(301), "unexpected redirect (3xx)"),
        (Some(Status), Some(200), "unexpected status"),
        (Some(Status), Some(502), "server error (5xx)"),
        (None, None, "check failed"),
        (None, Some(503), "check failed"),
    ];
    for (kind, status, want) in cases {
        assert_eq!(public_cause(kind, status), want, "{kind:?} {status:?}");
    }
}

/// The page's one script is the optional local-time one, from its own origin (DESIGN.md §9).
/// Strips exactly that tag (it must be there), so any other `<script` left is a failure.
fn strip_local_time_script(html: &str) -> String {
    let start = html.find("<script src=\"/assets/local-time.js?v=").expect("the local-time script tag");
    let end = start + html[start..].find("</script>").expect("closed") + "</script>".len();
    let tag = &html[start..end];
    assert!(tag.ends_with("\" defer></script>") && tag[1..].find('<') == Some(tag.len() - 10), "{tag}");
    format!("{}{}", &html[..start], &html[end..])
}

const NASTY: [&str; 3] = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "a'b&c"];

#[test]
fn user_text_is_escaped_everywhere() {
    let checks = up_every(60, 250, 0);
    for nasty in NASTY {
        let mut p = page(vec![mon(nasty, Role::Core, Some(CheckStatus::Up), &checks)]);
        p.project_name = nasty;
        p.incidents = vec![IncidentInput { id: 1, monitor_name: nasty, opened_ms: NOW - MIN, resolved_ms: None, kind: None, http_status: None }];
        p.maintenance = vec![MaintenanceInput { title: nasty, starts_ms: NOW - MIN, ends_ms: NOW + MIN }];
        let html = strip_local_time_script(&render_html(&view(&p)));
        let detail = strip_local_time_script(&render_detail_html(&DetailInput {
            project_name: nasty,
            project_slug: "acme",
            now_ms: NOW,
            monitor: mon(nasty, Role::Core, Some(CheckStatus::Up), &checks),
            incidents: p.incidents.clone(),
            maintenance: p.maintenance.clone(),
        }));
        let badge = badge_svg(nasty, nasty, nasty);
        let feed = atom_feed(nasty, "acme", "https://status.example.com/", &p.incidents, NOW);
        for (what, out) in [("page", &html), ("detail", &detail), ("badge", &badge), ("feed", &feed)] {
            assert!(!out.contains(nasty), "{what}: raw {nasty:?} leaked");
            assert!(out.contains(&escape(nasty)), "{what}: escaped {nasty:?} missing");
            assert!(!out.contains("<b>bold"), "{what}: raw cause leaked");
            assert!(!out.contains("&lt;b&gt;bold"), "{what}: raw cause shown even escaped");
            assert!(!out.contains("<script") && !out.contains("<img"), "{what}: markup injected");
        }
    }
    // The only way the page itself could run script: its one optional script aside.
    let html = strip_local_time_script(&render_html(&view(&sample_data(5, NOW).input())));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains(" on") || !html.contains("onerror"));
}

#[test]
fn slug_cannot_break_out_of_urls() {
    let mut p = page(vec![mon("m", Role::Core, Some(CheckStatus::Up), &[])]);
    p.project_slug = "a\"b/../c d";
    let html = render_html(&view(&p));
    assert!(html.contains("href=\"/status/a%22b%2F..%2Fc%20d.json\""));
    assert!(!html.contains("a\"b"));
}

#[test]
fn no_raw_causes_or_urls_leak() {
    // Incident input has no raw text at all (only a kind): what could leak is whatever
    // the page builds around it.
    let mut p = page(vec![mon("api", Role::Core, Some(CheckStatus::Down), &[])]);
    p.incidents = vec![
        IncidentInput { id: 1, monitor_name: "api", opened_ms: NOW - MIN, resolved_ms: None, kind: Some(FailureKind::Connection), http_status: None },
        IncidentInput { id: 2, monitor_name: "api", opened_ms: NOW - DAY_MS, resolved_ms: Some(NOW - DAY_MS + MIN), kind: None, http_status: None },
    ];
    let v = view(&p);
    let outputs = [
        ("page", render_html(&v)),
        ("json", render_json(&v).to_string()),
        ("feed", atom_feed("Acme", "acme", "https://status.example.com", &p.incidents, NOW)),
        (
            "detail",
            render_detail_html(&DetailInput {
                project_name: "Acme",
                project_slug: "acme",
                now_ms: NOW,
                monitor: mon("api", Role::Core, Some(CheckStatus::Down), &[]),
                incidents: p.incidents.clone(),
                maintenance: vec![],
            }),
        ),
    ];
    for (what, out) in &outputs {
        for leak in ["10.0.0.1", "token=abc", "secret"] {
            assert!(!out.contains(leak), "{what} leaks {leak}");
        }
        assert!(out.contains("connection error"), "{what} shows the category");
    }
}

#[test]
fn json_has_the_page_data() {
    let data = sample_data(3, NOW);
    let v = view(&data.input());
    let j = render_json(&v);
    assert_eq!(j["project"], json!({"name": "Acme Cloud", "slug": "acme"}));
    assert_eq!(j["updated_at"], "2026-11-21T05:25:30.000Z");
    let text: Value = serde_json::from_str(&render_json_string(&v)).unwrap();
    assert_eq!(text, j, "render_json_string is the same document");
    let m = &j["monitors"][0];
    for key in ["id", "name", "role", "status", "state", "state_text", "last_checked_at", "timeline", "timeline_minutes", "daily", "uptime", "latency"] {
        assert!(!m[key].is_null() || key == "status", "monitor key {key}");
    }
    assert!(m["latency"].get("path").is_none(), "SVG path stays out of the JSON");
    assert_eq!(m["latency"]["series"].as_array().map(Vec::len), Some(SPARK_BINS));
    let minutes: u64 = m["timeline"].as_array().unwrap().iter().map(|r| r["minutes"].as_u64().unwrap()).sum();
    assert_eq!(minutes, 240);
    assert_eq!(m["uptime"][0]["window"], "24h");
    assert_eq!(j["incidents"][0]["cause"], "timeout");
    assert_eq!(j["maintenance"][0]["title"], "Database upgrade");
}

#[test]
fn detail_page_has_percentiles_and_incidents() {
    let data = sample_data(1, NOW);
    let p = data.input();
    let d = DetailInput {
        project_name: p.project_name,
        project_slug: p.project_slug,
        now_ms: NOW,
        monitor: p.monitors[0].clone(),
        incidents: p.incidents.clone(),
        maintenance: vec![],
    };
    let v = detail_view(&d);
    let windows: Vec<&str> = v.latency_stats.iter().map(|s| s.window).collect();
    assert_eq!(windows, ["4h", "7d", "30d", "90d"]);
    let exact: Vec<u32> = data.latencies[0].iter().filter(|(t, _)| *t >= window_start(NOW)).map(|p| p.1).collect();
    assert_eq!(v.latency_stats[0].p95_ms, exact_percentile(&exact, 0.95));
    assert!(v.latency_stats.iter().all(|s| s.p50_ms.is_some() && s.p50_ms <= s.p95_ms && s.p95_ms <= s.p99_ms));
    let html = render_detail_html(&d);
    assert!(html.contains("<th>p95 ms</th>") && html.contains("<td>30 days</td>"));
    assert!(html.contains("<h1>Website</h1>"), "monitor name is the page title");
    assert!(html.contains("<a href=\"/status/acme\">← Acme Cloud</a>"));
    assert!(html.contains("id=incident-42"));
    assert!(!strip_local_time_script(&html).contains("<script"));
}

#[test]
fn badges() {
    let svg = badge_svg("uptime 30d", "99.95%", "brightgreen");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("fill=\"#4c1\""));
    assert!(svg.contains("aria-label=\"uptime 30d: 99.95%\""));
    let wide = badge_svg("status", "operational and fine", "red");
    let width = |s: &str| s.split("width=\"").nth(1).and_then(|w| w.split('"').next()).and_then(|w| w.parse::<u32>().ok()).unwrap();
    assert!(width(&wide) > width(&badge_svg("status", "up", "red")));
    for (color, want) in [("green", "#97ca00"), ("#abc", "#abc"), ("ff0000", "#ff0000"), ("javascript:x", "#9f9f9f"), ("\"/><script>", "#9f9f9f")] {
        assert!(badge_svg("a", "b", color).contains(&format!("fill=\"{want}\"")), "{color}");
    }
    assert_eq!(
        shields_endpoint("api", "up", "brightgreen"),
        json!({"schemaVersion": 1, "label": "api", "message": "up", "color": "brightgreen"})
    );
    assert_eq!(status_badge(Some(CheckStatus::Up), true), ("slow", "yellowgreen"));
    assert_eq!(status_badge(None, false), ("no data", "lightgrey"));
    assert_eq!(uptime_badge(Some(0.9995)), ("99.95%".to_string(), "brightgreen"));
    assert_eq!(uptime_badge(Some(0.97)), ("97.00%".to_string(), "yellow"));
    assert_eq!(uptime_badge(None), ("no data".to_string(), "lightgrey"));
    assert!(well_formed(&svg), "{svg}");
}

/// Minimal XML well-formedness check (tags balance, entities known) so the
/// feed and badge tests need no XML crate.
fn well_formed(xml: &str) -> bool {
    let body = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n").unwrap_or(xml);
    let mut stack: Vec<String> = vec![];
    let mut rest = body;
    while let Some(i) = rest.find(['<', '&']) {
        let text = &rest[..i];
        if text.contains('>') {
            return false;
        }
        rest = &rest[i..];
        if rest.starts_with('&') {
            let Some(end) = rest.find(';') else { return false };
            if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&&rest[..=end]) {
                return false;
            }
            rest = &rest[end + 1..];
            continue;
        }
        let Some(end) = rest.find('>') else { return false };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop().as_deref() != Some(name) {
                return false;
            }
        } else if !tag.ends_with('/') {
            let name = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
            if !tag.matches('"').count().is_multiple_of(2) {
                return false;
            }
            stack.push(name.to_string());
        }
    }
    stack.is_empty() && !rest.contains('>')
}

#[test]
fn atom_feed_is_valid_and_stable() {
    let incidents = vec![
        IncidentInput { id: 7, monitor_name: "API & <Web>", opened_ms: NOW - 125 * MIN, resolved_ms: Some(NOW - 5 * MIN), kind: Some(FailureKind::Status), http_status: Some(502) },
        IncidentInput { id: 9, monitor_name: "Checkout", opened_ms: NOW - 2 * MIN, resolved_ms: None, kind: Some(FailureKind::Timeout), http_status: None },
    ];
    let feed = atom_feed("Acme \u{1}Cloud", "acme", "https://status.example.com/", &incidents, NOW);
    assert!(well_formed(&feed), "{feed}");
    assert!(feed.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    assert!(feed.contains("<title>Acme \u{FFFD}Cloud status: incidents</title>"));
    assert!(feed.contains("<id>https://status.example.com/status/acme/feed.atom</id>"));
    assert!(feed.contains("<updated>2026-11-21T05:23:30.000Z</updated>"), "feed updated = newest change");
    assert!(feed.contains("<id>https://status.example.com/status/acme#incident-7</id>"));
    assert!(feed.contains("<title>API &amp; &lt;Web&gt; recovered</title>"));
    assert!(feed.contains("(2h, server error (5xx))"));
    assert!(feed.contains("<title>Checkout is down</title>"));
    // Newest change first: the open incident (opened 2 min ago) leads.
    assert!(feed.find("incident-9").unwrap() < feed.find("incident-7").unwrap());
    // Entry ids do not depend on render time.
    let later = atom_feed("Acme \u{1}Cloud", "acme", "https://status.example.com", &incidents, NOW + DAY_MS);
    assert_eq!(feed, later);
    let empty = atom_feed("Acme", "acme", "https://x.example", &[], NOW);
    assert!(well_formed(&empty) && empty.contains("<updated>2026-11-21T05:25:30.000Z</updated>"));
}

#[test]
fn fifty_monitor_page_is_under_100_kb() {
    let data = sample_data(50, NOW);
    let html = render_html(&view(&data.input()));
    let json = render_json(&view(&data.input())).to_string();
    println!("50-monitor page: {} bytes of HTML, {} bytes of JSON", html.len(), json.len());
    assert!(html.len() < 100_000, "page is {} bytes", html.len());
    // Every monitor really has 240 buckets and 90 days behind its runs.
    let v = view(&data.input());
    for m in &v.monitors {
        assert_eq!(m.timeline.iter().map(|r| r.minutes).sum::<u32>(), 240);
        assert_eq!(m.daily.len(), 90);
    }
    let mixed = v.monitors.iter().filter(|m| m.timeline.len() > 1).count();
    assert!(mixed >= 20, "sample has mixed states ({mixed} monitors with more than one run)");
}

#[test]
fn worst_case_flapping_page_size() {
    // Not a budget, a bound: every minute alternating between up and down
    // on every monitor is the largest timeline the page can have.
    let checks: Vec<CheckPoint> = (0..245)
        .map(|k| CheckPoint {
            at_ms: NOW - k * MIN,
            status: if k % 2 == 0 { CheckStatus::Up } else { CheckStatus::Down },
            slow: false,
        })
        .rev()
        .collect();
    let monitors = (0..50)
        .map(|_| {
            let mut m = mon("flappy", Role::Core, Some(CheckStatus::Up), &checks);
            m.interval_seconds = 60;
            m
        })
        .collect();
    let html = render_html(&view(&page(monitors)));
    println!("50 monitors flapping every minute: {} bytes", html.len());
    assert!(html.len() < 1_000_000);
}

#[test]
#[ignore = "timing, run with --ignored --nocapture (use --release)"]
fn render_timing() {
    let data = sample_data(50, NOW);
    let input = data.input();
    let n = 1000;
    let t = std::time::Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += render_html(&view(&input)).len();
    }
    let per = t.elapsed() / n;
    println!("view + render_html, 50 monitors: {per:?} per render ({} bytes)", bytes / n as usize);
    let t = std::time::Instant::now();
    for _ in 0..n {
        bytes = bytes.wrapping_add(view(&input).monitors.len());
    }
    println!("view alone: {:?} per render", t.elapsed() / n);
    let v = view(&input);
    let t = std::time::Instant::now();
    for _ in 0..n {
        bytes = bytes.wrapping_add(render_html(&v).len());
    }
    println!("render_html alone: {:?} per render", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        bytes = bytes.wrapping_add(render_json(&v).as_object().map_or(0, |o| o.len()));
    }
    println!("render_json alone: {:?} per render", t.elapsed() / n);
    let j = render_json(&v);
    let t = std::time::Instant::now();
    for _ in 0..n {
        bytes = bytes.wrapping_add(j.to_string().len());
    }
    println!("Value::to_string alone: {:?} per render", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        bytes = bytes.wrapping_add(serde_json::to_string(&v).map_or(0, |s| s.len()));
    }
    println!("serde_json::to_string(&view) directly: {:?} per render ({bytes})", t.elapsed() / n);
}

#[test]
#[ignore = "writes sample pages; VIGIL_SAMPLE_DIR picks the folder"]
fn write_sample_pages() {
    let dir = std::env::var("VIGIL_SAMPLE_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let data = sample_data(50, NOW);
    let input = data.input();
    std::fs::write(dir.join("sample.html"), render_html(&view(&input))).unwrap();
    let small = sample_data(8, NOW);
    std::fs::write(dir.join("sample-small.html"), render_html(&view(&small.input()))).unwrap();
    let p = small.input();
    let d = DetailInput {
        project_name: p.project_name,
        project_slug: p.project_slug,
        now_ms: NOW,
        monitor: p.monitors[1].clone(),
        incidents: p.incidents.iter().filter(|i| i.monitor_name == p.monitors[1].name).cloned().collect(),
        maintenance: p.maintenance.clone(),
    };
    std::fs::write(dir.join("detail.html"), render_detail_html(&d)).unwrap();
    std::fs::write(dir.join("badge.svg"), badge_svg("api", "up", "brightgreen")).unwrap();
    let b = |l: &str, m: &str, c: &str| badge_svg(l, m, c);
    let badges = format!(
        "<html><body style='zoom:3;padding:8px'>{}<br>{}<br>{}<br>{}<br>{}<br>{}</body></html>",
        b("api", "up", "brightgreen"),
        b("uptime 30d", "99.95%", "green"),
        b("Checkout (EU)", "bot wall", "orange"),
        b("status", "MMMMWWWW", "red"),
        b("iiiiiiii", "lllllll", "blue"),
        b("Website", "no data", "lightgrey"),
    );
    std::fs::write(dir.join("badges.html"), badges).unwrap();
    std::fs::write(dir.join("empty.html"), render_html(&view(&page(vec![])))).unwrap();
    // Every state, hostile and very long names: for eyeballing layout.
    let long = "A-very-long-monitor-name-without-any-spaces-that-must-wrap-instead-of-scrolling-sideways-on-a-phone";
    let checks = up_every(60, 250, 0);
    let states = [
        ("Up", Some(CheckStatus::Up), false, 1),
        ("Slow", Some(CheckStatus::Up), true, 1),
        ("Down", Some(CheckStatus::Down), false, 1),
        ("Timeout", Some(CheckStatus::Timeout), false, 1),
        ("Bot", Some(CheckStatus::BotDetected), false, 1),
        ("Stale", Some(CheckStatus::Up), false, 30),
        ("Never", None, false, 1),
    ];
    let mut monitors: Vec<MonitorInput> = states
        .iter()
        .map(|(name, st, slow, age)| {
            let mut m = mon(name, Role::Core, *st, &checks);
            m.slow = *slow;
            m.last_checked_ms = st.map(|_| NOW - age * MIN);
            m
        })
        .collect();
    monitors.push(mon(long, Role::Supplementary, Some(CheckStatus::Up), &checks));
    monitors.push(mon(NASTY[1], Role::Core, Some(CheckStatus::Up), &checks));
    let mut stress = page(monitors);
    stress.project_name = "Project <script>alert(1)</script> with a long name";
    stress.incidents = vec![IncidentInput { id: 1, monitor_name: long, opened_ms: NOW - 3 * MIN, resolved_ms: None, kind: None, http_status: None }];
    std::fs::write(dir.join("stress.html"), render_html(&view(&stress))).unwrap();
    std::fs::write(dir.join("feed.atom"), atom_feed("Acme Cloud", "acme", "https://status.example.com", &p.incidents, NOW)).unwrap();
    std::fs::write(dir.join("sample.json"), serde_json::to_string_pretty(&render_json(&view(&small.input()))).unwrap()).unwrap();
}

/// `style.css` is written one line after another: comments must be whole lines (they are
/// left out), and nothing in it may end the `<style>` element early.
#[test]
fn stylesheet_is_served_without_comments_or_line_breaks() {
    let html = render_html(&view(&page(vec![])));
    let css = html.split("<style>").nth(1).and_then(|s| s.split("</style>").next()).unwrap();
    assert!(!css.contains('\n') && !css.contains("/*") && !css.contains("*/"), "{css}");
    assert!(!css.to_ascii_lowercase().contains("</"), "a stylesheet line could close the style element");
    assert!(css.starts_with(":root{color-scheme:light dark;") && css.ends_with("th{font-size:11px}}"), "{css}");
    let comment_lines = html::CSS.lines().filter(|l| l.starts_with("/*")).count();
    assert!(comment_lines > 0 && html::CSS.lines().filter(|l| !l.starts_with("/*")).all(|l| !l.contains("/*")));
    // Braces balance, so a line lost or joined badly would show.
    assert_eq!(css.matches('{').count(), css.matches('}').count());
}
