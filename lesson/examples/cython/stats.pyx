# cython: language_level=3, boundscheck=False, wraparound=False
# distutils: extra_compile_args = -fopenmp
"""Cython beyond one kernel (chapter 8): a `cdef class`, and a loop run without the GIL on
several threads with `prange`. Build with OpenMP: `cc -fopenmp ...` (lessonbuild does).
"""
cimport cython
from cython.parallel cimport prange, threadid


# ANCHOR: cdef_class
cdef class Accumulator:
    """Running count, sum and sum of squares, kept in C fields of the object itself."""
    cdef double total             # C fields: not even visible from Python...
    cdef double squares
    cdef readonly Py_ssize_t count  # ...unless declared readonly (or public)

    def add(self, double x):
        self.total += x
        self.squares += x * x
        self.count += 1

    @property
    def mean(self):
        if self.count == 0:
            raise ZeroDivisionError("mean of no values")
        return self.total / self.count

    cpdef double variance(self):  # cpdef: a C method, with a Python wrapper
        cdef double mean = self.total / self.count
        return self.squares / self.count - mean * mean
# ANCHOR_END: cdef_class


# ANCHOR: prange
def parallel_sum_of_squares(const double[::1] values, int threads=2):
    """Sum of x*x with the GIL released, split across `threads` OpenMP threads."""
    cdef double total = 0.0
    cdef Py_ssize_t i
    for i in prange(values.shape[0], nogil=True, num_threads=threads, schedule="static"):
        total += values[i] * values[i]    # `+=` in prange: a reduction, one partial sum per thread
    return total


def threads_seen(Py_ssize_t n, int threads=2):
    """Which OpenMP thread ran each iteration: shows that prange really used several."""
    seen = bytearray(threads)
    cdef unsigned char[::1] view = seen
    cdef Py_ssize_t i
    for i in prange(n, nogil=True, num_threads=threads, schedule="static"):
        view[threadid()] = 1
    return [t for t in range(threads) if seen[t]]


def python_sum(values):
    """For `cython -a`: a loop over Python objects, every line yellow in the annotated HTML."""
    total = 0.0
    for x in values:
        total += x * x
    return total
# ANCHOR_END: prange
