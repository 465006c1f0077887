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
    /// Only the sealed checks: your build against the reference's, answers compared outside
    /// your crate's process, on freshly seeded inputs (what a gradebook counts).
    #[arg(long)]
    sealed: bool,
    /// Replay a sealed run with the seed it printed.
    #[arg(long, value_name = "HEX", requires = "sealed")]
    seed: Option<String>,
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
    if args.sealed {
        return sealed(&engine, index, variant, args.seed.as_deref(), args.format);
    }
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

/// `check --sealed`: build the crate and the reference, run the sealed suite with the workers
/// sandboxed as best this machine allows (a learner's check: limits at least), show the parts.
fn sealed(
    engine: &grader::Engine,
    index: usize,
    variant: Variant,
    seed: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let exercise = &engine.catalog().exercises[index];
    if !super::has_solutions(engine.workspace()) {
        ui::export::no_solutions(ui::sealed::NEEDS_SOLUTIONS);
        return Ok(ExitCode::from(output::GRADER_ERROR));
    }
    if grader::sealed::suite(exercise).is_none() {
        anstream::print!("{}", ui::sealed::no_suite(exercise));
        return Ok(ExitCode::from(output::GRADER_ERROR));
    }
    if let Some(seed) = seed
        && (seed.is_empty() || !seed.chars().all(|c| c.is_ascii_hexdigit()))
    {
        ui::error(&format!("--seed takes hex digits, not `{seed}`"));
        return Ok(ExitCode::from(output::GRADER_ERROR));
    }
    let Some(reference) = engine.build_module(index, Variant::Solution)? else {
        ui::error(&format!(
            "the reference solution of {} does not compile",
            exercise.name()
        ));
        return Ok(ExitCode::from(output::GRADER_ERROR));
    };
    let Some(submission) = (match variant {
        Variant::Solution => Some(reference.clone()),
        Variant::Learner => engine.build_module(index, Variant::Learner)?,
    }) else {
        anstream::println!(
            "{}",
            ui::sealed::does_not_build(exercise, "cargo xtask check")
        );
        return Ok(ExitCode::from(output::NOT_PASSED));
    };
    let seed = seed.map_or_else(grader::sealed::fresh_seed, str::to_string);
    let launcher = super::sandbox_exec::launcher(
        super::roster::SandboxMode::BestEffort,
        exercise.timeout_secs,
    );
    let result = engine
        .sealed(index, &reference, &submission, &launcher, &seed)
        .expect("the suite exists");
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Format::Text => anstream::print!("{}", ui::sealed::text(exercise, &result)),
    }
    Ok(ExitCode::from(if result.passed() {
        output::PASSED
    } else if result.grader_error().is_some() {
        output::GRADER_ERROR
    } else {
        output::NOT_PASSED
    }))
}
