//! `cargo xtask watch [EXERCISE]`: check the current exercise on every save of its `src/`.
//!
//! One event loop owns all state; three kinds of threads feed it through one channel: the file
//! watcher (`watch/files.rs`), the key reader (`watch/input.rs`) and one check at a time
//! (`watch/job.rs`). A save during a check queues exactly one more check. Watch mode runs the
//! tests and the leak hunt; `f` adds the speed check. What the screen says is in `ui::watch`.
mod files;
mod input;
mod job;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use grader::Exercise;
use grader::progress::{Progress, ProgressFile};
use grader::verdict::CheckResult;
use grader::{Engine, Report, Settings, Status};

use crate::output;
use crate::ui::watch::{AfterPass, Footer, Screen};
use crate::ui::{self, keys::RawMode};
use files::SourceWatcher;
use input::Key;
use job::{Control, Job};

/// Quiet time after the last file event before a check starts: one save makes several events.
const DEBOUNCE: Duration = Duration::from_millis(50);
/// A check starts at most this long after the first event, even if events keep coming.
const MAX_DELAY: Duration = Duration::from_millis(400);

#[derive(clap::Args)]
pub struct Args {
    /// `exercise-3`, `3`, `03` or the slug; default: the first exercise not yet passed.
    exercise: Option<String>,
    /// Do not watch files: check when you press Enter (for file systems where watching does not
    /// work, such as some network, container or VM shared folders).
    #[arg(long)]
    manual_run: bool,
}

/// Everything the event loop reacts to.
pub enum Event {
    Key(Key),
    /// A file under some watched `src/` changed.
    Changed(PathBuf),
    WatchError(String),
    /// The tests passed; the leak hunt runs next, in the same test process.
    TestsPassed {
        index: usize,
        tests: Box<CheckResult>,
        /// Since the check began.
        seconds: f64,
    },
    /// One check finished (for `c`, one of many); `Err` says why the grader could not run.
    Checked {
        index: usize,
        outcome: Box<Result<Report, String>>,
    },
    /// The sources changed while the check was building: it ended without running the tests.
    Abandoned,
    /// `c` checked every exercise.
    AllDone,
}

/// The job in progress.
struct Running {
    job: Job,
    control: Arc<Control>,
}

pub fn run(args: Args, python: Option<&Path>) -> anyhow::Result<ExitCode> {
    let grader = super::engine(
        python,
        Settings::default(),
        &mut ui::Activity::new(Vec::new()),
    )?;
    let progress_file = ProgressFile::at(&grader.workspace().root);
    let progress = super::progress(&progress_file);
    let catalog = grader.catalog();
    let current = match &args.exercise {
        Some(query) => catalog.index_of(query)?,
        None => match progress.current(catalog) {
            Some(exercise) => catalog.index_of(&exercise.name())?,
            None => {
                anstream::println!("{}", ui::watch::ALL_DONE);
                return Ok(ExitCode::from(output::PASSED));
            }
        },
    };

    let (sender, events) = mpsc::channel();
    let watcher = if args.manual_run {
        None
    } else {
        match SourceWatcher::new(sender.clone()) {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                anstream::eprintln!("{}", ui::watch::cannot_watch("files", &error.to_string()));
                None
            }
        }
    };
    let raw_mode = RawMode::enable();
    let single_keys = raw_mode.is_some();
    input::spawn(sender.clone(), single_keys);

    let mut watch = Watch {
        grader: Arc::new(grader),
        progress_file,
        progress,
        current,
        events: sender,
        watcher,
        single_keys,
        clear_screen: std::io::stdout().is_terminal(),
        running: None,
        queued: None,
        told_about_queue: false,
        pending_change: None,
        activity: None,
        checked_all: Vec::new(),
    };
    watch.switch_to(current);
    let code = watch.event_loop(&events);
    drop(raw_mode);
    Ok(code)
}

