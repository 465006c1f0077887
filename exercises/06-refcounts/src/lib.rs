//! Exercise 6 — refcounts: reference counts by hand, through the raw C API (`pyo3::ffi`).
//! Read ../README.md first. Check your work with `cargo xtask check exercise-6`.
//!
//! Until now PyO3 counted references for you: a `Bound` owns one reference and releases it when
//! dropped. Here you work the way a C extension does, on raw `*mut ffi::PyObject` pointers, and
//! every pointer you hold is one of two kinds:
//!
//! - a NEW reference (the C docs say "Return value: New reference"): you own it. Release it exactly
//!   once with `ffi::Py_DECREF(p)`, or hand it to a function that *steals* it, or give it back to
//!   PyO3 with `Bound::from_owned_ptr(py, p)` (the `Bound` releases it when dropped).
//! - a BORROWED reference ("Return value: Borrowed reference"): somebody else owns it. Never
//!   `Py_DECREF` it. To keep it, or to give it away, first take your own with `ffi::Py_INCREF(p)`;
//!   `Bound::from_borrowed_ptr(py, p)` does that increment for you.
//!
//! Errors: a C function that fails returns NULL (or -1) and sets a Python exception. Your Rust
//! answer is `return Err(PyErr::fetch(py))` — after releasing every new reference you still hold.
//! To raise your own error the C way: `ffi::PyErr_Format(ffi::PyExc_ValueError, c"...".as_ptr(), ...)`
//! sets it, then `Err(PyErr::fetch(py))` returns it.
//!
//! Every function is called 1000 times by the leak checker, on its success and error paths: one
//! forgotten `Py_DECREF` shows up as +1000. One `Py_DECREF` too many frees an object that is still in
//! use, and the interpreter usually crashes (see lesson chapter 9 for how to find where).
use pyo3::prelude::*;

#[pymodule]
mod refcounts {
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;
    #[allow(unused_imports)] // your code will use both
    use pyo3::{exceptions::PyKeyError, ffi};

    /// `TypeError("expected <what>, not <type of obj>")`, built with the safe API. Given: use it for
    /// the type checks, e.g. `return Err(wrong_type("a list", list));`.
    #[allow(dead_code)] // until your code calls it
    fn wrong_type(what: &str, obj: &Bound<'_, PyAny>) -> PyErr {
        let type_name = obj
            .get_type()
            .name()
            .map(|name| name.to_string())
            .unwrap_or_else(|_| "?".to_owned());
        PyTypeError::new_err(format!("expected {what}, not {type_name}"))
    }

