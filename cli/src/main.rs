//! `zkshare`: the command-line client. Parses the arguments and hands them to [`commands`].

mod api;
mod args;
mod commands;
mod error;
mod link;
mod password;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = writeln!(std::io::stderr().lock(), "zkshare: {failure}");
            failure.exit_code()
        }
    }
}
