//! Sealed checks: what counts toward a grade, decided by a trusted process that never loads the
//! submission. The trusted runner (`python -m lessongrader.sealed`, from `grader/python`) reads
//! the exercise's suite (`exercises/NN-slug/tests/sealed.py`, always the course's), starts one
//! worker on the reference build and one on the submission's build (each through the launcher:
//! the sandbox for untrusted code), sends both the same freshly seeded calls, compares the plain
//! data that comes back, times the workers by the CPU time the kernel charged them and watches
//! their memory from outside. It writes one JSON result, read here into typed parts.
//!
//! Nothing the submission's process says is trusted: a missing, garbled or inconsistent result
//! is an `error` part, which earns nothing.
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fs_err as fs;
use serde::{Deserialize, Serialize};

use crate::catalog::Exercise;
use crate::sandbox::{Limits, Sandbox, SandboxMode};
use crate::verdict::{CheckName, CheckStatus, Verdict};
use crate::workspace::Workspace;

/// The suite's file name in an exercise's `tests/`.
pub const SUITE_FILE: &str = "sealed.py";

/// The result format this grader reads.
pub const SCHEMA: u32 = 1;

/// Seconds the runner gets beyond its budget before it is killed.
const GRACE_SECS: u64 = 30;

/// Bytes of the runner's stderr kept for an error message.
const STDERR_TAIL: usize = 2000;

/// The exercise's sealed suite, if the course declares one.
pub fn suite(exercise: &Exercise) -> Option<PathBuf> {
    let path = exercise.tests_dir().join(SUITE_FILE);
    path.is_file().then_some(path)
}

/// What a sealed part is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// The submission answers as the reference does, on fresh inputs.
    Correctness,
    /// The worker's memory does not grow over many calls.
    Leaks,
    /// The worker's CPU time against the pure-Python baseline's.
    Speed,
}

impl PartKind {
    /// `correctness`, `leaks`, `speed`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Correctness => "correctness",
            Self::Leaks => "leaks",
            Self::Speed => "speed",
        }
    }
}

/// How a part ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartStatus {
    /// Earns its points.
    Passed,
    /// Earns nothing (correctness: its share of cases).
    Failed,
    /// The suite declares nothing for it.
    Skipped,
    /// The sealed check itself could not decide: earns nothing.
    Error,
}

impl PartStatus {
    /// `passed`, `failed`, `skipped`, `error`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Error => "error",
        }
    }
}

/// One call on which the submission and the reference disagreed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedFailure {
    /// The suite's case (`mean`, `lru_scenario_3`).
    pub case: String,
    /// The call as Python source, shrunk to a small example: `mean([0.0, 1.5])`.
    pub call: String,
    /// The reference's answer: `1.5 (float)`.
    pub expected: String,
    /// The submission's answer: `raised ValueError('…')`.
    pub actual: String,
    /// Anything else worth knowing.
    #[serde(default)]
    pub note: String,
}

/// One part of a sealed result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// What it is about.
    pub kind: PartKind,
    /// How it ended.
    pub status: PartStatus,
    /// One line.
    pub summary: String,
    /// Cases the submission answered as the reference did.
    #[serde(default)]
    pub cases_passed: u64,
    /// Cases run.
    #[serde(default)]
    pub cases_total: u64,
    /// The disagreements.
    #[serde(default)]
    pub failures: Vec<SealedFailure>,
}

/// A worker that died (a signal, a nonzero exit) while serving calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerCrash {
    /// `submission`, `reference` or `baseline`.
    pub side: String,
    /// The signal that ended it, if one did.
    #[serde(default)]
    pub signal: Option<i32>,
    /// The end of its stderr.
    #[serde(default)]
    pub stderr_tail: String,
}

/// The sealed result of one exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedResult {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The Python module checked.
    pub module: String,
    /// How long the runner took.
    pub seconds: f64,
    /// One per kind at most.
    pub parts: Vec<Part>,
    /// Workers that died.
    #[serde(default)]
    pub worker_crashes: Vec<WorkerCrash>,
    /// The run's secret seed, so that a learner can replay it (not part of the runner's file).
    #[serde(default)]
    pub seed: String,
}

