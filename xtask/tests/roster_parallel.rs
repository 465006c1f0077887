//! `grade-all --submissions` with parallel workers: `--jobs 2` and `--jobs 1` give the same
//! gradebook (speed checks included), and Ctrl-C in the middle of a test run leaves no scratch
//! folder and no process behind.
mod common;
mod roster_support;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Course;
use roster_support::{copy, grade_all, survivors};

/// A student's copy of `course`, with `edits` (file, from, to) applied.
fn student(course: &Path, into: &Path, edits: &[(&str, &str, &str)]) {
    copy(&course.join("exercises"), &into.join("exercises"));
    for (file, from, to) in edits {
        let path = into.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{}", path.display());
        std::fs::write(&path, text.replace(from, to)).unwrap();
    }
}

/// Each student's id, status and per-exercise status and points, from grades.json.
fn verdicts(out: &Path) -> Vec<String> {
    let grades: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    grades["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|student| {
            let exercises: Vec<String> = student["exercises"]
                .as_array()
                .unwrap()
                .iter()
                .map(|exercise| format!("{} {}", exercise["status"], exercise["points"]))
                .collect();
            format!(
                "{} {}: {}",
                student["id"],
                student["status"],
                exercises.join(", ")
            )
        })
        .collect()
}

#[test]
fn two_workers_and_one_give_the_same_gradebook() {
    let course = Course::new(&["00-passes", "01-wrong", "30-perf-fast", "31-perf-slow"]);
    let work = tempfile::Builder::new()
        .prefix("roster-jobs-")
        .tempdir()
        .unwrap();
    let subs = work.path().join("submissions");
    let wrong = "exercises/01-wrong/src/lib.rs";
    student(course.root(), &subs.join("as-is"), &[]);
    student(
        course.root(),
        &subs.join("fixed"),
        &[
            (wrong, "chars.chunks(width - 1)", "chars.chunks(width)"),
            (wrong, ".filter(|n| *n != 97)", ""),
        ],
    );
    student(
        course.root(),
        &subs.join("broken"),
        &[("exercises/00-passes/src/lib.rs", "a + b", "a - b")],
    );
    let grade = |jobs: &str, out: &str| {
        let out = work.path().join(out);
        let run = course.xtask(&grade_all(&subs, &out, &["--jobs", jobs, "--regrade"]));
        assert_eq!(run.code, 0, "{}", run.all());
        out
    };
    let two = grade("2", "two");
    let one = grade("1", "one");
    let two_verdicts = verdicts(&two);
    assert_eq!(two_verdicts, verdicts(&one));
    assert_eq!(
        std::fs::read_to_string(two.join("gradebook.csv")).unwrap(),
        std::fs::read_to_string(one.join("gradebook.csv")).unwrap(),
        "the gradebook has no time column: equal byte for byte"
    );
    // The verdicts differ between the students, and the speed checks decided something.
    let joined = two_verdicts.join("\n");
    assert!(
        joined.contains("\"fixed\" \"graded\": \"failed\" 4.5, \"passed\" 6.0"),
        "{joined}"
    );
    assert!(
        joined.contains("\"broken\" \"graded\": \"failed\" 1.5"),
        "{joined}"
    );
    for line in &two_verdicts {
        assert!(
            line.ends_with("\"passed\" 8.0, \"failed\" 6.0"),
            "perf-fast passes its speed case, perf-slow fails it: {joined}"
        );
    }
}

#[test]
fn ctrl_c_in_a_test_run_leaves_no_scratch_folder_and_no_process() {
    let course = Course::new(&["05-loops"]);
    let work = tempfile::Builder::new()
        .prefix("roster-interrupt-")
        .tempdir()
        .unwrap();
    let token = format!(
        "sleeper-{}",
        work.path().file_name().unwrap().to_string_lossy()
    );
    let subs = work.path().join("submissions");
    // converge starts a child that would sleep on, then loops for ever (until the deadline).
    let lib = "exercises/05-loops/src/lib.rs";
    student(course.root(), &subs.join("looper"), &[]);
    std::fs::write(
        subs.join("looper").join(lib),
        format!(
            r#"#[pyo3::pymodule]
mod fx_loops {{
    use pyo3::prelude::*;

    #[pyfunction]
    fn converge(x: f64) -> f64 {{
        let _ = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 60", {token:?}])
            .spawn();
        let mut guess = x;
        loop {{
            guess = std::hint::black_box(guess);
        }}
    }}
}}
"#
        ),
    )
    .unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = work.path().join("out");
    let mut child = course
        .command(&grade_all(&subs, &out, &["--regrade"]))
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let scratch = |prefix: &str| -> Vec<String> {
        std::fs::read_dir(&tmp)
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(prefix))
            .collect()
    };
    let started = Instant::now();
    while scratch("lessongrader-").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the test run never started"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "ended before its test run"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Well inside the endless loop (its deadline is 8 s away).
    std::thread::sleep(Duration::from_secs(2));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "an interrupt's exit code");
    for prefix in ["lessongrader-", "grader-sandbox-", "submission-"] {
        assert!(
            scratch(prefix).is_empty(),
            "left behind: {:?}",
            scratch(prefix)
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    let survivors = survivors(&token);
    assert!(survivors.is_empty(), "left running: {survivors:?}");
}
