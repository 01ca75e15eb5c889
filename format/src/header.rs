//! The public envelope header (PROTOCOL.md §4): its modes, Argon2id bounds, and byte layout.

use std::fmt;

use crate::b64;
use crate::error::OpenError;

/// The protocol version this crate reads and writes (PROTOCOL.md §10).
pub const VERSION: u8 = 0x01;
/// Length of the per-envelope random salt.
pub const SALT_LEN: usize = 32;
/// Header length in mode `key`.
pub const KEY_HEADER_LEN: usize = 2 + SALT_LEN;
/// Header length in the password modes, which append `m`, `t`, `p`.
pub const PASSWORD_HEADER_LEN: usize = KEY_HEADER_LEN + 12;

/// Who can open an envelope (PROTOCOL.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `0x01`: whoever holds the link key.
    Key,
    /// `0x02`: whoever holds the link key and the password.
    KeyAndPassword,
    /// `0x03`: whoever knows the password.
    Password,
}

impl Mode {
    /// The mode byte in the header.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Mode::Key => 0x01,
            Mode::KeyAndPassword => 0x02,
            Mode::Password => 0x03,
        }
    }

    /// The mode of a header's mode byte; `None` for a byte no mode has.
    #[must_use]
    pub const fn from_byte(byte: u8) -> Option<Mode> {
        match byte {
            0x01 => Some(Mode::Key),
            0x02 => Some(Mode::KeyAndPassword),
            0x03 => Some(Mode::Password),
            _ => None,
        }
    }

    /// The mode's name in PROTOCOL.md and the vectors file: `key`, `key+password`, `password`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Key => "key",
            Mode::KeyAndPassword => "key+password",
            Mode::Password => "password",
        }
    }

    /// Whether opening needs the link key.
    #[must_use]
    pub const fn needs_link_key(self) -> bool {
        matches!(self, Mode::Key | Mode::KeyAndPassword)
    }

    /// Whether opening needs the password (and so runs Argon2id).
    #[must_use]
    pub const fn needs_password(self) -> bool {
        matches!(self, Mode::KeyAndPassword | Mode::Password)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Argon2id cost parameters as carried in a password-mode header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Argon2Params {
    /// What writers use: OWASP's minimum for Argon2id (`m = 19456, t = 2, p = 1`).
    pub const DEFAULT: Argon2Params = Argon2Params {
        m: 19_456,
        t: 2,
        p: 1,
    };

    /// Whether a reader accepts these parameters: `19456 ≤ m ≤ 262144`, `2 ≤ t ≤ 16`,
    /// `1 ≤ p ≤ 4`. The floors stop a server from handing out a cheap-to-brute-force header,
    /// the ceilings from exhausting the reader's memory or time.
    #[must_use]
    pub const fn within_bounds(&self) -> bool {
        19_456 <= self.m
            && self.m <= 262_144
            && 2 <= self.t
            && self.t <= 16
            && 1 <= self.p
            && self.p <= 4
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Argon2Params::DEFAULT
    }
}

/// A parsed and checked header: the public part of an envelope that the server may hand out
/// before a view is consumed, so a reader can derive its access verifier first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    mode: Mode,
    salt: [u8; SALT_LEN],
    params: Option<Argon2Params>,
    // Kept verbatim: they are the HKDF salt and the AEAD's associated data.
    bytes: Vec<u8>,
}

impl Header {
    /// Parses `b64(header)` as the server hands it out (`envelopeHeader`).
    ///
    /// # Errors
    /// [`OpenError`] for non-canonical base64 or any header that §4 rejects.
    pub fn parse_b64(s: &str) -> Result<Header, OpenError> {
        read_header(&b64::decode(s)?)
    }

    // `Header::from_envelope` is in envelope.rs: the envelope knows its header, not the reverse.

    /// The envelope's mode.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether opening needs the password.
    #[must_use]
    pub fn needs_password(&self) -> bool {
        self.mode.needs_password()
    }

