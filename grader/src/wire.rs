//! The records the pytest plugin writes to the private results file, one JSON object a line.
//! `grader/python/lessongrader/wire/records.schema.json` is the contract both sides follow.
use serde::{Deserialize, Serialize};

/// One line of the results file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// The plugin is loaded and configured.
    SessionStart {
        /// `3.11.7`
        python: String,
        /// The test process.
        pid: u32,
    },
    /// A test file could not be collected (an import error, a syntax error, `SystemExit`).
    CollectError {
        /// The file or node that failed.
        nodeid: String,
        /// The exception's type name, when it is one the grader treats specially.
        exception: Option<String>,
        /// pytest's report.
        message: String,
    },
    /// A test began: the one running when the process dies is the one to blame.
    TestStart {
        /// `tests/test_x.py::test_y`
        nodeid: String,
    },
    /// A test's outcome.
    Test(TestRecord),
    /// Every test ran; the leak hunt and the speed check follow.
    TestsDone {
        /// Tests collected.
        collected: u32,
        /// Tests that failed.
        failed: u32,
    },
    /// A leak the hunt found.
    Leak(LeakRecord),
    /// The leak hunt ended.
    LeakSummary {
        /// How many tests were re-run under the hunt.
        tests_hunted: u32,
        /// How long the hunt took.
        seconds: f64,
    },
    /// One speed case, measured.
    Perf(PerfRecord),
    /// The speed cases were not measured.
    PerfSkipped {
        /// Why, in words.
        reason: String,
    },
    /// pytest finished: the results are complete.
    SessionFinish {
        /// pytest's exit status.
        exitstatus: i32,
    },
}

/// Which phase of a test a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Fixtures being set up.
    Setup,
    /// The test function itself.
    Call,
    /// Fixtures being torn down.
    Teardown,
}

/// How a test phase ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// It passed.
    Passed,
    /// It failed or raised.
    Failed,
    /// pytest skipped it.
    Skipped,
}

/// One test's outcome: its call phase, or the setup/teardown phase that failed.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct TestRecord {
    /// `tests/test_x.py::test_y[param]`
    pub nodeid: String,
    /// `test_y[param]`
    pub name: String,
    /// `tests/test_x.py`
    pub file: String,
    /// The line of the test function.
    pub line: u32,
    /// The phase this record is about.
    pub when: Phase,
    /// How it ended.
    pub outcome: TestOutcome,
    /// Seconds.
    #[serde(default)]
    pub duration: f64,
    /// pytest's report of a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The exception's type name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// `ValueError: …`, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The line of the test file where it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_line: Option<u32>,
    /// The source of the failing statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Where Rust panicked, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic: Option<PanicSite>,
    /// Both sides of a failed `==`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

/// Where a Rust panic happened, from the panic hook's message.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PanicSite {
    /// The panic's message.
    pub message: String,
    /// It was a `todo!()`.
    pub todo: bool,
    /// `exercises/03-lru/src/lib.rs`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// Both sides of a failed `assert actual == expected`, rendered by the plugin.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Comparison {
    /// The actual value, rendered.
    pub actual: String,
    /// The expected value, rendered.
    pub expected: String,
    /// Its Python type.
    pub actual_type: String,
    /// Its Python type.
    pub expected_type: String,
    /// Both sides are `str`: diff the text itself, not its repr.
    pub text: bool,
    /// Its `len()`, for containers.
    #[serde(default)]
    pub actual_len: Option<usize>,
    /// Its `len()`, for containers.
    #[serde(default)]
    pub expected_len: Option<usize>,
}

/// The kinds of leak the hunt tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakKind {
    /// References to an argument grow per call.
    ArgumentRefs,
    /// References to an object reachable from an argument grow per call.
    ReachableRefs,
    /// Allocated blocks grow per call.
    NewObjects,
    /// Objects tracked by the garbage collector grow per call.
    GcObjects,
    /// Instances in a reference cycle survive `gc.collect()`.
    UncollectableCycle,
    /// As above, with `__traverse__` but without `__clear__`.
    UncollectableCycleClear,
    /// Growth that stops: a cache filled once.
    StaticCache,
    /// The process's resident memory grows: the Rust heap.
    RustHeap,
    /// A buffer export was never released.
    BufferExport,
    /// A reference released too often.
    RefcountDrop,
}

/// A leak the hunt found.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct LeakRecord {
    /// The test that showed it.
    #[serde(default)]
    pub test: String,
    /// The call that leaks, e.g. `mean(list)`, when known.
    #[serde(default)]
    pub call: String,
    /// What leaks.
    pub leak_kind: LeakKind,
    /// Growth per call.
    #[serde(default)]
    pub per_call: f64,
    /// Calls a round.
    #[serde(default)]
    pub calls: u64,
    /// One line for the learner.
    pub message: String,
    /// Where to look.
    #[serde(default)]
    pub hint: String,
}

/// Whether a speed case could be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerfOutcome {
    /// Timed; the grader compares the speedup with the threshold.
    Measured,
    /// Not measurable: the answers differed, a call raised, the lock timed out.
    Error,
}

/// Which clock timed a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// CPU time of the process.
    Cpu,
    /// Wall-clock time (cases about threads).
    Wall,
}

/// One speed case's measurement.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PerfRecord {
    /// The case's name from `exercise.toml`.
    pub case: String,
    /// Measured or not.
    pub outcome: PerfOutcome,
    /// Median of the per-pair ratios baseline / candidate.
    #[serde(default)]
    pub speedup: Option<f64>,
    /// The speedup needed.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// The smallest per-pair ratio.
    #[serde(default)]
    pub min_ratio: Option<f64>,
    /// The largest per-pair ratio.
    #[serde(default)]
    pub max_ratio: Option<f64>,
    /// Pairs timed.
    #[serde(default)]
    pub pairs: u32,
    /// Measured a second time in a fresh process, being close to the threshold.
    #[serde(default)]
    pub retried: bool,
    /// The clock used.
    pub timer: Timer,
    /// How long the case took.
    #[serde(default)]
    pub seconds: f64,
    /// One line for the learner.
    #[serde(default)]
    pub message: String,
    /// The case's hint.
    #[serde(default)]
    pub hint: Option<String>,
}
