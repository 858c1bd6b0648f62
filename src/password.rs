//! Password hashing in the worker (DESIGN.md §11): PBKDF2-HMAC-SHA256 run by WebCrypto, which
//! the runtime computes natively (a few ms) instead of in wasm (~130 ms of CPU per 100,000
//! iterations). The stored format and the checks on it are the pure core's (`core::auth`);
//! this is only the derivation. Workers' WebCrypto refuses more than
//! [`auth::NATIVE_MAX_ITERATIONS`], so a stored hash above that is verified in wasm and, once
//! its password is known to be right, stored again at [`auth::PASSWORD_ITERATIONS`].
use crate::core::auth::{self, Derivation, StoredHash, KEY_BYTES, PASSWORD_ITERATIONS, SALT_BYTES};
use crate::entropy;
use crate::error::AppError;

/// A new hash of `password` with a fresh salt, in the stored format.
pub async fn hash(password: &str) -> Result<String, AppError> {
    let salt = entropy::bytes::<SALT_BYTES>()?;
    let key = derive(password, &salt, PASSWORD_ITERATIONS).await?;
    Ok(auth::format_hash(&salt, PASSWORD_ITERATIONS, &key))
}

/// What checking a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub ok: bool,
    /// Right password, but the hash should be stored again (its iteration count is not ours).
    pub rehash: bool,
}

/// Checks `password` against `stored`. Malformed hashes and over-long passwords never match
/// (and cost no derivation, whoever the user is). The comparison is constant-time.
pub async fn verify(password: &str, stored: &str) -> Result<Verified, AppError> {
    let no = Verified { ok: false, rehash: false };
    let Some(hash) = StoredHash::parse(stored) else { return Ok(no) };
    if password.len() > auth::PASSWORD_MAX {
        return Ok(no);
    }
    let key = derive(password, &hash.salt, hash.iterations).await?;
    let ok = hash.matches(&key);
    Ok(Verified { ok, rehash: ok && hash.needs_rehash() })
}

async fn derive(password: &str, salt: &[u8], iterations: u32) -> Result<[u8; KEY_BYTES], AppError> {
    match Derivation::of(iterations) {
        Derivation::Native => native(password.as_bytes(), salt, iterations).await,
        Derivation::Wasm => Ok(auth::derive(password, salt, iterations)),
    }
}

/// PBKDF2-HMAC-SHA256 by `crypto.subtle` (importKey + deriveBits), 32 bytes.
#[cfg(target_arch = "wasm32")]
pub async fn native(password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; KEY_BYTES], AppError> {
    webcrypto::pbkdf2(password, salt, iterations).await.map_err(|e| AppError::Internal(format!("WebCrypto PBKDF2: {e:?}")))
}

/// Host builds (tests) have no WebCrypto: the pure derivation gives the same bytes.
#[cfg(not(target_arch = "wasm32"))]
pub async fn native(password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; KEY_BYTES], AppError> {
    Ok(auth::derive_bytes(password, salt, iterations))
}

#[cfg(target_arch = "wasm32")]
mod webcrypto {
    use wasm_bindgen::{JsCast, JsValue};
    use worker::js_sys::{global, Array, Function, Object, Promise, Reflect, Uint8Array};
    use worker::wasm_bindgen_futures::JsFuture;

    use crate::core::auth::KEY_BYTES;

    /// Calls `subtle[name](...args)` and awaits the promise it returns.
    async fn call(subtle: &JsValue, name: &str, args: &Array) -> Result<JsValue, JsValue> {
        let f: Function = Reflect::get(subtle, &name.into())?.dyn_into()?;
        let promise: Promise = Reflect::apply(&f, subtle, args)?.dyn_into()?;
        JsFuture::from(promise).await
    }

    pub async fn pbkdf2(password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; KEY_BYTES], JsValue> {
        let crypto = Reflect::get(&global(), &"crypto".into())?;
        let subtle = Reflect::get(&crypto, &"subtle".into())?;
        let usages = Array::of1(&"deriveBits".into());
        let import = Array::of5(&"raw".into(), &Uint8Array::from(password), &"PBKDF2".into(), &false.into(), &usages);
        let key = call(&subtle, "importKey", &import).await?;
        let params = Object::new();
        Reflect::set(&params, &"name".into(), &"PBKDF2".into())?;
        Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
        Reflect::set(&params, &"salt".into(), &Uint8Array::from(salt))?;
        Reflect::set(&params, &"iterations".into(), &JsValue::from(iterations))?;
        let bits = call(&subtle, "deriveBits", &Array::of3(&params, &key, &JsValue::from(KEY_BYTES as u32 * 8))).await?;
        let bytes = Uint8Array::new(&bits).to_vec();
        bytes.try_into().map_err(|_| JsValue::from_str("deriveBits returned the wrong length"))
    }
}
