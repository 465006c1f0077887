//! Overviews of many exercises: `list`'s table, `grade-all`'s and `verify`'s rows, and the status
//! screen of `cargo xtask` with no command.
//!
//! In a terminal a cell too long for its column is cut (`…`) so rows fit the window; in a pipe
//! cells keep their whole text and a row may run long.
use std::time::{Duration, SystemTime};

use grader::Catalog;
use grader::CheckName;
use grader::Workspace;
use grader::gradebook::{RowStatus, StudentGrade};
use grader::progress::{ExerciseProgress, Progress};
use grader::{Status, Verdict};

use super::style::{BOLD, FILLED, paint, status_style};
use super::terminal::Layout;
use super::verdict;

/// `list`'s columns (the title's is wider in a pipe when a title is longer).
const NAME: usize = 11;
const TITLE: usize = 30;
const STATUS: usize = 12;
const CHECKED: usize = 12;
/// The status screen's progress bar.
const BAR: usize = 40;

/// Every exercise with its last status, when it was checked and what failed; the first one not
/// passed yet in bold. Also shown by watch mode's `l`.
pub fn list(catalog: &Catalog, progress: &Progress, layout: &Layout) -> String {
    let mut out = String::new();
    let titles = catalog
        .exercises
        .iter()
        .map(|exercise| exercise.title.as_str());
    let title_width = layout.column(titles, TITLE);
    let header = format!(
        "{:<NAME$}  {:<title_width$}  {:<STATUS$}  {:<CHECKED$}  {}",
        "exercise", "title", "status", "last check", "what failed"
    );
    out.push_str(&format!("{}\n", paint(BOLD, &header)));
    let now = SystemTime::now();
    let current = progress.current(catalog);
    for exercise in &catalog.exercises {
        let entry = progress.exercises.get(&exercise.name());
        let status = entry.and_then(|entry| entry.status);
        let label = status.map_or("—", Status::label);
        let styled = match (status, entry) {
            (Some(Status::Passed), Some(entry)) if !entry.fully_passed() => paint(
                status_style(Status::NotStarted),
                &format!("{label:<STATUS$}"),
            ),
            (Some(status), _) => paint(status_style(status), &format!("{label:<STATUS$}")),
            (None, _) => format!("{label:<STATUS$}"),
        };
        let checked = entry
            .and_then(|entry| entry.checked_ago(now))
            .map_or_else(|| "never".into(), ago);
        let title = layout.cell(&exercise.title, title_width);
        let used = NAME + title_width + STATUS + CHECKED + 8;
        let notes = layout.cell(&notes(entry), layout.width.saturating_sub(used));
        let row = format!(
            "{:<NAME$}  {title:<title_width$}  {styled}  {checked:<CHECKED$}  {notes}",
            exercise.name()
        );
        if current.is_some_and(|current| current.id == exercise.id) {
            out.push_str(&paint(BOLD, row.trim_end()));
        } else {
            out.push_str(row.trim_end());
        }
        out.push('\n');
    }
    let passed = progress.passed_count(catalog);
    let next = match current {
        Some(current) => format!("next: cargo xtask check {}", current.name()),
        None => "every exercise is done".into(),
    };
    out.push_str(&format!(
        "{passed} of {} passed · {next}\n",
        catalog.exercises.len()
    ));
    out
}

/// `tests, leak hunt` for what failed; `speed not checked` after a quicker pass.
fn notes(entry: Option<&ExerciseProgress>) -> String {
    let Some(entry) = entry else {
        return String::new();
    };
    if !entry.failed().is_empty() {
        return words(&entry.failed()).join(", ");
    }
    if entry.status == Some(Status::Passed) && !entry.skipped().is_empty() {
        return format!("{} not checked", words(&entry.skipped()).join(", "));
    }
    String::new()
}

/// A check as a learner calls it: `speed`, `leak hunt`.
pub fn check_words(check: CheckName) -> &'static str {
    match check {
        CheckName::Build => "build",
        CheckName::Tests => "tests",
        CheckName::Leaks => "leak hunt",
        CheckName::Memory => "memory",
        CheckName::Perf => "speed",
    }
}

