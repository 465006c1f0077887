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
