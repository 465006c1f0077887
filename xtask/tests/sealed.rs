//! Sealed grading against submissions that fake a pass in-process (grader/tests/fixtures/sealed):
//! the real binary grades them over a copy of the course holding exercise 1 and its reference,
//! with `check --sealed` and as a roster, and every one loses the sealed points of what it fakes;
//! where the in-process tests passed, the gradebook says the results disagree.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Run, repo};

/// The fixtures, and whether the sealed correctness part must fail (`baseline-from-rust` is
/// right, only slow).
const FAKES: [(&str, bool); 6] = [
    ("runtest-noop", true),
    ("record-writer", true),
    ("hard-coded", true),
    ("always-equal", true),
    ("baseline-from-rust", false),
    ("child-process", true),
];

/// In-process tests pass for these, so the roster must call them out.
const TAMPERING: [&str; 2] = ["runtest-noop", "record-writer"];

const EXERCISE: &str = "01-math";

/// A course of exercise 1 alone (learner crate, suite, reference), a workspace of its own.
struct MiniCourse {
    dir: tempfile::TempDir,
}

impl MiniCourse {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sealed-course-")
            .tempdir()
            .unwrap();
        for part in ["exercises", "solutions"] {
            copy_tree(
                &repo().join(part).join(EXERCISE),
                &dir.path().join(part).join(EXERCISE),
            );
        }
        let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
        let dependencies = manifest
            .split("[workspace.dependencies]")
            .nth(1)
            .unwrap()
            .split("\n[")
            .next()
            .unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            format!(
                "[workspace]\nresolver = \"3\"\nmembers = [\"exercises/*\", \"solutions/*\"]\n\n\
                 [workspace.package]\nedition = \"2024\"\nrust-version = \"1.89\"\npublish = false\n\n\
                 [workspace.dependencies]{dependencies}\n"
            ),
        )
        .unwrap();
        std::fs::copy(repo().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
        Self { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn xtask(&self, args: &[&str]) -> Run {
        Run::from(
            common::command_in(self.root(), args)
                .output()
                .expect("xtask runs"),
        )
    }
}

fn fixture(name: &str) -> PathBuf {
    repo()
        .join("grader/tests/fixtures/sealed")
        .join(name)
        .join("src")
}

fn copy_tree(from: &Path, to: &Path) {
    common::copy_tree(from, to, &|_| true);
}

/// Whether the pieces sealed grading needs are in this copy of the course.
fn ready(test: &str) -> bool {
    if !common::has_solutions(test) {
        return false;
    }
    let suite = repo()
        .join("exercises")
        .join(EXERCISE)
        .join("tests/sealed.py");
    if !suite.is_file() {
        eprintln!("{test}: skipped, {} has no sealed suite", suite.display());
        return false;
    }
    true
}

fn part<'a>(result: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    result["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|part| part["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} part in {result:#}"))
}

#[track_caller]
fn assert_faked_parts_fail(name: &str, correctness_fails: bool, result: &serde_json::Value) {
    let status = |kind| part(result, kind)["status"].as_str().unwrap().to_string();
    assert_ne!(status("speed"), "passed", "{name}: {result:#}");
    let correctness = part(result, "correctness");
    if correctness_fails {
        // No case right: no correctness points, and no leak points either (those count only
        // for an implementation that is right).
        assert_eq!(
            correctness["cases_passed"], 0,
            "{name}: every sealed case must fail: {result:#}"
        );
    } else {
        // Right (the baseline is the specification), only slow: its cases agree. Not every one:
        // the baseline and the reference differ on the text of newton_sqrt(nan)'s error.
        assert!(
            correctness["cases_passed"].as_u64().unwrap() > 0,
            "{name}: {result:#}"
        );
    }
}

