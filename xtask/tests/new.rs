//! `cargo xtask new` end to end: three typed modules of different shapes (functions only; a class
//! with state; bytes and lists) become crates that build, whose check is `not started`, and whose
//! differential tests catch a deliberately wrong implementation with a readable shrunk example;
//! bad input is refused with the function and line, and nothing existing is overwritten.
mod common;

use common::Course;

const FUNCTIONS: &str = r#""""Integer helpers."""


def clamp(x: int, low: int = 0, high: int = 100) -> int:
    """`x` limited to [low, high]."""
    if low > high:
        raise ValueError(f"low {low} is above high {high}")
    return max(low, min(x, high))


def ratio(a: float, b: float) -> float | None:
    """a / b, or None when b is zero."""
    return None if b == 0 else a / b
"#;

const CLASS: &str = r#"class Counter:
    """Counts up from a start."""

    def __init__(self, start: int) -> None:
        self.value = start

    def add(self, step: int) -> int:
        """Add `step` (not negative) and return the new value."""
        if step < 0:
            raise ValueError("step must not be negative")
        self.value += step
        return self.value
"#;

const BYTES_AND_LISTS: &str = r#"def xor_all(data: bytes, key: int) -> bytes:
    """Every byte XORed with `key & 0xFF`."""
    return bytes(b ^ (key & 0xFF) for b in data)


def lengths(words: list[str]) -> list[int]:
    """The length of each word."""
    return [len(w) for w in words]
"#;

/// Wrong on purpose: `clamp` ignores `high`, `ratio` is right.
const FUNCTIONS_WRONG: &str = r#"use pyo3::prelude::*;
#[pymodule]
mod intkit {
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;
    #[pyfunction]
    #[pyo3(signature = (x, low = 0, high = 100))]
    fn clamp(x: i64, low: i64, high: i64) -> PyResult<i64> {
        if low > high {
            return Err(PyValueError::new_err(format!("low {low} is above high {high}")));
        }
        Ok(x.max(low))
    }
    #[pyfunction]
    fn ratio(a: f64, b: f64) -> PyResult<Option<f64>> {
        Ok(if b == 0.0 { None } else { Some(a / b) })
    }
}
"#;

/// Wrong on purpose: a negative step is accepted.
const CLASS_WRONG: &str = r#"use pyo3::prelude::*;
#[pymodule]
mod counter {
    use pyo3::prelude::*;
    #[pyclass]
    struct Counter { value: i64 }
    #[pymethods]
    impl Counter {
        #[new]
        fn new(start: i64) -> PyResult<Self> { Ok(Self { value: start }) }
        fn add(&mut self, step: i64) -> PyResult<i64> { self.value += step; Ok(self.value) }
    }
}
"#;

/// Wrong on purpose: `lengths` counts bytes, not characters.
const BYTES_WRONG: &str = r#"use pyo3::prelude::*;
#[pymodule]
mod byteskit {
    use pyo3::prelude::*;
    #[pyfunction]
    fn xor_all(data: &[u8], key: i64) -> PyResult<Vec<u8>> {
        Ok(data.iter().map(|b| b ^ (key & 0xFF) as u8).collect())
    }
    #[pyfunction]
    fn lengths(words: Vec<String>) -> PyResult<Vec<i64>> {
        Ok(words.iter().map(|w| w.len() as i64).collect())
    }
}
"#;

