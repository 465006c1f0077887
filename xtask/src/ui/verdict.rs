//! A verdict as text for people: the verdict first, in one line, then only what helps the next
//! edit (the first compiler error, the failing assertions with a diff, leaks, slow cases, the last
//! frames of a crash).
//!
//! This is the one file that reads the verdict's fields: other screens ask it for a headline, a
//! full text or a table's cells.
use grader::Exercise;
use grader::verdict::Comparison;
use grader::verdict::{
    CheckDetails, CheckName, CheckResult, CheckStatus, MemoryCaseResult, MemoryOutcome, OffReason,
    Problem, SpeedCase, SpeedOutcome, TestFailure, mebibytes, trim_float,
};
use grader::{Status, Variant, Verdict};

use super::diff;
use super::style::{BAD, BOLD, DIM, GOOD, NEUTRAL, paint};
use super::terminal::Layout;

/// Failures shown in full; the others are listed by name.
const FAILURES_IN_FULL: usize = 2;
/// Leak findings shown without `--verbose`; the rest are counted.
const LEAKS_SHOWN: usize = 4;
/// Lines of a compiler error shown without `--verbose`.
const ERROR_LINES: usize = 14;
/// Rows of an expected-vs-actual diff; `--verbose` shows pytest's whole report.
const DIFF_ROWS: usize = 40;

/// What else the text needs beyond the verdict.
pub struct TextOptions<'a> {
    pub verbose: bool,
    /// The next hint number the learner would get (1-based), when hints remain.
    pub next_hint: Option<(usize, usize)>,
    /// The exercise to suggest after a pass.
    pub next_exercise: Option<&'a Exercise>,
    /// Build log, pytest output: shown with `--verbose`.
    pub build_log: Option<&'a str>,
    pub pytest_output: Option<&'a str>,
    pub layout: Layout,
}

impl Default for TextOptions<'_> {
    /// Nothing beyond the verdict, laid out for stdout.
    fn default() -> Self {
        Self {
            verbose: false,
            next_hint: None,
            next_exercise: None,
            build_log: None,
            pytest_output: None,
            layout: Layout::stdout(),
        }
    }
}

pub fn text(verdict: &Verdict, options: &TextOptions<'_>) -> String {
    let layout = &options.layout;
    let mut out = String::new();
    out.push_str(&headline(verdict));
    out.push('\n');
    match verdict.status {
        Status::Passed if verdict.variant == Variant::Solution => {}
        Status::Passed if skipped_by_flag(verdict) => {
            let line = format!(
                "Not every check ran ({}): the full check is `cargo xtask check {}`.",
                skipped_flags(verdict).join(", "),
                verdict.exercise
            );
            push_wrapped(&mut out, layout, &line, "  ", "  ");
        }
        Status::Passed => {
            if let Some(next) = options.next_exercise {
                out.push_str(&format!("  Next: cargo xtask check {}\n", next.name()));
            } else {
                out.push_str("  That was the last exercise: every one is done.\n");
            }
        }
        Status::BuildFailed => build_errors(verdict, options.verbose, layout, &mut out),
        Status::NotStarted => not_started(verdict, options.verbose, layout, &mut out),
        Status::Crashed | Status::TimedOut => crash_details(verdict, layout, &mut out),
        Status::Failed => {
            test_failures(verdict, options.verbose, layout, &mut out);
            leak_findings(verdict, options.verbose, layout, &mut out);
            memory_misses(verdict, layout, &mut out);
            perf_misses(verdict, layout, &mut out);
        }
        Status::Error => {
            if let Some(Problem::GraderFailure { message }) = &verdict.problem {
                push_lines(&mut out, layout, message, "  ");
                push_wrapped(
                    &mut out,
                    layout,
                    "This is a fault of the grader, not of your code: reinstall with `rm -rf .venv` and retry.",
                    "  ",
                    "  ",
                );
            }
        }
    }
    if !matches!(verdict.status, Status::BuildFailed | Status::Error) {
        not_measured(verdict, layout, &mut out);
    }
    if verdict.status != Status::Passed
        && let Some((number, total)) = options.next_hint
    {
        out.push_str(&format!(
            "\n  {} cargo xtask hint {}\n",
            paint(DIM, &format!("Hint {number} of {total}:")),
            verdict.exercise
        ));
    }
    if options.verbose {
        for (title, body) in [
            ("build output", options.build_log),
            ("pytest output", options.pytest_output),
        ] {
            if let Some(body) = body.filter(|body| !body.trim().is_empty()) {
                // Raw tool output, as the tool wrote it: the terminal wraps it, a pipe keeps it.
                out.push_str(&format!(
                    "\n{}\n{}\n",
                    paint(DIM, &format!("── {title} ──")),
                    body.trim_end()
                ));
            }
        }
    }
    out
}

/// Why checks were switched off in this run, in words: the flag (`--no-perf`) when the learner
/// asked for a quicker run.
fn skipped_flags(verdict: &Verdict) -> Vec<&'static str> {
    verdict
        .checks
        .iter()
        .filter_map(|check| Some(switched_off_words(check.name, check.switched_off()?)))
        .collect()
}

/// A switched-off check's reason as the learner reads it.
pub fn switched_off_words(check: CheckName, reason: OffReason) -> &'static str {
    match (reason, check) {
        (OffReason::Requested, CheckName::Leaks | CheckName::Memory) => "--no-leaks",
        (OffReason::Requested, _) => "--no-perf",
        (reason, _) => reason.why(),
    }
}

fn skipped_by_flag(verdict: &Verdict) -> bool {
    !skipped_flags(verdict).is_empty()
}

