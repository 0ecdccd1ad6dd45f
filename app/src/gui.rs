//! The egui app (placeholder while the core lands).
use std::process::ExitCode;

/// Open the window.
pub fn run_app(_cli: &crate::cli::Cli) -> ExitCode {
    ExitCode::SUCCESS
}
