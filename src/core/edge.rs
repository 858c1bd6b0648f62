//! Cloudflare's own errors (DESIGN.md §3): an answer that Cloudflare's edge wrote itself, not
//! the site behind it. A 52x ("origin unreachable, timed out, bad TLS") or a 1xxx error page
//! ("error code: 1003", access denied, rate limited, a Worker that threw) carries
//! `server: cloudflare` and a `cf-ray`. Told apart from the site's own 5xx so a user can see
//! "Cloudflare could not reach my origin" or "Cloudflare refused the monitor" rather than a
//! bare status.

/// The 52x statuses only Cloudflare's edge sends (530 comes with a 1xxx code in the body).
const EDGE_STATUSES: &[u16] = &[520, 521, 522, 523, 524, 525, 526, 527, 530];

/// What the well-known codes mean (Cloudflare's "Troubleshooting Cloudflare 5XX / 1XXX errors").
const MEANINGS: &[(u16, &str)] = &[
    (520, "the origin answered something Cloudflare could not read"),
    (521, "the origin refused Cloudflare's connection"),
    (522, "Cloudflare's connection to the origin timed out"),
    (523, "the origin is unreachable from Cloudflare"),
    (524, "the origin took too long to answer"),
    (525, "the TLS handshake between Cloudflare and the origin failed"),
    (526, "the origin's certificate is not valid"),
    (527, "the Railgun connection to the origin failed"),
    (530, "Cloudflare could not serve the site"),
    (1000, "the name points at a prohibited IP"),
    (1001, "DNS resolution error at Cloudflare"),
    (1003, "direct IP access is not allowed"),
    (1004, "the host is not configured to serve traffic"),
    (1006, "access denied: the owner banned this IP"),
    (1007, "access denied: the owner banned this IP"),
    (1008, "access denied: the owner banned this IP"),
    (1010, "access denied: the owner banned this browser signature"),
    (1012, "access denied"),
    (1014, "CNAME cross-user banned"),
    (1015, "rate limited by the site's owner"),
    (1016, "the origin's DNS name does not resolve"),
    (1018, "the host cannot be found"),
    (1019, "compute server error"),
    (1020, "access denied by a firewall rule"),
    (1023, "the host cannot be found"),
    (1025, "the request was refused"),
    (1033, "the Cloudflare Tunnel is not connected"),
    (1034, "edge IP restricted"),
    (1101, "the site's Worker threw an exception"),
    (1102, "the site's Worker exceeded its resource limits"),
    (1104, "a variation of this site's Worker script is not available"),
];

/// Whether an answer with this status and these (lower-cased) headers was written by
/// Cloudflare's edge rather than relayed from an origin: `server: cloudflare` and a `cf-ray`,
/// on an error status. The probe reads the body of these so [`recognise`] can find a 1xxx code.
pub fn from_edge(status: u16, headers: &[(String, String)]) -> bool {
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    status >= 400 && header("server").is_some_and(|s| s.trim().eq_ignore_ascii_case("cloudflare")) && header("cf-ray").is_some()
}

/// The Cloudflare error code of an edge-written answer, if it is one: a 52x status, or a 1xxx
/// code in the body (`error code: 1020` in the plain text a Worker's subrequest gets, or
/// `Error 1020` / `cf-error-code">1020` in the HTML page a browser gets). A 4xx or 5xx relayed
/// from the origin through Cloudflare has the headers but no code, and is not one.
pub fn recognise(status: u16, headers: &[(String, String)], body: &str) -> Option<u16> {
    if !from_edge(status, headers) {
        return None;
    }
    body_code(body).or_else(|| EDGE_STATUSES.contains(&status).then_some(status))
}

