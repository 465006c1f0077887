//! `cargo xtask grade-all --submissions DIR`: a class's submissions into a gradebook. Each
//! student's sources are taken from the submission (grader::roster), laid over a pristine copy of
//! the course and graded by the one engine with every check and the hidden tests; results are
//! cached by what was taken, so a rerun grades only what changed, and the outputs are rewritten
//! after every student, so an interrupt keeps what finished.
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use fs_err as fs;
use grader::gradebook::{self, Cache, RowStatus, StudentGrade};
use grader::roster::{self, CheckLine, Entry, ExerciseGrade, Slot, Student};
use grader::{Catalog, Exercise, InForce, Outcome, Sandbox, Sandboxes, Workspace};

use super::grade_all::Args;
use crate::output::{self, Format};
use crate::ui::{self, RosterActivity, WorkerActivity};

/// `--sandbox`
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxMode {
    /// Refuse to grade unless every protection is in force.
    Required,
    /// Grade with whatever protections the machine offers, and record which.
    BestEffort,
    /// No isolation: only for code you trust.
    Off,
}

impl SandboxMode {
    /// The grader's mode of the same name.
    pub fn grader_mode(self) -> grader::SandboxMode {
        match self {
            Self::Required => grader::SandboxMode::Required,
            Self::BestEffort => grader::SandboxMode::BestEffort,
            Self::Off => grader::SandboxMode::Off,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::BestEffort => "best-effort",
            Self::Off => "off",
        }
    }
}