impl SealedResult {
    /// A result the runner could not give: one `error` part saying why.
    pub fn error(module: &str, seed: &str, why: impl Into<String>) -> Self {
        Self {
            schema: SCHEMA,
            module: module.to_string(),
            seconds: 0.0,
            parts: vec![Part {
                kind: PartKind::Correctness,
                status: PartStatus::Error,
                summary: why.into(),
                cases_passed: 0,
                cases_total: 0,
                failures: Vec::new(),
            }],
            worker_crashes: Vec::new(),
            seed: seed.to_string(),
        }
    }

    /// Why the sealed checks could not decide (the reference or the baseline did not run, the
    /// runner failed or went over its budget): the grader's problem, not a verdict.
    pub fn grader_error(&self) -> Option<&str> {
        self.parts
            .iter()
            .find(|part| part.status == PartStatus::Error)
            .map(|part| part.summary.as_str())
    }

    /// The part of this kind, if the result has one.
    pub fn part(&self, kind: PartKind) -> Option<&Part> {
        self.parts.iter().find(|part| part.kind == kind)
    }

    /// True when no part failed or erred.
    pub fn passed(&self) -> bool {
        self.parts.iter().all(|part| {
            matches!(part.status, PartStatus::Passed | PartStatus::Skipped)
                && (part.kind != PartKind::Correctness || part.cases_passed == part.cases_total)
        }) && self.part(PartKind::Correctness).is_some()
    }

    /// Read and validate the runner's file: its schema, module, one part per kind, counts that
    /// add up, a passed correctness part with every case passed.
    pub fn parse(text: &str, module: &str, seed: &str) -> Result<Self, String> {
        let mut result: Self =
            serde_json::from_str(text).map_err(|error| format!("unreadable result: {error}"))?;
        if result.schema != SCHEMA {
            return Err(format!(
                "result schema {} (this grader reads {SCHEMA})",
                result.schema
            ));
        }
        if result.module != module {
            return Err(format!(
                "result for module `{}`, expected `{module}`",
                result.module
            ));
        }
        for (index, part) in result.parts.iter().enumerate() {
            if result.parts[..index]
                .iter()
                .any(|other| other.kind == part.kind)
            {
                return Err(format!("two {} parts", part.kind.key()));
            }
            if part.cases_passed > part.cases_total {
                return Err(format!(
                    "{}: {} of {} cases passed",
                    part.kind.key(),
                    part.cases_passed,
                    part.cases_total
                ));
            }
            if part.kind == PartKind::Correctness
                && part.status == PartStatus::Passed
                && (part.cases_total == 0 || part.cases_passed != part.cases_total)
            {
                return Err(format!(
                    "correctness passed with {} of {} cases",
                    part.cases_passed, part.cases_total
                ));
            }
        }
        result.seed = seed.to_string();
        Ok(result)
    }
}

/// A fresh secret seed per grading run: 128 bits of std's per-process random hasher keys, mixed
/// with the time and the process id. 32 hex digits.
pub fn fresh_seed() -> String {
    let mut seed = String::new();
    for round in 0u64..2 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(round);
        hasher.write_u32(std::process::id());
        if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            hasher.write_u128(since.as_nanos());
        }
        seed.push_str(&format!("{:016x}", hasher.finish()));
    }
    seed
}

/// Processes and threads a worker may have: the interpreter and a few threads of its own, not
/// a helper process doing the work elsewhere.
pub const WORKER_PROCESSES: u64 = 1;

/// The sandbox a worker runs in: the toolchain, the course and the built modules read-only,
/// the reference sources unreadable, only `writable` (its scratch folder) writable, no network,
/// memory, CPU and file-size limits, and too few processes to start helpers.
pub fn worker_sandbox(
    workspace: &Workspace,
    mode: SandboxMode,
    writable: &[PathBuf],
    seconds: u64,
) -> Sandbox {
    let mut sandbox = Sandbox::new(mode)
        .toolchain(&workspace.venv)
        .read_only(&workspace.root)
        .read_only(&workspace.python_support)
        .read_only(&workspace.target_dir)
        .hidden(workspace.root.join("solutions"))
        .private_user()
        .limits(Limits {
            memory_bytes: 1 << 30,
            cpu_secs: seconds,
            processes: WORKER_PROCESSES,
            file_size_bytes: 64 << 20,
            open_files: 256,
            deadline: Duration::from_secs(seconds + GRACE_SECS),
            ..Limits::default()
        });
    for dir in writable {
        sandbox = sandbox.writable(dir);
    }
    sandbox
}

