//! `cargo xtask grade-all`: every exercise of the workspace, as an instructor sees it.
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use grader::{Grader, Report, RunOptions, Status, Variant};

use crate::output::{self, Format};
use crate::ui;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Grade the reference solutions instead of the learner crates.
    #[arg(long)]
    solutions: bool,
}

pub fn run(args: Args, python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut grader = Grader::open(None, python)?;
    grader.hidden_tests = true;
    let variant = if args.solutions {
        Variant::Solution
    } else {
        Variant::Learner
    };
    // Leaks and speed always count here; no flag turns them off.
    let reports = grade_every_exercise(
        &grader,
        variant,
        RunOptions {
            leaks: true,
            perf: true,
        },
    )?;
    let passed = reports
        .iter()
        .filter(|report| report.verdict.status == Status::Passed)
        .count();
    match args.format {
        Format::Json => {
            let verdicts: Vec<_> = reports.iter().map(|report| &report.verdict).collect();
            let summary = serde_json::json!({
                "passed": passed,
                "total": reports.len(),
                "seconds": started.elapsed().as_secs_f64(),
                "exercises": verdicts,
            });
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        Format::Text => {
            let verdicts: Vec<_> = reports.iter().map(|report| &report.verdict).collect();
            let seconds = started.elapsed().as_secs_f64();
            let table = ui::tables::grade_all(&verdicts, seconds, &ui::Layout::stdout());
            anstream::print!("{table}");
        }
    }
    Ok(ExitCode::from(if passed == reports.len() {
        output::PASSED
    } else {
        output::NOT_PASSED
    }))
}

/// Build every exercise first, then run them one by one, so no timing overlaps a build.
pub fn grade_every_exercise(
    grader: &Grader,
    variant: Variant,
    options: RunOptions,
) -> anyhow::Result<Vec<Report>> {
    let exercises = &grader.catalog.exercises;
    let bar = ui::progress_bar(exercises.len() as u64 * 2);
    let mut built = Vec::with_capacity(exercises.len());
    for exercise in exercises {
        bar.set_message(format!("building {}", exercise.name()));
        built.push(grader.build(exercise, variant)?);
        bar.inc(1);
    }
    let mut reports = Vec::with_capacity(exercises.len());
    for (exercise, build) in exercises.iter().zip(&built) {
        bar.set_message(format!("checking {}", exercise.name()));
        reports.push(grader.run_built(exercise, variant, build, options)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(reports)
}
