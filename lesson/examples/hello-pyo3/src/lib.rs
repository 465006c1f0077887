//! The lesson's PyO3 crate, imported as `hello_pyo3`.
//!
//! `hello_world` and `greet` are the twins of ../hello-c/hello.c (chapters 3 and 4); the rest
//! illustrates chapters 2 (references), 4 (Bound, Py, conversions), 5 (exceptions) and 6 (the
//! GIL). The kernel of chapters 7 and 10 is compiled in from ../kernel/sumsq_pyo3.rs, the
//! `Node` type of chapter 11 from nodes.rs.
use pyo3::prelude::*;

mod nodes;
#[path = "../../kernel/sumsq_pyo3.rs"]
mod sumsq_pyo3;

// ANCHOR: exception_type
// A new exception class, `hello_pyo3.GreetingError`, subclassing ValueError so that callers
// catching ValueError keep working.
pyo3::create_exception!(
    hello_pyo3,
    GreetingError,
    pyo3::exceptions::PyValueError,
    "Raised when a greeting cannot be built."
);
// ANCHOR_END: exception_type

// ANCHOR: module
// `gil_used = true`: the module declares `Py_mod_gil = Py_MOD_GIL_USED` (Python 3.13+), so a
// free-threaded interpreter turns its GIL back on when it imports us. The buffer kernel
// (chapter 7) needs that: it reads Python-owned memory as a `&[f64]`, which only stays unchanged
// while no other thread runs. Without the slot (3.10-3.12) every build has a GIL anyway.
#[pymodule(gil_used = true)]
mod hello_pyo3 {
    use pyo3::exceptions::PyValueError;
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::GreetingError;
    #[pymodule_export]
    use super::nodes::nodes;
    #[pymodule_export]
    use super::sumsq_pyo3::kernel;
    // ANCHOR_END: module

