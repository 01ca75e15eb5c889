//! The key-derivation primitives of PROTOCOL.md §1 and §5, in the spec's own notation.

use argon2::{Algorithm, Argon2, AssociatedData, ParamsBuilder, Version};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use zkshare_format::Argon2Params;

/// `prk = HKDF-Extract(salt, IKM)` with SHA-256 (RFC 5869 §2.2).
pub(crate) fn hkdf_extract(salt: &[u8], ikm: &[u8]) -> Zeroizing<[u8; 32]> {
    // RFC 5869 treats an absent salt as HashLen zero bytes; HMAC pads an empty key with zeros,
    // so passing the (possibly empty) salt through is the same function.
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    Zeroizing::new(prk.into())
}

/// `okm = HKDF-Expand(prk, info, L)` with SHA-256 (RFC 5869 §2.3); `L = N ≤ 255·32`.
pub(crate) fn hkdf_expand<const N: usize>(prk: &[u8; 32], info: &[u8]) -> Zeroizing<[u8; N]> {
    const { assert!(N <= 255 * 32, "RFC 5869 caps L at 255·HashLen") };
    let mut okm = Zeroizing::new([0u8; N]);
    Hkdf::<Sha256>::from_prk(prk)
        .expect("a 32-byte PRK is HashLen long")
        .expand(info, okm.as_mut())
        .expect("L ≤ 255·HashLen is checked at compile time");
    okm
}

/// `pw = Argon2id(password, salt, m, t, p)`: RFC 9106 Argon2id, version 0x13, 32-byte tag,
/// no secret key, no associated data, `m` in KiB.
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    params: Argon2Params,
) -> Result<Zeroizing<[u8; 32]>, argon2::Error> {
    argon2id_keyed(password, salt, params, &[], &[])
}

/// RFC 9106 Argon2id with the optional secret `K` and associated data `X` (RFC 9106 §3.1).
/// The protocol passes both empty; they exist so the RFC's §5.3 vector tests this wiring.
fn argon2id_keyed(
    password: &[u8],
    salt: &[u8],
    params: Argon2Params,
    secret: &[u8],
    associated_data: &[u8],
) -> Result<Zeroizing<[u8; 32]>, argon2::Error> {
    let params = ParamsBuilder::new()
        .m_cost(params.m)
        .t_cost(params.t)
        .p_cost(params.p)
        .data(AssociatedData::new(associated_data)?)
        .output_len(32)
        .build()?;
    let context = Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, params)?;
    let mut tag = Zeroizing::new([0u8; 32]);
    context.hash_password_into(password, salt, tag.as_mut())?;
    Ok(tag)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// HKDF-Expand for any `L`, so the RFC's 42- and 82-byte cases check the same code path.
    fn expand_len(prk: &[u8; 32], info: &[u8], len: usize) -> Vec<u8> {
        let okm: Zeroizing<[u8; 96]> = hkdf_expand(prk, info);
        let long = okm[..len].to_vec();
        // HKDF-Expand's output is a prefix of any longer output with the same inputs.
        assert_eq!(&hkdf_expand::<32>(prk, info)[..], &long[..32]);
        long
    }

    fn check_hkdf(ikm: &[u8], salt: &[u8], info: &[u8], prk: &str, okm: &str) {
        let got_prk = hkdf_extract(salt, ikm);
        assert_eq!(got_prk.to_vec(), hex(prk));
        let want = hex(okm);
        assert_eq!(expand_len(&got_prk, info, want.len()), want);
    }

    #[test]
    fn hkdf_sha256_rfc5869_test_case_1() {
        check_hkdf(
            &[0x0b; 22],
            &hex("000102030405060708090a0b0c"),
            &hex("f0f1f2f3f4f5f6f7f8f9"),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf
             34007208d5b887185865",
        );
    }

    #[test]
    fn hkdf_sha256_rfc5869_test_case_2() {
        let range = |from: u8| (0..80).map(|i| from + i).collect::<Vec<u8>>();
        check_hkdf(
            &range(0x00),
            &range(0x60),
            &range(0xb0),
            "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c
             59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71
             cc30c58179ec3e87c14c01d5c1f3434f1d87",
        );
    }

    #[test]
    fn hkdf_sha256_rfc5869_test_case_3() {
        check_hkdf(
            &[0x0b; 22],
            &[],
            &[],
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d
             9d201395faa4b61a96c8",
        );
    }

    #[test]
    fn argon2id_rfc9106_section_5_3() {
        // RFC 9106 §5.3: m = 32 KiB, t = 3, p = 4, with secret and associated data.
        let tag = argon2id_keyed(
            &[0x01; 32],
            &[0x02; 16],
            Argon2Params { m: 32, t: 3, p: 4 },
            &[0x03; 8],
            &[0x04; 12],
        )
        .unwrap();
        assert_eq!(
            tag.to_vec(),
            hex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")
        );
    }

    #[test]
    fn argon2id_reference_implementation_vector_without_secret() {
        // P-H-C/phc-winner-argon2 src/test.c, Argon2id v0x13: t = 2, m = 2^8, p = 1,
        // "password", "somesalt" — exercises `argon2id` exactly as the protocol calls it.
        let tag = argon2id(
            b"password",
            b"somesalt",
            Argon2Params { m: 256, t: 2, p: 1 },
        )
        .unwrap();
        assert_eq!(
            tag.to_vec(),
            hex("9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe")
        );
    }
}
