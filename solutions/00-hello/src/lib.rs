//! Reference solution for exercise 0: the lesson's C `hello` extension, written with PyO3.
use pyo3::prelude::*;

#[pymodule]
mod hello {
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;

    /// Return the greeting the C version of this module returns.
    #[pyfunction]
    fn hello_world() -> &'static str {
        "Hello from Rust!"
    }

    /// Greet someone by name: `greet("Ada")` → `"Hello, Ada!"`.
    ///
    /// PyO3 converts the argument: anything but a `str` raises `TypeError` before this body runs.
    #[pyfunction]
    fn greet(name: &str) -> PyResult<String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(PyValueError::new_err("name must not be empty"));
        }
        Ok(format!("Hello, {name}!"))
    }
}
