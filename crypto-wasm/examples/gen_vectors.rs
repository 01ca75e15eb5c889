//! Writes tests/vectors/protocol-v1.json to stdout; `--worked-example` prints PROTOCOL.md §13's block, `--requests` the requests' vectors.
//!
//! Run from the workspace root:
//! `cargo run -p zkshare-crypto --features vectors --example gen_vectors > tests/vectors/protocol-v1.json`
//! `cargo run -p zkshare-crypto --features vectors,requests --example gen_vectors -- --requests > tests/vectors/requests-v1.json`

use zkshare_crypto::vectors;

fn main() {
    let arg = std::env::args().nth(1);
    if arg.as_deref() == Some("--worked-example") {
        print!("{}", vectors::worked_example());
    } else if arg.as_deref() == Some("--requests") {
        #[cfg(feature = "requests")]
        print!("{}", vectors::generate_requests_json());
        #[cfg(not(feature = "requests"))]
        {
            eprintln!("--requests needs the feature: --features vectors,requests");
            std::process::exit(2);
        }
    } else {
        print!("{}", vectors::generate_json());
    }
}
