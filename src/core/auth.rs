//! Accounts: password hashing, API token secrets and scopes, and the rules for usernames and
//! passwords. Pure: callers pass random bytes in.
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::input::FieldError;

/// PBKDF2-HMAC-SHA256 iterations for new hashes (DESIGN.md §11: at least 100k). Stored with the hash,
/// so raising it later keeps old hashes verifiable.
pub const PASSWORD_ITERATIONS: u32 = 100_000;
/// The most iterations Workers' WebCrypto PBKDF2 accepts: up to this a hash is derived natively;
/// above it only the (slow) wasm derivation can verify it.
pub const NATIVE_MAX_ITERATIONS: u32 = 100_000;
/// Hashes claiming more than this are refused rather than computed: a tampered row must not
/// be able to burn a Worker's CPU budget.
const MAX_ITERATIONS: u32 = 1_000_000;
pub const KEY_BYTES: usize = 32;
pub const SALT_BYTES: usize = 16;

pub const USERNAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 8;
/// PBKDF2 hashes the password once per iteration's HMAC key setup; a cap keeps that bounded.
pub const PASSWORD_MAX: usize = 256;

/// A well-formed hash no password matches, verified when a login names an unknown user (or one
/// without a password), so that costs the same PBKDF2 work and timing does not reveal which
/// usernames exist. Its iteration count is [`PASSWORD_ITERATIONS`], like every hash written now.
pub const DUMMY_HASH: &str = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// Token secrets look like `vgl_<43 base64url chars>` (32 random bytes).
pub const TOKEN_PREFIX: &str = "vgl_";
/// How much of a secret is kept in clear, so a user can tell tokens apart.
const VISIBLE_CHARS: usize = 12;

/// `pbkdf2-sha256$<iterations>$<salt b64>$<key b64>`: what the worker stores (`crate::password`
/// derives the key with WebCrypto; this pure derivation gives the same bytes).
pub fn hash_password(password: &str, salt: &[u8; SALT_BYTES], iterations: u32) -> String {
    format_hash(salt, iterations, &derive(password, salt, iterations))
}

pub fn format_hash(salt: &[u8], iterations: u32, key: &[u8]) -> String {
    format!("pbkdf2-sha256${iterations}${}${}", STANDARD.encode(salt), STANDARD.encode(key))
}

/// PBKDF2-HMAC-SHA256 in Rust (in the worker: wasm). The reference for the WebCrypto path and
/// the derivation for hashes above [`NATIVE_MAX_ITERATIONS`].
pub fn derive(password: &str, salt: &[u8], iterations: u32) -> [u8; KEY_BYTES] {
    derive_bytes(password.as_bytes(), salt, iterations)
}

pub fn derive_bytes(password: &[u8], salt: &[u8], iterations: u32) -> [u8; KEY_BYTES] {
    let mut key = [0u8; KEY_BYTES];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut key);
    key
}

/// Where a hash's key is derived again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivation {
    /// WebCrypto: native code, a few ms.
    Native,
    /// Rust in wasm: ~130 ms of CPU per 100,000 iterations; only for counts WebCrypto refuses.
    Wasm,
}

impl Derivation {
    pub fn of(iterations: u32) -> Self {
        if iterations <= NATIVE_MAX_ITERATIONS {
            Self::Native
        } else {
            Self::Wasm
        }
    }
}

/// A stored hash, parsed and checked: the iteration count within bounds, a 32-byte key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHash {
    pub iterations: u32,
    pub salt: Vec<u8>,
    key: Vec<u8>,
}

impl StoredHash {
    /// `None` for anything but `pbkdf2-sha256$<1..=1,000,000>$<b64>$<b64 of 32 bytes>`.
    pub fn parse(stored: &str) -> Option<Self> {
        let mut parts = stored.split('$');
        let (Some("pbkdf2-sha256"), Some(iterations), Some(salt), Some(key), None) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let iterations = iterations.parse::<u32>().ok().filter(|n| (1..=MAX_ITERATIONS).contains(n))?;
        let (Ok(salt), Ok(key)) = (STANDARD.decode(salt), STANDARD.decode(key)) else { return None };
        (key.len() == KEY_BYTES).then_some(Self { iterations, salt, key })
    }