    /// Whether opening needs the link key.
    #[must_use]
    pub fn needs_link_key(&self) -> bool {
        self.mode.needs_link_key()
    }

    /// The Argon2id parameters (password modes only).
    #[must_use]
    pub fn argon2_params(&self) -> Option<Argon2Params> {
        self.params
    }

    /// `b64(header)`, exactly as it appears before the `.` of the envelope.
    #[must_use]
    pub fn to_b64(&self) -> String {
        b64::encode(&self.bytes)
    }

    /// The per-envelope salt (the Argon2id salt in the password modes).
    #[must_use]
    pub fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }

    /// The header's bytes, verbatim: the HKDF salt and the AEAD's associated data.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Builds the header a writer puts in a new envelope. `params` is ignored in mode `key`.
    #[must_use]
    pub fn new(mode: Mode, salt: [u8; SALT_LEN], params: Argon2Params) -> Header {
        let params = mode.needs_password().then_some(params);
        Header {
            mode,
            salt,
            params,
            bytes: write_header(VERSION, mode.byte(), &salt, params),
        }
    }
}

/// Writes the §4 layout. Takes raw version and mode bytes so that test vectors can build
/// headers a reader must reject; [`read_header`] is the gatekeeper.
#[must_use]
pub fn write_header(
    version: u8,
    mode: u8,
    salt: &[u8; SALT_LEN],
    params: Option<Argon2Params>,
) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(PASSWORD_HEADER_LEN);
    bytes.push(version);
    bytes.push(mode);
    bytes.extend_from_slice(salt);
    if let Some(Argon2Params { m, t, p }) = params {
        bytes.extend_from_slice(&m.to_be_bytes());
        bytes.extend_from_slice(&t.to_be_bytes());
        bytes.extend_from_slice(&p.to_be_bytes());
    }
    bytes
}

/// Reads and checks the §4 layout: version, mode, exact length, Argon2id bounds.
///
/// # Errors
/// [`OpenError`] for any header that §4 rejects.
pub fn read_header(bytes: &[u8]) -> Result<Header, OpenError> {
    let (mode, salt, params) = read_layout(bytes)?;
    if params.is_some_and(|p| !p.within_bounds()) {
        return Err(OpenError);
    }
    Ok(Header {
        mode,
        salt: salt.try_into().expect("checked length"),
        params,
        bytes: bytes.to_vec(),
    })
}

/// Whether `bytes` have the §4 layout: version `0x01`, a known mode, and that mode's exact
/// length. Argon2id bounds are not checked: this is the shape the server requires of every
/// envelope it stores, and bounds are the reader's defence (§4), checked by [`read_header`].
#[must_use]
pub fn has_layout(bytes: &[u8]) -> bool {
    read_layout(bytes).is_ok()
}

