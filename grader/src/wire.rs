//! The records the pytest plugin writes to the results file, one JSON object a line, as typed Rust.
//!
//! The single definition of the wire format is
//! `grader/python/lessongrader/wire/records.schema.json`; this module is its serde model. Two rules
//! hold on both sides: a field without a value is left out, never `null` (every `Option` here is
//! `default` + `skip_serializing_if = "Option::is_none"`), and no field exists that the other side
//! does not know (every struct denies unknown fields).
//! There is deliberately no catch-all variant: drift must fail the tests loudly. The runtime reader
//! skips a line that does not parse (a process that dies cuts its last line short).
//!
//! Golden tests: `grader/python/lessongrader/wire/samples.jsonl` validates against the schema
//! (Python, `grader/python/tests/test_wire.py`) and round-trips through [`Record`] here; every
//! [`Record`] variant must appear in the samples and in the schema.
//!
//! Order in a run (see the schema for details): `session_start`, `collect_error`*, per test
//! `test_start` and `test` (phase 1), `tests_done`, then per re-run `rerun_start` and its `leak`
//! records, `leak_summary` (phase 2, leak checks on), then `memory`* or `memory_skipped`, then
//! `perf`* or `perf_skipped`, `session_finish`.
#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// One line of the results file; `kind` says which record it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    /// The plugin is loaded and the results file open: the first record of a run.
    SessionStart {
        /// The interpreter's version, `3.11.7`.
        python: String,
        /// The pytest process's id.
        pid: u32,
    },
    /// A test file could not be collected. Counts in [`Record::TestsDone`]'s `failed`.
    CollectError {
        /// The file's node id.
        nodeid: String,
        /// Present when the module ended the process on purpose at import time, or was interrupted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exception: Option<CollectException>,
        /// pytest's report of the error.
        message: String,
    },
    /// A test begins (phase 1). Without a following [`Record::Test`] it names the test that was
    /// running when the process died.
    TestStart {
        /// The test's node id.
        nodeid: String,
    },
    /// A test's outcome (phase 1 only: re-runs of the leak phase write none).
    Test(Box<TestRecord>),
    /// Phase 1 is over: the tests verdict is known. Written at once, so the grader can show it
    /// while leaks and perf still run; missing when a test interrupted the run.
    TestsDone {
        /// Tests collected.
        collected: u32,
        /// Tests that failed in any phase (each once) plus collection errors; 0 means all passed
        /// (skipped tests are not failures).
        failed: u32,
    },
    /// Phase 2: a test that passed runs again for a leak check. As the last record of a dead
    /// process it names the test whose re-run was going on.
    RerunStart {
        /// The test's node id.
        nodeid: String,
        /// Which check the re-run is for.
        check: LeakCheck,
    },
    /// A leak finding. Leaks never fail a test.
    Leak(LeakRecord),
    /// The end of the leak phase (written whenever leak checks are on).
    LeakSummary(LeakSummary),
    /// One memory case measured, or not measurable.
    Memory(MemoryRecord),
    /// Memory cases exist and are switched on, but were not measured.
    MemorySkipped {
        /// Why (the same reasons as for perf cases).
        reason: PerfSkipReason,
    },
    /// One perf case measured, or not measurable.
    Perf(PerfRecord),
    /// Perf cases exist and are switched on, but were not measured.
    PerfSkipped {
        /// Why.
        reason: PerfSkipReason,
    },
    /// pytest's session ended normally: the last record. A run without it crashed or was killed.
    SessionFinish {
        /// pytest's exit status; leak findings never change it.
        exitstatus: i32,
    },
}

/// Why a test file could not be collected, when it is one the grader treats specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CollectException {
    /// The module called `sys.exit()` at import time.
    SystemExit,
    /// The module was interrupted at import time.
    KeyboardInterrupt,
}

