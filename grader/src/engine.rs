//! The one grading engine: every command (check, watch, verify, grade-all) hands it jobs and
//! watches its events. It builds every job before it runs any (no build competes with a timing),
//! runs each job's test suite once (tests, then leak hunt, then speed), and reports typed events
//! to an observer as they happen. The stages stay unaware of each other; only this module wires
//! them.
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::Error;
use crate::build::{self, BuildOutcome, Variant};
use crate::catalog::{Catalog, Exercise};
use crate::checks;
use crate::run::{self, CheckPlan, Flow, RunRequest};
use crate::sandbox::Sandboxes;
use crate::sealed::{self, SealedRequest, SealedResult};
use crate::toolchain::{self, SetupStep, Toolchain};
use crate::verdict::{CheckResult, Verdict};
use crate::wire::Record;
use crate::workspace::Workspace;

/// One thing to grade: an exercise of the catalog, one of its crates, and which checks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// Index into [`Catalog::exercises`].
    pub exercise: usize,
    /// The learner's crate or the reference solution.
    pub variant: Variant,
    /// Which checks run beyond the tests.
    pub plan: CheckPlan,
}

/// What the engine tells its observer, in order, for each job. `job` is the job's index in the
/// slice given to [`Engine::run`].
#[derive(Debug, Clone)]
pub enum Event {
    /// Setting up `.venv` (only when it is missing or outdated).
    Setup(SetupStep),
    /// maturin started on a job.
    BuildStarted {
        /// Which job.
        job: usize,
    },
    /// A job's build ended.
    BuildFinished {
        /// Which job.
        job: usize,
        /// False when the crate did not compile.
        built: bool,
    },
    /// A job's tests ran; its leak hunt and speed check may follow in the same process.
    TestsDone {
        /// Which job.
        job: usize,
        /// The tests check, as final as it will be.
        tests: CheckResult,
        /// Since the job's build started.
        seconds: f64,
    },
    /// A job's leak hunt ended.
    LeaksDone {
        /// Which job.
        job: usize,
        /// The leaks check, as final as it will be.
        leaks: CheckResult,
    },
    /// A job's verdict is decided.
    Finished {
        /// Which job.
        job: usize,
        /// The decision.
        verdict: Box<Verdict>,
    },
}

/// Receives the engine's events; [`Flow::Stop`] abandons the job the event is about (before its
/// verdict is decided).
pub trait Observer {
    /// One event; the answer says whether the job it is about should go on.
    fn event(&mut self, event: Event) -> Flow;
}

impl<F: FnMut(Event) -> Flow> Observer for F {
    fn event(&mut self, event: Event) -> Flow {
        self(event)
    }
}

/// An observer that wants nothing.
pub struct Quiet;

impl Observer for Quiet {
    fn event(&mut self, _: Event) -> Flow {
        Flow::Continue
    }
}

/// A verdict plus the raw output behind it (for `--verbose`).
#[derive(Debug)]
pub struct Report {
    /// The decision.
    pub verdict: Verdict,
    /// maturin's and cargo's output.
    pub build_log: Option<String>,
    /// pytest's stdout and stderr.
    pub pytest_output: Option<String>,
    /// The folder holding the built module (until the next build of the same crate), for the
    /// sealed checks; `None` when it did not build.
    pub module_dir: Option<PathBuf>,
}

/// How one job ended.
#[derive(Debug)]
pub enum Outcome {
    /// Graded.
    Graded(Box<Report>),
    /// The observer stopped it; nothing was decided.
    Abandoned,
    /// The grader itself failed on this job; the other jobs are unaffected.
    Failed(Error),
}

