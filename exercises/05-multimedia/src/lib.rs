//! Exercise 5 — multimedia: image and audio kernels on raw sample buffers.
//! Read ../README.md first. Check your work with `cargo xtask check exercise-5`.
use pyo3::prelude::*;

// Until the TODOs are done, helpers, imports and arguments go unused. Delete this `allow` when
// every TODO is done: from then on the compiler tells you about anything you forgot to use.
#[allow(dead_code, unused_imports, unused_variables)]
#[pymodule]
mod mediakit {
    use pyo3::buffer::{Element, PyBuffer, PyUntypedBuffer};
    use pyo3::exceptions::{PyBufferError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::types::PyBytes;

    // ----- borrowing a buffer's memory -----------------------------------------------------------
    //
    // A `PyBuffer<T>` argument makes PyO3 ask the object for its buffer (`bytes`, `bytearray`,
    // `memoryview`, `array.array`, a NumPy array ...) and check that its elements really are `T`
    // (format "B" for u8, "h" for i16), raising BufferError otherwise. Nothing is copied: the
    // buffer describes the object's own memory. Dropping the `PyBuffer` hands it back.

    /// The buffer's elements as a Rust slice, without copying them.
    ///
    /// The `py` token ties the slice to a time when we hold the GIL: while the slice lives we run
    /// no Python code and never release the GIL, so no other thread can write to the memory, and
    /// `buffer` keeps the exporter from freeing or resizing it.
    fn read_slice<'a, T: Element>(buffer: &'a PyBuffer<T>, _py: Python<'a>) -> PyResult<&'a [T]> {
        // TODO: the buffer's memory as a `&[T]`, no copy. Rules:
        // - an empty buffer may have no valid pointer at all: it is the empty slice;
        // - only memory that is one block in C order is a slice (not `memoryview(data)[::2]`):
        //   anything else is BufferError("buffer must be C-contiguous");
        // - `PyBuffer` can give you a pointer to the slice; turning it into a reference is
        //   `unsafe`: say in a `// SAFETY:` comment why it is sound here (the doc comment above
        //   has the argument).
        todo!()
    }

    /// Like `read_slice`, but writable: refuses read-only buffers such as `bytes`.
    /// Call it once per buffer: two `&mut` slices of the same memory would alias.
    #[allow(clippy::mut_from_ref)]
    fn write_slice<'a, T: Element>(
        buffer: &'a PyBuffer<T>,
        _py: Python<'a>,
    ) -> PyResult<&'a mut [T]> {
        // TODO: `read_slice`'s rules, giving a `&mut [T]`, plus one more first: a read-only
        // buffer (such as `bytes`) must never be written — BufferError("buffer is read-only:
        // pass a bytearray, an array.array or a writable memoryview"), the exact message the
        // tests check.
        todo!()
    }

    // ----- Part 1: RGB → grayscale ---------------------------------------------------------------

    /// Convert packed 8-bit RGB pixels (`r, g, b, r, g, b, ...`, row by row) to one gray byte per
    /// pixel: `(77 * r + 150 * g + 29 * b + 128) >> 8`, the ITU-R BT.601 luma in integers.
    #[pyfunction]
    fn grayscale<'py>(
        py: Python<'py>,
        rgb: PyBuffer<u8>,
        width: usize,
        height: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        // TODO: one gray byte per pixel, by the formula in the doc comment above. Rules:
        // - sizes can overflow: in a release build a plain `*` wraps silently (2**62 * 4 * 3
        //   becomes 0, the size of an empty buffer), so an overflowing size is
        //   ValueError("image of 4611686018427387904x4 pixels is too large");
        // - a buffer of the wrong size is ValueError("rgb buffer has 5 bytes, expected width *
        //   height * 3 = 6");
        // - the formula's products do not fit in a u8 (150 * 255): widen before multiplying;
        // - speed (the grader checks it): borrow the pixels (`read_slice`), never copy them, and
        //   write the result straight into the new `bytes` object's memory.
        todo!()
    }

    // ----- Part 2: brightness, in place ----------------------------------------------------------

    /// Add `delta` to every byte of a writable buffer, in place, saturating at 0 and 255.
    #[pyfunction]
    fn adjust_brightness(py: Python<'_>, pixels: PyBuffer<u8>, delta: i32) -> PyResult<()> {
        // TODO: each byte + delta, kept within 0..=255, written in place. Rule: pick a type the
        // sum fits in — a u8 + i32 sum does not fit in a u8, and even an i32 overflows for
        // 255 + i32::MAX (the tests pass delta = 2**31 - 1).
        todo!()
    }

    // ----- Part 3: histogram ---------------------------------------------------------------------

    /// How often each byte value 0..=255 occurs in the buffer: a list of 256 counts.
    #[pyfunction]
    fn histogram(py: Python<'_>, pixels: PyBuffer<u8>) -> PyResult<Vec<u64>> {
        // TODO: 256 counts, one per byte value. Rules: a count must not overflow (70 000 equal
        // bytes is a test); a `Vec` of a wide integer type becomes a Python list of ints on the
        // way out (a `Vec<u8>` would become `bytes` instead: PyO3 treats bytes specially).
        todo!()
    }

    /// The int16 buffer of `samples`, or `None` for an empty one. (Given, not part of the task.)
    ///
    /// Python 3.10 exports an empty `array("h")` at an odd address, which `PyBuffer<i16>` refuses
    /// as misaligned (`BufferError`) although there is nothing to read: an empty buffer of the right
    /// format is accepted here whatever its address, and then means "no samples".
    fn int16_buffer(samples: &Bound<'_, PyAny>) -> PyResult<Option<PyBuffer<i16>>> {
        let untyped = PyUntypedBuffer::get(samples)?;
        if untyped.item_count() == 0
            && untyped.item_size() == std::mem::size_of::<i16>()
            && i16::is_compatible_format(untyped.format())
        {
            if untyped.readonly() {
                return Err(PyBufferError::new_err(
                    "buffer is read-only: pass a bytearray, an array.array or a writable memoryview",
                ));
            }
            return Ok(None);
        }
        untyped.into_typed().map(Some)
    }

    // ----- Part 4: audio gain with saturation ----------------------------------------------------

    /// Multiply every 16-bit PCM sample by `gain`, in place. Results are rounded half away from
    /// zero and saturate at -32768 and 32767; returns how many samples had to be clipped.
    #[pyfunction]
    fn apply_gain(py: Python<'_>, samples: &Bound<'_, PyAny>, gain: f64) -> PyResult<usize> {
        let buffer = int16_buffer(samples)?; // `None`: an empty buffer, no samples (see above)
        // TODO: each sample times `gain`, in place; return how many were clipped. Rules:
        // - NaN or an infinity is ValueError("gain must be a finite number");
        // - `int16_buffer` already refused buffers whose elements are not int16 (format "h");
        //   `None` has no samples;
        // - compute in a type where nothing overflows (in i16, -(-32768) does), round halves
        //   away from zero, and count a sample as clipped when the result is outside the i16
        //   range; store it saturated to that range.
        todo!()
    }
}