/// One sealed run: which builds, how workers are started, the secret seed.
pub struct SealedRequest<'a> {
    /// The exercise.
    pub exercise: &'a Exercise,
    /// Its suite (from the course).
    pub suite: &'a Path,
    /// The folder holding the reference solution's built module.
    pub reference: &'a Path,
    /// The folder holding the submission's built module.
    pub submission: &'a Path,
    /// The argv prefix each worker is started with (empty: unsandboxed), given the scratch folder
    /// the workers may write.
    pub launcher: &'a dyn Fn(&Path) -> Vec<String>,
    /// [`fresh_seed`], or one given to replay a run.
    pub seed: &'a str,
    /// Where the scratch folder and the result file go (removed after the run).
    pub work_dir: &'a Path,
    /// The lock file builds hold shared; the runner holds it exclusively while it times.
    pub measure_lock: Option<&'a Path>,
}

/// Run the trusted runner with `python` (the course `.venv`'s, never sandboxed: it loads no
/// submitted code) and read its result. Never fails: whatever goes wrong is an `error` part.
pub fn run(python: &Path, python_support: &Path, request: &SealedRequest<'_>) -> SealedResult {
    let module = &request.exercise.module;
    let fail = |why: String| SealedResult::error(module, request.seed, why);
    let scratch = match tempfile::Builder::new()
        .prefix("sealed-")
        .tempdir_in(request.work_dir)
        .or_else(|_| {
            fs::create_dir_all(request.work_dir)?;
            tempfile::Builder::new()
                .prefix("sealed-")
                .tempdir_in(request.work_dir)
        }) {
        Ok(dir) => dir,
        Err(error) => return fail(format!("cannot make a scratch folder: {error}")),
    };
    let out = scratch.path().join("result.json");
    let workers = scratch.path().join("workers");
    if let Err(error) = fs::create_dir_all(&workers) {
        return fail(error.to_string());
    }
    let launcher = (request.launcher)(&workers);
    let launcher = serde_json::to_string(&launcher).expect("strings serialize");
    let budget = request.exercise.timeout_secs;
    let mut command = Command::new(python);
    command
        .args(["-m", "lessongrader.sealed", "--suite"])
        .arg(request.suite)
        .arg("--module")
        .arg(module)
        .arg("--reference")
        .arg(request.reference)
        .arg("--submission")
        .arg(request.submission)
        .arg("--launcher")
        .arg(&launcher)
        .arg("--seed")
        .arg(request.seed)
        .arg("--out")
        .arg(&out)
        .arg("--scratch")
        .arg(&workers)
        .arg("--budget-seconds")
        .arg(budget.to_string());
    if let Some(lock) = request.measure_lock {
        command.arg("--measure-lock").arg(lock);
    }
    command
        .current_dir(scratch.path())
        .env("PYTHONPATH", python_support)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let ended = wait_with_deadline(
        &mut command,
        Duration::from_secs(budget + GRACE_SECS),
        &scratch.path().join("runner.stderr"),
    );
    let (code, stderr) = match ended {
        Ok(ended) => ended,
        Err(why) => return fail(why),
    };
    let tail = tail(&stderr);
    match code {
        Some(0) => match std::fs::read_to_string(&out) {
            Ok(text) => SealedResult::parse(&text, module, request.seed)
                .unwrap_or_else(|why| fail(format!("the sealed runner's {why}"))),
            Err(_) => fail(format!(
                "the sealed runner wrote no result{}",
                with_tail(&tail)
            )),
        },
        Some(2) => fail(format!(
            "the sealed runner refused its arguments{}",
            with_tail(&tail)
        )),
        Some(code) => fail(format!(
            "the sealed runner failed (exit {code}){}",
            with_tail(&tail)
        )),
        None => fail(format!(
            "the sealed runner did not finish within {} s",
            budget + GRACE_SECS
        )),
    }
}

