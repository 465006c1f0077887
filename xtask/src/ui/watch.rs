//! What watch mode shows: the verdict screen with its footer, hints, the exercise being watched,
//! `c`'s running tally and every short message. Each function takes plain data and returns the
//! text; watch mode's event loop decides when to print it. Lines made of a verdict's fields (the
//! headline, "tests pass; hunting leaks…") come from `ui::verdict`.
use grader::Verdict;

use super::style::{BAD, BOLD, DIM, paint};
use super::terminal::Layout;
use super::verdict::{self, TextOptions};

pub const ALL_DONE: &str = "Every exercise has passed: the course is done!
Watch one again with `cargo xtask watch exercise-N`; compare: `cargo xtask solution exercise-N`.";

/// The two dim lines under every verdict: what is watched, and the keys.
pub struct Footer {
    /// The watched folder: `exercises/03-lru/src`.
    pub src: String,
    /// Files are watched (otherwise Enter checks: manual mode).
    pub watching: bool,
    /// The exercise has a speed check.
    pub speed_check: bool,
    /// Keys work without Enter.
    pub single_keys: bool,
}

/// A finished check, as the screen shows it.
pub enum Screen<'a> {
    /// The grader itself failed, not the learner's code.
    GraderFailed { name: &'a str, error: &'a str },
    Passed {
        verdict: &'a Verdict,
        after: AfterPass<'a>,
    },
    NotPassed {
        verdict: &'a Verdict,
        /// The next hint's number and how many there are, when hints remain.
        next_hint: Option<(usize, usize)>,
    },
}

/// What to do after a pass.
pub enum AfterPass<'a> {
    /// What ran passed, but these checks did not run (`speed`).
    Unchecked(Vec<&'a str>),
    /// Done; `n` moves on to the next exercise not passed yet (`exercise-4 lru`).
    Next { current: String, next: String },
    /// Done, and so is every other exercise.
    CourseDone { current: String },
}

/// A check's result: the verdict and only what helps the next edit, then the footer.
pub fn verdict_screen(screen: &Screen<'_>, footer: &Footer) -> String {
    let layout = Layout::stdout();
    let mut out = String::new();
    match screen {
        Screen::GraderFailed { name, error } => {
            out.push_str(&format!(
                "{} {name}: the grader could not run\n",
                paint(BAD, "✘")
            ));
            for line in error.lines() {
                for row in layout.wrap_line(line, "  ") {
                    out.push_str(&format!("{row}\n"));
                }
            }
            out.push_str("  Not a fault of your code: fix the problem above, then press r.\n");
        }
        Screen::Passed { verdict, after } => {
            out.push_str(&verdict::headline(verdict));
            out.push('\n');
            out.push_str(&after_pass(after));
        }
        Screen::NotPassed { verdict, next_hint } => {
            out.push_str(&verdict::text(
                verdict,
                &TextOptions {
                    layout,
                    ..Default::default()
                },
            ));
            if let Some((number, total)) = next_hint {
                out.push_str(&format!(
                    "\n  {}\n",
                    paint(DIM, &format!("Stuck? h shows hint {number} of {total}."))
                ));
            }
        }
    }
    out.push('\n');
    out.push_str(&self::footer(footer, &layout));
    out.trim_end_matches('\n').to_string()
}

fn after_pass(after: &AfterPass<'_>) -> String {
    match after {
        AfterPass::Unchecked(words) => {
            let what = match words.join(" and ") {
                words if words.is_empty() => "Not every check ran".to_string(),
                words => format!(
                    "{}{} not checked yet",
                    words[..1].to_ascii_uppercase(),
                    &words[1..]
                ),
            };
            format!("  {what}: press f for the full check.\n")
        }
        AfterPass::Next { current, next } => {
            format!("  Done! n: on to {next} · the reference: cargo xtask solution {current}\n")
        }
        AfterPass::CourseDone { current } => format!(
            "  Every exercise has passed: the course is done! Compare: cargo xtask solution {current}\n"
        ),
    }
}

/// What is watched, and the keys; ends with a newline.
pub fn footer(footer: &Footer, layout: &Layout) -> String {
    let src = &footer.src;
    let speed = if footer.speed_check {
        "full check with speed: f"
    } else {
        "no speed check here"
    };
    let status = if footer.watching {
        format!("── watching {src}/ · on save: tests + leak hunt · {speed}")
    } else {
        format!("── manual mode · Enter checks {src}/ (tests + leak hunt) · {speed}")
    };
    let mut out = String::new();
    for line in layout.wrap(&status, "", "   ") {
        out.push_str(&format!("{}\n", paint(DIM, &line)));
    }
    out.push_str(&format!("{}\n", paint(DIM, &keys_line(footer.single_keys))));
    out
}

pub fn keys_line(single_keys: bool) -> String {
    let then = if single_keys { "" } else { " (then Enter)" };
    format!(
        "   keys{then}: r re-run · f full check · h hint · l list · c check all · n next · q quit"
    )
}

pub fn unknown_key(key: char, single_keys: bool) -> String {
    format!("`{key}` is not a key here.\n{}", keys_line(single_keys))
}

