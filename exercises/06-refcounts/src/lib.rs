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
        // TODO: all inside one `unsafe { ... }` block:
        // 1. `ffi::PySequence_Size(keys.as_ptr())`, same for `values`: -1 means an exception is set
        //    (not a sequence) → `return Err(PyErr::fetch(py))`.
        // 2. Lengths differ → ValueError "keys and values differ in length (3 and 2)":
        //    `ffi::PyErr_Format(ffi::PyExc_ValueError, c"keys and values differ in length (%zd and %zd)".as_ptr(), len, values_len);`
        //    then `return Err(PyErr::fetch(py))`.
        // 3. `let list = ffi::PyList_New(len);` — NEW reference (NULL → error). Its slots start empty.
        // 4. For each i: `ffi::PySequence_GetItem(keys.as_ptr(), i)` — NEW reference (unlike
        //    PyList_GetItem), NULL when `__getitem__` raised. Same for the value. Then
        //    `ffi::PyTuple_New(2)` — NEW.
        //    ERROR PATHS: before each `return Err(...)`, `Py_DECREF` every new reference you still
        //    own: the item(s) fetched so far in this round and `list` (releasing the list also
        //    releases the pairs already stored in it; its empty slots are fine).
        // 5. `ffi::PyTuple_SetItem(pair, 0, key)`, `(pair, 1, value)`, then
        //    `ffi::PyList_SetItem(list, i, pair)`: these STEAL the reference you pass. Afterwards
        //    the container owns it: do NOT `Py_DECREF` key, value or pair yourself. (On a fresh
        //    container with an index in range they cannot fail.)
        // 6. `Bound::from_owned_ptr_or_err(py, list)` hands your reference to `list` to PyO3.
        let _ = (py, values); // remove this line when you start
        todo!()
    }

    /// `invert_dict({"a": 1, "b": 2})` → `{1: "a", 2: "b"}`; a value seen twice is a ValueError.
    #[pyfunction]
    fn invert_dict<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = mapping.py();
        // TODO:
        // 1. `ffi::PyDict_Check(mapping.as_ptr()) == 0` → `return Err(wrong_type("a dict", mapping))`.
        // 2. `let inverted = ffi::PyDict_New();` — NEW reference, yours to release on every error.
        // 3. Walk the dict:
        //        let mut pos: ffi::Py_ssize_t = 0;
        //        let mut key = std::ptr::null_mut();
        //        let mut value = std::ptr::null_mut();
        //        while ffi::PyDict_Next(mapping.as_ptr(), &mut pos, &mut key, &mut value) != 0 { ... }
        //    `key` and `value` are BORROWED from `mapping`: never Py_DECREF them.
        // 4. Seen before? `ffi::PyDict_GetItemWithError(inverted, value)` returns a BORROWED
        //    reference to the earlier key, or NULL. NULL means "absent" OR "error" (an unhashable
        //    value raised TypeError): tell them apart with `!ffi::PyErr_Occurred().is_null()`.
        //    A duplicate → ValueError "duplicate value 1 (keys 'a' and 'c')":
        //    `ffi::PyErr_Format(ffi::PyExc_ValueError, c"duplicate value %R (keys %R and %R)".as_ptr(), value, earlier_key, key);`
        //    (`%R` inserts the repr). Format BEFORE you Py_DECREF `inverted`: `earlier_key` is
        //    borrowed from it. Then release `inverted` and return the error.
        // 5. `ffi::PyDict_SetItem(inverted, value, key)` does NOT steal: the dict takes references
        //    of its own, so there is nothing to release after it (and nothing to INCREF before).
        //    It returns -1 on error: clean up and return the error.
        // 6. Return `inverted` with `Bound::from_owned_ptr_or_err`.
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
        // TODO:
        // 1. `ffi::PyTuple_Check(names.as_ptr()) == 0` →
        //    `return Err(wrong_type("a tuple of attribute names", names))`.
        // 2. For i in `0..ffi::PyTuple_Size(names.as_ptr())`: `ffi::PyTuple_GetItem(names.as_ptr(), i)`
        //    gives the name, BORROWED.
        // 3. `ffi::PyObject_GetAttr(obj.as_ptr(), name)` returns a NEW reference: wrap it with
        //    `Bound::from_owned_ptr(py, attr)`. (`from_borrowed_ptr` would add a reference of its
        //    own and the one you got would never be released: a leak on every call.)
        // 4. NULL → an exception is set. If it is an AttributeError
        //    (`ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) != 0`), clear it with
        //    `ffi::PyErr_Clear()` and try the next name — calling into Python with an exception
        //    still set ends in "SystemError: ... returned a result with an exception set".
        //    Any other exception: `return Err(PyErr::fetch(py))`.
        // 5. None found → AttributeError "'Point' object has none of the attributes ('a', 'b')":
        //    `ffi::PyErr_Format(ffi::PyExc_AttributeError, c"'%.200s' object has none of the attributes %R".as_ptr(), (*ffi::Py_TYPE(obj.as_ptr())).tp_name, names.as_ptr());`
        //    then `Err(PyErr::fetch(py))`.
        let _ = (py, names); // remove this line when you start
        todo!()
    }

    /// The sum of a list's items with `+`, starting from 0 (like the builtin `sum`).
    #[pyfunction]
    fn sum_list<'py>(list: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = list.py();
        // TODO:
        // 1. `ffi::PyList_Check(list.as_ptr()) == 0` → `return Err(wrong_type("a list", list))`.
        // 2. `let mut total = ffi::PyLong_FromLong(0);` — NEW reference.
        // 3. Loop `while i < ffi::PyList_Size(list.as_ptr())`: read the size every round, because
        //    `+` can run Python code (`__add__`) that changes the list under you.
        //    `ffi::PyList_GetItem(list.as_ptr(), i)` gives the item BORROWED: do not release it.
        //    `ffi::PyNumber_Add(total, item)` returns the sum as a NEW reference, or NULL with
        //    TypeError set. Either way you are done with the old `total`: Py_DECREF it (on the
        //    error path too, or every failing call leaks a partial sum), then return the error or
        //    make the new sum your `total`.
        // 4. Return `total` with `Bound::from_owned_ptr_or_err`.
        let _ = py; // remove this line when you start
        todo!()
    }

    /// Swap `list[i]` and `list[j]` in place; negative indices count from the end.
    #[pyfunction]
    fn swap_items(list: &Bound<'_, PyAny>, i: isize, j: isize) -> PyResult<()> {
        let py = list.py();
        // TODO:
        // 1. Check it is a list (`ffi::PyList_Check`, `wrong_type("a list", list)`).
        // 2. Add `ffi::PyList_Size(list.as_ptr())` to a negative index.
        // 3. Fetch BOTH items before changing anything: `ffi::PyList_GetItem` returns a BORROWED
        //    reference, or NULL with IndexError "list index out of range" set → return the error.
        // 4. `ffi::PyList_SetItem(list.as_ptr(), i, second)` steals `second` AND releases the
        //    list's reference to the item it replaces (`first`). If the list held the only
        //    reference, `first` is freed right there — before you could store it at `j`. So
        //    `ffi::Py_INCREF` both items first: each SetItem then consumes one of your references.
        // 5. `Ok(())` returns None.
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
        // TODO:
        // 1. `path` must be a tuple: `wrong_type("a tuple of keys", path)` otherwise.
        // 2. `let mut current = mapping.as_ptr();` then for each `step`, key = `ffi::PyTuple_GetItem`
        //    (BORROWED):
        //    - `current` not a dict → `Err(wrong_type(&format!("a dict at path[{step}]"), &found))`
        //      where `found = Bound::from_borrowed_ptr(py, current)`;
        //    - `ffi::PyDict_GetItemWithError(current, key)` → BORROWED; NULL with an exception set
        //      (unhashable key) → that error; NULL without one → KeyError(key):
        //      `Err(PyKeyError::new_err((Bound::from_borrowed_ptr(py, key).unbind(),)))`.
        //    No Py_INCREF/Py_DECREF in this loop: every reference is borrowed, and `mapping`
        //    (held by the caller) keeps them all alive.
        // 3. Return `Bound::from_borrowed_ptr(py, current)`: the caller needs a reference of its
        //    own, and this takes it. `from_owned_ptr` here would release, once per call, a
        //    reference that the dict owns — until the value is freed while still in the dict.
        let _ = (py, path); // remove this line when you start
        todo!()
    }
}
