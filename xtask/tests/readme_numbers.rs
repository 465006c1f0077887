//! Every number an exercise's README states about its grading matches `exercise.toml`: each speed
//! threshold ("at least **1.6× faster**") is a `min_speedup` of that exercise and each case's
//! threshold is stated; the top README's sample hint count ("Hint 1 of 12") is that exercise's.
mod common;

use common::repo;
use grader::Catalog;

/// The numbers written as `at least N× faster` (also `**N×**` in bold, or `Nx`).
fn stated_speedups(readme: &str) -> Vec<f64> {
    let mut found = Vec::new();
    for (start, _) in readme.match_indices("at least") {
        let rest = readme[start + "at least".len()..]
            .trim_start()
            .trim_start_matches('*');
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let after = &rest[number.len()..];
        let Some(after) = after.strip_prefix('×').or_else(|| after.strip_prefix('x')) else {
            continue;
        };
        if after
            .trim_start_matches('*')
            .trim_start()
            .starts_with("faster")
        {
            found.push(number.parse().unwrap());
        }
    }
    found
}

#[test]
fn speed_thresholds_in_readmes_are_the_graders() {
    let catalog = Catalog::load(&repo()).unwrap();
    let mut problems = Vec::new();
    for exercise in &catalog.exercises {
        let path = exercise.dir.join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let stated = stated_speedups(&readme);
        let thresholds: Vec<f64> = exercise.perf.iter().map(|case| case.min_speedup).collect();
        for number in &stated {
            if !thresholds.contains(number) {
                problems.push(format!(
                    "{}: README says at least {number}× faster; exercise.toml's min_speedup: {thresholds:?}",
                    exercise.name()
                ));
            }
        }
        for case in &exercise.perf {
            if !stated.contains(&case.min_speedup) {
                problems.push(format!(
                    "{}: perf case `{}` needs {}×, which the README never states as `at least {}× faster`",
                    exercise.name(),
                    case.name,
                    case.min_speedup,
                    case.min_speedup
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_readmes_sample_hint_count_is_the_exercises() {
    let catalog = Catalog::load(&repo()).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut checked = 0;
    for line in readme.lines() {
        let Some((_, rest)) = line.split_once("Hint 1 of ") else {
            continue;
        };
        let (total, command) = rest.split_once(':').unwrap();
        let name = command.split_whitespace().last().unwrap();
        let exercise = catalog.find(name).unwrap();
        assert_eq!(
            total.trim().parse::<usize>().unwrap(),
            exercise.hints.len(),
            "README.md: `{line}`"
        );
        checked += 1;
    }
    assert!(checked > 0, "README.md shows no sample hint line any more");
}

#[test]
fn finds_thresholds_however_they_are_written() {
    assert_eq!(
        stated_speedups("must be at least **1.8× faster**, and at least 40x faster; at least 3 of"),
        vec![1.8, 40.0]
    );
}