/// Engine-wide settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Full Python tracebacks in reports (`--verbose`); short ones are much faster to produce
    /// when many tests fail, since pytest parses the test file for every traceback entry.
    pub full_tracebacks: bool,
    /// Also run the hidden tests `<this>/solutions/NN-slug/tests_hidden/` (instructors and course
    /// authors): the course root they come from, which is not the graded root when a copy of the
    /// course without its solutions is graded (a roster of submissions).
    pub hidden_tests: Option<PathBuf>,
    /// Build and test inside these sandboxes (graders of untrusted submissions). `None`, the
    /// default, runs cargo, maturin and pytest directly, as learners' checks do.
    pub sandbox: Option<Sandboxes>,
    /// A speed check waits for the measurement lock as long as its run's deadline allows, rather
    /// than giving up after the plugin's usual wait (graders of a roster, whose parallel workers
    /// take turns with builds and measurements: the verdicts must not depend on the turns).
    pub patient_timing: bool,
}

/// A loaded course with a ready Python toolchain.
pub struct Engine {
    workspace: Workspace,
    catalog: Catalog,
    toolchain: Toolchain,
    settings: Settings,
}

impl Engine {
    /// Load the catalog of the course at `root` (default: this repository) and make sure `.venv`
    /// is ready, creating it on first use; its set-up steps go to `observer`.
    pub fn open(
        root: Option<PathBuf>,
        python: Option<&Path>,
        settings: Settings,
        observer: &mut dyn Observer,
    ) -> Result<Self, Error> {
        Self::open_in(Workspace::from_env(root), python, settings, observer)
    }

    /// [`Engine::open`] for a course whose folders are already decided (tests, graders of
    /// copies of the course).
    pub fn open_in(
        workspace: Workspace,
        python: Option<&Path>,
        settings: Settings,
        observer: &mut dyn Observer,
    ) -> Result<Self, Error> {
        let catalog = Catalog::load(&workspace.root)?;
        let requested = toolchain::requested_python(python);
        let toolchain = toolchain::ensure(&workspace, requested.as_deref(), &mut |step| {
            observer.event(Event::Setup(step));
        })?;
        Ok(Self {
            workspace,
            catalog,
            toolchain,
            settings,
        })
    }

    /// Where the course lives.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// Its exercises.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The exercise a job is about.
    pub fn exercise(&self, job: &Job) -> &Exercise {
        &self.catalog.exercises[job.exercise]
    }

    /// Install further pinned requirements (the lesson's) into `.venv`.
    pub fn install_extra(
        &self,
        requirements: &Path,
        observer: &mut dyn Observer,
    ) -> Result<(), Error> {
        toolchain::ensure_extra(
            &self.workspace,
            &self.toolchain,
            requirements,
            &mut |step| {
                observer.event(Event::Setup(step));
            },
        )?;
        Ok(())
    }

    /// The interpreter of `.venv`.
    pub fn python(&self) -> &Path {
        &self.toolchain.python
    }

    /// Build one crate without running anything (the reference solution the sealed checks compare
    /// against, built once per run): the folder holding its module, or `None` when it does not
    /// compile. Built in this engine's sandbox, if it has one.
    pub fn build_module(
        &self,
        exercise: usize,
        variant: Variant,
    ) -> Result<Option<PathBuf>, Error> {
        let built = build::build(
            &self.workspace,
            &self.toolchain,
            &self.catalog.exercises[exercise],
            variant,
            self.settings
                .sandbox
                .as_ref()
                .map(|sandboxes| &*sandboxes.build),
        )?;
        Ok(match built {
            BuildOutcome::Built { module_dir, .. } => Some(module_dir),
            BuildOutcome::Failed { .. } => None,
        })
    }

