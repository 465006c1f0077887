//! `cargo xtask verify`: the course author's proof that the course is consistent.
//! Every solution passes every check (speed with ≥ 25 % margin, memory within half its limit, the
//! memory check measured, not skipped), every untouched skeleton is `not_started` or `failed`, and
//! every exercise folder is complete.
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use grader::verdict::{CheckDetails, CheckStatus, SpeedCase, mebibytes};
use grader::{
    CheckName, CheckPlan, Exercise, Job, OffReason, Plan, Settings, Status, Variant, Workspace,
};

use crate::output;
use crate::ui::{self, Activity, TextOptions};

/// A solution must beat each threshold by this factor, so a busy machine cannot flip its verdict.
pub const PERF_MARGIN: f64 = 1.25;
/// A solution may take at most this share of each memory limit: the limit must sit well above
/// what zero-copy code takes, not at it.
pub const MEMORY_MARGIN: f64 = 0.5;

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
            problems.extend(memory_problems(exercise, &solution.verdict));
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
        problems.extend(skeleton_problems(exercise, &skeleton.verdict));
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
            .chain(
                solution
                    .into_iter()
                    .flat_map(|solution| memory_margins(&solution.verdict)),
            )
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
    let of_solution = run(reference);
    let of_skeleton = skeleton.module_dir.as_deref().map(run);
    sealed_decision(exercise, &of_solution, of_skeleton.as_ref(), no_perf)
}

