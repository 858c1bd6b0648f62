//! Target validation against server-side request forgery (DESIGN.md §11).
//!
//! vigil fetches user-supplied URLs on a schedule and reports what came back (status,
//! timing, body match). Left unchecked, a monitor is an SSRF primitive: point it at a
//! loopback address, a cloud metadata endpoint or an internal name and the check
//! results leak what lives there. This module decides, with no DNS, I/O or clock,
//! whether a URL may be fetched. The caller follows redirects manually (at most
//! [`MAX_REDIRECTS`] hops) and judges every hop again with [`resolve_redirect`],
//! because a public page can redirect anywhere.
//!
//! # Rules
//! * At most [`MAX_URL_LEN`] characters, both as typed and once normalised.
//! * Scheme `http` or `https` only.
//! * No userinfo (`user:password@`): credentials must not be stored in a URL, and
//!   `trusted.example@evil` is the classic way to disguise where a URL goes.
//! * No IP literals in any notation, public ones included: a monitor is meant to
//!   watch a name, and Cloudflare's fetch refuses IP-literal URLs anyway.
//! * No internal names: `localhost` and `*.localhost`, private-use suffixes
//!   (`.local`, `.internal`, `.lan`, ...), cloud metadata hosts, `.arpa` names and any
//!   single-label name, since names like these only resolve inside a network.
//! * An explicit port must be in [`ALLOWED_PORTS`].
//!
//! [`TargetPolicy::allow_private`] (`ALLOW_PRIVATE_TARGETS=true`, for local development
//! and tests whose fixture servers listen on `http://127.0.0.1:<random port>`) lifts
//! the private-destination rules only: IP literals, internal names, and the port
//! allowlist for those destinations. It never lifts the scheme, userinfo, length or
//! parse rules, and public names keep the port allowlist.
//!
//! # Why `url::Url`
//! It implements the WHATWG URL Standard, the same parsing the Workers runtime's
//! `fetch` applies. Every IPv4 notation (decimal `2130706433`, octal `0177.0.0.1`, hex
//! `0x7f.1`, short forms like `127.1`, full-width digits, ideographic dots,
//! percent-encoded digits) comes out as `Host::Ipv4`, and backslashes, tabs and
//! newlines are treated the way fetch treats them. So we judge the host fetch will
//! actually dial instead of guessing with a lookalike parser. Callers must therefore
//! fetch the returned `Url`, never the raw string.
//!
//! # Limits (what this guard cannot do; DESIGN.md §11)
//! This is a syntactic check of the URL. A Worker cannot resolve names itself (there
//! is no DNS API, and `fetch` resolves and connects in one step we do not see), so a
//! public-looking name whose A/AAAA records point at a private, loopback or
//! link-local address passes: `internal.attacker.example -> 10.0.0.5` or `-> 127.0.0.1`,
//! a name that answers differently on each lookup (DNS rebinding), and wildcard
//! services such as `127.0.0.1.nip.io`. Redirect hops are re-judged by name only, so
//! the same holds for every hop. `ALLOW_PRIVATE_TARGETS=true` does not widen this gap
//! (the gap is there in production too); it only lifts the literal and internal-name
//! rules for local development.
//!
//! What stands behind it is the platform: a deployed Worker's subrequests leave from
//! Cloudflare's edge, not from a network of ours, so there is no LAN, VPC or instance
//! metadata service of the deployer's to reach; and Cloudflare documents that Workers
//! subrequests can only be made to URLs with host names, not to IP addresses directly
//! (Workers docs, "Known issues: Fetch to IP addresses"; such requests fail, often as
//! error 1003), which is also why IP literals are refused here in every notation.
//! Cloudflare does not document what its edge does with a name that resolves to a
//! private or loopback address, so vigil does not rely on it: treat such a target
//! as reachable-but-meaningless (the answer comes from whatever the edge dials), and
//! never deploy vigil next to services that trust requests from Cloudflare's egress
//! addresses. Under `wrangler dev` there is no edge at all: fetch dials from the
//! developer's machine, names resolve with its resolver, and a name pointing at
//! 127.0.0.1 reaches local services; that is why local mode is for development only.

use std::fmt;

use url::{Host, ParseError, Url};

/// Longest URL accepted, as typed and after normalisation. Long enough for any real
/// health-check URL, short enough to bound storage and log lines.
pub const MAX_URL_LEN: usize = 2048;

/// Most redirects a check follows; each hop is validated with [`resolve_redirect`].
pub const MAX_REDIRECTS: usize = 5;

/// Ports a public target may use. Ports outside this list are how SSRF reaches
/// non-web services (SSH 22, SMTP 25, Redis 6379, ...), so only web ports are allowed:
/// * 80 and 443, the defaults (the url crate drops them when they match the scheme);
/// * 8080, 8443, 8000, 8008, 8888, 3000, 5000, 9000: common alternate web and
///   application-server ports;
/// * the ports Cloudflare's proxy serves, so a site behind Cloudflare can be watched
///   on any of them: HTTP 80, 8080, 8880, 2052, 2082, 2086, 2095 and
///   HTTPS 443, 2053, 2083, 2087, 2096, 8443.
pub const ALLOWED_PORTS: &[u16] = &[
    80, 443, 8080, 8443, 8000, 8008, 8888, 3000, 5000, 9000, 2052, 2053, 2082, 2083, 2086, 2087,
    2095, 2096, 8880,
];

/// Hosts whose only purpose is to serve cloud instance metadata (credentials among
/// it). The generic rules below already catch them (single label, `.internal`); they
/// are listed so that they stay refused if those rules are ever relaxed. Azure and
/// most other clouds serve metadata only on 169.254.169.254, an IP literal.
const METADATA_HOSTS: &[&str] = &[
    "metadata",                   // GCE short name
    "metadata.google.internal",   // GCE
    "instance-data",              // EC2 short name
    "instance-data.ec2.internal", // EC2
];

