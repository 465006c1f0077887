//! `cargo xtask grade-all`: every exercise of the workspace, as an instructor sees it.
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use grader::{CheckPlan, Job, Outcome, Settings, Status, Variant};

use crate::output::{self, Format};
use crate::ui::{self, Activity};

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
    let mut activity = match args.format {
        Format::Text => Activity::new(Vec::new()),
        Format::Json => Activity::quiet(),
    };
    let settings = Settings {
        full_tracebacks: false,
        hidden_tests: true,
    };
    let engine = super::engine(python, settings, &mut activity)?;
    if args.solutions && !super::has_solutions(engine.workspace()) {
        ui::export::no_solutions("`--solutions` has nothing to grade");
        return Ok(ExitCode::from(output::GRADER_ERROR));
    }
    let variant = if args.solutions {
        Variant::Solution
    } else {
        Variant::Learner
    };
    // Leaks and speed always count here; no flag turns them off.
    let jobs: Vec<Job> = (0..engine.catalog().exercises.len())
        .map(|exercise| Job {
            exercise,
            variant,
            plan: CheckPlan::FULL,
        })
        .collect();
    activity.jobs(
        engine
            .catalog()
            .exercises
            .iter()
            .map(|exercise| exercise.name())
            .collect(),
    );
    let outcomes = engine.run(&jobs, &mut activity);
    activity.finish();
    let mut reports = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Outcome::Graded(report) => reports.push(report),
            Outcome::Failed(error) => return Err(error.into()),
            Outcome::Abandoned => unreachable!("nothing stops grade-all"),
        }
    }
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