#[test]
fn fakes_get_no_sealed_points_in_check_and_in_a_roster() {
    if !ready("fakes_get_no_sealed_points_in_check_and_in_a_roster") {
        return;
    }
    let course = MiniCourse::new();
    let src = course.root().join("exercises").join(EXERCISE).join("src");

    // check --sealed, one fake at a time in the learner crate.
    for (name, correctness_fails) in FAKES {
        std::fs::remove_dir_all(&src).unwrap();
        copy_tree(&fixture(name), &src);
        let run = course.xtask(&["check", "1", "--sealed", "--format", "json"]);
        assert_eq!(run.code, 1, "{name}: {}", run.all());
        let result = run.json();
        assert_faked_parts_fail(name, correctness_fails, &result);
    }
    let run = course.xtask(&["check", "1", "--sealed"]);
    assert!(
        run.stdout.contains("sealed checks: 0 of 10 points"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("reference:"), "{}", run.all());
    assert!(
        run.stdout.contains("(replay: --sealed --seed "),
        "{}",
        run.all()
    );

    // The same fakes as a class's submissions.
    let submissions = tempfile::tempdir().unwrap();
    for (name, _) in FAKES {
        copy_tree(
            &fixture(name),
            &submissions
                .path()
                .join(name)
                .join("exercises")
                .join(EXERCISE)
                .join("src"),
        );
    }
    let out = submissions.path().join("out");
    let run = course.xtask(&[
        "grade-all",
        "--submissions",
        submissions.path().to_str().unwrap(),
        "--sandbox",
        "best-effort",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let grades: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(
        junit.contains("timed by the sealed checks"),
        "a switched-off speed check says why in junit.xml: {junit}"
    );
    let mut reader = csv::Reader::from_path(out.join("gradebook.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    for (name, correctness_fails) in FAKES {
        let student = grades["students"]
            .as_array()
            .unwrap()
            .iter()
            .find(|student| student["id"] == name)
            .unwrap();
        let exercise = &student["exercises"][0];
        assert_faked_parts_fail(name, correctness_fails, &exercise["sealed"]);
        let points = exercise["points"].as_f64().unwrap();
        let in_process_tests = exercise["verdict"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|check| check["name"] == "tests" && check["status"] == "passed");
        let row = rows.iter().find(|row| &row[0] == name).unwrap();
        let notes = &row[row.len() - 1];
        // The speed is timed once, by the sealed checks: in-process it is switched off.
        let perf = exercise["verdict"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|check| check["name"] == "perf")
            .unwrap();
        assert_eq!(perf["details"]["reason"], "sealed", "{name}: {perf:#}");
        assert_eq!(
            perf["summary"], "skipped: timed by the sealed checks",
            "{name}"
        );
        if correctness_fails {
            assert_eq!(points, 0.0, "{name}: {exercise:#}");
        } else {
            // Right but slow: the sealed speed part alone decides the speed points and the status.
            assert_eq!(exercise["parts"]["speed"], 0.0, "{name}: {exercise:#}");
            assert_eq!(exercise["status"], "failed", "{name}: {exercise:#}");
            assert!(points < 10.0, "{name}: no speed points: {exercise:#}");
        }
        if TAMPERING.contains(&name) {
            assert!(
                in_process_tests,
                "{name} fakes the in-process tests: {exercise:#}"
            );
        }
        if in_process_tests && correctness_fails {
            assert!(
                notes
                    .contains("in-process results disagree with sealed checks: possible tampering"),
                "{name}: {row:?}"
            );
        }
        let feedback =
            std::fs::read_to_string(out.join("feedback").join(format!("{name}.md"))).unwrap();
        assert!(feedback.contains("sealed checks:"), "{name}: {feedback}");
        if correctness_fails {
            assert!(
                feedback.contains("reference:") && feedback.contains("yours:"),
                "{name}: {feedback}"
            );
        }
    }
}

/// `sandbox-exec`, the launcher of every sealed worker: stdin and stdout pass through, the worker
/// can start no helper process and no thread, and a worker's signal becomes the launcher's.
/// A student edition has no solutions/: `check --sealed` says the sealed checks need them
/// (instructors only) and exits 2, before building anything.
#[test]
fn check_sealed_without_the_solutions_says_they_are_for_instructors() {
    let course = MiniCourse::new();
    std::fs::remove_dir_all(course.root().join("solutions")).unwrap();
    let run = course.xtask(&["check", "1", "--sealed"]);
    assert_eq!(run.code, 2, "{}", run.all());
    // (wrapped to the terminal's width: compared as words)
    let words = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("the sealed checks compare a crate against the reference solutions, which only instructors have"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains("Compiling"), "{}", run.all());
}

#[test]
fn the_worker_launcher_passes_pipes_refuses_helpers_and_keeps_signals() {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;
    let python = repo().join(".venv/bin/python");
    let scratch = tempfile::tempdir().unwrap();
    let launch = |code: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .args(["sandbox-exec", "--mode", "best-effort", "--writable"])
            .arg(scratch.path())
            .arg("--")
            .arg(&python)
            .args(["-c", code])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if std::env::var_os("CARGO_TARGET_DIR").is_none() {
            command.env("CARGO_TARGET_DIR", repo().join("target"));
        }
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"sealed call\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let echoed = launch("import sys; print(sys.stdin.readline().upper(), end='')");
    assert!(echoed.status.success(), "{echoed:?}");
    assert_eq!(String::from_utf8_lossy(&echoed.stdout), "SEALED CALL\n");

    let helper = launch(
        "import subprocess, sys\n\
         try:\n    subprocess.run([sys.executable, '-c', 'pass'])\n    print('started')\n\
         except OSError as error:\n    print('refused', error.errno)",
    );
    assert_eq!(
        String::from_utf8_lossy(&helper.stdout).trim(),
        "refused 11",
        "{helper:?}"
    );
    let thread = launch(
        "import threading\n\
         try:\n    threading.Thread(target=print).start()\n    print('started')\n\
         except RuntimeError:\n    print('refused')",
    );
    assert_eq!(
        String::from_utf8_lossy(&thread.stdout).trim(),
        "refused",
        "{thread:?}"
    );

    let crashed = launch("import ctypes; ctypes.string_at(0)");
    assert_eq!(crashed.status.signal(), Some(11), "{crashed:?}");
    let exited = launch("raise SystemExit(3)");
    assert_eq!(exited.status.code(), Some(3), "{exited:?}");

    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["sandbox-exec", "--mode", "best-effort"])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(2),
        "no command is bad usage: {run:?}"
    );
}

/// The sealed runner ends a worker it gives up on with SIGTERM to the launcher's process group:
/// the worker dies, and the sandbox's run folder goes with it (a SIGKILL alone left it in /tmp).
#[test]
fn a_terminated_launcher_kills_its_worker_and_leaves_no_run_folder() {
    use std::os::unix::process::ExitStatusExt;
    let python = repo().join(".venv/bin/python");
    let tmp = tempfile::tempdir().unwrap();
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let marker = scratch.join("worker-started");
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args(["sandbox-exec", "--mode", "best-effort", "--writable"])
        .arg(&scratch)
        .arg("--")
        .arg(&python)
        .arg("-c")
        .arg(format!(
            "import pathlib, time\npathlib.Path({:?}).touch()\ntime.sleep(30)",
            marker.display().to_string()
        ))
        .env("TMPDIR", tmp.path())
        .stdin(std::process::Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        command.env("CARGO_TARGET_DIR", repo().join("target"));
    }
    let mut launcher = command.spawn().unwrap();
    let started = std::time::Instant::now();
    while !marker.exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the worker never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let run_folders = || {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("grader-sandbox-"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        run_folders().len(),
        1,
        "the run has its folder while it runs"
    );

    let group = nix::unistd::Pid::from_raw(launcher.id() as i32);
    nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = launcher.wait().unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the worker outlived SIGTERM"
    );
    assert!(
        status.code() == Some(143) || status.signal() == Some(15),
        "{status:?}"
    );
    assert_eq!(
        run_folders(),
        Vec::<String>::new(),
        "the run folder is left"
    );
}
