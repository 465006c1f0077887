//! The self-paced learner's loop over the fixture course: where am I (`cargo xtask`, `list`,
//! the progress file), `watch` (driven through a pipe), `reset` and `solution`.
mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::Course;

const TODO_LIB: &str = "exercises/03-todo/src/lib.rs";
/// How long a check may take on a busy 2-core machine with other test builds queued before it.
const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

/// The fixture's skeleton with its todo!() filled in the learner's way.
fn solved(course: &Course) -> String {
    skeleton(course).replace("todo!()", "{ self.count = self.count + 1; self.count }")
}

fn skeleton(course: &Course) -> String {
    std::fs::read_to_string(course.root().join(TODO_LIB)).unwrap()
}

#[test]
fn progress_follows_the_learner_from_nothing_to_done() {
    let course = Course::new(&["00-", "03-"]);
    let start = course.xtask(&[]);
    assert_eq!(start.code, 0, "{}", start.all());
    assert!(
        start.stdout.contains("0/2 exercises passed"),
        "{}",
        start.all()
    );
    assert!(
        start.stdout.contains("Current: exercise-0 passes — Passes"),
        "{}",
        start.all()
    );
    assert!(
        start.stdout.contains("Last:    not checked yet"),
        "{}",
        start.all()
    );
    assert!(
        !course.root().join(".course-progress.toml").exists(),
        "looking around writes nothing"
    );

    let todo = course.xtask(&["check", "3"]);
    assert_eq!(todo.code, 1, "{}", todo.all());
    let list = course.xtask(&["list"]);
    let row = |list: &common::Run, name: &str| {
        list.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        row(&list, "exercise-3").contains("not started"),
        "{}",
        list.all()
    );
    assert!(
        row(&list, "exercise-3").contains("just now")
            && row(&list, "exercise-3").ends_with("tests"),
        "{}",
        list.all()
    );
    assert!(row(&list, "exercise-0").contains("never"), "{}", list.all());

    course.write(TODO_LIB, &solved(&course));
    let solved_run = course.xtask(&["check", "todo"]);
    assert_eq!(solved_run.code, 0, "{}", solved_run.all());
    let middle = course.xtask(&[]);
    assert!(
        middle.stdout.contains("1/2 exercises passed"),
        "{}",
        middle.all()
    );
    assert!(
        middle
            .stdout
            .contains("Next:    cargo xtask check exercise-0"),
        "{}",
        middle.all()
    );
    let list = course.xtask(&["list"]);
    assert!(
        row(&list, "exercise-3").contains("passed"),
        "{}",
        list.all()
    );
    assert!(
        list.stdout
            .contains("1 of 2 passed · next: cargo xtask check exercise-0"),
        "{}",
        list.all()
    );
    for line in list.stdout.lines().chain(middle.stdout.lines()) {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line:?}"
        );
    }

    assert_eq!(course.xtask(&["check"]).code, 0);
    let done = course.xtask(&[]);
    assert!(
        done.stdout.contains("2/2 exercises passed")
            && done.stdout.contains("Every exercise has passed"),
        "{}",
        done.all()
    );
    let file = std::fs::read_to_string(course.root().join(".course-progress.toml")).unwrap();
    assert!(file.starts_with("# Your progress"), "{file}");
    assert!(
        file.contains("[exercises.exercise-3]\nstatus = \"passed\""),
        "{file}"
    );
    assert!(
        !file.contains(&*course.root().to_string_lossy()),
        "the file names no paths, so it can be copied:\n{file}"
    );
}

