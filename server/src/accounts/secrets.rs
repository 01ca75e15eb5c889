//! Account credentials: random tokens handed out once, their SHA-256 digests, and Argon2id hashes of account passwords.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq as _;

use super::AccountError;
use crate::random::random_bytes;
use crate::shares::password::{on_argon2_pool, sha256};

/// Argon2id memory (KiB), passes and lanes for account passwords: OWASP's first choice,
/// the same as for plain secret passwords.
const M_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_LANES: u32 = 1;

/// Shortest and longest account password accepted (characters).
pub const PASSWORD_MIN_CHARS: usize = 10;
/// See [`PASSWORD_MIN_CHARS`]; the upper bound keeps Argon2id's input small.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// A new random token: `prefix` + 32 random bytes in base64url (the prefix tells a leaked
/// token's kind at a glance, and secret scanners can match it).
pub fn new_token(prefix: &str) -> String {
    let mut token = String::with_capacity(prefix.len() + 43);
    token.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(random_bytes::<32>(), &mut token);
    token
}

/// SHA-256 of `value`, hex: what the store keeps instead of a token, code or address.
pub fn digest_hex(value: &str) -> String {
    hex::encode(sha256(value.as_bytes()))
}

/// Equality of two digests in time independent of where they differ.
pub fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new e-mailed verification code: 8 decimal digits.
pub fn new_code() -> String {
    let n = u64::from_be_bytes(random_bytes::<8>()) % 100_000_000;
    format!("{n:08}")
}

/// Checks the length rule of an account password.
pub fn check_password_rule(password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        Ok(())
    } else {
        Err(AccountError::Invalid(format!(
            "Password must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters long"
        )))
    }
}

fn argon2(password: &[u8], salt: &[u8], m: u32, t: u32, p: u32) -> Result<[u8; 32], String> {
    let params = argon2::Params::new(m, t, p, Some(32)).map_err(|e| e.to_string())?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(password, salt, &mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Argon2id of an account password with a fresh salt, as
/// `argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` (base64url), on the bounded Argon2id pool.
pub async fn hash_password(password: String) -> Result<String, AccountError> {
    on_argon2_pool(move || {
        let salt = random_bytes::<16>();
        let hash = argon2(password.as_bytes(), &salt, M_KIB, T_COST, P_LANES)?;
        Ok(format!(
            "argon2id$v=19$m={M_KIB},t={T_COST},p={P_LANES}${}${}",
            URL_SAFE_NO_PAD.encode(salt),
            URL_SAFE_NO_PAD.encode(hash)
        ))
    })
    .await
    .map_err(|e| AccountError::Internal(format!("argon2 task: {e}")))?
    .map_err(|e: String| AccountError::Internal(format!("argon2: {e}")))
}

/// A hash of a password nobody knows, checked when the address is unknown so that a login
/// for an unknown address takes as long as one with a wrong password.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = random_bytes::<16>();
    let hash = argon2(&random_bytes::<16>(), &salt, M_KIB, T_COST, P_LANES).unwrap_or([0; 32]);
    format!(
        "argon2id$v=19$m={M_KIB},t={T_COST},p={P_LANES}${}${}",
        URL_SAFE_NO_PAD.encode(salt),
        URL_SAFE_NO_PAD.encode(hash)
    )
});

/// Whether `password` matches `stored` (a [`hash_password`] string); `None` checks against a
/// decoy and answers `false` in the same time.
pub async fn verify_password(
    password: String,
    stored: Option<String>,
) -> Result<bool, AccountError> {
    let real = stored.is_some();
    on_argon2_pool(move || {
        let stored = stored.unwrap_or_else(|| DECOY_HASH.clone());
        let parts: Vec<&str> = stored.split('$').collect();
        let [alg, "v=19", params, salt, hash] = parts.as_slice() else {
            return Err("unknown password hash format".to_string());
        };
        if *alg != "argon2id" {
            return Err("unknown password hash algorithm".into());
        }
        let mut cost = [0u32; 3];
        for (slot, (name, value)) in cost
            .iter_mut()
            .zip(params.split(',').filter_map(|kv| kv.split_once('=')))
        {
            if !["m", "t", "p"].contains(&name) {
                return Err("unknown password hash parameter".into());
            }
            *slot = value.parse().map_err(|_| "bad password hash parameter")?;
        }
        let salt = URL_SAFE_NO_PAD.decode(salt).map_err(|_| "bad salt")?;
        let expected = URL_SAFE_NO_PAD.decode(hash).map_err(|_| "bad hash")?;
        let actual = argon2(password.as_bytes(), &salt, cost[0], cost[1], cost[2])?;
        Ok(bool::from(actual.as_slice().ct_eq(&expected)) && real)
    })
    .await
    .map_err(|e| AccountError::Internal(format!("argon2 task: {e}")))?
    .map_err(|e| AccountError::Internal(format!("argon2: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_and_another_does_not() {
        let stored = hash_password("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!stored.contains("correct"));
        assert!(
            verify_password("correct horse battery".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse battery".into(), Some(stored))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("anything at all".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn tokens_and_codes_have_their_shape() {
        let t = new_token("zks_");
        assert_eq!(t.len(), 4 + 43);
        assert_ne!(new_token("zks_"), t);
        let code = new_code();
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert!(same_digest(&digest_hex("a"), &digest_hex("a")));
        assert!(!same_digest(&digest_hex("a"), &digest_hex("b")));
        assert!(check_password_rule("short").is_err());
        assert!(check_password_rule("long enough now").is_ok());
    }
}