/// A name equal to one of these, or ending in `.` + one of these, can only resolve
/// inside a private network.
const INTERNAL_SUFFIXES: &[&str] = &[
    "localhost",   // RFC 6761: always loopback, whatever DNS says
    "local",       // RFC 6762: multicast DNS on the local link
    "internal",    // reserved by ICANN for private use; GCP and AWS internal DNS
    "localdomain", // the usual /etc/hosts convention
    "lan",         // home routers
    "intranet",    // de-facto private TLDs of enterprise networks
    "corp",
    // Infrastructure zone, never a website: covers `home.arpa` (RFC 8375 home
    // networks) and reverse-DNS names like `1.0.0.127.in-addr.arpa`.
    "arpa",
];

/// How strict validation is. The default is production: no private destinations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Set by `ALLOW_PRIVATE_TARGETS=true` for local development and tests. Whether it is
    /// set or not, names are judged as text and never resolved: a public name pointing at a
    /// private address passes either way (see "Limits" in the module docs).
    pub allow_private: bool,
}

/// Why a URL was refused. Displayed to users in API errors and as a check's
/// `failure_type`, so every message names the offending value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// The URL is longer than `max` characters.
    TooLong { len: usize, max: usize },
    /// The url crate's error text (plus a hint where one helps).
    Unparsable(String),
    /// The refused scheme, lowercased.
    Scheme(String),
    /// The URL carries a user name or a password.
    Userinfo,
    /// The URL has no host (unreachable for http and https, which url requires a host
    /// for; kept so the check does not depend on that).
    MissingHost,
    /// The normalised address as url serialises it, e.g. `127.0.0.1` or `::1`.
    IpLiteral(String),
    /// The refused host name as url serialises it.
    InternalName(String),
    /// The refused port.
    Port(u16),
    /// A TCP monitor's URL is not `tcp://host:port`; says what is wrong with it.
    TcpShape(&'static str),
    /// Port 25: Cloudflare blocks outbound SMTP from Workers' sockets.
    SmtpPort,
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len, max } => write!(f, "URL is {len} characters long (max {max})"),
            Self::Unparsable(reason) => write!(f, "URL could not be parsed: {reason}"),
            Self::Scheme(scheme) => {
                write!(f, "scheme {scheme:?} is not allowed (use http or https)")
            }
            Self::Userinfo => f.write_str("user:password@ in URLs is not allowed"),
            Self::MissingHost => f.write_str("URL has no host"),
            Self::IpLiteral(addr) => write!(f, "IP literal {addr} is not allowed"),
            Self::InternalName(host) => {
                write!(f, "host {host:?} is an internal name and is not allowed")
            }
            Self::Port(port) => write!(f, "port {port} is not allowed"),
            Self::TcpShape(what) => write!(f, "a TCP target is tcp://host:port: {what}"),
            Self::SmtpPort => f.write_str("port 25 is refused: Cloudflare blocks outbound SMTP connections from Workers"),
        }
    }
}

impl std::error::Error for TargetError {}

/// Validates a monitor URL as entered by a user. Returns the parsed URL.
///
/// Surrounding whitespace is ignored, but counts toward the length cap.
///
/// # Errors
/// The first rule the URL breaks, as a [`TargetError`].
pub fn check_target(raw: &str, policy: TargetPolicy) -> Result<Url, TargetError> {
    check_len(raw)?;
    let url = Url::parse(raw.trim()).map_err(unparsable)?;
    check_url(url, policy)
}

/// Resolves a redirect's Location header (absolute or relative) against the current URL
/// and validates the result like [`check_target`].
///
/// # Errors
/// The first rule the resolved URL breaks, as a [`TargetError`]; an empty or blank
/// Location is [`TargetError::Unparsable`].
pub fn resolve_redirect(
    current: &Url,
    location: &str,
    policy: TargetPolicy,
) -> Result<Url, TargetError> {
    check_len(location)?;
    let location = location.trim();
    if location.is_empty() {
        // url would resolve "" to `current` itself, turning a broken redirect into a loop.
        return Err(TargetError::Unparsable("empty Location header".to_owned()));
    }
    // Relative references (`/next`, `../x`, `//other.host/x`, `\\other.host`) can change
    // host, so the resolved URL goes through every rule, not just the absolute ones.
    let url = current.join(location).map_err(unparsable)?;
    check_url(url, policy)
}

/// A TCP monitor's target (`tcp://host:port`), judged by the same host rules as an HTTP URL:
/// no IP literal or internal name unless the policy allows private destinations, no userinfo.
/// Any port 1-65535 but 25 (Cloudflare's `connect()` refuses SMTP): the port allowlist of
/// HTTP targets does not apply, since watching a non-web port is what a TCP monitor is for,
/// and a connect-only probe reports no more than "open" or "closed". Returns the host (IDNA
/// and IPv4 forms normalised, as for HTTP) and the port.
///
/// # Errors
/// The first rule the target breaks, as a [`TargetError`].
pub fn check_tcp_target(raw: &str, policy: TargetPolicy) -> Result<(String, u16), TargetError> {
    check_len(raw)?;
    let url = Url::parse(raw.trim()).map_err(unparsable)?;
    if url.scheme() != "tcp" {
        return Err(TargetError::Scheme(url.scheme().to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::Userinfo);
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(TargetError::TcpShape("no path, query or fragment"));
    }
    let port = url.port().ok_or(TargetError::TcpShape("the port is required"))?;
    // `tcp` is not a special scheme, so url keeps its host opaque (no IPv4 or IDNA parsing):
    // parse it again as a special scheme's host, which is what connect() will dial.
    let opaque = url.host_str().filter(|h| !h.is_empty()).ok_or(TargetError::MissingHost)?;
    let host = Host::parse(opaque).map_err(unparsable)?;
    let borrowed = match &host {
        Host::Domain(d) => Host::Domain(d.as_str()),
        Host::Ipv4(a) => Host::Ipv4(*a),
        Host::Ipv6(a) => Host::Ipv6(*a),
    };
    match classify_host(&borrowed)? {
        Destination::Public => {}
        Destination::Private(refusal) if !policy.allow_private => return Err(refusal),
        Destination::Private(_) => {}
    }
    if port == 0 {
        return Err(TargetError::Port(0));
    }
    if port == 25 {
        return Err(TargetError::SmtpPort);
    }
    let host = match host {
        Host::Ipv6(a) => a.to_string(),
        other => other.to_string(),
    };
    Ok((host, port))
}

/// The stored form of a TCP target: `tcp://host:port` (IPv6 in brackets).
pub fn tcp_url(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("tcp://[{host}]:{port}")
    } else {
        format!("tcp://{host}:{port}")
    }
}

