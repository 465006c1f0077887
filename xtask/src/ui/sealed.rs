//! Sealed checks as text: one line per part (correctness, leaks, speed) with its points, each
//! disagreement as the call and both answers, crashed workers, the seed to replay the run; and
//! the line a roster or `verify` shows when in-process results and sealed checks disagree.
use grader::Exercise;
use grader::sealed::{PartKind, PartStatus, SealedResult};

use super::feedback::points;
use super::style::{self, paint};

/// A roster graded in a copy of the course without its solutions.
pub const NO_REFERENCE: &str = "this copy of the course has no solutions/: the sealed checks, \
     which compare against the reference, are off, and points are the in-process ones only";

/// `check --sealed` in a copy of the course without its solutions (a student edition).
pub const NEEDS_SOLUTIONS: &str = "`--sealed` cannot run: the sealed checks compare a crate \
     against the reference solutions, which only instructors have (`cargo xtask check` runs the \
     tests, leak hunt and speed check without them)";

/// Disagreements shown per part; the rest are counted.
const FAILURES_SHOWN: usize = 5;

/// Lines of a crashed worker's stderr shown (the end of a traceback).
const CRASH_LINES: usize = 6;

/// What a roster row and feedback say when in-process checks passed that sealed ones failed.
pub const TAMPERING: &str = "in-process results disagree with sealed checks: possible tampering";

fn status_word(status: PartStatus) -> String {
    let style = match status {
        PartStatus::Passed => style::GOOD,
        PartStatus::Skipped => style::DIM,
        PartStatus::Failed | PartStatus::Error => style::BAD,
    };
    paint(style, status.key())
}

/// The sealed result of one exercise: a headline with the sealed points, the parts, the
/// disagreements (call, expected, actual), the crashes and the seed.
pub fn text(exercise: &Exercise, result: &SealedResult) -> String {
    let (tests, leaks, speed) = grader::sealed::points(exercise, result);
    let max = exercise.points;
    let leaks_max = if exercise.leaks.enabled { max.leaks } else { 0 };
    let earned = tests + leaks + speed;
    let possible = f64::from(max.tests + leaks_max + max.speed);
    let mark = if result.passed() {
        paint(style::GOOD, "✔")
    } else {
        paint(style::BAD, "✘")
    };
    let mut out = format!(
        "{mark} {} {} — sealed checks: {} of {} points   {:.1} s\n",
        exercise.name(),
        exercise.slug,
        points(earned),
        points(possible),
        result.seconds
    );
    for part in &result.parts {
        let cases = if part.cases_total > 0 {
            format!(" ({} of {} cases)", part.cases_passed, part.cases_total)
        } else {
            String::new()
        };
        let part_points = match part.kind {
            PartKind::Correctness => tests,
            PartKind::Leaks => leaks,
            PartKind::Speed => speed,
        };
        out.push_str(&format!(
            "  {:<12} {:<8} {} points{cases}  {}\n",
            part.kind.key(),
            status_word(part.status),
            points(part_points),
            part.summary
        ));
        for failure in part.failures.iter().take(FAILURES_SHOWN) {
            out.push_str(&format!("\n    {}\n", paint(style::BOLD, &failure.call)));
            out.push_str(&format!("      reference:  {}\n", failure.expected));
            out.push_str(&format!("      yours:      {}\n", failure.actual));
            if !failure.note.is_empty() {
                out.push_str(&format!("      {}\n", failure.note));
            }
        }
        if part.failures.len() > FAILURES_SHOWN {
            out.push_str(&format!(
                "\n    … and {} more disagreements\n",
                part.failures.len() - FAILURES_SHOWN
            ));
        }
    }
    // One paragraph per side and way of dying: the last lines of the first one's stderr.
    let mut shown: Vec<(&str, Option<i32>)> = Vec::new();
    for crash in &result.worker_crashes {
        let key = (crash.side.as_str(), crash.signal);
        if shown.contains(&key) {
            continue;
        }
        shown.push(key);
        let times = result
            .worker_crashes
            .iter()
            .filter(|other| (other.side.as_str(), other.signal) == key)
            .count();
        let how = crash.signal.map_or_else(
            || "it exited".to_string(),
            |signal| format!("signal {signal}"),
        );
        let times = if times > 1 {
            format!(", {times} times")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "\n  the {} worker crashed ({how}{times})\n",
            crash.side
        ));
        let lines: Vec<&str> = crash.stderr_tail.lines().collect();
        for line in &lines[lines.len().saturating_sub(CRASH_LINES)..] {
            out.push_str(&format!("    {line}\n"));
        }
    }
    if !result.seed.is_empty() {
        out.push_str(&format!(
            "\n  Seed {} (replay: --sealed --seed {})\n",
            result.seed, result.seed
        ));
    }
    out
}

/// An exercise whose course declares no sealed suite.
pub fn no_suite(exercise: &Exercise) -> String {
    format!(
        "{} {} — no sealed suite (tests/{}): nothing sealed to check\n",
        paint(style::DIM, "–"),
        exercise.name(),
        grader::sealed::SUITE_FILE
    )
}

/// The sealed parts that disagree with in-process checks that passed, for a notes column.
pub fn disagreement(kinds: &[PartKind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|kind| kind.key()).collect();
    format!("{TAMPERING} ({})", names.join(", "))
}

/// The crate checked does not compile: nothing sealed can run.
pub fn does_not_build(exercise: &Exercise, check: &str) -> String {
    format!(
        "{} {} — does not compile: no sealed checks ran (`{check} {}` shows the errors)",
        paint(style::BAD, "✘"),
        exercise.name(),
        exercise.id
    )
}

/// The sealed checks as junit.xml's `exercise-N sealed` testcase.
pub fn check_line(result: &SealedResult) -> grader::roster::CheckLine {
    let summary: Vec<String> = result
        .parts
        .iter()
        .map(|part| {
            format!(
                "{} {}: {}",
                part.kind.key(),
                part.status.key(),
                part.summary
            )
        })
        .collect();
    grader::roster::CheckLine {
        check: "sealed".into(),
        status: if result.passed() { "passed" } else { "failed" }.into(),
        summary: summary.join("; "),
    }
}

/// What a student's feedback adds for the sealed checks: the notes, then the sealed text
/// (colours off).
pub fn feedback(exercise: &Exercise, result: &SealedResult, notes: &[String]) -> String {
    let mut out = String::from("\n");
    for note in notes {
        out.push_str(&format!("Note: {note}\n"));
    }
    out.push_str(&text(exercise, result));
    anstream::adapter::strip_str(&out).to_string()
}

/// `verify`'s line under an exercise: the sealed points of its solution and of its skeleton.
pub fn verify_line(solution: f64, max: f64, skeleton: f64, seconds: f64) -> String {
    let style_of = |good: bool| if good { style::GOOD } else { style::BAD };
    format!(
        "  sealed: solution {} of {} points, skeleton {}   {seconds:.1} s",
        paint(style_of(solution >= max), &points(solution)),
        points(max),
        paint(style_of(skeleton == 0.0), &points(skeleton))
    )
}
