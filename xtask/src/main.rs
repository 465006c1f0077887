//! `cargo xtask`: the course's command line. This file only parses and dispatches; each command
//! lives in `commands/` and the grading itself in the `grader` crate.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod book;
mod commands;
mod output;
mod scaffold;
mod ui;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Lesson 19 — CPython internals & C extensions, in Rust: check, grade and verify exercises.",
    after_help = "Start with `cargo xtask check exercise-0`.\nExit codes: 0 passed, 1 not passed, 2 bad usage or a grader error."
)]
struct Cli {
    /// auto (a terminal without NO_COLOR), always or never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, hide_possible_values = true)]
    color: ColorWhen,
    /// Python to build .venv from [default: $COURSE_PYTHON, then python3]
    #[arg(long, global = true, value_name = "PATH")]
    python: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Build an exercise, run its tests, leak and speed checks, and show what to fix.
    Check(commands::check::Args),
    /// Every exercise with its title and last known status.
    List,
    /// Show the next hint for an exercise (one more each time).
    Hint(commands::hint::Args),
    /// Re-check an exercise on every save of its src/ (tests and leak hunt); keys move on.
    Watch(commands::watch::Args),
    /// Put an exercise's src/ back to the skeleton (yours is kept in .course-backups/ first).
    Reset(commands::reset::Args),
    /// Once an exercise has passed: your lib.rs against the reference solution, as a diff.
    Solution(commands::solution::Args),
    /// Grade every exercise of the workspace (instructors): a summary table.
    GradeAll(commands::grade_all::Args),
    /// Prove the course consistent (course authors; CI runs it)
    ///
    /// Every solution passes every check, speed with a 25 % margin; every untouched skeleton
    /// fails cleanly; every exercise.toml is valid and complete.
    Verify(commands::verify::Args),
    /// Generate a new exercise from a typed pure-Python module (course authors, and the capstone)
    ///
    /// A PyO3 skeleton with one todo!() per public function and class, the module kept as the
    /// tests' oracle, property-based differential tests and leak checks, exercise.toml.
    New(commands::new::Args),
    /// Run every test of the project (what CI runs)
    ///
    /// Rust tests (cargo-nextest if installed), `verify`, the grader's Python tests, the
    /// lesson's examples.
    Test,
    /// Hand the course out (instructors): `student` (no solutions, a fresh git repository) or
    /// `classroom` (the same plus a GitHub Classroom autograding workflow).
    Export(commands::export::Args),
    /// Run one program under a sealed worker's sandbox (the sealed runner's launcher).
    #[command(hide = true)]
    SandboxExec(commands::sandbox_exec::Args),
    /// Build the lesson book (installs mdbook if missing); `--serve` serves it locally.
    Book {
        #[arg(long)]
        serve: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let python = cli.python.as_deref();
    if let Some(Command::SandboxExec(args)) = cli.command {
        // The sealed runner ends a worker it gives up on with SIGTERM first: the worker is
        // killed and its run folder removed before we exit as if it had died of the signal.
        let _ = ctrlc::set_handler(|| {
            grader::interrupt();
            std::process::exit(128 + 15);
        });
        return commands::sandbox_exec::run(args).unwrap_or_else(|error| {
            ui::error(&format!("{error:#}"));
            output::GRADER_ERROR.into()
        });
    }
    if !matches!(cli.command, Some(Command::Watch(_))) {
        // Watch reads Ctrl-C as a key and stops its own checks; everywhere else an interrupt
        // (or a SIGTERM or SIGHUP: a scheduler stopping a grading job, a closed terminal) must
        // not leave a test run (its own process group) or a scratch folder behind us.
        let _ = ctrlc::set_handler(|| {
            grader::interrupt();
            std::process::exit(130);
        });
    }
    let result = match cli.command {
        None => commands::status::run(python),
        Some(Command::Check(args)) => commands::check::run(args, python),
        Some(Command::List) => commands::list::run(),
        Some(Command::Hint(args)) => commands::hint::run(args),
        Some(Command::Watch(args)) => commands::watch::run(args, python),
        Some(Command::Reset(args)) => commands::reset::run(args),
        Some(Command::Solution(args)) => commands::solution::run(args),
        Some(Command::GradeAll(args)) => commands::grade_all::run(args, python),
        Some(Command::Verify(args)) => commands::verify::run(args, python),
        Some(Command::New(args)) => commands::new::run(args, python),
        Some(Command::Export(args)) => commands::export::run(args),
        Some(Command::Test) => commands::test::run(python),
        Some(Command::SandboxExec(_)) => unreachable!("dispatched above"),
        Some(Command::Book { serve }) => book::run(&grader::Workspace::from_env(None).root, serve),
    };
    result.unwrap_or_else(|error| {
        ui::error(&format!("{error:#}"));
        output::GRADER_ERROR.into()
    })
}