/// The one-line verdict, e.g. `✔ exercise-1 math — passed   tests 14/14 · leaks clean   0.9 s`.
pub fn headline(verdict: &Verdict) -> String {
    let (mark, style) = match verdict.status {
        Status::Passed => ("✔", GOOD),
        Status::NotStarted => ("○", NEUTRAL),
        _ => ("✘", BAD),
    };
    let what = match verdict.status {
        Status::Passed => "passed".to_string(),
        Status::BuildFailed => "does not compile".to_string(),
        Status::NotStarted => "not started".to_string(),
        Status::TimedOut => match &verdict.problem {
            Some(Problem::Timeout {
                after_secs,
                test: Some(test),
            }) => {
                format!("stopped after {after_secs} s in {test} (an endless loop?)")
            }
            Some(Problem::Timeout { after_secs, .. }) => {
                format!("stopped after {after_secs} s (an endless loop?)")
            }
            _ => "timed out".to_string(),
        },
        Status::Crashed => crash_headline(verdict),
        Status::Failed => failed_headline(verdict),
        Status::Error => "the grader could not run".to_string(),
    };
    let who = if verdict.variant == Variant::Solution {
        " (reference solution)"
    } else {
        ""
    };
    let mut line = format!(
        "{} {} {}{who} — {what}",
        paint(style, mark),
        paint(BOLD, &verdict.exercise),
        verdict.slug
    );
    if verdict.status == Status::Passed {
        let checks: Vec<String> = verdict
            .checks
            .iter()
            .filter(|check| check.name != CheckName::Build && check.status != CheckStatus::Skipped)
            .map(|check| match check.name {
                CheckName::Perf => format!("speedup {}", check.summary),
                _ => format!("{} {}", check_label(check.name), check.summary),
            })
            .collect();
        line.push_str(&format!("   {}", checks.join(" · ")));
    }
    line.push_str(&paint(DIM, &format!("   {:.1} s", verdict.seconds)));
    line
}

/// Watch mode's line while the leak hunt runs:
/// `✔ exercise-0 passes — tests pass (2/2); hunting leaks…   0.4 s`.
pub fn tests_passed(exercise: &Exercise, tests: &CheckResult, seconds: f64) -> String {
    format!(
        "{} {} {} — tests pass ({}); hunting leaks…{}",
        paint(GOOD, "✔"),
        paint(BOLD, &exercise.name()),
        exercise.slug,
        tests.summary,
        paint(DIM, &format!("   {seconds:.1} s"))
    )
}

/// A summary table's cells: `exercise-3 lru`, then the tests, leaks, memory and speed summaries
/// (`—` for a check that did not run).
pub fn table_cells(verdict: &Verdict) -> [String; 5] {
    let cell = |check: CheckName| match verdict.check(check) {
        Some(result) if result.status != CheckStatus::Skipped => result.summary.clone(),
        _ => "—".to_string(),
    };
    [
        format!("{} {}", verdict.exercise, verdict.slug),
        cell(CheckName::Tests),
        cell(CheckName::Leaks),
        cell(CheckName::Memory),
        cell(CheckName::Perf),
    ]
}

fn failed_headline(verdict: &Verdict) -> String {
    let failed_check = |name| {
        verdict
            .check(name)
            .is_some_and(|check| check.status == CheckStatus::Failed)
    };
    if let Some(CheckDetails::Tests {
        passed,
        total,
        failures,
    }) = verdict.check(CheckName::Tests).map(|c| &c.details)
        && !failures.is_empty()
    {
        let failed = total.saturating_sub(*passed).max(failures.len() as u32);
        // A leak found by the hunt (on the tests that passed) is news beside the failed tests.
        let leaks = if failed_check(CheckName::Leaks) {
            ", and memory leaks"
        } else {
            ""
        };
        return format!("{failed} of {total} tests failed{leaks}");
    }
    let perf_wrong = matches!(
        verdict.check(CheckName::Perf).map(|check| &check.details),
        Some(CheckDetails::Perf { cases }) if cases.iter().any(|case| case.status == SpeedOutcome::Error)
    );
    if perf_wrong {
        return "tests pass, but the speed check got a wrong answer".into();
    }
    let memory_wrong = matches!(
        verdict.check(CheckName::Memory).map(|check| &check.details),
        Some(CheckDetails::Memory { cases }) if cases.iter().any(|case| case.status == MemoryOutcome::Error)
    );
    if memory_wrong {
        return "tests pass, but the memory check could not call the function".into();
    }
    let (leaks, memory, slow) = (
        failed_check(CheckName::Leaks),
        failed_check(CheckName::Memory),
        failed_check(CheckName::Perf),
    );
    let mut problems = Vec::new();
    if leaks {
        problems.push("memory leaks");
    }
    if memory {
        problems.push("a call takes too much memory");
    }
    match (problems.is_empty(), slow) {
        (true, true) if perf_close(verdict) => "correct, but a little too slow".into(),
        (true, true) => "correct, but too slow".into(),
        (true, false) => "failed".into(),
        (false, slow) => {
            if slow {
                problems.push("it is too slow");
            }
            let but = if leaks {
                "tests pass, but"
            } else {
                "correct, but"
            };
            format!("{but} {}", problems.join(" and "))
        }
    }
}

/// Every speed case that failed was a close one.
fn perf_close(verdict: &Verdict) -> bool {
    matches!(
        verdict.check(CheckName::Perf).map(|check| &check.details),
        Some(CheckDetails::Perf { cases })
            if cases.iter().any(|case| case.status == SpeedOutcome::Failed)
                && cases.iter().filter(|case| case.status == SpeedOutcome::Failed).all(|case| case.close)
    )
}

fn crash_headline(verdict: &Verdict) -> String {
    let Some(Problem::Crash {
        signal,
        exit_code,
        test,
        ..
    }) = &verdict.problem
    else {
        return "crashed".into();
    };
    let how = match (signal, exit_code) {
        (Some(signal), _) => format!("the Python process crashed ({signal})"),
        (None, Some(code)) => format!("the Python process ended early (exit status {code})"),
        (None, None) => "the Python process ended early".into(),
    };
    match test {
        Some(test) => format!("{how} during {test}"),
        None => format!("{how} before its results were complete"),
    }
}

fn check_label(name: CheckName) -> &'static str {
    match name {
        CheckName::Build => "build",
        CheckName::Tests => "tests",
        CheckName::Leaks => "leaks",
        CheckName::Memory => "memory",
        CheckName::Perf => "speed",
    }
}

