//! The learner's progress: one small TOML file at the course root (git-ignored), written after
//! every check. It is only a cache of verdicts: a missing or corrupt file is rebuilt, never fatal.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::verdict::{CheckName, CheckStatus, Status, Verdict};

pub const FILE_NAME: &str = ".course-progress.toml";

const HEADER: &str = "\
# Your progress through the course, written by `cargo xtask` after every check.
# Copy it to another machine to keep your place; delete it to start the bookkeeping over
# (your code is never touched). One table per exercise:
#   status        passed | failed | not_started | build_failed | crashed | timed_out | error
#   checked_at    when the last check finished (UTC)
#   failed_checks which checks failed last time: tests, leaks, perf, build
#   hints_shown   how many hints `cargo xtask hint` has shown
";

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    #[serde(default)]
    pub exercises: BTreeMap<String, ExerciseProgress>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExerciseProgress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    #[serde(default)]
    pub failed_checks: Vec<String>,
    #[serde(default)]
    pub hints_shown: usize,
}

/// Reading and writing the progress file.
pub struct ProgressFile {
    path: PathBuf,
}

impl ProgressFile {
    pub fn at(root: &Path) -> Self {
        Self { path: root.join(FILE_NAME) }
    }

    /// The recorded progress; a corrupt file is reported once on stderr and replaced.
    pub fn load(&self) -> Progress {
        let Ok(text) = std::fs::read_to_string(&self.path) else { return Progress::default() };
        match toml::from_str(&text) {
            Ok(progress) => progress,
            Err(error) => {
                eprintln!(
                    "note: {} is not valid ({}); starting it afresh — checks will fill it in again.",
                    self.path.display(),
                    error.message()
                );
                Progress::default()
            }
        }
    }

    pub fn save(&self, progress: &Progress) -> std::io::Result<()> {
        let body = toml::to_string_pretty(progress).map_err(std::io::Error::other)?;
        let temporary = self.path.with_extension("toml.tmp");
        std::fs::write(&temporary, format!("{HEADER}\n{body}"))?;
        std::fs::rename(&temporary, &self.path)
    }

    /// Record a learner verdict (never a solution's).
    pub fn record(&self, verdict: &Verdict) -> std::io::Result<()> {
        let mut progress = self.load();
        let entry = progress.exercises.entry(verdict.exercise.clone()).or_default();
        entry.status = Some(verdict.status);
        entry.checked_at = Some(humantime::format_rfc3339_seconds(SystemTime::now()).to_string());
        entry.failed_checks = verdict
            .checks
            .iter()
            .filter(|check| check.status == CheckStatus::Failed)
            .map(|check| check_key(check.name).to_string())
            .collect();
        self.save(&progress)
    }

    /// Count one more hint shown; returns the new count.
    pub fn hint_shown(&self, exercise: &str, available: usize) -> std::io::Result<usize> {
        let mut progress = self.load();
        let entry = progress.exercises.entry(exercise.to_string()).or_default();
        entry.hints_shown = (entry.hints_shown + 1).min(available);
        let shown = entry.hints_shown;
        self.save(&progress)?;
        Ok(shown)
    }
}

impl Progress {
    pub fn status(&self, exercise: &str) -> Option<Status> {
        self.exercises.get(exercise).and_then(|entry| entry.status)
    }
    pub fn passed(&self, exercise: &str) -> bool {
        self.status(exercise) == Some(Status::Passed)
    }
    pub fn hints_shown(&self, exercise: &str) -> usize {
        self.exercises.get(exercise).map_or(0, |entry| entry.hints_shown)
    }
}

fn check_key(name: CheckName) -> &'static str {
    match name {
        CheckName::Build => "build",
        CheckName::Tests => "tests",
        CheckName::Leaks => "leaks",
        CheckName::Perf => "perf",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_file_is_replaced_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "this is [not toml").unwrap();
        let file = ProgressFile::at(dir.path());
        assert_eq!(file.load(), Progress::default());
        assert_eq!(file.hint_shown("exercise-1", 3).unwrap(), 1);
        assert_eq!(file.load().hints_shown("exercise-1"), 1);
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(text.starts_with("# Your progress"), "{text}");
    }

    #[test]
    fn hints_stop_at_the_last_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path());
        for _ in 0..5 {
            file.hint_shown("exercise-0", 2).unwrap();
        }
        assert_eq!(file.load().hints_shown("exercise-0"), 2);
    }
}
