//! wasm-bindgen tests under Node for the pieces that only work against real JS: the clock and
//! the D1 argument conversion (D1 rejects BigInt, so integers must cross as JS numbers).
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
