//! One student's grade as Gradescope's autograder reads it (`/autograder/results/results.json`):
//! one test per exercise and check worth points — the tests (hidden ones included in the score,
//! their details redacted), the leak hunt, the speed check — plus, where an exercise has hidden
//! tests, an entry naming the hidden tests that failed, shown only once grades are published.
//! The schema it is checked against is grader/deploy/gradescope/results.schema.json.
use serde_json::{Value, json};

use crate::catalog::Exercise;
use crate::gradebook::{RowStatus, StudentGrade};
use crate::roster::ExerciseGrade;

/// The results of `row`, graded against `exercises`; `output` is the whole submission's feedback
/// (Markdown) and `seconds` how long grading took.
pub fn results(row: &StudentGrade, exercises: &[Exercise], output: &str, seconds: f64) -> Value {
    let mut tests = Vec::new();
    match row.status {
        RowStatus::Graded => {
            for exercise in exercises {
                if let Some(grade) = row
                    .exercises
                    .iter()
                    .find(|grade| grade.exercise == exercise.name())
                {
                    tests.extend(exercise_tests(exercise, grade));
                }
            }
        }
        RowStatus::Missing | RowStatus::Error => tests.push(json!({
            "name": "submission",
            "score": 0.0,
            "max_score": row.max,
            "status": "failed",
            "output": row.reason.clone().unwrap_or_default(),
            "output_format": "md",
            "visibility": "visible",
            "execution_time": seconds,
        })),
    }
    json!({
        "score": row.total,
        "execution_time": seconds,
        "output": output,
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    })
}

