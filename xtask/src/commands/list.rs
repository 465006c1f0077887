//! `cargo xtask list`: every exercise with its title and last known status.
use std::process::ExitCode;

use grader::progress::ProgressFile;
use grader::render::{paint, status_style};

pub fn run() -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let progress = ProgressFile::at(&workspace.root).load();
    let bold = anstyle::Style::new().bold();
    anstream::println!("{bold}{:<14} {:<28} {:<14} {:<22} {}{bold:#}", "exercise", "title", "status", "last checked", "failed checks");
    for exercise in &catalog.exercises {
        let entry = progress.exercises.get(&exercise.name());
        let status = entry.and_then(|entry| entry.status);
        let label = status.map_or("—", |status| status.label());
        let styled = match status {
            Some(status) => paint(status_style(status), &format!("{label:<14}")),
            None => format!("{label:<14}"),
        };
        let checked = entry.and_then(|entry| entry.checked_at.clone()).unwrap_or_else(|| "never".into());
        let failed = entry.map(|entry| entry.failed_checks.join(", ")).unwrap_or_default();
        let title = grader::render::cut(&exercise.title, 28).0;
        anstream::println!("{:<14} {title:<28} {styled} {checked:<22} {failed}", exercise.name());
    }
    Ok(ExitCode::SUCCESS)
}
