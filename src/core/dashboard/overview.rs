//! The overview (`GET /app`): every monitor of the user across projects with its state, a
//! small 4-hour strip, latency, last check and 24 h uptime; open incidents first; filters by
//! project and state (DESIGN.md §10).
//!
//! Cost: the glue reads it in a fixed number of queries whatever the number of monitors or the
//! length of their history: the strip comes from 4 hours of checks already grouped into
//! [`STRIP_BINS`] bins by SQL, the uptime from hourly rollups plus those bins.
use super::html::{ago, page, percent, Chrome, Html, Section};
use crate::core::buckets::BucketState;
use crate::core::status::CheckStatus;
use crate::core::status_page::{fresh_status, state_text};
use crate::core::time::EpochMs;

/// The strip: 48 bins of 5 minutes = 4 hours.
pub const STRIP_BINS: usize = 48;
pub const BIN_SECONDS: i64 = 300;
/// Most monitors one overview lists (a page, like the status page's cap).
pub const MAX_MONITORS: u32 = 200;

/// One monitor as the glue read it.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub id: i64,
    pub name: &'a str,
    pub project_id: i64,
    pub is_active: bool,
    pub status: Option<CheckStatus>,
    pub slow: bool,
    pub last_checked_ms: Option<EpochMs>,
    pub interval_seconds: u32,
    pub incident_open: bool,
    pub latency_ms: Option<u32>,
    /// The worst state seen in each 5-minute bin, oldest first; `None` = no check in it.
    pub bins: [Option<BucketState>; STRIP_BINS],
    pub uptime_24h: Option<f64>,
}

/// What the overview shows of a monitor's state, also the `state` filter's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Incident,
    Down,
    Bot,
    Slow,
    Up,
    Unknown,
    Paused,
}

impl State {
    pub const FILTERS: [(&'static str, &'static str); 7] = [
        ("incident", "Open incident"),
        ("down", "Down"),
        ("bot", "Bot wall"),
        ("slow", "Slow"),
        ("up", "Up"),
        ("unknown", "No data"),
        ("paused", "Paused"),
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "incident" => Self::Incident,
            "down" => Self::Down,
            "bot" => Self::Bot,
            "slow" => Self::Slow,
            "up" => Self::Up,
            "unknown" => Self::Unknown,
            "paused" => Self::Paused,
            _ => return None,
        })
    }

    fn key(self) -> &'static str {
        Self::FILTERS[self as usize].0
    }

    /// (css class, word). The word always accompanies the colour.
    fn look(self, status: Option<CheckStatus>, slow: bool) -> (&'static str, &'static str) {
        match self {
            Self::Paused => ("n", "Paused"),
            Self::Incident | Self::Down => ("d", state_text(status, slow)),
            Self::Bot => ("b", "Bot wall"),
            Self::Slow => ("s", "Slow"),
            Self::Up => ("u", "Up"),
            Self::Unknown => ("n", "No data"),
        }
    }
}

impl Row<'_> {
    pub fn state(&self, now: EpochMs) -> State {
        if !self.is_active {
            return State::Paused;
        }
        if self.incident_open {
            return State::Incident;
        }
        match fresh_status(self.status, self.last_checked_ms, self.interval_seconds, now) {
            Some(CheckStatus::Down | CheckStatus::Timeout) => State::Down,
            Some(CheckStatus::BotDetected) => State::Bot,
            Some(CheckStatus::Up) if self.slow => State::Slow,
            Some(CheckStatus::Up) => State::Up,
            None => State::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub project: Option<i64>,
    pub state: Option<State>,
}

pub struct Input<'a> {
    pub now_ms: EpochMs,
    pub rows: Vec<Row<'a>>,
    /// (id, name) of the user's projects.
    pub projects: &'a [(i64, String)],
    pub filter: Filter,
    /// More monitors exist than one overview lists.
    pub truncated: bool,
    pub notice: Option<&'static str>,
}

/// One strip bin's checks: the worst state among them, how many, how many UP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    pub worst: BucketState,
    pub n: i64,
    pub up: i64,
}

