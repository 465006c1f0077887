//! `cargo xtask test`: every test of the project, the command `.ci/run` calls.
//! Rust tests (cargo-nextest when installed, `cargo test` otherwise), the grader's Python tests,
//! the lesson's examples, then `verify`.
use std::path::Path;
use std::process::{Command, ExitCode};

use grader::Grader;

use crate::output;
use crate::ui::{self, BOLD, paint};

pub fn run(python: Option<&Path>) -> anyhow::Result<ExitCode> {
    // Creates .venv first, so parallel tests below find it ready.
    let grader = Grader::open(None, python)?;
    let root = grader.workspace.root.clone();
    if grader.workspace.lesson_requirements.is_file() {
        grader::toolchain::ensure_extra(
            &grader.workspace,
            &grader.toolchain,
            &grader.workspace.lesson_requirements,
        )?;
    }
    let venv_python = grader.toolchain.python.clone();
    let mut failed: Vec<&str> = Vec::new();

    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    let mut rust = Command::new("cargo");
    if nextest {
        rust.args(["nextest", "run", "--no-fail-fast"]);
    } else {
        rust.args(["test", "--no-fail-fast"]);
    }
    step(if nextest {
        "Rust tests (cargo nextest run)"
    } else {
        "Rust tests (cargo test)"
    });
    if !rust.current_dir(&root).status()?.success() {
        failed.push("Rust tests");
    }

    let python_suites = [
        ("grader's Python tests", "grader/python/tests"),
        ("lesson examples", "lesson/tests"),
    ];
    for (name, dir) in python_suites {
        if !root.join(dir).is_dir() {
            continue;
        }
        step(&format!("{name} (pytest {dir})"));
        let status = Command::new(&venv_python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", dir])
            .current_dir(&root)
            .env("PYTHONPATH", grader.workspace.python_support.as_os_str())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()?;
        if !status.success() {
            failed.push(name);
        }
    }

    step("verify (every solution passes, every skeleton fails cleanly)");
    drop(grader);
    let verify = super::verify::run(super::verify::Args::default(), python)?;
    if verify != ExitCode::from(output::PASSED) {
        failed.push("verify");
    }
    if failed.is_empty() {
        anstream::println!("\nall test suites passed");
        Ok(ExitCode::from(output::PASSED))
    } else {
        ui::error(&format!("failed: {}", failed.join(", ")));
        Ok(ExitCode::from(output::NOT_PASSED))
    }
}

fn step(title: &str) {
    anstream::println!("\n{}", paint(BOLD, &format!("== {title}")));
}