#[test]
fn a_corrupt_progress_file_is_rebuilt_and_never_fatal() {
    let course = Course::new(&["00-"]);
    let path = course.root().join(".course-progress.toml");
    std::fs::write(&path, "[exercises.exercise-0\nstatus = ").unwrap();
    let status = course.xtask(&[]);
    assert_eq!(status.code, 0, "{}", status.all());
    assert!(
        status.stderr.contains(".course-progress.toml is damaged"),
        "{}",
        status.all()
    );
    assert!(
        status.stdout.contains("0/1 exercises passed"),
        "{}",
        status.all()
    );
    assert_eq!(course.xtask(&["list"]).code, 0);

    let check = course.xtask(&["check", "0"]);
    assert_eq!(check.code, 0, "{}", check.all());
    let again = course.xtask(&[]);
    assert!(
        again.stderr.is_empty(),
        "the check rewrote the file:\n{}",
        again.all()
    );
    assert!(
        again.stdout.contains("1/1 exercises passed"),
        "{}",
        again.all()
    );

    // One bad value costs only that value.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("hints_shown = 0", "hints_shown = \"lots\"");
    std::fs::write(&path, text).unwrap();
    let partly = course.xtask(&[]);
    assert!(
        partly.stderr.contains("exercises.exercise-0.hints_shown"),
        "{}",
        partly.all()
    );
    assert!(
        partly.stdout.contains("1/1 exercises passed"),
        "{}",
        partly.all()
    );
}

#[test]
fn reset_backs_up_the_learners_src_then_restores_the_committed_skeleton() {
    let course = Course::new(&["00-", "03-"]);
    git(course.root(), &["init", "-q"]);
    git(course.root(), &["add", "-A"]);
    git(
        course.root(),
        &[
            "-c",
            "user.name=Learner",
            "-c",
            "user.email=learner@example.invalid",
            "commit",
            "-q",
            "-m",
            "course",
        ],
    );
    let original = skeleton(&course);
    let mine = solved(&course);
    course.write(TODO_LIB, &mine);
    course.write("exercises/03-todo/src/helpers.rs", "// a file of my own\n");
    assert_eq!(course.xtask(&["check", "3"]).code, 0);

    let reset = course.xtask(&["reset", "exercise-3"]);
    assert_eq!(reset.code, 0, "{}", reset.all());
    assert!(
        reset
            .stdout
            .contains("exercise-3 todo: exercises/03-todo/src/ is back to the skeleton"),
        "{}",
        reset.all()
    );
    let saved = reset
        .stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("Your version is saved in "))
        .unwrap_or_else(|| panic!("no backup named:\n{}", reset.all()))
        .to_string();
    assert!(
        saved.starts_with(".course-backups/") && saved.ends_with("/03-todo/src/"),
        "{saved}"
    );
    let backup = course.root().join(&saved);
    assert_eq!(
        std::fs::read_to_string(backup.join("lib.rs")).unwrap(),
        mine
    );
    assert_eq!(
        std::fs::read_to_string(backup.join("helpers.rs")).unwrap(),
        "// a file of my own\n"
    );
    assert_eq!(skeleton(&course), original);
    assert!(
        !course
            .root()
            .join("exercises/03-todo/src/helpers.rs")
            .exists()
    );
    let status = git(
        course.root(),
        &[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "exercises",
        ],
    );
    assert!(
        status.trim().is_empty(),
        "the work tree matches HEAD and the index is untouched:\n{status}"
    );
    let overview = course.xtask(&["list"]);
    let row = overview
        .stdout
        .lines()
        .find(|line| line.starts_with("exercise-3"))
        .unwrap_or("")
        .to_string();
    assert!(
        row.contains("—") && row.contains("never"),
        "the old verdict is forgotten:\n{}",
        overview.all()
    );

    let again = course.xtask(&["reset", "3"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains("already the skeleton"),
        "{}",
        again.all()
    );
    let backups = std::fs::read_dir(course.root().join(".course-backups"))
        .unwrap()
        .count();
    assert_eq!(backups, 1, "nothing to save, no new backup");

    course.write(TODO_LIB, "// started over\n");
    let all = course.xtask(&["reset", "--all"]);
    assert_eq!(all.code, 0, "{}", all.all());
    assert!(
        all.stdout.contains(
            "Reset 1 exercise(s), 1 already the skeleton; your code is saved in .course-backups/"
        ),
        "{}",
        all.all()
    );
    assert_eq!(skeleton(&course), original);
    assert_eq!(
        std::fs::read_dir(course.root().join(".course-backups"))
            .unwrap()
            .count(),
        2
    );
}