fn build_errors(verdict: &Verdict, verbose: bool, layout: &Layout, out: &mut String) {
    let Some(CheckDetails::Build { errors }) = verdict.check(CheckName::Build).map(|c| &c.details)
    else {
        return;
    };
    let shown = if verbose { errors.len() } else { 1 };
    for error in errors.iter().take(shown) {
        for line in essential_lines(&error.rendered, verbose) {
            if is_snippet(line) {
                // Re-flowed, the carets would no longer point at the code: kept whole instead.
                out.push_str(&format!("  {}\n", line.trim_end()));
            } else {
                push_lines(out, layout, line, "  ");
            }
        }
    }
    let more = errors.len().saturating_sub(shown);
    if more > 0 {
        let noun = if more == 1 { "error" } else { "errors" };
        out.push_str(&format!(
            "  ({more} more {noun}: cargo xtask check {} --verbose)\n",
            verdict.exercise
        ));
    }
}

/// A line of the source snippet in a rustc diagnostic: `10 |     let x = …`, `   |  ^^^ label`,
/// or the `--> file:line:column` above it.
fn is_snippet(line: &str) -> bool {
    let gutter = line
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    gutter.starts_with('|') || gutter.starts_with("-->")
}

/// A diagnostic without the notes that point into pyo3's own sources, at most `ERROR_LINES` lines.
fn essential_lines(rendered: &str, verbose: bool) -> Vec<&str> {
    if verbose {
        return rendered.lines().collect();
    }
    let mut lines = Vec::new();
    for line in rendered.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("note:")
            || line.contains("/.cargo/registry/")
            || trimmed.starts_with("= note")
        {
            break;
        }
        lines.push(line);
    }
    lines.truncate(ERROR_LINES);
    lines
}

/// The todo!()s the tests reached, and the tests that failed without reaching one: a learner who
/// works function by function sees a finished function's mistake before the exercise is done.
fn not_started(verdict: &Verdict, verbose: bool, layout: &Layout, out: &mut String) {
    if let Some(Problem::Todo { sites }) = &verdict.problem {
        for site in sites.iter().take(3) {
            let line = format!(
                "`{}` is still a todo!() at {}:{}",
                site.function, site.file, site.line
            );
            push_wrapped(out, layout, &line, "  ", "    ");
        }
        if sites.len() > 3 {
            out.push_str(&format!("  … and {} more todo!()s\n", sites.len() - 3));
        }
    }
    let Some(CheckDetails::Tests {
        passed,
        total,
        failures,
    }) = verdict.check(CheckName::Tests).map(|c| &c.details)
    else {
        return;
    };
    let wrong: Vec<&TestFailure> = failures.iter().filter(|f| !f.reached_todo).collect();
    if wrong.is_empty() {
        out.push_str(&format!("  {passed} of {total} tests pass so far.\n"));
        out.push_str(&format!(
            "  Start with the README: {}/README.md\n",
            verdict.crate_dir
        ));
    } else {
        let verb = if wrong.len() == 1 { "fails" } else { "fail" };
        out.push_str(&format!(
            "  {passed} of {total} tests pass so far; {} {verb} without reaching a todo!():\n",
            plural(wrong.len(), "test")
        ));
        failure_details(&wrong, verbose, layout, out);
    }
}

fn crash_details(verdict: &Verdict, layout: &Layout, out: &mut String) {
    match &verdict.problem {
        Some(Problem::Crash {
            frames,
            stderr_tail,
            signal,
            ..
        }) => {
            if !frames.is_empty() {
                out.push_str("  Last Python frames (faulthandler):\n");
                for frame in frames {
                    push_lines(out, layout, frame, "    ");
                }
            } else if stderr_tail.contains("Garbage-collecting") {
                push_wrapped(
                    out,
                    layout,
                    "It crashed in the garbage collector, after your function had returned: an \
                     object was freed while something still used it, because a reference was \
                     released that the code did not own.",
                    "  ",
                    "  ",
                );
            } else if stderr_tail.contains("File \"") {
                // faulthandler printed frames, but only pytest's, pluggy's or the grader's own:
                // the crash came after the learner's code had returned.
                push_wrapped(
                    out,
                    layout,
                    "It crashed outside your code, after it had returned (while Python freed \
                     objects at the end of a test or of the run): an object was freed too early \
                     by a reference released that the code did not own, and something that still \
                     held it touched it later.",
                    "  ",
                    "  ",
                );
            } else if !stderr_tail.trim().is_empty() {
                out.push_str("  Last lines the process printed:\n");
                push_lines(out, layout, stderr_tail, "    ");
            }
            let cause = match signal.as_deref() {
                Some("SIGSEGV") | Some("SIGBUS") => {
                    "Usual cause: a reference released that the code did not own: a borrowed one \
                     (PyList_GetItem and PyTuple_GetItem lend, they do not give) or one already \
                     given away (PyList_SetItem and PyTuple_SetItem steal it); or a bad pointer in \
                     unsafe code."
                }
                Some("SIGABRT") => {
                    "Usual cause: a failed assertion in CPython or a Rust abort (a panic while panicking)."
                }
                _ => {
                    "The test process exited before reporting (sys.exit or os._exit in the code under test?)."
                }
            };
            push_wrapped(out, layout, cause, "  ", "  ");
        }
        Some(Problem::Timeout { .. }) => {
            out.push_str(
                "  A loop that never ends, or a lock that is never released, is the usual cause.\n",
            );
        }
        _ => {}
    }
}

fn test_failures(verdict: &Verdict, verbose: bool, layout: &Layout, out: &mut String) {
    if let Some(CheckDetails::Tests { failures, .. }) =
        verdict.check(CheckName::Tests).map(|c| &c.details)
    {
        failure_details(&failures.iter().collect::<Vec<_>>(), verbose, layout, out);
    }
}

