//! The Lua scripts as Redis runs them: each file's contract comment, then the record layout as Lua locals, then its code.
//!
//! The locals (`local OFF_VIEWS = 30`, …) are written from [`record::LUA_CONSTANTS`] at compile
//! time, so a script cannot disagree with `record.rs` about where a field is. The result is a
//! constant string: its SHA-1 is what `EVALSHA` calls, as before.

use crate::store::record;

/// The end of the leading comment block (the lines starting with `--`) of `file`.
const fn header_end(file: &[u8]) -> usize {
    let mut i = 0;
    while i + 1 < file.len() && file[i] == b'-' && file[i + 1] == b'-' {
        while i < file.len() && file[i] != b'\n' {
            i += 1;
        }
        if i < file.len() {
            i += 1;
        }
    }
    i
}

const fn decimal_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

/// The length of the prelude: one `local NAME = value` line per constant.
pub const fn prelude_len(constants: &[(&str, usize)]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < constants.len() {
        len +=
            "local ".len() + constants[i].0.len() + " = ".len() + decimal_len(constants[i].1) + 1;
        i += 1;
    }
    len
}

const fn put(out: &mut [u8], mut at: usize, bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() {
        out[at] = bytes[i];
        at += 1;
        i += 1;
    }
    at
}

/// `file` with the prelude inserted after its contract comment; `N` is
/// `file.len() + prelude_len(constants)`.
pub const fn assemble<const N: usize>(file: &str, constants: &[(&str, usize)]) -> [u8; N] {
    let file = file.as_bytes();
    let split = header_end(file);
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < split {
        out[at] = file[i];
        at += 1;
        i += 1;
    }
    let mut c = 0;
    while c < constants.len() {
        at = put(&mut out, at, b"local ");
        at = put(&mut out, at, constants[c].0.as_bytes());
        at = put(&mut out, at, b" = ");
        let value = constants[c].1;
        let digits = decimal_len(value);
        let mut d = 0;
        let mut rest = value;
        while d < digits {
            out[at + digits - 1 - d] = b'0' + (rest % 10) as u8;
            rest /= 10;
            d += 1;
        }
        at += digits;
        at = put(&mut out, at, b"\n");
        c += 1;
    }
    while i < file.len() {
        out[at] = file[i];
        at += 1;
        i += 1;
    }
    assert!(at == N, "the script's length was computed wrongly");
    out
}

/// A script of `server/lua/` with the record layout's locals, as a `&'static str`.
macro_rules! lua_script {
    ($file:literal) => {{
        const FILE: &str = include_str!($file);
        const LEN: usize = FILE.len() + prelude_len(record::LUA_CONSTANTS);
        const BYTES: [u8; LEN] = assemble::<LEN>(FILE, record::LUA_CONSTANTS);
        match std::str::from_utf8(&BYTES) {
            Ok(script) => script,
            Err(_) => panic!("a Lua script is not UTF-8"),
        }
    }};
}

/// `consume_view.lua`: see its header for the KEYS/ARGV/returns contract.
pub const CONSUME_VIEW_LUA: &str = lua_script!("../../../lua/consume_view.lua");
/// `delete_secret.lua`: see its header for the KEYS/ARGV/returns contract.
pub const DELETE_SECRET_LUA: &str = lua_script!("../../../lua/delete_secret.lua");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_follows_the_contract_and_holds_every_constant() {
        let (contract, rest) = CONSUME_VIEW_LUA.split_at(header_end(CONSUME_VIEW_LUA.as_bytes()));
        assert!(contract.lines().all(|l| l.starts_with("--")), "{contract}");
        for (name, value) in record::LUA_CONSTANTS {
            assert!(
                rest.contains(&format!("\nlocal {name} = {value}\n"))
                    || rest.starts_with(&format!("local {name} = {value}\n")),
                "{name}"
            );
        }
        assert!(rest.contains("local UNLIMITED_VIEWS = 4294967295\n"));
        assert!(DELETE_SECRET_LUA.contains("local FIXED_LEN = 118\n"));
    }
}
