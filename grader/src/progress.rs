//! The learner's progress: one small TOML file at the course root (git-ignored), written after
//! every check. It is only a cache of verdicts: a missing file is an empty one, and a corrupt file
//! (or a corrupt entry in it) is dropped with a note and filled in again by the next checks —
//! never fatal. Paths are never stored, so the file can be copied to another checkout.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Exercise};
use crate::verdict::{CheckName, CheckResult, CheckStatus, Status, Verdict};

/// The progress file's name, at the course root.
pub const FILE_NAME: &str = ".course-progress.toml";

const HEADER: &str = "\
# Your progress through the course, written by the course's grader after every check.
# Copy it to another machine to keep your place; delete it to start the bookkeeping over
# (your code is never touched). One table per exercise:
#   status        passed | failed | not_started | build_failed | crashed | timed_out | error
#   checked_at    when the last check finished (UTC)
#   failed_checks which checks failed last time: tests, leaks, memory, perf, build
#   unchecked     checks a quicker run switched off (leak hunt, memory, speed; watch mode): a pass
#                 counts once they have run too
#   passed_at     when the exercise first passed every check (unlocks the reference solution)
#   hints_shown   how many hints have been shown
";

/// The whole file: one entry per exercise, by name (`exercise-3`).
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    /// What is known of each exercise.
    #[serde(default)]
    pub exercises: BTreeMap<String, ExerciseProgress>,
    /// What could not be read when the file was loaded (dropped; the next save replaces it).
    #[serde(skip)]
    pub damage: Option<String>,
}

/// One exercise's table in the progress file.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExerciseProgress {
    /// The status of the last check; `None` when never checked, or since its verdict was forgotten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// When the last check finished, in RFC 3339 (UTC): `2024-05-01T12:00:00Z`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// The checks that failed last time, by [key](crate::verdict::CheckName::key): `tests`, `perf`.
    #[serde(default)]
    pub failed_checks: Vec<String>,
    /// Checks the last run skipped on request (`leaks`, `perf`); only kept while `status` is
    /// `passed`, which then means "passed what ran".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked: Vec<String>,
    /// The first time every check passed. Later failures do not take it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed_at: Option<String>,
    /// How many of the exercise's hints `cargo xtask hint` has shown so far.
    #[serde(default)]
    pub hints_shown: usize,
}

impl ExerciseProgress {
    /// Passed, and nothing was skipped.
    pub fn fully_passed(&self) -> bool {
        self.status == Some(Status::Passed) && self.unchecked.is_empty()
    }

    /// How long ago the last check finished (`None` when never checked or unreadable).
    pub fn checked_ago(&self, now: SystemTime) -> Option<Duration> {
        let checked = humantime::parse_rfc3339(self.checked_at.as_deref()?).ok()?;
        Some(now.duration_since(checked).unwrap_or_default())
    }

    /// The checks that failed last time.
    pub fn failed(&self) -> Vec<CheckName> {
        checks(&self.failed_checks)
    }

    /// The checks a quicker passing run switched off (kept only while the status is `passed`).
    pub fn skipped(&self) -> Vec<CheckName> {
        checks(&self.unchecked)
    }

    /// Apply a new verdict, checked at `now` (RFC 3339).
    fn apply(&mut self, verdict: &Verdict, now: &str) {
        let had_full_pass = self.fully_passed();
        self.status = Some(verdict.status);
        self.checked_at = Some(now.to_string());
        self.failed_checks = keys(verdict, |check| check.status == CheckStatus::Failed);
        // A quicker run that passes does not take back an earlier full pass: it agrees with it on
        // everything it ran.
        self.unchecked = if verdict.status == Status::Passed && !had_full_pass {
            keys(verdict, |check| check.switched_off().is_some())
        } else {
            Vec::new()
        };
        if self.fully_passed() && self.passed_at.is_none() {
            self.passed_at = Some(now.to_string());
        }
    }
}

/// The keys (`perf`) of `verdict`'s checks that `which` picks.
fn keys(verdict: &Verdict, which: impl Fn(&CheckResult) -> bool) -> Vec<String> {
    verdict
        .checks
        .iter()
        .filter(|check| which(check))
        .map(|check| check.name.key().to_string())
        .collect()
}

/// Reading and writing the progress file.
pub struct ProgressFile {
    path: PathBuf,
}

