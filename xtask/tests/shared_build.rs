//! The learner's editor (`cargo check`, rust-analyzer), a plain `cargo build` and the grader share
//! one pyo3 build: switching between them must never recompile pyo3.
mod common;

use std::process::Command;

use common::repo;

fn cargo(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo {args:?}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn xtask_build_log() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["check", "0", "--solution", "--no-leaks", "--verbose"])
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn alternating_cargo_and_the_grader_does_not_rebuild_pyo3() {
    if !common::has_solutions("alternating_cargo_and_the_grader_does_not_rebuild_pyo3") {
        return;
    }
    // The first round may compile pyo3 (once for `check`, once for release); the second must not.
    let mut rounds = Vec::new();
    for _ in 0..2 {
        // The grader first: on a fresh clone it creates the .venv that PYO3_PYTHON points at.
        let graded = xtask_build_log();
        let check = cargo(&["check", "-p", "solution-00-hello"]);
        let build = cargo(&["build", "--release", "-p", "solution-00-hello"]);
        rounds.push([
            ("cargo check", check),
            ("xtask check", graded),
            ("cargo build --release", build),
        ]);
    }
    for (what, log) in &rounds[1] {
        assert!(
            !log.contains("Compiling pyo3"),
            "{what} recompiled pyo3:\n{log}"
        );
    }
    assert!(rounds[1][1].1.contains("passed"), "{}", rounds[1][1].1);
}
