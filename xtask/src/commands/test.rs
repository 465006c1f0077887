//! `cargo xtask test`: every test of the project, the command `.ci/run` calls.
//! Clippy with warnings as errors, Rust tests (cargo-nextest when installed, `cargo test`
//! otherwise), the grader's Python tests, the lesson's examples (on every pyenv CPython
//! 3.10-3.14 too, through lesson/tests/run_pythons.py), then `verify`.
use std::path::Path;
use std::process::{Command, ExitCode};

use grader::Settings;

use crate::output;
use crate::ui::{self, Activity, BOLD, paint};

pub fn run(python: Option<&Path>) -> anyhow::Result<ExitCode> {
    // Creates .venv first, so parallel tests below find it ready.
    let mut activity = Activity::new(Vec::new());
    let engine = super::engine(python, Settings::default(), &mut activity)?;
    let workspace = engine.workspace().clone();
    let root = workspace.root.clone();
    if workspace.lesson_requirements.is_file() {
        engine.install_extra(&workspace.lesson_requirements, &mut activity)?;
        activity.finish();
    }
    let venv_python = engine.python().to_path_buf();
    drop(engine);
    let mut failed: Vec<&str> = Vec::new();

    // `clippy::incompatible_msrv` is among the warnings: `rust-version` stays true.
    step("Clippy (cargo clippy --workspace --all-targets -- -D warnings)");
    let clippy = Command::new("cargo")
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&root)
        .status()?;
    if !clippy.success() {
        failed.push("clippy");
    }

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

    // The lesson's runner calls pytest on this interpreter, then on every other CPython
    // 3.10-3.14 that pyenv has, and lists each version as passed, failed or skipped.
    let python_suites: [(&str, &str, &[&str]); 2] = [
        (
            "grader's Python tests",
            "grader/python/tests",
            &[
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "grader/python/tests",
            ],
        ),
        (
            "lesson examples, on every Python found",
            "lesson/tests",
            &["lesson/tests/run_pythons.py"],
        ),
    ];
    for (name, dir, args) in python_suites {
        if !root.join(dir).is_dir() {
            continue;
        }
        step(&format!("{name} ({dir})"));
        let status = Command::new(&venv_python)
            .args(args)
            .current_dir(&root)
            .env("PYTHONPATH", workspace.python_support.as_os_str())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()?;
        if !status.success() {
            failed.push(name);
        }
    }

    step("verify (every solution passes, every skeleton fails cleanly)");
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
