//! The size limits every party enforces (PROTOCOL.md §7, §8).

/// The most text a secret may hold, in Unicode scalar values (the API's `secretValue` limit).
pub const MAX_TEXT_CHARS: usize = 10_000;

/// The longest envelope any writer produces (PROTOCOL.md §8): 10,000 four-byte characters in
/// a password mode, `62 + 1 + 53627` characters. Readers and the server refuse longer ones
/// unread; `envelope.rs` proves at compile time that this is the longest.
pub const MAX_ENVELOPE_CHARS: usize = 53_690;
