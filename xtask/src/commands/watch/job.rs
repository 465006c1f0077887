//! The checks watch mode runs, each on a thread of its own, reporting back through the event
//! channel. Each is one job (or, for `c`, one job per exercise) of the grading engine: one build
//! and one pytest run per check, whose test verdict arrives before the leak hunt ends.
//!
//! While the build runs, a save makes the check stale: the build is left to finish (a build
//! cannot be interrupted halfway), then the job is stopped before its tests run, and the new
//! version is checked instead. Once tests run, a save only queues the next check.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use grader::{CheckPlan, CheckStatus, Engine, Flow, OffReason, Outcome, Plan, Report, Variant};

use super::Event;
use crate::ui;

/// What a save checks: correctness and leaks. The speed check takes seconds and wants a quiet
/// machine, so it runs on request (`f`).
const QUICK: CheckPlan = CheckPlan {
    leaks: Plan::Run,
    perf: Plan::Off(OffReason::OnSave),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// One exercise (index into the catalog); `full` adds the speed check.
    One { index: usize, full: bool },
    /// `c`: every exercise, quick checks.
    All,
}

/// Shared between the event loop and the job's thread.
#[derive(Default)]
pub struct Control {
    building: AtomicBool,
    stale: AtomicBool,
}

impl Control {
    /// The sources changed since the job started.
    pub fn mark_stale(&self) {
        self.stale.store(true, Ordering::SeqCst);
    }
    pub fn is_building(&self) -> bool {
        self.building.load(Ordering::SeqCst)
    }
    fn is_stale(&self) -> bool {
        self.stale.load(Ordering::SeqCst)
    }
}

/// Start `job` on a new thread; `activity` (a spinner or bar) shows which step it is in.
pub fn spawn(
    engine: Arc<Engine>,
    job: Job,
    activity: indicatif::ProgressBar,
    events: Sender<Event>,
) -> Arc<Control> {
    let control = Arc::new(Control {
        building: AtomicBool::new(true),
        stale: AtomicBool::new(false),
    });
    let shared = Arc::clone(&control);
    std::thread::spawn(move || match job {
        Job::One { index, full } => check_one(&engine, index, full, &shared, &activity, &events),
        Job::All => check_all(&engine, &activity, &events),
    });
    control
}

fn check_one(
    engine: &Engine,
    index: usize,
    full: bool,
    control: &Control,
    spinner: &indicatif::ProgressBar,
    events: &Sender<Event>,
) {
    let exercise = &engine.catalog().exercises[index];
    let name = format!("{} {}", exercise.name(), exercise.slug);
    let job = grader::Job {
        exercise: index,
        variant: Variant::Learner,
        plan: if full { CheckPlan::FULL } else { QUICK },
    };
    let mut observer = |event: grader::Event| {
        match event {
            grader::Event::BuildFinished { built, .. } => {
                control.building.store(false, Ordering::SeqCst);
                if control.is_stale() {
                    return Flow::Stop;
                }
                if built {
                    spinner.set_message(ui::watch::testing(&name, full));
                }
            }
            grader::Event::TestsDone { tests, seconds, .. }
                if tests.status == CheckStatus::Passed && exercise.leaks.enabled =>
            {
                spinner.set_message(ui::watch::hunting_leaks(&name));
                let _ = events.send(Event::TestsPassed {
                    index,
                    tests: Box::new(tests),
                    seconds,
                });
            }
            _ => {}
        }
        Flow::Continue
    };
    let outcome = guarded(|| engine.run(&[job], &mut observer).pop());
    let event = match outcome {
        Some(Outcome::Abandoned) => Event::Abandoned,
        Some(Outcome::Graded(report)) => Event::Checked {
            index,
            outcome: Box::new(Ok(*report)),
        },
        Some(Outcome::Failed(error)) => Event::Checked {
            index,
            outcome: Box::new(Err(error.to_string())),
        },
        None => Event::Checked {
            index,
            outcome: Box::new(Err(PANICKED.into())),
        },
    };
    let _ = events.send(event);
}

/// `c`: every exercise with the quick check, built all first, each verdict sent as it comes.
fn check_all(engine: &Engine, bar: &indicatif::ProgressBar, events: &Sender<Event>) {
    let count = engine.catalog().exercises.len();
    let jobs: Vec<grader::Job> = (0..count)
        .map(|exercise| grader::Job {
            exercise,
            variant: Variant::Learner,
            plan: QUICK,
        })
        .collect();
    let mut observer = |event: grader::Event| {
        match event {
            grader::Event::BuildStarted { job } => {
                bar.set_message(ui::watch::building(
                    &engine.catalog().exercises[job].name(),
                    false,
                ));
            }
            grader::Event::BuildFinished { job, .. } => {
                bar.set_message(ui::watch::testing(
                    &engine.catalog().exercises[job].name(),
                    false,
                ));
            }
            grader::Event::Finished { job, verdict } => {
                let report = Report {
                    verdict: *verdict,
                    build_log: None,
                    pytest_output: None,
                    module_dir: None,
                };
                let _ = events.send(Event::Checked {
                    index: job,
                    outcome: Box::new(Ok(report)),
                });
            }
            _ => {}
        }
        Flow::Continue
    };
    let outcomes = guarded(|| Some(engine.run(&jobs, &mut observer)));
    // Verdicts went out with their events; what remains is the grader's own failures.
    let failures: Vec<(usize, String)> = match outcomes {
        Some(outcomes) => outcomes
            .into_iter()
            .enumerate()
            .filter_map(|(index, outcome)| match outcome {
                Outcome::Failed(error) => Some((index, error.to_string())),
                _ => None,
            })
            .collect(),
        None => vec![(0, PANICKED.to_string())],
    };
    for (index, error) in failures {
        let _ = events.send(Event::Checked {
            index,
            outcome: Box::new(Err(error)),
        });
    }
    let _ = events.send(Event::AllDone);
}

const PANICKED: &str = "the grader panicked (see the message above)";

/// A panic in the grader becomes `None`, which the event loop shows as the grader's failure.
fn guarded<T>(step: impl FnOnce() -> Option<T>) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).unwrap_or(None)
}
