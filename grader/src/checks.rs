//! Stage 5: turn a build outcome and the plugin's records into checks and a verdict.
//! Every status decision of the grader is made here: the exercise's in [`judge`], each check's in
//! its `*_check` function (also used while the tests still run, for the early events).
use std::path::Path;

use crate::build::{BuildOutcome, Variant};
use crate::catalog::Exercise;
use crate::run::{CheckPlan, OffReason, Plan, RunEnd, RunOutcome, signal_name};
use crate::verdict::trim_float;
use crate::verdict::{
    CheckDetails, CheckName, CheckResult, CheckStatus, LeakFinding, MemoryCaseResult,
    MemoryOutcome, Problem, SpeedCase, SpeedOutcome, Status, TestFailure, TodoSite, Verdict,
    mebibytes,
};
use crate::wire::{
    CollectException, LeakCheck, MemoryRecord, PerfOutcome, PerfRecord, Phase, Record, TestOutcome,
    TestRecord,
};
use crate::workspace::Workspace;

/// Decide the verdict. `run` is `None` when the build failed.
pub(crate) fn judge(
    workspace: &Workspace,
    exercise: &Exercise,
    variant: Variant,
    build: &BuildOutcome,
    run: Option<&RunOutcome>,
    plan: CheckPlan,
) -> Verdict {
    let crate_dir = workspace.display(variant.crate_dir(exercise)).to_string();
    let mut verdict = Verdict {
        exercise: exercise.name(),
        slug: exercise.slug.clone(),
        title: exercise.title.clone(),
        variant,
        status: Status::Passed,
        checks: Vec::new(),
        score: 0.0,
        seconds: 0.0,
        crate_dir,
        problem: None,
    };
    match build {
        BuildOutcome::Failed { errors, .. } => {
            verdict.status = Status::BuildFailed;
            verdict.checks.push(CheckResult {
                name: CheckName::Build,
                status: CheckStatus::Failed,
                summary: plural(errors.len(), "error"),
                details: CheckDetails::Build {
                    errors: errors.clone(),
                },
            });
            for name in [
                CheckName::Tests,
                CheckName::Leaks,
                CheckName::Memory,
                CheckName::Perf,
            ] {
                verdict.checks.push(skipped(name, NOT_RUN_BUILD));
            }
            return verdict;
        }
        BuildOutcome::Built { seconds, .. } => verdict.checks.push(CheckResult {
            name: CheckName::Build,
            status: CheckStatus::Passed,
            summary: format!("{seconds:.1} s"),
            details: CheckDetails::None {},
        }),
    }
    let Some(run) = run else { return verdict };

    // Tests that all ran before a crash in the leak hunt or the speed check keep their verdict;
    // the exercise's status still says the process crashed.
    let tests_ran = run.end == RunEnd::Finished
        || run
            .records
            .iter()
            .any(|record| matches!(record, Record::TestsDone { .. }));
    let tests = tests_check(&run.records, tests_ran);
    verdict.score = match &tests.details {
        CheckDetails::Tests { passed, total, .. } if *total > 0 => {
            f64::from(*passed) / f64::from(*total)
        }
        _ => 0.0,
    };
    let todo_sites = todo_sites(workspace, run);
    let collect_exit = run.records.iter().any(|record| {
        matches!(
            record,
            Record::CollectError {
                exception: Some(CollectException::SystemExit),
                ..
            }
        )
    });
    let plugin_started = run
        .records
        .iter()
        .any(|record| matches!(record, Record::SessionStart { .. }));
    verdict.status = match &run.end {
        // Our plugin never started: the grader's own Python side is broken, not the learner's code.
        RunEnd::Crashed { .. } if !plugin_started => {
            verdict.problem = Some(Problem::GraderFailure {
                message: format!(
                    "pytest could not start the grader's plugin:\n{}",
                    crate::toolchain::tail(run.stderr.as_bytes(), 12)
                ),
            });
            Status::Error
        }
        RunEnd::TimedOut { after_secs } => {
            verdict.problem = Some(Problem::Timeout {
                after_secs: *after_secs,
                test: run.running_test().map(short_test_name),
            });
            Status::TimedOut
        }
        RunEnd::Stopped => {
            verdict.problem = Some(Problem::GraderFailure {
                message: "the test run was stopped before it ended".into(),
            });
            Status::Error
        }
        RunEnd::Crashed { signal, exit_code } => {
            verdict.problem = Some(crash_problem(exercise, run, *signal, *exit_code));
            Status::Crashed
        }
        RunEnd::Finished if collect_exit => {
            verdict.problem = Some(crash_problem(exercise, run, None, Some(0)));
            Status::Crashed
        }
        RunEnd::Finished if !todo_sites.is_empty() => {
            verdict.problem = Some(Problem::Todo { sites: todo_sites });
            Status::NotStarted
        }
        RunEnd::Finished if tests.status != CheckStatus::Passed => Status::Failed,
        RunEnd::Finished => Status::Passed,
    };
    let blocked = blocked_by(verdict.status, &tests);
    let leaks = leaks_check(exercise, &run.records, plan, blocked);
    let memory = memory_check(exercise, &run.records, plan, blocked);
    let perf = perf_check(exercise, &run.records, plan, blocked);
    if verdict.status == Status::Passed
        && [&leaks, &memory, &perf]
            .iter()
            .any(|check| check.status == CheckStatus::Failed)
    {
        verdict.status = Status::Failed;
    }
    verdict.checks.extend([tests, leaks, memory, perf]);
    verdict
}

/// A check's summary when the build failed: nothing ran.
const NOT_RUN_BUILD: &str = "not run: the build failed";