#[test]
fn reset_refuses_outside_a_git_checkout_and_touches_nothing() {
    let course = Course::new(&["03-"]);
    course.write(TODO_LIB, "// my work\n");
    let output = course
        .command(&["reset", "3"])
        .env("GIT_CEILING_DIRECTORIES", course.root().parent().unwrap())
        .output()
        .unwrap();
    let run = common::Run::from(output);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("is not inside a git checkout"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("Nothing was changed"), "{}", run.all());
    assert_eq!(skeleton(&course), "// my work\n");
    assert!(!course.root().join(".course-backups").exists());

    let usage = course.xtask(&["reset"]);
    assert_eq!(usage.code, 2, "{}", usage.all());
}

#[test]
fn the_solution_stays_closed_until_the_exercise_passes_then_shows_a_diff() {
    let course = Course::new(&["03-"]);
    let reference = skeleton(&course).replace(
        "todo!()",
        "{\n            self.count += 1;\n            self.count\n        }",
    );
    std::fs::create_dir_all(course.root().join("solutions/03-todo/src")).unwrap();
    course.write("solutions/03-todo/src/lib.rs", &reference);
    course.write(
        "exercises/03-todo/README.md",
        "# Not started\n\nThe task.\n\n## What the reference does differently\n\n\
         - It uses `+=`, which reads as \"add one\".\n\n## Afterwards\n\nNot part of the section.\n",
    );

    let closed = course.xtask(&["solution", "3"]);
    assert_eq!(closed.code, 1, "{}", closed.all());
    assert!(
        closed.stdout.contains("exercise-3 todo has not passed yet"),
        "{}",
        closed.all()
    );
    assert!(
        closed
            .stdout
            .contains("cargo xtask hint exercise-3` shows the next hint (hint 1 of 2)"),
        "{}",
        closed.all()
    );
    assert!(
        !closed.stdout.contains("self.count"),
        "no peeking:\n{}",
        closed.all()
    );

    course.write(TODO_LIB, &solved(&course));
    assert_eq!(course.xtask(&["check", "3"]).code, 0);
    let open = course.xtask(&["solution", "todo"]);
    assert_eq!(open.code, 0, "{}", open.all());
    let out = &open.stdout;
    assert!(out.contains("--- exercises/03-todo/src/lib.rs (yours)\n+++ solutions/03-todo/src/lib.rs (reference)\n@@ "), "{}", open.all());
    assert!(
        out.contains("\n-            { self.count = self.count + 1; self.count }\n"),
        "{}",
        open.all()
    );
    assert!(
        out.contains("\n+            self.count += 1;\n"),
        "{}",
        open.all()
    );
    assert!(
        out.contains(
            "What the reference does differently (exercises/03-todo/README.md):\n  - It uses `+=`"
        ),
        "{}",
        open.all()
    );
    assert!(!out.contains("Not part of the section"), "{}", open.all());
    assert!(
        out.lines().all(|line| line.chars().count() <= 100),
        "{}",
        open.all()
    );

    // Breaking it again later does not close the solution.
    course.write(TODO_LIB, &reference.replace("self.count += 1;", "todo!();"));
    assert_eq!(course.xtask(&["check", "3"]).code, 1);
    assert_eq!(course.xtask(&["solution", "3"]).code, 0);
}

#[test]
fn watch_manual_run_checks_on_enter_and_quits_on_q() {
    let course = Course::new(&["03-"]);
    let mut watch = Watch::start(&course, &["watch", "--manual-run", "3"]);
    watch.expect("○ exercise-3 todo — not started", CHECK_TIMEOUT);
    watch.expect(
        "── manual mode · Enter checks exercises/03-todo/src/",
        CHECK_TIMEOUT,
    );
    watch.send("n");
    watch.expect(
        "exercise-3 has not passed yet: n moves on only once it passes",
        CHECK_TIMEOUT,
    );

    course.write(TODO_LIB, &solved(&course));
    watch.expect_silence(Duration::from_secs(3), "✔ exercise-3");
    watch.send("");
    watch.expect("✔ exercise-3 todo — passed", CHECK_TIMEOUT);
    watch.expect("── manual mode", CHECK_TIMEOUT);
    watch.send("q");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("Bye!"), "{output}");
    assert!(
        output.lines().all(|line| line.chars().count() <= 100),
        "{output}"
    );
    let list = course.xtask(&["list"]);
    assert!(
        list.stdout
            .lines()
            .any(|line| line.starts_with("exercise-3") && line.contains("passed")),
        "{}",
        list.all()
    );
}

