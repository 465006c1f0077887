//! `cargo xtask grade-all`: every exercise of the workspace, as an instructor sees it; with
//! `--submissions DIR`, a class's submissions into a gradebook (see `roster.rs`); with `--shard`,
//! one part of it, and with `--merge`, the one gradebook from the parts (see `shards.rs`).
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use grader::{CheckPlan, Job, Settings, Status, Variant, Workspace};

use crate::output::{self, Format};
use crate::ui::{self, Activity};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("roster").args(["submissions", "merge"])))]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Grade the reference solutions instead of the learner crates.
    #[arg(long, conflicts_with = "submissions")]
    solutions: bool,
    /// A folder of students' submissions (folders, .zip, .tar.gz; optional roster.csv)
    #[arg(long, value_name = "DIR")]
    pub submissions: Option<PathBuf>,
    /// Where the gradebook goes [default: grades/<date-time>/]
    #[arg(long, value_name = "DIR", requires = "roster")]
    pub out: Option<PathBuf>,
    /// Grade shard I of N of the roster (students sorted by id, dealt round-robin); `--shard N`
    /// takes I from $JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job)
    #[arg(long, value_name = "I/N", requires = "submissions")]
    pub shard: Option<String>,
    /// Merge the parts written by `--shard` runs (their --out folders) into one gradebook in --out
    #[arg(long, value_name = "PART", num_args = 1.., requires = "out", conflicts_with_all = ["submissions", "solutions"])]
    pub merge: Vec<PathBuf>,
    /// Also write FILE in Gradescope's results.json format (a roster of one submission)
    #[arg(
        long,
        value_name = "FILE",
        requires = "submissions",
        conflicts_with = "shard"
    )]
    pub gradescope_results: Option<PathBuf>,
    /// Students graded at once, by parallel workers [default: the number of cores; builds and
    /// speed measurements still take turns]
    #[arg(long, value_name = "N", requires = "submissions", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Isolation of each submission's build and tests [default: required]
    #[arg(long, value_enum, requires = "submissions")]
    pub sandbox: Option<super::roster::SandboxMode>,
    /// Forget cached results and grade every submission again.
    #[arg(long, requires = "submissions")]
    pub regrade: bool,
}

pub fn run(args: Args, python: Option<&Path>) -> anyhow::Result<ExitCode> {
    if !args.merge.is_empty() {
        return super::shards::merge(&args);
    }
    if args.submissions.is_some() {
        return super::roster::run(args, python);
    }
    let started = Instant::now();
    let mut activity = match args.format {
        Format::Text => Activity::new(Vec::new()),
        Format::Json => Activity::quiet(),
    };
    let settings = Settings {
        full_tracebacks: false,
        hidden_tests: Some(Workspace::from_env(None).root),
        ..Settings::default()
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
    let reports = super::graded(engine.run(&jobs, &mut activity))?;
    activity.finish();
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