/// Why the leak and speed checks cannot be judged, or `None` when every test passed. Each reason is
/// the check's summary, in the text and in the JSON: no verdict states what was not measured.
fn blocked_by(status: Status, tests: &CheckResult) -> Option<&'static str> {
    match status {
        Status::Passed | Status::Failed if tests.status == CheckStatus::Passed => None,
        Status::Passed | Status::Failed => Some("not run: the tests failed"),
        Status::NotStarted => Some("not run: the tests reached a todo!()"),
        Status::Crashed => Some("not run: the Python process crashed"),
        Status::TimedOut => Some("not run: the tests timed out"),
        Status::BuildFailed => Some(NOT_RUN_BUILD),
        Status::Error => Some("not run: the grader could not run"),
    }
}

/// The tests check from the records so far; `complete` once every test has run.
pub(crate) fn tests_check(records: &[Record], complete: bool) -> CheckResult {
    let mut passed = 0;
    let mut total = 0;
    let mut failures = Vec::new();
    for record in records {
        match record {
            Record::Test(test) => {
                if test.when == Phase::Call {
                    total += 1;
                }
                if test.when == Phase::Call && test.outcome == TestOutcome::Passed {
                    passed += 1;
                } else if test.outcome == TestOutcome::Failed {
                    if test.when != Phase::Call {
                        total += 1;
                    }
                    failures.push(failure(test));
                }
            }
            Record::CollectError {
                nodeid, message, ..
            } => failures.push(TestFailure {
                name: format!("collecting {nodeid}"),
                file: nodeid.clone(),
                line: 0,
                statement: String::new(),
                summary: last_error_line(message),
                comparison: None,
                report: message.clone(),
                reached_todo: false,
            }),
            _ => {}
        }
    }
    let status = if failures.is_empty() && total > 0 && complete {
        CheckStatus::Passed
    } else {
        CheckStatus::Failed
    };
    let summary = if total == 0 && failures.is_empty() {
        "no tests ran".to_string()
    } else {
        format!("{passed}/{total}")
    };
    CheckResult {
        name: CheckName::Tests,
        status,
        summary,
        details: CheckDetails::Tests {
            passed,
            total,
            failures,
        },
    }
}

fn failure(test: &TestRecord) -> TestFailure {
    TestFailure {
        name: test.name.clone(),
        file: test.file.clone(),
        line: test.failing_line.unwrap_or(test.line),
        statement: test.statement.clone().unwrap_or_default(),
        summary: test
            .summary
            .as_deref()
            .map(summary_line)
            .unwrap_or_else(|| last_error_line(test.message.as_deref().unwrap_or(""))),
        comparison: test.comparison.clone(),
        report: test.message.clone().unwrap_or_default(),
        reached_todo: reached_todo(test),
    }
}

/// `todo!()`'s panic message, as PyO3's PanicException carries it.
const TODO_MESSAGE: &str = "not yet implemented";

/// The test stopped at a `todo!()`: its own panic, or one it reports — a differential test's
/// "raised PanicException('not yet implemented')", a child process's stderr in an assertion.
fn reached_todo(test: &TestRecord) -> bool {
    test.panic.as_ref().is_some_and(|panic| panic.todo)
        || test
            .message
            .as_deref()
            .is_some_and(|report| report.contains(TODO_MESSAGE))
}

/// The leaks check from the records so far. A finding fails it whatever else happened; without
/// one, `blocked` (why the tests did not all pass, see [`blocked_by`]) makes it `skipped`.
pub(crate) fn leaks_check(
    exercise: &Exercise,
    records: &[Record],
    plan: CheckPlan,
    blocked: Option<&'static str>,
) -> CheckResult {
    if !exercise.leaks.enabled {
        return skipped(CheckName::Leaks, "off for this exercise");
    }
    if let Plan::Off(reason) = plan.leaks {
        return switched_off(CheckName::Leaks, reason);
    }
    let mut findings: Vec<LeakFinding> = Vec::new();
    for record in records {
        let Record::Leak(leak) = record else { continue };
        let finding = LeakFinding {
            test: leak.test.clone(),
            call: leak.call.clone(),
            check: leak.check,
            leak_kind: leak.leak_kind,
            per_call: leak.per_call,
            calls: leak.calls,
            message: leak.message.clone(),
            hint: leak.hint.clone(),
        };
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    }
    // `assert_no_leaks` findings (`sum_list(list): +49 blocks per call`) name the function: first.
    findings.sort_by_key(|finding| finding.check != LeakCheck::AssertNoLeaks);
    if !findings.is_empty() {
        return CheckResult {
            name: CheckName::Leaks,
            status: CheckStatus::Failed,
            summary: plural(findings.len(), "leak"),
            details: CheckDetails::Leaks { findings },
        };
    }
    if let Some(reason) = blocked {
        return skipped(CheckName::Leaks, reason);
    }
    let hunted = records
        .iter()
        .any(|record| matches!(record, Record::LeakSummary(_)));
    let summary = if hunted {
        "clean"
    } else {
        "clean (no leak checks ran)"
    };
    CheckResult {
        name: CheckName::Leaks,
        status: CheckStatus::Passed,
        summary: summary.to_string(),
        details: CheckDetails::Leaks { findings },
    }
}