    /// Constant-time, so timing says nothing about how close a guess was.
    pub fn matches(&self, derived: &[u8]) -> bool {
        derived.ct_eq(&self.key[..]).into()
    }

    /// Stored with another iteration count than new hashes get: after a successful login the
    /// password is hashed again, so a hash above the WebCrypto cap costs the wasm derivation once.
    pub fn needs_rehash(&self) -> bool {
        self.iterations != PASSWORD_ITERATIONS
    }
}

/// True when `password` matches `stored`, derived in Rust (the worker verifies through
/// `crate::password`, which derives natively when it can). Malformed hashes never match.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Some(hash) = StoredHash::parse(stored) else { return false };
    password.len() <= PASSWORD_MAX && hash.matches(&derive(password, &hash.salt, hash.iterations))
}

/// Constant-time equality for secrets given in requests (the ADMIN_TOKEN comparison).
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// A freshly generated API token: the secret (shown once) and what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

pub fn new_token(random: &[u8; 32]) -> NewToken {
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    NewToken { prefix: secret[..VISIBLE_CHARS].to_string(), hash: token_hash(&secret), secret }
}

/// What the database keeps of a token: lowercase hex SHA-256. Looking a token up by its hash
/// means the secret itself is never compared or stored.
pub fn token_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What a token may do. `write` includes `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }
}

/// A token's scopes, normalized: `write` always brings `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub write: bool,
}

impl Scopes {
    pub const ALL: Scopes = Scopes { write: true };
    pub const READ: Scopes = Scopes { write: false };

    pub fn allows(self, scope: Scope) -> bool {
        scope == Scope::Read || self.write
    }

    pub fn list(self) -> Vec<Scope> {
        if self.write {
            vec![Scope::Read, Scope::Write]
        } else {
            vec![Scope::Read]
        }
    }

    /// The stored form: `"read"` or `"read write"`.
    pub fn to_db(self) -> String {
        self.list().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    pub fn from_db(s: &str) -> Self {
        Self { write: s.split(' ').any(|p| p == "write") }
    }

    /// From a request's `scopes` array. Empty and unknown scopes are errors naming the field.
    pub fn parse(values: &[String]) -> Result<Self, FieldError> {
        if values.is_empty() {
            return Err(FieldError::new("scopes", "must list at least one of read, write"));
        }
        let mut write = false;
        for v in values {
            match v.as_str() {
                "read" => {}
                "write" => write = true,
                other => return Err(FieldError::new("scopes", format!("unknown scope {other:?} (allowed: read, write)"))),
            }
        }
        Ok(Self { write })
    }
}

/// 1-64 characters from `[A-Za-z0-9_.@-]`: safe in URLs and logs, and an email works.
pub fn validate_username(name: &str) -> Result<(), FieldError> {
    if name.is_empty() || name.len() > USERNAME_MAX {
        return Err(FieldError::new("username", format!("must be 1 to {USERNAME_MAX} characters")));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.@-".contains(c)) {
        return Err(FieldError::new("username", "may contain only letters, digits and _ . @ -"));
    }
    Ok(())
}

pub fn validate_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN || password.len() > PASSWORD_MAX {
        return Err(FieldError::new("password", format!("must be {PASSWORD_MIN} to {PASSWORD_MAX} characters")));
    }
    Ok(())
}

/// Failed logins allowed per username within one window before logins for it are refused.
pub const LOGIN_MAX_FAILURES: u32 = 10;
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Seconds until logins for a username are accepted again, if it is locked now. A window
/// starts at its first failure; once it is over, the count starts again.
pub fn login_locked_for(failures: u32, window_start: i64, now: i64) -> Option<u32> {
    let ends = window_start + LOGIN_WINDOW_MS;
    (failures >= LOGIN_MAX_FAILURES && now < ends).then(|| ((ends - now + 999) / 1000) as u32)
}

