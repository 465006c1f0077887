"""Pure-Python reference implementations for exercise 1 (`fastmath`).

They are the specification: the tests compare `fastmath` against them, error messages included,
and the perf case times `fastmath.sum_of_squares` against `sum_of_squares` below. The arithmetic is
done in the same order as a straightforward Rust loop, so results agree to the last bit or two.
"""

import math
import operator
import random


def primes_below(n):
    """Every prime p with p < n, in increasing order (sieve of Eratosthenes)."""
    n = operator.index(n)  # TypeError for 10.0 or "10", like an `i64` parameter in PyO3
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    if n < 3:
        return []
    is_prime = bytearray([1]) * n
    is_prime[0] = is_prime[1] = 0
    for p in range(2, math.isqrt(n - 1) + 1):
        if is_prime[p]:
            is_prime[p * p :: p] = bytes(len(range(p * p, n, p)))
    return [number for number, prime in enumerate(is_prime) if prime]


def _as_float(index, x):
    """`x` as a float; only int and float (bool is an int) count as numbers."""
    if isinstance(x, (int, float)):
        return float(x)  # OverflowError for an int beyond the float range
    raise TypeError(f"xs[{index}] must be an int or float, not {type(x).__name__}")


def _to_floats(xs):
    return [_as_float(index, x) for index, x in enumerate(xs)]


def sum_of_squares(xs):
    """The sum of x * x over xs; 0.0 for an empty sequence."""
    total = 0.0
    for index, x in enumerate(xs):
        x = _as_float(index, x)
        total += x * x
    return total


def _mean_of(values):
    total = 0.0
    for value in values:  # not sum(): Python 3.12's sum() of floats compensates rounding errors
        total += value
    return total / len(values)


def mean(xs):
    """The arithmetic mean of xs."""
    values = _to_floats(xs)
    if not values:
        raise ValueError("mean requires at least one value")
    return _mean_of(values)


def variance(xs):
    """The population variance of xs (divides by n, like statistics.pvariance), in two passes."""
    values = _to_floats(xs)
    if not values:
        raise ValueError("variance requires at least one value")
    center = _mean_of(values)
    squared_deviations = 0.0
    for value in values:
        squared_deviations += (value - center) * (value - center)
    return squared_deviations / len(values)


def newton_sqrt(x, tol=1e-12, max_iter=100):
    """The square root of x by Newton's method.

    Starts from max(x, 1.0), repeats y = (y + x / y) / 2 and stops when an update changes y by at
    most tol * y, returning the updated y.
    """
    if not isinstance(x, (int, float)):
        raise TypeError(f"must be real number, not {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x) or x < 0.0:
        raise ValueError(f"x must be a finite, non-negative number, got {x!r}")
    if math.isnan(tol) or tol <= 0.0:
        raise ValueError(f"tol must be positive, got {tol!r}")
    if max_iter < 0:  # what PyO3 says when a negative int meets a `usize` parameter
        raise OverflowError("can't convert negative int to unsigned")
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter}")
    if x == 0.0:
        return 0.0
    y = max(x, 1.0)
    for _ in range(max_iter):
        updated = (y + x / y) / 2.0
        if abs(updated - y) <= tol * updated:
            return updated
        y = updated
    raise ValueError(f"newton_sqrt({x!r}) did not converge within {max_iter} iterations (tol = {tol!r})")


def make_sum_input():
    """The perf case's input: 100 000 floats from a fixed seed, as a 1-tuple of arguments."""
    generator = random.Random(20240601)
    return ([generator.uniform(-1000.0, 1000.0) for _ in range(100_000)],)
