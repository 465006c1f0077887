//! Exercise 0 — hello: your first Python extension module in Rust.
//! Read ../README.md first. Check your work with `cargo xtask check exercise-0`.
use pyo3::prelude::*;

// `#[pymodule]` on a Rust `mod` creates the Python module: its name (`hello`) is the name you
// `import`. Every `#[pyfunction]` inside it becomes a function of that module.
#[pymodule]
mod hello {
    #[allow(unused_imports)] // you will need it in `greet`
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;

    /// Return exactly the string "Hello from Rust!".
    #[pyfunction]
    fn hello_world() -> &'static str {
        // TODO: return the greeting in the doc comment above, exactly. Rule: a function's last
        // expression is its value, and a `&'static str` becomes a Python `str` on the way out.
        todo!()
    }

    /// Greet someone by name: `greet("Ada")` returns `"Hello, Ada!"`.
    #[pyfunction]
    fn greet(name: &str) -> PyResult<String> {
        // TODO: the greeting for `name` without the whitespace around it. PyO3 has already
        // converted the argument: a non-`str` raised TypeError before this line ran. Rules: a
        // name that is empty once trimmed is the caller's mistake, a ValueError with the message
        // "name must not be empty"; in Rust an error is a value — return it as the `Err` of the
        // `PyResult`, and PyO3 raises it in Python.
        let _ = name;
        todo!()
    }
}