impl ProgressFile {
    /// The progress file of the course at `root`.
    pub fn at(root: &Path) -> Self {
        Self {
            path: root.join(FILE_NAME),
        }
    }

    /// Where the file is: `<root>/.course-progress.toml`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded progress. Whatever cannot be read (the whole file, one exercise's table or
    /// one value in it) is left out and described in [`Progress::damage`]; the next save
    /// replaces it.
    pub fn load(&self) -> Progress {
        let text = match fs_err::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Progress::default();
            }
            Err(error) => {
                return Progress {
                    damage: Some(format!("{error}; starting from an empty progress.")),
                    ..Progress::default()
                };
            }
        };
        let (mut progress, problems) = parse(&text);
        if let Some(first) = problems.first() {
            let more = match problems.len() {
                1 => String::new(),
                n => format!(
                    " (and {} more problem{})",
                    n - 1,
                    if n == 2 { "" } else { "s" }
                ),
            };
            progress.damage = Some(format!(
                "{} is damaged: {first}{more}; what cannot be read is dropped and the next check fills it in again.",
                self.path.display()
            ));
        }
        progress
    }

    /// Write `progress` under the explanatory header, replacing the file in one step (a temporary
    /// file renamed over it), so a reader never sees half of it.
    pub fn save(&self, progress: &Progress) -> std::io::Result<()> {
        let body = toml::to_string_pretty(progress).map_err(std::io::Error::other)?;
        let temporary = self.path.with_extension("toml.tmp");
        fs_err::write(&temporary, format!("{HEADER}\n{body}"))?;
        fs_err::rename(&temporary, &self.path)
    }

    /// Record a learner verdict (never a solution's).
    pub fn record(&self, verdict: &Verdict) -> std::io::Result<()> {
        let mut progress = self.load();
        let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        progress
            .exercises
            .entry(verdict.exercise.clone())
            .or_default()
            .apply(verdict, &now);
        self.save(&progress)
    }

    /// Forget the last verdict of an exercise (its code was reset); hints and `passed_at` stay.
    pub fn forget_verdict(&self, exercise: &str) -> std::io::Result<()> {
        let mut progress = self.load();
        let Some(entry) = progress.exercises.get_mut(exercise) else {
            return Ok(());
        };
        entry.status = None;
        entry.checked_at = None;
        entry.failed_checks.clear();
        entry.unchecked.clear();
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
    /// The exercise to work on: the first one not done yet (`None` once every one is).
    pub fn current<'c>(&self, catalog: &'c Catalog) -> Option<&'c Exercise> {
        catalog
            .exercises
            .iter()
            .find(|exercise| !self.passed(&exercise.name()))
    }

    /// The first exercise after the one at `index` that is not done, wrapping around to the
    /// start: where a learner goes next.
    pub fn next_pending(&self, catalog: &Catalog, index: usize) -> Option<usize> {
        let count = catalog.exercises.len();
        (1..count)
            .map(|step| (index + step) % count)
            .find(|&other| !self.passed(&catalog.exercises[other].name()))
    }

    /// How many exercises are done.
    pub fn passed_count(&self, catalog: &Catalog) -> usize {
        catalog
            .exercises
            .iter()
            .filter(|exercise| self.passed(&exercise.name()))
            .count()
    }

    /// The last status of an exercise, if it was ever checked.
    pub fn status(&self, exercise: &str) -> Option<Status> {
        self.exercises.get(exercise).and_then(|entry| entry.status)
    }
    /// The last check passed every check (none skipped): the exercise is done.
    pub fn passed(&self, exercise: &str) -> bool {
        self.exercises
            .get(exercise)
            .is_some_and(ExerciseProgress::fully_passed)
    }
    /// Done now, or done once before (the solution stays unlocked after a later failure or reset).
    pub fn ever_passed(&self, exercise: &str) -> bool {
        self.exercises
            .get(exercise)
            .is_some_and(|entry| entry.passed_at.is_some() || entry.fully_passed())
    }
    /// How many hints the learner has seen.
    pub fn hints_shown(&self, exercise: &str) -> usize {
        self.exercises
            .get(exercise)
            .map_or(0, |entry| entry.hints_shown)
    }
}

/// The checks named by `keys` (`perf`), in the file's order; unknown keys are ignored.
fn checks(keys: &[String]) -> Vec<CheckName> {
    keys.iter()
        .filter_map(|key| CheckName::from_key(key))
        .collect()
}