fn words(checks: &[CheckName]) -> Vec<&'static str> {
    checks.iter().map(|check| check_words(*check)).collect()
}

/// The last status as a person reads it: `passed`, `passed (speed not checked)`, `not started`.
pub fn progress_label(entry: &ExerciseProgress) -> String {
    match entry.status {
        None => "not checked yet".into(),
        Some(Status::Passed) if !entry.skipped().is_empty() => {
            format!(
                "passed ({} not checked)",
                words(&entry.skipped()).join(" and ")
            )
        }
        Some(status) => status.label().into(),
    }
}

/// `just now`, `12 min ago`, `3 h ago`, `2 days ago`.
fn ago(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    match seconds {
        0..60 => "just now".into(),
        60..3_600 => format!("{} min ago", seconds / 60),
        3_600..86_400 => format!("{} h ago", seconds / 3_600),
        86_400..172_800 => "yesterday".into(),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// `grade-all`'s table, one verdict a row, then how many passed in how long.
pub fn grade_all(verdicts: &[&Verdict], seconds: f64, layout: &Layout) -> String {
    let rows: Vec<_> = verdicts
        .iter()
        .map(|verdict| (verdict, verdict::table_cells(verdict)))
        .collect();
    let name_width = layout.column(rows.iter().map(|(_, cells)| cells[0].as_str()), 23);
    let mut out = String::new();
    let header = format!(
        "{:<name_width$} {:<14}{:<9}{:<10}{:<21}{}",
        "exercise", "status", "tests", "leaks", "memory", "speed"
    );
    out.push_str(&format!("{}\n", paint(BOLD, &header)));
    for (verdict, [name, tests, leaks, memory, speed]) in rows {
        let name = layout.cell(&name, name_width);
        let status = paint(
            status_style(verdict.status),
            &format!("{:<14}", verdict.status.label()),
        );
        out.push_str(&format!(
            "{name:<name_width$} {status}{tests:<9}{leaks:<10}{memory:<21}{speed}\n"
        ));
    }
    let passed = verdicts
        .iter()
        .filter(|verdict| verdict.status == Status::Passed)
        .count();
    out.push_str(&format!(
        "{passed} of {} passed · {seconds:.0} s\n",
        verdicts.len()
    ));
    out
}

/// The end of `grade-all --submissions`: the rows that are not `graded` with their reasons,
/// how many students per status, the mean, and where the gradebook is.
pub fn roster_summary(rows: &[StudentGrade], seconds: f64, out: &str) -> String {
    let mut text = String::new();
    for row in rows.iter().filter(|row| row.status == RowStatus::Error) {
        text.push_str(&format!(
            "{} {}: {}\n",
            paint(status_style(Status::Error), "error"),
            row.id,
            row.reason.as_deref().unwrap_or("")
        ));
    }
    text.push_str(&format!("{}\n", paint(BOLD, "status      students")));
    for status in [RowStatus::Graded, RowStatus::Missing, RowStatus::Error] {
        let count = rows.iter().filter(|row| row.status == status).count();
        text.push_str(&format!("{:<12}{count}\n", status.key()));
    }
    let graded: Vec<&StudentGrade> = rows
        .iter()
        .filter(|row| row.status == RowStatus::Graded)
        .collect();
    let max = rows.first().map_or(0.0, |row| row.max);
    let mean = if graded.is_empty() {
        0.0
    } else {
        graded.iter().map(|row| row.total).sum::<f64>() / graded.len() as f64
    };
    text.push_str(&format!(
        "{} students · mean {mean:.1} of {max:.0} points over {} graded · {seconds:.0} s · {out}\n",
        rows.len(),
        graded.len()
    ));
    text
}

/// One exercise in `verify`'s summary: both variants' statuses, then the perf and memory margins;
/// `solution` is `None` in a copy without solutions (a student edition).
pub fn verify_row(name: &str, solution: Option<Status>, skeleton: Status, margins: &str) -> String {
    let solution = match solution {
        Some(status) => paint(status_style(status), &format!("{:<12}", status.label())),
        None => format!("{:<12}", "—"),
    };
    format!(
        "{name:<20} solution {solution}  skeleton {}  {}",
        paint(status_style(skeleton), &format!("{:<12}", skeleton.label())),
        if margins.is_empty() {
            String::new()
        } else {
            format!("margins: {margins}")
        }
    )
}

/// `cargo xtask` with no command: how far the learner is, the current exercise, what to run next.
pub fn status(workspace: &Workspace, catalog: &Catalog, progress: &Progress) -> String {
    let mut out = String::new();
    let total = catalog.exercises.len();
    let passed = progress.passed_count(catalog);
    let filled = passed * BAR / total.max(1);
    out.push_str(&format!(
        "Progress [{}{}] {passed}/{total} exercises passed\n",
        paint(FILLED, &"█".repeat(filled)),
        "░".repeat(BAR - filled)
    ));
    let Some(current) = progress.current(catalog) else {
        out.push_str("Every exercise has passed. Well done!\n");
        out.push_str(
            "Compare:  cargo xtask solution EXERCISE (the reference, as a diff against yours)\n",
        );
        out.push_str("More:     cargo xtask list · cargo xtask --help\n");
        return out;
    };
    let name = current.name();
    let entry = progress.exercises.get(&name);
    out.push_str(&format!(
        "Current: {name} {} — {}\n",
        current.slug, current.title
    ));
    let last = match entry.and_then(|entry| entry.status.map(|status| (entry, status))) {
        None => "not checked yet".to_string(),
        Some((entry, status)) => {
            let style = if entry.fully_passed() {
                status_style(status)
            } else {
                status_style(Status::NotStarted)
            };
            let mut last = paint(style, &progress_label(entry));
            // Other statuses say what went wrong themselves ("build failed", "not started").
            if status == Status::Failed && !entry.failed().is_empty() {
                last.push_str(&format!(" ({} failed)", words(&entry.failed()).join(", ")));
            }
            if let Some(elapsed) = entry.checked_ago(SystemTime::now()) {
                last.push_str(&format!(", {}", ago(elapsed)));
            }
            last
        }
    };
    out.push_str(&format!("Last:    {last}\n"));
    let next = match entry.and_then(|entry| entry.status) {
        Some(Status::Passed) => format!("cargo xtask check {name}   (the full check: speed too)"),
        _ => format!("cargo xtask check {name}   (or cargo xtask watch: a check on every save)"),
    };
    out.push_str(&format!("Next:    {next}\n"));
    if entry.and_then(|entry| entry.status).is_none() {
        out.push_str(&format!(
            "Task:    {}/README.md\n",
            workspace.display(&current.dir)
        ));
    }
    let shown = progress.hints_shown(&name);
    let hint = if shown < current.hints.len() {
        format!(
            "cargo xtask hint {name} (hint {} of {})",
            shown + 1,
            current.hints.len()
        )
    } else {
        format!("cargo xtask hint {name}")
    };
    out.push_str(&format!(
        "More:    cargo xtask list · {hint} · cargo xtask --help\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(ago(Duration::from_secs(5)), "just now");
        assert_eq!(ago(Duration::from_secs(12 * 60 + 5)), "12 min ago");
        assert_eq!(ago(Duration::from_secs(3 * 3_600)), "3 h ago");
        assert_eq!(ago(Duration::from_secs(30 * 3_600)), "yesterday");
        assert_eq!(ago(Duration::from_secs(9 * 86_400)), "9 days ago");
    }

    #[test]
    fn notes_name_failed_and_skipped_checks() {
        let failed = ExerciseProgress {
            status: Some(Status::Failed),
            failed_checks: vec!["tests".into(), "leaks".into()],
            ..Default::default()
        };
        assert_eq!(notes(Some(&failed)), "tests, leak hunt");
        let quick = ExerciseProgress {
            status: Some(Status::Passed),
            unchecked: vec!["perf".into()],
            ..Default::default()
        };
        assert_eq!(notes(Some(&quick)), "speed not checked");
        assert_eq!(notes(None), "");
    }
}
