//! `cargo xtask check` over fixtures that each make one check fail (or pass).
mod common;

use common::Course;

#[test]
fn a_correct_crate_passes_with_exit_code_0() {
    let course = Course::new(&["00-"]);
    let run = course.xtask(&["check", "exercise-0"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("✔ exercise-0 passes — passed   tests 2/2"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("That was the last exercise"),
        "{}",
        run.all()
    );
}

#[test]
fn wrong_output_shows_a_line_diff_and_a_list_diff() {
    let course = Course::new(&["01-"]);
    let run = course.xtask(&["check", "1"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = &run.stdout;
    assert!(
        out.contains("✘ exercise-1 wrong — 2 of 3 tests failed"),
        "{}",
        run.all()
    );
    assert!(
        out.contains("test_wrap_long_words  (tests/test_wrong.py:5)"),
        "{}",
        run.all()
    );
    assert!(
        out.contains("    --- expected (4 lines)\n    +++ actual (4 lines)\n"),
        "{}",
        run.all()
    );
    assert!(out.contains("    -ragilistic\n"), "{}", run.all());
    assert!(out.contains("    +fragilist\n"), "{}", run.all());
    assert!(
        out.contains("--- expected (list, 25 items)\n    +++ actual (list, 24 items)"),
        "{}",
        run.all()
    );
    assert!(out.contains("    - 97]\n"), "{}", run.all());
    assert!(
        out.contains("Hint 1 of 2: cargo xtask hint exercise-1"),
        "{}",
        run.all()
    );

    let json = course.xtask(&["check", "1", "--format", "json"]).json();
    assert_eq!(json["status"], "failed");
    let failures = json["checks"][1]["details"]["failures"].as_array().unwrap();
    assert_eq!(
        failures[0]["comparison"]["expected"],
        "Supercalif\nragilistic\nexpialidoc\nious"
    );
    assert_eq!(
        failures[0]["comparison"]["actual"],
        "Supercali\nfragilist\nicexpiali\ndocious"
    );
}

#[test]
fn a_compile_error_is_shown_with_its_location() {
    let course = Course::new(&["02-"]);
    let run = course.xtask(&["check", "02"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("✘ exercise-2 nocompile — does not compile"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("error[E0308]: mismatched types"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout
            .contains("--> exercises/02-nocompile/src/lib.rs:10:54"),
        "{}",
        run.all()
    );
    assert!(
        !run.stdout.contains("Compiling"),
        "cargo's progress lines stay out:\n{}",
        run.all()
    );
    let json = course
        .xtask(&["check", "nocompile", "--format", "json"])
        .json();
    assert_eq!(json["status"], "build_failed");
    assert_eq!(json["checks"][0]["details"]["errors"][0]["line"], 10);
}

#[test]
fn a_todo_names_the_unfinished_method_and_its_line() {
    let course = Course::new(&["03-"]);
    let run = course.xtask(&["check", "todo"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("○ exercise-3 todo — not started"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout
            .contains("`Counter::increment` is still a todo!() at exercises/03-todo/src/lib.rs:27"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("1 of 2 tests pass so far"),
        "{}",
        run.all()
    );
}

#[test]
fn a_segfault_is_a_crash_in_the_test_that_ran_and_the_grader_survives() {
    let course = Course::new(&["04-"]);
    let run = course.xtask(&["check", "4", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let json = run.json();
    assert_eq!(json["status"], "crashed");
    assert_eq!(json["problem"]["signal"], "SIGSEGV");
    assert_eq!(json["problem"]["test"], "test_build_pairs");
    let text = course.xtask(&["check", "4"]);
    assert!(
        text.stdout
            .contains("crashed (SIGSEGV) during test_build_pairs"),
        "{}",
        text.all()
    );
    assert!(
        text.stdout
            .contains("File \"tests/test_crash.py\", line 9 in test_build_pairs"),
        "{}",
        text.all()
    );
}

#[test]
fn an_endless_loop_times_out_and_the_process_group_is_killed() {
    let course = Course::new(&["05-"]);
    let started = std::time::Instant::now();
    let run = course.xtask(&["check", "5"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("stopped after 8 s in test_newton_converges"),
        "{}",
        run.all()
    );
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn exiting_early_with_status_0_and_a_fake_summary_does_not_pass() {
    let course = Course::new(&["06-"]);
    let json = course.xtask(&["check", "6", "--format", "json"]).json();
    assert_eq!(json["status"], "crashed", "{json:#}");
    assert_eq!(json["problem"]["exit_code"], 0);
}

#[test]
fn an_unknown_exercise_lists_the_valid_ones_closest_first() {
    let course = Course::new(&["00-", "01-", "03-"]);
    let run = course.xtask(&["check", "todos"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("there is no exercise called `todos`"),
        "{}",
        run.all()
    );
    let listed: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("  exercise-"))
        .collect();
    assert_eq!(
        listed.first(),
        Some(&"  exercise-3 (todo)"),
        "{}",
        run.all()
    );
    assert_eq!(listed.len(), 3, "{}", run.all());
}

#[test]
fn a_broken_exercise_toml_names_file_line_and_column() {
    let course = Course::new(&["00-"]);
    course.write(
        "exercises/00-passes/exercise.toml",
        "id = 0\nslug = \"passes\"\ntitle = [1\n",
    );
    let run = course.xtask(&["check", "0"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("exercises/00-passes/exercise.toml:3:"),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains("invalid exercise.toml"),
        "{}",
        run.all()
    );
}

#[test]
fn a_missing_python_is_explained_with_exit_code_2() {
    let course = Course::new(&["00-"]);
    let fresh_venv = course.root().join("fresh-venv");
    let output = course
        .command(&["--python", "/nonexistent/python3", "check", "0"])
        .env("COURSE_VENV", &fresh_venv)
        .output()
        .unwrap();
    let run = common::Run::from(output);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("no Python interpreter found"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("--python"), "{}", run.all());
}

#[test]
fn colours_follow_the_color_flag_and_no_color() {
    let course = Course::new(&["01-"]);
    let plain = course.xtask(&["check", "1"]);
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "NO_COLOR and a pipe mean no colour:\n{}",
        plain.all()
    );
    let output = course
        .command(&["--color", "always", "check", "1"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let coloured = String::from_utf8_lossy(&output.stdout);
    assert!(coloured.contains("\u{1b}[31mragilistic"), "{coloured:?}");
    assert!(coloured.contains("\u{1b}[32mfragilist"), "{coloured:?}");
}

#[test]
fn an_interrupt_stops_the_test_run_too() {
    let course = Course::new(&["05-"]);
    // A long deadline, so that only the interrupt can end the endless loop in time.
    let toml = course.root().join("exercises/05-loops/exercise.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("timeout_secs = 8", "timeout_secs = 120");
    std::fs::write(&toml, text).unwrap();
    let mut child = course
        .command(&["check", "5"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let root = course.root().display().to_string();
    let pytest_running = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            cmdline.contains("pytest") && cmdline.contains(&root)
        })
    };
    let started = std::time::Instant::now();
    while !pytest_running() {
        assert!(started.elapsed().as_secs() < 60, "pytest never started");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!pytest_running(), "the test run outlived the interrupt");
}