/// Length cap on the input as received, before trimming or parsing, so oversized input
/// is refused before any work is spent on it.
fn check_len(raw: &str) -> Result<(), TargetError> {
    // Byte length bounds character count, so counting only happens for long input.
    if raw.len() > MAX_URL_LEN {
        let len = raw.chars().count();
        if len > MAX_URL_LEN {
            return Err(TargetError::TooLong {
                len,
                max: MAX_URL_LEN,
            });
        }
    }
    Ok(())
}

fn unparsable(err: ParseError) -> TargetError {
    let mut reason = err.to_string();
    if err == ParseError::RelativeUrlWithoutBase {
        // The usual cause is a bare `example.com`; say what is missing.
        reason.push_str(" (the URL must start with http:// or https://)");
    }
    TargetError::Unparsable(reason)
}

/// Where a host points, as far as can be told without DNS.
enum Destination {
    Public,
    /// Refused unless the policy allows private destinations; holds the refusal.
    Private(TargetError),
}

/// The rules shared by [`check_target`] and [`resolve_redirect`], applied to a parsed URL.
fn check_url(url: Url, policy: TargetPolicy) -> Result<Url, TargetError> {
    // Normalisation can grow a URL (percent-encoding, punycode), and the normalised
    // form is what gets stored and fetched.
    let len = url.as_str().len();
    if len > MAX_URL_LEN {
        return Err(TargetError::TooLong {
            len,
            max: MAX_URL_LEN,
        });
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TargetError::Scheme(url.scheme().to_owned()));
    }
    // url drops an empty userinfo (`http://@host/`, `http://:@host/`), so whatever is
    // left here is a real user name or password.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::Userinfo);
    }
    let host = url.host().ok_or(TargetError::MissingHost)?;
    match classify_host(&host)? {
        Destination::Public => {
            // `port()` is None for no port and for the scheme's default port.
            if let Some(port) = url.port().filter(|port| !ALLOWED_PORTS.contains(port)) {
                return Err(TargetError::Port(port));
            }
        }
        Destination::Private(refusal) => {
            if !policy.allow_private {
                return Err(refusal);
            }
            // Any port is fine for a private destination, but nothing listens on port 0:
            // it can only be a typo.
            if url.port() == Some(0) {
                return Err(TargetError::Port(0));
            }
        }
    }
    Ok(url)
}

fn classify_host(host: &Host<&str>) -> Result<Destination, TargetError> {
    match host {
        Host::Ipv4(_) | Host::Ipv6(_) => Ok(Destination::Private(ip_literal(host))),
        Host::Domain(name) => classify_domain(name),
    }
}

fn classify_domain(name: &str) -> Result<Destination, TargetError> {
    // Trailing dots only mark a name as fully qualified: `localhost.` and `localhost..`
    // are still localhost. url normalises one trailing dot on an IPv4 address but keeps
    // a host with two or more as a name, without running its IPv4 parser: `127.0.0.1..`
    // and `0x7f.1..` stay Host::Domain. Parsing the stripped name again, exactly as url
    // parses a host, recognises those addresses and refuses names url itself would
    // refuse (`1.2.3.4.5`). It also lowercases, though url already has.
    let stripped = name.trim_end_matches('.');
    let reparsed = Host::parse(stripped).map_err(unparsable)?;
    match &reparsed {
        Host::Ipv4(_) | Host::Ipv6(_) => Ok(Destination::Private(ip_literal(&reparsed))),
        Host::Domain(domain) if is_internal_name(domain) => Ok(Destination::Private(
            TargetError::InternalName(name.to_owned()),
        )),
        Host::Domain(_) => Ok(Destination::Public),
    }
}

/// The refusal for an IP host. Uses url's serialisation rather than std's Display so
/// the address reads exactly as in the normalised URL (`::ffff:7f00:1`), independent of
/// how the Rust version formats IPv4-mapped addresses.
fn ip_literal<S: AsRef<str>>(host: &Host<S>) -> TargetError {
    let text = host.to_string();
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    TargetError::IpLiteral(bare.to_owned())
}

/// `name` is lowercase with no trailing dot.
fn is_internal_name(name: &str) -> bool {
    // A single label (`intranet`, `printer`) has no public TLD to live under, so it can
    // only resolve through a local search domain or hosts file.
    let single_label = !name.contains('.');
    single_label || is_metadata_host(name) || has_internal_suffix(name)
}

fn is_metadata_host(name: &str) -> bool {
    METADATA_HOSTS.contains(&name)
}

