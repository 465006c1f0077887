//! The mistake catalogue: every `solutions/NN-slug/mistakes/*.patch` is a classic mistake applied
//! to the reference solution, and the real grader must give it the feedback its header promises:
//!
//! ```text
//! # headline: tests pass, but memory leaks      (in the verdict's first line; `a | b`: either)
//! # names: sum_list                             (the function the feedback points at)
//! # hint: a NEW reference                       (the kind of hint: words only that hint has)
//! ```
//!
//! One test per exercise; its patches run one after the other in one course copy, so each build
//! after the first recompiles only the exercise's crate. This is the regression net for every
//! change to the feedback.
mod common;

use std::path::Path;
use std::process::Command;

use common::{Course, repo};

struct Mistake {
    file: String,
    headline: String,
    names: String,
    hint: String,
}

fn header(text: &str, key: &str, file: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("# {key}: ")))
        .unwrap_or_else(|| panic!("{file}: no `# {key}:` line"))
        .trim()
        .to_string()
}

fn catalogue(folder: &str) -> Vec<Mistake> {
    let dir = repo().join("solutions").join(folder).join("mistakes");
    let mut mistakes: Vec<Mistake> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "patch"))
        .map(|path| {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            Mistake {
                headline: header(&text, "headline", &file),
                names: header(&text, "names", &file),
                hint: header(&text, "hint", &file),
                file,
            }
        })
        .collect();
    mistakes.sort_by(|a, b| a.file.cmp(&b.file));
    mistakes
}

fn copy_exercise(course: &Course, folder: &str) -> std::path::PathBuf {
    let exercise = course.root().join("exercises").join(folder);
    let status = Command::new("cp")
        .arg("-r")
        .arg(repo().join("exercises").join(folder))
        .arg(&exercise)
        .status()
        .unwrap();
    assert!(status.success());
    exercise
}

fn apply(exercise: &Path, folder: &str, mistake: &Mistake) {
    std::fs::copy(
        repo().join("solutions").join(folder).join("src/lib.rs"),
        exercise.join("src/lib.rs"),
    )
    .unwrap();
    let applied = Command::new("git")
        .args(["apply", "-p0"])
        .arg(
            repo()
                .join("solutions")
                .join(folder)
                .join("mistakes")
                .join(&mistake.file),
        )
        .current_dir(exercise)
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}: {}",
        mistake.file,
        String::from_utf8_lossy(&applied.stderr)
    );
}

/// Every mistake of the exercise in `folder` gets its headline, names its function and gives its
/// hint; at least five mistakes per exercise.
fn check_catalogue(folder: &str) {
    let mistakes = catalogue(folder);
    assert!(
        mistakes.len() >= 5,
        "{folder}: {} mistakes in the catalogue, at least 5 wanted",
        mistakes.len()
    );
    let course = Course::new(&["none"]);
    let exercise = copy_exercise(&course, folder);
    let number = folder[..2].trim_start_matches('0').to_string();
    let number = if number.is_empty() {
        "0".into()
    } else {
        number
    };
    let mut problems = Vec::new();
    for mistake in &mistakes {
        apply(&exercise, folder, mistake);
        let run = course.xtask(&["check", &number]);
        let first = run.stdout.lines().next().unwrap_or("");
        // `--nocapture` shows the feedback each mistake gets: its first three lines.
        let opening: Vec<&str> = run
            .stdout
            .lines()
            .filter(|line| !line.trim().is_empty())
            .take(3)
            .collect();
        eprintln!("{folder}/{}:\n    {}", mistake.file, opening.join("\n    "));
        let mut wrong = Vec::new();
        if run.code != 1 {
            wrong.push(format!("exit code {} (wants 1)", run.code));
        }
        // `a | b`: a mistake whose behaviour is undefined (a use after free) gets either.
        if !mistake
            .headline
            .split(" | ")
            .any(|headline| first.contains(headline))
        {
            wrong.push(format!("headline is not `{}`", mistake.headline));
        }
        if !run.stdout.contains(&mistake.names) {
            wrong.push(format!("`{}` is not named", mistake.names));
        }
        if !run.stdout.contains(&mistake.hint) {
            wrong.push(format!("the hint does not say `{}`", mistake.hint));
        }
        // No verdict states what was not measured: "too slow" only with a measured speedup.
        if first.contains("too slow")
            && !run.stdout.contains("× (needs")
            && !run.stdout.contains("faster than")
            && !run.stdout.contains("slower than")
        {
            wrong.push("`too slow` without a speed measurement".into());
        }
        if !wrong.is_empty() {
            problems.push(format!(
                "{}: {}\n{}",
                mistake.file,
                wrong.join("; "),
                run.all()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn exercise_0_hello() {
    check_catalogue("00-hello");
}

#[test]
fn exercise_1_math() {
    check_catalogue("01-math");
}

#[test]
fn exercise_2_strings() {
    check_catalogue("02-strings");
}

#[test]
fn exercise_3_lru() {
    check_catalogue("03-lru");
}

#[test]
fn exercise_4_syscalls() {
    check_catalogue("04-syscalls");
}

#[test]
fn exercise_5_multimedia() {
    check_catalogue("05-multimedia");
}

#[test]
fn exercise_6_refcounts() {
    check_catalogue("06-refcounts");
}

#[test]
fn exercise_7_builder() {
    check_catalogue("07-builder");
}