/// A test phase's outcome: one record for the call phase, plus one for a setup or teardown phase
/// that failed (a failed setup has no call record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRecord {
    /// The test's node id, `tests/test_x.py::test_name[param]`.
    pub nodeid: String,
    /// The test's name with its parameters.
    pub name: String,
    /// The test file, relative to the rootdir.
    pub file: String,
    /// The line of the test's `def` (1-based).
    pub line: u32,
    /// The phase this record is about.
    pub when: Phase,
    /// pytest's outcome of that phase.
    pub outcome: TestOutcome,
    /// Seconds the phase took.
    pub duration: f64,
    /// Failed only: pytest's report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Failed with an exception: its type's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// Failed with an exception: `Type: message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Failed with an exception raised through the test file: the line there (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_line: Option<u32>,
    /// Failed with an exception: the failing statement's source (empty when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Failed with a Rust panic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic: Option<PanicSite>,
    /// Failed on `assert actual == expected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

/// A pytest test phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Fixtures being set up.
    Setup,
    /// The test function itself.
    Call,
    /// Fixtures being torn down.
    Teardown,
}

/// pytest's outcome of a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// It passed.
    Passed,
    /// It failed (an error in setup or teardown too).
    Failed,
    /// `pytest.skip()` in the test, or an expected failure (xfail).
    Skipped,
}

/// Where Rust panicked, for a test that failed with a `PanicException`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanicSite {
    /// The panic's message.
    pub message: String,
    /// It is a `todo!()`.
    pub todo: bool,
    /// The source file as rustc names it (from the panic message on stderr), when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Its line, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Its column, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// Both sides of a failed `assert actual == expected`, rendered by the plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// The left side: a `str` as itself, anything else pretty-printed.
    pub actual: String,
    /// The right side, rendered the same way.
    pub expected: String,
    /// The left side's type name.
    pub actual_type: String,
    /// The right side's type name.
    pub expected_type: String,
    /// Both sides are `str`: diff the text itself, not its repr.
    pub text: bool,
    /// `len()` of the left side when it has one and is not `str`/`bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_len: Option<usize>,
    /// `len()` of the right side, the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_len: Option<usize>,
}

/// Which leak check found a leak, or what a re-run is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakCheck {
    /// The automatic hunt: the whole test re-run in rounds.
    Hunt,
    /// A test's explicit `assert_no_leaks(func, ...)`: one function, call by call.
    AssertNoLeaks,
}

/// A leak finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeakRecord {
    /// The node id of the test that found it; empty outside a pytest test.
    pub test: String,
    /// What leaks: the call, `sum_list(xs)`, for `assert_no_leaks`; the test's name for the hunt.
    pub call: String,
    /// Which check found it.
    pub check: LeakCheck,
    /// What kind of leak.
    pub leak_kind: LeakKind,
    /// Growth per call (per run of the test for the hunt).
    pub per_call: f64,
    /// Calls (runs) per measured round.
    pub calls: u64,
    /// Growth per measured round, in the counter's unit; negative for a refcount drop.
    pub growth: f64,
    /// What was seen, one line for the learner.
    pub message: String,
    /// How such a leak is usually made, and fixed.
    pub hint: String,
    /// The watched object, as an expression (`xs`, `person.name`), for reference findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The types whose objects grow, most first, for object findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// Where in the test file the surviving objects were allocated (hunt findings).
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub allocated_at: Option<String>,
}

/// The kinds of leak `leaks.py` reports (see its module docstring for how each is told apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakKind {
    /// A reference to an argument (or a hunted test's fixture, global, constant) is never released.
    ArgumentRefs,
    /// A reference to an object reached through an argument is never released.
    ReachableRefs,
    /// Allocated blocks grow: an object made during the call is never freed.
    NewObjects,
    /// Live garbage-collected objects of some type grow.
    GcObjects,
    /// Objects in cycles the collector cannot break or cannot see.
    UncollectableCycle,
    /// Objects kept in a collection that grows on every call.
    StaticCache,
    /// The malloc heap grows while no Python object leaks.
    RustHeap,
    /// A buffer export (`PyBuffer`) is never released.
    BufferExport,
    /// References are released that were not owned: the object will be freed while in use.
    RefcountDrop,
}

/// The end of the leak phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeakSummary {
    /// Tests re-run for the hunt, including those that then could not be hunted.
    pub tests_hunted: u32,
    /// Tests re-run for their `assert_no_leaks` calls.
    pub tests_checked: u32,
    /// Re-run tests with at least one finding.
    pub tests_leaking: u32,
    /// The whole leak phase, in seconds.
    pub seconds: f64,
    /// The (at most 5) slowest re-runs, slowest first.
    pub slowest: Vec<TimedTest>,
    /// Re-run tests whose checks did not (all) run, and why. A test that fails only when run
    /// again is reported here; its phase-1 verdict stands.
    pub skipped: Vec<SkippedTest>,
}