struct Watch {
    grader: Arc<Engine>,
    progress_file: ProgressFile,
    progress: Progress,
    /// Index into the catalog of the exercise being watched.
    current: usize,
    events: Sender<Event>,
    /// `None` in manual mode.
    watcher: Option<SourceWatcher>,
    single_keys: bool,
    clear_screen: bool,
    running: Option<Running>,
    /// At most one job waits; later requests merge into it.
    queued: Option<Job>,
    told_about_queue: bool,
    /// (first, last) file event not yet acted on.
    pending_change: Option<(Instant, Instant)>,
    /// The spinner or progress bar of the running job.
    activity: Option<indicatif::ProgressBar>,
    /// `c`: status of each exercise checked so far.
    checked_all: Vec<Status>,
}

impl Watch {
    fn event_loop(&mut self, events: &Receiver<Event>) -> ExitCode {
        loop {
            let event = match self.change_due() {
                Some(due) => {
                    match events.recv_timeout(due.saturating_duration_since(Instant::now())) {
                        Ok(event) => event,
                        Err(RecvTimeoutError::Timeout) => {
                            self.pending_change = None;
                            self.request(
                                Job::One {
                                    index: self.current,
                                    full: false,
                                },
                                true,
                            );
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => return ExitCode::SUCCESS,
                    }
                }
                None => match events.recv() {
                    Ok(event) => event,
                    Err(_) => return ExitCode::SUCCESS,
                },
            };
            match event {
                Event::Key(Key::Quit) => {
                    self.quit();
                    return ExitCode::from(output::PASSED);
                }
                Event::Key(key) => self.key(key),
                Event::Changed(path) => self.changed(&path),
                Event::WatchError(message) => self.say(&ui::watch::watch_error(&message)),
                Event::TestsPassed {
                    index,
                    tests,
                    seconds,
                } => self.tests_passed(index, &tests, seconds),
                Event::Checked { index, outcome } => self.checked(index, *outcome),
                Event::Abandoned => {
                    self.finish_running();
                    self.say(ui::watch::ABANDONED);
                    self.start_queued();
                }
                Event::AllDone => self.all_done(),
            }
        }
    }

    fn exercise(&self, index: usize) -> &Exercise {
        &self.grader.catalog().exercises[index]
    }

    fn src_dir(&self) -> PathBuf {
        self.exercise(self.current).dir.join("src")
    }

    fn change_due(&self) -> Option<Instant> {
        self.pending_change
            .map(|(first, last)| (last + DEBOUNCE).min(first + MAX_DELAY))
    }

    fn changed(&mut self, path: &Path) {
        if !path.starts_with(self.src_dir()) {
            return; // a late event from the exercise watched before
        }
        let now = Instant::now();
        self.pending_change = Some(match self.pending_change {
            Some((first, _)) => (first, now),
            None => (now, now),
        });
    }

    fn key(&mut self, key: Key) {
        match key {
            Key::Rerun | Key::Enter => self.request(
                Job::One {
                    index: self.current,
                    full: false,
                },
                false,
            ),
            Key::Full => self.request(
                Job::One {
                    index: self.current,
                    full: true,
                },
                false,
            ),
            Key::CheckAll => self.request(Job::All, false),
            Key::Hint => self.hint(),
            Key::List => {
                let list =
                    ui::tables::list(self.grader.catalog(), &self.progress, &ui::Layout::stdout());
                self.suspended(|| anstream::print!("{list}"));
            }
            Key::Next => self.next(),
            Key::Quit => {}
            Key::Unknown(c) if c.is_whitespace() || c.is_control() => {}
            Key::Unknown(c) => self.say(&ui::watch::unknown_key(c, self.single_keys)),
        }
    }

    /// Start `job`, or queue it behind the running one. `by_save`: a file change asked for it.
    fn request(&mut self, job: Job, by_save: bool) {
        let Some(running) = &self.running else {
            self.start(job);
            return;
        };
        let building = running.control.is_building();
        if by_save && running.job != Job::All {
            running.control.mark_stale();
        }
        self.queued = Some(match (self.queued, job) {
            // A quick check adds nothing to a queued full check or check-all of the same code.
            (
                Some(queued @ (Job::All | Job::One { full: true, .. })),
                Job::One { full: false, .. },
            ) => queued,
            _ => job,
        });
        if !self.told_about_queue {
            self.told_about_queue = true;
            self.say(ui::watch::queued(by_save, building));
        }
    }

    fn start(&mut self, job: Job) {
        self.told_about_queue = false;
        let activity = match job {
            Job::One { index, full } => {
                let exercise = self.exercise(index);
                let name = format!("{} {}", exercise.name(), exercise.slug);
                ui::spinner(ui::watch::building(&name, full))
            }
            Job::All => {
                self.checked_all.clear();
                self.say(ui::watch::CHECK_ALL);
                ui::progress_bar(self.grader.catalog().exercises.len() as u64)
            }
        };
        let control = job::spawn(
            Arc::clone(&self.grader),
            job,
            activity.clone(),
            self.events.clone(),
        );
        self.activity = Some(activity);
        self.running = Some(Running { job, control });
    }

    fn finish_running(&mut self) {
        if let Some(activity) = self.activity.take() {
            activity.finish_and_clear();
        }
        self.running = None;
    }

    /// The correctness verdict, shown while the leak hunt runs.
    fn tests_passed(&mut self, index: usize, tests: &CheckResult, seconds: f64) {
        self.clear();
        self.say(&ui::verdict::tests_passed(
            self.exercise(index),
            tests,
            seconds,
        ));
    }

    fn checked(&mut self, index: usize, outcome: Result<Report, String>) {
        let saved = match &outcome {
            Ok(report) => self.progress_file.record(&report.verdict),
            Err(_) => Ok(()),
        };
        if let Err(error) = saved {
            self.say(&ui::watch::progress_not_saved(&error.to_string()));
        }
        self.progress = self.progress_file.load();
        if self
            .running
            .as_ref()
            .is_some_and(|running| running.job == Job::All)
        {
            let name = self.exercise(index).name();
            let line = match &outcome {
                Ok(report) => {
                    self.checked_all.push(report.verdict.status);
                    ui::watch::check_all_line(&name, Ok(&report.verdict))
                }
                Err(error) => {
                    self.checked_all.push(Status::Error);
                    ui::watch::check_all_line(&name, Err(error))
                }
            };
            self.say(&line);
            if let Some(bar) = &self.activity {
                bar.inc(1);
            }
            return;
        }
        self.finish_running();
        self.show(index, &outcome);
        self.start_queued();
    }

    fn all_done(&mut self) {
        self.finish_running();
        let passed = self
            .checked_all
            .iter()
            .filter(|status| **status == Status::Passed)
            .count();
        let done = self.progress.passed_count(self.grader.catalog());
        let total = self.grader.catalog().exercises.len();
        self.say(&ui::watch::check_all_done(passed, done, total));
        let footer = ui::watch::footer(&self.footer(), &ui::Layout::stdout());
        self.say(footer.trim_end());
        self.start_queued();
    }

    fn start_queued(&mut self) {
        if let Some(job) = self.queued.take() {
            self.start(job);
        }
    }

    /// A check's result: the verdict and only what helps the next edit, then the footer.
    fn show(&mut self, index: usize, outcome: &Result<Report, String>) {
        self.clear();
        let exercise = self.exercise(index);
        let name = exercise.name();
        let error;
        let screen = match outcome {
            Ok(report) if report.verdict.status == Status::Passed => Screen::Passed {
                verdict: &report.verdict,
                after: self.after_pass(index),
            },
            Ok(report) => {
                let shown = self.progress.hints_shown(&name);
                let total = exercise.hints.len();
                Screen::NotPassed {
                    verdict: &report.verdict,
                    next_hint: (shown < total).then_some((shown + 1, total)),
                }
            }
            Err(grader_error) => {
                error = grader_error.to_string();
                Screen::GraderFailed {
                    name: &name,
                    error: &error,
                }
            }
        };
        let text = ui::watch::verdict_screen(&screen, &self.footer());
        self.say(&text);
    }

    fn after_pass(&self, index: usize) -> AfterPass<'_> {
        let name = self.exercise(index).name();
        if !self.progress.passed(&name) {
            let unchecked = self
                .progress
                .exercises
                .get(&name)
                .map(|entry| entry.skipped())
                .unwrap_or_default()
                .into_iter()
                .map(ui::tables::check_words)
                .collect();
            return AfterPass::Unchecked(unchecked);
        }
        match self.next_pending(index) {
            Some(next) => {
                let next = self.exercise(next);
                AfterPass::Next {
                    current: name,
                    next: format!("{} {}", next.name(), next.slug),
                }
            }
            None => AfterPass::CourseDone { current: name },
        }
    }