    /// The sealed checks of `exercise` (see [`sealed`]): the submission's built module against
    /// the reference's, workers started through `launcher`. `None` when the course declares no
    /// sealed suite for it.
    pub fn sealed(
        &self,
        exercise: usize,
        reference: &Path,
        submission: &Path,
        launcher: &dyn Fn(&Path) -> Vec<String>,
        seed: &str,
    ) -> Option<SealedResult> {
        let exercise = &self.catalog.exercises[exercise];
        let suite = sealed::suite(exercise)?;
        let work_dir = self.workspace.grader_dir().join("sealed");
        // The runner takes the measurement lock itself, for its speed part only: like the
        // in-process speed check, the timing runs with no build of ours beside it, so that a
        // roster's `--jobs 2` gives the verdicts `--jobs 1` gives.
        let measure_lock = self.workspace.measure_lock();
        Some(sealed::run(
            &self.toolchain.python,
            &self.workspace.python_support,
            &SealedRequest {
                exercise,
                suite: &suite,
                reference,
                submission,
                launcher,
                seed,
                work_dir: &work_dir,
                measure_lock: Some(&measure_lock),
            },
        ))
    }

    /// Grade `jobs`: build them all, then run them one by one. One outcome per job, in order.
    pub fn run(&self, jobs: &[Job], observer: &mut dyn Observer) -> Vec<Outcome> {
        let mut builds: Vec<Option<Result<BuildOutcome, Error>>> = Vec::with_capacity(jobs.len());
        for (index, job) in jobs.iter().enumerate() {
            // A measurement about to start in another worker goes first: the lock file that
            // keeps builds and timing apart is not fair, and builds back to back would starve it.
            MEASURING.wait_until_none();
            if observer.event(Event::BuildStarted { job: index }) == Flow::Stop {
                builds.push(None);
                continue;
            }
            let built = build::build(
                &self.workspace,
                &self.toolchain,
                self.exercise(job),
                job.variant,
                self.settings
                    .sandbox
                    .as_ref()
                    .map(|sandboxes| &*sandboxes.build),
            )
            .map_err(Error::from);
            let flow = match &built {
                Ok(outcome) => observer.event(Event::BuildFinished {
                    job: index,
                    built: matches!(outcome, BuildOutcome::Built { .. }),
                }),
                Err(_) => Flow::Continue,
            };
            builds.push((flow == Flow::Continue).then_some(built));
        }
        jobs.iter()
            .zip(builds)
            .enumerate()
            .map(|(index, (job, built))| match built {
                None => Outcome::Abandoned,
                Some(Err(error)) => Outcome::Failed(error),
                Some(Ok(built)) => self.grade_built(index, job, &built, observer),
            })
            .collect()
    }

