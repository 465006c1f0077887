/* sumsq_c.c: the lesson's kernel written against CPython's C API: the sum of squares of a
 * float sequence. Twins: sumsq.py (pure Python), sumsq_cy.pyx (Cython), sumsq_pyo3.rs (PyO3).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

// ANCHOR: sequence
/* sum_of_squares(values) -> float, for any iterable of numbers. */
static PyObject *
sum_of_squares(PyObject *module, PyObject *values)
{
    /* A list or tuple comes back as a new reference to itself; any other iterable
       is copied into a new list. Either way we own `seq` and must release it. */
    PyObject *seq = PySequence_Fast(values, "sum_of_squares() argument must be iterable");
    if (seq == NULL) {
        return NULL;
    }
    double total = 0.0;
    /* The size and the item are read again on every iteration: `seq` may be the caller's own
       list, and converting a non-float item can run Python code (`__float__`, `__index__`)
       that appends to it, shrinks it or clears it, freeing the items and the item array. */
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i); /* borrowed from seq */
        double x;
        if (PyFloat_CheckExact(item)) {
            x = PyFloat_AS_DOUBLE(item); /* no call, no Python code: the borrow is safe */
        }
        else {
            Py_INCREF(item); /* own it: __float__ may drop the list's reference to it */
            x = PyFloat_AsDouble(item); /* ints, __float__, __index__: runs Python code */
            Py_DECREF(item);
        }
        if (x == -1.0 && PyErr_Occurred()) { /* -1.0 is also a valid value: ask */
            Py_DECREF(seq);
            return NULL;
        }
        total += x * x;
    }
    Py_DECREF(seq);
    return PyFloat_FromDouble(total);
}
// ANCHOR_END: sequence

// ANCHOR: buffer
/* sum_of_squares_buffer(buffer) -> float, for a C-contiguous buffer of doubles. */
static PyObject *
sum_of_squares_buffer(PyObject *module, PyObject *exporter)
{
    Py_buffer view;
    /* Ask for a C-contiguous buffer and its format string; the exporter refuses
       (BufferError) if it cannot provide that without copying. */
    if (PyObject_GetBuffer(exporter, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    const char *format = view.format != NULL ? view.format : "B"; /* NULL means bytes */
    if (view.itemsize != sizeof(double) || (strcmp(format, "d") != 0 && strcmp(format, "@d") != 0)) {
        PyErr_Format(PyExc_BufferError, "buffer must hold doubles (format 'd'), not format '%s'",
                     format);
        PyBuffer_Release(&view); /* every successful GetBuffer needs exactly one Release */
        return NULL;
    }
    const double *values = (const double *)view.buf;
    Py_ssize_t n = view.len / view.itemsize;
    double total = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        total += values[i] * values[i];
    }
    PyBuffer_Release(&view);
    return PyFloat_FromDouble(total);
}
// ANCHOR_END: buffer

static PyMethodDef sumsq_methods[] = {
    {"sum_of_squares", sum_of_squares, METH_O, "Sum of x*x over an iterable of numbers."},
    {"sum_of_squares_buffer", sum_of_squares_buffer, METH_O,
     "Sum of x*x over a C-contiguous buffer of doubles."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef sumsq_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sumsq_c",
    .m_doc = "The lesson's sum-of-squares kernel, written in C.",
    .m_size = -1,
    .m_methods = sumsq_methods,
};

PyMODINIT_FUNC
PyInit_sumsq_c(void)
{
    return PyModule_Create(&sumsq_module);
}
