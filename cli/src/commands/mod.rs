//! The commands: read input, seal or open with zkshare-crypto, call the API, write output.
//!
//! One module per command, each with its `run`; `stdio` (bounded input, the product on stdout,
//! notes on stderr) and `credentials` (link keys, passwords, key derivation) serve them all.
//! stdout carries only the command's product (a link, a secret, JSON); notes, tokens and
//! errors go to stderr, so `zkshare get LINK > file` writes exactly the secret.

mod answer;
mod credentials;
mod delete;
mod get;
mod inspect;
mod key_file;
mod list;
mod log;
mod login;
mod open;
mod receive;
mod request;
mod seal;
mod send;
mod stdio;
mod vectors;
mod verifier;

use crate::args::{Cli, Command};
use crate::error::Result;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let prompt_allowed = !cli.no_prompt;
    let insecure_http = cli.insecure_http;
    match cli.command {
        Command::Send(args) => send::run(args, insecure_http),
        Command::Get(args) => get::run(args, prompt_allowed, insecure_http),
        Command::Inspect(args) => inspect::run(args, insecure_http),
        Command::Delete(args) => delete::run(args, insecure_http),
        Command::List(args) => list::run(args, insecure_http),
        Command::Log(args) => log::run(args, insecure_http),
        Command::Seal(args) => seal::run(args),
        Command::Open(args) => open::run(args, prompt_allowed),
        Command::Verifier(args) => verifier::run(args, prompt_allowed),
        Command::Vectors(args) => vectors::run(args),
        Command::Request(args) => request::run(args, insecure_http),
        Command::Answer(args) => answer::run(args, insecure_http),
        Command::Receive(args) => receive::run(args, insecure_http),
        Command::Login(args) => login::run(args, prompt_allowed, insecure_http),
        Command::Logout(args) => login::logout(args, insecure_http),
    }
}