/// The exercise now watched (`exercise-3 lru`), and where its task is.
pub fn exercise_title(exercise: &str, title: &str, readme: &str) -> String {
    let layout = Layout::stdout();
    let title = layout
        .wrap(&format!("{exercise} — {title}"), "", "  ")
        .iter()
        .map(|line| paint(BOLD, line))
        .collect::<Vec<_>>()
        .join("\n");
    format!("{title}\n  The task: {readme}")
}

/// One hint: `Hint 2 of 3 for exercise-3 lru:`, the hint wrapped, and at the last one where the
/// whole task is.
pub fn hint(number: usize, total: usize, exercise: &str, text: &str, readme_dir: &str) -> String {
    let layout = Layout::stdout();
    let mut out = format!(
        "{} for {exercise}:\n",
        paint(BOLD, &format!("Hint {number} of {total}"))
    );
    for line in layout.wrap(text, "  ", "  ") {
        out.push_str(&format!("{line}\n"));
    }
    if number == total {
        out.push_str(&format!(
            "That was the last hint. The README has the whole task: {readme_dir}/README.md\n"
        ));
    }
    out.trim_end().to_string()
}

/// The spinner's message while one exercise is checked.
pub fn building(exercise: &str, full: bool) -> String {
    let what = if full {
        " (tests, leak hunt and speed)"
    } else {
        ""
    };
    format!("building {exercise}{what}")
}

/// The spinner's message once the build is done and the tests run.
pub fn testing(exercise: &str, full: bool) -> String {
    let what = if full { " and its speed" } else { "" };
    format!("testing {exercise}{what}")
}

/// The spinner's message while the leak hunt runs (the tests have passed).
pub fn hunting_leaks(exercise: &str) -> String {
    format!("hunting leaks in {exercise}")
}

pub const CHECK_ALL: &str =
    "Checking every exercise (tests and leak hunt; the speed check: f, or cargo xtask check):";

/// One line of `c`'s tally: the verdict's headline, or why the grader could not run.
pub fn check_all_line(name: &str, outcome: Result<&Verdict, &str>) -> String {
    match outcome {
        Ok(verdict) => verdict::headline(verdict),
        Err(error) => Layout::stdout()
            .wrap(
                &format!("{name}: the grader could not run: {error}"),
                "",
                "  ",
            )
            .join("\n"),
    }
}

/// `c`'s closing line.
pub fn check_all_done(passed: usize, done: usize, total: usize) -> String {
    format!(
        "\n{passed} of {total} pass their tests and leak hunt; {done} of {total} are done (every check, speed too)."
    )
}

/// Why a request waits: a save or a key while a check runs.
pub fn queued(by_save: bool, building: bool) -> &'static str {
    match (by_save, building) {
        (true, true) => "Saved while building: the new version is checked once this build ends.",
        (true, false) => "Saved during a check: one more check follows when it ends.",
        (false, _) => "A check is running: the next one follows when it ends.",
    }
}

pub const ABANDONED: &str = "Saved while building: checking the new version instead.";

pub const BUSY_FOR_NEXT: &str = "A check is running: press n again once it has finished.";

/// `n` before the exercise has passed every check.
pub fn not_passed_yet(name: &str, tests_passed: bool) -> String {
    if tests_passed {
        format!("{name} passed its tests and leak hunt; its speed is not checked yet: f, then n.")
    } else {
        format!("{name} has not passed yet: n moves on only once it passes. Stuck? h shows a hint.")
    }
}

pub fn cannot_watch(what: &str, error: &str) -> String {
    format!("note: cannot watch {what} ({error}); press Enter to check instead.")
}

pub fn watch_error(message: &str) -> String {
    format!("note: file watching: {message}")
}

pub fn progress_not_saved(error: &str) -> String {
    format!("note: could not save progress: {error}")
}

/// The last words, after `q`.
pub fn bye(stopped_a_check: bool, progress_file: &str) -> String {
    let mut out = String::new();
    if stopped_a_check {
        out.push_str("The running check was stopped.\n");
    }
    out.push_str(&format!(
        "Bye! Your progress is in {progress_file}; cargo xtask shows where you are."
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    #[test]
    fn the_footer_names_the_folder_and_the_keys() {
        let footer = Footer {
            src: "exercises/03-todo/src".into(),
            watching: false,
            speed_check: false,
            single_keys: false,
        };
        assert_eq!(
            plain(&self::footer(&footer, &Layout::pipe())),
            "── manual mode · Enter checks exercises/03-todo/src/ (tests + leak hunt) · no speed check here\n   keys (then Enter): r re-run · f full check · h hint · l list · c check all · n next · q quit\n"
        );
    }

    #[test]
    fn after_a_pass_the_screen_says_what_is_left() {
        assert_eq!(
            after_pass(&AfterPass::Unchecked(vec!["speed"])),
            "  Speed not checked yet: press f for the full check.\n"
        );
        assert_eq!(
            after_pass(&AfterPass::Unchecked(vec![])),
            "  Not every check ran: press f for the full check.\n"
        );
        assert_eq!(
            after_pass(&AfterPass::Next {
                current: "exercise-0".into(),
                next: "exercise-3 todo".into(),
            }),
            "  Done! n: on to exercise-3 todo · the reference: cargo xtask solution exercise-0\n"
        );
    }
}