    /// `build_pairs(["a", "b"], [1, 2])` → `[("a", 1), ("b", 2)]`, for any two sequences of
    /// equal length.
    #[pyfunction]
    fn build_pairs<'py>(
        keys: &Bound<'py, PyAny>,
        values: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = keys.py();
        // TODO: the list of `(key, value)` tuples, built with the C API in one `unsafe` block:
        //       PySequence_Size, PyList_New, PySequence_GetItem, PyTuple_New, PyTuple_SetItem and
        //       PyList_SetItem. Unequal lengths: ValueError "keys and values differ in length
        //       (3 and 2)" (PyErr_Format's `%zd` prints a Py_ssize_t).
        //       The rules: every call that can fail returns NULL (or -1) with an exception set,
        //       which `PyErr::fetch(py)` turns into your `Err`. Every NEW reference you hold must
        //       be released exactly once on EVERY path out, error paths included — or handed on.
        //       The *_SetItem functions take over ("steal") the reference you pass: after the
        //       call it is no longer yours. Which calls return new references? The C docs say
        //       "Return value: New reference" (and PySequence_GetItem differs from
        //       PyList_GetItem here).
        let _ = (py, values); // remove this line when you start
        todo!()
    }

    /// `invert_dict({"a": 1, "b": 2})` → `{1: "a", 2: "b"}`; a value seen twice is a ValueError.
    #[pyfunction]
    fn invert_dict<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = mapping.py();
        // TODO: a new dict mapping each value to its key, walked with PyDict_Next and filled with
        //       PyDict_SetItem; a value seen twice is ValueError "duplicate value 1 (keys 'a' and
        //       'c')" (PyErr_Format's `%R` inserts a repr); not a dict: `wrong_type("a dict", …)`.
        //       The rules: PyDict_Next and PyDict_GetItemWithError lend (borrowed references:
        //       never release them, and never use one after releasing what it was borrowed from);
        //       PyDict_SetItem does NOT steal — the dict takes references of its own; a NULL from
        //       PyDict_GetItemWithError means "absent" or "error", and only PyErr_Occurred tells
        //       which. The new dict is yours until you return it: release it on every error.
        let _ = py; // remove this line when you start
        todo!()
    }

    /// The value of the first attribute in `names` (a tuple of str) that `obj` has.
    #[pyfunction]
    fn first_attr<'py>(
        obj: &Bound<'py, PyAny>,
        names: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = obj.py();
        // TODO: the value of the first attribute in `names` that `obj` has (PyTuple_GetItem,
        //       PyObject_GetAttr); none: AttributeError "'Point' object has none of the
        //       attributes ('a', 'b')"; `names` not a tuple: `wrong_type("a tuple of attribute
        //       names", …)`.
        //       The rules: a NEW reference becomes a Bound with `from_owned_ptr`, a borrowed one
        //       with `from_borrowed_ptr` (which takes a reference of its own). A failed call
        //       leaves an exception set: an AttributeError you handle must be cleared
        //       (PyErr_ExceptionMatches, PyErr_Clear) before calling into Python again; any
        //       other exception is passed on.
        let _ = (py, names); // remove this line when you start
        todo!()
    }

    /// The sum of a list's items with `+`, starting from 0 (like the builtin `sum`).
    #[pyfunction]
    fn sum_list<'py>(list: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = list.py();
        // TODO: `total = 0`, then `total = total + item` for each item (PyLong_FromLong,
        //       PyList_GetItem, PyNumber_Add), as Python's `sum` does; not a list: `wrong_type("a
        //       list", …)`.
        //       The rules: `+` can run Python code (`__add__`) that changes the list, so read its
        //       size every round. Each PyNumber_Add gives you a NEW reference and leaves the old
        //       total yours to release — on its error path too. PyList_GetItem lends.
        let _ = py; // remove this line when you start
        todo!()
    }

    /// Swap `list[i]` and `list[j]` in place; negative indices count from the end.
    #[pyfunction]
    fn swap_items(list: &Bound<'_, PyAny>, i: isize, j: isize) -> PyResult<()> {
        let py = list.py();
        // TODO: swap `list[i]` and `list[j]` in place with PyList_GetItem and PyList_SetItem
        //       (negative indices count from the end; out of range: the IndexError PyList_GetItem
        //       sets). Fetch both items before changing anything.
        //       The rules: PyList_GetItem lends; PyList_SetItem steals the reference you pass AND
        //       releases the list's reference to the item it replaces — which may free it, if
        //       the list held the only one. You may only give away references you own.
        let _ = (py, i, j); // remove this line when you start
        todo!()
    }

    /// `lookup_path({"a": {"b": 1}}, ("a", "b"))` → `1`: `mapping[path[0]][path[1]]...`.
    #[pyfunction]
    fn lookup_path<'py>(
        mapping: &Bound<'py, PyAny>,
        path: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = mapping.py();
        // TODO: `mapping[path[0]][path[1]]…` with PyTuple_GetItem and PyDict_GetItemWithError;
        //       `path` not a tuple: `wrong_type("a tuple of keys", …)`; a step that is not a dict:
        //       `wrong_type(&format!("a dict at path[{step}]"), …)`; a missing key: KeyError(key).
        //       The rules: every reference in the walk is borrowed (the caller's `mapping` keeps
        //       them alive), so the loop takes and releases none; the value you return must be a
        //       reference of the caller's own — think about which `Bound::from_*_ptr` gives one.
        let _ = (py, path); // remove this line when you start
        todo!()
    }
}
