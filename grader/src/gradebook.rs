//! A class's results in the formats other systems read: `gradebook.csv` for an LMS,
//! `grades.json` with every verdict in full, `junit.xml` for CI test reporters; and the cache of
//! each student's result, so that a rerun grades only what changed.
use std::path::{Path, PathBuf};

use fs_err as fs;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};

use crate::catalog::Exercise;
use crate::roster::ExerciseGrade;

/// A student's row: graded (whatever the grades), nothing submitted, or not gradable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Every exercise was graded.
    Graded,
    /// On the roster, nothing submitted.
    Missing,
    /// The submission could not be graded; `reason` says why.
    Error,
}

impl RowStatus {
    /// `graded`, `missing`, `error`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Graded => "graded",
            Self::Missing => "missing",
            Self::Error => "error",
        }
    }
}

/// One student of the gradebook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StudentGrade {
    /// Folder or archive stem, or the roster's id.
    pub id: String,
    /// From the roster.
    pub name: String,
    /// From the roster.
    pub email: String,
    /// The row's status.
    pub status: RowStatus,
    /// Why the row is `error` or `missing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Files of the submission that were not graded, each with why.
    pub not_graded: Vec<String>,
    /// One per exercise of the course when graded; empty otherwise.
    pub exercises: Vec<ExerciseGrade>,
    /// Points earned.
    pub total: f64,
    /// Points possible.
    pub max: f64,
    /// Taken from the cache rather than graded in this run.
    #[serde(default)]
    pub cached: bool,
}

/// The max points of each exercise (leak points only where the exercise hunts leaks).
pub fn max_points(exercise: &Exercise) -> f64 {
    let points = exercise.points;
    let leaks = if exercise.leaks.enabled {
        points.leaks
    } else {
        0
    };
    f64::from(points.tests + leaks + points.speed)
}

fn number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

/// `gradebook.csv`: `id,name,exercise-0,…,total,max,status,notes`, then the max points per column,
/// then one row per student.
pub fn write_csv(path: &Path, exercises: &[Exercise], rows: &[StudentGrade]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_path(path)?;
    let mut header = vec!["id".to_string(), "name".to_string()];
    header.extend(exercises.iter().map(Exercise::name));
    header.extend(["total", "max", "status", "notes"].map(String::from));
    writer.write_record(&header)?;
    let maxima: Vec<f64> = exercises.iter().map(max_points).collect();
    let course_max: f64 = maxima.iter().sum();
    let mut max_row = vec!["(max)".to_string(), String::new()];
    max_row.extend(maxima.iter().map(|max| number(*max)));
    max_row.extend([
        number(course_max),
        number(course_max),
        String::new(),
        String::new(),
    ]);
    writer.write_record(&max_row)?;
    for row in rows {
        let mut record = vec![row.id.clone(), row.name.clone()];
        for exercise in exercises {
            let earned = row
                .exercises
                .iter()
                .find(|grade| grade.exercise == exercise.name())
                .map_or(0.0, |grade| grade.points);
            record.push(number(earned));
        }
        let notes: Vec<String> = row
            .exercises
            .iter()
            .flat_map(|grade| {
                grade
                    .notes
                    .iter()
                    .map(move |note| format!("{}: {note}", grade.exercise))
            })
            .collect();
        record.extend([
            number(row.total),
            number(course_max),
            row.status.key().to_string(),
            notes.join("; "),
        ]);
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

/// `junit.xml`: one testsuite per student, one testcase per exercise and check; a student who
/// could not be graded has one `submission` testcase in error, a missing one a skipped one.
pub fn junit(rows: &[StudentGrade]) -> Report {
    let mut report = Report::new("grade-all");
    for row in rows {
        let mut suite = TestSuite::new(row.id.as_str());
        match row.status {
            RowStatus::Graded => {
                for exercise in &row.exercises {
                    for check in &exercise.checks {
                        let status = match check.status.as_str() {
                            "passed" => TestCaseStatus::success(),
                            "skipped" => {
                                let mut status = TestCaseStatus::skipped();
                                status.set_message(check.summary.as_str());
                                status
                            }
                            _ => {
                                let mut status =
                                    TestCaseStatus::non_success(NonSuccessKind::Failure);
                                status.set_message(check.summary.as_str());
                                status
                            }
                        };
                        let mut case =
                            TestCase::new(format!("{} {}", exercise.exercise, check.check), status);
                        case.set_classname(row.id.as_str());
                        suite.add_test_case(case);
                    }
                }
            }
            RowStatus::Missing | RowStatus::Error => {
                let mut status = if row.status == RowStatus::Missing {
                    TestCaseStatus::skipped()
                } else {
                    TestCaseStatus::non_success(NonSuccessKind::Error)
                };
                status.set_message(row.reason.clone().unwrap_or_default());
                let mut case = TestCase::new("submission", status);
                case.set_classname(row.id.as_str());
                suite.add_test_case(case);
            }
        }
        report.add_test_suite(suite);
    }
    report
}

/// Each result under its cache key, one JSON file each.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache in `dir` (created on first store).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The exercises graded for `key` before, if any (a damaged entry counts as none).
    pub fn load(&self, key: &str) -> Option<Vec<ExerciseGrade>> {
        let text = std::fs::read_to_string(self.dir.join(format!("{key}.json"))).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Keep `grades` under `key`: written aside, then renamed, so an interrupt leaves no half file.
    pub fn store(&self, key: &str, grades: &[ExerciseGrade]) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let temporary = self.dir.join(format!("{key}.json.new"));
        fs::write(
            &temporary,
            serde_json::to_vec(grades).expect("grades serialize"),
        )?;
        fs::rename(&temporary, self.dir.join(format!("{key}.json")))
    }

    /// Forget everything (`--regrade`).
    pub fn clear(&self) -> std::io::Result<()> {
        if self.dir.exists() {
            fs::remove_dir_all(&self.dir)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_print_without_needless_decimals() {
        assert_eq!(number(6.0), "6");
        assert_eq!(number(4.0 / 3.0), "1.33");
    }

    #[test]
    fn junit_round_trips_and_marks_errors() {
        let row = StudentGrade {
            id: "eve".into(),
            name: String::new(),
            email: String::new(),
            status: RowStatus::Error,
            reason: Some("eve.zip: unreadable or truncated archive".into()),
            not_graded: Vec::new(),
            exercises: Vec::new(),
            total: 0.0,
            max: 10.0,
            cached: false,
        };
        let xml = junit(&[row]).to_string().unwrap();
        let parsed = Report::deserialize_from_str(&xml).unwrap();
        assert_eq!(parsed.test_suites[0].name.as_str(), "eve");
        assert_eq!(parsed.test_suites[0].errors, 1);
    }
}
