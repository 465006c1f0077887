//! Stage 7: show a verdict — terminal feedback for people, JSON for tools.
//!
//! The verdict comes first, in one line; then only what helps the next edit. Colours are ANSI
//! codes in the returned text; print it through `anstream`, which drops them for NO_COLOR, pipes
//! and `--color never`.
pub mod diff;

use anstyle::{AnsiColor, Style};

use crate::catalog::Exercise;
use crate::verdict::{CheckDetails, CheckName, CheckResult, CheckStatus, Problem, Status, Verdict};

/// Output fits this many columns.
pub const WIDTH: usize = 100;
/// Failures shown in full; the others are listed by name.
const FAILURES_IN_FULL: usize = 2;

pub const GOOD: Style = AnsiColor::Green.on_default().bold();
pub const BAD: Style = AnsiColor::Red.on_default().bold();
pub const NEUTRAL: Style = AnsiColor::Yellow.on_default().bold();
pub const DIM: Style = Style::new().dimmed();
pub const BOLD: Style = Style::new().bold();

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
}

pub fn text(verdict: &Verdict, options: &TextOptions<'_>) -> String {
    let mut out = String::new();
    out.push_str(&headline(verdict));
    out.push('\n');
    match verdict.status {
        Status::Passed if verdict.variant == crate::build::Variant::Solution => {}
        Status::Passed if skipped_by_flag(verdict) => {
            out.push_str(&format!(
                "  Not every check ran ({}): the full check is `cargo xtask check {}`.\n",
                skipped_flags(verdict).join(", "),
                verdict.exercise
            ));
        }
        Status::Passed => {
            if let Some(next) = options.next_exercise {
                out.push_str(&format!("  Next: cargo xtask check {}\n", next.name()));
            } else {
                out.push_str("  That was the last exercise: every one is done.\n");
            }
        }
        Status::BuildFailed => build_errors(verdict, options.verbose, &mut out),
        Status::NotStarted => not_started(verdict, &mut out),
        Status::Crashed | Status::TimedOut => crash_details(verdict, &mut out),
        Status::Failed => {
            test_failures(verdict, options.verbose, &mut out);
            leak_findings(verdict, options.verbose, &mut out);
            perf_misses(verdict, &mut out);
        }
        Status::Error => {
            if let Some(Problem::GraderFailure { message }) = &verdict.problem {
                out.push_str(&format!("{}\n", indent(message, "  ")));
                out.push_str("  This is a fault of the grader, not of your code: reinstall with `rm -rf .venv` and retry.\n");
            }
        }
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

/// The flags (`--no-leaks`, `--no-perf`) that switched checks off in this run.
fn skipped_flags(verdict: &Verdict) -> Vec<&'static str> {
    verdict
        .checks
        .iter()
        .filter_map(CheckResult::switched_off_by)
        .collect()
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
    let who = if verdict.variant == crate::build::Variant::Solution {
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
        return format!("{failed} of {total} tests failed");
    }
    let perf_wrong = matches!(
        verdict.check(CheckName::Perf).map(|check| &check.details),
        Some(CheckDetails::Perf { cases }) if cases.iter().any(|case| case.status == "error")
    );
    if perf_wrong {
        return "tests pass, but the speed check got a wrong answer".into();
    }
    match (
        failed_check(CheckName::Leaks),
        failed_check(CheckName::Perf),
    ) {
        (true, true) => "tests pass, but memory leaks and it is too slow".into(),
        (true, false) => "tests pass, but memory leaks".into(),
        (false, true) => "correct, but too slow".into(),
        (false, false) => "failed".into(),
    }
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
        CheckName::Perf => "speed",
    }
}

fn build_errors(verdict: &Verdict, verbose: bool, out: &mut String) {
    let Some(CheckDetails::Build { errors }) = verdict.check(CheckName::Build).map(|c| &c.details)
    else {
        return;
    };
    let shown = if verbose { errors.len() } else { 1 };
    for error in errors.iter().take(shown) {
        for line in essential_lines(&error.rendered, verbose) {
            let (line, _) = cut(line, WIDTH - 2);
            out.push_str(&format!("  {line}\n"));
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

/// A diagnostic without the notes that point into pyo3's own sources, at most 14 lines.
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
    lines.truncate(14);
    lines
}

fn not_started(verdict: &Verdict, out: &mut String) {
    if let Some(Problem::Todo { sites }) = &verdict.problem {
        for site in sites.iter().take(3) {
            out.push_str(&format!(
                "  `{}` is still a todo!() at {}:{}\n",
                site.function, site.file, site.line
            ));
        }
        if sites.len() > 3 {
            out.push_str(&format!("  … and {} more todo!()s\n", sites.len() - 3));
        }
    }
    if let Some(CheckDetails::Tests { passed, total, .. }) =
        verdict.check(CheckName::Tests).map(|c| &c.details)
    {
        out.push_str(&format!("  {passed} of {total} tests pass so far.\n"));
    }
    out.push_str(&format!(
        "  Start with the README: {}/README.md\n",
        verdict.crate_dir
    ));
}

fn crash_details(verdict: &Verdict, out: &mut String) {
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
                    out.push_str(&format!("    {}\n", cut(frame, WIDTH - 4).0));
                }
            } else if !stderr_tail.trim().is_empty() {
                out.push_str("  Last lines the process printed:\n");
                for line in stderr_tail.lines() {
                    out.push_str(&format!("    {}\n", cut(line, WIDTH - 4).0));
                }
            }
            let cause = match signal.as_deref() {
                Some("SIGSEGV") | Some("SIGBUS") => {
                    "Usual cause: a reference released twice or used after it was released \
                     (e.g. Py_DECREF after PyList_SetItem stole it), or a bad pointer in unsafe code."
                }
                Some("SIGABRT") => {
                    "Usual cause: a failed assertion in CPython or a Rust abort (a panic while panicking)."
                }
                _ => {
                    "The test process exited before reporting (sys.exit or os._exit in the code under test?)."
                }
            };
            let options = textwrap::Options::new(WIDTH)
                .initial_indent("  ")
                .subsequent_indent("  ");
            for line in textwrap::wrap(cause, options) {
                out.push_str(&format!("{line}\n"));
            }
        }
        Some(Problem::Timeout { .. }) => {
            out.push_str(
                "  A loop that never ends, or a lock that is never released, is the usual cause.\n",
            );
        }
        _ => {}
    }
}