    // ANCHOR: hello_world
    /// Return the string 'Hello from Rust!'.
    #[pyfunction]
    fn hello_world() -> &'static str {
        "Hello from Rust!"
    }
    // ANCHOR_END: hello_world

    // ANCHOR: greet
    /// greet(name) -> 'Hello, <name>!' (surrounding whitespace stripped).
    #[pyfunction]
    fn greet(name: &str) -> PyResult<String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(PyValueError::new_err("name must not be empty"));
        }
        Ok(format!("Hello, {name}!"))
    }
    // ANCHOR_END: greet

    // ANCHOR: count_keywords
    /// count_keywords(**kwargs) -> how many keyword arguments were passed.
    /// (`**kwargs` makes PyO3 choose METH_VARARGS | METH_KEYWORDS: the dict is built anyway.)
    #[pyfunction]
    #[pyo3(signature = (**kwargs))]
    fn count_keywords(kwargs: Option<&Bound<'_, pyo3::types::PyDict>>) -> usize {
        kwargs.map_or(0, |kwargs| kwargs.len())
    }
    // ANCHOR_END: count_keywords

    // ANCHOR: make_pair
    /// make_pair(a, b) -> (a, b). No INCREF in sight: each `Bound` owns one reference,
    /// and moving it into the tuple hands that reference over.
    #[pyfunction]
    fn make_pair<'py>(
        a: Bound<'py, PyAny>,
        b: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        pyo3::types::PyTuple::new(a.py(), [a, b])
    }
    // ANCHOR_END: make_pair

    // ANCHOR: refcounts
    /// The reference count of `obj`, as the C field `ob_refcnt` holds it.
    #[pyfunction]
    fn refcount_of(obj: &Bound<'_, PyAny>) -> isize {
        // SAFETY: `obj` is a live object and we are attached to the interpreter.
        unsafe { pyo3::ffi::Py_REFCNT(obj.as_ptr()) }
    }

    /// A deliberate bug: forgets one strong reference to `obj` per call, so `obj` can never
    /// be freed. Tests and chapter 9 use it to show what a leak looks like from Python.
    #[pyfunction]
    fn leak_a_reference(obj: &Bound<'_, PyAny>) {
        // clone() = Py_INCREF; forget() skips the Drop that would have been Py_DECREF.
        std::mem::forget(obj.clone());
    }
    // ANCHOR_END: refcounts

    // ANCHOR: bound_any
    /// describe(obj) -> "<type name> of length <n>". Every call into Python can fail,
    /// so each one returns a PyResult and `?` propagates the Python exception.
    #[pyfunction]
    fn describe(obj: &Bound<'_, PyAny>) -> PyResult<String> {
        let type_name = obj.get_type().name()?;
        let length = obj.len()?; // TypeError for objects without __len__
        Ok(format!("{type_name} of length {length}"))
    }
    // ANCHOR_END: bound_any

    // ANCHOR: conversions
    /// word_lengths(words) -> {word: len(word)}. PyO3 converts a sequence of str into
    /// Vec<String> on the way in and a HashMap into a dict on the way out.
    #[pyfunction]
    fn word_lengths(words: Vec<String>) -> std::collections::HashMap<String, usize> {
        words
            .into_iter()
            .map(|word| {
                let length = word.chars().count(); // len() of a str counts code points
                (word, length)
            })
            .collect()
    }
    // ANCHOR_END: conversions

    // ANCHOR: pyclass_py
    /// Greeter(salutation): keeps a Python str alive between calls.
    #[pyclass(frozen)]
    struct Greeter {
        // `Py<T>` is a reference that does not borrow the interpreter: it may live in a struct.
        salutation: Py<pyo3::types::PyString>,
    }

    #[pymethods]
    impl Greeter {
        #[new]
        fn new(salutation: Bound<'_, pyo3::types::PyString>) -> Self {
            // Bound -> Py: the same reference, now independent of this call; no count change.
            Greeter {
                salutation: salutation.unbind(),
            }
        }

        #[getter]
        fn salutation(&self, py: Python<'_>) -> Py<pyo3::types::PyString> {
            self.salutation.clone_ref(py) // a new strong reference for the caller
        }

        fn greet(&self, py: Python<'_>, name: &str) -> PyResult<String> {
            // Py -> Bound needs proof that we are attached to the interpreter: `py`.
            let salutation = self.salutation.bind(py).to_str()?;
            Ok(format!("{salutation}, {name}!"))
        }
    }
    // ANCHOR_END: pyclass_py

    // ANCHOR: chaining
    /// parse_age(text) -> int in 0..=150; raises GreetingError chained to the parse error.
    #[pyfunction]
    fn parse_age(py: Python<'_>, text: &str) -> PyResult<u8> {
        let age: u8 = text
            .trim()
            .parse()
            .map_err(|error: std::num::ParseIntError| {
                let err = GreetingError::new_err(format!("not an age: {text:?}"));
                // Python shows this as "The above exception was the direct cause of ...".
                err.set_cause(py, Some(PyValueError::new_err(error.to_string())));
                err
            })?;
        if age > 150 {
            return Err(GreetingError::new_err(format!("implausible age: {age}")));
        }
        Ok(age)
    }
    // ANCHOR_END: chaining

    // ANCHOR: propagate
    /// apply(func, value) -> func(value). If `func` raises, the very same exception object
    /// (with its traceback) travels through Rust via `?` back to the caller.
    #[pyfunction]
    fn apply<'py>(
        func: &Bound<'py, PyAny>,
        value: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        func.call1((value,))
    }
    // ANCHOR_END: propagate

    // ANCHOR: panic
    /// A Rust panic does not abort the interpreter: PyO3 catches it at the boundary and
    /// raises pyo3_runtime.PanicException, a BaseException (not an Exception).
    #[pyfunction]
    fn panic_now(message: &str) {
        panic!("{message}");
    }
    // ANCHOR_END: panic

    // ANCHOR: detach
    /// Flag(): a thread-safe boolean that Python threads set and Rust waits for.
    #[pyclass(frozen)]
    struct Flag {
        raised: std::sync::atomic::AtomicBool,
    }

    #[pymethods]
    impl Flag {
        #[new]
        fn new() -> Self {
            Flag {
                raised: std::sync::atomic::AtomicBool::new(false),
            }
        }

        fn set(&self) {
            self.raised.store(true, std::sync::atomic::Ordering::SeqCst);
        }

        /// Poll for up to `timeout_ms`; True if the flag was raised in time. With
        /// detach=False the interpreter stays locked, so no Python thread can call set().
        #[pyo3(signature = (timeout_ms, *, detach))]
        fn wait(&self, py: Python<'_>, timeout_ms: u64, detach: bool) -> bool {
            let deadline = std::time::Instant::now() + std::time::Duration::from_millis(timeout_ms);
            // Only Send data may cross into `detach`: `&self` is fine (Flag is Sync),
            // `py` or a `Bound` is not, and the compiler says so.
            let poll = || loop {
                if self.raised.load(std::sync::atomic::Ordering::SeqCst) {
                    return true;
                }
                if std::time::Instant::now() >= deadline {
                    return false;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            };
            if detach { py.detach(poll) } else { poll() }
        }
    }
    // ANCHOR_END: detach
}
