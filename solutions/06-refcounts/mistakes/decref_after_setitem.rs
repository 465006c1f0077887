// MISTAKE: Py_DECREF after a steal — in `build_pairs`, `pair` is released after PyList_SetItem.
//! Reference solution for exercise 6: reference counting by hand, through `pyo3::ffi`.
//!
//! Every function works on raw `*mut ffi::PyObject` pointers the way a C extension does. Each
//! pointer we hold is either a *new* (owned) reference, which we must release exactly once or hand
//! to a function that steals it, or a *borrowed* one, which somebody else keeps alive and which we
//! must never release. The comment after each call says which one it returned.
//!
//! A C function signals an error by returning NULL (or -1) with an exception set; here that is
//! `return Err(PyErr::fetch(py))`, after releasing every new reference still held.
use pyo3::prelude::*;

#[pymodule]
mod refcounts {
    use pyo3::exceptions::{PyKeyError, PyTypeError};
    use pyo3::ffi;
    use pyo3::prelude::*;

    /// `TypeError("expected <what>, not <type of obj>")`, built with the safe API.
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
        // SAFETY: we are attached to the interpreter (we hold `py`), and every pointer is checked
        // for NULL before it is used.
        unsafe {
            let len = ffi::PySequence_Size(keys.as_ptr());
            if len < 0 {
                return Err(PyErr::fetch(py));
            }
            let values_len = ffi::PySequence_Size(values.as_ptr());
            if values_len < 0 {
                return Err(PyErr::fetch(py));
            }
            if len != values_len {
                ffi::PyErr_Format(
                    ffi::PyExc_ValueError,
                    c"keys and values differ in length (%zd and %zd)".as_ptr(),
                    len,
                    values_len,
                );
                return Err(PyErr::fetch(py));
            }

            let list = ffi::PyList_New(len); // new
            if list.is_null() {
                return Err(PyErr::fetch(py));
            }
            for i in 0..len {
                let key = ffi::PySequence_GetItem(keys.as_ptr(), i); // new
                if key.is_null() {
                    // The list's unfilled slots are NULL; releasing it releases what it holds.
                    ffi::Py_DECREF(list);
                    return Err(PyErr::fetch(py));
                }
                let value = ffi::PySequence_GetItem(values.as_ptr(), i); // new
                if value.is_null() {
                    ffi::Py_DECREF(key);
                    ffi::Py_DECREF(list);
                    return Err(PyErr::fetch(py));
                }
                let pair = ffi::PyTuple_New(2); // new
                if pair.is_null() {
                    ffi::Py_DECREF(value);
                    ffi::Py_DECREF(key);
                    ffi::Py_DECREF(list);
                    return Err(PyErr::fetch(py));
                }
                // The three SetItem calls steal: `key` and `value` now belong to `pair`, and
                // `pair` to `list`. None of them can fail on a fresh container and an index in range.
                ffi::PyTuple_SetItem(pair, 0, key);
                ffi::PyTuple_SetItem(pair, 1, value);
                ffi::PyList_SetItem(list, i, pair);
                ffi::Py_DECREF(pair);
            }
            Bound::from_owned_ptr_or_err(py, list)
        }
    }

    /// `invert_dict({"a": 1, "b": 2})` → `{1: "a", 2: "b"}`; a value seen twice is a ValueError.
    #[pyfunction]
    fn invert_dict<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = mapping.py();
        // SAFETY: attached; pointers checked for NULL before use.
        unsafe {
            if ffi::PyDict_Check(mapping.as_ptr()) == 0 {
                return Err(wrong_type("a dict", mapping));
            }
            let inverted = ffi::PyDict_New(); // new
            if inverted.is_null() {
                return Err(PyErr::fetch(py));
            }
            let mut pos: ffi::Py_ssize_t = 0;
            let mut key = std::ptr::null_mut();
            let mut value = std::ptr::null_mut();
            while ffi::PyDict_Next(mapping.as_ptr(), &mut pos, &mut key, &mut value) != 0 {
                // `key` and `value` are borrowed from `mapping`.
                let earlier_key = ffi::PyDict_GetItemWithError(inverted, value); // borrowed
                if !earlier_key.is_null() {
                    // Format before releasing `inverted`: `earlier_key` is borrowed from it.
                    ffi::PyErr_Format(
                        ffi::PyExc_ValueError,
                        c"duplicate value %R (keys %R and %R)".as_ptr(),
                        value,
                        earlier_key,
                        key,
                    );
                    ffi::Py_DECREF(inverted);
                    return Err(PyErr::fetch(py));
                }
                // NULL means "absent" or "error" (an unhashable value): only the error state tells.
                if !ffi::PyErr_Occurred().is_null() {
                    ffi::Py_DECREF(inverted);
                    return Err(PyErr::fetch(py));
                }
                // PyDict_SetItem does not steal: the dict takes references of its own, and our
                // borrowed `value` and `key` stay borrowed.
                if ffi::PyDict_SetItem(inverted, value, key) < 0 {
                    ffi::Py_DECREF(inverted);
                    return Err(PyErr::fetch(py));
                }
            }
            Bound::from_owned_ptr_or_err(py, inverted)
        }
    }

    /// The value of the first attribute in `names` (a tuple of str) that `obj` has.
    #[pyfunction]
    fn first_attr<'py>(
        obj: &Bound<'py, PyAny>,
        names: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = obj.py();
        // SAFETY: attached; pointers checked for NULL before use.
        unsafe {
            if ffi::PyTuple_Check(names.as_ptr()) == 0 {
                return Err(wrong_type("a tuple of attribute names", names));
            }
            for i in 0..ffi::PyTuple_Size(names.as_ptr()) {
                let name = ffi::PyTuple_GetItem(names.as_ptr(), i); // borrowed, never NULL here
                let attr = ffi::PyObject_GetAttr(obj.as_ptr(), name); // new
                if !attr.is_null() {
                    return Ok(Bound::from_owned_ptr(py, attr));
                }
                if ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) == 0 {
                    return Err(PyErr::fetch(py));
                }
                // A missing attribute is expected: forget it before trying the next name.
                ffi::PyErr_Clear();
            }
            ffi::PyErr_Format(
                ffi::PyExc_AttributeError,
                c"'%.200s' object has none of the attributes %R".as_ptr(),
                (*ffi::Py_TYPE(obj.as_ptr())).tp_name,
                names.as_ptr(),
            );
            Err(PyErr::fetch(py))
        }
    }

    /// The sum of a list's items with `+`, starting from 0 (like the builtin `sum`).
    #[pyfunction]
    fn sum_list<'py>(list: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = list.py();
        // SAFETY: attached; pointers checked for NULL before use.
        unsafe {
            if ffi::PyList_Check(list.as_ptr()) == 0 {
                return Err(wrong_type("a list", list));
            }
            let mut total = ffi::PyLong_FromLong(0); // new
            if total.is_null() {
                return Err(PyErr::fetch(py));
            }
            let mut i = 0;
            // Read the size every round: `+` can run Python code (`__add__`) that changes the list.
            while i < ffi::PyList_Size(list.as_ptr()) {
                // Borrowed from the list. Safe because nothing uses it after PyNumber_Add, the
                // only call here that can run Python code.
                let item = ffi::PyList_GetItem(list.as_ptr(), i);
                let next = ffi::PyNumber_Add(total, item); // new
                // The old total is released on both paths: replaced on success, dropped on error.
                ffi::Py_DECREF(total);
                if next.is_null() {
                    return Err(PyErr::fetch(py));
                }
                total = next;
                i += 1;
            }
            Bound::from_owned_ptr_or_err(py, total)
        }
    }

    /// Swap `list[i]` and `list[j]` in place; negative indices count from the end.
    #[pyfunction]
    fn swap_items(list: &Bound<'_, PyAny>, i: isize, j: isize) -> PyResult<()> {
        let py = list.py();
        // SAFETY: attached; pointers checked for NULL before use.
        unsafe {
            if ffi::PyList_Check(list.as_ptr()) == 0 {
                return Err(wrong_type("a list", list));
            }
            let len = ffi::PyList_Size(list.as_ptr());
            let i = if i < 0 { i + len } else { i };
            let j = if j < 0 { j + len } else { j };
            // Both lookups come before any change, so a bad index leaves the list untouched.
            let first = ffi::PyList_GetItem(list.as_ptr(), i); // borrowed
            if first.is_null() {
                return Err(PyErr::fetch(py));
            }
            let second = ffi::PyList_GetItem(list.as_ptr(), j); // borrowed
            if second.is_null() {
                return Err(PyErr::fetch(py));
            }
            // PyList_SetItem steals the new item and releases the list's reference to the item it
            // replaces: without references of our own, `first` could be freed by the first call.
            ffi::Py_INCREF(first);
            ffi::Py_INCREF(second);
            ffi::PyList_SetItem(list.as_ptr(), i, second);
            ffi::PyList_SetItem(list.as_ptr(), j, first);
            Ok(())
        }
    }

    /// `lookup_path({"a": {"b": 1}}, ("a", "b"))` → `1`: `mapping[path[0]][path[1]]...`.
    #[pyfunction]
    fn lookup_path<'py>(
        mapping: &Bound<'py, PyAny>,
        path: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = mapping.py();
        // SAFETY: attached; pointers checked for NULL before use.
        unsafe {
            if ffi::PyTuple_Check(path.as_ptr()) == 0 {
                return Err(wrong_type("a tuple of keys", path));
            }
            // Borrowed all the way down: our caller's `mapping` keeps every nested dict alive.
            let mut current = mapping.as_ptr();
            for step in 0..ffi::PyTuple_Size(path.as_ptr()) {
                let key = ffi::PyTuple_GetItem(path.as_ptr(), step); // borrowed
                if ffi::PyDict_Check(current) == 0 {
                    let found = Bound::from_borrowed_ptr(py, current);
                    return Err(wrong_type(&format!("a dict at path[{step}]"), &found));
                }
                let next = ffi::PyDict_GetItemWithError(current, key); // borrowed
                if next.is_null() {
                    if !ffi::PyErr_Occurred().is_null() {
                        return Err(PyErr::fetch(py));
                    }
                    let key = Bound::from_borrowed_ptr(py, key).unbind();
                    return Err(PyKeyError::new_err((key,)));
                }
                current = next;
            }
            // The caller gets a reference of its own: from_borrowed_ptr increments the count.
            Ok(Bound::from_borrowed_ptr(py, current))
        }
    }
}
