//! Session cookies and the response headers of every dashboard page (DESIGN.md §10). Pure: the
//! glue draws the random bytes and reads the clock.
use base64::Engine as _;

/// The cookie holding the opaque session id.
pub const COOKIE: &str = "vigil_session";
/// A session lasts a week from login (no sliding renewal: fewer writes, a bounded lifetime).
pub const TTL_MS: i64 = 7 * 86_400_000;

/// Headers on every HTML answer under `/app`. Scripts only from our origin (no
/// `unsafe-inline`), no framing, no referrer leaving the site, no MIME sniffing, and pages that
/// show account data are never cached.
pub const HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("referrer-policy", "same-origin"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
];

/// A new session id and CSRF token from 64 random bytes: `(cookie value, csrf token)`.
pub fn new_secrets(random: &[u8; 64]) -> (String, String) {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    (b64.encode(&random[..32]), b64.encode(&random[32..]))
}

/// The session cookie's value from a `Cookie` header, if any.
pub fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').map(str::trim).find_map(|pair| pair.strip_prefix(COOKIE)?.strip_prefix('=')).filter(|v| !v.is_empty())
}

/// True for hosts a browser treats as a secure context over plain http (local development):
/// there the cookie cannot be `Secure`, or the browser would drop it.
pub fn is_local(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host })
    };
    let name = name.to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name == "::1" || name.starts_with("127.")
}

/// `Set-Cookie` for a new session. `Path=/app`: the API never sees the cookie, so a session
/// can never act on the token-authenticated API.
pub fn set_cookie(value: &str, secure: bool) -> String {
    format!("{COOKIE}={value}; Path=/app; HttpOnly; SameSite=Lax; Max-Age={}{}", TTL_MS / 1000, if secure { "; Secure" } else { "" })
}

pub fn clear_cookie(secure: bool) -> String {
    format!("{COOKIE}=; Path=/app; HttpOnly; SameSite=Lax; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

/// Where to go after logging in: only a path of ours under `/app` (never `//evil.example`, a
/// scheme, or a backslash trick), else the overview.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if (n == "/app" || n.starts_with("/app/") || n.starts_with("/app?")) && !n.contains(['\\', '\r', '\n']) && !n.contains("//") => n,
        _ => "/app",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing() {
        assert_eq!(cookie_value("vigil_session=abc"), Some("abc"));
        assert_eq!(cookie_value("a=1; vigil_session=abc; b=2"), Some("abc"));
        assert_eq!(cookie_value("vigil_session_old=x; vigil_session=y"), Some("y"));
        assert_eq!(cookie_value("vigil_session="), None);
        assert_eq!(cookie_value("other=1"), None);
        assert_eq!(cookie_value(""), None);
    }

    #[test]
    fn cookie_attributes() {
        let c = set_cookie("v", true);
        for part in ["vigil_session=v", "Path=/app", "HttpOnly", "SameSite=Lax", "Secure", "Max-Age=604800"] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!set_cookie("v", false).contains("Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn local_hosts() {
        for h in ["localhost", "localhost:8787", "127.0.0.1:8787", "[::1]:8787", "app.localhost"] {
            assert!(is_local(h), "{h}");
        }
        for h in ["vigil.example.com", "example.com:443", "10.0.0.1", "localhost.example.com"] {
            assert!(!is_local(h), "{h}");
        }
    }

    #[test]
    fn next_stays_on_the_dashboard() {
        assert_eq!(safe_next(Some("/app/monitors/3")), "/app/monitors/3");
        assert_eq!(safe_next(Some("/app?state=down")), "/app?state=down");
        for bad in ["//evil.example", "https://evil.example", "/app//evil", "/apple", "/api/me", "/app/\\evil", ""] {
            assert_eq!(safe_next(Some(bad)), "/app", "{bad}");
        }
        assert_eq!(safe_next(None), "/app");
    }

    #[test]
    fn secrets_are_distinct_halves() {
        let mut r = [0u8; 64];
        r[32] = 1;
        let (id, csrf) = new_secrets(&r);
        assert_eq!(id.len(), 43);
        assert_ne!(id, csrf);
    }

    #[test]
    fn csp_forbids_inline_script_and_framing() {
        let csp = HEADERS.iter().find(|(k, _)| *k == "content-security-policy").unwrap().1;
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
