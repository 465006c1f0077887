//! `list`, `hint`, the default exercise and `grade-all` over the fixture course.
mod common;

use common::Course;

#[test]
fn hints_come_one_at_a_time_and_stop_at_the_last() {
    let course = Course::new(&["00-"]);
    let first = course.xtask(&["hint", "0"]);
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(
        first.stdout.contains("Hint 1 of 2") && first.stdout.contains("first hint for passes"),
        "{}",
        first.all()
    );
    let second = course.xtask(&["hint", "exercise-0"]);
    assert!(
        second.stdout.contains("Hint 2 of 2") && second.stdout.contains("That was the last hint"),
        "{}",
        second.all()
    );
    let again = course.xtask(&["hint", "passes"]);
    assert!(again.stdout.contains("Hint 2 of 2"), "{}", again.all());
}

#[test]
fn check_without_an_exercise_takes_the_first_not_passed_and_list_remembers() {
    let course = Course::new(&["00-", "03-"]);
    let first = course.xtask(&["check"]);
    assert!(
        first.stdout.contains("exercise-0 passes — passed"),
        "{}",
        first.all()
    );
    let second = course.xtask(&["check", "--no-leaks"]);
    assert!(
        second.stdout.contains("exercise-3 todo — not started"),
        "{}",
        second.all()
    );
    let list = course.xtask(&["list"]);
    let line = |name: &str| {
        list.stdout
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or("")
            .to_string()
    };
    assert!(line("exercise-0").contains("passed"), "{}", list.all());
    assert!(
        line("exercise-3").contains("not started") && line("exercise-3").contains("tests"),
        "{}",
        list.all()
    );
    let overview = course.xtask(&[]);
    assert!(
        overview.stdout.contains("1/2 exercises passed"),
        "{}",
        overview.all()
    );
    assert!(
        overview
            .stdout
            .contains("Next:    cargo xtask check exercise-3"),
        "{}",
        overview.all()
    );
}

#[test]
fn grade_all_summarises_every_exercise_and_fails_unless_all_pass() {
    let course = Course::new(&["00-", "01-", "02-", "03-"]);
    let run = course.xtask(&["grade-all"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let row = |name: &str| {
        run.stdout
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        // Fixture 0 passes its public tests but fails one of the instructor's hidden tests.
        row("exercise-0 passes").contains("failed") && row("exercise-0 passes").contains("3/4"),
        "{}",
        run.all()
    );
    assert!(
        row("exercise-1 wrong").contains("failed") && row("exercise-1 wrong").contains("1/3"),
        "{}",
        run.all()
    );
    assert!(
        row("exercise-2 nocompile").contains("build failed"),
        "{}",
        run.all()
    );
    assert!(
        row("exercise-3 todo").contains("not started"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("0 of 4 passed"), "{}", run.all());

    let json = course.xtask(&["grade-all", "--format", "json"]).json();
    assert_eq!(json["total"], 4);
    assert_eq!(json["passed"], 0);
    let statuses: Vec<&str> = json["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["failed", "failed", "build_failed", "not_started"]
    );
}

#[test]
fn grade_all_runs_the_instructors_hidden_tests_and_check_does_not() {
    let course = Course::new(&["00-"]);
    let check = course.xtask(&["check", "0", "--format", "json"]).json();
    assert_eq!(check["status"], "passed", "{check:#}");
    let graded = course.xtask(&["grade-all", "--format", "json"]).json();
    let verdict = &graded["exercises"][0];
    assert_eq!(verdict["status"], "failed", "{verdict:#}");
    let tests = &verdict["checks"][1]["details"];
    assert_eq!(tests["total"], 4, "{tests:#}");
    assert_eq!(
        tests["failures"][0]["name"], "test_add_is_not_concatenation",
        "{tests:#}"
    );
}