fn rounded(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The entries of one exercise.
fn exercise_tests(exercise: &Exercise, grade: &ExerciseGrade) -> Vec<Value> {
    let name = |check: &str| format!("{} {}: {check}", exercise.name(), exercise.slug);
    let seconds = grade.verdict["seconds"].as_f64().unwrap_or(0.0);
    let entry = |check: &str, score: f64, max: u32, output: String, visibility: &str| {
        json!({
            "name": name(check),
            "score": rounded(score),
            "max_score": f64::from(max),
            "status": if rounded(score) >= f64::from(max) { "passed" } else { "failed" },
            "output": output,
            "output_format": "md",
            "visibility": visibility,
            "execution_time": seconds,
        })
    };
    let check = |key: &str| grade.checks.iter().find(|line| line.check == key);
    let passed = |key: &str| check(key).is_some_and(|line| line.status == "passed");
    let summary = |key: &str| {
        check(key).map_or_else(
            || "not run".to_string(),
            |line| format!("{}: {}", line.status, line.summary),
        )
    };
    let points = exercise.points;
    let share = grade.verdict["score"]
        .as_f64()
        .unwrap_or(0.0)
        .clamp(0.0, 1.0);
    let mut entries = vec![entry(
        "tests",
        f64::from(points.tests) * share,
        points.tests,
        format!("```text\n{}```\n", grade.feedback),
        "visible",
    )];
    if exercise.leaks.enabled && points.leaks > 0 {
        let earned = if passed("leaks") { points.leaks } else { 0 };
        entries.push(entry(
            "leaks",
            f64::from(earned),
            points.leaks,
            summary("leaks"),
            "visible",
        ));
    }
    if points.speed > 0 {
        let earned = if passed("perf") { points.speed } else { 0 };
        entries.push(entry(
            "speed",
            f64::from(earned),
            points.speed,
            summary("perf"),
            "visible",
        ));
    }
    if exercise.solution_dir.join("tests_hidden").is_dir() {
        let failed = hidden_failures(&grade.verdict);
        let output = if failed.is_empty() {
            "Every hidden test passed (their points are part of the tests' score).".to_string()
        } else {
            let names: Vec<String> = failed.iter().map(|name| format!("- `{name}`")).collect();
            format!(
                "Hidden tests that failed (their points are part of the tests' score):\n\n{}\n",
                names.join("\n")
            )
        };
        let mut hidden = entry("hidden tests", 0.0, 0, output, "after_published");
        hidden["status"] = json!(if failed.is_empty() {
            "passed"
        } else {
            "failed"
        });
        entries.push(hidden);
    }
    entries
}

/// The names (without parameters) of the failed tests that come from the hidden tests.
fn hidden_failures(verdict: &Value) -> Vec<String> {
    let mut names: Vec<String> = verdict["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|check| check["failures"].as_array().into_iter().flatten())
        .filter(|failure| {
            failure["file"]
                .as_str()
                .is_some_and(|file| file.contains("tests_hidden"))
        })
        .filter_map(|failure| failure["name"].as_str())
        .map(|name| name.split('[').next().unwrap_or_default().to_string())
        .collect();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, Points};
    use crate::roster::CheckLine;

    fn exercise(root: &std::path::Path, hidden: bool) -> Exercise {
        let dir = root.join("exercises/03-x");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("exercise.toml"),
            "id = 3\nslug = \"x\"\ntitle = \"X\"\nmodule = \"x\"\nhints = [\"h\"]\n",
        )
        .unwrap();
        if hidden {
            std::fs::create_dir_all(root.join("solutions/03-x/tests_hidden")).unwrap();
        }
        let mut exercise = Catalog::load(root).unwrap().exercises.remove(0);
        exercise.points = Points {
            tests: 6,
            leaks: 0,
            speed: 2,
        };
        exercise
    }

    fn graded(share: f64, perf: &str, failures: Value) -> StudentGrade {
        StudentGrade {
            id: "s".into(),
            name: String::new(),
            email: String::new(),
            status: RowStatus::Graded,
            reason: None,
            not_graded: Vec::new(),
            exercises: vec![ExerciseGrade {
                exercise: "exercise-3".into(),
                points: 0.0,
                max: 8.0,
                status: "failed".into(),
                checks: vec![CheckLine {
                    check: "perf".into(),
                    status: perf.into(),
                    summary: "1.0× (needs 3×)".into(),
                }],
                verdict: json!({ "score": share, "seconds": 1.5,
                    "checks": [{ "failures": failures }] }),
                feedback: "✘ exercise-3\n".into(),
                sealed: None,
                notes: Vec::new(),
            }],
            total: 4.5,
            max: 8.0,
            cached: false,
        }
    }

    #[test]
    fn each_check_is_a_test_and_hidden_failures_wait_for_publication() {
        let root = tempfile::tempdir().unwrap();
        let exercise = exercise(root.path(), true);
        let failures = json!([
            { "name": "test_big[1]", "file": "solutions/03-x/tests_hidden/test_h.py" },
            { "name": "test_big[2]", "file": "solutions/03-x/tests_hidden/test_h.py" },
            { "name": "test_public", "file": "exercises/03-x/tests/test_x.py" },
        ]);
        let results = results(&graded(0.75, "failed", failures), &[exercise], "# F", 9.0);
        let tests = results["tests"].as_array().unwrap();
        let names: Vec<&str> = tests.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "exercise-3 x: tests",
                "exercise-3 x: speed",
                "exercise-3 x: hidden tests"
            ]
        );
        assert_eq!(tests[0]["score"], 4.5);
        assert_eq!(tests[0]["max_score"], 6.0);
        assert_eq!(tests[0]["status"], "failed");
        assert_eq!(tests[0]["execution_time"], 1.5);
        assert_eq!(tests[1]["score"], 0.0);
        assert!(tests[1]["output"].as_str().unwrap().contains("needs 3×"));
        assert_eq!(tests[2]["visibility"], "after_published");
        assert_eq!(tests[2]["status"], "failed");
        let hidden = tests[2]["output"].as_str().unwrap();
        assert!(hidden.contains("`test_big`") && !hidden.contains("test_public"));
        assert_eq!(hidden.matches("test_big").count(), 1, "{hidden}");
        assert_eq!(results["score"], 4.5);
    }

    #[test]
    fn an_ungradable_submission_is_one_failed_test_worth_everything() {
        let root = tempfile::tempdir().unwrap();
        let exercise = exercise(root.path(), false);
        let mut row = graded(1.0, "passed", json!([]));
        row.status = RowStatus::Error;
        row.reason = Some("not a copy of the course".into());
        row.exercises.clear();
        row.total = 0.0;
        let results = results(&row, &[exercise], "", 0.5);
        assert_eq!(results["tests"].as_array().unwrap().len(), 1);
        assert_eq!(results["tests"][0]["max_score"], 8.0);
        assert_eq!(results["tests"][0]["output"], "not a copy of the course");
        assert_eq!(results["score"], 0.0);
    }
}