/// Generate from `source`, check the untouched skeleton, then a wrong implementation.
fn generate_and_check(course: &Course, module: &str, source: &str, wrong: &str, expect: &[&str]) {
    let file = format!("{module}.py");
    course.write(&file, source);
    let run = course.xtask(&["new", module, "--from", &file]);
    assert_eq!(run.code, 0, "{}", run.all());
    let folder = std::fs::read_dir(course.root().join("exercises"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with(&format!("-{module}")))
        .expect("the exercise folder");
    assert!(
        run.stdout.contains(&format!("created exercises/{folder}/")),
        "{}",
        run.all()
    );
    let number = folder.split('-').next().unwrap().to_string();

    let skeleton = course.xtask(&[
        "check",
        &number,
        "--no-leaks",
        "--no-perf",
        "--format",
        "json",
    ]);
    let verdict = skeleton.json();
    assert_eq!(verdict["status"], "not_started", "{}", skeleton.all());

    course.write(&format!("exercises/{folder}/src/lib.rs"), wrong);
    let wrong_run = course.xtask(&["check", &number, "--no-leaks", "--no-perf"]);
    assert_eq!(wrong_run.code, 1, "{}", wrong_run.all());
    assert!(wrong_run.stdout.contains("failed"), "{}", wrong_run.all());
    for needle in expect {
        assert!(
            wrong_run.stdout.contains(needle),
            "no `{needle}` in\n{}",
            wrong_run.all()
        );
    }
}

#[test]
fn functions_only_module() {
    let course = Course::new(&["00-passes"]);
    // hypothesis shrinks to the smallest call that shows it
    generate_and_check(
        &course,
        "intkit",
        FUNCTIONS,
        FUNCTIONS_WRONG,
        &[
            "test_clamp_matches_the_original",
            "clamp(x=1, low=0, high=0) returned 1; the original returned 0",
        ],
    );
    let lib =
        std::fs::read_to_string(course.root().join("exercises/01-intkit/src/lib.rs")).unwrap();
    assert!(
        lib.contains("#[pyo3(signature = (x, low = 0, high = 100))]"),
        "{lib}"
    );
    assert!(
        lib.contains("fn ratio(a: f64, b: f64) -> PyResult<Option<f64>>"),
        "{lib}"
    );
}

#[test]
fn class_with_state() {
    let course = Course::new(&["00-passes"]);
    generate_and_check(
        &course,
        "counter",
        CLASS,
        CLASS_WRONG,
        &[
            "test_Counter_matches_the_original",
            "Counter(start=0).add(step=-1) returned -1; the original raised ValueError(",
        ],
    );
}

#[test]
fn bytes_and_lists() {
    let course = Course::new(&["00-passes"]);
    generate_and_check(
        &course,
        "byteskit",
        BYTES_AND_LISTS,
        BYTES_WRONG,
        &[
            "test_lengths_matches_the_original",
            "returned [2]; the original returned [1]",
        ],
    );
    let lib =
        std::fs::read_to_string(course.root().join("exercises/01-byteskit/src/lib.rs")).unwrap();
    assert!(
        lib.contains("fn xor_all(data: &[u8], key: i64) -> PyResult<Vec<u8>>"),
        "{lib}"
    );
    assert!(
        lib.contains("fn lengths(words: Vec<String>) -> PyResult<Vec<i64>>"),
        "{lib}"
    );
}

#[test]
fn bad_input_names_function_and_line_and_overwrites_nothing() {
    let course = Course::new(&["00-passes"]);
    course.write(
        "loose.py",
        "import os\n\ndef f(x, *rest, y: int = os.sep) -> set[int]:\n    return {x}\n",
    );
    let run = course.xtask(&["new", "loose", "--from", "loose.py"]);
    assert_eq!(run.code, 1, "{}", run.all());
    for needle in [
        "loose.py:3  `f`: parameter `x` has no type hint",
        "`*rest` takes any number of arguments",
        "parameter `y` defaults to `os.sep`, which is not a literal",
        "the return type has the hint `set[int]`",
        "generated instead: `x: &Bound<PyAny>` with a TODO",
    ] {
        assert!(
            run.stdout.contains(needle),
            "no `{needle}` in\n{}",
            run.all()
        );
    }
    assert!(course.root().join("exercises/01-loose/src/lib.rs").exists());

    course.write("broken.py", "def f(x: int) -> int\n    return x\n");
    let run = course.xtask(&["new", "broken", "--from", "broken.py"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("broken.py:1: the module does not parse"),
        "{}",
        run.all()
    );
    assert!(!course.root().join("exercises/02-broken").exists());

    // A name or a number that is taken: refused, and the existing folder is untouched.
    let before =
        std::fs::read_to_string(course.root().join("exercises/00-passes/src/lib.rs")).unwrap();
    course.write("passes.py", "def g(x: int) -> int:\n    return x\n");
    let run = course.xtask(&["new", "passes", "--from", "passes.py"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("the name `passes` is taken by `exercises/00-passes`"),
        "{}",
        run.all()
    );
    let run = course.xtask(&["new", "other", "--from", "passes.py", "--id", "0"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("exercise number 0 is taken"),
        "{}",
        run.all()
    );
    let after =
        std::fs::read_to_string(course.root().join("exercises/00-passes/src/lib.rs")).unwrap();
    assert_eq!(before, after);
    let run = course.xtask(&["new", "Bad_Name", "--from", "passes.py"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("is not a valid exercise name"),
        "{}",
        run.all()
    );
}
