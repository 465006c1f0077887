# cython: language_level=3, boundscheck=False, wraparound=False
"""The lesson's kernel in Cython: the sum of squares of a float sequence.

Twins: sumsq.py (pure Python), sumsq_c.c (C API), sumsq_pyo3.rs (PyO3).
"""


# ANCHOR: sequence
def sum_of_squares(values):
    """sum_of_squares(values) -> float, for any iterable of numbers."""
    cdef double total = 0.0
    cdef double x            # each item is converted with PyFloat_AsDouble
    for x in values:
        total += x * x
    return total
# ANCHOR_END: sequence


# ANCHOR: buffer
def sum_of_squares_buffer(const double[::1] values not None):
    """sum_of_squares_buffer(buffer) -> float, for a C-contiguous buffer of doubles."""
    cdef double total = 0.0
    cdef Py_ssize_t i
    for i in range(values.shape[0]):   # a plain C loop: no Python objects inside
        total += values[i] * values[i]
    return total
# ANCHOR_END: buffer
