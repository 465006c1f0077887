//! The checks watch mode runs, each on a thread of its own, reporting back through the event
//! channel.
//!
//! A quick check runs in up to two steps on one build: the tests alone, whose verdict is shown
//! at once, then (when they pass) the tests with the leak hunt. While the build runs, a save makes
//! the check stale: the build is left to finish (the grader's build cannot be interrupted), then
//! dropped without running the tests, and the new version is checked instead. Once tests run, a
//! save only queues the next check; it also skips a leak hunt that has not started yet.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Instant;

use grader::{Grader, GraderError, Report, RunOptions, Status, Variant};

use super::Event;

/// What a save checks: correctness and leaks. The speed check takes seconds and wants a quiet
/// machine, so it runs on request (`f`).
pub const QUICK: RunOptions = RunOptions {
    leaks: true,
    perf: false,
};
pub const FULL: RunOptions = RunOptions {
    leaks: true,
    perf: true,
};
const TESTS_ONLY: RunOptions = RunOptions {
    leaks: false,
    perf: false,
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

/// Start `job` on a new thread; `spinner` shows which step it is in.
pub fn spawn(
    grader: Arc<Grader>,
    job: Job,
    spinner: indicatif::ProgressBar,
    events: Sender<Event>,
) -> Arc<Control> {
    let control = Arc::new(Control {
        building: AtomicBool::new(true),
        stale: AtomicBool::new(false),
    });
    let shared = Arc::clone(&control);
    std::thread::spawn(move || match job {
        Job::One { index, full } => check_one(&grader, index, full, &shared, &spinner, &events),
        Job::All => {
            for index in 0..grader.catalog.exercises.len() {
                let exercise = &grader.catalog.exercises[index];
                spinner.set_message(format!("checking {}", exercise.name()));
                let outcome = guarded(|| grader.check(exercise, Variant::Learner, QUICK));
                if events
                    .send(Event::Checked {
                        index,
                        outcome: Box::new(outcome),
                    })
                    .is_err()
                {
                    return;
                }
            }
            let _ = events.send(Event::AllDone);
        }
    });
    control
}

fn check_one(
    grader: &Grader,
    index: usize,
    full: bool,
    control: &Control,
    spinner: &indicatif::ProgressBar,
    events: &Sender<Event>,
) {
    let exercise = &grader.catalog.exercises[index];
    let started = Instant::now();
    let finish = |outcome: Result<Report, GraderError>| {
        let outcome = outcome.map(|mut report| {
            report.verdict.seconds = started.elapsed().as_secs_f64();
            report
        });
        let _ = events.send(Event::Checked {
            index,
            outcome: Box::new(outcome),
        });
    };
    let built = match guarded(|| grader.build(exercise, Variant::Learner)) {
        Ok(built) => built,
        Err(error) => return finish(Err(error)),
    };
    control.building.store(false, Ordering::SeqCst);
    if control.is_stale() {
        let _ = events.send(Event::Abandoned);
        return;
    }
    let two_steps = !full && exercise.leaks.enabled;
    if !two_steps {
        spinner.set_message(format!(
            "testing {}{}",
            exercise.name(),
            if full { " and its speed" } else { "" }
        ));
        let options = if full { FULL } else { QUICK };
        return finish(guarded(|| {
            grader.run_built(exercise, Variant::Learner, &built, options)
        }));
    }
    spinner.set_message(format!("testing {}", exercise.name()));
    let tests = guarded(|| grader.run_built(exercise, Variant::Learner, &built, TESTS_ONLY));
    let passed = matches!(&tests, Ok(report) if report.verdict.status == Status::Passed);
    if !passed || control.is_stale() {
        return finish(tests);
    }
    let mut tests = tests.expect("matched Ok above");
    tests.verdict.seconds = started.elapsed().as_secs_f64();
    let _ = events.send(Event::TestsPassed {
        report: Box::new(tests),
    });
    spinner.set_message(format!("hunting leaks in {}", exercise.name()));
    finish(guarded(|| {
        grader.run_built(exercise, Variant::Learner, &built, QUICK)
    }));
}

/// Turn a panic in the grader into an error the event loop can show.
fn guarded<T>(step: impl FnOnce() -> Result<T, GraderError>) -> Result<T, GraderError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).unwrap_or_else(|_| {
        Err(GraderError(
            "the grader panicked (see the message above)".into(),
        ))
    })
}
