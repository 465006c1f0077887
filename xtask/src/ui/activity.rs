//! Signs of life while something takes time: a spinner for one job, a bar for many, both fed by
//! the grading engine's events. They draw on stderr, and indicatif hides them when stderr is not
//! a terminal; the `.venv` set-up steps still print there as plain lines.
use std::time::Duration;

use grader::{Event, Flow, Observer, SetupStep};
use indicatif::{ProgressBar, ProgressStyle};

/// `⠙ checking exercise-3 lru 4s`
pub fn spinner(message: String) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    spinner.set_message(message);
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}

/// `[███▓░░░] 3/8 building exercise-4 4s`, for `length` steps.
pub fn progress_bar(length: u64) -> ProgressBar {
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg} {elapsed}")
            .expect("valid template")
            .progress_chars("█▓░"),
    );
    bar
}

/// A class's progress: one step per student, with the time left, and what the engine is doing
/// for the current student. Hidden, like the others, when stderr is not a terminal.
pub struct RosterActivity {
    bar: ProgressBar,
    student: String,
    exercises: Vec<String>,
}

impl RosterActivity {
    /// A bar of `students` steps; `exercises` names each job of a student's run.
    pub fn new(students: u64, exercises: Vec<String>) -> Self {
        let bar = ProgressBar::new(students);
        bar.set_style(
            ProgressStyle::with_template(
                "[{bar:30}] {pos}/{len} students {msg} {elapsed}, about {eta} left",
            )
            .expect("valid template")
            .progress_chars("█▓░"),
        );
        Self {
            bar,
            student: String::new(),
            exercises,
        }
    }

    /// Grading `student` now.
    pub fn start(&mut self, student: &str) {
        self.student = student.to_string();
        self.bar.set_message(student.to_string());
    }

    /// One more student done.
    pub fn done(&self) {
        self.bar.inc(1);
    }

    /// Remove the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for RosterActivity {
    fn event(&mut self, event: Event) -> Flow {
        let exercise = |job: usize| self.exercises.get(job).cloned().unwrap_or_default();
        match event {
            Event::Setup(step) if !step.is_progress() => self.bar.suspend(|| eprintln!("{step}")),
            Event::BuildStarted { job } => {
                self.bar
                    .set_message(format!("{}: building {}", self.student, exercise(job)))
            }
            Event::TestsDone { job, .. } => {
                self.bar
                    .set_message(format!("{}: checking {}", self.student, exercise(job)))
            }
            _ => {}
        }
        Flow::Continue
    }
}

impl Drop for RosterActivity {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Shows what the engine is doing: `.venv` set-up steps, then one spinner or bar for the jobs.
pub struct Activity {
    /// What each job is called on screen (`exercise-3 lru`, `exercise-3 solution`).
    names: Vec<String>,
    /// `None` until there is something to show; never, when `quiet`.
    bar: Option<ProgressBar>,
    /// A bar of builds and runs (several jobs) rather than one spinner.
    counted: bool,
    quiet: bool,
}

impl Activity {
    /// Spinner for one job, bar for several; `names` in the order the jobs are given.
    pub fn new(names: Vec<String>) -> Self {
        let counted = names.len() > 1;
        Self {
            names,
            bar: None,
            counted,
            quiet: false,
        }
    }

    /// Only the `.venv` set-up steps (when the output is for a tool, not a person).
    pub fn quiet() -> Self {
        Self {
            names: Vec::new(),
            bar: None,
            counted: false,
            quiet: true,
        }
    }

    /// The jobs of the next [`grader::Engine::run`] (the set-up has no jobs).
    pub fn jobs(&mut self, names: Vec<String>) {
        self.counted = names.len() > 1;
        self.names = names;
    }

    /// Remove the spinner or bar from the screen.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Print `text` without tearing the spinner or bar.
    pub fn suspend(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn name(&self, job: usize) -> &str {
        self.names.get(job).map_or("", String::as_str)
    }

    fn show(&mut self, message: String) {
        if self.quiet {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            if self.counted {
                progress_bar(self.names.len() as u64 * 2)
            } else {
                spinner(String::new())
            }
        });
        bar.set_message(message);
    }

    fn step_done(&self) {
        if let Some(bar) = &self.bar
            && self.counted
        {
            bar.inc(1);
        }
    }

    fn setup(&mut self, step: &SetupStep) {
        if step.is_progress() {
            if self.quiet {
                return;
            }
            self.bar
                .get_or_insert_with(|| spinner(String::new()))
                .set_message(format!("  {step}"));
        } else {
            self.suspend(|| eprintln!("{step}"));
            if *step == SetupStep::Ready {
                self.finish();
            }
        }
    }
}

impl Observer for Activity {
    fn event(&mut self, event: Event) -> Flow {
        match event {
            Event::Setup(step) => self.setup(&step),
            Event::BuildStarted { job } => {
                let message = if self.counted {
                    format!("building {}", self.name(job))
                } else {
                    format!("checking {}", self.name(job))
                };
                self.show(message);
            }
            Event::BuildFinished { job, built } => {
                self.step_done();
                if built && !self.counted {
                    self.show(format!("testing {}", self.name(job)));
                } else if self.counted {
                    self.show(String::new());
                }
            }
            Event::TestsDone { job, .. } => self.show(format!("checking {}", self.name(job))),
            Event::LeaksDone { .. } => {}
            Event::Finished { .. } => self.step_done(),
        }
        Flow::Continue
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        self.finish();
    }
}
