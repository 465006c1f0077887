//! Reference solution for exercise 1: numerical kernels where native code pays off.
use pyo3::prelude::*;

#[pymodule]
mod fastmath {
    use pyo3::exceptions::{PyMemoryError, PyTypeError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::types::{PyFloat, PyInt, PyList, PyTuple};

    /// Every prime `p` with `p < n`, in increasing order (sieve of Eratosthenes).
    ///
    /// `n` is an `i64`, so PyO3 raises TypeError for a float or a str before this body runs;
    /// a negative `n` is ours to reject.
    #[pyfunction]
    fn primes_below(n: i64) -> PyResult<Vec<usize>> {
        if n < 0 {
            return Err(PyValueError::new_err(format!(
                "n must be non-negative, got {n}"
            )));
        }
        let n = usize::try_from(n)
            .map_err(|_| PyMemoryError::new_err(format!("n = {n} is too large for a sieve")))?;
        if n < 3 {
            return Ok(Vec::new());
        }
        // `vec![true; n]` would abort the whole interpreter when the allocation fails;
        // try_reserve turns that into a MemoryError the caller can catch.
        let mut is_prime = Vec::new();
        is_prime.try_reserve_exact(n).map_err(|_| {
            PyMemoryError::new_err(format!("cannot allocate a sieve of {n} entries"))
        })?;
        is_prime.resize(n, true);
        is_prime[0] = false;
        is_prime[1] = false;
        let mut p = 2;
        while p * p < n {
            if is_prime[p] {
                for multiple in (p * p..n).step_by(p) {
                    is_prime[multiple] = false;
                }
            }
            p += 1;
        }
        Ok(is_prime
            .iter()
            .enumerate()
            .filter_map(|(number, &prime)| prime.then_some(number))
            .collect())
    }

    /// The value of `xs[index]` as an f64, or a TypeError that names the index.
    ///
    /// Only `int` and `float` (and their subclasses, so `bool` too) count as numbers, exactly as
    /// `isinstance(item, (int, float))` in `tests/baseline.py`.
    fn element_as_f64(index: usize, item: &Bound<'_, PyAny>) -> PyResult<f64> {
        if let Ok(float) = item.cast::<PyFloat>() {
            Ok(float.value())
        } else if item.is_instance_of::<PyInt>() {
            // An int beyond the f64 range raises OverflowError here, as float(10**400) does.
            item.extract()
        } else {
            Err(PyTypeError::new_err(format!(
                "xs[{index}] must be an int or float, not {}",
                item.get_type().name()?
            )))
        }
    }

    /// Call `consume` with every element of `xs` as an f64, in order, stopping at the first error.
    ///
    /// No Python code runs per element: reading an item and a float's value are C calls. Lists and
    /// tuples take a fast path: indexing them directly is about twice as fast as the generic
    /// iterator protocol (`try_iter`), which every other sequence goes through.
    fn for_each_float(xs: &Bound<'_, PyAny>, mut consume: impl FnMut(f64)) -> PyResult<()> {
        if let Ok(list) = xs.cast::<PyList>() {
            for (index, item) in list.iter().enumerate() {
                consume(element_as_f64(index, &item)?);
            }
        } else if let Ok(tuple) = xs.cast::<PyTuple>() {
            for (index, item) in tuple.iter().enumerate() {
                consume(element_as_f64(index, &item)?);
            }
        } else {
            for (index, item) in xs.try_iter()?.enumerate() {
                consume(element_as_f64(index, &item?)?);
            }
        }
        Ok(())
    }

    /// Convert a whole sequence of numbers to a `Vec<f64>` in one pass.
    fn to_floats(xs: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
        let mut values = Vec::with_capacity(xs.len().unwrap_or(0));
        for_each_float(xs, |value| values.push(value))?;
        Ok(values)
    }

    /// The sum of `x * x` over `xs`; 0.0 for an empty sequence.
    #[pyfunction]
    fn sum_of_squares(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        let mut total = 0.0;
        for_each_float(xs, |x| total += x * x)?;
        Ok(total)
    }

    /// The arithmetic mean of `xs`.
    #[pyfunction]
    fn mean(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        let values = to_floats(xs)?;
        if values.is_empty() {
            return Err(PyValueError::new_err("mean requires at least one value"));
        }
        Ok(mean_of(&values))
    }

    /// The population variance of `xs` (divides by n, like `statistics.pvariance`).
    #[pyfunction]
    fn variance(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        let values = to_floats(xs)?;
        if values.is_empty() {
            return Err(PyValueError::new_err(
                "variance requires at least one value",
            ));
        }
        // Two passes: subtracting the mean first keeps the digits that the one-pass formula
        // E[x²] − E[x]² loses when the values are large and close together.
        let mean = mean_of(&values);
        let squared_deviations = values
            .iter()
            .fold(0.0, |total, x| total + (x - mean) * (x - mean));
        Ok(squared_deviations / values.len() as f64)
    }

    fn mean_of(values: &[f64]) -> f64 {
        values.iter().fold(0.0, |total, x| total + x) / values.len() as f64
    }

    /// The square root of `x` by Newton's method.
    ///
    /// Starts from `max(x, 1.0)`, repeats `y = (y + x / y) / 2` and stops when an update changes
    /// `y` by at most `tol * y`. ValueError for a negative, infinite or NaN `x`, a `tol` that is
    /// not positive, `max_iter < 1`, or no convergence within `max_iter` updates.
    #[pyfunction]
    #[pyo3(signature = (x, tol = 1e-12, max_iter = 100))]
    fn newton_sqrt(py: Python<'_>, x: f64, tol: f64, max_iter: usize) -> PyResult<f64> {
        if !x.is_finite() || x < 0.0 {
            return Err(PyValueError::new_err(format!(
                "x must be a finite, non-negative number, got {}",
                repr(py, x)
            )));
        }
        if tol.is_nan() || tol <= 0.0 {
            return Err(PyValueError::new_err(format!(
                "tol must be positive, got {}",
                repr(py, tol)
            )));
        }
        if max_iter < 1 {
            return Err(PyValueError::new_err("max_iter must be at least 1, got 0"));
        }
        if x == 0.0 {
            return Ok(0.0);
        }
        let mut y = x.max(1.0);
        for _ in 0..max_iter {
            let next = (y + x / y) / 2.0;
            if (next - y).abs() <= tol * next {
                return Ok(next);
            }
            y = next;
        }
        Err(PyValueError::new_err(format!(
            "newton_sqrt({}) did not converge within {max_iter} iterations (tol = {})",
            repr(py, x),
            repr(py, tol)
        )))
    }

    /// `repr(x)` as Python writes it, as tests/baseline.py's `{x!r}` does: `nan`, `1e-05`,
    /// `1e+16`, where Rust's `{x:?}` writes `NaN`, `1e-5`, `1e16` (a float's `str` is its repr).
    fn repr(py: Python<'_>, x: f64) -> String {
        PyFloat::new(py, x).to_string()
    }
}
