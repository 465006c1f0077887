//! Exercise 1 — math: numerical kernels where native code pays off.
//! Read ../README.md first. Check your work with `cargo xtask check exercise-1`.
//! `tests/baseline.py` holds a pure-Python version of every function: it is the specification,
//! error messages included.
use pyo3::prelude::*;

#[pymodule]
mod fastmath {
    #[allow(unused_imports)] // you will need these
    use pyo3::exceptions::{PyTypeError, PyValueError};
    use pyo3::prelude::*;
    #[allow(unused_imports)]
    use pyo3::types::{PyFloat, PyInt};

    // ------------------------------------------------------------ part 1: a prime sieve

    /// Every prime `p` with `p < n`, in increasing order.
    #[pyfunction]
    fn primes_below(n: i64) -> PyResult<Vec<usize>> {
        // PyO3 has already converted `n`: a float, a str or None raised TypeError before this
        // line ran. Negative ints are yours to reject.
        // TODO 1: if `n < 0`, return `Err(PyValueError::new_err(format!(...)))` with the message
        //         "n must be non-negative, got -1" (for n = -1).
        // TODO 2: convert with `let n = n as usize;` (safe now) and handle n < 3: no primes.
        // TODO 3: sieve of Eratosthenes: `let mut is_prime = vec![true; n];`, mark 0 and 1 false,
        //         and for every p with p * p < n that is still marked, mark p*p, p*p + p, ... false
        //         (`(p * p..n).step_by(p)`).
        // TODO 4: collect the indices still marked into a Vec<usize>. Returning a Vec from a
        //         #[pyfunction] gives Python a new list of ints: PyO3 converts it on the way out.
        let _ = n;
        todo!()
    }

    // ------------------------------------------------------------ part 2: reductions

    /// The value of `xs[index]` as an f64, or a TypeError that names the index.
    #[allow(dead_code)] // until the functions below use it
    fn element_as_f64(index: usize, item: &Bound<'_, PyAny>) -> PyResult<f64> {
        // Only int and float count as numbers (bool is an int, so it counts too).
        // TODO 1: `item.cast::<PyFloat>()` succeeds for a float: return its `.value()`.
        // TODO 2: else if `item.is_instance_of::<PyInt>()`, return `item.extract()`: it converts
        //         to f64 and raises OverflowError for an int beyond the float range (10**400).
        // TODO 3: otherwise return a PyTypeError with the message
        //         "xs[3] must be an int or float, not str". `item.get_type().name()?` is the
        //         type's name (a `Bound<PyString>`, which `format!` can print).
        let _ = (index, item);
        todo!()
    }

    /// Convert a sequence of numbers to a `Vec<f64>` in one pass.
    #[allow(dead_code)] // until the functions below use it
    fn to_floats(xs: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
        // TODO: `xs.try_iter()?` iterates any sequence (list, tuple, range, ...) and raises
        //       TypeError for a non-iterable. Each step yields a `PyResult<Bound<PyAny>>`: use `?`.
        //       `.enumerate()` gives you the index for element_as_f64's message. Push each value
        //       into a Vec (`Vec::with_capacity(xs.len().unwrap_or(0))` avoids regrowing it).
        //       This is what `xs: Vec<f64>` as the parameter type would do for you, except that
        //       PyO3's own error message would not say which element was wrong.
        let _ = xs;
        todo!()
    }

    /// The sum of `x * x` over `xs`; 0.0 for an empty sequence.
    #[pyfunction]
    fn sum_of_squares(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        // TODO: add up x * x over `to_floats(xs)?` (or loop over `xs.try_iter()?` directly and
        //       skip the Vec). Keep the hot loop in Rust: no Python calls per element (no
        //       `call_method`, no Python arithmetic such as `item.mul(&item)`): the perf check
        //       needs a big speedup over tests/baseline.py.
        let _ = xs;
        todo!()
    }

    /// The arithmetic mean of `xs`.
    #[pyfunction]
    fn mean(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        // TODO: `to_floats(xs)?`; if it is empty return a PyValueError
        //       "mean requires at least one value"; else the sum divided by the length
        //       (`values.len() as f64`).
        let _ = xs;
        todo!()
    }

    /// The population variance of `xs`: the mean of (x − mean)², dividing by n.
    #[pyfunction]
    fn variance(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        // TODO: like `mean` (message "variance requires at least one value"), then a second pass
        //       over the values summing (x - mean) * (x - mean), divided by n. Do not use the
        //       one-pass formula mean(x²) − mean(x)²: one test shows where it goes wrong.
        let _ = xs;
        todo!()
    }

    // ------------------------------------------------------------ part 3: an iterative method

    /// The square root of `x` by Newton's method.
    // `signature` gives the Python function its default arguments: `newton_sqrt(2.0)`,
    // `newton_sqrt(2.0, tol=1e-3)` and `newton_sqrt(2.0, 1e-3, 10)` all work.
    #[pyfunction]
    #[pyo3(signature = (x, tol = 1e-12, max_iter = 100))]
    fn newton_sqrt(x: f64, tol: f64, max_iter: usize) -> PyResult<f64> {
        // TODO 1: check the arguments, in this order, each with a PyValueError (see baseline.py
        //         for the exact messages; format a float with `{x:?}` to get "-4.0"):
        //         x negative, NaN or infinite; tol not > 0 (NaN included); max_iter == 0.
        //         `x.is_finite()` is false for NaN and both infinities; every comparison with NaN
        //         (`tol <= 0.0` too) is false, so test `tol.is_nan()` separately.
        // TODO 2: x == 0.0 → return 0.0 (the iteration below would only halve y forever).
        // TODO 3: start from `y = x.max(1.0)`; up to max_iter times compute
        //         `next = (y + x / y) / 2.0`; if `(next - y).abs() <= tol * next` return next;
        //         else y = next.
        // TODO 4: after the loop, return a PyValueError such as
        //         "newton_sqrt(1000000.0) did not converge within 3 iterations (tol = 1e-12)"
        //         (`{x:?}` and `{tol:?}` for the floats).
        let _ = (x, tol, max_iter);
        todo!()
    }
}
