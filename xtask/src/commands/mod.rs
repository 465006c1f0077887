//! One module per command, each with a `run`; what several commands share is below.
pub mod check;
pub mod export;
pub mod grade_all;
pub mod hint;
pub mod list;
pub mod new;
pub mod reset;
pub mod roster;
pub mod sandbox_exec;
pub mod shards;
pub mod solution;
pub mod status;
pub mod test;
pub mod verify;
pub mod watch;

use std::path::Path;

use grader::progress::{Progress, ProgressFile};
use grader::{Catalog, Engine, Outcome, Report, Settings, Workspace};

use crate::ui;

/// The catalog without touching Python (for commands that do not build anything).
pub fn catalog() -> anyhow::Result<(Workspace, Catalog)> {
    let workspace = Workspace::from_env(None);
    let catalog = Catalog::load(&workspace.root)?;
    Ok((workspace, catalog))
}

/// Whether this copy of the course holds the reference solutions (a student edition does not).
pub fn has_solutions(workspace: &Workspace) -> bool {
    workspace.root.join("solutions").is_dir()
}

/// The grading engine of this course, `.venv` set up first (its steps shown by `activity`).
pub fn engine(
    python: Option<&Path>,
    settings: Settings,
    activity: &mut ui::Activity,
) -> anyhow::Result<Engine> {
    let engine = Engine::open(None, python, settings, activity)?;
    activity.finish();
    Ok(engine)
}

/// The reports of jobs nothing stops (no observer of these commands says stop); the first
/// grader failure ends the command.
pub fn graded(outcomes: Vec<Outcome>) -> anyhow::Result<Vec<Report>> {
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Graded(report) => Ok(*report),
            Outcome::Failed(error) => Err(error.into()),
            Outcome::Abandoned => unreachable!("this command's observer never stops a job"),
        })
        .collect()
}

/// The learner's progress, with a note on stderr when part of the file could not be read.
pub fn progress(file: &ProgressFile) -> Progress {
    let progress = file.load();
    if let Some(damage) = &progress.damage {
        ui::note(damage);
    }
    progress
}
