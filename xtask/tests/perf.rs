//! The speed check through the real binary: a fast crate passes, a slow one fails with its hint,
//! a fast but wrong one fails on the answer, and `--no-perf` skips the measurement.
mod common;

use common::Course;

fn perf_check(json: &serde_json::Value) -> &serde_json::Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "perf")
        .unwrap()
}

#[test]
fn a_fast_crate_passes_the_speed_check_with_its_measurement() {
    let course = Course::new(&["30-"]);
    let run = course.xtask(&["check", "30", "--format", "json"]);
    let json = run.json();
    assert_eq!(json["status"], "passed", "{}", run.all());
    let perf = perf_check(&json);
    assert_eq!(perf["status"], "passed");
    let case = &perf["details"]["cases"][0];
    assert!(case["speedup"].as_f64().unwrap() >= 2.0, "{case:#}");
    assert!(case["pairs"].as_u64().unwrap() >= 15, "{case:#}");
    assert!(case["min_ratio"].as_f64().unwrap() <= case["max_ratio"].as_f64().unwrap());
    // The median's confidence interval holds the median; a pass is never `close`.
    let speedup = case["speedup"].as_f64().unwrap();
    assert!(case["ci_low"].as_f64().unwrap() <= speedup, "{case:#}");
    assert!(speedup <= case["ci_high"].as_f64().unwrap(), "{case:#}");
    assert_eq!(case["close"], false, "{case:#}");
    assert!(case.get("shortfall").is_none(), "{case:#}");
}

#[test]
fn a_slow_crate_fails_with_the_measured_ratio_and_the_hint() {
    let course = Course::new(&["31-"]);
    let run = course.xtask(&["check", "31"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("✘ exercise-31 perf-slow — correct, but too slow"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("slower than the Python baseline"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("needs ≥ 2×"), "{}", run.all());
    assert!(
        run.stdout.contains("Hint: Extract the list once"),
        "{}",
        run.all()
    );

    let quick = course
        .xtask(&["check", "31", "--no-perf", "--format", "json"])
        .json();
    assert_eq!(quick["status"], "passed", "--no-perf skips the measurement");
    assert_eq!(perf_check(&quick)["status"], "skipped");
}

#[test]
fn a_fast_but_wrong_crate_fails_on_its_answer_not_on_speed() {
    let course = Course::new(&["32-"]);
    let run = course.xtask(&["check", "32"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("the speed check got a wrong answer"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("differs from the baseline"),
        "{}",
        run.all()
    );
    let json = course.xtask(&["check", "32", "--format", "json"]).json();
    assert_eq!(perf_check(&json)["details"]["cases"][0]["status"], "error");
}
