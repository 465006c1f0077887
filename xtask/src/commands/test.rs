//! `cargo xtask test`: every test of the project, the command `.ci/run` calls.
//! Clippy with warnings as errors, Rust tests (cargo-nextest when installed, `cargo test`
//! otherwise), `verify`, the grader's Python tests (test_sealed.py on the modules verify built),
//! the lesson's examples (on every pyenv CPython 3.10-3.14 too, through
//! lesson/tests/run_pythons.py); then `verify --no-perf` and the grader's Python tests on each
//! other supported Python that pyenv provides.
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
    let mut failed: Vec<String> = Vec::new();

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
        failed.push("clippy".to_string());
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
        failed.push("Rust tests".to_string());
    }

    // verify before the grader's Python tests, as on the other Pythons below: test_sealed.py
    // runs the sealed suites against the solutions' modules that verify has just built for this
    // Python (the same code as this commit's, never a stale build left in target/).
    step("verify (every solution passes, every skeleton fails cleanly)");
    let verify = super::verify::run(super::verify::Args::default(), python)?;
    if verify != ExitCode::from(output::PASSED) {
        failed.push("verify".to_string());
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
            failed.push(name.to_string());
        }
    }

    failed.extend(other_pythons(&root)?);
    if failed.is_empty() {
        anstream::println!("\nall test suites passed");
        Ok(ExitCode::from(output::PASSED))
    } else {
        ui::error(&format!("failed: {}", failed.join(", ")));
        Ok(ExitCode::from(output::NOT_PASSED))
    }
}

/// The Pythons the README promises besides the default one, each run where pyenv provides it.
const OTHER_PYTHONS: [&str; 3] = ["3.10", "3.12", "3.13"];

/// The grader's Python tests and `verify --no-perf` on each of [`OTHER_PYTHONS`] that pyenv has,
/// each with its own venv and target directory (so the default Python's builds stay warm). The
/// speed check runs on the default Python only: it is the slowest check and a property of the
/// Rust code; tests and the leak hunt are what depend on the interpreter. Returns what failed.
fn other_pythons(root: &Path) -> anyhow::Result<Vec<String>> {
    let pyenv_root = Command::new("pyenv")
        .arg("root")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for version in OTHER_PYTHONS {
        let Some(python) = pyenv_root
            .as_deref()
            .and_then(|pyenv| pyenv_python(Path::new(pyenv), version))
        else {
            skipped.push(version);
            continue;
        };
        step(&format!(
            "Python {version}: verify --no-perf and the grader's Python tests ({})",
            python.display()
        ));
        let venv = root.join("target").join(format!("venv-py{version}"));
        let target = root.join("target").join(format!("py{version}"));
        let verify = Command::new(std::env::current_exe()?)
            .arg("--python")
            .arg(&python)
            .args(["verify", "--no-perf"])
            .env("COURSE_VENV", &venv)
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(root)
            .status()?;
        if !verify.success() {
            failed.push(format!("verify on Python {version}"));
        }
        let tests = Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "grader/python/tests",
            ])
            .current_dir(root)
            .env("PYTHONPATH", root.join("grader/python"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()?;
        if !tests.success() {
            failed.push(format!("grader's Python tests on Python {version}"));
        }
    }
    if !skipped.is_empty() {
        anstream::println!(
            "\n{}",
            paint(
                BOLD,
                &format!(
                    "== skipped Python {} (not found in pyenv)",
                    skipped.join(", ")
                )
            )
        );
    }
    Ok(failed)
}

/// `<pyenv root>/versions/3.X.*/bin/python3.X`, the newest patch release pyenv has.
fn pyenv_python(pyenv_root: &Path, version: &str) -> Option<std::path::PathBuf> {
    let mut found: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir(pyenv_root.join("versions"))
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let patch: u32 = name.strip_prefix(&format!("{version}."))?.parse().ok()?;
            let python = entry.path().join("bin").join(format!("python{version}"));
            python.is_file().then_some((patch, python))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, python)| python)
}

fn step(title: &str) {
    anstream::println!("\n{}", paint(BOLD, &format!("== {title}")));
}
