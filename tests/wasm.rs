//! wasm-bindgen tests under Node for the pieces that only work against real JS: the clock and
//! the D1 argument conversion (D1 rejects BigInt, so integers must cross as JS numbers), WebCrypto
//! PBKDF2, and time zones through `Intl` across DST changes.
//! Run: CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!      cargo test --target wasm32-unknown-unknown --test wasm
#![cfg(target_arch = "wasm32")]

use vigil::core::time::{iso, parse_iso};
use vigil::store::Arg;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn clock_reads_the_js_clock() {
    let js_now = js_sys_date_now();
    let ours = vigil::clock::now_ms();
    assert!((ours - js_now).abs() < 1_000, "clock {ours} vs Date.now() {js_now}");
    // 2024-01-01 or later: a real wall clock, not zero or a monotonic counter.
    assert!(ours > 1_704_067_200_000);
    let text = iso(ours);
    assert_eq!(parse_iso(&text), Some(ours));
    assert!(text.ends_with('Z') && text.len() == 24, "{text}");
}

#[wasm_bindgen_test]
fn clock_advances() {
    let a = vigil::clock::now_ms();
    let mut spin = 0u64;
    while vigil::clock::now_ms() == a && spin < 50_000_000 {
        spin += 1;
    }
    assert!(vigil::clock::now_ms() > a, "Date.now() never advanced");
}

#[wasm_bindgen_test]
fn d1_arguments_cross_as_numbers_text_and_null() {
    let big = (1i64 << 53) - 1; // largest integer a JS number holds exactly
    let cases: Vec<(Arg, JsValue)> = vec![
        (Arg::Int(42), JsValue::from_f64(42.0)),
        (Arg::Int(big), JsValue::from_f64(big as f64)),
        (Arg::Int(-7), JsValue::from_f64(-7.0)),
        (Arg::Real(0.3), JsValue::from_f64(0.3)),
        (Arg::Text("héllo".into()), JsValue::from_str("héllo")),
        (Arg::Null, JsValue::NULL),
        (Arg::from(Some(5u32)), JsValue::from_f64(5.0)),
        (Arg::from(None::<u32>), JsValue::NULL),
        (Arg::from(true), JsValue::from_f64(1.0)),
    ];
    for (arg, want) in cases {
        let got = JsValue::from(&arg);
        assert!(!got.is_bigint(), "{arg:?} became a BigInt, which D1 rejects");
        assert_eq!(got, want, "{arg:?}");
    }
}

fn js_sys_date_now() -> i64 {
    // Date.now() through a JS function, independent of the crate's clock code.
    let f = js_sys::Function::new_no_args("return Date.now()");
    f.call0(&JsValue::UNDEFINED).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i64
}

/// The login path's PBKDF2 through WebCrypto (`crypto.subtle`, Node's here, workerd's in the
/// worker) gives exactly the pure derivation's bytes, so hashes written by either verify with
/// the other, and a stored hash from before WebCrypto still logs in.
#[wasm_bindgen_test]
async fn webcrypto_pbkdf2_matches_the_pure_derivation() {
    use vigil::core::auth::{derive_bytes, hash_password, DUMMY_HASH, PASSWORD_ITERATIONS};
    // RFC 7914 section 11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1 starts 55ac046e.
    let key = vigil::password::native(b"passwd", b"salt", 1).await.unwrap();
    assert_eq!(&key[..4], &[0x55, 0xac, 0x04, 0x6e]);
    for (password, salt, iterations) in [(&b"correct horse"[..], &[7u8; 16][..], 1000), (b"", b"salt", 10), (b"pw", &[1u8; 16], 4096)] {
        assert_eq!(vigil::password::native(password, salt, iterations).await.unwrap(), derive_bytes(password, salt, iterations));
    }
    // An existing hash (pure Rust, 100k iterations) verifies through WebCrypto and needs no rehash.
    let stored = hash_password("correct horse", &[7u8; 16], PASSWORD_ITERATIONS);
    let ok = vigil::password::verify("correct horse", &stored).await.unwrap();
    assert!(ok.ok && !ok.rehash);
    assert!(!vigil::password::verify("correct horsf", &stored).await.unwrap().ok);
    assert!(!vigil::password::verify("password", DUMMY_HASH).await.unwrap().ok);
    // A new hash round-trips; one above WebCrypto's cap verifies (in wasm) and asks for a rehash.
    let fresh = vigil::password::hash("another secret").await.unwrap();
    assert!(fresh.starts_with("pbkdf2-sha256$100000$") && vigil::password::verify("another secret", &fresh).await.unwrap().ok);
    let heavy = hash_password("old secret", &[2u8; 16], 100_001);
    assert_eq!(vigil::password::verify("old secret", &heavy).await.unwrap(), vigil::password::Verified { ok: true, rehash: true });
}

/// The worker's time zones come from the runtime's ICU (`IntlZone`); host tests use chrono-tz.
/// These are the host's DST cases (`core::heartbeat::tests::cron_schedules_across_dst_changes`)
/// through `Intl`, so the two implementations are held to the same answers.
#[wasm_bindgen_test]
fn intl_zones_give_the_offsets_and_cron_runs_the_host_tests_expect() {
    use vigil::core::heartbeat::{next_fire, parse_cron, Zone, ZoneRules};
    use vigil::zone::IntlZone;
    let ms = |s: &str| parse_iso(s).unwrap();
    let berlin = IntlZone::new("Europe/Berlin").expect("Berlin");
    let new_york = IntlZone::new("America/New_York").expect("New York");
    let kolkata = IntlZone::new("Asia/Kolkata").expect("Kolkata");
    // (zone, instant, seconds east of UTC): both sides of each change, and a half-hour zone.
    let offsets: &[(&IntlZone, &str, i32)] = &[
        (&berlin, "2026-03-29T00:59:59Z", 3600),
        (&berlin, "2026-03-29T01:00:00Z", 7200),
        (&berlin, "2026-10-25T00:59:59Z", 7200),
        (&berlin, "2026-10-25T01:00:00Z", 3600),
        (&new_york, "2026-03-08T06:59:59Z", -5 * 3600),
        (&new_york, "2026-03-08T07:00:00Z", -4 * 3600),
        (&new_york, "2026-11-01T05:59:59Z", -4 * 3600),
        (&new_york, "2026-11-01T06:00:00Z", -5 * 3600),
        (&kolkata, "2026-07-01T00:00:00Z", 5 * 3600 + 1800),
    ];
    for (zone, at, want) in offsets {
        assert_eq!(zone.offset_seconds(ms(at)), *want, "offset at {at}");
    }
    let cases: &[(&IntlZone, &str, &str, &str)] = &[
        (&berlin, "0 3 * * *", "2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z"),
        // 02:30 does not exist on 29 March in Berlin: the gap's end. It happens twice on 25 October: the first.
        (&berlin, "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"),
        (&berlin, "30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
        (&berlin, "30 2 * * *", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
        (&new_york, "0 9 * * *", "2026-03-07T15:00:00Z", "2026-03-08T13:00:00Z"),
        (&new_york, "0 9 * * *", "2026-10-31T14:00:00Z", "2026-11-01T14:00:00Z"),
        (&berlin, "0 * * * *", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"),
    ];
    for (zone, expr, after, want) in cases {
        let cron = parse_cron(expr).unwrap();
        let got = next_fire(&cron, Zone(*zone), ms(after)).map(iso);
        assert_eq!(got, Some(iso(ms(want))), "{expr} after {after}");
    }
    assert!(IntlZone::new("Mars/Olympus_Mons").is_none(), "an unknown zone is refused, not a trap");
}
