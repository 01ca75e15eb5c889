//! Writes tests/vectors/protocol-v1.json to stdout; `--worked-example` prints PROTOCOL.md §13's block.
//!
//! Run from the workspace root:
//! `cargo run -p zkshare-crypto --features vectors --example gen_vectors > tests/vectors/protocol-v1.json`

use zkshare_crypto::vectors;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--worked-example") {
        print!("{}", vectors::worked_example());
    } else {
        print!("{}", vectors::generate_json());
    }
}
