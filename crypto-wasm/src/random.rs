//! Randomness: every link key, salt and nonce comes from the operating system's CSPRNG here.

use crate::error::SealError;

/// `N` bytes from the operating system's CSPRNG.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], SealError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| SealError::Random)?;
    Ok(bytes)
}
