//! `cargo xtask export student|classroom DIR` and `export gradescope FILE.zip`: the course as
//! instructors hand it out. `student` (export/student.rs) is the course without anything meant for
//! instructors, as a fresh git repository; `classroom` (export/classroom.rs) adds a GitHub
//! Classroom autograding workflow; `gradescope` (export/gradescope.rs) is the autograder zip.
mod classroom;
mod gradescope;
mod student;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::output;
use crate::ui;

#[derive(clap::Args)]
pub struct Args {
    /// What to make.
    #[arg(value_enum)]
    kind: Kind,
    /// A new (or empty) folder to create it in; for `gradescope`, a new FILE.zip.
    dir: PathBuf,
}

/// `export`'s editions.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// The course without solutions, hidden tests or instructor tooling, as a fresh repository.
    Student,
    /// The student edition plus `.github/workflows/classroom.yml` (GitHub Classroom autograding).
    Classroom,
    /// Gradescope's autograder: setup.sh, run_autograder and the whole course, as FILE.zip.
    Gradescope,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    if matches!(args.kind, Kind::Gradescope) {
        return match gradescope::export(&workspace, &args.dir) {
            Ok(files) => {
                note_uncommitted(&student::uncommitted(&workspace.root));
                ui::export::gradescope(&args.dir, files);
                Ok(ExitCode::from(output::PASSED))
            }
            Err(error) => {
                ui::error(&format!("{error:#}"));
                Ok(ExitCode::from(output::GRADER_ERROR))
            }
        };
    }
    let extra = match args.kind {
        Kind::Student | Kind::Gradescope => Vec::new(),
        Kind::Classroom => vec![(
            PathBuf::from(classroom::WORKFLOW_PATH),
            classroom::workflow(&catalog).into_bytes(),
        )],
    };
    let edition = match student::export(&workspace, &args.dir, extra) {
        Ok(edition) => edition,
        Err(error) => {
            ui::error(&format!("{error:#}"));
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    note_uncommitted(&edition.uncommitted);
    let (kind, next) = match args.kind {
        Kind::Student => (
            "student",
            vec![
                "Students clone it and start with: cargo xtask check exercise-0".to_string(),
                "Push it to a new repository of your own; nothing of the solutions is in it."
                    .to_string(),
            ],
        ),
        Kind::Gradescope => unreachable!("exported above"),
        Kind::Classroom => (
            "GitHub Classroom",
            vec![
                format!(
                    "Autograding: {} (one step per exercise and check, {} points in all).",
                    classroom::WORKFLOW_PATH,
                    catalog
                        .exercises
                        .iter()
                        .map(|exercise| exercise.points.total())
                        .sum::<u32>()
                ),
                "Push it as a template repository and use it as an assignment's starter code."
                    .to_string(),
            ],
        ),
    };
    ui::export::exported(kind, &args.dir, edition.files, &next);
    Ok(ExitCode::from(output::PASSED))
}

/// Exports take what is committed: say what is not.
fn note_uncommitted(uncommitted: &[String]) {
    if !uncommitted.is_empty() {
        ui::note(&format!(
            "exported what is committed (HEAD); not included, as they are not committed: {}",
            uncommitted.join(", ")
        ));
    }
}