/// Groups checks (slot, status, slow) with slots in `[from_s, from_s + STRIP_BINS * BIN_SECONDS)`
/// into the strip's bins. Worst first: DOWN or TIMEOUT, then a bot wall, then slow, then up.
pub fn bins_of(checks: impl IntoIterator<Item = (i64, CheckStatus, bool)>, from_s: i64) -> [Option<Bin>; STRIP_BINS] {
    let rank = |s: BucketState| match s {
        BucketState::Down => 4,
        BucketState::Bot => 3,
        BucketState::Slow => 2,
        _ => 1,
    };
    let mut out = [None; STRIP_BINS];
    for (slot, status, slow) in checks {
        let Some(bin) = usize::try_from((slot - from_s).div_euclid(BIN_SECONDS)).ok().and_then(|i| out.get_mut(i)) else { continue };
        let state = match status {
            CheckStatus::Down | CheckStatus::Timeout => BucketState::Down,
            CheckStatus::BotDetected => BucketState::Bot,
            CheckStatus::Up if slow => BucketState::Slow,
            CheckStatus::Up => BucketState::Up,
        };
        let b = bin.get_or_insert(Bin { worst: state, n: 0, up: 0 });
        if rank(state) > rank(b.worst) {
            b.worst = state;
        }
        b.n += 1;
        b.up += i64::from(status == CheckStatus::Up);
    }
    out
}

/// Bins with no check inherit the bin before when it is within 2 x the interval (the
/// timeline's freshness rule): a 5-minute monitor is not "no data" between its checks.
pub fn fill(bins: &mut [Option<BucketState>; STRIP_BINS], interval_seconds: u32) {
    let carry = (i64::from(interval_seconds) * 2).div_euclid(BIN_SECONDS).max(1) as usize;
    let mut last: Option<(usize, BucketState)> = None;
    for (i, bin) in bins.iter_mut().enumerate() {
        match *bin {
            Some(s) => last = Some((i, s)),
            None => {
                if let Some((at, s)) = last {
                    if i - at < carry {
                        *bin = Some(s);
                    }
                }
            }
        }
    }
}

const CLASSES: [&str; 5] = ["u", "s", "d", "b", "n"];

fn class_of(s: Option<BucketState>) -> &'static str {
    match s {
        Some(BucketState::Up) => "u",
        Some(BucketState::Slow) => "s",
        Some(BucketState::Down) => "d",
        Some(BucketState::Bot) => "b",
        Some(BucketState::Unknown) | None => "n",
    }
}

/// The strip as one SVG of run-length rectangles, with its summary in words.
pub fn strip(h: &mut Html, bins: &[Option<BucketState>; STRIP_BINS]) {
    let mut minutes = [0i64; 5];
    for b in bins {
        let i = match b {
            Some(BucketState::Up) => 0,
            Some(BucketState::Slow) => 1,
            Some(BucketState::Down) => 2,
            Some(BucketState::Bot) => 3,
            _ => 4,
        };
        minutes[i] += BIN_SECONDS / 60;
    }
    let words = ["up", "slow", "down", "bot wall", "no data"];
    let label: Vec<String> = minutes.iter().zip(words).filter(|(m, _)| **m > 0).map(|(m, w)| format!("{} {w}", span(*m))).collect();
    h.r("<svg class=strip viewBox=\"0 0 48 1\" preserveAspectRatio=none role=img aria-label=\"4 h: ").t(&label.join(", ")).r("\">");
    // One path per state holding all of its runs: a handful of bytes per run, which keeps 200
    // rows well under 100 KB.
    let mut paths: [String; 5] = Default::default();
    let mut start = 0;
    while start < STRIP_BINS {
        let mut end = start + 1;
        while end < STRIP_BINS && bins[end] == bins[start] {
            end += 1;
        }
        let w = end - start;
        let i = CLASSES.iter().position(|c| *c == class_of(bins[start])).unwrap_or(4);
        paths[i].push_str(&format!("M{start} 0h{w}v1h-{w}z"));
        start = end;
    }
    for (class, d) in CLASSES.iter().zip(&paths) {
        if !d.is_empty() {
            h.r("<path class=").r(class).r(" d=\"").t(d).r("\"/>");
        }
    }
    h.r("</svg>");
}

fn span(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// Rows in display order: open incidents, then down, bot, slow, up, no data, paused; then name.
pub fn ordered<'a>(rows: Vec<Row<'a>>, now: EpochMs, filter: Filter) -> Vec<(State, Row<'a>)> {
    let mut out: Vec<(State, Row)> = rows
        .into_iter()
        .map(|r| (r.state(now), r))
        .filter(|(s, r)| filter.state.is_none_or(|f| f == *s) && filter.project.is_none_or(|p| p == r.project_id))
        .collect();
    out.sort_by(|(sa, a), (sb, b)| (*sa as u8).cmp(&(*sb as u8)).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())).then(a.id.cmp(&b.id)));
    out
}

