//! The verdict: what the checks stage decides, and the contract other tools read
//! (`--format json`, exit codes).
use serde::{Deserialize, Serialize};

use crate::build::{CompilerError, Variant};
pub use crate::run::OffReason;
pub use crate::wire::{Comparison, LeakCheck, LeakKind, Timer};

/// The exercise's status. Exit code 0 only for `Passed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every check that ran passed.
    Passed,
    /// The tests ran to the end, but one of them failed, or a leak or a speed case did.
    Failed,
    /// A `todo!()` was reached.
    NotStarted,
    /// The crate did not compile, so nothing was run.
    BuildFailed,
    /// The test process ended before its results were complete.
    Crashed,
    /// The tests outlasted the exercise's `timeout_secs` and were killed.
    TimedOut,
    /// The grader itself could not run (no Python, a broken `exercise.toml`). Never the learner's doing.
    Error,
}

impl Status {
    /// The status in words: `not started`.
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

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// It ran and passed.
    Passed,
    /// It ran and failed (for `build`: the crate did not compile).
    Failed,
    /// It did not run: switched off for this run, off for this exercise, or blocked by an earlier
    /// failure. The summary says which.
    Skipped,
}

/// The verdict for one exercise and one variant.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `exercise-3`
    pub exercise: String,
    /// The exercise's slug: `lru`.
    pub slug: String,
    /// The exercise's title from its `exercise.toml`.
    pub title: String,
    /// Which crate was checked: the learner's or the reference solution.
    pub variant: Variant,
    /// The overall outcome; it decides the exit code.
    pub status: Status,
    /// One result per check, in [`CheckName::ALL`] order.
    pub checks: Vec<CheckResult>,
    /// Share of the exercise's tests that passed, 0.0–1.0 (0 when it did not build).
    pub score: f64,
    /// Wall-clock seconds for the build and the test run together.
    pub seconds: f64,
    /// Where the learner's sources are, for messages: `exercises/03-lru`.
    pub crate_dir: String,
    /// The crash, timeout or not-started explanation when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

impl CheckResult {
    /// Why this check was switched off, if it was.
    pub fn switched_off(&self) -> Option<OffReason> {
        match self.details {
            CheckDetails::SwitchedOff { reason } => Some(reason),
            _ => None,
        }
    }
}

impl Verdict {
    /// The result of one check.
    pub fn check(&self, name: CheckName) -> Option<&CheckResult> {
        self.checks.iter().find(|check| check.name == name)
    }
}

/// The checks, in the order they run. This table is the one place their names live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// maturin built the crate.
    Build,
    /// The Python tests pass.
    Tests,
    /// The reference-leak hunt found nothing.
    Leaks,
    /// One call of each memory case stays within its limit (no copy of the input).
    Memory,
    /// The speed cases clear their thresholds.
    Perf,
}

impl CheckName {
    /// Every check, in order.
    pub const ALL: [Self; 5] = [
        Self::Build,
        Self::Tests,
        Self::Leaks,
        Self::Memory,
        Self::Perf,
    ];

    /// The check's name in the JSON verdict and the progress file: `build`, `tests`, `leaks`,
    /// `memory`, `perf`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Build => "build",
            Self::Tests => "tests",
            Self::Leaks => "leaks",
            Self::Memory => "memory",
            Self::Perf => "perf",
        }
    }

    /// The check whose [`key`](Self::key) this is.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|name| name.key() == key)
    }
}

/// How one check came out, with what the learner needs to see of it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The check this is the result of.
    pub name: CheckName,
    /// Whether it passed, failed or was skipped.
    pub status: CheckStatus,
    /// One line: `14/14`, `clean`, `23.4× (needs ≥ 8×)`, `skipped`.
    pub summary: String,
    /// What the check found, in the shape of its kind.
    pub details: CheckDetails,
}

/// What a check found. Serialized untagged: the JSON holds only the variant's fields.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CheckDetails {
    /// Nothing to report: the build passed, or the check was skipped for the reason its summary
    /// gives.
    None {},
    /// Not run, for a reason the caller gave (a quicker run, a check on save).
    SwitchedOff {
        /// Why.
        reason: OffReason,
    },
    /// The build failed.
    Build {
        /// The compiler's errors, in the order rustc reported them.
        errors: Vec<CompilerError>,
    },
    /// The tests ran (completely or not).
    Tests {
        /// Tests that passed.
        passed: u32,
        /// Tests counted: every test that reached its call phase, plus those that failed in
        /// setup or teardown.
        total: u32,
        /// The failed tests and collection errors, in the order they were reported.
        failures: Vec<TestFailure>,
    },
    /// The leak hunt ran.
    Leaks {
        /// The leaks found; empty when the hunt came out clean.
        findings: Vec<LeakFinding>,
    },
    /// The memory cases ran.
    Memory {
        /// One entry per case, in the order of `exercise.toml`.
        cases: Vec<MemoryCaseResult>,
    },
    /// The speed cases ran.
    Perf {
        /// One entry per case that ran, in the order they ran.
        cases: Vec<SpeedCase>,
    },
}

/// A leak the hunt found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakFinding {
    /// The test that showed it.
    pub test: String,
    /// The call that leaks, e.g. `mean(list)`, when known.
    pub call: String,
    /// The automatic hunt or an explicit `assert_no_leaks`.
    pub check: LeakCheck,
    /// What leaks.
    pub leak_kind: LeakKind,
    /// Growth per call.
    pub per_call: f64,
    /// Calls a round.
    pub calls: u64,
    /// One line for the learner.
    pub message: String,
    /// Where to look.
    pub hint: String,
}