fn has_internal_suffix(name: &str) -> bool {
    INTERNAL_SUFFIXES.iter().any(|suffix| {
        // Match whole labels only: `db.internal` is internal, `notinternal.com` and
        // `internal.example.com` are not.
        name == *suffix
            || name
                .strip_suffix(suffix)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

#[cfg(test)]
mod tcp_tests {
    use super::*;

    #[test]
    #[allow(clippy::type_complexity)] // one table row per case reads better than a named type
    fn tcp_targets() {
        let strict = TargetPolicy { allow_private: false };
        let dev = TargetPolicy { allow_private: true };
        #[rustfmt::skip]
        let cases: &[(&str, TargetPolicy, Result<(&str, u16), &str>)] = &[
            ("tcp://db.example.com:5432", strict, Ok(("db.example.com", 5432))),
            ("TCP://DB.Example.com:22/", strict, Ok(("db.example.com", 22))),
            ("tcp://bücher.example:443", strict, Ok(("xn--bcher-kva.example", 443))),
            ("tcp://127.0.0.1:40123", dev, Ok(("127.0.0.1", 40123))),
            ("tcp://0x7f.1:8080", dev, Ok(("127.0.0.1", 8080))),
            ("tcp://[::1]:6379", dev, Ok(("::1", 6379))),
            ("tcp://localhost:6379", dev, Ok(("localhost", 6379))),
            ("tcp://127.0.0.1:40123", strict, Err("IP literal 127.0.0.1 is not allowed")),
            ("tcp://0x7f.1:80", strict, Err("IP literal 127.0.0.1 is not allowed")),
            ("tcp://[::1]:80", strict, Err("IP literal ::1 is not allowed")),
            ("tcp://redis.internal:6379", strict, Err("host \"redis.internal\" is an internal name and is not allowed")),
            ("tcp://mail.example.com:25", strict, Err("port 25 is refused")),
            ("tcp://127.0.0.1:25", dev, Err("port 25 is refused")),
            ("tcp://db.example.com", strict, Err("the port is required")),
            ("tcp://db.example.com:0", strict, Err("port 0 is not allowed")),
            ("tcp://db.example.com:5432/x", strict, Err("no path, query or fragment")),
            ("tcp://db.example.com:5432?x=1", strict, Err("no path, query or fragment")),
            ("tcp://user:pw@db.example.com:5432", strict, Err("user:password@")),
            ("https://db.example.com:5432", strict, Err("scheme \"https\"")),
            ("db.example.com:5432", strict, Err("scheme \"db.example.com\"")),
            ("tcp://:5432", strict, Err("")),
            ("tcp://db.example.com:65536", strict, Err("invalid port")),
        ];
        for (raw, policy, want) in cases {
            let got = check_tcp_target(raw, *policy);
            match (got, want) {
                (Ok((h, p)), Ok((wh, wp))) => assert_eq!((h.as_str(), p), (*wh, *wp), "{raw}"),
                (Err(e), Err(fragment)) => assert!(e.to_string().contains(fragment), "{raw}: {e}"),
                (got, want) => panic!("{raw}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(tcp_url("db.example.com", 5432), "tcp://db.example.com:5432");
        assert_eq!(tcp_url("::1", 6379), "tcp://[::1]:6379");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Production policy.
    const STRICT: bool = false;
    /// `ALLOW_PRIVATE_TARGETS=true`.
    const DEV: bool = true;

    #[derive(Debug, Clone, Copy)]
    enum Expect {
        /// Accepted; the normalised URL that fetch will be given.
        Ok(&'static str),
        /// Refused as unparsable; a fragment of the reason.
        Unparsable(&'static str),
        Scheme(&'static str),
        Userinfo,
        /// Refused IP literal; the normalised address.
        Ip(&'static str),
        /// Refused internal name; the host as url serialises it.
        Internal(&'static str),
        Port(u16),
    }

    fn policy(allow_private: bool) -> TargetPolicy {
        TargetPolicy { allow_private }
    }

    /// Describes the mismatch, if any, between a result and what a case expects.
    fn mismatch(got: &Result<Url, TargetError>, expect: Expect) -> Option<String> {
        let ok = match (got, expect) {
            (Ok(url), Expect::Ok(want)) => url.as_str() == want,
            (Err(TargetError::Unparsable(reason)), Expect::Unparsable(want)) => {
                reason.contains(want)
            }
            (Err(TargetError::Scheme(s)), Expect::Scheme(want)) => s == want,
            (Err(TargetError::Userinfo), Expect::Userinfo) => true,
            (Err(TargetError::IpLiteral(a)), Expect::Ip(want)) => a == want,
            (Err(TargetError::InternalName(h)), Expect::Internal(want)) => h == want,
            (Err(TargetError::Port(p)), Expect::Port(want)) => *p == want,
            _ => false,
        };
        (!ok).then(|| format!("expected {expect:?}, got {got:?}"))
    }

    /// (name, URL as typed, `allow_private`, expected outcome)
    #[rustfmt::skip]
    const CASES: &[(&str, &str, bool, Expect)] = &[
        // --- public targets that must pass ---
        ("plain https", "https://example.com/", STRICT, Expect::Ok("https://example.com/")),
        ("path and query", "https://status.example.com/health?deep=1", STRICT, Expect::Ok("https://status.example.com/health?deep=1")),
        ("scheme and host lowercased", "HTTPS://EXAMPLE.COM/Path", STRICT, Expect::Ok("https://example.com/Path")),
        ("surrounding whitespace trimmed", "  https://example.com/  ", STRICT, Expect::Ok("https://example.com/")),
        ("unicode whitespace trimmed", "\u{a0}https://example.com/\u{3000}", STRICT, Expect::Ok("https://example.com/")),
        ("default http port dropped", "http://example.com:80/", STRICT, Expect::Ok("http://example.com/")),
        ("default https port dropped", "https://example.com:443/", STRICT, Expect::Ok("https://example.com/")),
        ("allowed alternate port", "https://example.com:8443/", STRICT, Expect::Ok("https://example.com:8443/")),
        ("cloudflare proxied port", "http://example.com:2052/", STRICT, Expect::Ok("http://example.com:2052/")),
        ("port 443 over http is listed", "http://example.com:443/", STRICT, Expect::Ok("http://example.com:443/")),
        ("leading zeros in port", "http://example.com:08080/", STRICT, Expect::Ok("http://example.com:8080/")),
        ("public trailing dot", "https://example.com./", STRICT, Expect::Ok("https://example.com./")),
        ("idn to punycode", "https://bücher.example/", STRICT, Expect::Ok("https://xn--bcher-kva.example/")),
        ("empty userinfo dropped by url", "http://@example.com/", STRICT, Expect::Ok("http://example.com/")),
        ("empty user and password dropped by url", "http://:@example.com/", STRICT, Expect::Ok("http://example.com/")),
        ("backslash ends the authority", "http://example.com\\@127.0.0.1/", STRICT, Expect::Ok("http://example.com/@127.0.0.1/")),
        ("missing slashes still http", "http:example.com", STRICT, Expect::Ok("http://example.com/")),
        ("newline inside host removed", "http://exam\nple.com/", STRICT, Expect::Ok("http://example.com/")),
        ("numeric first label is a name", "http://2130706433.example.com/", STRICT, Expect::Ok("http://2130706433.example.com/")),
        ("localhost as a subdomain label", "https://localhost.example.com/", STRICT, Expect::Ok("https://localhost.example.com/")),
        ("suffix word inside a label", "https://mylocal.com/", STRICT, Expect::Ok("https://mylocal.com/")),
        ("last label ending in a suffix word", "https://example.notlocal/", STRICT, Expect::Ok("https://example.notlocal/")),
        ("internal as first label", "https://internal.example.org/", STRICT, Expect::Ok("https://internal.example.org/")),
        ("corp as second label", "https://corp.example.com/", STRICT, Expect::Ok("https://corp.example.com/")),
        // --- unparsable ---
        ("no scheme", "example.com", STRICT, Expect::Unparsable("relative URL without a base")),
        ("empty", "", STRICT, Expect::Unparsable("relative URL without a base")),
        ("blank", "   ", DEV, Expect::Unparsable("relative URL without a base")),
        ("empty host", "http://", STRICT, Expect::Unparsable("empty host")),
        ("port without host", "http://:80/", STRICT, Expect::Unparsable("empty host")),
        ("port out of range", "http://example.com:65536/", STRICT, Expect::Unparsable("invalid port number")),
        ("five-part ipv4", "http://127.0.0.1.1/", STRICT, Expect::Unparsable("invalid IPv4 address")),
        ("name ending in a number", "http://foo.123/", STRICT, Expect::Unparsable("invalid IPv4 address")),
        ("ipv6 zone id", "http://[fe80::1%25eth0]/", DEV, Expect::Unparsable("invalid IPv6 address")),
        ("numeric name hidden by two dots", "http://1.2.3.4.5../", DEV, Expect::Unparsable("invalid IPv4 address")),
        // --- schemes ---
        ("ftp", "ftp://example.com/", STRICT, Expect::Scheme("ftp")),
        ("file", "file:///etc/passwd", STRICT, Expect::Scheme("file")),
        ("gopher", "gopher://example.com:70/_x", STRICT, Expect::Scheme("gopher")),
        ("javascript", "javascript:alert(1)", STRICT, Expect::Scheme("javascript")),
        ("data", "data:text/html,hi", STRICT, Expect::Scheme("data")),
        ("ws", "ws://example.com/", STRICT, Expect::Scheme("ws")),
        ("uppercase scheme reported lowercase", "WSS://example.com/", STRICT, Expect::Scheme("wss")),
        ("scheme rule survives allow_private", "ftp://127.0.0.1/", DEV, Expect::Scheme("ftp")),
        // --- userinfo ---
        ("user and password", "http://user:pass@example.com/", STRICT, Expect::Userinfo),
        ("user only", "http://user@example.com/", STRICT, Expect::Userinfo),
        ("password only", "http://:pass@example.com/", STRICT, Expect::Userinfo),
        ("trusted name as userinfo", "http://example.com@127.0.0.1/", STRICT, Expect::Userinfo),
        ("encoded slash in userinfo", "http://example.com%2F@127.0.0.1/", STRICT, Expect::Userinfo),
        ("userinfo rule survives allow_private", "http://u:p@127.0.0.1/", DEV, Expect::Userinfo),
        // --- IP literals, every notation ---
        ("dotted loopback", "http://127.0.0.1/", STRICT, Expect::Ip("127.0.0.1")),
        ("decimal", "http://2130706433/", STRICT, Expect::Ip("127.0.0.1")),
        ("hex", "http://0x7f000001/", STRICT, Expect::Ip("127.0.0.1")),
        ("octal", "http://0177.0.0.1/", STRICT, Expect::Ip("127.0.0.1")),
        ("hex short form", "http://0x7f.1/", STRICT, Expect::Ip("127.0.0.1")),
        ("short form", "http://127.1/", STRICT, Expect::Ip("127.0.0.1")),
        ("three-part form", "http://1.2.3/", STRICT, Expect::Ip("1.2.0.3")),
        ("full-width digits", "http://１２７.０.０.１/", STRICT, Expect::Ip("127.0.0.1")),
        ("ideographic dots", "http://127。0。0。1/", STRICT, Expect::Ip("127.0.0.1")),
        ("percent-encoded digit", "http://127.0.0.%31/", STRICT, Expect::Ip("127.0.0.1")),
        ("ipv4 trailing dot", "http://127.0.0.1./", STRICT, Expect::Ip("127.0.0.1")),
        ("ipv4 two trailing dots", "http://127.0.0.1../", STRICT, Expect::Ip("127.0.0.1")),
        ("hex short form two trailing dots", "http://0x7f.1../", STRICT, Expect::Ip("127.0.0.1")),
        ("backslashes as slashes", "http:\\\\127.0.0.1\\", STRICT, Expect::Ip("127.0.0.1")),
        ("fragment hides a trusted name", "http://127.0.0.1#@example.com/", STRICT, Expect::Ip("127.0.0.1")),
        ("host judged before port", "http://127.0.0.1:22/", STRICT, Expect::Ip("127.0.0.1")),
        ("rfc1918", "http://10.0.0.1/", STRICT, Expect::Ip("10.0.0.1")),
        ("metadata address", "http://169.254.169.254/latest/meta-data/", STRICT, Expect::Ip("169.254.169.254")),
        ("unspecified", "http://0.0.0.0/", STRICT, Expect::Ip("0.0.0.0")),
        ("bare 0x", "http://0x/", STRICT, Expect::Ip("0.0.0.0")),
        ("public ipv4", "http://8.8.8.8/", STRICT, Expect::Ip("8.8.8.8")),
        ("ipv6 loopback", "http://[::1]/", STRICT, Expect::Ip("::1")),
        ("ipv6 unspecified", "http://[::]/", STRICT, Expect::Ip("::")),
        ("ipv4-mapped dotted", "http://[::ffff:127.0.0.1]/", STRICT, Expect::Ip("::ffff:7f00:1")),
        ("ipv4-mapped hex", "http://[::ffff:7f00:1]/", STRICT, Expect::Ip("::ffff:7f00:1")),
        ("ipv4-mapped long form", "http://[0:0:0:0:0:ffff:127.0.0.1]/", STRICT, Expect::Ip("::ffff:7f00:1")),
        ("ipv4-mapped metadata", "http://[::ffff:169.254.169.254]/", STRICT, Expect::Ip("::ffff:a9fe:a9fe")),
        ("ipv6 link-local", "http://[fe80::1]/", STRICT, Expect::Ip("fe80::1")),
        ("public ipv6", "http://[2606:4700::1111]/", STRICT, Expect::Ip("2606:4700::1111")),
        // --- internal names ---
        ("localhost", "http://localhost/", STRICT, Expect::Internal("localhost")),
        ("localhost uppercase trailing dot", "http://LOCALHOST./", STRICT, Expect::Internal("localhost.")),
        ("localhost two trailing dots", "http://localhost../", STRICT, Expect::Internal("localhost..")),
        ("localhost percent-encoded", "http://loc%61lhost/", STRICT, Expect::Internal("localhost")),
        ("localhost circled letter", "http://ⓛocalhost/", STRICT, Expect::Internal("localhost")),
        ("subdomain of localhost", "http://app.localhost:3000/", STRICT, Expect::Internal("app.localhost")),
        ("mdns", "http://printer.local/", STRICT, Expect::Internal("printer.local")),
        ("mdns uppercase", "http://NAS.LOCAL/", STRICT, Expect::Internal("nas.local")),
        ("empty label before suffix", "http://a..local/", STRICT, Expect::Internal("a..local")),
        ("internal", "http://db.internal/", STRICT, Expect::Internal("db.internal")),
        ("gce metadata", "http://metadata.google.internal/computeMetadata/v1/", STRICT, Expect::Internal("metadata.google.internal")),
        ("gce metadata short", "http://metadata/", STRICT, Expect::Internal("metadata")),
        ("ec2 metadata short", "http://instance-data/", STRICT, Expect::Internal("instance-data")),
        ("ec2 metadata", "http://instance-data.ec2.internal/", STRICT, Expect::Internal("instance-data.ec2.internal")),
        ("localdomain", "http://router.localdomain/", STRICT, Expect::Internal("router.localdomain")),
        ("lan", "http://nas.lan/", STRICT, Expect::Internal("nas.lan")),
        ("home.arpa", "http://printer.home.arpa/", STRICT, Expect::Internal("printer.home.arpa")),
        ("intranet", "http://wiki.intranet/", STRICT, Expect::Internal("wiki.intranet")),
        ("corp", "http://git.corp/", STRICT, Expect::Internal("git.corp")),
        ("reverse dns name", "http://1.0.0.127.in-addr.arpa/", STRICT, Expect::Internal("1.0.0.127.in-addr.arpa")),
        ("single label", "http://intranet/", STRICT, Expect::Internal("intranet")),
        ("single label with port", "http://printer:8080/", STRICT, Expect::Internal("printer")),
        ("not a number for WHATWG", "http://1e1/", STRICT, Expect::Internal("1e1")),
        ("host made of a dot", "http://./", STRICT, Expect::Unparsable("empty host")),
        // --- ports on public names ---
        ("ssh port", "http://example.com:22/", STRICT, Expect::Port(22)),
        ("port zero", "http://example.com:0/", STRICT, Expect::Port(0)),
        ("redis port", "https://example.com:6379/", STRICT, Expect::Port(6379)),
        ("highest port", "http://example.com:65535/", STRICT, Expect::Port(65535)),
        ("port rule for public names survives allow_private", "http://example.com:22/", DEV, Expect::Port(22)),
        // --- allow_private lifts the private-destination rules only ---
        ("fixture server", "http://127.0.0.1:45123/ok", DEV, Expect::Ok("http://127.0.0.1:45123/ok")),
        ("localhost any port", "http://localhost:9/", DEV, Expect::Ok("http://localhost:9/")),
        ("ipv6 loopback with port", "http://[::1]:8080/", DEV, Expect::Ok("http://[::1]:8080/")),
        ("rfc1918 allowed", "http://10.1.2.3/", DEV, Expect::Ok("http://10.1.2.3/")),
        ("internal name any port", "http://db.internal:5432/", DEV, Expect::Ok("http://db.internal:5432/")),
        ("public ip any port", "http://8.8.8.8:22/", DEV, Expect::Ok("http://8.8.8.8:22/")),
        ("two trailing dots ip allowed", "http://127.0.0.1../", DEV, Expect::Ok("http://127.0.0.1../")),
        ("port zero still refused", "http://127.0.0.1:0/", DEV, Expect::Port(0)),
        ("public name allowed port", "https://example.com:8443/", DEV, Expect::Ok("https://example.com:8443/")),
    ];

    #[test]
    fn check_target_table() {
        let failures: Vec<String> = CASES
            .iter()
            .filter_map(|&(name, raw, allow_private, expect)| {
                let got = check_target(raw, policy(allow_private));
                mismatch(&got, expect).map(|why| format!("{name} ({raw:?}): {why}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failing case(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn case_names_are_unique() {
        // Failures are reported by name, so a duplicate name would be ambiguous.
        let mut names: Vec<&str> = CASES.iter().map(|case| case.0).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate case names in CASES");
    }

    /// (name, current URL, Location header, `allow_private`, expected outcome)
    #[rustfmt::skip]
    const REDIRECTS: &[(&str, &str, &str, bool, Expect)] = &[
        ("absolute path", "https://example.com/a/b/c", "/next", STRICT, Expect::Ok("https://example.com/next")),
        ("parent-relative", "https://example.com/a/b/c", "../x", STRICT, Expect::Ok("https://example.com/a/x")),
        ("query only", "https://example.com/a?page=1", "?page=2", STRICT, Expect::Ok("https://example.com/a?page=2")),
        ("surrounding whitespace", "https://example.com/a", "  /next \t", STRICT, Expect::Ok("https://example.com/next")),
        ("absolute public", "http://example.com/", "https://www.example.com/", STRICT, Expect::Ok("https://www.example.com/")),
        ("absolute normalised", "https://example.com/", "HTTPS://Example.COM:443/x", STRICT, Expect::Ok("https://example.com/x")),
        ("non-ascii path encoded", "https://example.com/", "/é", STRICT, Expect::Ok("https://example.com/%C3%A9")),
        ("scheme-relative public", "https://example.com/a", "//cdn.example.org/x", STRICT, Expect::Ok("https://cdn.example.org/x")),
        ("scheme-relative internal", "https://example.com/a", "//evil.internal/x", STRICT, Expect::Internal("evil.internal")),
        ("backslash scheme-relative", "https://example.com/a", "/\\evil.internal/x", STRICT, Expect::Internal("evil.internal")),
        ("double backslash", "https://example.com/a", "\\\\evil.internal\\x", STRICT, Expect::Internal("evil.internal")),
        ("scheme change without slashes", "https://example.com/a", "http:evil.internal", STRICT, Expect::Internal("evil.internal")),
        ("same scheme without slashes is a path", "https://example.com/a/b", "https:evil.internal", STRICT, Expect::Ok("https://example.com/a/evil.internal")),
        ("metadata address", "https://example.com/", "http://169.254.169.254/latest/meta-data/", STRICT, Expect::Ip("169.254.169.254")),
        ("ipv6 loopback", "https://example.com/", "http://[::1]/", STRICT, Expect::Ip("::1")),
        ("file", "https://example.com/", "file:///etc/passwd", STRICT, Expect::Scheme("file")),
        ("javascript", "https://example.com/", "javascript:alert(1)", STRICT, Expect::Scheme("javascript")),
        ("userinfo", "https://example.com/", "https://user:pw@example.com/", STRICT, Expect::Userinfo),
        ("bad port", "https://example.com/", "https://example.com:22/", STRICT, Expect::Port(22)),
        ("empty", "https://example.com/a", "", STRICT, Expect::Unparsable("empty Location")),
        ("blank", "https://example.com/a", "  \t ", DEV, Expect::Unparsable("empty Location")),
        ("three slashes", "https://example.com/a", "///evil.internal/x", STRICT, Expect::Unparsable("empty host")),
        ("relative hop on a private host is re-judged", "http://127.0.0.1:45123/a", "/b", STRICT, Expect::Ip("127.0.0.1")),
        ("relative hop on a private host in dev", "http://127.0.0.1:45123/a", "/b", DEV, Expect::Ok("http://127.0.0.1:45123/b")),
        ("fixture redirect in dev", "http://127.0.0.1:45123/a", "http://localhost:45124/c", DEV, Expect::Ok("http://localhost:45124/c")),
        ("dev keeps the scheme rule", "http://127.0.0.1:45123/a", "file:///etc/passwd", DEV, Expect::Scheme("file")),
    ];

    #[test]
    fn resolve_redirect_table() {
        let failures: Vec<String> = REDIRECTS
            .iter()
            .filter_map(|&(name, current, location, allow_private, expect)| {
                let current = match Url::parse(current) {
                    Ok(url) => url,
                    Err(err) => return Some(format!("{name}: bad current URL {current:?}: {err}")),
                };
                let got = resolve_redirect(&current, location, policy(allow_private));
                mismatch(&got, expect).map(|why| format!("{name} ({location:?}): {why}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failing case(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn url_of_len(len: usize) -> String {
        let prefix = "https://example.com/";
        format!("{prefix}{}", "a".repeat(len - prefix.len()))
    }

    #[test]
    fn length_cap_is_inclusive() {
        let at_max = url_of_len(MAX_URL_LEN);
        assert!(check_target(&at_max, TargetPolicy::default()).is_ok());
        let over = url_of_len(MAX_URL_LEN + 1);
        assert_eq!(
            check_target(&over, TargetPolicy::default()),
            Err(TargetError::TooLong {
                len: MAX_URL_LEN + 1,
                max: MAX_URL_LEN
            })
        );
    }

    #[test]
    fn length_counts_raw_input_before_trimming_and_survives_allow_private() {
        let padded = format!("{}{}", url_of_len(MAX_URL_LEN - 10), " ".repeat(11));
        assert_eq!(
            check_target(
                &padded,
                TargetPolicy {
                    allow_private: true
                }
            ),
            Err(TargetError::TooLong {
                len: MAX_URL_LEN + 1,
                max: MAX_URL_LEN
            })
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 2020 characters but 2060 bytes (U+3000 is three bytes); trimmed, it is fine.
        let padded = format!("{}{}", url_of_len(2000), "\u{3000}".repeat(20));
        assert!(padded.len() > MAX_URL_LEN);
        assert_eq!(
            check_target(&padded, TargetPolicy::default()).map(|url| url.as_str().len()),
            Ok(2000)
        );
        // And an over-long input reports its length in characters.
        let wide = format!("https://example.com/{}", "é".repeat(2100));
        assert_eq!(
            check_target(&wide, TargetPolicy::default()),
            Err(TargetError::TooLong {
                len: 2120,
                max: MAX_URL_LEN
            })
        );
    }

    #[test]
    fn length_is_checked_again_after_normalisation() {
        // 520 characters as typed, 3020 once `é` is percent-encoded.
        let raw = format!("https://example.com/{}", "é".repeat(500));
        assert_eq!(
            check_target(&raw, TargetPolicy::default()),
            Err(TargetError::TooLong {
                len: 3020,
                max: MAX_URL_LEN
            })
        );
    }

    #[test]
    fn redirect_length_is_capped() {
        let current = url_of_len(100);
        let current = Url::parse(&current).expect("valid base");
        let location = url_of_len(MAX_URL_LEN + 1);
        assert_eq!(
            resolve_redirect(&current, &location, TargetPolicy::default()),
            Err(TargetError::TooLong {
                len: MAX_URL_LEN + 1,
                max: MAX_URL_LEN
            })
        );
        // The header as received counts, even if trimming would shorten it.
        let padded = format!("/next{}", " ".repeat(MAX_URL_LEN));
        assert_eq!(
            resolve_redirect(&current, &padded, TargetPolicy::default()),
            Err(TargetError::TooLong {
                len: MAX_URL_LEN + 5,
                max: MAX_URL_LEN
            })
        );
        // A short relative Location can still produce an over-long URL.
        let long_base =
            Url::parse(&format!("{}/", url_of_len(MAX_URL_LEN - 1))).expect("valid base");
        let got = resolve_redirect(&long_base, "next", TargetPolicy::default());
        assert!(matches!(got, Err(TargetError::TooLong { .. })), "{got:?}");
    }

    #[test]
    fn every_allowed_port_passes_and_others_do_not() {
        for &port in ALLOWED_PORTS {
            let raw = format!("https://example.com:{port}/");
            assert!(check_target(&raw, TargetPolicy::default()).is_ok(), "{raw}");
        }
        for port in [
            1, 21, 22, 23, 25, 53, 110, 135, 445, 3306, 5432, 6379, 9200, 11211, 27017,
        ] {
            let raw = format!("http://example.com:{port}/");
            assert_eq!(
                check_target(&raw, TargetPolicy::default()),
                Err(TargetError::Port(port)),
                "{raw}"
            );
        }
    }

    #[test]
    fn metadata_hosts_are_refused_on_their_own() {
        // Independent of the generic rules that also catch them.
        for &name in METADATA_HOSTS {
            assert!(is_metadata_host(name), "{name}");
        }
        assert!(!is_metadata_host("metadata.example.com"));
    }

    #[test]
    fn default_policy_is_strict() {
        assert!(!TargetPolicy::default().allow_private);
        assert!(check_target("http://127.0.0.1/", TargetPolicy::default()).is_err());
    }

    #[test]
    fn redirect_limit_matches_spec() {
        assert_eq!(MAX_REDIRECTS, 5);
    }

    #[test]
    fn display_messages() {
        let cases: &[(TargetError, &str)] = &[
            (
                TargetError::TooLong {
                    len: 3000,
                    max: 2048,
                },
                "URL is 3000 characters long (max 2048)",
            ),
            (
                TargetError::Scheme("ftp".into()),
                "scheme \"ftp\" is not allowed (use http or https)",
            ),
            (
                TargetError::Userinfo,
                "user:password@ in URLs is not allowed",
            ),
            (TargetError::MissingHost, "URL has no host"),
            (
                TargetError::IpLiteral("127.0.0.1".into()),
                "IP literal 127.0.0.1 is not allowed",
            ),
            (
                TargetError::IpLiteral("::1".into()),
                "IP literal ::1 is not allowed",
            ),
            (
                TargetError::InternalName("db.internal".into()),
                "host \"db.internal\" is an internal name and is not allowed",
            ),
            (TargetError::Port(22), "port 22 is not allowed"),
            (
                TargetError::Unparsable("empty host".into()),
                "URL could not be parsed: empty host",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), *want);
        }
    }

    #[test]
    fn display_of_real_refusals_names_the_offending_value() {
        let strict = TargetPolicy::default();
        let cases = [
            ("gopher://example.com/", "gopher"),
            ("http://0x7f.1/", "127.0.0.1"),
            ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
            (
                "http://metadata.google.internal/",
                "metadata.google.internal",
            ),
            ("https://example.com:6379/", "6379"),
            ("example.com", "http:// or https://"),
        ];
        for (raw, needle) in cases {
            match check_target(raw, strict) {
                Ok(url) => panic!("{raw} was accepted as {url}"),
                Err(err) => {
                    let msg = err.to_string();
                    assert!(msg.contains(needle), "{raw}: {msg:?} lacks {needle:?}");
                    assert!(!msg.contains('\n'), "{raw}: message is not one line");
                }
            }
        }
    }
}
