//! The GitHub Classroom edition's autograding workflow, in Classroom's current shape: one
//! `classroom-resources/autograding-command-grader@v1` step per exercise and check, each worth
//! the exercise's `[points]` for that check, then `autograding-grading-reporter@v1` over them all.
use grader::{Catalog, Exercise};

use crate::ui;

/// Where the workflow goes in the edition.
pub const WORKFLOW_PATH: &str = ".github/workflows/classroom.yml";

/// Minutes each grading step may take (the action's `timeout`). The first step also builds the
/// CLI, the `.venv` and pyo3 (a few minutes on a hosted runner); later ones take seconds.
pub const STEP_TIMEOUT_MINUTES: u32 = 10;

/// One grading step: a `cargo xtask check N` variant that exits 0 only when what it grades passed.
pub struct Step {
    pub id: String,
    pub name: String,
    pub command: String,
    pub points: u32,
}

/// The graded steps of one exercise: the tests; the tests and the leak hunt; the tests and the
/// memory check (which runs with the leak hunt: `--no-leaks` switches both, so this step also
/// needs a clean hunt); the tests and the speed check. A check worth no points has no step.
pub fn steps(exercise: &Exercise) -> Vec<Step> {
    let id = exercise.id;
    let checks = [
        ("tests", "--no-leaks --no-perf", exercise.points.tests),
        ("leaks", "--no-perf", exercise.points.leaks),
        ("memory", "--no-perf", exercise.points.memory),
        ("speed", "--no-leaks", exercise.points.speed),
    ];
    checks
        .into_iter()
        .filter(|(_, _, points)| *points > 0)
        .map(|(check, flags, points)| Step {
            id: format!("exercise_{id}_{check}"),
            name: ui::export::classroom_step_name(&exercise.name(), &exercise.slug, check),
            command: format!("cargo xtask check {id} {flags}"),
            points,
        })
        .collect()
}

/// `.github/workflows/classroom.yml` for the catalog.
pub fn workflow(catalog: &Catalog) -> String {
    let steps: Vec<Step> = catalog.exercises.iter().flat_map(steps).collect();
    let quoted = |text: &str| serde_json::to_string(text).expect("a string serialises");
    let mut out = String::from(
        "# GitHub Classroom autograding, made by `cargo xtask export classroom` from each exercise's
# exercise.toml ([points]). Each step passes when its command exits 0.
name: Autograding Tests
on:
  push:
  repository_dispatch:
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
",
    );
    for step in &steps {
        out.push_str(&format!(
            "      - name: {name}
        id: {id}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: {name}
          command: {command}
          timeout: {STEP_TIMEOUT_MINUTES}
          max-score: {points}
",
            name = quoted(&step.name),
            id = step.id,
            command = quoted(&step.command),
            points = step.points,
        ));
    }
    out.push_str(
        "      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
",
    );
    for step in &steps {
        out.push_str(&format!(
            "          {}_RESULTS: \"${{{{ steps.{}.outputs.result }}}}\"\n",
            step.id.to_uppercase(),
            step.id
        ));
    }
    let runners: Vec<&str> = steps.iter().map(|step| step.id.as_str()).collect();
    out.push_str(&format!(
        "        with:\n          runners: {}\n",
        runners.join(",")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader::Points;

    fn exercise(id: u32, points: Points) -> Exercise {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("exercises").join(format!("{id:02}-x"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("exercise.toml"),
            format!("id = {id}\nslug = \"x\"\ntitle = \"X\"\nmodule = \"x\"\nhints = [\"h\"]\n"),
        )
        .unwrap();
        let mut exercise = Catalog::load(root.path()).unwrap().exercises.remove(0);
        exercise.points = points;
        exercise
    }

    #[test]
    fn a_check_worth_nothing_has_no_step_and_each_step_names_its_flags() {
        let steps = steps(&exercise(
            3,
            Points {
                tests: 6,
                leaks: 2,
                speed: 0,
                memory: 2,
            },
        ));
        let summary: Vec<(String, String, u32)> = steps
            .into_iter()
            .map(|step| (step.id, step.command, step.points))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "exercise_3_tests".to_string(),
                    "cargo xtask check 3 --no-leaks --no-perf".to_string(),
                    6
                ),
                (
                    "exercise_3_leaks".to_string(),
                    "cargo xtask check 3 --no-perf".to_string(),
                    2
                ),
                (
                    "exercise_3_memory".to_string(),
                    "cargo xtask check 3 --no-perf".to_string(),
                    2
                ),
            ]
        );
    }

    #[test]
    fn the_reporter_lists_every_step_with_its_results() {
        let catalog = Catalog {
            exercises: vec![exercise(
                1,
                Points {
                    tests: 4,
                    leaks: 0,
                    speed: 3,
                    memory: 0,
                },
            )],
        };
        let yaml = workflow(&catalog);
        assert!(
            yaml.contains("max-score: 4\n") && yaml.contains("max-score: 3\n"),
            "{yaml}"
        );
        assert!(
            yaml.contains(
                "EXERCISE_1_TESTS_RESULTS: \"${{ steps.exercise_1_tests.outputs.result }}\""
            ),
            "{yaml}"
        );
        assert!(
            yaml.ends_with("runners: exercise_1_tests,exercise_1_speed\n"),
            "{yaml}"
        );
        assert!(!yaml.contains("exercise_1_leaks"), "{yaml}");
    }
}
