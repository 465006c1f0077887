//! Exit codes and the `--format` choice shared by the commands.
use std::process::ExitCode;

use grader::{Status, Verdict};

/// The verdict passed.
pub const PASSED: u8 = 0;
/// The verdict did not pass (failed, not started, did not build, crashed, timed out).
pub const NOT_PASSED: u8 = 1;
/// Bad usage or the grader itself could not run.
pub const GRADER_ERROR: u8 = 2;

pub fn exit_code(verdict: &Verdict) -> ExitCode {
    match verdict.status {
        Status::Passed => ExitCode::from(PASSED),
        Status::Error => ExitCode::from(GRADER_ERROR),
        _ => ExitCode::from(NOT_PASSED),
    }
}

// Printing lives in `ui`; `reset` still reaches error printing through here.
pub use crate::ui::error;

/// `--format`
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}
