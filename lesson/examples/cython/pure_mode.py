"""Cython's pure-Python mode (chapter 8): ordinary Python that Cython can also compile.

Uncompiled, `import cython` is the shim from the Cython package and the annotations are just
annotations: this runs, slowly, on any Python. Compiled (`cython -3 pure_mode.py`, then the C
compiler), the same annotations become C types: `total` is a C double, `_square` a C function
that Python cannot call, and the loop over the typed memoryview has no Python object in it.
"""
import cython


# ANCHOR: pure
@cython.cfunc                 # a C function: not visible from Python once compiled
@cython.inline
@cython.exceptval(check=False)
def _square(x: cython.double) -> cython.double:
    return x * x


@cython.boundscheck(False)
@cython.wraparound(False)
def sum_of_squares(values: cython.double[::1]) -> cython.double:
    """Sum of x*x over a C-contiguous buffer of doubles (array('d'), memoryview...)."""
    total: cython.double = 0.0
    i: cython.Py_ssize_t
    for i in range(len(values)):  # compiled: the memoryview's shape[0]
        total += _square(values[i])
    return total


def is_compiled() -> bool:
    return cython.compiled    # False when this file runs as plain Python
# ANCHOR_END: pure