/// The first 1xxx code after one of the markers Cloudflare's error bodies use.
fn body_code(body: &str) -> Option<u16> {
    const MARKERS: &[&str] = &["error code: ", "error code ", "cf-error-code\">", "error ", "error&nbsp;"];
    let lower = body.get(..body.len().min(64 * 1024)).unwrap_or(body).to_ascii_lowercase();
    for marker in MARKERS {
        let mut from = 0;
        while let Some(at) = lower[from..].find(marker) {
            let start = from + at + marker.len();
            let digits: String = lower[start..].chars().take_while(char::is_ascii_digit).collect();
            if digits.len() == 4 && digits.starts_with('1') {
                return digits.parse().ok();
            }
            from = start;
        }
    }
    None
}

/// The failure text: `cloudflare edge error 1020: access denied by a firewall rule (status 403)`.
pub fn describe(code: u16, status: u16) -> String {
    let meaning = MEANINGS.iter().find(|(c, _)| *c == code).map(|(_, m)| *m);
    match (meaning, code == status) {
        (Some(m), true) => format!("cloudflare edge error {code}: {m}"),
        (Some(m), false) => format!("cloudflare edge error {code}: {m} (status {status})"),
        (None, true) => format!("cloudflare edge error {code}"),
        (None, false) => format!("cloudflare edge error {code} (status {status})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    /// (status, headers, body) -> the code recognised, if any.
    #[test]
    #[allow(clippy::type_complexity)] // one table row per case reads better than a named type
    fn the_edge_error_recogniser() {
        let cf = h(&[("server", "cloudflare"), ("cf-ray", "8f1e2d3c4b5a6978-AMS"), ("content-type", "text/html")]);
        let cf_upper = h(&[("server", " Cloudflare "), ("cf-ray", "1-LHR")]);
        let no_ray = h(&[("server", "cloudflare")]);
        let origin = h(&[("server", "nginx"), ("cf-ray", "1-LHR")]);
        let none = h(&[]);
        let page_1020 = r#"<!DOCTYPE html><html><head><title>Access denied | shop.example.com used Cloudflare to restrict access</title></head>
            <body><div id="cf-error-details"><h1><span data-translate="error">Error</span><span>1020</span></h1>
            <span class="cf-error-code">1020</span></div></body></html>"#;
        let page_522 = "<title>shop.example.com | 522: Connection timed out</title><div id=\"cf-error-details\">";
        #[rustfmt::skip]
        let cases: Vec<(&str, u16, &Vec<(String, String)>, &str, Option<u16>)> = vec![
            ("522 page", 522, &cf, page_522, Some(522)),
            ("521 bare", 521, &cf, "", Some(521)),
            ("each 52x", 525, &cf, "", Some(525)),
            ("worker subrequest 1003", 403, &cf, "error code: 1003", Some(1003)),
            ("530 with 1016", 530, &cf, "error code: 1016", Some(1016)),
            ("html 1020", 403, &cf, page_1020, Some(1020)),
            ("rate limited 1015", 429, &cf, "<title>Error 1015</title> You are being rate limited", Some(1015)),
            ("worker threw 1101", 500, &cf, "Error 1101 Worker threw exception", Some(1101)),
            ("header case and spaces", 522, &cf_upper, "", Some(522)),
            ("origin 503 through cloudflare", 503, &cf, "Service Unavailable", None),
            ("origin 500 through cloudflare", 500, &cf, "<h1>Internal error</h1>", None),
            ("origin 404 mentioning an error number", 404, &cf, "error 404: page 12345 not found", None),
            ("a code with five digits is not one", 403, &cf, "error code: 10200", None),
            ("no cf-ray", 522, &no_ray, "", None),
            ("not cloudflare's server", 522, &origin, "error code: 1003", None),
            ("no headers", 522, &none, "", None),
            ("200 is never an edge error", 200, &cf, "error code: 1003", None),
        ];
        for (name, status, headers, body, want) in cases {
            assert_eq!(recognise(status, headers, body), want, "{name}");
        }
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(522, 522), "cloudflare edge error 522: Cloudflare's connection to the origin timed out");
        assert_eq!(describe(1020, 403), "cloudflare edge error 1020: access denied by a firewall rule (status 403)");
        assert_eq!(describe(1999, 403), "cloudflare edge error 1999 (status 403)");
        assert_eq!(describe(599, 599), "cloudflare edge error 599");
    }
}