/// How a memory case came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryOutcome {
    /// One call took at most the limit.
    Passed,
    /// It took more.
    Failed,
    /// It could not be measured: the function raised, or could not be loaded.
    Error,
    /// It was not measured (the peak cannot be measured in this process, or the run ended
    /// before it): nothing is claimed. `message` says which.
    Skipped,
}

/// One memory case of the verdict: the peak extra memory of one call against its limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryCaseResult {
    /// The case's name from `exercise.toml`.
    pub case: String,
    /// Decided by the checks stage.
    pub status: MemoryOutcome,
    /// The input's size.
    pub input_bytes: u64,
    /// The most memory one call held beyond what the process held before it, when measured.
    pub extra_bytes: Option<u64>,
    /// The most it may hold: `max_extra` of the input's size.
    pub limit_bytes: u64,
    /// The limit as a share of the input's size (`0.01` is 1 %).
    pub max_extra: f64,
    /// Why it was not measured (error and skipped only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The case's hint, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A size as the verdict words it: `64.0 MiB`, `0.6 MiB`.
pub fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// How a speed case came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeedOutcome {
    /// The median speedup reaches the threshold.
    Passed,
    /// It does not.
    Failed,
    /// It could not be measured: the answers differed, a call raised.
    Error,
    /// It did not run (the run ended before it): nothing was measured, nothing is claimed.
    Skipped,
}

/// One speed case of the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpeedCase {
    /// The case's name from `exercise.toml`.
    pub case: String,
    /// Decided by the checks stage.
    pub status: SpeedOutcome,
    /// Median of the per-pair ratios baseline / candidate.
    pub speedup: Option<f64>,
    /// The speedup needed.
    pub threshold: f64,
    /// The smallest per-pair ratio.
    pub min_ratio: Option<f64>,
    /// The largest per-pair ratio.
    pub max_ratio: Option<f64>,
    /// The median ratio's 95 % confidence interval, low end (absent for a record without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    /// The median ratio's 95 % confidence interval, high end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
    /// For a failed case: how far its speedup is under the threshold, as a fraction of the
    /// threshold (`0.025`: 2.5 % short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<f64>,
    /// A failure within the close band under the threshold (`CLOSE_BAND`, 15 %): a small gain
    /// will pass, and at this distance noise alone may flip the verdict from run to run.
    pub close: bool,
    /// Pairs timed.
    pub pairs: u32,
    /// Measured again in a fresh process, being close to the threshold.
    pub retried: bool,
    /// The clock used.
    pub timer: Timer,
    /// How long the case took.
    pub seconds: f64,
    /// One line for the learner.
    pub message: String,
    /// The case's hint, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A number without trailing zeros: `8`, `2.5`, `1.25` (two decimals at most).
pub fn trim_float(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl SpeedCase {
    /// The speedup with one decimal, or two where one would hide which side of the threshold it
    /// is on (1.17 failing 1.2 is `1.17`, never `1.2`); `None` when nothing was measured.
    pub fn speed_figure(&self) -> Option<String> {
        let speedup = self.speedup?;
        let one = format!("{speedup:.1}");
        let shown: f64 = one.parse().unwrap_or(speedup);
        let passed = self.status == SpeedOutcome::Passed;
        Some(if (shown >= self.threshold) == passed {
            one
        } else {
            format!("{speedup:.2}")
        })
    }
}

/// A failed test, with what the learner needs for the next edit.
#[derive(Debug, Clone, Serialize)]
pub struct TestFailure {
    /// The test's name with its parameters, `test_wrap[long]`; `collecting <path>` for a file
    /// pytest could not collect.
    pub name: String,
    /// `tests/test_strings.py`
    pub file: String,
    /// The line of the failing statement (or of the test when unknown).
    pub line: u32,
    /// The source of the failing statement: `assert wrap(text, 10) == expected`.
    pub statement: String,
    /// `AssertionError: …` / `ValueError: …`, one line.
    pub summary: String,
    /// Both sides of the failed `==`, when the failing statement was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// pytest's full report, shown with --verbose.
    pub report: String,
    /// It stopped at a `todo!()`: unfinished, not wrong.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reached_todo: bool,
}

/// What ended the run early, or the todo!() that stopped it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The test process died before its results were complete (status `crashed`).
    Crash {
        /// The signal that killed it, by name: `SIGSEGV`.
        signal: Option<String>,
        /// Its exit code, when it exited instead of being killed.
        exit_code: Option<i32>,
        /// The test that was running (`test_y[param]`), when known.
        test: Option<String>,
        /// The Python frames faulthandler printed, innermost first, each followed by its source
        /// line when it is in the exercise's own files.
        frames: Vec<String>,
        /// The last lines the process wrote to stderr.
        stderr_tail: String,
    },
    /// The run outlasted the exercise's `timeout_secs` and was killed (status `timed_out`).
    Timeout {
        /// The limit it reached, in seconds.
        after_secs: u64,
        /// The test that was running at the deadline (`test_y[param]`), when known.
        test: Option<String>,
    },
    /// Tests reached a `todo!()`: the exercise is not started (status `not_started`).
    Todo {
        /// Each distinct `todo!()` reached, by file and line.
        sites: Vec<TodoSite>,
    },
    /// The grader's own Python side failed (status `error`).
    GraderFailure {
        /// What went wrong (when pytest could not load the plugin: the end of its stderr).
        message: String,
    },
}

/// A `todo!()` a test reached: `LruCache::get` at `exercises/03-lru/src/lib.rs:57`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TodoSite {
    /// The function containing it, `LruCache::get` or `mean` (`a function` when not found).
    pub function: String,
    /// The Rust source file, relative to the course root.
    pub file: String,
    /// The 1-based line of the `todo!()`.
    pub line: u32,
}