/// A test and the seconds its re-run took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedTest {
    /// The test's node id.
    pub test: String,
    /// Seconds.
    pub seconds: f64,
}

/// A re-run test whose leak checks did not (all) run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkippedTest {
    /// The test's node id.
    pub test: String,
    /// Why, one line: `the test does not pass when run again (AssertionError); not hunted`.
    pub reason: String,
}

/// One `[[perf]]` case. The plugin only measures: the case passes when
/// `speedup >= threshold` (see [`PerfRecord::passed`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerfRecord {
    /// The case's name from exercise.toml.
    pub case: String,
    /// Measured, or not measurable.
    pub outcome: PerfOutcome,
    /// The median of the per-pair ratios baseline time / candidate time (measured only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// The case's `min_speedup` (absent from an error record when the case has none usable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The smallest per-pair ratio (measured only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ratio: Option<f64>,
    /// The largest per-pair ratio (measured only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ratio: Option<f64>,
    /// The low end of the median ratio's 95 % confidence interval (measured only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    /// The high end of that interval (measured only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
    /// Pairs timed (0 for an error).
    pub pairs: u32,
    /// Measured again in a fresh interpreter because the first median was under the threshold but
    /// close to it; the numbers pool both rounds.
    pub retried: bool,
    /// Which clock timed it.
    pub timer: Timer,
    /// Seconds the case took, lock wait excluded.
    pub seconds: f64,
    /// One line without a verdict: the speed and input, or what went wrong.
    pub message: String,
    /// The case's hint, whenever it has one; the grader decides whether to show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// One `[[memory]]` case. The plugin only measures: the grader compares `extra_bytes` with the
/// case's limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryRecord {
    /// The case's name from exercise.toml.
    pub case: String,
    /// Measured, not measurable here, or failed.
    pub outcome: MemoryOutcome,
    /// The size of the input the setup made.
    pub input_bytes: u64,
    /// Peak resident memory during the call minus resident memory just before it (measured only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_bytes: Option<u64>,
    /// Seconds the case took, the input's setup included.
    pub seconds: f64,
    /// Why nothing was measured (unmeasurable and error only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The case's hint, whenever it has one; the grader decides whether to show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Whether a memory case could be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryOutcome {
    /// `extra_bytes` is present.
    Measured,
    /// The peak cannot be measured in this process (not Linux, /proc read-only).
    Unmeasurable,
    /// The function or its setup could not be loaded, or raised.
    Error,
}

/// Whether a perf case could be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PerfOutcome {
    /// `speedup`, `threshold`, `min_ratio` and `max_ratio` are present.
    Measured,
    /// Nothing could be measured (the functions could not be loaded or raised, the results
    /// differed, the input was modified, the lock timed out); `message` says which.
    Error,
}

/// The clock a perf case is timed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// CPU time of the whole process.
    Cpu,
    /// Wall-clock time (cases whose task is to use threads).
    Wall,
}