    /// The first exercise after `index` not passed yet, wrapping around to the start.
    fn next_pending(&self, index: usize) -> Option<usize> {
        self.progress.next_pending(self.grader.catalog(), index)
    }

    fn footer(&self) -> Footer {
        Footer {
            src: self.grader.workspace().display(&self.src_dir()).to_string(),
            watching: self.watcher.is_some(),
            speed_check: !self.exercise(self.current).perf.is_empty(),
            single_keys: self.single_keys,
        }
    }

    fn hint(&mut self) {
        let exercise = self.exercise(self.current).clone();
        let total = exercise.hints.len();
        let shown = match self.progress_file.hint_shown(&exercise.name(), total) {
            Ok(shown) => shown,
            Err(error) => {
                self.say(&ui::watch::progress_not_saved(&error.to_string()));
                (self.progress.hints_shown(&exercise.name()) + 1).min(total)
            }
        };
        self.progress = self.progress_file.load();
        let text = ui::watch::hint(
            shown,
            total,
            &format!("{} {}", exercise.name(), exercise.slug),
            &exercise.hints[shown - 1],
            &self.grader.workspace().display(&exercise.dir).to_string(),
        );
        self.say(&text);
    }

    fn next(&mut self) {
        if self.running.is_some() || self.queued.is_some() {
            self.say(ui::watch::BUSY_FOR_NEXT);
            return;
        }
        let name = self.exercise(self.current).name();
        if !self.progress.passed(&name) {
            let tests_passed = self.progress.status(&name) == Some(Status::Passed);
            self.say(&ui::watch::not_passed_yet(&name, tests_passed));
            return;
        }
        match self.next_pending(self.current) {
            Some(next) => self.switch_to(next),
            None => self.say(ui::watch::ALL_DONE),
        }
    }

