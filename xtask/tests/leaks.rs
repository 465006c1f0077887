//! The leak hunt through the real binary: every leak fixture is caught with the right kind of
//! finding, an explanation and a hint; the correct fixture is never flagged.
mod common;

use common::Course;

/// Check fixture `id` and return its JSON verdict.
fn check(prefix: &str, id: &str) -> serde_json::Value {
    let course = Course::new(&[prefix]);
    course.xtask(&["check", id, "--format", "json"]).json()
}

fn leaks(json: &serde_json::Value) -> &serde_json::Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "leaks")
        .unwrap()
}

/// The fixture passes its tests, fails the leak check, and one finding has one of `kinds`.
fn assert_caught(prefix: &str, id: &str, kinds: &[&str]) {
    let json = check(prefix, id);
    assert_eq!(json["status"], "failed", "{json:#}");
    let tests = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "tests")
        .unwrap();
    assert_eq!(
        tests["status"], "passed",
        "the leak is the only problem: {json:#}"
    );
    let leaks = leaks(&json);
    assert_eq!(leaks["status"], "failed", "{json:#}");
    let findings = leaks["details"]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|finding| kinds.contains(&finding["leak_kind"].as_str().unwrap())),
        "expected one of {kinds:?}: {findings:#?}"
    );
    for finding in findings {
        assert!(
            !finding["message"].as_str().unwrap().is_empty(),
            "{finding:#}"
        );
        assert!(!finding["hint"].as_str().unwrap().is_empty(), "{finding:#}");
    }
}

#[test]
fn correct_code_is_never_flagged() {
    let json = check("10-", "10");
    assert_eq!(json["status"], "passed", "{json:#}");
    assert_eq!(leaks(&json)["summary"], "clean");
}

#[test]
fn an_argument_reference_leaked_per_call() {
    assert_caught("11-", "11", &["argument_refs"]);
}

#[test]
fn a_new_object_leaked_per_call() {
    assert_caught("12-", "12", &["new_objects", "gc_objects"]);
}

#[test]
fn a_new_reference_wrapped_as_borrowed_leaks_on_a_reachable_object() {
    assert_caught("13-", "13", &["reachable_refs"]);
}

#[test]
fn a_leak_only_on_the_error_path() {
    assert_caught(
        "14-",
        "14",
        &["argument_refs", "new_objects", "reachable_refs"],
    );
}

#[test]
fn a_pyclass_without_traverse_keeps_cycles_alive() {
    assert_caught("15-", "15", &["uncollectable_cycle", "gc_objects"]);
}

#[test]
fn traverse_without_clear_keeps_self_cycles_alive() {
    assert_caught("16-", "16", &["uncollectable_cycle", "gc_objects"]);
}

#[test]
fn an_unbounded_static_cache_grows_per_call() {
    assert_caught("17-", "17", &["static_cache", "new_objects", "gc_objects"]);
}

#[test]
fn a_rust_heap_leak_shows_as_memory_growth() {
    assert_caught("18-", "18", &["rust_heap"]);
}

#[test]
fn a_held_buffer_export_is_found() {
    assert_caught("19-", "19", &["buffer_export"]);
}

#[test]
fn a_reference_released_that_was_not_owned_is_reported_before_it_crashes() {
    assert_caught("20-", "20", &["refcount_drop"]);
}

#[test]
fn no_leaks_skips_the_hunt() {
    let course = Course::new(&["11-"]);
    let json = course
        .xtask(&["check", "11", "--no-leaks", "--format", "json"])
        .json();
    assert_eq!(json["status"], "passed", "{json:#}");
    assert_eq!(leaks(&json)["status"], "skipped");
}