fn test_failures(verdict: &Verdict, verbose: bool, out: &mut String) {
    let Some(CheckDetails::Tests { failures, .. }) =
        verdict.check(CheckName::Tests).map(|c| &c.details)
    else {
        return;
    };
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
        if !failure.statement.is_empty() {
            for line in failure.statement.lines().take(4) {
                out.push_str(&format!("    {}\n", cut(line, WIDTH - 4).0));
            }
        }
        match &failure.comparison {
            Some(comparison) => {
                out.push('\n');
                out.push_str(&diff::render(comparison, "    ", WIDTH));
            }
            None => out.push_str(&format!(
                "    {}\n",
                paint(BAD, &cut(&failure.summary, WIDTH - 4).0)
            )),
        }
        if verbose && !failure.report.is_empty() {
            out.push_str(&format!("\n{}\n", indent(&failure.report, "    ")));
        }
    }
    if failures.len() > in_full {
        let rest: Vec<&str> = failures[in_full..]
            .iter()
            .map(|failure| failure.name.as_str())
            .collect();
        let (list, _) = cut(&rest.join(", "), WIDTH - 12);
        out.push_str(&format!("\n  Also failed: {list}\n"));
    }
}

/// Leak findings shown without `--verbose`; the rest are counted.
const LEAKS_SHOWN: usize = 4;

fn leak_findings(verdict: &Verdict, verbose: bool, out: &mut String) {
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
    let shown = if verbose { findings.len() } else { LEAKS_SHOWN };
    for finding in findings.iter().take(shown) {
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
        push_wrapped(out, &line, WIDTH);
        if !finding.hint.is_empty() && !hints.contains(&finding.hint.as_str()) {
            hints.push(&finding.hint);
        }
    }
    if findings.len() > shown {
        out.push_str(&format!(
            "  … {} more: cargo xtask check {} --verbose\n",
            findings.len() - shown,
            verdict.exercise
        ));
    }
    for hint in hints {
        push_wrapped(out, &format!("Hint: {hint}"), WIDTH);
    }
}

fn perf_misses(verdict: &Verdict, out: &mut String) {
    let Some(check) = verdict.check(CheckName::Perf) else {
        return;
    };
    let CheckDetails::Perf { cases } = &check.details else {
        return;
    };
    for case in cases.iter().filter(|case| case.status != "passed") {
        // The perf protocol writes a self-contained message (speedup or slowdown, threshold, spread).
        let line = if case.message.is_empty() {
            format!("{}: {}", case.case, case.status)
        } else {
            format!("{}: {}", case.case, case.message)
        };
        push_wrapped(out, &line, WIDTH);
        if let Some(hint) = case.hint.as_deref().filter(|hint| !hint.is_empty()) {
            push_wrapped(out, &format!("Hint: {hint}"), WIDTH);
        }
    }
}

/// The verdict as one JSON object (the contract in DESIGN.md).
pub fn json(verdict: &Verdict) -> String {
    serde_json::to_string_pretty(verdict).expect("a verdict serializes")
}

pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

pub fn status_style(status: Status) -> Style {
    match status {
        Status::Passed => GOOD,
        Status::NotStarted => NEUTRAL,
        _ => BAD,
    }
}

/// `text` word-wrapped to `width` columns: indented by two, continuation lines by four.
fn push_wrapped(out: &mut String, text: &str, width: usize) {
    let options = textwrap::Options::new(width)
        .initial_indent("  ")
        .subsequent_indent("    ");
    for line in textwrap::wrap(text, options) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// At most `columns` characters, with `…` when cut.
pub fn cut(text: &str, columns: usize) -> (String, bool) {
    if text.chars().count() <= columns {
        return (text.to_string(), false);
    }
    let mut taken: String = text.chars().take(columns.saturating_sub(1)).collect();
    taken.push('…');
    (taken, true)
}

/// Word-wrap to `columns` characters.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    textwrap::wrap(text, columns)
        .into_iter()
        .map(|line| line.into_owned())
        .collect()
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn short(nodeid: &str) -> String {
    nodeid.rsplit("::").next().unwrap_or(nodeid).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let lines = wrap("a bb ccc dddd eeeee ffffff", 10);
        assert!(
            lines.iter().all(|line| line.chars().count() <= 10),
            "{lines:?}"
        );
        assert_eq!(lines.join(" "), "a bb ccc dddd eeeee ffffff");
    }

    #[test]
    fn cut_marks_what_it_removed() {
        assert_eq!(cut("abcdef", 4), ("abc…".to_string(), true));
        assert_eq!(cut("abc", 4), ("abc".to_string(), false));
    }
}
