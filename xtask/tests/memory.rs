//! The memory check end to end: exercise 5's reference solution works on its caller's samples and
//! passes; its `to_vec` variant (`solutions/05-multimedia/variants/to-vec-copy.patch`) copies
//! them and fails, with feedback that names the copy, in the text and in the JSON verdict.
mod common;

use common::{Course, has_solutions};

const FOLDER: &str = "05-multimedia";

fn memory_check(run: &common::Run) -> serde_json::Value {
    let verdict = run.json();
    verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "memory")
        .cloned()
        .unwrap_or_else(|| panic!("no memory check: {verdict}"))
}

/// A course whose exercise 5 is the reference solution with the `to_vec` variant applied; `None`
/// (said on stderr) in a copy without solutions.
fn course_with_the_copying_variant(test: &str) -> Option<Course> {
    if !has_solutions(test) {
        return None;
    }
    let course = Course::new(&["none"]);
    course.copy_exercise(FOLDER);
    course.apply_to_solution(FOLDER, "variants/to-vec-copy.patch");
    Some(course)
}

#[test]
fn the_to_vec_variant_fails_the_memory_check_and_the_solution_passes_it() {
    let Some(course) = course_with_the_copying_variant(
        "the_to_vec_variant_fails_the_memory_check_and_the_solution_passes_it",
    ) else {
        return;
    };
    let copied = course.xtask(&["check", "5", "--no-perf", "--format", "json"]);
    assert_eq!(copied.code, 1, "{}", copied.all());
    let memory = memory_check(&copied);
    assert_eq!(memory["status"], "failed", "{memory}");
    let case = &memory["details"]["cases"][0];
    let extra = case["extra_bytes"].as_u64().unwrap();
    assert!(
        extra >= 60 << 20,
        "a 64 MiB copy measured as {extra} bytes: {case}"
    );
    assert_eq!(case["limit_bytes"], 671_088);
    let text = course.xtask(&["check", "5", "--no-perf"]);
    let headline = text.stdout.lines().next().unwrap_or_default();
    assert!(
        headline.contains("a call takes too much memory"),
        "{}",
        text.all()
    );
    // Wrapped to the terminal's width: compared word by word.
    let flat = text.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("apply_gain: one call took 6")
            && flat.contains(
                "MiB extra for a 64.0 MiB input — the input was copied; the limit is 1 % of the input"
            ),
        "{}",
        text.all()
    );
    assert!(
        text.stdout.contains("Hint: Work in the caller's memory"),
        "{}",
        text.all()
    );

    std::fs::copy(
        common::repo()
            .join("solutions")
            .join(FOLDER)
            .join("src/lib.rs"),
        course
            .root()
            .join("exercises")
            .join(FOLDER)
            .join("src/lib.rs"),
    )
    .unwrap();
    let solution = course.xtask(&["check", "5", "--no-perf", "--format", "json"]);
    let memory = memory_check(&solution);
    assert_eq!(memory["status"], "passed", "{}", solution.all());
    let extra = memory["details"]["cases"][0]["extra_bytes"]
        .as_u64()
        .unwrap();
    assert!(extra <= 671_088, "{memory}");
    assert_eq!(solution.code, 0, "{}", solution.all());
}

#[test]
fn without_the_leak_hunt_the_memory_check_is_switched_off_too() {
    let Some(course) = course_with_the_copying_variant(
        "without_the_leak_hunt_the_memory_check_is_switched_off_too",
    ) else {
        return;
    };
    let run = course.xtask(&["check", "5", "--no-perf", "--no-leaks"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("--no-leaks"), "{}", run.all());
}

/// Exercise 5's README states the memory case's size and limit as `exercise.toml` sets them.
#[test]
fn the_readme_states_the_memory_limit_that_exercise_toml_sets() {
    let catalog = grader::Catalog::load(&common::repo()).unwrap();
    let exercise = catalog.find("5").unwrap();
    let readme = std::fs::read_to_string(exercise.dir.join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!exercise.memory.is_empty());
    for case in &exercise.memory {
        let stated = format!(
            "one call of `{}` on {} MiB of samples may take at most {} % of that ({:.1} MiB)",
            case.name,
            case.input_mib,
            case.max_extra * 100.0,
            case.limit_bytes() as f64 / f64::from(1 << 20)
        );
        assert!(flat.contains(&stated), "README.md does not say: {stated}");
    }
}
