//! Stage 6: the verdict, the contract other tools read (`--format json`, exit codes).
use serde::{Deserialize, Serialize};

use crate::build::{CompilerError, Variant};
use crate::run::{Comparison, LeakRecord, PerfRecord};

/// The exercise's status. Exit code 0 only for `Passed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    /// A `todo!()` was reached.
    NotStarted,
    BuildFailed,
    /// The test process ended before its results were complete.
    Crashed,
    TimedOut,
    /// The grader itself could not run (no Python, a broken `exercise.toml`). Never the learner's doing.
    Error,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::NotStarted => "not started",
            Self::BuildFailed => "build failed",
            Self::Crashed => "crashed",
            Self::TimedOut => "timed out",
            Self::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Passed,
    Failed,
    Skipped,
}

/// The verdict for one exercise and one variant.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `exercise-3`
    pub exercise: String,
    pub slug: String,
    pub title: String,
    pub variant: Variant,
    pub status: Status,
    pub checks: Vec<CheckResult>,
    /// Share of the exercise's tests that passed, 0.0–1.0 (0 when it did not build).
    pub score: f64,
    pub seconds: f64,
    /// Where the learner's sources are, for messages: `exercises/03-lru`.
    pub crate_dir: String,
    /// The crash, timeout or not-started explanation when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

impl CheckName {
    /// The check's name in the JSON verdict and the progress file: `build`, `tests`, `leaks`, `perf`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Build => "build",
            Self::Tests => "tests",
            Self::Leaks => "leaks",
            Self::Perf => "perf",
        }
    }
}

impl CheckResult {
    /// The flag that switched this check off (`--no-leaks`, `--no-perf`), if one did.
    pub fn switched_off_by(&self) -> Option<&'static str> {
        match self.details {
            CheckDetails::SwitchedOff { flag } => Some(flag),
            _ => None,
        }
    }
}

impl Verdict {
    pub fn check(&self, name: CheckName) -> Option<&CheckResult> {
        self.checks.iter().find(|check| check.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    Build,
    Tests,
    Leaks,
    Perf,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub name: CheckName,
    pub status: CheckStatus,
    /// One line: `14/14`, `clean`, `23.4× (needs ≥ 8×)`, `skipped (--no-perf)`.
    pub summary: String,
    pub details: CheckDetails,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CheckDetails {
    None {},
    /// Skipped because the user asked for a quicker run: the flag that did it (`--no-perf`).
    SwitchedOff {
        flag: &'static str,
    },
    Build {
        errors: Vec<CompilerError>,
    },
    Tests {
        passed: u32,
        total: u32,
        failures: Vec<TestFailure>,
    },
    Leaks {
        findings: Vec<LeakRecord>,
    },
    Perf {
        cases: Vec<PerfRecord>,
    },
}

/// A failed test, with what the learner needs for the next edit.
#[derive(Debug, Clone, Serialize)]
pub struct TestFailure {
    pub name: String,
    /// `tests/test_strings.py`
    pub file: String,
    /// The line of the failing statement (or of the test when unknown).
    pub line: u32,
    /// The source of the failing statement: `assert wrap(text, 10) == expected`.
    pub statement: String,
    /// `AssertionError: …` / `ValueError: …`, one line.
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// pytest's full report, shown with --verbose.
    pub report: String,
}

/// What ended the run early, or the todo!() that stopped it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    Crash {
        signal: Option<String>,
        exit_code: Option<i32>,
        test: Option<String>,
        /// The Python frames faulthandler printed, innermost last.
        frames: Vec<String>,
        /// The last lines the process wrote to stderr.
        stderr_tail: String,
    },
    Timeout {
        after_secs: u64,
        test: Option<String>,
    },
    Todo {
        sites: Vec<TodoSite>,
    },
    /// The grader's own Python side failed (status `error`).
    GraderFailure {
        message: String,
    },
}

/// A `todo!()` a test reached: `LruCache::get` at `exercises/03-lru/src/lib.rs:57`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TodoSite {
    pub function: String,
    pub file: String,
    pub line: u32,
}