/// Run `command` to its end, its stderr into `stderr_file`; `None` as the code when the deadline
/// killed it (or a signal ended it).
fn wait_with_deadline(
    command: &mut Command,
    deadline: Duration,
    stderr_file: &Path,
) -> Result<(Option<i32>, String), String> {
    let file = fs::File::create(stderr_file).map_err(|error| error.to_string())?;
    command.stderr(Stdio::from(file.into_parts().0));
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start the sealed runner: {error}"))?;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => return Err(format!("watching the sealed runner: {error}")),
        }
    };
    let stderr = std::fs::read(stderr_file).unwrap_or_default();
    Ok((
        status.and_then(|status| status.code()),
        String::from_utf8_lossy(&stderr).into_owned(),
    ))
}

fn tail(text: &str) -> String {
    let text = text.trim_end();
    let mut start = text.len().saturating_sub(STDERR_TAIL);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}

fn with_tail(tail: &str) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!(":\n{tail}")
    }
}

/// What an exercise earns from its sealed result: the tests' points times the share of cases
/// passed (nothing when the part erred), the leak and speed points when those parts passed and
/// every case of correctness did.
/// Returns `(tests, leaks, speed)`.
pub fn points(exercise: &Exercise, result: &SealedResult) -> (f64, f64, f64) {
    let table = exercise.points;
    let correctness = result
        .part(PartKind::Correctness)
        .filter(|part| {
            matches!(part.status, PartStatus::Passed | PartStatus::Failed) && part.cases_total > 0
        })
        .map_or(0.0, |part| {
            f64::from(table.tests) * part.cases_passed as f64 / part.cases_total as f64
        });
    // Leaks and speed count only for an implementation that is right: code that does nothing
    // leaks nothing.
    let right = result.part(PartKind::Correctness).is_some_and(|part| {
        part.status == PartStatus::Passed && part.cases_passed == part.cases_total
    });
    let passed = |kind| {
        right
            && result
                .part(kind)
                .is_some_and(|part| part.status == PartStatus::Passed)
    };
    let leaks = if exercise.leaks.enabled && passed(PartKind::Leaks) {
        f64::from(table.leaks)
    } else {
        0.0
    };
    let speed = if passed(PartKind::Speed) {
        f64::from(table.speed)
    } else {
        0.0
    };
    (correctness, leaks, speed)
}

