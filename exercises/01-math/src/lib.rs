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
        // TODO: every prime below n, in increasing order, as the sieve of Eratosthenes finds them.
        //       Rules: a negative n is the caller's mistake (a ValueError; the message is in
        //       tests/baseline.py); a prime's multiples need crossing out only from its square on;
        //       a Rust Vec returned from a #[pyfunction] reaches Python as a new list.
        let _ = n;
        todo!()
    }

    // ------------------------------------------------------------ part 2: reductions

    /// The value of `xs[index]` as an f64, or a TypeError that names the index.
    #[allow(dead_code)] // until the functions below use it
    fn element_as_f64(index: usize, item: &Bound<'_, PyAny>) -> PyResult<f64> {
        // Only int and float count as numbers (bool is an int, so it counts too).
        // TODO: accept exactly what `isinstance(item, (int, float))` accepts (bool too), as an
        //       f64; anything else is a TypeError naming the index and the type (message in
        //       tests/baseline.py). Rule: an int too big for a float raises OverflowError, as
        //       `float(10**400)` does — let the conversion report it rather than checking yourself.
        let _ = (index, item);
        todo!()
    }

    /// Convert a sequence of numbers to a `Vec<f64>` in one pass.
    #[allow(dead_code)] // until the functions below use it
    fn to_floats(xs: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
        // TODO: every element of any iterable (list, tuple, range, generator …), converted by
        //       element_as_f64, in order. Rule: a non-iterable is a TypeError, and so is each
        //       failed step of the iteration — pass Python's errors on, never swallow them.
        //       (`xs: Vec<f64>` as the parameter would convert too, but its error message would
        //       not say which element was wrong.)
        let _ = xs;
        todo!()
    }

    /// The sum of `x * x` over `xs`; 0.0 for an empty sequence.
    #[pyfunction]
    fn sum_of_squares(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        // TODO: the sum of x * x. Rule for the speed check (10× the Python baseline): once an
        //       element is read, everything happens on f64s in Rust — no call back into Python
        //       per element.
        let _ = xs;
        todo!()
    }

    /// The arithmetic mean of `xs`.
    #[pyfunction]
    fn mean(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        // TODO: the sum divided by the count. Rule: the mean of nothing does not exist — a
        //       ValueError (message in tests/baseline.py), never NaN.
        let _ = xs;
        todo!()
    }

    /// The population variance of `xs`: the mean of (x − mean)², dividing by n.
    #[pyfunction]
    fn variance(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        // TODO: the population variance (divide by n, not n − 1), with mean's rule for an empty
        //       input. Rule: subtract the mean before squaring; the one-pass formula
        //       mean(x²) − mean(x)² loses every digit for large values close together.
        let _ = xs;
        todo!()
    }

    // ------------------------------------------------------------ part 3: an iterative method

    /// The square root of `x` by Newton's method.
    // `signature` gives the Python function its default arguments: `newton_sqrt(2.0)`,
    // `newton_sqrt(2.0, tol=1e-3)` and `newton_sqrt(2.0, 1e-3, 10)` all work.
    #[pyfunction]
    #[pyo3(signature = (x, tol = 1e-12, max_iter = 100))]
    fn newton_sqrt(py: Python<'_>, x: f64, tol: f64, max_iter: usize) -> PyResult<f64> {
        // TODO: the iteration README.md's Part 3 describes, after checking the arguments in the
        //       order it lists them (messages in tests/baseline.py). Rules: NaN compares false
        //       with everything, so a test such as `tol <= 0.0` lets NaN through; x == 0 needs no
        //       iteration (it would never converge relative to y); not converging is an error,
        //       never a result. Floats in messages as Python's `repr` writes them (the
        //       baseline's `{x!r}`): `PyFloat::new(py, x)` displays so; Rust's `{x:?}` writes
        //       `NaN` for `nan` and `1e-5` for `1e-05`.
        let _ = (py, x, tol, max_iter);
        todo!()
    }
}