#[test]
fn watch_rechecks_on_save_and_moves_on_only_after_a_pass() {
    let course = Course::new(&["00-", "03-"]);
    let mut watch = Watch::start(&course, &["watch"]);
    watch.expect("✔ exercise-0 passes — passed", CHECK_TIMEOUT);
    watch.expect("Done! n: on to exercise-3 todo", CHECK_TIMEOUT);
    watch.send("n");
    watch.expect("○ exercise-3 todo — not started", CHECK_TIMEOUT);
    watch.expect("── watching exercises/03-todo/src/", CHECK_TIMEOUT);
    watch.send("h");
    watch.expect("Hint 1 of 2 for exercise-3 todo:", CHECK_TIMEOUT);
    watch.send("n");
    watch.expect("exercise-3 has not passed yet", CHECK_TIMEOUT);

    course.write(TODO_LIB, &solved(&course));
    watch.expect("✔ exercise-3 todo — passed", CHECK_TIMEOUT);
    watch.expect(
        "Every exercise has passed: the course is done!",
        CHECK_TIMEOUT,
    );
    watch.send("l");
    watch.expect("2 of 2 passed · every exercise is done", CHECK_TIMEOUT);
    watch.send("q");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    assert!(
        output.lines().all(|line| line.chars().count() <= 100),
        "{output}"
    );
    let progress = std::fs::read_to_string(course.root().join(".course-progress.toml")).unwrap();
    assert!(
        progress.contains("[exercises.exercise-3]\nstatus = \"passed\""),
        "recorded after the check:\n{progress}"
    );
}