/// Read what can be read; every part that cannot is described in the returned problems.
fn parse(text: &str) -> (Progress, Vec<String>) {
    let mut problems = Vec::new();
    let table: toml::Table = match toml::from_str(text) {
        Ok(table) => table,
        Err(error) => {
            return (
                Progress::default(),
                vec![format!("not TOML ({})", error.message().trim())],
            );
        }
    };
    let mut progress = Progress::default();
    let exercises = match table.get("exercises") {
        None => return (progress, problems),
        Some(toml::Value::Table(exercises)) => exercises,
        Some(_) => return (progress, vec!["`exercises` is not a table".into()]),
    };
    for (name, value) in exercises {
        let Some(fields) = value.as_table() else {
            problems.push(format!("`exercises.{name}` is not a table"));
            continue;
        };
        let problems = &mut problems;
        let entry = ExerciseProgress {
            status: value_of(name, "status", fields, problems),
            checked_at: value_of(name, "checked_at", fields, problems),
            failed_checks: value_of(name, "failed_checks", fields, problems).unwrap_or_default(),
            unchecked: value_of(name, "unchecked", fields, problems).unwrap_or_default(),
            passed_at: value_of(name, "passed_at", fields, problems),
            hints_shown: value_of(name, "hints_shown", fields, problems).unwrap_or_default(),
        };
        progress.exercises.insert(name.clone(), entry);
    }
    (progress, problems)
}

