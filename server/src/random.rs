//! Randomness for ids, delete tokens and salts: straight from the operating system's CSPRNG.

/// `N` bytes from the operating system's CSPRNG (ids, delete tokens, salts).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
}
