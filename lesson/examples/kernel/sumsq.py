"""The lesson's kernel in pure Python: the sum of squares of a float sequence.

Twins: sumsq_c.c (C API), sumsq_cy.pyx (Cython), sumsq_pyo3.rs (PyO3).
"""


# ANCHOR: loop
def sum_of_squares(values):
    """Return the sum of x * x over `values` (any iterable of numbers)."""
    total = 0.0
    for x in values:
        total += x * x
    return total
# ANCHOR_END: loop


# ANCHOR: builtin
def sum_of_squares_builtin(values):
    """The same sum, written with the builtin sum() over a generator expression."""
    return sum(x * x for x in values)
# ANCHOR_END: builtin