    /// Watch exercise `index` and check it once now.
    fn switch_to(&mut self, index: usize) {
        self.current = index;
        self.pending_change = None;
        let src = self.src_dir();
        let watched = match &mut self.watcher {
            Some(watcher) => watcher.watch(&src),
            None => Ok(()),
        };
        if let Err(error) = watched {
            self.watcher = None;
            let folder = self.grader.workspace().display(&src).to_string();
            self.say(&ui::watch::cannot_watch(&folder, &error.to_string()));
        }
        let exercise = self.exercise(index);
        let readme = self
            .grader
            .workspace()
            .display(&exercise.dir.join("README.md"))
            .to_string();
        let title = ui::watch::exercise_title(
            &format!("{} {}", exercise.name(), exercise.slug),
            &exercise.title,
            &readme,
        );
        self.say(&title);
        self.request(Job::One { index, full: false }, false);
    }

    fn quit(&mut self) {
        if let Some(activity) = self.activity.take() {
            activity.finish_and_clear();
        }
        let stopped = self.running.is_some();
        if stopped {
            // pytest runs in a process group of its own, killed by the grader at the exercise's
            // deadline — a deadline that ends with this process: an endless loop would spin on.
            grader::interrupt();
        }
        anstream::println!("{}", ui::watch::bye(stopped, grader::progress::FILE_NAME));
    }

    /// A fresh screen for a new verdict, when the output is a terminal.
    fn clear(&self) {
        if self.clear_screen {
            self.suspended(ui::clear_screen);
        }
    }

    /// Print a line (or lines) without tearing a spinner or progress bar.
    fn say(&self, text: &str) {
        self.suspended(|| anstream::println!("{text}"));
    }

    fn suspended(&self, print: impl FnOnce()) {
        match &self.activity {
            Some(activity) => activity.suspend(print),
            None => print(),
        }
    }
}
