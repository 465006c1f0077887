//! `cargo xtask check [EXERCISE]`: the learner's main command.
use std::path::Path;
use std::process::ExitCode;

use grader::progress::ProgressFile;
use grader::{Grader, RunOptions, Variant};

use crate::output::{self, Format};
use crate::ui::{self, TextOptions};

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
    let mut grader = Grader::open(None, python)?;
    grader.full_tracebacks = args.verbose;
    let progress_file = ProgressFile::at(&grader.workspace.root);
    let progress = progress_file.load();
    let exercise = match &args.exercise {
        Some(query) => grader.catalog.find(query)?,
        None => {
            let pending = grader
                .catalog
                .exercises
                .iter()
                .find(|exercise| !progress.passed(&exercise.name()));
            match pending {
                Some(exercise) => exercise,
                None => {
                    anstream::println!(
                        "Every exercise has passed. Re-check one with `cargo xtask check exercise-N`."
                    );
                    return Ok(ExitCode::from(output::PASSED));
                }
            }
        }
    };
    let variant = if args.solution {
        Variant::Solution
    } else {
        Variant::Learner
    };
    let options = RunOptions {
        leaks: !args.no_leaks,
        perf: !args.no_perf,
    };
    let spinner = (args.format == Format::Text)
        .then(|| ui::spinner(format!("checking {} {}", exercise.name(), exercise.slug)));
    let report = grader.check(exercise, variant, options)?;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    if variant == Variant::Learner
        && let Err(error) = progress_file.record(&report.verdict)
    {
        eprintln!("note: could not save progress: {error}");
    }
    match args.format {
        Format::Json => println!("{}", grader::report::json(&report.verdict)),
        Format::Text => {
            let shown = progress.hints_shown(&exercise.name());
            let next_hint =
                (shown < exercise.hints.len()).then(|| (shown + 1, exercise.hints.len()));
            let next_exercise = grader
                .catalog
                .exercises
                .iter()
                .find(|other| other.id > exercise.id);
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
