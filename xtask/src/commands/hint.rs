//! `cargo xtask hint EXERCISE`: one more hint each time.
use std::process::ExitCode;

use grader::progress::ProgressFile;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// `exercise-3`, `3`, `03` or the slug.
    exercise: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let exercise = catalog.find(&args.exercise)?;
    let total = exercise.hints.len();
    let shown = ProgressFile::at(&workspace.root).hint_shown(&exercise.name(), total)?;
    let bold = anstyle::Style::new().bold();
    anstream::println!(
        "{bold}Hint {shown} of {total}{bold:#} for {} {}:",
        exercise.name(),
        exercise.slug
    );
    for line in crate::ui::wrap(&exercise.hints[shown - 1], crate::ui::width() - 2) {
        anstream::println!("  {line}");
    }
    if shown == total {
        anstream::println!(
            "That was the last hint. The README has the whole task: {}/README.md",
            workspace.display(&exercise.dir)
        );
    }
    Ok(ExitCode::from(output::PASSED))
}