/// What `verify` makes of one exercise's sealed results: its line, and the problems (each makes
/// verify fail) — the solution short of any sealed point (speed aside with `--no-perf`), the
/// untouched skeleton earning any.
fn sealed_decision(
    exercise: &Exercise,
    of_solution: &grader::sealed::SealedResult,
    of_skeleton: Option<&grader::sealed::SealedResult>,
    no_perf: bool,
) -> (String, Vec<String>) {
    let speed_max = f64::from(exercise.points.speed);
    // Memory is measured in-process only; the sealed suites do not claim it.
    let max = grader::gradebook::max_points(exercise) - f64::from(exercise.points.memory);
    let (tests, leaks, speed) = grader::sealed::points(exercise, of_solution);
    let solution_points = tests + leaks + speed;
    let needed = if no_perf { max - speed_max } else { max };
    let mut problems = Vec::new();
    if tests + leaks + if no_perf { 0.0 } else { speed } < needed {
        problems.push(format!(
            "{}: the solution does not earn every sealed point:\n{}",
            exercise.name(),
            indent(&ui::sealed::text(exercise, of_solution))
        ));
    }
    let skeleton_points = of_skeleton.map_or(0.0, |result| {
        let (tests, leaks, speed) = grader::sealed::points(exercise, result);
        tests + leaks + speed
    });
    if let Some(result) = of_skeleton.filter(|_| skeleton_points > 0.0) {
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

/// The untouched skeleton must be `not started` or `failed`; `not started`, it must fail only at
/// its `todo!()`s: a learner's first check shows any other failure as their own mistake.
fn skeleton_problems(exercise: &Exercise, verdict: &grader::Verdict) -> Vec<String> {
    if !matches!(verdict.status, Status::NotStarted | Status::Failed) {
        return vec![format!(
            "{}: the untouched skeleton is `{}`; it must be `not started` or `failed`",
            exercise.name(),
            verdict.status.label()
        )];
    }
    let Some(CheckDetails::Tests { failures, .. }) = verdict
        .check(CheckName::Tests)
        .filter(|_| verdict.status == Status::NotStarted)
        .map(|check| &check.details)
    else {
        return Vec::new();
    };
    failures
        .iter()
        .filter(|failure| !failure.reached_todo)
        .map(|failure| {
            format!(
                "{}: the untouched skeleton fails {} without reaching a todo!() ({}): a learner's first check would show it as their mistake",
                exercise.name(),
                failure.name,
                failure.summary
            )
        })
        .collect()
}

/// Where the solution's memory check falls short of proving its limits: it did not run (a
/// skipped check claims nothing, and `verify` wants the proof), or a case takes more than
/// [`MEMORY_MARGIN`] of its limit.
fn memory_problems(exercise: &Exercise, verdict: &grader::Verdict) -> Vec<String> {
    let Some(check) = verdict.check(CheckName::Memory) else {
        return Vec::new();
    };
    if exercise.memory.is_empty() || check.status == CheckStatus::Failed {
        return Vec::new(); // none to prove, or the failed solution is reported already
    }
    let CheckDetails::Memory { cases } = &check.details else {
        return vec![format!(
            "{}: the solution's memory check did not run ({})",
            exercise.name(),
            check.summary
        )];
    };
    let mut problems = Vec::new();
    for case in cases {
        match case.extra_bytes {
            None => problems.push(format!(
                "{}: memory case `{}` was not measured: {}",
                exercise.name(),
                case.case,
                case.message.as_deref().unwrap_or("no reason given")
            )),
            Some(extra) if extra as f64 > MEMORY_MARGIN * case.limit_bytes as f64 => {
                problems.push(format!(
                    "{}: memory case `{}`: the solution takes {} of its {} limit (at most {} % of it): raise max_extra",
                    exercise.name(),
                    case.case,
                    mebibytes(extra),
                    mebibytes(case.limit_bytes),
                    MEMORY_MARGIN * 100.0
                ))
            }
            Some(_) => {}
        }
    }
    problems
}

/// Each measured memory case as `apply_gain 0.0/0.6 MiB` (what the solution took / its limit).
fn memory_margins(verdict: &grader::Verdict) -> Vec<String> {
    match verdict.check(CheckName::Memory).map(|check| &check.details) {
        Some(CheckDetails::Memory { cases }) => cases
            .iter()
            .filter_map(|case| {
                let extra = case.extra_bytes?;
                Some(format!(
                    "{} {}/{}",
                    case.case,
                    mebibytes(extra).trim_end_matches(" MiB"),
                    mebibytes(case.limit_bytes)
                ))
            })
            .collect(),
        _ => Vec::new(),
    }
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

#[cfg(test)]
mod tests {
    use grader::verdict::{CheckResult, MemoryCaseResult, MemoryOutcome};
    use grader::{Catalog, Verdict};

    use super::*;

    fn exercise_with_a_memory_case() -> Exercise {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("exercises/05-media");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("exercise.toml"),
            "id = 5\nslug = \"media\"\ntitle = \"M\"\nmodule = \"m\"\nhints = [\"a\"]\n[[memory]]\nname = \"gain\"\ncall = \"m:gain\"\nsetup = \"b:s\"\ninput_mib = 64\nmax_extra = 0.01\nhint = \"h\"\n",
        )
        .unwrap();
        Catalog::load(root.path()).unwrap().exercises.remove(0)
    }

    fn solution_verdict(status: CheckStatus, extra: Option<u64>) -> Verdict {
        let case = MemoryCaseResult {
            case: "gain".into(),
            status: if extra.is_some() {
                MemoryOutcome::Passed
            } else {
                MemoryOutcome::Skipped
            },
            input_bytes: 64 << 20,
            extra_bytes: extra,
            limit_bytes: 671_088,
            max_extra: 0.01,
            message: extra
                .is_none()
                .then(|| "/proc/self/clear_refs is not writable".into()),
            hint: None,
        };
        Verdict {
            exercise: "exercise-5".into(),
            slug: "media".into(),
            title: "M".into(),
            variant: Variant::Solution,
            status: Status::Passed,
            checks: vec![CheckResult {
                name: CheckName::Memory,
                status,
                summary: String::new(),
                details: CheckDetails::Memory { cases: vec![case] },
            }],
            score: 1.0,
            seconds: 1.0,
            crate_dir: "solutions/05-media".into(),
            problem: None,
        }
    }

    #[test]
    fn a_not_started_skeleton_must_fail_only_at_its_todos() {
        let exercise = exercise_with_a_memory_case();
        let failure = |name: &str, reached_todo: bool| grader::verdict::TestFailure {
            name: name.into(),
            file: "tests/test_m.py".into(),
            line: 3,
            statement: String::new(),
            summary: "AssertionError: 1 != 0".into(),
            comparison: None,
            report: String::new(),
            reached_todo,
        };
        let skeleton = |status: Status, failures: Vec<grader::verdict::TestFailure>| Verdict {
            status,
            variant: Variant::Learner,
            checks: vec![CheckResult {
                name: CheckName::Tests,
                status: CheckStatus::Failed,
                summary: String::new(),
                details: CheckDetails::Tests {
                    passed: 1,
                    total: 3,
                    failures,
                },
            }],
            ..solution_verdict(CheckStatus::Passed, Some(1))
        };
        let clean = skeleton(Status::NotStarted, vec![failure("test_a", true)]);
        assert!(skeleton_problems(&exercise, &clean).is_empty());
        let stray = skeleton(
            Status::NotStarted,
            vec![failure("test_a", true), failure("test_b", false)],
        );
        let problems = skeleton_problems(&exercise, &stray);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .contains("fails test_b without reaching a todo!() (AssertionError: 1 != 0)"),
            "{problems:?}"
        );
        // A `failed` skeleton (one with no todo!() left) may fail anywhere; a pass is never right.
        let failed = skeleton(Status::Failed, vec![failure("test_b", false)]);
        assert!(skeleton_problems(&exercise, &failed).is_empty());
        let passed = skeleton(Status::Passed, Vec::new());
        assert!(
            skeleton_problems(&exercise, &passed)[0]
                .contains("it must be `not started` or `failed`")
        );
    }

    #[test]
    fn a_solution_must_measure_its_memory_cases_within_half_their_limit() {
        let exercise = exercise_with_a_memory_case();
        let clean = solution_verdict(CheckStatus::Passed, Some(8192));
        assert!(memory_problems(&exercise, &clean).is_empty());
        let close = solution_verdict(CheckStatus::Passed, Some(400_000));
        let problems = memory_problems(&exercise, &close);
        assert!(problems[0].contains("raise max_extra"), "{problems:?}");
        let unmeasured = solution_verdict(CheckStatus::Skipped, None);
        let problems = memory_problems(&exercise, &unmeasured);
        assert!(
            problems[0].contains("was not measured: /proc/self/clear_refs"),
            "{problems:?}"
        );
    }

    /// Exercise 1 of the course (leaks on, a speed case: every kind of sealed point).
    fn exercise_1() -> Exercise {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap();
        let mut catalog = Catalog::load(root).unwrap();
        catalog.exercises.remove(catalog.index_of("1").unwrap())
    }

    /// A sealed result with `passed` of 4 correctness cases, and leaks and speed as given.
    fn sealed_result(passed: u64, leaks: bool, speed: bool) -> grader::sealed::SealedResult {
        use grader::sealed::{Part, PartKind, PartStatus, SealedFailure};
        let status = |ok: bool| {
            if ok {
                PartStatus::Passed
            } else {
                PartStatus::Failed
            }
        };
        let part = |kind, ok: bool, cases_passed, cases_total| Part {
            kind,
            status: status(ok),
            summary: format!("{cases_passed} of {cases_total} cases"),
            cases_passed,
            cases_total,
            failures: if ok {
                Vec::new()
            } else {
                vec![SealedFailure {
                    case: "mean".into(),
                    call: "mean([1.0])".into(),
                    expected: "1.0 (float)".into(),
                    actual: "raised PanicException('not yet implemented')".into(),
                    note: String::new(),
                }]
            },
        };
        grader::sealed::SealedResult {
            schema: 1,
            module: "fastmath".into(),
            seconds: 1.0,
            parts: vec![
                part(PartKind::Correctness, passed == 4, passed, 4),
                part(PartKind::Leaks, leaks, u64::from(leaks), 1),
                part(PartKind::Speed, speed, u64::from(speed), 1),
            ],
            worker_crashes: Vec::new(),
            seed: "5eed".into(),
        }
    }

    /// `sealed_decision` over exercise 1 for these results: the line without colour, the problems.
    fn decide(
        solution: &grader::sealed::SealedResult,
        skeleton: &grader::sealed::SealedResult,
        no_perf: bool,
    ) -> (String, Vec<String>) {
        let (line, problems) = sealed_decision(&exercise_1(), solution, Some(skeleton), no_perf);
        (anstream::adapter::strip_str(&line).to_string(), problems)
    }

    #[test]
    fn a_full_solution_and_a_pointless_skeleton_are_no_problem() {
        let (line, problems) = decide(
            &sealed_result(4, true, true),
            &sealed_result(0, true, true),
            false,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            line.contains("sealed: solution 10 of 10 points, skeleton 0"),
            "{line}"
        );
        // Speed is not asked of the solution with `--no-perf`.
        let (_, problems) = decide(
            &sealed_result(4, true, false),
            &sealed_result(0, false, false),
            true,
        );
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn a_solution_short_of_a_sealed_point_is_a_problem() {
        for (solution, no_perf) in [
            (sealed_result(3, true, true), false),
            (sealed_result(4, false, true), false),
            (sealed_result(4, true, false), false),
            (sealed_result(3, true, false), true),
        ] {
            let (_, problems) = decide(&solution, &sealed_result(0, false, false), no_perf);
            assert_eq!(problems.len(), 1, "{solution:?}");
            assert!(
                problems[0]
                    .starts_with("exercise-1: the solution does not earn every sealed point:"),
                "{}",
                problems[0]
            );
            assert!(problems[0].contains("mean([1.0])"), "{}", problems[0]);
        }
    }

    #[test]
    fn a_skeleton_earning_any_sealed_point_is_a_problem() {
        let skeleton = sealed_result(1, false, false);
        let (line, problems) = decide(&sealed_result(4, true, true), &skeleton, false);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("exercise-1: the untouched skeleton earns sealed points:"),
            "{}",
            problems[0]
        );
        assert!(line.contains("skeleton 1.5"), "{line}");
        // Both at once: two problems (verify exits 1 on any problem).
        let (_, problems) = decide(&sealed_result(2, true, true), &skeleton, false);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
