//! Exercise 6's classic mistakes, applied to its reference solution, get the feedback the
//! exercise promises: a forgotten Py_DECREF is a leak, a Py_DECREF after PyList_SetItem stole the
//! reference is a crash attributed to the call that caused it.
mod common;

use std::process::Command;

use common::{Course, repo};

/// A course holding exercise 6 with the solution's code plus one mistake as the learner's code.
fn course_with_mistake(patch: &str) -> Course {
    let course = Course::new(&["none"]);
    let exercise = course.root().join("exercises/06-refcounts");
    let status = Command::new("cp")
        .arg("-r")
        .arg(repo().join("exercises/06-refcounts"))
        .arg(&exercise)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::copy(
        repo().join("solutions/06-refcounts/src/lib.rs"),
        exercise.join("src/lib.rs"),
    )
    .unwrap();
    let applied = Command::new("git")
        .args(["apply", "-p0"])
        .arg(repo().join("solutions/06-refcounts/mistakes").join(patch))
        .current_dir(&exercise)
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    course
}

#[test]
fn a_forgotten_decref_is_reported_as_a_leak_in_sum_list() {
    if !common::has_solutions("a_forgotten_decref_is_reported_as_a_leak_in_sum_list") {
        return;
    }
    let course = course_with_mistake("forgotten_decref.patch");
    let run = course.xtask(&["check", "6"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("✘ exercise-6 refcounts — tests pass, but memory leaks"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("sum_list"), "{}", run.all());
    assert!(run.stdout.contains("Hint:"), "{}", run.all());
}

#[test]
fn a_decref_after_setitem_crashes_in_build_pairs_and_shows_the_call() {
    if !common::has_solutions("a_decref_after_setitem_crashes_in_build_pairs_and_shows_the_call") {
        return;
    }
    let course = course_with_mistake("decref_after_setitem.patch");
    let run = course.xtask(&["check", "6"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("crashed (SIGSEGV) during test_build_pairs"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("refcounts.build_pairs("),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("PyList_SetItem"), "{}", run.all());
}
