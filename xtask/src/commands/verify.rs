//! `cargo xtask verify`: the course author's proof that the course is consistent.
//! Every solution passes every check (speed with ≥ 25 % margin), every untouched skeleton is
//! `not_started` or `failed`, and every exercise folder is complete.
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use grader::verdict::{CheckDetails, SpeedCase};
use grader::{
    CheckName, CheckPlan, Exercise, Job, OffReason, Plan, Settings, Status, Variant, Workspace,
};

use crate::output;
use crate::ui::{self, Activity, TextOptions};

/// A solution must beat each threshold by this factor, so a busy machine cannot flip its verdict.
pub const PERF_MARGIN: f64 = 1.25;

#[derive(clap::Args, Default)]
pub struct Args {
    /// Only these exercises (default: all).
    pub exercises: Vec<String>,
    /// Solutions without the speed check (`cargo xtask test` on the extra Pythons).
    #[arg(long)]
    pub no_perf: bool,
}

pub fn run(args: Args, python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut activity = Activity::new(Vec::new());
    let settings = Settings {
        full_tracebacks: false,
        hidden_tests: Some(Workspace::from_env(None).root),
        ..Settings::default()
    };
    let engine = super::engine(python, settings, &mut activity)?;
    let catalog = engine.catalog();
    let mut selected: Vec<usize> = Vec::new();
    for query in &args.exercises {
        selected.push(catalog.index_of(query)?);
    }
    if selected.is_empty() {
        selected = (0..catalog.exercises.len()).collect();
    }
    // A student edition (no solutions/) proves its skeletons only.
    let with_solutions = super::has_solutions(engine.workspace());
    if !with_solutions {
        ui::note(ui::export::VERIFY_SKELETONS_ONLY);
    }
    let mut problems: Vec<String> = Vec::new();
    for &index in &selected {
        problems.extend(completeness_problems(
            engine.workspace(),
            &catalog.exercises[index],
            with_solutions,
        ));
    }
    // Per exercise: the solution with every check, then the untouched skeleton's tests alone.
    let skeleton_plan = CheckPlan {
        leaks: Plan::Off(OffReason::Skeleton),
        perf: Plan::Off(OffReason::Skeleton),
    };
    let mut jobs = Vec::new();
    let mut names = Vec::new();
    for &index in &selected {
        let name = catalog.exercises[index].name();
        if with_solutions {
            jobs.push(Job {
                exercise: index,
                variant: Variant::Solution,
                plan: CheckPlan {
                    perf: if args.no_perf {
                        Plan::Off(OffReason::Requested)
                    } else {
                        Plan::Run
                    },
                    ..CheckPlan::FULL
                },
            });
            names.push(format!("{name} solution"));
        }
        jobs.push(Job {
            exercise: index,
            variant: Variant::Learner,
            plan: skeleton_plan,
        });
        names.push(format!("{name} skeleton"));
    }
    activity.jobs(names);
    let reports = super::graded(engine.run(&jobs, &mut activity))?;
    activity.finish();
    let per_exercise = if with_solutions { 2 } else { 1 };
    let mut lines = Vec::new();
    for (&index, reports) in selected.iter().zip(reports.chunks(per_exercise)) {
        let exercise = &catalog.exercises[index];
        let (solution, skeleton) = match reports {
            [solution, skeleton] => (Some(solution), skeleton),
            [skeleton] => (None, skeleton),
            _ => unreachable!("one or two jobs per exercise"),
        };
        let solution_status = solution.map(|solution| solution.verdict.status);
        let mut margins = Vec::new();
        if let Some(solution) = solution {
            let solution_status = solution.verdict.status;
            if solution_status != Status::Passed {
                problems.push(format!(
                    "{}: the solution is `{}`, not `passed`:\n{}",
                    exercise.name(),
                    solution_status.label(),
                    indent(&ui::verdict::text(
                        &solution.verdict,
                        &TextOptions::default()
                    ))
                ));
            }
            margins = perf_margins(&solution.verdict);
        }
        for (case, margin) in &margins {
            if *margin < PERF_MARGIN {
                problems.push(format!(
                    "{}: perf case `{}` clears its threshold by only {:.2}× (needs ≥ {PERF_MARGIN}×): lower min_speedup",
                    exercise.name(),
                    case.case,
                    margin
                ));
            }
        }
        let skeleton_status = skeleton.verdict.status;
        if !matches!(skeleton_status, Status::NotStarted | Status::Failed) {
            problems.push(format!(
                "{}: the untouched skeleton is `{}`; it must be `not started` or `failed`",
                exercise.name(),
                skeleton_status.label()
            ));
        }
        let margin_text = margins
            .iter()
            .map(|(case, margin)| {
                format!(
                    "{} {:.1}×/{}× = {:.2}",
                    case.case,
                    case.speedup.unwrap_or(0.0),
                    case.threshold,
                    margin
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(ui::tables::verify_row(
            &format!("{} {}", exercise.name(), exercise.slug),
            solution_status,
            skeleton_status,
            &margin_text,
        ));
        if let Some(solution) = solution {
            let (line, found) = sealed(&engine, index, solution, skeleton, args.no_perf);
            if !line.is_empty() {
                lines.push(line);
            }
            problems.extend(found);
        }
    }
    for line in &lines {
        anstream::println!("{line}");
    }
    let seconds = started.elapsed().as_secs_f64();
    if problems.is_empty() {
        anstream::println!(
            "verify: {} exercises consistent · {seconds:.0} s",
            selected.len()
        );
        Ok(ExitCode::from(output::PASSED))
    } else {
        for problem in &problems {
            ui::error(problem);
        }
        anstream::println!(
            "verify: {} problem(s) in {} exercises · {seconds:.0} s",
            problems.len(),
            selected.len()
        );
        Ok(ExitCode::from(output::NOT_PASSED))
    }
}

/// The sealed suite of one exercise against its solution (every point; speed aside with
/// `--no-perf`) and its untouched skeleton (no point): the line to show and the problems found.
/// An exercise without a suite gets a line saying so.
fn sealed(
    engine: &grader::Engine,
    index: usize,
    solution: &grader::Report,
    skeleton: &grader::Report,
    no_perf: bool,
) -> (String, Vec<String>) {
    let exercise = &engine.catalog().exercises[index];
    if grader::sealed::suite(exercise).is_none() {
        return (
            ui::sealed::no_suite(exercise).trim_end().to_string(),
            Vec::new(),
        );
    }
    let Some(reference) = solution.module_dir.as_deref() else {
        // The solution did not build: already a problem.
        return (String::new(), Vec::new());
    };
    let launcher = super::sandbox_exec::launcher(
        super::roster::SandboxMode::BestEffort,
        exercise.timeout_secs,
    );
    let seed = grader::sealed::fresh_seed();
    let run = |submission: &Path| {
        engine
            .sealed(index, reference, submission, &launcher, &seed)
            .expect("the suite exists")
    };
    let max = grader::gradebook::max_points(exercise);
    let speed_max = f64::from(exercise.points.speed);
    let of_solution = run(reference);
    let (tests, leaks, speed) = grader::sealed::points(exercise, &of_solution);
    let solution_points = tests + leaks + speed;
    let needed = if no_perf { max - speed_max } else { max };
    let mut problems = Vec::new();
    if tests + leaks + if no_perf { 0.0 } else { speed } < needed {
        problems.push(format!(
            "{}: the solution does not earn every sealed point:\n{}",
            exercise.name(),
            indent(&ui::sealed::text(exercise, &of_solution))
        ));
    }
    let of_skeleton = skeleton.module_dir.as_deref().map(run);
    let skeleton_points = of_skeleton.as_ref().map_or(0.0, |result| {
        let (tests, leaks, speed) = grader::sealed::points(exercise, result);
        tests + leaks + speed
    });
    if let Some(result) = of_skeleton.as_ref().filter(|_| skeleton_points > 0.0) {
        problems.push(format!(
            "{}: the untouched skeleton earns sealed points:\n{}",
            exercise.name(),
            indent(&ui::sealed::text(exercise, result))
        ));
    }
    let line = ui::sealed::verify_line(
        solution_points,
        max,
        skeleton_points,
        of_solution.seconds + of_skeleton.map_or(0.0, |result| result.seconds),
    );
    (line, problems)
}

/// Each perf case with `speedup / threshold`.
fn perf_margins(verdict: &grader::Verdict) -> Vec<(SpeedCase, f64)> {
    match verdict.check(CheckName::Perf).map(|check| &check.details) {
        Some(CheckDetails::Perf { cases }) => cases
            .iter()
            .map(|case| (case.clone(), case.speedup.unwrap_or(0.0) / case.threshold))
            .collect(),
        _ => Vec::new(),
    }
}

/// Files and settings an exercise must have beyond a valid `exercise.toml` (the reference crate's
/// only `with_solutions`).
pub fn completeness_problems(
    workspace: &Workspace,
    exercise: &Exercise,
    with_solutions: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let name = exercise.name();
    let mut require = |path: &Path, what: &str| {
        if !path.exists() {
            problems.push(format!(
                "{name}: {what} is missing ({})",
                workspace.display(path)
            ));
        }
    };
    require(&exercise.dir.join("README.md"), "the task description");
    require(&exercise.dir.join("src/lib.rs"), "the skeleton");
    require(
        &exercise.dir.join("pyproject.toml"),
        "the learner's pyproject.toml",
    );
    if with_solutions {
        require(
            &exercise.solution_dir.join("src/lib.rs"),
            "the reference solution",
        );
        require(
            &exercise.solution_dir.join("pyproject.toml"),
            "the solution's pyproject.toml",
        );
    }
    let has_tests = std::fs::read_dir(exercise.tests_dir()).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            file.starts_with("test_") && file.ends_with(".py")
        })
    });
    if !has_tests {
        problems.push(format!("{name}: no tests/test_*.py"));
    }
    if !(2..=12).contains(&exercise.hints.len()) {
        problems.push(format!(
            "{name}: has {} hints; give 2–3 per part",
            exercise.hints.len()
        ));
    }
    let dirs = if with_solutions {
        vec![&exercise.dir, &exercise.solution_dir]
    } else {
        vec![&exercise.dir]
    };
    for dir in dirs {
        match module_name(&dir.join("pyproject.toml")) {
            Some(module) if module == exercise.module => {}
            Some(module) => problems.push(format!(
                "{name}: {} builds module `{module}` but exercise.toml says `{}`",
                workspace.display(dir),
                exercise.module
            )),
            None if dir.join("pyproject.toml").exists() => problems.push(format!(
                "{name}: {}/pyproject.toml has no [tool.maturin] module-name",
                workspace.display(dir)
            )),
            None => {}
        }
    }
    problems
}

fn module_name(pyproject: &Path) -> Option<String> {
    let text = std::fs::read_to_string(pyproject).ok()?;
    let value: toml::Table = toml::from_str(&text).ok()?;
    value
        .get("tool")?
        .get("maturin")?
        .get("module-name")?
        .as_str()
        .map(str::to_string)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
