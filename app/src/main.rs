//! The `threadline` binary: parse the command line, then run a headless command or the app.

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut cli = threadline::cli::Cli::parse();
    cli.resolve_file();
    match threadline::cli::run_cli(&cli) {
        Some(result) => threadline::cli::exit_code(result),
        None => threadline::gui::run_app(&cli),
    }
}