#[test]
fn watch_checks_speed_on_f_and_moves_on_only_after_every_check_passed() {
    let course = Course::new(&["00-", "03-"]);
    let toml = course.root().join("exercises/00-passes/exercise.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("enabled = false", "enabled = true");
    let perf = "\n[[perf]]\nname = \"add\"\nbaseline = \"baseline:add\"\ncandidate = \"fx_passes:add\"\n\
                setup = \"baseline:make_input\"\nmin_speedup = 0.001\nhint = \"never too slow\"\n";
    std::fs::write(&toml, format!("{text}{perf}")).unwrap();
    course.write(
        "exercises/00-passes/tests/baseline.py",
        "def add(a, b):\n    return a + b\n\n\ndef make_input():\n    return (2, 3)\n",
    );

    let mut watch = Watch::start(&course, &["watch"]);
    watch.expect(
        "✔ exercise-0 passes — tests pass (2/2); hunting leaks…",
        CHECK_TIMEOUT,
    );
    watch.expect(
        "✔ exercise-0 passes — passed   tests 2/2 · leaks clean",
        CHECK_TIMEOUT,
    );
    watch.expect(
        "  Speed not checked yet: press f for the full check.",
        CHECK_TIMEOUT,
    );
    watch.expect("── watching", CHECK_TIMEOUT);
    let progress = std::fs::read_to_string(course.root().join(".course-progress.toml")).unwrap();
    assert!(progress.contains("unchecked = [\"perf\"]"), "{progress}");
    watch.send("n");
    watch.expect(
        "exercise-0 passed its tests and leak hunt; its speed is not checked yet: f, then n.",
        CHECK_TIMEOUT,
    );
    watch.send("f");
    let full = watch.expect("✔ exercise-0 passes — passed", CHECK_TIMEOUT);
    assert!(full.contains("speedup"), "{full}");
    watch.expect(
        "Done! n: on to exercise-3 todo · the reference: cargo xtask solution exercise-0",
        CHECK_TIMEOUT,
    );
    watch.send("n");
    watch.expect("○ exercise-3 todo — not started", CHECK_TIMEOUT);
    watch.send("q");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    let status = course.xtask(&[]);
    assert!(
        status.stdout.contains("1/2 exercises passed"),
        "{}",
        status.all()
    );
}

#[test]
fn saves_during_a_check_queue_one_more_check_not_a_pile() {
    let course = Course::new(&["03-"]);
    let mut watch = Watch::start(&course, &["watch", "3"]);
    watch.expect("── watching", CHECK_TIMEOUT);
    let original = skeleton(&course);
    course.write(TODO_LIB, &format!("{original}// first save\n"));
    std::thread::sleep(Duration::from_millis(400));
    course.write(TODO_LIB, &solved(&course));
    std::thread::sleep(Duration::from_millis(150));
    course.write(TODO_LIB, &format!("{}// third save\n", solved(&course)));
    let queued = watch.expect("Saved ", CHECK_TIMEOUT);
    assert!(
        queued.contains("Saved while building") || queued.contains("Saved during a check"),
        "{queued}"
    );
    watch.expect("✔ exercise-3 todo — passed", CHECK_TIMEOUT);
    watch.expect("── watching", CHECK_TIMEOUT);
    watch.expect_silence(Duration::from_secs(4), "exercise-3 todo —");
    watch.send("q");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    let verdicts = output
        .lines()
        .filter(|line| line.starts_with("○ exercise-3") || line.starts_with("✔ exercise-3"))
        .count();
    // The first check (not started) plus at most two for three saves: the first save's check
    // (unless dropped because it was still building) and one queued check for the other two.
    assert!(
        (2..=3).contains(&verdicts),
        "{verdicts} verdicts:\n{output}"
    );
}

#[test]
fn quitting_during_a_check_stops_its_test_run() {
    let course = Course::new(&["05-"]);
    let toml = course.root().join("exercises/05-loops/exercise.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("timeout_secs = 8", "timeout_secs = 120");
    std::fs::write(&toml, text).unwrap();
    let tests_dir = course.root().join("exercises/05-loops");
    let mut watch = Watch::start(&course, &["watch", "5"]);
    let started = Instant::now();
    while processes_in(&tests_dir).is_empty() {
        assert!(started.elapsed() < CHECK_TIMEOUT, "pytest never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    watch.send("q");
    let (code, output) = watch.finish();
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("The running check was stopped."),
        "{output}"
    );
    let stopped = Instant::now();
    while !processes_in(&tests_dir).is_empty() {
        assert!(
            stopped.elapsed() < Duration::from_secs(5),
            "the endless test run outlived watch mode"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Processes whose working directory is `dir` (pytest runs in the exercise's folder).
fn processes_in(dir: &Path) -> Vec<u32> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir))
        .collect()
}

/// `cargo xtask watch` on pipes; its output is read on a thread and matched line by line.
struct Watch {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    fn start(course: &Course, args: &[&str]) -> Self {
        let mut child = course
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("xtask watch starts");
        let (sender, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Wait for a line containing `text`; returns it.
    fn expect(&mut self, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no line with {text:?} within {timeout:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("watch ended before a line with {text:?}"))
                }
            }
        }
    }

    /// No line containing `text` for `quiet`.
    fn expect_silence(&mut self, quiet: Duration, text: &str) {
        let deadline = Instant::now() + quiet;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line.clone());
            if line.contains(text) {
                self.fail(&format!("unexpected line with {text:?}"));
            }
        }
    }

    /// Close stdin's writer side only after `q`; wait for the exit (30 s at most).
    fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                drop(self.stdin.take());
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
                    self.seen.push(line);
                }
                return (status.code().unwrap_or(-1), self.seen.join("\n"));
            }
            if Instant::now() > deadline {
                self.fail("watch did not exit within 30 s of q");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn fail(&mut self, message: &str) -> ! {
        let _ = self.child.kill();
        panic!("{message}; output so far:\n{}", self.seen.join("\n"));
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