/// The speed check: a case passes when its median speedup reaches the threshold. It fails only on
/// a case that was measured (too slow) or measured wrong (an error); a case that did not run is
/// `skipped` in the details, and the check is `skipped` when nothing failed but something did not
/// run. `blocked`: see [`leaks_check`].
pub(crate) fn perf_check(
    exercise: &Exercise,
    records: &[Record],
    plan: CheckPlan,
    blocked: Option<&'static str>,
) -> CheckResult {
    if let Some(not_run) = not_run(
        CheckName::Perf,
        exercise.perf.is_empty(),
        plan.perf,
        blocked,
    ) {
        return not_run;
    }
    let cases: Vec<SpeedCase> = records
        .iter()
        .filter_map(|record| match record {
            Record::Perf(perf) => Some(perf),
            _ => None,
        })
        .map(|perf| {
            let threshold = perf.threshold.unwrap_or_else(|| {
                exercise
                    .perf
                    .iter()
                    .find(|case| case.name == perf.case)
                    .map_or(0.0, |case| case.min_speedup)
            });
            let status = speed_outcome(perf, threshold);
            let shortfall = perf
                .speedup
                .filter(|_| status == SpeedOutcome::Failed)
                .map(|speedup| shortfall(speedup, threshold));
            SpeedCase {
                case: perf.case.clone(),
                status,
                speedup: perf.speedup,
                threshold,
                min_ratio: perf.min_ratio,
                max_ratio: perf.max_ratio,
                ci_low: perf.ci_low,
                ci_high: perf.ci_high,
                shortfall,
                close: shortfall.is_some() && is_close(perf, threshold),
                pairs: perf.pairs,
                retried: perf.retried,
                timer: perf.timer,
                seconds: perf.seconds,
                message: perf.message.clone(),
                hint: perf
                    .hint
                    .clone()
                    .filter(|hint| status == SpeedOutcome::Failed && !hint.is_empty()),
            }
        })
        .collect();
    let mut cases = cases;
    for case in &exercise.perf {
        if !cases.iter().any(|ran| ran.case == case.name) {
            cases.push(SpeedCase {
                case: case.name.clone(),
                status: SpeedOutcome::Skipped,
                speedup: None,
                threshold: case.min_speedup,
                min_ratio: None,
                max_ratio: None,
                ci_low: None,
                ci_high: None,
                shortfall: None,
                close: false,
                pairs: 0,
                retried: false,
                timer: if case.threads {
                    crate::verdict::Timer::Wall
                } else {
                    crate::verdict::Timer::Cpu
                },
                seconds: 0.0,
                message: NOT_RUN_RUN_ENDED.to_string(),
                hint: None,
            });
        }
    }
    let failed = cases
        .iter()
        .any(|case| matches!(case.status, SpeedOutcome::Failed | SpeedOutcome::Error));
    let status = if failed {
        CheckStatus::Failed
    } else if cases
        .iter()
        .any(|case| case.status == SpeedOutcome::Skipped)
    {
        CheckStatus::Skipped
    } else {
        CheckStatus::Passed
    };
    let summary = cases
        .iter()
        .map(|case| match (case.status, case.speedup) {
            (SpeedOutcome::Skipped, _) if cases.len() == 1 => NOT_RUN_RUN_ENDED.to_string(),
            (SpeedOutcome::Skipped, _) => format!("{}: {NOT_RUN_RUN_ENDED}", case.case),
            (SpeedOutcome::Error, _) | (_, None) => "could not be measured".to_string(),
            (_, Some(_)) => format!(
                "{}× (needs ≥ {}×)",
                case.speed_figure().unwrap_or_default(),
                trim_float(case.threshold)
            ),
        })
        .collect::<Vec<_>>()
        .join(", ");
    CheckResult {
        name: CheckName::Perf,
        status,
        summary,
        details: CheckDetails::Perf { cases },
    }
}