/// The first failures in full (all with `verbose`), the others by name.
fn failure_details(failures: &[&TestFailure], verbose: bool, layout: &Layout, out: &mut String) {
    let in_full = if verbose {
        failures.len()
    } else {
        FAILURES_IN_FULL
    };
    for failure in failures.iter().take(in_full) {
        let place = if failure.line > 0 {
            format!("{}:{}", failure.file, failure.line)
        } else {
            failure.file.clone()
        };
        out.push_str(&format!(
            "\n  {}  {}\n",
            paint(BOLD, &failure.name),
            paint(DIM, &format!("({place})"))
        ));
        push_statement(out, layout, &failure.statement, verbose);
        match &failure.comparison {
            Some(comparison) => {
                out.push('\n');
                out.push_str(&comparison_diff(comparison, "    ", layout));
            }
            None => {
                for line in layout.wrap(&failure.summary, "    ", "      ") {
                    out.push_str(&format!("{}\n", paint(BAD, &line)));
                }
            }
        }
        if verbose && !failure.report.is_empty() {
            // pytest's own report, as pytest wrote it (like the raw output below).
            out.push('\n');
            for line in failure.report.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    if failures.len() > in_full {
        let rest: Vec<&str> = failures[in_full..]
            .iter()
            .map(|failure| failure.name.as_str())
            .collect();
        out.push('\n');
        push_wrapped(
            out,
            layout,
            &format!("Also failed: {}", rest.join(", ")),
            "  ",
            "    ",
        );
    }
}

/// The failing statement locates the failure; what failed is the message or diff under it. A
/// statement over several lines (a call with its arguments spelled out) shows its first line only,
/// unless `--verbose`.
fn push_statement(out: &mut String, layout: &Layout, statement: &str, verbose: bool) {
    let mut lines = statement.lines();
    let Some(first) = lines.next() else {
        return;
    };
    if verbose {
        push_lines(out, layout, statement, "    ");
    } else if lines.next().is_some() {
        push_lines(out, layout, &format!("{first} …"), "    ");
    } else {
        push_lines(out, layout, first, "    ");
    }
}

/// Expected (`-`) against actual (`+`) for a failed `==`.
fn comparison_diff(comparison: &Comparison, indent: &str, layout: &Layout) -> String {
    let (expected, actual) = (&comparison.expected, &comparison.actual);
    let describe =
        |kind: &str, value: &str, type_name: &str, len: Option<usize>| match (comparison.text, len)
        {
            (true, _) => format!("{kind} ({})", plural(line_count(value), "line")),
            (false, Some(len)) => format!("{kind} ({type_name}, {})", plural(len, "item")),
            (false, None) => format!("{kind} ({type_name})"),
        };
    let mut out = diff::header(
        &describe(
            "expected",
            expected,
            &comparison.expected_type,
            comparison.expected_len,
        ),
        &describe(
            "actual",
            actual,
            &comparison.actual_type,
            comparison.actual_len,
        ),
        indent,
    );
    let drawn = diff::hunks(
        expected,
        actual,
        &diff::Options {
            indent,
            layout: *layout,
            max_rows: Some(DIFF_ROWS),
        },
    );
    out.push_str(&drawn.text);
    if drawn.hidden > 0 {
        out.push_str(&format!(
            "{indent}… {} more diff lines (--verbose shows everything)\n",
            drawn.hidden
        ));
    }
    if drawn.unchanged() {
        // Equal renderings but unequal values: e.g. 1 == 1.0000000001 printed alike, or an `__eq__`.
        out.push_str(&format!(
            "{indent}(the two values print the same but are not equal: {} vs {})\n",
            comparison.actual_type, comparison.expected_type
        ));
    }
    out
}

fn leak_findings(verdict: &Verdict, verbose: bool, layout: &Layout, out: &mut String) {
    let Some(check) = verdict.check(CheckName::Leaks) else {
        return;
    };
    let CheckDetails::Leaks { findings } = &check.details else {
        return;
    };
    if findings.is_empty() {
        return;
    }
    let mut hints: Vec<&str> = Vec::new();
    // Two tests that show the same leak of the same call give one line, not two equal ones.
    let mut distinct: Vec<String> = Vec::new();
    let shown = if verbose { findings.len() } else { LEAKS_SHOWN };
    for finding in findings.iter() {
        let place = if !finding.call.is_empty() {
            finding.call.clone()
        } else {
            short(&finding.test)
        };
        let line = if place.is_empty() {
            finding.message.clone()
        } else {
            format!("{place}: {}", finding.message)
        };
        if !distinct.contains(&line) {
            distinct.push(line);
        }
        if !finding.hint.is_empty() && !hints.contains(&finding.hint.as_str()) {
            hints.push(&finding.hint);
        }
    }
    for line in distinct.iter().take(shown) {
        push_wrapped(out, layout, line, "  ", "    ");
    }
    if distinct.len() > shown {
        out.push_str(&format!(
            "  … {} more: cargo xtask check {} --verbose\n",
            distinct.len() - shown,
            verdict.exercise
        ));
    }
    for hint in hints {
        push_wrapped(out, layout, &format!("Hint: {hint}"), "  ", "    ");
    }
}

fn perf_misses(verdict: &Verdict, layout: &Layout, out: &mut String) {
    let Some(check) = verdict.check(CheckName::Perf) else {
        return;
    };
    let CheckDetails::Perf { cases } = &check.details else {
        return;
    };
    for case in cases
        .iter()
        .filter(|case| case.status != SpeedOutcome::Passed)
    {
        // The perf protocol writes a self-contained message (speedup or slowdown, threshold, spread).
        let line = if case.message.is_empty() {
            format!("{}: could not be measured", case.case)
        } else {
            format!("{}: {}", case.case, case.message)
        };
        push_wrapped(out, layout, &line, "  ", "    ");
        if let Some(near) = near_miss(case) {
            push_wrapped(out, layout, &near, "  ", "    ");
        }
        if let Some(hint) = case.hint.as_deref().filter(|hint| !hint.is_empty()) {
            push_wrapped(out, layout, &format!("Hint: {hint}"), "  ", "    ");
        }
    }
}

/// Each memory case over its limit, in numbers, with what the numbers mean:
/// `apply_gain: one call took 64.0 MiB extra for a 64.0 MiB input — the input was copied; the
/// limit is 1 % of the input (0.6 MiB).`
fn memory_misses(verdict: &Verdict, layout: &Layout, out: &mut String) {
    let Some(CheckDetails::Memory { cases }) =
        verdict.check(CheckName::Memory).map(|check| &check.details)
    else {
        return;
    };
    for case in cases {
        let line = match (case.status, case.extra_bytes) {
            (MemoryOutcome::Failed, Some(extra)) => memory_miss(case, extra),
            (MemoryOutcome::Error, _) => format!(
                "{}: could not be measured: {}",
                case.case,
                case.message.as_deref().unwrap_or("no reason given")
            ),
            _ => continue,
        };
        push_wrapped(out, layout, &line, "  ", "    ");
        if let Some(hint) = case.hint.as_deref().filter(|hint| !hint.is_empty()) {
            push_wrapped(out, layout, &format!("Hint: {hint}"), "  ", "    ");
        }
    }
}

/// One case over its limit as a sentence: how much, against what, and what that amount suggests.
pub fn memory_miss(case: &MemoryCaseResult, extra: u64) -> String {
    let share = extra as f64 / case.input_bytes.max(1) as f64;
    let meaning = if share >= 0.9 {
        "the input was copied".to_string()
    } else {
        format!("{} of the input's size", percent(share))
    };
    format!(
        "{}: one call took {} extra for a {} input — {meaning}; the limit is {} of the input ({}).",
        case.case,
        mebibytes(extra),
        mebibytes(case.input_bytes),
        percent(case.max_extra),
        mebibytes(case.limit_bytes),
    )
}

/// `1 %`, `0.5 %`, `130 %`.
fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value >= 10.0 || (value - value.round()).abs() < 0.05 {
        format!("{value:.0} %")
    } else {
        format!("{value:.1} %")
    }
}

/// How near a close failure came: `1.17× — within 3 % of the 1.2× needed; a small gain will
/// pass`. Only for a failure within the close band (the checks stage decides `close`).
fn near_miss(case: &SpeedCase) -> Option<String> {
    if !case.close {
        return None;
    }
    let percent = (case.shortfall? * 100.0).ceil().max(1.0);
    Some(format!(
        "{}× — within {percent:.0} % of the {}× needed; a small gain will pass",
        case.speed_figure()?,
        trim_float(case.threshold)
    ))
}

/// The checks that did not run for a reason of this run (not a flag), with the reason: `leaks,
/// speed: not run: the tests failed`. Nothing is claimed about them.
fn not_measured(verdict: &Verdict, layout: &Layout, out: &mut String) {
    let mut reasons: Vec<(Vec<&str>, &str)> = Vec::new();
    for check in &verdict.checks {
        if check.status != CheckStatus::Skipped
            || check.switched_off().is_some()
            || !check.summary.contains("not run")
        {
            continue;
        }
        let label = check_label(check.name);
        match reasons
            .iter_mut()
            .find(|(_, reason)| *reason == check.summary)
        {
            Some((labels, _)) => labels.push(label),
            None => reasons.push((vec![label], &check.summary)),
        }
    }
    for (labels, reason) in reasons {
        let line = format!("{}: {reason}", labels.join(", "));
        for row in layout.wrap(&line, "  ", "    ") {
            out.push_str(&format!("{}\n", paint(DIM, &row)));
        }
    }
}

/// Prose, word-wrapped: the first line after `first`, the others after `rest`.
fn push_wrapped(out: &mut String, layout: &Layout, text: &str, first: &str, rest: &str) {
    for line in layout.wrap(text, first, rest) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// Preformatted lines (compiler output, tracebacks) after `indent`, each wrapped if too wide.
fn push_lines(out: &mut String, layout: &Layout, text: &str, indent: &str) {
    for line in text.lines() {
        for row in layout.wrap_line(line, indent) {
            out.push_str(&row);
            out.push('\n');
        }
    }
}

fn short(nodeid: &str) -> String {
    nodeid.rsplit("::").next().unwrap_or(nodeid).to_string()
}

fn line_count(text: &str) -> usize {
    text.lines().count().max(1)
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
    use grader::CompilerError;

    use super::*;

    fn strip(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    fn text_comparison(expected: &str, actual: &str) -> Comparison {
        Comparison {
            actual: actual.into(),
            expected: expected.into(),
            actual_type: "str".into(),
            expected_type: "str".into(),
            text: true,
            actual_len: None,
            expected_len: None,
        }
    }

    fn verdict(status: Status, checks: Vec<CheckResult>) -> Verdict {
        Verdict {
            exercise: "exercise-2".into(),
            slug: "gc".into(),
            title: "A garbage-collected class".into(),
            variant: Variant::Learner,
            status,
            checks,
            score: 0.0,
            seconds: 1.25,
            crate_dir: "exercises/02-gc".into(),
            problem: None,
        }
    }

    #[test]
    fn a_text_diff_counts_lines_and_shows_changes() {
        let comparison = text_comparison(
            "Supercalif\nragilistic\nis a long\nword",
            "Supercalif\nragilisti\nc is a\nword",
        );
        let diff = strip(&comparison_diff(&comparison, "  ", &Layout::pipe()));
        assert!(
            diff.starts_with(
                "  --- expected (4 lines)\n  +++ actual (4 lines)\n  @@ -1,4 +1,4 @@\n"
            ),
            "{diff}"
        );
        assert!(diff.contains("  -ragilistic\n"), "{diff}");
    }

    #[test]
    fn a_list_diff_counts_items() {
        let comparison = Comparison {
            actual: "[1,\n 3]".into(),
            expected: "[1,\n 2,\n 3]".into(),
            actual_type: "list".into(),
            expected_type: "list".into(),
            text: false,
            actual_len: Some(2),
            expected_len: Some(3),
        };
        let diff = strip(&comparison_diff(&comparison, "", &Layout::pipe()));
        assert!(
            diff.starts_with("--- expected (list, 3 items)\n+++ actual (list, 2 items)\n"),
            "{diff}"
        );
        assert!(diff.contains("- 2,\n"), "{diff}");
    }

    #[test]
    fn equal_renderings_say_so() {
        let mut comparison = text_comparison("1", "1");
        comparison.text = false;
        comparison.actual_type = "float".into();
        comparison.expected_type = "int".into();
        let diff = strip(&comparison_diff(&comparison, "", &Layout::pipe()));
        assert!(
            diff.contains("print the same but are not equal: float vs int"),
            "{diff}"
        );
    }

    #[test]
    fn a_long_diff_is_cut_after_its_limit() {
        let expected: String = (0..60).map(|n| format!("{n}\n")).collect();
        let diff = strip(&comparison_diff(
            &text_comparison(&expected, ""),
            "",
            &Layout::pipe(),
        ));
        assert!(
            diff.contains("… 21 more diff lines (--verbose shows everything)"),
            "{diff}"
        );
    }

    #[test]
    fn in_a_pipe_a_long_compiler_help_line_is_wrapped_not_cut() {
        let snippet = format!("10 |     fn __clear__(&mut self) {{ {} }}", "x".repeat(100));
        let rendered = format!(
            "error[E0277]: the trait bound `Node: PyGCProtocol` is not satisfied\n  \
             --> exercises/02-gc/src/lib.rs:10:5\n   |\n{snippet}\n   \
             |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n   = help: a class with `__clear__` \
             requires an implementation of `__traverse__` too, or the collector cannot see its references"
        );
        let build = CheckResult {
            name: CheckName::Build,
            status: CheckStatus::Failed,
            summary: "1 error".into(),
            details: CheckDetails::Build {
                errors: vec![CompilerError {
                    headline: rendered.lines().next().unwrap().into(),
                    file: Some("exercises/02-gc/src/lib.rs".into()),
                    line: Some(10),
                    column: Some(5),
                    rendered: rendered.clone(),
                }],
            },
        };
        let options = TextOptions {
            layout: Layout::pipe(),
            ..Default::default()
        };
        let text = strip(&text(&verdict(Status::BuildFailed, vec![build]), &options));
        assert!(!text.contains('…'), "{text}");
        assert!(
            text.contains(&format!("\n  {snippet}\n")),
            "a source line is kept whole: {text}"
        );
        assert!(
            text.lines()
                .filter(|line| !line.contains(&snippet))
                .all(|line| line.chars().count() <= 100),
            "{text}"
        );
        assert!(
            text.contains(
                "     = help: a class with `__clear__` requires an implementation of `__traverse__` too, or the\n       collector cannot see its references\n"
            ),
            "{text}"
        );
    }

    /// Each combination of failed and not-run checks: the headline names only what failed, and
    /// a check that did not run is listed with its reason, never as a failure.
    #[test]
    fn the_headline_names_only_measured_failures_and_the_text_says_what_did_not_run() {
        let check = |name, status, summary: &str| CheckResult {
            name,
            status,
            summary: summary.into(),
            details: CheckDetails::None {},
        };
        let tests_pass = check(CheckName::Tests, CheckStatus::Passed, "4/4");
        let leaked = CheckResult {
            details: CheckDetails::Leaks { findings: vec![] },
            ..check(CheckName::Leaks, CheckStatus::Failed, "1 leak")
        };
        let clean = check(CheckName::Leaks, CheckStatus::Passed, "clean");
        let slow = CheckResult {
            details: CheckDetails::Perf { cases: vec![] },
            ..check(CheckName::Perf, CheckStatus::Failed, "2.0× (needs ≥ 8×)")
        };
        let fast = check(CheckName::Perf, CheckStatus::Passed, "20.0× (needs ≥ 8×)");
        let not_run = check(
            CheckName::Perf,
            CheckStatus::Skipped,
            "not run: the run ended before it",
        );
        let options = TextOptions {
            layout: Layout::pipe(),
            ..Default::default()
        };
        for (leaks, perf, headline_text, not_run_line) in [
            (
                &leaked,
                &not_run,
                "tests pass, but memory leaks",
                Some("speed"),
            ),
            (
                &leaked,
                &slow,
                "tests pass, but memory leaks and it is too slow",
                None,
            ),
            (&leaked, &fast, "tests pass, but memory leaks", None),
            (&clean, &slow, "correct, but too slow", None),
        ] {
            let verdict = verdict(
                Status::Failed,
                vec![tests_pass.clone(), leaks.clone(), perf.clone()],
            );
            let shown = strip(&text(&verdict, &options));
            let first = shown.lines().next().unwrap();
            assert!(
                first.ends_with(&format!("— {headline_text}   1.2 s")),
                "{shown}"
            );
            match not_run_line {
                Some(label) => assert!(
                    shown.contains(&format!("  {label}: not run: the run ended before it\n")),
                    "{shown}"
                ),
                None => assert!(!shown.contains("not run"), "{shown}"),
            }
        }
        // Tests failed: neither leaks nor speed is judged, and the text says why.
        let failed_tests = CheckResult {
            details: CheckDetails::Tests {
                passed: 3,
                total: 4,
                failures: vec![],
            },
            ..check(CheckName::Tests, CheckStatus::Failed, "3/4")
        };
        let verdict = verdict(
            Status::Failed,
            vec![
                failed_tests,
                check(
                    CheckName::Leaks,
                    CheckStatus::Skipped,
                    "not run: the tests failed",
                ),
                check(
                    CheckName::Perf,
                    CheckStatus::Skipped,
                    "not run: the tests failed",
                ),
            ],
        );
        let shown = strip(&text(&verdict, &options));
        assert!(
            !shown.contains("slow") && !shown.contains("leaks ("),
            "{shown}"
        );
        assert!(
            shown.contains("  leaks, speed: not run: the tests failed\n"),
            "{shown}"
        );
    }

    /// A failure within the close band says how close, with the threshold, in its own line and
    /// headline; a far miss gets neither.
    #[test]
    fn a_close_speed_failure_says_how_close_it_was() {
        let case = |speedup: f64, shortfall: f64, close: bool| SpeedCase {
            case: "word_counts".into(),
            status: SpeedOutcome::Failed,
            speedup: Some(speedup),
            threshold: 1.2,
            min_ratio: Some(1.0),
            max_ratio: Some(1.4),
            ci_low: Some(1.1),
            ci_high: Some(1.25),
            shortfall: Some(shortfall),
            close,
            pairs: 45,
            retried: true,
            timer: grader::verdict::Timer::Cpu,
            seconds: 4.0,
            message:
                "1.2× faster than the Python baseline (needs ≥ 1.2×; ratios 1.0–1.4 over 45 pairs)"
                    .into(),
            hint: Some("count in Rust".into()),
        };
        let tests_pass = CheckResult {
            name: CheckName::Tests,
            status: CheckStatus::Passed,
            summary: "4/4".into(),
            details: CheckDetails::None {},
        };
        let options = TextOptions {
            layout: Layout::pipe(),
            ..Default::default()
        };
        let shown = |case: SpeedCase| {
            let perf = CheckResult {
                name: CheckName::Perf,
                status: CheckStatus::Failed,
                summary: "x".into(),
                details: CheckDetails::Perf { cases: vec![case] },
            };
            strip(&text(
                &verdict(Status::Failed, vec![tests_pass.clone(), perf]),
                &options,
            ))
        };
        let close = shown(case(1.17, 0.025, true));
        assert!(
            close
                .lines()
                .next()
                .unwrap()
                .contains("— correct, but a little too slow"),
            "{close}"
        );
        assert!(
            close.contains(
                "  1.17× — within 3 % of the 1.2× needed; a small gain will pass\n  Hint: count in Rust"
            ),
            "{close}"
        );
        let far = shown(case(0.6, 0.5, false));
        assert!(
            far.lines()
                .next()
                .unwrap()
                .contains("— correct, but too slow"),
            "{far}"
        );
        assert!(
            !far.contains("within") && !far.contains("small gain"),
            "{far}"
        );
    }

    #[test]
    fn the_headline_of_a_pass_lists_what_ran() {
        let tests = CheckResult {
            name: CheckName::Tests,
            status: CheckStatus::Passed,
            summary: "4/4".into(),
            details: CheckDetails::None {},
        };
        let leaks = CheckResult {
            name: CheckName::Leaks,
            status: CheckStatus::Skipped,
            summary: "skipped (--no-leaks)".into(),
            details: CheckDetails::SwitchedOff {
                reason: OffReason::Requested,
            },
        };
        let passed = verdict(Status::Passed, vec![tests, leaks]);
        assert_eq!(
            strip(&headline(&passed)),
            "✔ exercise-2 gc — passed   tests 4/4   1.2 s"
        );
        let options = TextOptions {
            layout: Layout::pipe(),
            ..Default::default()
        };
        assert!(strip(&text(&passed, &options)).contains(
            "  Not every check ran (--no-leaks): the full check is `cargo xtask check exercise-2`."
        ));
        assert_eq!(table_cells(&passed)[1..], ["4/4", "—", "—", "—"]);
    }

    fn check_result(name: CheckName, status: CheckStatus, summary: &str) -> CheckResult {
        CheckResult {
            name,
            status,
            summary: summary.into(),
            details: CheckDetails::None {},
        }
    }

    fn memory_case(status: MemoryOutcome, extra: Option<u64>) -> MemoryCaseResult {
        MemoryCaseResult {
            case: "apply_gain".into(),
            status,
            input_bytes: 64 << 20,
            extra_bytes: extra,
            limit_bytes: 671_088,
            max_extra: 0.01,
            message: None,
            hint: Some("Work in the caller's memory.".into()),
        }
    }

    #[test]
    fn a_memory_miss_names_the_copy_or_the_share_and_the_limit() {
        let copied = memory_case(MemoryOutcome::Failed, Some(64 << 20));
        assert_eq!(
            memory_miss(&copied, 64 << 20),
            "apply_gain: one call took 64.0 MiB extra for a 64.0 MiB input — the input was copied; the limit is 1 % of the input (0.6 MiB)."
        );
        assert_eq!(
            memory_miss(&copied, 16 << 20),
            "apply_gain: one call took 16.0 MiB extra for a 64.0 MiB input — 25 % of the input's size; the limit is 1 % of the input (0.6 MiB)."
        );
        assert_eq!(percent(0.005), "0.5 %");
        let tests = check_result(CheckName::Tests, CheckStatus::Passed, "100/100");
        let memory = CheckResult {
            details: CheckDetails::Memory {
                cases: vec![copied],
            },
            ..check_result(
                CheckName::Memory,
                CheckStatus::Failed,
                "64.0 MiB (≤ 0.6 MiB)",
            )
        };
        let failed = verdict(Status::Failed, vec![tests.clone(), memory.clone()]);
        let shown = strip(&text(&failed, &TextOptions::default()));
        assert!(
            shown.contains("correct, but a call takes too much memory"),
            "{shown}"
        );
        assert!(shown.contains("the input was copied"), "{shown}");
        assert!(
            shown.contains("Hint: Work in the caller's memory."),
            "{shown}"
        );
        let leaks = CheckResult {
            details: CheckDetails::Leaks { findings: vec![] },
            ..check_result(CheckName::Leaks, CheckStatus::Failed, "1 leak")
        };
        let slow = check_result(CheckName::Perf, CheckStatus::Failed, "2.0× (needs ≥ 8×)");
        let all = verdict(Status::Failed, vec![tests, leaks, memory, slow]);
        assert!(
            headline(&all).contains(
                "tests pass, but memory leaks and a call takes too much memory and it is too slow"
            ),
            "{}",
            headline(&all)
        );
    }

    #[test]
    fn the_same_leak_seen_by_two_tests_is_printed_once() {
        let finding = |test: &str| grader::verdict::LeakFinding {
            test: test.into(),
            call: "statvfs(path)".into(),
            check: grader::verdict::LeakCheck::AssertNoLeaks,
            leak_kind: grader::verdict::LeakKind::ArgumentRefs,
            per_call: 1.0,
            calls: 1000,
            message: "+1 reference to `path` per call".into(),
            hint: "h".into(),
        };
        let leaks = CheckResult {
            details: CheckDetails::Leaks {
                findings: vec![finding("t.py::test_a"), finding("t.py::test_b")],
            },
            ..check_result(CheckName::Leaks, CheckStatus::Failed, "2 leaks")
        };
        let tests = check_result(CheckName::Tests, CheckStatus::Passed, "4/4");
        let shown = strip(&text(
            &verdict(Status::Failed, vec![tests, leaks]),
            &TextOptions::default(),
        ));
        assert_eq!(
            shown.matches("statvfs(path): +1 reference").count(),
            1,
            "{shown}"
        );
    }

    #[test]
    fn a_statement_over_several_lines_shows_its_first_line_unless_verbose() {
        let failure = |statement: &str| CheckResult {
            details: CheckDetails::Tests {
                passed: 0,
                total: 1,
                failures: vec![TestFailure {
                    name: "test_moving_average_matches_the_original".into(),
                    file: "tests/test_textstats.py".into(),
                    line: 71,
                    statement: statement.into(),
                    summary: "AssertionError: moving_average(xs=[1.0], window=1) returned []"
                        .into(),
                    comparison: None,
                    report: String::new(),
                    reached_todo: false,
                }],
            },
            ..check_result(CheckName::Tests, CheckStatus::Failed, "0/1")
        };
        let call = "check_function(baseline.moving_average, textstats.moving_average,\n    examples=[\n        {\"xs\": [1.0]},\n    ])";
        let show = |statement: &str, verbose: bool| {
            let options = TextOptions {
                verbose,
                ..TextOptions::default()
            };
            strip(&text(
                &verdict(Status::Failed, vec![failure(statement)]),
                &options,
            ))
        };
        let brief = show(call, false);
        assert!(
            brief.contains("    check_function(baseline.moving_average, textstats.moving_average, …\n    AssertionError: moving_average"),
            "{brief}"
        );
        assert!(!brief.contains("examples=["), "{brief}");
        assert!(show(call, true).contains("        {\"xs\": [1.0]},\n"));
        let one_line = show("assert f(1) == 2", false);
        assert!(one_line.contains("    assert f(1) == 2\n"), "{one_line}");
        assert!(!one_line.contains('…'), "{one_line}");
    }

    #[test]
    fn an_unfinished_exercise_shows_the_failures_that_reached_no_todo() {
        let failed = |name: &str, summary: &str, reached_todo: bool| TestFailure {
            name: name.into(),
            file: "tests/test_hello.py".into(),
            line: 8,
            statement: format!("assert hello.{name}()"),
            summary: summary.into(),
            comparison: None,
            report: String::new(),
            reached_todo,
        };
        let unfinished = |failures: Vec<TestFailure>| Verdict {
            problem: Some(Problem::Todo {
                sites: vec![grader::verdict::TodoSite {
                    function: "greet".into(),
                    file: "exercises/00-hello/src/lib.rs".into(),
                    line: 30,
                }],
            }),
            ..verdict(
                Status::NotStarted,
                vec![CheckResult {
                    details: CheckDetails::Tests {
                        passed: 4,
                        total: 10,
                        failures,
                    },
                    ..check_result(CheckName::Tests, CheckStatus::Failed, "4/10")
                }],
            )
        };
        let todo = failed("greet", "PanicException: not yet implemented", true);
        let wrong = failed(
            "hello_world",
            "AssertionError: 'Hello from Rust' != 'Hello from Rust!'",
            false,
        );
        let shown = strip(&text(
            &unfinished(vec![todo.clone(), wrong]),
            &TextOptions::default(),
        ));
        assert!(
            shown.contains("`greet` is still a todo!() at exercises/00-hello/src/lib.rs:30"),
            "{shown}"
        );
        assert!(
            shown.contains("4 of 10 tests pass so far; 1 test fails without reaching a todo!():\n\n  hello_world  (tests/test_hello.py:8)\n    assert hello.hello_world()\n    AssertionError: 'Hello from Rust' != 'Hello from Rust!'"),
            "{shown}"
        );
        assert!(!shown.contains("not yet implemented"), "{shown}");
        assert!(!shown.contains("Start with the README"), "{shown}");

        let only_todos = strip(&text(&unfinished(vec![todo]), &TextOptions::default()));
        assert!(
            only_todos.contains(
                "4 of 10 tests pass so far.\n  Start with the README: exercises/02-gc/README.md"
            ),
            "{only_todos}"
        );
        assert!(!only_todos.contains("without reaching"), "{only_todos}");
    }

    #[test]
    fn failed_tests_and_a_leak_both_reach_the_headline() {
        let tests = CheckResult {
            details: CheckDetails::Tests {
                passed: 99,
                total: 100,
                failures: vec![TestFailure {
                    name: "test_histogram_releases_the_buffer".into(),
                    file: "tests/test_mediakit.py".into(),
                    line: 1,
                    statement: String::new(),
                    summary: "BufferError".into(),
                    comparison: None,
                    report: String::new(),
                    reached_todo: false,
                }],
            },
            ..check_result(CheckName::Tests, CheckStatus::Failed, "99/100")
        };
        let leaks = CheckResult {
            details: CheckDetails::Leaks { findings: vec![] },
            ..check_result(CheckName::Leaks, CheckStatus::Failed, "1 leak")
        };
        let both = verdict(Status::Failed, vec![tests.clone(), leaks]);
        assert!(
            headline(&both).contains("1 of 100 tests failed, and memory leaks"),
            "{}",
            headline(&both)
        );
        let only_tests = verdict(Status::Failed, vec![tests]);
        assert!(!headline(&only_tests).contains("leaks"));
    }
}
