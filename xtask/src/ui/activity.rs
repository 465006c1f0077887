//! Signs of life while something takes time: a spinner for one job, a bar for many, both fed by
//! the grading engine's events. They draw on stderr, and indicatif hides them when stderr is not
//! a terminal; the `.venv` set-up steps still print there as plain lines.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grader::{Event, Flow, Observer, SetupStep};
use indicatif::{HumanDuration, ProgressBar, ProgressStyle};

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

/// A class's progress: one step per student, what each parallel worker is doing, and the time
/// left. Hidden, like the others, when stderr is not a terminal. The time left is worked out from
/// the students graded afresh so far (a cached result or an unreadable submission costs nothing
/// and would make it too short):
/// wall-clock time per fresh student, parallel workers included, times the students left.
pub struct RosterActivity {
    bar: ProgressBar,
    shared: Arc<Mutex<Board>>,
}

/// What every worker is doing, and the counts behind the time left.
struct Board {
    /// One line per worker: `alice: building exercise-2`, empty when idle.
    doing: Vec<String>,
    started: Instant,
    fresh: u64,
}

impl RosterActivity {
    /// A bar of `students` steps, graded by `workers` at once.
    pub fn new(students: u64, workers: usize) -> Self {
        let bar = ProgressBar::new(students);
        bar.set_style(
            ProgressStyle::with_template("[{bar:30}] {pos}/{len} students {elapsed}{prefix} {msg}")
                .expect("valid template")
                .progress_chars("█▓░"),
        );
        Self {
            bar,
            shared: Arc::new(Mutex::new(Board {
                doing: vec![String::new(); workers],
                started: Instant::now(),
                fresh: 0,
            })),
        }
    }

    /// The observer of worker `index`, whose jobs are the `exercises`.
    pub fn worker(&self, index: usize, exercises: Vec<String>) -> WorkerActivity {
        WorkerActivity {
            bar: self.bar.clone(),
            shared: Arc::clone(&self.shared),
            index,
            student: String::new(),
            exercises,
        }
    }

    /// One more student done; `afresh` when they were built and tested (not a cached result,
    /// not a submission that could not be read).
    pub fn done(&self, afresh: bool) {
        self.bar.inc(1);
        let mut board = lock(&self.shared);
        if afresh {
            board.fresh += 1;
        }
        let left = self.bar.length().unwrap_or(0) - self.bar.position();
        let eta = time_left(board.started.elapsed(), board.fresh, left);
        self.bar.set_prefix(match eta {
            Some(eta) => format!(", about {} left", HumanDuration(eta)),
            None => String::new(),
        });
    }

    /// Remove the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The time left for `left` students when `fresh` were graded in `elapsed`; `None` before the
/// first, or when nothing is left.
fn time_left(elapsed: Duration, fresh: u64, left: u64) -> Option<Duration> {
    if fresh == 0 || left == 0 {
        return None;
    }
    Some(elapsed.mul_f64(left as f64 / fresh as f64))
}

fn lock(board: &Mutex<Board>) -> std::sync::MutexGuard<'_, Board> {
    board
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Drop for RosterActivity {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// One worker's part of a [`RosterActivity`]: fed by the engine's events for its student.
pub struct WorkerActivity {
    bar: ProgressBar,
    shared: Arc<Mutex<Board>>,
    index: usize,
    student: String,
    exercises: Vec<String>,
}

impl WorkerActivity {
    /// Grading `student` now.
    pub fn start(&mut self, student: &str) {
        self.student = student.to_string();
        self.say(student.to_string());
    }

    /// Between students.
    pub fn idle(&mut self) {
        self.say(String::new());
    }

    fn say(&self, doing: String) {
        let mut board = lock(&self.shared);
        board.doing[self.index] = doing;
        let message: Vec<&str> = board
            .doing
            .iter()
            .map(String::as_str)
            .filter(|doing| !doing.is_empty())
            .collect();
        self.bar.set_message(message.join(" · "));
    }
}

impl Observer for WorkerActivity {
    fn event(&mut self, event: Event) -> Flow {
        let exercise = |job: usize| self.exercises.get(job).cloned().unwrap_or_default();
        match event {
            Event::Setup(step) if !step.is_progress() => self.bar.suspend(|| eprintln!("{step}")),
            Event::BuildStarted { job } => {
                self.say(format!("{}: building {}", self.student, exercise(job)))
            }
            Event::TestsDone { job, .. } => {
                self.say(format!("{}: checking {}", self.student, exercise(job)))
            }
            _ => {}
        }
        Flow::Continue
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_counts_fresh_students_at_the_rate_of_all_workers() {
        // Two workers graded 4 students afresh in 40 s: 10 s a student; 6 left.
        assert_eq!(
            time_left(Duration::from_secs(40), 4, 6),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            time_left(Duration::from_secs(3), 0, 6),
            None,
            "nothing graded yet"
        );
        assert_eq!(
            time_left(Duration::from_secs(40), 4, 0),
            None,
            "nothing left"
        );
    }
}
