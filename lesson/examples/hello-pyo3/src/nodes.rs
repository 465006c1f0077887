//! The PyO3 twin of ../../exttype/nodes.c (chapter 11): a `Node` that may form reference
//! cycles, and the cyclic GC told about its references.
//!
//! Exposed as the submodule `hello_pyo3.nodes`. What PyO3 writes for us: the heap type (PyO3
//! builds every `#[pyclass]` from a `PyType_Spec`), `tp_dealloc` (untrack, drop the Rust struct,
//! free, release the type), multi-phase initialisation of the top-level module, and
//! `tp_traverse` / `tp_clear` from `__traverse__` / `__clear__`. What it does not offer is
//! per-module state (`m_size`): the count of live nodes is a process-wide atomic, and PyO3
//! modules refuse to be imported by a second interpreter.
use pyo3::prelude::*;

#[pymodule(submodule, gil_used = true)]
pub mod nodes {
    use std::sync::atomic::{AtomicIsize, Ordering};

    use pyo3::PyTraverseError;
    use pyo3::gc::PyVisit;
    use pyo3::prelude::*;

    /// Nodes created and not yet dropped, in the whole process (C: in the module state).
    static LIVE: AtomicIsize = AtomicIsize::new(0);

    // ANCHOR: node
    /// Node(value, next=None): a linked node that may form reference cycles.
    #[pyclass(module = "hello_pyo3.nodes")]
    pub struct Node {
        #[pyo3(get)]
        value: Py<PyAny>,
        #[pyo3(get, set)]
        next: Option<Py<PyAny>>, // None in Rust is None in Python
    }

    #[pymethods]
    impl Node {
        #[new]
        #[pyo3(signature = (value, next = None))]
        fn new(value: Py<PyAny>, next: Option<Py<PyAny>>) -> Self {
            LIVE.fetch_add(1, Ordering::Relaxed);
            Node { value, next }
        }

        /// tp_traverse: every Python reference this object owns, visited.
        fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
            visit.call(&self.value)?;
            visit.call(&self.next)?;
            Ok(())
        }

        /// tp_clear: drop the references that can close a cycle (`value` cannot change, so
        /// it cannot be the edge that closes one).
        fn __clear__(&mut self) {
            self.next = None;
        }

        fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
            Ok(format!("Node({})", self.value.bind(py).repr()?))
        }
    }

    impl Drop for Node {
        // Runs inside PyO3's tp_dealloc, after the object was untracked.
        fn drop(&mut self) {
            LIVE.fetch_sub(1, Ordering::Relaxed);
        }
    }
    // ANCHOR_END: node

    /// live() -> the number of Nodes not yet freed.
    #[pyfunction]
    fn live() -> isize {
        LIVE.load(Ordering::Relaxed)
    }
}