pub fn render(c: &Chrome, input: Input) -> String {
    let now = input.now_ms;
    let total = input.rows.len();
    let rows = ordered(input.rows, now, input.filter);
    let project_name = |id: i64| input.projects.iter().find(|(p, _)| *p == id).map(|(_, n)| n.as_str()).unwrap_or("");
    page(&Chrome { section: Section::Monitors, ..*c }, "Monitors", |h| {
        h.r("<div class=bar-actions><a class=\"btn primary\" href=/app/monitors/new>Add monitor</a></div>");
        super::html::notice(h, input.notice);
        if input.projects.is_empty() {
            h.r("<p class=empty>Monitors live in projects. <a href=/app/projects>Create your first project</a>, then add a monitor.</p>");
            return;
        }
        // Filters: a GET form, so a filtered view is a link.
        h.r("<form method=get action=/app class=filters><label for=fp>Project</label><select id=fp name=project><option value=\"\">All projects</option>");
        for (id, name) in input.projects {
            h.r("<option value=\"").n(*id).r("\"");
            if input.filter.project == Some(*id) {
                h.r(" selected");
            }
            h.r(">").t(name).r("</option>");
        }
        h.r("</select><label for=fs>State</label><select id=fs name=state><option value=\"\">Any state</option>");
        for (key, label) in State::FILTERS {
            h.r("<option value=").r(key);
            if input.filter.state.map(State::key) == Some(key) {
                h.r(" selected");
            }
            h.r(">").r(label).r("</option>");
        }
        h.r("</select><button class=btn>Filter</button>");
        if input.filter != Filter::default() {
            h.r("<a href=/app>Clear</a>");
        }
        h.r("</form>");
        let incidents = rows.iter().filter(|(s, _)| *s == State::Incident).count();
        h.r("<p class=sum role=status>").n(rows.len()).r(if rows.len() == 1 { " monitor" } else { " monitors" });
        if rows.len() != total {
            h.r(" of ").n(total);
        }
        if incidents > 0 {
            h.r(" · <a class=bad href=\"/app?state=incident\">").n(incidents).r(if incidents == 1 { " open incident" } else { " open incidents" }).r("</a>");
        }
        if input.truncated {
            h.r(" · showing the first ").n(MAX_MONITORS).r(": filter by project to see the rest");
        }
        h.r("</p>");
        if rows.is_empty() {
            if total == 0 {
                h.r("<p class=empty>No monitors yet. <a href=/app/monitors/new>Add your first monitor</a>: a name, a URL and how often to check it.</p>");
            } else {
                h.r("<p class=empty>No monitor matches this filter.</p>");
            }
            return;
        }
        h.r("<div class=tw data-refresh=60><table class=ov><thead><tr><th scope=col>Monitor<th scope=col>State<th scope=col>Last 4 h<th scope=col>Latency<th scope=col>Checked<th scope=col>24 h</thead><tbody>");
        for (state, r) in &rows {
            let (class, word) = state.look(r.status, r.slow);
            h.r("<tr><td><a href=\"/app/monitors/").n(r.id).r("\">").t(r.name).r("</a><small>").t(project_name(r.project_id)).r("</small><td><span class=\"st ").r(class).r("\">");
            // An open incident says so first; the latest check's word follows (it may already
            // be up while the recovery threshold is not yet met).
            if *state == State::Incident {
                h.r("Incident</span><small>").r(word).r("</small><td>");
            } else {
                h.r(word).r("</span><td>");
            }
            strip(h, &r.bins);
            h.r("<td>");
            match r.latency_ms {
                Some(ms) => h.n(ms).r(" ms"),
                None => h.r("–"),
            };
            h.r("<td>");
            match r.last_checked_ms {
                Some(at) => h.t(&ago(now, at)),
                None => h.r("never"),
            };
            h.r("<td>").t(&percent(r.uptime_24h));
        }
        h.r("</tbody></table></div>");
        if let Some(p) = input.filter.project {
            h.r("<p><a href=\"/app/monitors/new?project=").n(p).r("\">Add a monitor to this project</a></p>");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: EpochMs = 1_800_000_000_000;

    fn row(id: i64, name: &'static str) -> Row<'static> {
        Row {
            id,
            name,
            project_id: 1,
            is_active: true,
            status: Some(CheckStatus::Up),
            slow: false,
            last_checked_ms: Some(NOW - 30_000),
            interval_seconds: 60,
            incident_open: false,
            latency_ms: Some(42),
            bins: [Some(BucketState::Up); STRIP_BINS],
            uptime_24h: Some(1.0),
        }
    }

    fn chrome() -> Chrome<'static> {
        Chrome { username: "u", is_admin: false, csrf: "t", section: Section::Monitors }
    }

    #[test]
    fn states_and_order() {
        let mut down = row(2, "b-down");
        down.status = Some(CheckStatus::Timeout);
        let mut inc = row(3, "z-incident");
        inc.incident_open = true;
        let mut paused = row(4, "a-paused");
        paused.is_active = false;
        let mut stale = row(5, "stale");
        stale.last_checked_ms = Some(NOW - 3 * 60_000);
        let rows = vec![row(1, "a-up"), down, inc, paused, stale];
        let got: Vec<(State, i64)> = ordered(rows.clone(), NOW, Filter::default()).iter().map(|(s, r)| (*s, r.id)).collect();
        assert_eq!(got, vec![(State::Incident, 3), (State::Down, 2), (State::Up, 1), (State::Unknown, 5), (State::Paused, 4)]);
        let only_down = ordered(rows.clone(), NOW, Filter { state: Some(State::Down), project: None });
        assert_eq!(only_down.len(), 1);
        assert!(ordered(rows, NOW, Filter { project: Some(9), state: None }).is_empty());
        for (key, _) in State::FILTERS {
            assert_eq!(State::parse(key).map(State::key), Some(key));
        }
    }

    #[test]
    fn fill_carries_within_twice_the_interval() {
        let mut bins = [None; STRIP_BINS];
        bins[0] = Some(BucketState::Down);
        bins[10] = Some(BucketState::Up);
        fill(&mut bins, 300); // carry 2 bins (10 minutes)
        assert_eq!(&bins[..4], &[Some(BucketState::Down), Some(BucketState::Down), None, None]);
        assert_eq!(bins[11], Some(BucketState::Up));
        assert_eq!(bins[12], None);
    }

    #[test]
    fn strip_is_run_length_with_words() {
        let mut bins = [Some(BucketState::Up); STRIP_BINS];
        bins[40] = Some(BucketState::Down);
        bins[41] = Some(BucketState::Down);
        let mut h = Html::with_capacity(0);
        strip(&mut h, &bins);
        let svg = h.finish();
        assert_eq!(svg.matches("<path").count(), 2, "{svg}");
        assert!(svg.contains("aria-label=\"4 h: 3 h 50 min up, 10 min down\""), "{svg}");
        assert!(svg.contains("<path class=u d=\"M0 0h40v1h-40zM42 0h6v1h-6z\"/>"), "{svg}");
        assert!(svg.contains("<path class=d d=\"M40 0h2v1h-2z\"/>"), "{svg}");
    }

    #[test]
    fn hostile_names_are_text() {
        let projects = vec![(1, "<img src=x onerror=alert(1)>".to_string())];
        let html = render(
            &chrome(),
            Input { now_ms: NOW, rows: vec![row(1, "<script>alert(1)</script>")], projects: &projects, filter: Filter::default(), truncated: false, notice: None },
        );
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn empty_states_guide_a_new_user() {
        let none: Vec<(i64, String)> = vec![];
        let html = render(&chrome(), Input { now_ms: NOW, rows: vec![], projects: &none, filter: Filter::default(), truncated: false, notice: None });
        assert!(html.contains("Create your first project"));
        let one = vec![(1, "P".to_string())];
        let html = render(&chrome(), Input { now_ms: NOW, rows: vec![], projects: &one, filter: Filter::default(), truncated: false, notice: None });
        assert!(html.contains("Add your first monitor"));
    }

    #[test]
    fn two_hundred_monitors_fit_in_100_kb() {
        let projects = vec![(1, "Production".to_string())];
        let names: Vec<String> = (0..200).map(|i| format!("Monitor number {i} (eu-west)")).collect();
        let rows: Vec<Row> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut r = row(i as i64 + 1, "x");
                r.name = n;
                // A few runs each: a realistic, not a best, case.
                r.bins[10 + i % 30] = Some(BucketState::Slow);
                r.bins[45] = Some(BucketState::Down);
                r
            })
            .collect();
        let html = render(&chrome(), Input { now_ms: NOW, rows, projects: &projects, filter: Filter::default(), truncated: false, notice: None });
        assert!(html.len() < 100_000, "{} bytes", html.len());
    }
}
