//! The stages wired together: build → run → judge, for one exercise or many.
//! Callers (the xtask commands) only see [`Grader`] and [`Report`].
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::build::{self, BuildOutcome, Variant};
use crate::catalog::{Catalog, Exercise};
use crate::checks;
use crate::run::{self, RunOptions, RunOutcome};
use crate::toolchain::{self, Toolchain};
use crate::verdict::Verdict;
use crate::workspace::Workspace;

/// A verdict plus the raw output behind it (for `--verbose`).
#[derive(Debug)]
pub struct Report {
    pub verdict: Verdict,
    pub build_log: Option<String>,
    pub pytest_output: Option<String>,
}

/// Failures of the grader itself: always status `error`, exit code 2.
#[derive(Debug)]
pub struct GraderError(pub String);

impl std::fmt::Display for GraderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GraderError {}

/// A loaded course with a ready Python toolchain.
pub struct Grader {
    pub workspace: Workspace,
    pub catalog: Catalog,
    pub toolchain: Toolchain,
    /// Full Python tracebacks in reports (`--verbose`); short ones are much faster to produce
    /// when many tests fail, since pytest parses the test file for every traceback entry.
    pub full_tracebacks: bool,
    /// Also run `solutions/NN-slug/tests_hidden/` (instructors: `grade-all`, `verify`).
    pub hidden_tests: bool,
}

impl Grader {
    /// Load the catalog and make sure `.venv` is ready (creating it on first use).
    pub fn open(root: Option<PathBuf>, python: Option<&Path>) -> Result<Self, GraderError> {
        let workspace = Workspace::from_env(root);
        let catalog = Catalog::load(&workspace.root).map_err(|e| GraderError(e.to_string()))?;
        let requested = toolchain::requested_python(python);
        let toolchain = toolchain::ensure(&workspace, requested.as_deref())
            .map_err(|e| GraderError(e.to_string()))?;
        Ok(Self {
            workspace,
            catalog,
            toolchain,
            full_tracebacks: false,
            hidden_tests: false,
        })
    }

    /// Build and check one exercise.
    pub fn check(
        &self,
        exercise: &Exercise,
        variant: Variant,
        options: RunOptions,
    ) -> Result<Report, GraderError> {
        let started = Instant::now();
        let built = self.build(exercise, variant)?;
        let mut report = self.run_built(exercise, variant, &built, options)?;
        report.verdict.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    pub fn build(
        &self,
        exercise: &Exercise,
        variant: Variant,
    ) -> Result<BuildOutcome, GraderError> {
        build::build(&self.workspace, &self.toolchain, exercise, variant)
            .map_err(|e| GraderError(e.to_string()))
    }

    /// Run and judge an exercise that [`Grader::build`] already built. Kept separate so that
    /// `grade-all` and `verify` finish every build before any timing starts.
    pub fn run_built(
        &self,
        exercise: &Exercise,
        variant: Variant,
        built: &BuildOutcome,
        options: RunOptions,
    ) -> Result<Report, GraderError> {
        let started = Instant::now();
        let (run, build_log): (Option<RunOutcome>, Option<String>) = match built {
            BuildOutcome::Built {
                module_dir, log, ..
            } => {
                let mut tests_dirs = vec![exercise.tests_dir()];
                let hidden = exercise.solution_dir.join("tests_hidden");
                if hidden.is_dir() && self.hidden_tests {
                    tests_dirs.push(hidden);
                }
                let outcome = run::run_tests(
                    &self.workspace,
                    &self.toolchain,
                    exercise,
                    module_dir,
                    &tests_dirs,
                    options,
                    self.full_tracebacks,
                )
                .map_err(|e| GraderError(e.to_string()))?;
                (Some(outcome), Some(log.clone()))
            }
            BuildOutcome::Failed { log, .. } => (None, Some(log.clone())),
        };
        let mut verdict = checks::judge(
            &self.workspace,
            exercise,
            variant,
            built,
            run.as_ref(),
            options,
        );
        let build_seconds = match built {
            BuildOutcome::Built { seconds, .. } | BuildOutcome::Failed { seconds, .. } => *seconds,
        };
        verdict.seconds = build_seconds + started.elapsed().as_secs_f64();
        let pytest_output = run.map(|run| format!("{}{}", run.stdout, run.stderr));
        Ok(Report {
            verdict,
            build_log,
            pytest_output,
        })
    }
}