/// The in-process checks that passed while their sealed part did not: the signs of a
/// submission that faked its in-process results (empty when they agree).
pub fn disagreements(verdict: &Verdict, result: &SealedResult) -> Vec<PartKind> {
    let in_process = |name| {
        verdict
            .check(name)
            .is_some_and(|check| check.status == CheckStatus::Passed)
    };
    let sealed_ok = |kind| {
        result.part(kind).is_none_or(|part| {
            matches!(part.status, PartStatus::Passed | PartStatus::Skipped)
                && (kind != PartKind::Correctness || part.cases_passed == part.cases_total)
        })
    };
    if result.grader_error().is_some() {
        // The sealed checks could not decide: no evidence either way.
        return Vec::new();
    }
    [
        (CheckName::Tests, PartKind::Correctness),
        (CheckName::Leaks, PartKind::Leaks),
        (CheckName::Perf, PartKind::Speed),
    ]
    .into_iter()
    .filter(|(check, kind)| in_process(*check) && !sealed_ok(*kind))
    .map(|(_, kind)| kind)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"schema": 1, "module": "fastmath", "seconds": 1.5, "parts": [
        {"kind": "correctness", "status": "failed", "summary": "3 of 4 cases",
         "cases_passed": 3, "cases_total": 4, "failures": [
            {"case": "mean", "call": "mean([0.0, 1.5])", "expected": "0.75 (float)",
             "actual": "raised ValueError('empty')", "note": ""}]},
        {"kind": "leaks", "status": "passed", "summary": "flat", "cases_passed": 1, "cases_total": 1, "failures": []},
        {"kind": "speed", "status": "failed", "summary": "1.1x", "cases_passed": 0, "cases_total": 1, "failures": []}],
        "worker_crashes": [{"side": "submission", "signal": 11, "stderr_tail": "boom"}]}"#;

    #[test]
    fn a_result_reads_into_typed_parts() {
        let result = SealedResult::parse(GOOD, "fastmath", "ab").unwrap();
        assert_eq!(result.seed, "ab");
        assert_eq!(result.parts.len(), 3);
        let correctness = result.part(PartKind::Correctness).unwrap();
        assert_eq!(correctness.failures[0].call, "mean([0.0, 1.5])");
        assert_eq!(result.worker_crashes[0].signal, Some(11));
        assert!(!result.passed());
    }

    #[test]
    fn garbled_or_inconsistent_results_are_refused() {
        assert!(SealedResult::parse("{", "fastmath", "").is_err());
        assert!(SealedResult::parse(GOOD, "textkit", "").is_err());
        let schema = GOOD.replace("\"schema\": 1", "\"schema\": 2");
        assert!(SealedResult::parse(&schema, "fastmath", "").is_err());
        let more = GOOD.replace("\"cases_passed\": 3", "\"cases_passed\": 9");
        assert!(SealedResult::parse(&more, "fastmath", "").is_err());
        let claimed = GOOD.replace(
            "\"status\": \"failed\", \"summary\": \"3",
            "\"status\": \"passed\", \"summary\": \"3",
        );
        assert!(SealedResult::parse(&claimed, "fastmath", "").is_err());
        let twice = GOOD.replace("\"kind\": \"speed\"", "\"kind\": \"leaks\"");
        assert!(SealedResult::parse(&twice, "fastmath", "").is_err());
    }

    /// A fake trusted runner: `lessongrader/sealed/__main__.py` in a folder of its own, doing
    /// what `behaviour` says.
    fn fake_runner(behaviour: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("lessongrader").join("sealed");
        std::fs::create_dir_all(&package).unwrap();
        std::fs::write(dir.path().join("lessongrader").join("__init__.py"), "").unwrap();
        std::fs::write(package.join("__init__.py"), "").unwrap();
        let script = format!(
            r#"import argparse, json, sys
parser = argparse.ArgumentParser()
for name in ["suite", "module", "reference", "submission", "launcher", "seed", "out", "scratch", "budget-seconds"]:
    parser.add_argument("--" + name, required=True)
args = parser.parse_args()
launcher = json.loads(args.launcher)
behaviour = {behaviour:?}
if behaviour == "usage":
    print("usage: no such suite", file=sys.stderr)
    sys.exit(2)
if behaviour == "silent":
    sys.exit(0)
if behaviour == "garbled":
    open(args.out, "w").write("{{not json")
    sys.exit(0)
open(args.out, "w").write(json.dumps({{
    "schema": 1, "module": args.module, "seconds": 0.5,
    "parts": [{{"kind": "correctness", "status": "failed", "summary": "1 of 2 cases",
                "cases_passed": 1, "cases_total": 2,
                "failures": [{{"case": "seed", "call": args.seed, "expected": " ".join(launcher),
                               "actual": args.submission, "note": args.suite}}]}}],
}}))
"#
        );
        std::fs::write(package.join("__main__.py"), script).unwrap();
        dir
    }

    fn run_fake(behaviour: &str) -> SealedResult {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let catalog = crate::catalog::Catalog::load(repo).unwrap();
        let exercise = &catalog.exercises[1];
        let runner = fake_runner(behaviour);
        let work = tempfile::tempdir().unwrap();
        let launcher = |scratch: &Path| vec!["launch".to_string(), scratch.display().to_string()];
        run(
            Path::new("python3"),
            runner.path(),
            &SealedRequest {
                exercise,
                suite: Path::new("suite.py"),
                reference: Path::new("/ref"),
                submission: Path::new("/sub"),
                launcher: &launcher,
                seed: "5eed",
                work_dir: work.path(),
                measure_lock: None,
            },
        )
    }

    #[test]
    fn the_runner_gets_the_contract_arguments_and_its_result_is_read() {
        let result = run_fake("result");
        let part = result.part(PartKind::Correctness).unwrap();
        assert_eq!(part.status, PartStatus::Failed, "{result:?}");
        let failure = &part.failures[0];
        assert_eq!(failure.call, "5eed");
        assert!(failure.expected.starts_with("launch /"), "{failure:?}");
        assert!(failure.expected.ends_with("/workers"), "{failure:?}");
        assert_eq!(failure.actual, "/sub");
        assert_eq!(failure.note, "suite.py");
        assert_eq!(result.seed, "5eed");
    }

    #[test]
    fn a_runner_that_fails_gives_an_error_part_never_a_pass() {
        for (behaviour, says) in [
            ("usage", "refused its arguments:\nusage: no such suite"),
            ("silent", "wrote no result"),
            ("garbled", "unreadable result"),
        ] {
            let result = run_fake(behaviour);
            assert!(!result.passed(), "{behaviour}");
            let part = &result.parts[0];
            assert_eq!(part.status, PartStatus::Error, "{behaviour}");
            assert!(part.summary.contains(says), "{behaviour}: {}", part.summary);
        }
    }

    #[test]
    fn points_follow_the_sealed_parts_and_an_error_earns_nothing() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let catalog = crate::catalog::Catalog::load(repo).unwrap();
        let exercise = catalog
            .exercises
            .iter()
            .find(|exercise| exercise.leaks.enabled && !exercise.perf.is_empty())
            .unwrap();
        let mut result = SealedResult::parse(GOOD, "fastmath", "").unwrap();
        let table = exercise.points;
        let (tests, leaks, speed) = points(exercise, &result);
        assert_eq!(tests, f64::from(table.tests) * 0.75);
        assert_eq!(
            (leaks, speed),
            (0.0, 0.0),
            "wrong code earns no leak points"
        );
        result.parts[0].status = PartStatus::Passed;
        result.parts[0].cases_passed = 4;
        let (tests, leaks, speed) = points(exercise, &result);
        assert_eq!(tests, f64::from(table.tests));
        assert_eq!(leaks, f64::from(table.leaks));
        assert_eq!(speed, 0.0);
        result.parts[0].status = PartStatus::Error;
        assert_eq!(points(exercise, &result).0, 0.0);
        let error = SealedResult::error("fastmath", "", "no runner");
        assert_eq!(points(exercise, &error), (0.0, 0.0, 0.0));
    }

    fn verdict(passed: &[CheckName]) -> Verdict {
        use crate::verdict::{CheckDetails, CheckResult, Status};
        Verdict {
            exercise: "exercise-1".into(),
            slug: "math".into(),
            title: String::new(),
            variant: crate::build::Variant::Learner,
            status: Status::Passed,
            checks: [CheckName::Tests, CheckName::Leaks, CheckName::Perf]
                .into_iter()
                .map(|name| CheckResult {
                    name,
                    status: if passed.contains(&name) {
                        CheckStatus::Passed
                    } else {
                        CheckStatus::Failed
                    },
                    summary: String::new(),
                    details: CheckDetails::None {},
                })
                .collect(),
            score: 1.0,
            seconds: 0.0,
            crate_dir: String::new(),
            problem: None,
        }
    }

    #[test]
    fn in_process_passes_that_sealed_checks_refute_are_disagreements() {
        let result = SealedResult::parse(GOOD, "fastmath", "").unwrap();
        let all = [CheckName::Tests, CheckName::Leaks, CheckName::Perf];
        // Correctness 3 of 4 and a slow speed batch, while in-process everything passed.
        assert_eq!(
            disagreements(&verdict(&all), &result),
            [PartKind::Correctness, PartKind::Speed]
        );
        // Failing in-process too is no disagreement.
        assert_eq!(disagreements(&verdict(&[CheckName::Leaks]), &result), []);
        // A sealed run that could not decide is no evidence.
        let error = SealedResult::error("fastmath", "", "no reference");
        assert_eq!(disagreements(&verdict(&all), &error), []);
    }

    #[test]
    fn seeds_are_fresh_hex() {
        let (one, two) = (fresh_seed(), fresh_seed());
        assert_eq!(one.len(), 32);
        assert!(one.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(one, two);
    }

    #[test]
    fn tails_keep_the_end_on_a_char_boundary() {
        let text = "é".repeat(STDERR_TAIL);
        let kept = tail(&text);
        assert!(kept.len() <= STDERR_TAIL && kept.chars().all(|c| c == 'é'));
    }
}
