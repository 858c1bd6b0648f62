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