    /// Run and judge one built job.
    fn grade_built(
        &self,
        index: usize,
        job: &Job,
        built: &BuildOutcome,
        observer: &mut dyn Observer,
    ) -> Outcome {
        let exercise = self.exercise(job);
        let started = Instant::now();
        let build_seconds = match built {
            BuildOutcome::Built { seconds, .. } | BuildOutcome::Failed { seconds, .. } => *seconds,
        };
        let (run, build_log) = match built {
            BuildOutcome::Failed { log, .. } => (None, Some(log.clone())),
            BuildOutcome::Built {
                module_dir, log, ..
            } => {
                let mut tests_dirs = vec![exercise.tests_dir()];
                if let Some(course) = &self.settings.hidden_tests {
                    let hidden = course
                        .join("solutions")
                        .join(exercise.folder())
                        .join("tests_hidden");
                    if hidden.is_dir() {
                        tests_dirs.push(hidden);
                    }
                }
                let request = RunRequest {
                    exercise,
                    module_dir,
                    tests_dirs,
                    plan: job.plan,
                    full_tracebacks: self.settings.full_tracebacks,
                    patient_timing: self.settings.patient_timing,
                    sandbox: self
                        .settings
                        .sandbox
                        .as_ref()
                        .map(|sandboxes| &*sandboxes.tests),
                };
                let mut seen: Vec<Record> = Vec::new();
                // The speed check starts when the tests (and the leak hunt, if any) are done.
                let timed = job.plan.perf == run::Plan::Run && !exercise.perf.is_empty();
                let hunted = job.plan.leaks == run::Plan::Run && exercise.leaks.enabled;
                let mut measuring: Option<Measuring> = None;
                let mut on_record = |record: &Record| {
                    seen.push(record.clone());
                    let before_timing = match record {
                        Record::TestsDone { .. } => !hunted,
                        Record::LeakSummary(_) => true,
                        _ => false,
                    };
                    if timed && before_timing && measuring.is_none() {
                        measuring = Some(MEASURING.enter());
                    }
                    let event = match record {
                        Record::TestsDone { .. } => Event::TestsDone {
                            job: index,
                            tests: checks::tests_check(&seen, true),
                            seconds: build_seconds + started.elapsed().as_secs_f64(),
                        },
                        Record::LeakSummary(_) => Event::LeaksDone {
                            job: index,
                            leaks: checks::leaks_check(exercise, &seen, job.plan, None),
                        },
                        _ => return Flow::Continue,
                    };
                    observer.event(event)
                };
                let ran =
                    run::run_tests(&self.workspace, &self.toolchain, &request, &mut on_record);
                // The measurement, if any, is over with the run.
                drop(measuring);
                match ran {
                    Ok(outcome) if outcome.end == run::RunEnd::Stopped => {
                        return Outcome::Abandoned;
                    }
                    Ok(outcome) => (Some(outcome), Some(log.clone())),
                    Err(error) => return Outcome::Failed(error.into()),
                }
            }
        };
        let mut verdict = checks::judge(
            &self.workspace,
            exercise,
            job.variant,
            built,
            run.as_ref(),
            job.plan,
        );
        verdict.seconds = build_seconds + started.elapsed().as_secs_f64();
        // The verdict is decided: a stop now changes nothing.
        let _ = observer.event(Event::Finished {
            job: index,
            verdict: Box::new(verdict.clone()),
        });
        let pytest_output = run.map(|run| format!("{}{}", run.stdout, run.stderr));
        let module_dir = match built {
            BuildOutcome::Built { module_dir, .. } => Some(module_dir.clone()),
            BuildOutcome::Failed { .. } => None,
        };
        Outcome::Graded(Box::new(Report {
            verdict,
            build_log,
            pytest_output,
            module_dir,
        }))
    }
}

/// The speed checks of this process about to take, or holding, the measurement lock.
static MEASURING: Gate = Gate::new();

/// A count of measurements, and a way to wait until there are none.
struct Gate {
    count: Mutex<usize>,
    none: Condvar,
}

impl Gate {
    const fn new() -> Self {
        Self {
            count: Mutex::new(0),
            none: Condvar::new(),
        }
    }

    fn count(&self) -> MutexGuard<'_, usize> {
        self.count.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One more measurement, until the guard drops.
    fn enter(&'static self) -> Measuring {
        *self.count() += 1;
        Measuring(self)
    }

    /// Return once no measurement is pending.
    fn wait_until_none(&self) {
        let mut count = self.count();
        while *count > 0 {
            count = self
                .none
                .wait(count)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A pending measurement of [`MEASURING`].
struct Measuring(&'static Gate);

impl Drop for Measuring {
    fn drop(&mut self) {
        let mut count = self.0.count();
        *count -= 1;
        if *count == 0 {
            self.0.none.notify_all();
        }
    }
}

/// Kill every test run in progress and remove the grader's scratch folders: for an interrupt
/// (Ctrl-C) or quitting watch mode, right before the process exits (which runs no `Drop`).
/// Safe to call from a signal handler's thread.
pub fn interrupt() {
    run::interrupt();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_wait_while_a_measurement_is_pending() {
        static GATE: Gate = Gate::new();
        GATE.wait_until_none();
        let measuring = GATE.enter();
        let (sender, receiver) = std::sync::mpsc::channel();
        let builder = std::thread::spawn(move || {
            GATE.wait_until_none();
            sender.send(()).unwrap();
        });
        assert!(
            receiver
                .recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "the build went ahead of the measurement"
        );
        drop(measuring);
        receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the build goes on once the measurement is done");
        builder.join().unwrap();
    }
}
