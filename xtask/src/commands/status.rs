//! `cargo xtask` with no command: where am I, and what to run next.
use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::ui::{FILLED, paint, status_style};
use grader::Status;
use grader::progress::ProgressFile;

const BAR: usize = 40;

pub fn run(_python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let progress = ProgressFile::at(&workspace.root).load();
    let total = catalog.exercises.len();
    let passed = catalog
        .exercises
        .iter()
        .filter(|exercise| progress.passed(&exercise.name()))
        .count();
    let filled = passed * BAR / total.max(1);
    anstream::println!(
        "Progress [{}{}] {passed}/{total} exercises passed",
        paint(FILLED, &"█".repeat(filled)),
        "░".repeat(BAR - filled)
    );
    let Some(current) = catalog
        .exercises
        .iter()
        .find(|exercise| !progress.passed(&exercise.name()))
    else {
        anstream::println!("Every exercise has passed. Well done!");
        anstream::println!(
            "Compare:  cargo xtask solution EXERCISE (the reference, as a diff against yours)"
        );
        anstream::println!("More:     cargo xtask list · cargo xtask --help");
        return Ok(ExitCode::SUCCESS);
    };
    let name = current.name();
    let entry = progress.exercises.get(&name);
    anstream::println!("Current: {name} {} — {}", current.slug, current.title);
    let last = match entry.and_then(|entry| entry.status.map(|status| (entry, status))) {
        None => "not checked yet".to_string(),
        Some((entry, status)) => {
            let style = if entry.fully_passed() {
                status_style(status)
            } else {
                status_style(Status::NotStarted)
            };
            let mut last = paint(style, &entry.label());
            // Other statuses say what went wrong themselves ("build failed", "not started").
            if status == Status::Failed && !entry.failed_checks.is_empty() {
                let failed: Vec<&str> = entry
                    .failed_checks
                    .iter()
                    .map(|key| grader::progress::check_words(key))
                    .collect();
                last.push_str(&format!(" ({} failed)", failed.join(", ")));
            }
            if let Some(ago) = entry.checked_ago(SystemTime::now()) {
                last.push_str(&format!(", {}", super::list::ago(ago)));
            }
            last
        }
    };
    anstream::println!("Last:    {last}");
    let next = match entry.and_then(|entry| entry.status) {
        Some(Status::Passed) => format!("cargo xtask check {name}   (the full check: speed too)"),
        _ => format!("cargo xtask check {name}   (or cargo xtask watch: a check on every save)"),
    };
    anstream::println!("Next:    {next}");
    if entry.and_then(|entry| entry.status).is_none() {
        anstream::println!("Task:    {}/README.md", workspace.display(&current.dir));
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
    anstream::println!("More:    cargo xtask list · {hint} · cargo xtask --help");
    Ok(ExitCode::SUCCESS)
}