pub fn run(args: Args, python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let submissions = args
        .submissions
        .clone()
        .expect("only called with --submissions");
    let sandbox = args.sandbox.unwrap_or(SandboxMode::Required);
    let course = Workspace::from_env(None);
    let catalog = Catalog::load(&course.root)?;
    let (sandboxes, in_force) = match sandboxes(sandbox, &course, &catalog) {
        Ok(planned) => planned,
        Err(error) => {
            ui::error(&error.to_string());
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let roster = match roster::students(&submissions) {
        Ok(students) => students,
        Err(error) => {
            ui::error(&error.to_string());
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let shard = match super::shards::shard(&args) {
        Ok(shard) => shard,
        Err(message) => {
            ui::error(&message);
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    if args.gradescope_results.is_some() && roster.len() != 1 {
        ui::error(&format!(
            "--gradescope-results grades one submission; {} holds {}",
            submissions.display(),
            roster.len()
        ));
        return Ok(ExitCode::from(output::GRADER_ERROR));
    }
    let students: Vec<&Student> = match shard {
        Some(shard) => shard
            .select(&roster)
            .into_iter()
            .map(|(_, student)| student)
            .collect(),
        None => roster.iter().collect(),
    };
    let sealed = match SealedSetup::prepare(&course, &catalog, python, sandbox) {
        Ok(sealed) => sealed,
        Err(error) => {
            ui::error(&format!("{error:#}"));
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let out = args.out.clone().unwrap_or_else(default_out);
    fs::create_dir_all(out.join("feedback"))?;
    let grader_dir = course.target_dir.join("grader");
    let cache = Cache::new(grader_dir.join("roster-cache"));
    if args.regrade {
        cache.clear()?;
    }
    let tool = std::env::current_exe()
        .and_then(|exe| roster::file_digest(&exe))
        .unwrap_or_default();
    let course_digest = roster::course_digest(&course, &catalog);
    let mut part = shard.map(|shard| super::shards::part(shard, &roster, &course_digest));
    if let Some(part) = &part {
        part.write(&out)?;
    }
    let exercise_names: Vec<String> = catalog.exercises.iter().map(Exercise::name).collect();
    let course_max: f64 = catalog.exercises.iter().map(gradebook::max_points).sum();
    let in_force: Vec<&str> = in_force
        .protections
        .iter()
        .map(|protection| protection.name())
        .collect();
    let outputs = Outputs {
        dir: out.clone(),
        exercises: catalog.exercises.clone(),
        sandbox: serde_json::json!({ "mode": sandbox.key(), "in_force": in_force }),
    };
    let workers = args
        .jobs
        .map(|jobs| jobs as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .min(students.len())
        .max(1);
    let activity = match args.format {
        Format::Text => Some(RosterActivity::new(students.len() as u64, workers)),
        Format::Json => None,
    };
    let context = GradeContext {
        course: &course,
        catalog: &catalog,
        cache: &cache,
        tool: &tool,
        course_digest: &course_digest,
        course_max,
        python,
        sandboxes: sandboxes.as_ref(),
        sealed: sealed.as_ref(),
    };
    let rows = grade_in_parallel(
        &context,
        &students,
        workers,
        activity.as_ref(),
        &exercise_names,
        &outputs,
    )?;
    if let Some(activity) = activity {
        activity.finish();
    }
    let seconds = started.elapsed().as_secs_f64();
    if let Some(part) = part.as_mut() {
        part.finished = true;
        part.write(&out)?;
    }
    if let (Some(path), Some(row)) = (&args.gradescope_results, rows.first()) {
        let results = grader::gradescope::results(
            row,
            &catalog.exercises,
            &ui::feedback::markdown(row),
            seconds,
        );
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, serde_json::to_string_pretty(&results)?)?;
    }
    match args.format {
        Format::Text => {
            let summary = ui::tables::roster_summary(
                &rows,
                seconds,
                &out.join("gradebook.csv").display().to_string(),
            );
            anstream::print!("{summary}");
        }
        Format::Json => {
            let count = |status| rows.iter().filter(|row| row.status == status).count();
            let graded: Vec<f64> = rows
                .iter()
                .filter(|row| row.status == RowStatus::Graded)
                .map(|row| row.total)
                .collect();
            let summary = serde_json::json!({
                "students": rows.len(),
                "graded": count(RowStatus::Graded),
                "missing": count(RowStatus::Missing),
                "error": count(RowStatus::Error),
                "mean": if graded.is_empty() { 0.0 } else { graded.iter().sum::<f64>() / graded.len() as f64 },
                "max": course_max,
                "seconds": seconds,
                "out": out,
                "sandbox": sandbox.key(),
            });
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
    }
    let errors = rows.iter().any(|row| row.status == RowStatus::Error);
    Ok(ExitCode::from(if errors {
        output::NOT_PASSED
    } else {
        output::PASSED
    }))
}

/// Grade every student with `workers` parallel workers, each with a slot of its own: a worker takes
/// the next student not yet taken. Builds of different submissions overlap with each other's test
/// runs; the engine's locks keep builds one at a time and every speed measurement alone. The
/// outputs are rewritten, in the roster's order, as each student finishes, so an interrupt keeps
/// what finished. Rows come back in the roster's order.
fn grade_in_parallel(
    context: &GradeContext<'_>,
    students: &[&Student],
    workers: usize,
    activity: Option<&RosterActivity>,
    exercise_names: &[String],
    outputs: &Outputs,
) -> anyhow::Result<Vec<StudentGrade>> {
    let next = AtomicUsize::new(0);
    let mut rows: Vec<Option<StudentGrade>> = vec![None; students.len()];
    let mut failed: Option<anyhow::Error> = None;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel::<(usize, StudentGrade)>();
        for worker in 0..workers {
            let sender = sender.clone();
            let next = &next;
            let mut observer =
                activity.map(|activity| activity.worker(worker, exercise_names.to_vec()));
            scope.spawn(move || {
                let mut slot: Option<Slot> = None;
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(student) = students.get(index) else {
                        break;
                    };
                    if let Some(observer) = observer.as_mut() {
                        observer.start(&student.id);
                    }
                    let row = grade_student(context, student, worker, &mut slot, observer.as_mut());
                    if let Some(observer) = observer.as_mut() {
                        observer.idle();
                    }
                    if sender.send((index, row)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for (index, row) in receiver {
            // Cached results, missing and unreadable submissions cost next to nothing.
            let afresh = row.status == RowStatus::Graded && !row.cached;
            rows[index] = Some(row);
            if failed.is_none() {
                let done: Vec<StudentGrade> = rows.iter().flatten().cloned().collect();
                if let Err(error) = outputs.write(&done, rows[index].as_ref().expect("just set")) {
                    // No student more: the outputs cannot be kept.
                    next.store(students.len(), Ordering::SeqCst);
                    failed = Some(error);
                }
            }
            if let Some(activity) = activity {
                activity.done(afresh);
            }
        }
    });
    if let Some(error) = failed {
        return Err(error);
    }
    Ok(rows.into_iter().flatten().collect())
}

/// The sandboxes of a roster's builds and test runs, and what they will enforce on this machine
/// (an error when `required` cannot be met: it says what is missing and how to enable it).
///
/// Builds may write the shared target/ (the slot and the module folders live there; rustc runs
/// no submitted code: a submission's build.rs and manifests are never taken) but cannot read the
/// reference solutions, hidden tests included, so `include_str!` of them fails. Test runs execute
/// the submission's native code: they write nothing of ours, and they may read the hidden tests
/// but not the reference sources.
fn sandboxes(
    mode: SandboxMode,
    course: &Workspace,
    catalog: &Catalog,
) -> Result<(Option<Sandboxes>, InForce), grader::SandboxError> {
    let mode = mode.grader_mode();
    let base = Sandbox::new(mode)
        .toolchain(&course.venv)
        .read_only(&course.root)
        .read_only(&course.python_support);
    let build = base
        .clone()
        .writable(&course.target_dir)
        .hidden(course.root.join("solutions"));
    let mut tests = base.read_only(&course.target_dir);
    for exercise in &catalog.exercises {
        tests = tests.hidden(exercise.solution_dir.join("src"));
    }
    let in_force = build.plan()?;
    if mode == grader::SandboxMode::Off {
        return Ok((None, in_force));
    }
    Ok((
        Some(Sandboxes {
            build: Arc::new(build),
            tests: Arc::new(tests),
        }),
        in_force,
    ))
}

/// `grades/<date>T<time>` in the current folder.
fn default_out() -> PathBuf {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    PathBuf::from("grades").join(now.trim_end_matches('Z').replace(':', "-"))
}

struct GradeContext<'a> {
    course: &'a Workspace,
    catalog: &'a Catalog,
    cache: &'a Cache,
    tool: &'a str,
    course_digest: &'a str,
    course_max: f64,
    python: Option<&'a Path>,
    sandboxes: Option<&'a Sandboxes>,
    sealed: Option<&'a SealedSetup>,
}

/// What the sealed checks of a roster run share: the course's engine (its `.venv`, its suites),
/// the reference solutions built once, the run's secret seed and how workers are sandboxed.
struct SealedSetup {
    engine: grader::Engine,
    references: Vec<Option<PathBuf>>,
    seed: String,
    mode: SandboxMode,
}

impl SealedSetup {
    /// Build the reference of every exercise that has a sealed suite; `None` when the course has
    /// no solutions or no suites (then points are the in-process ones, as before).
    fn prepare(
        course: &Workspace,
        catalog: &Catalog,
        python: Option<&Path>,
        mode: SandboxMode,
    ) -> anyhow::Result<Option<Self>> {
        let suites = catalog
            .exercises
            .iter()
            .any(|exercise| grader::sealed::suite(exercise).is_some());
        if !suites {
            return Ok(None);
        }
        if !super::has_solutions(course) {
            ui::note(ui::sealed::NO_REFERENCE);
            return Ok(None);
        }
        let engine = grader::Engine::open(
            Some(course.root.clone()),
            python,
            grader::Settings::default(),
            &mut grader::Quiet,
        )?;
        let mut references = Vec::with_capacity(catalog.exercises.len());
        for (index, exercise) in catalog.exercises.iter().enumerate() {
            if grader::sealed::suite(exercise).is_none() {
                references.push(None);
                continue;
            }
            match engine.build_module(index, grader::Variant::Solution)? {
                Some(dir) => references.push(Some(dir)),
                None => anyhow::bail!(
                    "the reference solution of {} does not compile: the sealed checks have \
                     nothing to compare with",
                    exercise.name()
                ),
            }
        }
        Ok(Some(Self {
            engine,
            references,
            seed: grader::sealed::fresh_seed(),
            mode,
        }))
    }

    /// Whether the sealed checks time `exercise`'s speed: then it is not timed in-process too.
    fn times_speed(exercise: &Exercise) -> bool {
        !exercise.perf.is_empty() && grader::sealed::suite(exercise).is_some()
    }

    /// The sealed checks of one exercise of the slot, if it has a suite and the crate built.
    fn check(
        &self,
        index: usize,
        submission: Option<&Path>,
    ) -> Option<grader::sealed::SealedResult> {
        let reference = self.references.get(index)?.as_deref()?;
        let submission = submission?;
        let seconds = self.engine.catalog().exercises[index].timeout_secs;
        let launcher = super::sandbox_exec::launcher(self.mode, seconds);
        self.engine
            .sealed(index, reference, submission, &launcher, &self.seed)
    }
}

/// One student's row; never an `Err`: whatever goes wrong is the row's `error`.
fn grade_student(
    context: &GradeContext<'_>,
    student: &Student,
    worker: usize,
    slot: &mut Option<Slot>,
    activity: Option<&mut WorkerActivity>,
) -> StudentGrade {
    let mut row = StudentGrade {
        id: student.id.clone(),
        name: student.name.clone(),
        email: student.email.clone(),
        status: RowStatus::Error,
        reason: None,
        not_graded: Vec::new(),
        exercises: Vec::new(),
        total: 0.0,
        max: context.course_max,
        cached: false,
    };
    if matches!(student.entry, Entry::Missing) {
        row.status = RowStatus::Missing;
        row.reason = Some("nothing was submitted".into());
        return row;
    }
    let staging = match grader::Scratch::new("submission-") {
        Ok(staging) => staging,
        Err(error) => {
            row.reason = Some(format!("cannot make a scratch folder: {error}"));
            return row;
        }
    };
    let taken = match roster::take(
        context.course,
        context.catalog,
        student,
        &staging.path().join("unpacked"),
    ) {
        Ok(taken) => taken,
        Err(reason) => {
            row.reason = Some(reason);
            return row;
        }
    };
    drop(staging);
    row.not_graded = taken.not_graded.clone();
    let key = roster::cache_key(&taken, context.course_digest, context.tool);
    let exercises = match context.cache.load(&key) {
        Some(exercises) => {
            row.cached = true;
            exercises
        }
        None => match grade_taken(context, &taken, worker, slot, activity) {
            Ok(exercises) => {
                if let Err(error) = context.cache.store(&key, &exercises) {
                    ui::note(&format!(
                        "{}: the result was not cached: {error}",
                        student.id
                    ));
                }
                exercises
            }
            Err(reason) => {
                row.reason = Some(reason);
                return row;
            }
        },
    };
    row.total = exercises.iter().map(|grade| grade.points).sum();
    row.total = (row.total * 100.0).round() / 100.0;
    row.exercises = exercises;
    row.status = RowStatus::Graded;
    row
}

/// Lay the taken sources over the slot and grade every exercise.
fn grade_taken(
    context: &GradeContext<'_>,
    taken: &roster::Taken,
    worker: usize,
    slot: &mut Option<Slot>,
    activity: Option<&mut WorkerActivity>,
) -> Result<Vec<ExerciseGrade>, String> {
    let grader_failed = |error: &dyn std::fmt::Display| format!("the grader failed: {error}");
    if slot.is_none() {
        // One slot per course and worker: courses sharing a target/ (the tests do) never share a
        // slot, and neither do workers.
        let dir = context
            .course
            .target_dir
            .join("grader")
            .join(format!("roster-slot-{}-{worker}", context.course.root_id()));
        *slot = Some(
            Slot::prepare(context.course, context.catalog, &dir)
                .map_err(|error| grader_failed(&error))?,
        );
    }
    let slot = slot.as_ref().expect("prepared above");
    slot.lay(context.catalog, taken)
        .map_err(|error| grader_failed(&error))?;
    let mut quiet = grader::Quiet;
    let observer: &mut dyn grader::Observer = match activity {
        Some(activity) => activity,
        None => &mut quiet,
    };
    let outcomes = slot
        .grade(
            context.course,
            context.python,
            context.sandboxes.cloned(),
            &|exercise| context.sealed.is_some() && SealedSetup::times_speed(exercise),
            observer,
        )
        .map_err(|error| grader_failed(&error))?;
    let mut grades = Vec::with_capacity(outcomes.len());
    for (index, (exercise, outcome)) in context.catalog.exercises.iter().zip(outcomes).enumerate() {
        let report = match outcome {
            Outcome::Graded(report) => report,
            Outcome::Failed(error) => {
                return Err(format!("the grader failed on {}: {error}", exercise.name()));
            }
            Outcome::Abandoned => unreachable!("nothing stops a roster's run"),
        };
        let verdict = &report.verdict;
        let sealed = context
            .sealed
            .and_then(|setup| setup.check(index, report.module_dir.as_deref()));
        let parts = roster::part_points(exercise, verdict, sealed.as_ref());
        let mut checks = CheckLine::all(verdict);
        let mut feedback = ui::feedback::exercise_text(verdict);
        let mut notes = Vec::new();
        if let Some(why) = sealed.as_ref().and_then(|sealed| sealed.grader_error()) {
            return Err(format!(
                "the sealed checks of {} could not run: {why}",
                exercise.name()
            ));
        }
        if let Some(sealed) = &sealed {
            let disagree = grader::sealed::disagreements(verdict, sealed);
            if !disagree.is_empty() {
                notes.push(ui::sealed::disagreement(&disagree));
            }
            checks.push(ui::sealed::check_line(sealed));
            feedback.push_str(&ui::sealed::feedback(exercise, sealed, &notes));
        }
        grades.push(ExerciseGrade {
            exercise: exercise.name(),
            points: parts.total(),
            max: grader::gradebook::max_points(exercise),
            parts,
            status: exercise_status(verdict, sealed.as_ref()),
            checks,
            verdict: serde_json::from_str(&grader::json(verdict)).unwrap_or_default(),
            feedback,
            sealed,
            notes,
        });
    }
    Ok(grades)
}

/// The exercise's status in grades.json, as the gradebook counts it.
fn exercise_status(
    verdict: &grader::Verdict,
    sealed: Option<&grader::sealed::SealedResult>,
) -> String {
    serde_json::to_value(grader::roster::graded_status(verdict, sealed))
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The files of `--out`, rewritten whole after every student.
pub(super) struct Outputs {
    pub dir: PathBuf,
    pub exercises: Vec<Exercise>,
    /// The sandbox's mode and the protections in force for every build and test run
    /// (`{"mode": "required", "in_force": ["filesystem", "network", …]}`).
    pub sandbox: serde_json::Value,
}

impl Outputs {
    /// Everything, with every student's feedback (the merge of a sharded grading).
    pub fn write_all(&self, rows: &[StudentGrade]) -> anyhow::Result<()> {
        for row in rows {
            self.write_feedback(row)?;
        }
        self.write_gradebook(rows)
    }

    /// Everything for `rows` (the students done so far, in the roster's order), and the
    /// feedback of `finished`, the one just done.
    fn write(&self, rows: &[StudentGrade], finished: &StudentGrade) -> anyhow::Result<()> {
        self.write_gradebook(rows)?;
        self.write_feedback(finished)
    }

    /// gradebook.csv, grades.json and junit.xml.
    fn write_gradebook(&self, rows: &[StudentGrade]) -> anyhow::Result<()> {
        gradebook::write_csv(&self.dir.join("gradebook.csv"), &self.exercises, rows)?;
        let grades = serde_json::json!({
            "sandbox": self.sandbox,
            "students": rows,
        });
        fs::write(
            self.dir.join("grades.json"),
            serde_json::to_string_pretty(&grades)?,
        )?;
        let junit = gradebook::junit(rows).to_string()?;
        fs::write(self.dir.join("junit.xml"), junit)?;
        Ok(())
    }

    fn write_feedback(&self, row: &StudentGrade) -> anyhow::Result<()> {
        fs::create_dir_all(self.dir.join("feedback"))?;
        fs::write(
            self.dir
                .join("feedback")
                .join(format!("{}.md", file_safe(&row.id))),
            ui::feedback::markdown(row),
        )?;
        Ok(())
    }
}

/// A student id as a file name: path separators and leading dots replaced.
fn file_safe(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    safe.trim_start_matches('.').to_string()
}