/// `Authorization: Bearer <secret>` or `Token <secret>` (seed 003's scheme) -> the secret.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let secret = rest.trim();
    (["bearer", "token"].contains(&scheme.to_ascii_lowercase().as_str()) && !secret.is_empty()).then_some(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_rfc_7914_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1, dkLen=64 starts 55ac046e.
        let mut key = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<Sha256>(b"passwd", b"salt", 1, &mut key);
        assert_eq!(&key[..4], &[0x55, 0xac, 0x04, 0x6e]);
    }

    #[test]
    fn password_round_trip_and_rejections() {
        let salt = [7u8; SALT_BYTES];
        // Few iterations keep the test fast; the format and the check are what is tested.
        let stored = hash_password("correct horse", &salt, 1000);
        assert!(stored.starts_with("pbkdf2-sha256$1000$"));
        assert!(verify_password("correct horse", &stored));
        let cases = [
            ("wrong horse", stored.clone()),
            ("correct horse", stored.replace("$1000$", "$999$")),
            ("correct horse", stored.replace("pbkdf2-sha256", "md5")),
            ("correct horse", format!("{stored}$extra")),
            ("correct horse", "pbkdf2-sha256$1000$!!$!!".to_string()),
            ("correct horse", "pbkdf2-sha256$0$AAAA$AAAA".to_string()),
            ("correct horse", format!("pbkdf2-sha256$2000000${}${}", STANDARD.encode(salt), STANDARD.encode([0u8; 32]))),
            ("correct horse", String::new()),
        ];
        for (password, stored) in cases {
            assert!(!verify_password(password, &stored), "{password} vs {stored}");
        }
    }

    #[test]
    fn dummy_hash_is_well_formed_so_it_costs_a_full_derivation() {
        let mut parts = DUMMY_HASH.split('$');
        assert_eq!(parts.next(), Some("pbkdf2-sha256"));
        assert_eq!(parts.next(), Some(PASSWORD_ITERATIONS.to_string().as_str()));
        assert_eq!(STANDARD.decode(parts.next().unwrap()).unwrap().len(), SALT_BYTES);
        assert_eq!(STANDARD.decode(parts.next().unwrap()).unwrap().len(), KEY_BYTES);
        assert!(!verify_password("", DUMMY_HASH) && !verify_password("password", DUMMY_HASH));
    }

    #[test]
    fn parsed_hashes_say_where_they_are_derived_and_whether_to_rehash() {
        let salt = [3u8; SALT_BYTES];
        let cases = [
            (1_000, Derivation::Native, true),
            (PASSWORD_ITERATIONS, Derivation::Native, false),
            (NATIVE_MAX_ITERATIONS + 1, Derivation::Wasm, true),
            (MAX_ITERATIONS, Derivation::Wasm, true),
        ];
        for (iterations, derivation, rehash) in cases {
            let stored = format_hash(&salt, iterations, &[9u8; KEY_BYTES]);
            let hash = StoredHash::parse(&stored).unwrap();
            assert_eq!((hash.iterations, hash.salt.as_slice()), (iterations, &salt[..]));
            assert_eq!(Derivation::of(hash.iterations), derivation, "{iterations}");
            assert_eq!(hash.needs_rehash(), rehash, "{iterations}");
            assert!(hash.matches(&[9u8; KEY_BYTES]) && !hash.matches(&[8u8; KEY_BYTES]) && !hash.matches(&[9u8; 31]));
        }
        // Unknown users are checked against DUMMY_HASH: the same derivation as a known user's.
        let dummy = StoredHash::parse(DUMMY_HASH).unwrap();
        assert_eq!((Derivation::of(dummy.iterations), dummy.needs_rehash()), (Derivation::Native, false));
        for bad in ["", "md5$1$AA==$AA==", "pbkdf2-sha256$0$AA==$AA==", "pbkdf2-sha256$100$AA==$AA=="] {
            assert_eq!(StoredHash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn hashes_keep_their_stored_format() {
        // A hash as the worker wrote them before WebCrypto (pure Rust, 100k iterations): the
        // format and the bytes must not change, or existing users could not log in.
        let stored = hash_password("correct horse", &[7u8; SALT_BYTES], PASSWORD_ITERATIONS);
        assert_eq!(stored, format_hash(&[7u8; SALT_BYTES], PASSWORD_ITERATIONS, &derive("correct horse", &[7u8; SALT_BYTES], PASSWORD_ITERATIONS)));
        assert!(stored.starts_with("pbkdf2-sha256$100000$BwcHBwcHBwcHBwcHBwcHBw==$"), "{stored}");
        assert!(verify_password("correct horse", &stored) && !verify_password("correct horsf", &stored));
    }

    #[test]
    fn different_salts_give_different_hashes() {
        assert_ne!(hash_password("pw", &[1; 16], 10), hash_password("pw", &[2; 16], 10));
    }

    #[test]
    fn tokens_are_prefixed_and_hashed() {
        let t = new_token(&[0xAB; 32]);
        assert!(t.secret.starts_with("vgl_"));
        assert_eq!(t.secret.len(), 4 + 43);
        assert!(t.secret.starts_with(&t.prefix) && t.prefix.len() == 12);
        assert_eq!(t.hash, token_hash(&t.secret));
        assert_eq!(t.hash.len(), 64);
        assert!(!t.hash.contains(&t.secret[4..]));
        assert_ne!(new_token(&[0xAC; 32]).hash, t.hash);
        // Known SHA-256("abc").
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn scopes_parse_and_normalize() {
        let s = |v: &[&str]| Scopes::parse(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["read"]).unwrap(), Scopes::READ);
        assert_eq!(s(&["write"]).unwrap(), Scopes::ALL);
        assert_eq!(s(&["read", "write"]).unwrap(), Scopes::ALL);
        assert_eq!(s(&[]).unwrap_err().field.as_deref(), Some("scopes"));
        assert_eq!(s(&["admin"]).unwrap_err().field.as_deref(), Some("scopes"));
        assert!(Scopes::READ.allows(Scope::Read) && !Scopes::READ.allows(Scope::Write));
        assert!(Scopes::ALL.allows(Scope::Write));
        assert_eq!(Scopes::from_db(&Scopes::ALL.to_db()), Scopes::ALL);
        assert_eq!(Scopes::from_db(&Scopes::READ.to_db()), Scopes::READ);
    }

    #[test]
    fn username_and_password_rules() {
        for ok in ["a", "alice", "ops@example.com", "x-y_z.1"] {
            assert!(validate_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "<script>", &"a".repeat(65), "naïve"] {
            assert_eq!(validate_username(bad).unwrap_err().field.as_deref(), Some("username"), "{bad}");
        }
        assert!(validate_password("12345678").is_ok());
        for bad in ["short", &"p".repeat(257)] {
            assert_eq!(validate_password(bad).unwrap_err().field.as_deref(), Some("password"));
        }
    }

    #[test]
    fn bearer_header_forms() {
        let cases = [
            ("Bearer abc", Some("abc")),
            ("bearer abc", Some("abc")),
            ("Token abc", Some("abc")),
            ("  Bearer   abc  ", Some("abc")),
            ("Basic abc", None),
            ("Bearer ", None),
            ("abc", None),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(bearer(header), want, "{header:?}");
        }
    }

    #[test]
    fn login_lockout_window() {
        let start = 1_000_000;
        let cases = [
            (9, start + 1, None),
            (10, start + 1, Some(900)),
            (10, start + LOGIN_WINDOW_MS - 1, Some(1)),
            (10, start + LOGIN_WINDOW_MS, None),
            (50, start + 60_000, Some(840)),
        ];
        for (failures, now, want) in cases {
            assert_eq!(login_locked_for(failures, start, now), want, "{failures} at {now}");
        }
    }

    #[test]
    fn secrets_compare() {
        assert!(secrets_equal(b"s3cret", b"s3cret"));
        assert!(!secrets_equal(b"s3cret", b"s3creT"));
        assert!(!secrets_equal(b"s3cret", b"s3cret!"));
    }
}