/// Version, mode, exact length; the salt and, in the password modes, the parameters as written.
fn read_layout(bytes: &[u8]) -> Result<(Mode, &[u8], Option<Argon2Params>), OpenError> {
    let [version, mode, rest @ ..] = bytes else {
        return Err(OpenError);
    };
    let mode = Mode::from_byte(*mode).ok_or(OpenError)?;
    if *version != VERSION {
        return Err(OpenError);
    }
    match (mode.needs_password(), rest.len()) {
        (false, len) if len == KEY_HEADER_LEN - 2 => Ok((mode, rest, None)),
        (true, len) if len == PASSWORD_HEADER_LEN - 2 => {
            let (salt, costs) = rest.split_at(SALT_LEN);
            let word =
                |i: usize| u32::from_be_bytes(costs[4 * i..4 * i + 4].try_into().expect("4 bytes"));
            let params = Argon2Params {
                m: word(0),
                t: word(1),
                p: word(2),
            };
            Ok((mode, salt, Some(params)))
        }
        _ => Err(OpenError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_every_mode() {
        for mode in [Mode::Key, Mode::KeyAndPassword, Mode::Password] {
            let header = Header::new(mode, [7; 32], Argon2Params::DEFAULT);
            let expected_len = if mode == Mode::Key { 34 } else { 46 };
            assert_eq!(header.as_bytes().len(), expected_len);
            assert_eq!(header.as_bytes()[..2], [VERSION, mode.byte()]);
            assert_eq!(read_header(header.as_bytes()).unwrap(), header);
            assert_eq!(Header::parse_b64(&header.to_b64()).unwrap(), header);
        }
    }

    #[test]
    fn password_header_layout_is_big_endian() {
        let header = Header::new(
            Mode::Password,
            [0; 32],
            Argon2Params {
                m: 0x0102_0304,
                t: 5,
                p: 6,
            },
        );
        assert_eq!(
            header.as_bytes()[34..],
            [1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 0, 6]
        );
    }

    #[test]
    fn rejects_bad_versions_modes_and_lengths() {
        let key = Header::new(Mode::Key, [1; 32], Argon2Params::DEFAULT);
        let pw = Header::new(Mode::Password, [1; 32], Argon2Params::DEFAULT);
        for version in [0x00, 0x02, 0xff] {
            let mut bytes = key.as_bytes().to_vec();
            bytes[0] = version;
            assert!(read_header(&bytes).is_err());
        }
        for mode in [0x00, 0x04, 0x81, 0xff] {
            let mut bytes = key.as_bytes().to_vec();
            bytes[1] = mode;
            assert!(read_header(&bytes).is_err());
        }
        for len in 0..60 {
            for header in [&key, &pw] {
                let mut bytes = header.as_bytes().to_vec();
                bytes.resize(len, 0);
                assert_eq!(read_header(&bytes).is_ok(), len == header.as_bytes().len());
                assert_eq!(has_layout(&bytes), len == header.as_bytes().len());
            }
        }
        // A key-mode header with a password-mode length and vice versa.
        let mut long_key = key.as_bytes().to_vec();
        long_key.extend_from_slice(&pw.as_bytes()[34..]);
        assert!(read_header(&long_key).is_err());
        assert!(read_header(&pw.as_bytes()[..34]).is_err());
    }

    #[test]
    fn enforces_argon2_bounds_at_each_edge() {
        let d = Argon2Params::DEFAULT;
        let cases = [
            (Argon2Params { m: 19_455, ..d }, false),
            (Argon2Params { m: 19_456, ..d }, true),
            (Argon2Params { m: 262_144, ..d }, true),
            (Argon2Params { m: 262_145, ..d }, false),
            (Argon2Params { t: 1, ..d }, false),
            (Argon2Params { t: 16, ..d }, true),
            (Argon2Params { t: 17, ..d }, false),
            (Argon2Params { p: 0, ..d }, false),
            (Argon2Params { p: 4, ..d }, true),
            (Argon2Params { p: 5, ..d }, false),
            (
                Argon2Params {
                    m: u32::MAX,
                    t: u32::MAX,
                    p: u32::MAX,
                },
                false,
            ),
        ];
        for (params, ok) in cases {
            assert_eq!(params.within_bounds(), ok, "{params:?}");
            for mode in [Mode::KeyAndPassword, Mode::Password] {
                let bytes = write_header(VERSION, mode.byte(), &[3; 32], Some(params));
                assert_eq!(read_header(&bytes).is_ok(), ok, "{params:?}");
                // The layout alone does not look at the bounds.
                assert!(has_layout(&bytes), "{params:?}");
            }
        }
    }

    #[test]
    fn mode_flags() {
        assert!(Mode::Key.needs_link_key() && !Mode::Key.needs_password());
        assert!(Mode::KeyAndPassword.needs_link_key() && Mode::KeyAndPassword.needs_password());
        assert!(!Mode::Password.needs_link_key() && Mode::Password.needs_password());
        assert_eq!(Mode::KeyAndPassword.to_string(), "key+password");
    }
}
