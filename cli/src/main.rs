//! `zkshare`: the command-line client. Parses the arguments and hands them to [`commands`].

mod api;
mod args;
mod commands;
mod error;
mod login_store;
mod password;
mod terminal;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
// The link parser lives in the library so that the fuzz targets reach it too.
use zkshare_cli::link;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // Messages quote the server; nothing in them may drive the terminal.
            let message = terminal::escape_lines(&failure.to_string());
            let _ = writeln!(std::io::stderr().lock(), "zkshare: {message}");
            failure.exit_code()
        }
    }
}
