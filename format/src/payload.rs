//! The encrypted payload (PROTOCOL.md §7): content type, length, data, zero padding to 256.

use zeroize::Zeroizing;

use crate::error::OpenError;

/// Content type `0x01`: UTF-8 text.
pub const CONTENT_TEXT: u8 = 0x01;
/// Payloads are padded to a multiple of this, so the server learns the length only roughly.
pub const BLOCK: usize = 256;
const PREFIX_LEN: usize = 5;

/// `256 · ceil((5 + n) / 256)`: the payload length for `n` bytes of data.
#[must_use]
pub const fn padded_len(data_len: usize) -> usize {
    (PREFIX_LEN + data_len).div_ceil(BLOCK) * BLOCK
}

/// `content_type || u32be(n) || data || zeros`.
///
/// # Panics
/// If `data` has 2^32 bytes or more; callers bound it far below (PROTOCOL.md §7).
#[must_use]
pub fn write_payload(content_type: u8, data: &[u8]) -> Zeroizing<Vec<u8>> {
    let n = u32::try_from(data.len()).expect("callers bound the data length");
    let mut payload = Zeroizing::new(Vec::with_capacity(padded_len(data.len())));
    payload.push(content_type);
    payload.extend_from_slice(&n.to_be_bytes());
    payload.extend_from_slice(data);
    payload.resize(padded_len(data.len()), 0);
    payload
}

/// Splits a payload into content type and data, checking that it is exactly what
/// [`write_payload`] makes: the one length that `n` implies, and all-zero padding.
///
/// # Errors
/// [`OpenError`] for any other byte string.
pub fn read_payload(payload: &[u8]) -> Result<(u8, &[u8]), OpenError> {
    let [content_type, n0, n1, n2, n3, rest @ ..] = payload else {
        return Err(OpenError);
    };
    let n = usize::try_from(u32::from_be_bytes([*n0, *n1, *n2, *n3])).map_err(|_| OpenError)?;
    // Exactly one padded length per `n`: extra all-zero blocks would be a second encoding.
    if n > rest.len() || payload.len() != padded_len(n) {
        return Err(OpenError);
    }
    let (data, padding) = rest.split_at(n);
    if padding.iter().fold(0u8, |acc, &b| acc | b) != 0 {
        return Err(OpenError);
    }
    Ok((*content_type, data))
}

/// Reads a type-`0x01` payload as UTF-8 text.
///
/// # Errors
/// [`OpenError`] for a malformed payload, another content type, or invalid UTF-8.
pub fn read_text(payload: &[u8]) -> Result<&str, OpenError> {
    match read_payload(payload)? {
        (CONTENT_TEXT, data) => std::str::from_utf8(data).map_err(|_| OpenError),
        _ => Err(OpenError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_to_256_and_round_trips() {
        for (n, len) in [
            (0, 256),
            (1, 256),
            (251, 256),
            (252, 512),
            (507, 512),
            (40_000, 40_192),
        ] {
            let data = vec![b'a'; n];
            let payload = write_payload(CONTENT_TEXT, &data);
            assert_eq!(payload.len(), len, "n = {n}");
            assert_eq!(read_payload(&payload).unwrap(), (CONTENT_TEXT, &data[..]));
        }
    }

    #[test]
    fn layout_is_type_then_big_endian_length() {
        let payload = write_payload(CONTENT_TEXT, b"hi");
        assert_eq!(payload[..7], [1, 0, 0, 0, 2, b'h', b'i']);
        assert!(payload[7..].iter().all(|&b| b == 0));
    }

    #[test]
    fn rejects_every_malformation() {
        let good = write_payload(CONTENT_TEXT, b"hello");
        let tweak = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut p = good.to_vec();
            f(&mut p);
            read_text(&p).is_err()
        };
        assert!(read_text(&good).is_ok());
        assert!(tweak(&|p| p[0] = 0x02), "unknown content type");
        assert!(tweak(&|p| p[0] = 0x00), "content type zero");
        assert!(
            tweak(&|p| p[4] = 4),
            "n one too short: data byte lands in the padding"
        );
        assert!(tweak(&|p| p[1] = 1), "n far beyond the payload");
        assert!(
            tweak(&|p| p[1..5].copy_from_slice(&u32::MAX.to_be_bytes())),
            "n = 2^32 - 1"
        );
        assert!(tweak(&|p| p[255] = 1), "non-zero last padding byte");
        assert!(tweak(&|p| p[10] = 0x80), "non-zero first padding byte");
        assert!(tweak(&|p| p.truncate(255)), "not a multiple of 256");
        assert!(tweak(&|p| p.push(0)), "one byte over");
        assert!(tweak(&|p| p.resize(512, 0)), "an extra all-zero block");
        assert!(tweak(&|p| p.truncate(4)), "shorter than the prefix");
        assert!(tweak(&|p| p.clear()), "empty");
        assert!(tweak(&|p| p[5] = 0xff), "invalid UTF-8");
        // `n` decides where data ends: a longer `n` over zero padding is another text, not
        // another encoding of this one.
        let mut longer = good.to_vec();
        longer[4] = 6;
        assert_eq!(read_text(&longer).unwrap(), "hello\0");
    }
}
