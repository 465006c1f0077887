//! `cargo xtask list`: every exercise with its last status, when it was checked and what failed.
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use grader::progress::{ExerciseProgress, Progress, ProgressFile, check_words};
use grader::{Status, catalog::Catalog};

use crate::ui::{Layout, paint, status_style};

const NAME: usize = 11;
const TITLE: usize = 30;
const STATUS: usize = 12;
const CHECKED: usize = 12;

pub fn run() -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let progress = ProgressFile::at(&workspace.root).load();
    print(&catalog, &progress);
    Ok(ExitCode::SUCCESS)
}

/// The table, also shown by watch mode's `l`.
pub fn print(catalog: &Catalog, progress: &Progress) {
    let bold = anstyle::Style::new().bold();
    let layout = Layout::stdout();
    let titles = catalog
        .exercises
        .iter()
        .map(|exercise| exercise.title.as_str());
    let title_width = layout.column(titles, TITLE);
    let header = format!(
        "{:<NAME$}  {:<title_width$}  {:<STATUS$}  {:<CHECKED$}  {}",
        "exercise", "title", "status", "last check", "what failed"
    );
    anstream::println!("{bold}{header}{bold:#}");
    let now = SystemTime::now();
    let current = catalog
        .exercises
        .iter()
        .find(|exercise| !progress.passed(&exercise.name()));
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
            anstream::println!("{bold}{}{bold:#}", row.trim_end());
        } else {
            anstream::println!("{}", row.trim_end());
        }
    }
    let passed = catalog
        .exercises
        .iter()
        .filter(|exercise| progress.passed(&exercise.name()))
        .count();
    let next = match current {
        Some(current) => format!("next: cargo xtask check {}", current.name()),
        None => "every exercise is done".into(),
    };
    anstream::println!("{passed} of {} passed · {next}", catalog.exercises.len());
}

/// `tests, leak hunt` for what failed; `speed not checked` after a quicker pass.
fn notes(entry: Option<&ExerciseProgress>) -> String {
    let Some(entry) = entry else {
        return String::new();
    };
    if !entry.failed_checks.is_empty() {
        return entry
            .failed_checks
            .iter()
            .map(|key| check_words(key))
            .collect::<Vec<_>>()
            .join(", ");
    }
    if entry.status == Some(Status::Passed) && !entry.unchecked.is_empty() {
        let skipped: Vec<&str> = entry.unchecked.iter().map(|key| check_words(key)).collect();
        return format!("{} not checked", skipped.join(", "));
    }
    String::new()
}

/// `just now`, `12 min ago`, `3 h ago`, `2 days ago`.
pub fn ago(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    match seconds {
        0..60 => "just now".into(),
        60..3_600 => format!("{} min ago", seconds / 60),
        3_600..86_400 => format!("{} h ago", seconds / 3_600),
        86_400..172_800 => "yesterday".into(),
        _ => format!("{} days ago", seconds / 86_400),
    }
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
