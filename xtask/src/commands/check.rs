//! `cargo xtask check [EXERCISE]`: the learner's main command.
use std::path::Path;
use std::process::ExitCode;

use grader::progress::ProgressFile;
use grader::{CheckPlan, Job, OffReason, Outcome, Plan, Settings, Variant};

use crate::output::{self, Format};
use crate::ui::{self, Activity, TextOptions};

#[derive(clap::Args)]
pub struct Args {
    /// `exercise-3`, `3`, `03` or the slug; default: the first exercise not yet passed.
    exercise: Option<String>,
    /// Check the reference solution instead of your crate.
    #[arg(long)]
    solution: bool,
    /// Skip the reference-leak hunt (a quicker loop while you work).
    #[arg(long)]
    no_leaks: bool,
    /// Skip the speed check (a quicker loop while you work).
    #[arg(long)]
    no_perf: bool,
    /// Every compiler error, every failure in full, the raw build and pytest output.
    #[arg(long, short)]
    verbose: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: Args, python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut activity = match args.format {
        Format::Text => Activity::new(Vec::new()),
        Format::Json => Activity::quiet(),
    };
    let settings = Settings {
        full_tracebacks: args.verbose,
        hidden_tests: None,
        ..Settings::default()
    };
    let engine = super::engine(python, settings, &mut activity)?;
    if args.solution && !super::has_solutions(engine.workspace()) {
        ui::export::no_solutions("`--solution` has nothing to check");
        return Ok(ExitCode::from(output::GRADER_ERROR));
    }
    let catalog = engine.catalog();
    let progress_file = ProgressFile::at(&engine.workspace().root);
    let progress = super::progress(&progress_file);
    let index = match &args.exercise {
        Some(query) => catalog.index_of(query)?,
        None => match progress.current(catalog) {
            Some(exercise) => catalog.index_of(&exercise.name())?,
            None => {
                anstream::println!(
                    "Every exercise has passed. Re-check one with `cargo xtask check exercise-N`."
                );
                return Ok(ExitCode::from(output::PASSED));
            }
        },
    };
    let exercise = &catalog.exercises[index];
    let variant = if args.solution {
        Variant::Solution
    } else {
        Variant::Learner
    };
    let wanted = |skip: bool| {
        if skip {
            Plan::Off(OffReason::Requested)
        } else {
            Plan::Run
        }
    };
    let job = Job {
        exercise: index,
        variant,
        plan: CheckPlan {
            leaks: wanted(args.no_leaks),
            perf: wanted(args.no_perf),
        },
    };
    activity.jobs(vec![format!("{} {}", exercise.name(), exercise.slug)]);
    let outcome = engine.run(&[job], &mut activity).pop();
    activity.finish();
    let report = match outcome {
        Some(Outcome::Graded(report)) => report,
        Some(Outcome::Failed(error)) => return Err(error.into()),
        Some(Outcome::Abandoned) | None => unreachable!("nothing stops a check"),
    };
    let mut progress = progress;
    if variant == Variant::Learner {
        match progress_file.record(&report.verdict) {
            Ok(()) => progress = progress_file.load(),
            Err(error) => ui::note(&format!("could not save progress: {error}")),
        }
    }
    match args.format {
        Format::Json => println!("{}", grader::json(&report.verdict)),
        Format::Text => {
            let shown = progress.hints_shown(&exercise.name());
            let next_hint =
                (shown < exercise.hints.len()).then(|| (shown + 1, exercise.hints.len()));
            let next_exercise = progress
                .next_pending(catalog, index)
                .map(|next| &catalog.exercises[next]);
            let text = ui::verdict::text(
                &report.verdict,
                &TextOptions {
                    verbose: args.verbose,
                    next_hint,
                    next_exercise,
                    build_log: report.build_log.as_deref(),
                    pytest_output: report.pytest_output.as_deref(),
                    ..Default::default()
                },
            );
            anstream::print!("{text}");
        }
    }
    Ok(output::exit_code(&report.verdict))
}