/// Why perf cases were not measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PerfSkipReason {
    /// Some test failed (or none was collected).
    TestsFailed,
    /// The tests phase never finished (no `tests_done`).
    TestsInterrupted,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    fn wire_file(name: &str) -> String {
        let path = format!(
            "{}/python/lessongrader/wire/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }

    fn samples() -> Vec<(usize, String)> {
        wire_file("samples.jsonl")
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| (index + 1, line.to_string()))
            .collect()
    }

    /// The tag of each variant, by a match without a wildcard arm: a new variant does not compile
    /// until it is listed here, and then the tests below want it in the samples and the schema.
    fn kind_of(record: &Record) -> &'static str {
        match record {
            Record::SessionStart { .. } => "session_start",
            Record::CollectError { .. } => "collect_error",
            Record::TestStart { .. } => "test_start",
            Record::Test(_) => "test",
            Record::TestsDone { .. } => "tests_done",
            Record::RerunStart { .. } => "rerun_start",
            Record::Leak(_) => "leak",
            Record::LeakSummary(_) => "leak_summary",
            Record::Memory(_) => "memory",
            Record::MemorySkipped { .. } => "memory_skipped",
            Record::Perf(_) => "perf",
            Record::PerfSkipped { .. } => "perf_skipped",
            Record::SessionFinish { .. } => "session_finish",
        }
    }

    /// Every variant's tag, from serde itself: the error for an unknown tag lists them all.
    fn serde_kinds() -> BTreeSet<String> {
        let error = serde_json::from_str::<Record>(r#"{"kind":"no such kind"}"#)
            .expect_err("an unknown kind must not parse")
            .to_string();
        let list = error
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected serde error: {error}"));
        // "`a`, `b`, `c` at line 1 column 21": the names are the quoted parts.
        list.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// The kinds the schema lists in its `oneOf`.
    fn schema_kinds() -> BTreeSet<String> {
        let schema: Value = serde_json::from_str(&wire_file("records.schema.json")).unwrap();
        schema["oneOf"]
            .as_array()
            .expect("the schema's oneOf")
            .iter()
            .map(|branch| {
                let name = branch["$ref"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("#/$defs/");
                schema["$defs"][name]["properties"]["kind"]["const"]
                    .as_str()
                    .unwrap_or_else(|| panic!("$defs/{name} has no kind const"))
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn every_sample_round_trips_through_the_typed_record() {
        let samples = samples();
        assert!(!samples.is_empty());
        for (number, line) in samples {
            let value: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("samples.jsonl:{number} is not JSON: {e}"));
            let record: Record = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("samples.jsonl:{number} does not parse: {e}\n{line}"));
            assert_eq!(
                value["kind"].as_str(),
                Some(kind_of(&record)),
                "samples.jsonl:{number}"
            );
            let again = serde_json::to_value(&record).unwrap();
            assert_eq!(
                again, value,
                "samples.jsonl:{number} changes on a round trip"
            );
        }
    }

    #[test]
    fn every_variant_is_in_the_samples_and_the_schema() {
        let mut seen = BTreeSet::new();
        for (number, line) in samples() {
            let record: Record = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("samples.jsonl:{number} does not parse: {e}"));
            seen.insert(kind_of(&record).to_string());
        }
        let variants = serde_kinds();
        assert_eq!(variants.len(), 13, "{variants:?}");
        assert_eq!(seen, variants, "variants missing from samples.jsonl");
        assert_eq!(schema_kinds(), variants, "the schema and Record disagree");
    }

    /// Every object nested in `value`, as a path of keys and indices.
    fn object_paths(value: &Value, path: &mut Vec<Value>, into: &mut Vec<Vec<Value>>) {
        match value {
            Value::Object(map) => {
                into.push(path.clone());
                for (key, child) in map {
                    path.push(Value::String(key.clone()));
                    object_paths(child, path, into);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    path.push(Value::from(index));
                    object_paths(child, path, into);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn at<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
        path.iter().fold(value, |value, step| match step {
            Value::String(key) => &mut value[key.as_str()],
            Value::Number(index) => &mut value[index.as_u64().unwrap() as usize],
            _ => unreachable!(),
        })
    }

    #[test]
    fn an_unknown_field_anywhere_fails_to_parse() {
        for (number, line) in samples() {
            let value: Value = serde_json::from_str(&line).unwrap();
            let mut paths = Vec::new();
            object_paths(&value, &mut Vec::new(), &mut paths);
            for path in paths {
                let mut changed = value.clone();
                at(&mut changed, &path)
                    .as_object_mut()
                    .unwrap()
                    .insert("added_by_python".into(), Value::from(1));
                assert!(
                    serde_json::from_value::<Record>(changed).is_err(),
                    "samples.jsonl:{number}: an unknown field at {path:?} was accepted"
                );
            }
        }
    }

    #[test]
    fn samples_hold_no_null() {
        fn has_null(value: &Value) -> bool {
            match value {
                Value::Null => true,
                Value::Array(items) => items.iter().any(has_null),
                Value::Object(map) => map.values().any(has_null),
                _ => false,
            }
        }
        for (number, line) in samples() {
            let value: Value = serde_json::from_str(&line).unwrap();
            assert!(!has_null(&value), "samples.jsonl:{number} holds a null");
        }
    }
}
