//! The lesson's kernel in PyO3: the sum of squares of a float sequence.
//!
//! Compiled into the `hello_pyo3` crate (see ../hello-pyo3/src/lib.rs) and exposed as the
//! submodule `hello_pyo3.kernel`, so the lesson needs a single workspace crate.
//! Twins: sumsq.py (pure Python), sumsq_c.c (C API), sumsq_cy.pyx (Cython).
use pyo3::prelude::*;

#[pymodule(submodule, gil_used = true)]
pub mod kernel {
    use pyo3::buffer::{Element, PyBuffer, PyUntypedBuffer};
    use pyo3::exceptions::PyBufferError;
    use pyo3::prelude::*;
    use pyo3::types::PyList;

    // ANCHOR: sequence
    /// sum_of_squares(values) -> float, for any sequence of numbers.
    ///
    /// `Vec<f64>` asks PyO3 to convert the whole sequence first: one `PyFloat_AsDouble` per
    /// item (ints are accepted, like in Python), then a tight loop over plain Rust memory.
    #[pyfunction]
    fn sum_of_squares(values: Vec<f64>) -> f64 {
        // fold from +0.0, like the Python loop (`Iterator::sum` starts at -0.0: empty → -0.0).
        values.iter().fold(0.0, |total, x| total + x * x)
    }
    // ANCHOR_END: sequence

    // ANCHOR: list
    /// sum_of_squares_list(values) -> float, for a list: reads the items in place.
    ///
    /// No Vec in between and no iterator object: `PyList::iter` indexes the list directly,
    /// and `extract::<f64>` has a fast path for exact floats (PyFloat_AS_DOUBLE).
    #[pyfunction]
    fn sum_of_squares_list(values: &Bound<'_, PyList>) -> PyResult<f64> {
        let mut total = 0.0;
        for item in values.iter() {
            let x: f64 = item.extract()?;
            total += x * x;
        }
        Ok(total)
    }
    // ANCHOR_END: list

    // ANCHOR: buffer
    /// sum_of_squares_buffer(buffer) -> float, for a C-contiguous buffer of doubles
    /// (array('d'), memoryview, numpy.float64 array...), read in place without copying.
    #[pyfunction]
    fn sum_of_squares_buffer(exporter: &Bound<'_, PyAny>) -> PyResult<f64> {
        let untyped = PyUntypedBuffer::get(exporter)?; // PyObject_GetBuffer; released on drop
        // An empty array('d') exports a 1-byte-aligned dummy pointer, which `into_typed` would
        // reject as misaligned: answer an empty buffer of doubles before that check.
        if untyped.item_count() == 0 && <f64 as Element>::is_compatible_format(untyped.format()) {
            return Ok(0.0);
        }
        // Checks item size, format ('d') and alignment; a mismatch raises BufferError.
        let buffer: PyBuffer<f64> = untyped.into_typed()?;
        let Some(items) = buffer.as_slice_ptr() else {
            return Err(PyBufferError::new_err("buffer must be C-contiguous"));
        };
        // SAFETY: `buffer` keeps the exporter's memory alive and un-resizable until it is dropped
        // at the end of this function. Nothing may write to it while the slice lives: we hold
        // the GIL and run no Python code in the loop, and the module declares `gil_used = true`
        // (../hello-pyo3/src/lib.rs), so even a free-threaded interpreter runs no other Python
        // thread meanwhile. (Native code that released the GIL could still write: as in C, a
        // buffer shared with such code is the exporter's contract, not something we can check.)
        let values: &[f64] = unsafe { items.as_ref() };
        Ok(values.iter().fold(0.0, |total, x| total + x * x))
    }
    // ANCHOR_END: buffer
}
