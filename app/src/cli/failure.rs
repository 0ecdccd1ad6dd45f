//! What every subcommand shares: its failure with an exit status, and its output.

use sim_core::summary::Summary;
use std::process::ExitCode;

/// An error with its exit status.
#[derive(Debug)]
pub struct Failure {
    /// 2 for bad input, 1 for anything else.
    pub code: u8,
    /// The message.
    pub error: anyhow::Error,
    /// Print nothing (a Python program's own exit status).
    pub quiet: bool,
}

/// A bad-input failure (exit status 2).
pub fn bad_input(e: impl Into<anyhow::Error>) -> Failure {
    Failure { code: 2, error: e.into(), quiet: false }
}
/// Any other failure (exit status 1).
pub fn other(e: impl Into<anyhow::Error>) -> Failure {
    Failure { code: 1, error: e.into(), quiet: false }
}

/// Write a line to stdout; an error (a closed pipe: `threadline list | head -1`) is returned,
/// never a panic.
pub fn say(line: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// Print a summary as text or JSON.
pub fn print_summary(s: &Summary, json: bool) {
    if json {
        let _ = say(&serde_json::to_string_pretty(s).unwrap_or_default());
    } else {
        let _ = say(s.human().trim_end_matches('\n'));
    }
}

/// Report a failure on stderr and turn it into the exit status.
pub fn exit_code(r: Result<(), Failure>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.quiet {
                eprintln!("threadline: {:#}", f.error);
            }
            ExitCode::from(f.code)
        }
    }
}
