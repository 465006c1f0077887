//! `cargo xtask` with no command: where am I, and what to run next.
use std::path::Path;
use std::process::ExitCode;

use grader::progress::ProgressFile;

pub fn run(_python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let progress = ProgressFile::at(&workspace.root).load();
    let total = catalog.exercises.len();
    let passed = catalog.exercises.iter().filter(|exercise| progress.passed(&exercise.name())).count();
    let width = 40;
    let filled = passed * width / total.max(1);
    anstream::println!("Progress [{}{}] {passed}/{total} exercises passed", "█".repeat(filled), "░".repeat(width - filled));
    match catalog.exercises.iter().find(|exercise| !progress.passed(&exercise.name())) {
        Some(current) => {
            let status = progress.status(&current.name()).map_or("not checked yet", |status| status.label());
            anstream::println!("Current: {} {} — {} ({status})", current.name(), current.slug, current.title);
            anstream::println!("Next:    cargo xtask check {}", current.name());
        }
        None => anstream::println!("Every exercise has passed."),
    }
    anstream::println!("More:    cargo xtask list · cargo xtask hint EXERCISE · cargo xtask --help");
    Ok(ExitCode::SUCCESS)
}