/// One field of one exercise's table; unknown keys are ignored (a newer grader may add some).
fn value_of<T: DeserializeOwned>(
    exercise: &str,
    key: &str,
    fields: &toml::Table,
    problems: &mut Vec<String>,
) -> Option<T> {
    let value = fields.get(key)?;
    match value.clone().try_into() {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            problems.push(format!(
                "`exercises.{exercise}.{key} = {value}` is not valid"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{BuildOutcome, Variant};
    use crate::catalog::{Exercise, LeakSettings, PerfCase};
    use crate::run::{CheckPlan, OffReason, Plan, RunEnd, RunOutcome};
    use crate::wire::Record;
    use crate::workspace::Workspace;

    /// Passing exercise 6 with 2, 4 and 5 still open leads back to 2, not to "every one is done".
    #[test]
    fn next_pending_wraps_around_to_the_exercises_not_passed() {
        let root = tempfile::tempdir().unwrap();
        for id in 0..7 {
            let dir = root.path().join(format!("exercises/0{id}-e{id}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("exercise.toml"),
                format!("id = {id}\nslug = \"e{id}\"\ntitle = \"E\"\nmodule = \"m{id}\"\nhints = [\"a\"]\n"),
            )
            .unwrap();
        }
        let catalog = Catalog::load(root.path()).unwrap();
        let passed: String = [0, 1, 3, 6]
            .iter()
            .map(|id| format!("[exercises.exercise-{id}]\nstatus = \"passed\"\n"))
            .collect();
        let (progress, problems) = parse(&passed);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(progress.next_pending(&catalog, 6), Some(2));
        assert_eq!(progress.next_pending(&catalog, 2), Some(4));
        assert_eq!(progress.next_pending(&catalog, 5), Some(2));
        let (all_done, _) = parse(
            &(0..7)
                .map(|id| format!("[exercises.exercise-{id}]\nstatus = \"passed\"\n"))
                .collect::<String>(),
        );
        assert_eq!(all_done.next_pending(&catalog, 6), None);
    }

    #[test]
    fn a_corrupt_file_is_replaced_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "this is [not toml").unwrap();
        let file = ProgressFile::at(dir.path());
        let loaded = file.load();
        assert!(loaded.exercises.is_empty());
        assert!(loaded.damage.unwrap().contains("is damaged: not TOML"));
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

    #[test]
    fn a_missing_file_is_empty_progress_and_the_first_record_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path());
        assert_eq!(file.load(), Progress::default());
        assert!(!file.load().passed("exercise-0"));
        file.record(&verdict_of(
            &exercise(false),
            Status::Passed,
            CheckPlan {
                leaks: Plan::Run,
                perf: Plan::Run,
            },
        ))
        .unwrap();
        assert!(file.load().passed("exercise-0"));
    }

    #[test]
    fn one_damaged_entry_is_dropped_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            r#"
[exercises.exercise-0]
status = "passed"
checked_at = "2026-11-28T04:09:24Z"
passed_at = "2026-11-28T04:09:24Z"
hints_shown = 2
a_field_from_a_newer_grader = true

[exercises.exercise-1]
status = "exploded"
hints_shown = "three"
failed_checks = ["tests"]

[exercises]
exercise-2 = 7
"#,
        )
        .unwrap();
        let (progress, problems) =
            parse(&std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap());
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0].contains("exercises.exercise-1.status"),
            "{problems:?}"
        );
        assert!(progress.passed("exercise-0"));
        assert_eq!(progress.hints_shown("exercise-0"), 2);
        assert_eq!(progress.status("exercise-1"), None);
        assert_eq!(progress.hints_shown("exercise-1"), 0);
        assert_eq!(progress.exercises["exercise-1"].failed_checks, ["tests"]);
        assert!(!progress.exercises.contains_key("exercise-2"));
    }

    #[test]
    fn a_duplicate_table_is_not_toml_and_starts_afresh() {
        let (progress, problems) =
            parse("[exercises.exercise-0]\nstatus = \"passed\"\n[exercises.exercise-0]\n");
        assert_eq!(progress, Progress::default());
        assert!(problems[0].starts_with("not TOML"), "{problems:?}");
    }

    #[test]
    fn the_file_round_trips_and_names_no_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path());
        file.record(&verdict_of(
            &exercise(true),
            Status::Failed,
            CheckPlan {
                leaks: Plan::Run,
                perf: Plan::Run,
            },
        ))
        .unwrap();
        file.hint_shown("exercise-0", 3).unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(!text.contains(&*dir.path().to_string_lossy()), "{text}");
        assert!(
            text.contains("[exercises.exercise-0]\nstatus = \"failed\"\n"),
            "{text}"
        );
        let (parsed, problems) = parse(&text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed, file.load());
        assert_eq!(parsed.exercises["exercise-0"].failed_checks, ["tests"]);
    }

    #[test]
    fn a_pass_that_skipped_the_speed_check_is_not_done_yet() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path());
        let with_perf = exercise(true);
        file.record(&verdict_of(
            &with_perf,
            Status::Passed,
            CheckPlan {
                leaks: Plan::Run,
                perf: Plan::Off(OffReason::Requested),
            },
        ))
        .unwrap();
        let progress = file.load();
        assert_eq!(progress.status("exercise-0"), Some(Status::Passed));
        assert_eq!(progress.exercises["exercise-0"].unchecked, ["perf"]);
        assert!(!progress.passed("exercise-0") && !progress.ever_passed("exercise-0"));
        assert_eq!(
            progress.exercises["exercise-0"].skipped(),
            [CheckName::Perf]
        );

        file.record(&verdict_of(
            &with_perf,
            Status::Passed,
            CheckPlan {
                leaks: Plan::Run,
                perf: Plan::Run,
            },
        ))
        .unwrap();
        assert!(file.load().passed("exercise-0"));
        // A quicker pass afterwards keeps the full pass; a failure does not, but the solution stays unlocked.
        file.record(&verdict_of(
            &with_perf,
            Status::Passed,
            CheckPlan {
                leaks: Plan::Off(OffReason::Requested),
                perf: Plan::Off(OffReason::Requested),
            },
        ))
        .unwrap();
        assert!(file.load().passed("exercise-0"), "{:?}", file.load());
        file.record(&verdict_of(
            &with_perf,
            Status::Failed,
            CheckPlan {
                leaks: Plan::Run,
                perf: Plan::Off(OffReason::Requested),
            },
        ))
        .unwrap();
        let progress = file.load();
        assert!(!progress.passed("exercise-0") && progress.ever_passed("exercise-0"));
        assert_eq!(progress.status("exercise-0"), Some(Status::Failed));
        assert!(progress.exercises["exercise-0"].skipped().is_empty());
    }

    #[test]
    fn an_exercise_without_speed_cases_passes_without_the_speed_check() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path());
        file.record(&verdict_of(
            &exercise(false),
            Status::Passed,
            CheckPlan {
                leaks: Plan::Run,
                perf: Plan::Off(OffReason::Requested),
            },
        ))
        .unwrap();
        assert!(file.load().passed("exercise-0"));
        file.record(&verdict_of(
            &exercise(false),
            Status::Failed,
            CheckPlan {
                leaks: Plan::Off(OffReason::Requested),
                perf: Plan::Off(OffReason::Requested),
            },
        ))
        .unwrap();
        assert!(file.load().exercises["exercise-0"].unchecked.is_empty());
    }

    #[test]
    fn forgetting_a_verdict_keeps_hints_and_the_unlocked_solution() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path());
        file.record(&verdict_of(
            &exercise(false),
            Status::Passed,
            CheckPlan {
                leaks: Plan::Run,
                perf: Plan::Run,
            },
        ))
        .unwrap();
        file.hint_shown("exercise-0", 2).unwrap();
        file.forget_verdict("exercise-0").unwrap();
        file.forget_verdict("exercise-9").unwrap();
        let progress = file.load();
        assert_eq!(progress.status("exercise-0"), None);
        assert!(progress.exercises["exercise-0"].failed().is_empty());
        assert!(progress.ever_passed("exercise-0"));
        assert_eq!(progress.hints_shown("exercise-0"), 1);
    }

    #[test]
    fn age_of_the_last_check() {
        let entry = ExerciseProgress {
            checked_at: Some("2026-11-28T04:00:00Z".into()),
            ..Default::default()
        };
        let later = humantime::parse_rfc3339("2026-11-28T05:30:00Z").unwrap();
        assert_eq!(entry.checked_ago(later), Some(Duration::from_secs(90 * 60)));
        let garbled = ExerciseProgress {
            checked_at: Some("yesterday".into()),
            ..Default::default()
        };
        assert_eq!(garbled.checked_ago(later), None);
    }

    fn exercise(with_perf: bool) -> Exercise {
        let perf = with_perf.then(|| PerfCase {
            name: "sum".into(),
            baseline: "baseline:sum".into(),
            candidate: "fx:sum".into(),
            setup: "baseline:setup".into(),
            min_speedup: 2.0,
            threads: false,
            hint: String::new(),
        });
        Exercise {
            id: 0,
            slug: "passes".into(),
            title: "Passes".into(),
            module: "fx".into(),
            timeout_secs: 60,
            hints: vec!["one".into()],
            leaks: LeakSettings::default(),
            points: crate::catalog::Points {
                tests: 6,
                leaks: 2,
                speed: if with_perf { 2 } else { 0 },
                memory: 0,
            },
            perf: perf.into_iter().collect(),
            memory: Vec::new(),
            dir: "/course/exercises/00-passes".into(),
            solution_dir: "/course/solutions/00-passes".into(),
        }
    }

    /// A verdict made by the real judge, so the recorded keys follow its summaries.
    fn verdict_of(exercise: &Exercise, status: Status, plan: CheckPlan) -> Verdict {
        let outcome = if status == Status::Passed {
            "passed"
        } else {
            "failed\",\"message\":\"E assert 1 == 2"
        };
        let mut lines = vec![
            r#"{"kind":"session_start","python":"3.11","pid":1}"#.to_string(),
            format!(
                r#"{{"kind":"test","nodeid":"tests/test_fx.py::test_one","name":"test_one","file":"tests/test_fx.py","line":3,"when":"call","outcome":"{outcome}","duration":0.0}}"#
            ),
            r#"{"kind":"tests_done","collected":1,"failed":0}"#.to_string(),
            r#"{"kind":"leak_summary","tests_hunted":1,"tests_checked":1,"tests_leaking":0,"seconds":0.1,"slowest":[],"skipped":[]}"#.to_string(),
        ];
        if plan.perf == Plan::Run && status == Status::Passed {
            lines.push(r#"{"kind":"perf","case":"sum","outcome":"measured","speedup":3.0,"threshold":2.0,"min_ratio":2.5,"max_ratio":3.5,"pairs":15,"retried":false,"timer":"cpu","seconds":1.0,"message":""}"#.to_string());
        }
        let mut records: Vec<Record> = lines
            .iter()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
            .collect();
        records.push(Record::SessionFinish { exitstatus: 0 });
        let run = RunOutcome {
            records,
            end: RunEnd::Finished,
            stdout: String::new(),
            stderr: String::new(),
        };
        let built = BuildOutcome::Built {
            module_dir: "/tmp/m".into(),
            log: String::new(),
            seconds: 0.5,
        };
        let workspace = Workspace::from_env(Some("/course".into()));
        let verdict = crate::checks::judge(
            &workspace,
            exercise,
            Variant::Learner,
            &built,
            Some(&run),
            plan,
        );
        assert_eq!(verdict.status, status, "{verdict:#?}");
        verdict
    }
}
