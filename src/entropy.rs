//! Random bytes for secrets (token secrets, password salts, webhook signing secrets), from the
//! platform's CSPRNG (`crypto.getRandomValues` on Workers).
use crate::error::AppError;

pub fn bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out).map_err(|e| AppError::Internal(format!("random bytes: {e}")))?;
    Ok(out)
}