/// The memory check: a case passes when one call took at most its limit. It runs with the leak
/// hunt (both are about memory; `plan.leaks` switches both). It fails only on a case that was
/// measured over its limit or that raised; a case that could not be measured here (no resettable
/// peak) or did not run is `skipped` with the reason, and so is the check when nothing failed.
/// `blocked`: see [`leaks_check`].
pub(crate) fn memory_check(
    exercise: &Exercise,
    records: &[Record],
    plan: CheckPlan,
    blocked: Option<&'static str>,
) -> CheckResult {
    if let Some(not_run) = not_run(
        CheckName::Memory,
        exercise.memory.is_empty(),
        plan.leaks,
        blocked,
    ) {
        return not_run;
    }
    let cases: Vec<MemoryCaseResult> = exercise
        .memory
        .iter()
        .map(|case| {
            let record = records.iter().find_map(|record| match record {
                Record::Memory(memory) if memory.case == case.name => Some(memory),
                _ => None,
            });
            let status = record.map_or(MemoryOutcome::Skipped, |record| {
                memory_outcome(record, case.limit_bytes())
            });
            MemoryCaseResult {
                case: case.name.clone(),
                status,
                input_bytes: record.map_or(case.input_bytes(), |record| record.input_bytes),
                extra_bytes: record.and_then(|record| record.extra_bytes),
                limit_bytes: case.limit_bytes(),
                max_extra: case.max_extra,
                message: match record {
                    None => Some(NOT_RUN_RUN_ENDED.to_string()),
                    Some(record) => record.message.clone(),
                },
                hint: (status == MemoryOutcome::Failed && !case.hint.is_empty())
                    .then(|| case.hint.clone()),
            }
        })
        .collect();
    let status = if cases
        .iter()
        .any(|case| matches!(case.status, MemoryOutcome::Failed | MemoryOutcome::Error))
    {
        CheckStatus::Failed
    } else if cases
        .iter()
        .any(|case| case.status == MemoryOutcome::Skipped)
    {
        CheckStatus::Skipped
    } else {
        CheckStatus::Passed
    };
    let summary = cases
        .iter()
        .map(|case| {
            let text = match (case.status, case.extra_bytes) {
                // Said as a check that did not run, with its reason (the text lists those).
                (MemoryOutcome::Skipped, _) => match &case.message {
                    Some(message) if message.starts_with("not run") => message.clone(),
                    Some(message) => format!("not run: {message}"),
                    None => NOT_RUN_RUN_ENDED.to_string(),
                },
                (MemoryOutcome::Error, _) | (_, None) => "could not be measured".to_string(),
                (_, Some(extra)) => {
                    format!("{} (≤ {})", mebibytes(extra), mebibytes(case.limit_bytes))
                }
            };
            if cases.len() == 1 {
                text
            } else {
                format!("{}: {text}", case.case)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    CheckResult {
        name: CheckName::Memory,
        status,
        summary,
        details: CheckDetails::Memory { cases },
    }
}

/// A memory case passes when it was measured and took at most its limit.
fn memory_outcome(record: &MemoryRecord, limit_bytes: u64) -> MemoryOutcome {
    match (record.outcome, record.extra_bytes) {
        (crate::wire::MemoryOutcome::Measured, Some(extra)) if extra <= limit_bytes => {
            MemoryOutcome::Passed
        }
        (crate::wire::MemoryOutcome::Measured, Some(_)) => MemoryOutcome::Failed,
        (crate::wire::MemoryOutcome::Unmeasurable, _) => MemoryOutcome::Skipped,
        _ => MemoryOutcome::Error,
    }
}

/// A speed case's message when the run ended before it.
const NOT_RUN_RUN_ENDED: &str = "not run: the run ended before it";

/// A failure less than this far under the threshold (relative) is `close`: a small gain will pass.
/// The perf protocol measures such a median again in a fresh process and pools both rounds
/// (`RETRY_BAND` in perf.py, the same 15 %), so code 12 % or more from the threshold gets one
/// verdict every run, and a failure nearer than that says how near it was.
pub const CLOSE_BAND: f64 = 0.15;

/// How far `speedup` is under `threshold`, as a fraction of the threshold (0 at or above it).
fn shortfall(speedup: f64, threshold: f64) -> f64 {
    if threshold <= 0.0 {
        return 0.0;
    }
    (1.0 - speedup / threshold).max(0.0)
}

/// A failed speed case is close when its median is within [`CLOSE_BAND`] of the threshold (as
/// perf.py's retry: speedup >= (1 - band) x threshold, the same float arithmetic), or when the
/// confidence interval of its ratios still reaches the threshold: a run on a loaded machine can
/// measure code that sits at the threshold further under it than the band.
fn is_close(perf: &PerfRecord, threshold: f64) -> bool {
    perf.speedup
        .is_some_and(|speedup| speedup >= (1.0 - CLOSE_BAND) * threshold)
        || perf.ci_high.is_some_and(|high| high >= threshold)
}

/// A speed case passes when it was measured and its median speedup reaches the threshold; the
/// protocol has already taken more pairs (and a second process) where the median was close.
fn speed_outcome(perf: &PerfRecord, threshold: f64) -> SpeedOutcome {
    match (perf.outcome, perf.speedup) {
        (PerfOutcome::Measured, Some(speedup)) if speedup >= threshold => SpeedOutcome::Passed,
        (PerfOutcome::Measured, Some(_)) => SpeedOutcome::Failed,
        _ => SpeedOutcome::Error,
    }
}

/// The result of a check of measured cases that does not run: the exercise has no case (`—`),
/// it was switched off, or `blocked` (see [`leaks_check`]). `None`: it runs.
fn not_run(
    name: CheckName,
    no_cases: bool,
    plan: Plan,
    blocked: Option<&'static str>,
) -> Option<CheckResult> {
    if no_cases {
        return Some(skipped(name, "—"));
    }
    if let Plan::Off(reason) = plan {
        return Some(switched_off(name, reason));
    }
    blocked.map(|reason| skipped(name, reason))
}

fn switched_off(name: CheckName, reason: OffReason) -> CheckResult {
    CheckResult {
        name,
        status: CheckStatus::Skipped,
        summary: format!("skipped: {}", reason.why()),
        details: CheckDetails::SwitchedOff { reason },
    }
}

fn skipped(name: CheckName, summary: &str) -> CheckResult {
    CheckResult {
        name,
        status: CheckStatus::Skipped,
        summary: summary.to_string(),
        details: CheckDetails::None {},
    }
}

/// Every distinct `todo!()` the tests reached, named by its enclosing function.
fn todo_sites(workspace: &Workspace, run: &RunOutcome) -> Vec<TodoSite> {
    let mut sites: Vec<TodoSite> = Vec::new();
    for record in &run.records {
        let Record::Test(test) = record else {
            continue;
        };
        let Some(panic) = &test.panic else {
            continue;
        };
        if !panic.todo {
            continue;
        }
        let (file, line) = (
            panic.file.clone().unwrap_or_default(),
            panic.line.unwrap_or(0),
        );
        let source = std::fs::read_to_string(workspace.root.join(&file)).unwrap_or_default();
        let function =
            enclosing_function(&source, line).unwrap_or_else(|| "a function".to_string());
        let site = TodoSite {
            function,
            file,
            line,
        };
        if !sites.contains(&site) {
            sites.push(site);
        }
    }
    sites.sort_by_key(|site| (site.file.clone(), site.line));
    sites
}

/// `Type::method` or `function` for the Rust function containing `line` (1-based): the nearest
/// `fn` above it, and the `impl` enclosing that `fn` if the first less-indented line above is one.
pub fn enclosing_function(source: &str, line: u32) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let upto = (line as usize).min(lines.len());
    let indentation = |text: &str| text.len() - text.trim_start().len();
    let (fn_index, function) = lines[..upto]
        .iter()
        .enumerate()
        .rev()
        .find_map(|(index, text)| Some((index, item_name(text.trim_start(), "fn ")?)))?;
    let fn_indent = indentation(lines[fn_index]);
    for text in lines[..fn_index].iter().rev() {
        let trimmed = text.trim_start();
        if trimmed.is_empty()
            || trimmed.starts_with("#[")
            || trimmed.starts_with("//")
            || indentation(text) >= fn_indent
        {
            continue;
        }
        return Some(match impl_target(trimmed) {
            Some(type_name) => format!("{type_name}::{function}"),
            None => function,
        });
    }
    Some(function)
}

fn item_name(line: &str, keyword: &str) -> Option<String> {
    let position = line.find(keyword)?;
    let prefix = &line[..position];
    let allowed = [
        "pub",
        "pub(crate)",
        "unsafe",
        "const",
        "async",
        "extern",
        "\"C\"",
    ];
    if !prefix
        .split_whitespace()
        .all(|word| allowed.contains(&word))
    {
        return None;
    }
    let rest = &line[position + keyword.len()..];
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn impl_target(line: &str) -> Option<String> {
    let rest = line.strip_prefix("impl")?;
    let rest = if rest.starts_with('<') {
        &rest[rest.find('>')? + 1..]
    } else {
        rest
    };
    let rest = rest.split(" for ").last()?.trim();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn crash_problem(
    exercise: &Exercise,
    run: &RunOutcome,
    signal: Option<i32>,
    exit_code: Option<i32>,
) -> Problem {
    Problem::Crash {
        signal: signal.map(signal_name),
        exit_code,
        test: run.running_test().map(short_test_name),
        frames: faulthandler_frames(&run.stderr, &exercise.dir),
        stderr_tail: crate::toolchain::tail(run.stderr.as_bytes(), 12),
    }
}

/// The Python frames of the first traceback faulthandler printed, innermost first, without
/// pytest's, pluggy's and the grader's own frames. The traceback ends at its first blank line;
/// lines in it that are not frames (`Garbage-collecting`, when the crash came from the collector)
/// are passed over.
pub fn faulthandler_frames(stderr: &str, exercise_dir: &Path) -> Vec<String> {
    let prefix = format!("{}/", exercise_dir.display());
    stderr
        .lines()
        .skip_while(|line| !line.contains("most recent call first"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter(|line| line.trim_start().starts_with("File \""))
        .filter(|line| {
            [
                "/_pytest/",
                "/pluggy/",
                "/site-packages/",
                "<frozen",
                "/lessongrader/",
                "/runpy.py\"",
                "/bin/pytest\"",
            ]
            .iter()
            .all(|noise| !line.contains(noise))
        })
        .map(|line| line.trim().replace(&prefix, ""))
        .take(6)
        .flat_map(|frame| {
            let source = frame_source(&frame, exercise_dir).map(|code| format!("  {code}"));
            std::iter::once(frame).chain(source)
        })
        .collect()
}

/// The source line a faulthandler frame points at (`File "tests/x.py", line 9 in test_y`),
/// for frames in the exercise's own files.
fn frame_source(frame: &str, exercise_dir: &Path) -> Option<String> {
    let rest = frame.strip_prefix("File \"")?;
    let (file, rest) = rest.split_once('"')?;
    let line: usize = rest
        .trim_start_matches(", line ")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let text = std::fs::read_to_string(exercise_dir.join(file)).ok()?;
    text.lines()
        .nth(line.checked_sub(1)?)
        .map(|code| code.trim().to_string())
}

/// `tests/test_x.py::test_y[param]` → `test_y[param]`.
fn short_test_name(nodeid: &str) -> String {
    nodeid.rsplit("::").next().unwrap_or(nodeid).to_string()
}

/// An exception's summary in one line: its first line, plus the pattern and the message of a
/// failed `pytest.raises(…, match=…)` (pytest puts them on the lines after), which are what the
/// learner needs to fix the message.
fn summary_line(text: &str) -> String {
    let mut lines = text.lines();
    let mut line = lines.next().unwrap_or("").to_string();
    if line.ends_with("Regex pattern did not match.") {
        for detail in lines.map(str::trim) {
            if ["Expected regex:", "Actual message:", "Regex:", "Input:"]
                .iter()
                .any(|label| detail.starts_with(label))
            {
                line.push(' ');
                line.push_str(detail);
            }
        }
    }
    line
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

fn last_error_line(report: &str) -> String {
    report
        .lines()
        .rev()
        .find(|line| line.starts_with("E ") || line.contains("Error"))
        .map(|line| line.trim_start_matches('E').trim().to_string())
        .unwrap_or_else(|| first_line(report))
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "use pyo3::prelude::*;

#[pymethods]
impl LruCache {
    #[new]
    fn new(capacity: usize) -> Self {
        todo!()
    }

    pub fn get(&self, key: &str) -> Option<u32> {
        // TODO
        todo!()
    }
}

#[pyfunction]
fn hello_world() -> &'static str {
    todo!()
}

impl<T> Trait for Wrapper<T> {
    fn go(&self) { todo!() }
}
";

    #[test]
    fn names_methods_with_their_type_and_free_functions_alone() {
        assert_eq!(
            enclosing_function(SOURCE, 7).as_deref(),
            Some("LruCache::new")
        );
        assert_eq!(
            enclosing_function(SOURCE, 12).as_deref(),
            Some("LruCache::get")
        );
        assert_eq!(
            enclosing_function(SOURCE, 18).as_deref(),
            Some("hello_world")
        );
        assert_eq!(
            enclosing_function(SOURCE, 22).as_deref(),
            Some("Wrapper::go")
        );
    }

    #[test]
    fn keeps_only_the_learners_frames_from_faulthandler() {
        let stderr = "Fatal Python error: Segmentation fault\n\nCurrent thread 0x1 (most recent call first):\n  File \"/c/ex/tests/test_x.py\", line 30 in test_pairs\n  File \"/v/site-packages/_pytest/python.py\", line 157 in pytest_pyfunc_call\n\nExtension modules: x\n";
        let frames = faulthandler_frames(stderr, Path::new("/c/ex"));
        assert_eq!(
            frames,
            vec!["File \"tests/test_x.py\", line 30 in test_pairs".to_string()]
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tests")).unwrap();
        std::fs::write(
            dir.path().join("tests/test_x.py"),
            "import m\n\ndef test_pairs():\n    m.pairs()\n",
        )
        .unwrap();
        let stderr = stderr
            .replace("/c/ex", &dir.path().display().to_string())
            .replace("line 30", "line 4");
        let frames = faulthandler_frames(&stderr, dir.path());
        assert_eq!(frames[1], "  m.pairs()");
    }

    #[test]
    fn frames_survive_a_garbage_collecting_line_and_skip_the_graders_own() {
        let stderr = "Fatal Python error: Segmentation fault\n\nCurrent thread 0x1 (most recent call first):\n  Garbage-collecting\n  File \"/v/lib/python3.11/site-packages/lessongrader/leaks.py\", line 380 in _collect\n  File \"/c/ex/tests/test_x.py\", line 30 in test_pairs\n  File \"/v/site-packages/_pytest/python.py\", line 157 in pytest_pyfunc_call\n  File \"/v/lib/python3.11/runpy.py\", line 88 in _run_code\n\nExtension modules: x\n  File \"/c/ex/tests/other.py\", line 1 in not_a_frame\n";
        let frames = faulthandler_frames(stderr, Path::new("/c/ex"));
        assert_eq!(
            frames,
            vec!["File \"tests/test_x.py\", line 30 in test_pairs".to_string()]
        );
        // Only the grader's frames: none is shown (the text then says where the crash came from).
        let only_grader = "Current thread 0x1 (most recent call first):\n  Garbage-collecting\n  File \"/v/lessongrader/leaks.py\", line 380 in _collect\n";
        assert!(faulthandler_frames(only_grader, Path::new("/c/ex")).is_empty());
    }

    #[test]
    fn a_failure_at_a_todo_is_told_from_a_wrong_answer() {
        let record = |name: &str, extra: &str| {
            let line = format!(
                r#"{{"kind": "test", "nodeid": "t.py::{name}", "name": "{name}", "file": "t.py", "line": 3, "when": "call", "outcome": "failed", "duration": 0.1, "summary": "x"{extra}}}"#
            );
            serde_json::from_str::<Record>(&line).unwrap()
        };
        let records = [
            record(
                "test_greet",
                r#", "panic": {"message": "not yet implemented", "todo": true}"#,
            ),
            record(
                "test_index",
                r#", "panic": {"message": "index out of bounds", "todo": false}"#,
            ),
            record("test_hello", ""),
            record(
                "test_differential",
                r#", "message": "AssertionError: f(x=0) raised PanicException('not yet implemented')""#,
            ),
        ];
        let CheckDetails::Tests { failures, .. } = tests_check(&records, true).details else {
            panic!("not a tests check");
        };
        let at_todo: Vec<_> = failures
            .iter()
            .map(|f| (f.name.as_str(), f.reached_todo))
            .collect();
        assert_eq!(
            at_todo,
            [
                ("test_greet", true),
                ("test_index", false),
                ("test_hello", false),
                ("test_differential", true)
            ]
        );
        let json = serde_json::to_value(&failures).unwrap();
        assert_eq!(json[0]["reached_todo"], true);
        assert!(json[2].get("reached_todo").is_none());
    }

    #[test]
    fn a_speed_case_passes_at_its_threshold_and_not_below() {
        let perf = |line: &str| match serde_json::from_str::<Record>(line).unwrap() {
            Record::Perf(perf) => perf,
            other => panic!("{other:?}"),
        };
        let base = r#""kind":"perf","case":"c","pairs":15,"retried":false,"timer":"cpu","seconds":1.0,"message":"m""#;
        let measured = |speedup: f64| {
            perf(&format!(
                r#"{{{base},"outcome":"measured","speedup":{speedup:?},"threshold":8.0,"min_ratio":1.0,"max_ratio":9.0}}"#
            ))
        };
        assert_eq!(speed_outcome(&measured(8.0), 8.0), SpeedOutcome::Passed);
        assert_eq!(speed_outcome(&measured(7.99), 8.0), SpeedOutcome::Failed);
        let error = perf(&format!(r#"{{{base},"outcome":"error","threshold":8.0}}"#));
        assert_eq!(speed_outcome(&error, 8.0), SpeedOutcome::Error);
    }

    #[test]
    fn a_failed_match_shows_the_pattern_and_the_message() {
        let summary = "AssertionError: Regex pattern did not match.\n  Expected regex: 'sleep: seconds must be >= 0'\n  Actual message: 'negative'";
        assert_eq!(
            summary_line(summary),
            "AssertionError: Regex pattern did not match. Expected regex: 'sleep: seconds must be >= 0' Actual message: 'negative'"
        );
        assert_eq!(summary_line("ValueError: x\nmore"), "ValueError: x");
    }

    #[test]
    fn a_memory_case_passes_at_its_limit_fails_above_and_is_skipped_when_unmeasurable() {
        let mut exercise = exercise_with_two_speed_cases();
        exercise.memory = vec![crate::catalog::MemoryCase {
            name: "gain".into(),
            call: "m:gain".into(),
            setup: "b:s".into(),
            input_mib: 64,
            max_extra: 0.01,
            hint: "borrow".into(),
        }];
        let run = |record: &str| {
            let lines = [test_record("passed"), record.to_string()];
            memory_check(&exercise, &records(&lines), CheckPlan::FULL, None)
        };
        let measured = |extra: u64| {
            run(&format!(
                r#"{{"kind":"memory","case":"gain","outcome":"measured","input_bytes":67108864,"extra_bytes":{extra},"seconds":0.1}}"#
            ))
        };
        assert_eq!(measured(671_088).status, CheckStatus::Passed);
        let copied = measured(64 << 20);
        assert_eq!(copied.status, CheckStatus::Failed);
        assert_eq!(copied.summary, "64.0 MiB (≤ 0.6 MiB)");
        let CheckDetails::Memory { cases } = &copied.details else {
            panic!("{copied:?}")
        };
        assert_eq!(cases[0].hint.as_deref(), Some("borrow"));
        assert_eq!(measured(671_089).status, CheckStatus::Failed);
        let unmeasurable = run(
            r#"{"kind":"memory","case":"gain","outcome":"unmeasurable","input_bytes":67108864,"seconds":0.0,"message":"/proc is read-only"}"#,
        );
        assert_eq!(unmeasurable.status, CheckStatus::Skipped);
        assert_eq!(unmeasurable.summary, "not run: /proc is read-only");
        let error = run(
            r#"{"kind":"memory","case":"gain","outcome":"error","input_bytes":67108864,"seconds":0.0,"message":"raised"}"#,
        );
        assert_eq!(error.status, CheckStatus::Failed);
        let missing = memory_check(
            &exercise,
            &records(&[test_record("passed")]),
            CheckPlan::FULL,
            None,
        );
        assert_eq!(missing.status, CheckStatus::Skipped);
        assert_eq!(missing.summary, NOT_RUN_RUN_ENDED);
        let off = CheckPlan {
            leaks: Plan::Off(OffReason::Requested),
            ..CheckPlan::FULL
        };
        assert_eq!(
            memory_check(&exercise, &[], off, None).switched_off(),
            Some(OffReason::Requested)
        );
    }

    /// A failure says how far under the threshold it is, and whether that is within the close
    /// band or its interval still reaches the threshold; a pass or a far miss is not close. The
    /// interval travels from the record.
    #[test]
    fn a_failure_near_the_threshold_is_close_and_says_how_close() {
        let exercise = exercise_with_two_speed_cases();
        let cases_of = |lines: [String; 2]| {
            let check = perf_check(&exercise, &records(&lines), CheckPlan::FULL, None);
            let CheckDetails::Perf { cases } = check.details else {
                panic!("{check:?}")
            };
            cases
        };
        let speeds = |fast: f64, faster: f64| {
            cases_of([perf_record("fast", fast), perf_record("faster", faster)])
        };
        // Threshold 8: 7.8 is 2.5 % short, 6.8 is 15 % short (the band's edge), 6.7 beyond it.
        let cases = speeds(7.8, 8.0);
        assert_eq!(cases[0].status, SpeedOutcome::Failed);
        assert!((cases[0].shortfall.unwrap() - 0.025).abs() < 1e-9);
        assert!(cases[0].close);
        assert_eq!(cases[1].status, SpeedOutcome::Passed);
        assert_eq!((cases[1].shortfall, cases[1].close), (None, false));
        assert_eq!(
            (cases[0].ci_low, cases[0].ci_high),
            (Some(7.8 * 0.95), Some(7.8 * 1.05))
        );
        let cases = speeds(6.8, 6.7);
        assert!(cases[0].close, "{:?}", cases[0]);
        assert!(!cases[1].close && cases[1].shortfall.unwrap() > CLOSE_BAND);
        // The JSON carries both as fields, not only as words.
        let json = serde_json::to_value(&cases[0]).unwrap();
        assert_eq!(json["close"], true);
        assert!((json["shortfall"].as_f64().unwrap() - 0.15).abs() < 1e-9);
        assert_eq!(serde_json::to_value(&cases[1]).unwrap()["close"], false);
        // 25 % short, but a noisy run whose interval still reaches the threshold: close.
        let noisy = cases_of([
            perf_record_within("fast", 6.0, 4.0, 8.1),
            perf_record_within("faster", 6.0, 4.0, 7.9),
        ]);
        assert!(noisy[0].close, "{:?}", noisy[0]);
        assert!(!noisy[1].close, "{:?}", noisy[1]);
    }

    /// One decimal unless it would round a failure up to the threshold (or a pass below it).
    #[test]
    fn a_summary_never_rounds_a_failure_onto_the_threshold() {
        let exercise = exercise_with_two_speed_cases();
        let summary = |fast: f64, faster: f64| {
            let lines = [perf_record("fast", fast), perf_record("faster", faster)];
            perf_check(&exercise, &records(&lines), CheckPlan::FULL, None).summary
        };
        assert_eq!(summary(7.96, 8.04), "7.96× (needs ≥ 8×), 8.0× (needs ≥ 8×)");
        assert_eq!(summary(7.5, 20.0), "7.5× (needs ≥ 8×), 20.0× (needs ≥ 8×)");
    }

    fn exercise_with_two_speed_cases() -> Exercise {
        let case = |name: &str| crate::catalog::PerfCase {
            name: name.into(),
            baseline: "baseline:f".into(),
            candidate: "m:f".into(),
            setup: "baseline:setup".into(),
            min_speedup: 8.0,
            threads: false,
            hint: "h".into(),
        };
        Exercise {
            id: 1,
            slug: "math".into(),
            title: "Math".into(),
            module: "m".into(),
            timeout_secs: 60,
            hints: vec!["a".into()],
            leaks: crate::catalog::LeakSettings::default(),
            perf: vec![case("fast"), case("faster")],
            memory: Vec::new(),
            points: crate::catalog::Points {
                tests: 6,
                leaks: 2,
                speed: 2,
                memory: 0,
            },
            dir: "exercises/01-math".into(),
            solution_dir: "solutions/01-math".into(),
        }
    }

    fn records(lines: &[String]) -> Vec<Record> {
        lines
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn test_record(outcome: &str) -> String {
        format!(
            r#"{{"kind":"test","nodeid":"tests/t.py::test_{outcome}","name":"test_{outcome}","file":"tests/t.py","line":1,"when":"call","outcome":"{outcome}","duration":0.1}}"#
        )
    }

    const LEAK: &str = r#"{"kind":"leak","test":"tests/t.py::test_passed","call":"mean(xs)","check":"assert_no_leaks","leak_kind":"argument_refs","per_call":1.0,"calls":1000,"growth":1000.0,"message":"+1 reference","hint":"h"}"#;

    /// A measured case whose ratios' interval spans 5 % either side of the median.
    fn perf_record(case: &str, speedup: f64) -> String {
        perf_record_within(case, speedup, speedup * 0.95, speedup * 1.05)
    }

    fn perf_record_within(case: &str, speedup: f64, ci_low: f64, ci_high: f64) -> String {
        format!(
            r#"{{"kind":"perf","case":"{case}","outcome":"measured","speedup":{speedup:?},"threshold":8.0,"min_ratio":1.0,"max_ratio":20.0,"ci_low":{ci_low:?},"ci_high":{ci_high:?},"pairs":15,"retried":false,"timer":"cpu","seconds":1.0,"message":"m"}}"#
        )
    }

    /// Every combination of failing checks: a check fails only on what it measured, and a check
    /// that could not run says why instead of passing or failing.
    #[test]
    fn each_combination_of_failing_checks_claims_only_what_was_measured() {
        let exercise = exercise_with_two_speed_cases();
        for tests_fail in [false, true] {
            for leak in [false, true] {
                // The speed cases: both fast, one slow, the second one never ran.
                for perf in ["fast", "slow", "missing"] {
                    let mut lines = vec![test_record("passed")];
                    if tests_fail {
                        lines.push(test_record("failed"));
                    }
                    if leak {
                        lines.push(LEAK.to_string());
                    }
                    // The plugin measures speed only when every test passed.
                    if !tests_fail {
                        lines.push(perf_record("fast", 20.0));
                        match perf {
                            "fast" => lines.push(perf_record("faster", 20.0)),
                            "slow" => lines.push(perf_record("faster", 2.0)),
                            _ => {}
                        }
                    }
                    let records = records(&lines);
                    let context = format!("tests fail {tests_fail}, leak {leak}, perf {perf}");
                    let tests = tests_check(&records, true);
                    let status = if tests.status == CheckStatus::Passed {
                        Status::Passed
                    } else {
                        Status::Failed
                    };
                    let blocked = blocked_by(status, &tests);
                    let leaks = leaks_check(&exercise, &records, CheckPlan::FULL, blocked);
                    let speed = perf_check(&exercise, &records, CheckPlan::FULL, blocked);

                    assert_eq!(tests.status == CheckStatus::Failed, tests_fail, "{context}");
                    // A leak found is a leak, whatever else happened; no leak found while tests
                    // failed is not a clean bill.
                    let expected_leaks = match (leak, tests_fail) {
                        (true, _) => CheckStatus::Failed,
                        (false, true) => CheckStatus::Skipped,
                        (false, false) => CheckStatus::Passed,
                    };
                    assert_eq!(leaks.status, expected_leaks, "{context}");
                    if tests_fail {
                        assert_eq!(speed.status, CheckStatus::Skipped, "{context}");
                        assert_eq!(speed.summary, "not run: the tests failed", "{context}");
                        if !leak {
                            assert_eq!(leaks.summary, "not run: the tests failed", "{context}");
                        }
                        continue;
                    }
                    let CheckDetails::Perf { cases } = &speed.details else {
                        panic!("{context}: {speed:?}")
                    };
                    assert_eq!(cases.len(), 2, "{context}");
                    match perf {
                        "fast" => assert_eq!(speed.status, CheckStatus::Passed, "{context}"),
                        "slow" => {
                            assert_eq!(speed.status, CheckStatus::Failed, "{context}");
                            assert_eq!(cases[1].status, SpeedOutcome::Failed, "{context}");
                        }
                        _ => {
                            // Never "too slow" without a measurement.
                            assert_eq!(speed.status, CheckStatus::Skipped, "{context}");
                            assert_eq!(cases[1].status, SpeedOutcome::Skipped, "{context}");
                            assert_eq!(cases[1].speedup, None, "{context}");
                            assert!(
                                speed.summary.contains("faster: not run"),
                                "{context}: {}",
                                speed.summary
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_run_that_did_not_finish_gives_its_reason() {
        let tests = tests_check(&records(&[test_record("passed")]), true);
        for (status, reason) in [
            (Status::Crashed, "not run: the Python process crashed"),
            (Status::TimedOut, "not run: the tests timed out"),
            (Status::NotStarted, "not run: the tests reached a todo!()"),
        ] {
            assert_eq!(blocked_by(status, &tests), Some(reason));
        }
        assert_eq!(blocked_by(Status::Passed, &tests), None);
    }

    #[test]
    fn floats_print_without_trailing_zeros() {
        assert_eq!(trim_float(8.0), "8");
        assert_eq!(trim_float(2.5), "2.5");
    }
}
