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
        // TODO:
        // 1. An empty buffer (`buffer.item_count() == 0`) may have no valid pointer at all:
        //    return `Ok(&[])` for it.
        // 2. `buffer.as_slice_ptr()` gives `Some(NonNull<[T]>)` when the memory is one contiguous
        //    block in C order, `None` otherwise (e.g. `memoryview(data)[::2]`): turn `None` into
        //    `PyBufferError::new_err("buffer must be C-contiguous")`.
        // 3. `unsafe { pointer.as_ref() }` is the slice. Write a `// SAFETY:` comment saying why
        //    that is sound here (the doc comment above has the argument).
        todo!()
    }

    /// Like `read_slice`, but writable: refuses read-only buffers such as `bytes`.
    /// Call it once per buffer: two `&mut` slices of the same memory would alias.
    #[allow(clippy::mut_from_ref)]
    fn write_slice<'a, T: Element>(
        buffer: &'a PyBuffer<T>,
        _py: Python<'a>,
    ) -> PyResult<&'a mut [T]> {
        // TODO: first, if `buffer.readonly()`, return
        // `PyBufferError::new_err("buffer is read-only: pass a bytearray, an array.array or a
        // writable memoryview")` (one line in your code)
        // — the tests check this exact message. Then as in `read_slice`, with `Ok(&mut [])`, a
        // `let mut pointer` and `unsafe { pointer.as_mut() }`.
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
        // TODO:
        // 1. Compute `pixels = width * height` and `expected = pixels * 3` with `checked_mul`. On
        //    overflow: `ValueError("image of {width}x{height} pixels is too large")`. (In a release
        //    build a plain `*` wraps silently: 2**62 * 4 * 3 becomes 0, the size of an empty
        //    buffer.)
        // 2. If `rgb.len_bytes() != expected`:
        //    `ValueError("rgb buffer has {len} bytes, expected width * height * 3 = {expected}")`.
        // 3. `let source = read_slice(&rgb, py)?;`
        // 4. `PyBytes::new_with(py, pixels, |gray| { ...; Ok(()) })` creates the result and lets
        //    you fill its bytes (`gray: &mut [u8]`) directly. Walk `gray.iter_mut()` zipped with
        //    `source.chunks_exact(3)`. Do the arithmetic in u32 (`u32::from(r)`): 150 * 255 does
        //    not fit in a u8.
        todo!()
    }

    // ----- Part 2: brightness, in place ----------------------------------------------------------

    /// Add `delta` to every byte of a writable buffer, in place, saturating at 0 and 255.
    #[pyfunction]
    fn adjust_brightness(py: Python<'_>, pixels: PyBuffer<u8>, delta: i32) -> PyResult<()> {
        // TODO: `write_slice(&pixels, py)?`, then set each value to value + delta clamped to
        // 0..=255. Mind the types: a u8 + i32 sum needs a wider type (`i32::from(*value)`), and
        // even i32 overflows for 255 + i32::MAX — the tests pass delta = 2**31 - 1. Clamping
        // `delta` to -255..=255 first (or `saturating_add`) keeps the sum in range.
        todo!()
    }

    // ----- Part 3: histogram ---------------------------------------------------------------------

    /// How often each byte value 0..=255 occurs in the buffer: a list of 256 counts.
    #[pyfunction]
    fn histogram(py: Python<'_>, pixels: PyBuffer<u8>) -> PyResult<Vec<u64>> {
        // TODO: `read_slice`, then count into `vec![0u64; 256]` indexed by `usize::from(value)`.
        // A `Vec<u64>` becomes a Python list of ints on the way out. (A `Vec<u8>` would become
        // `bytes` instead: PyO3 treats bytes specially.)
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
        // TODO:
        // 1. NaN or an infinity: `ValueError("gain must be a finite number")`.
        // 2. `write_slice(buffer, py)?` — a `&mut [i16]`: `int16_buffer` already refused
        //    buffers whose elements are not int16 (format "h").
        // 3. For each sample: `(f64::from(*sample) * gain).round()` (`f64::round` rounds halves
        //    away from zero). Outside `f64::from(i16::MIN)..=f64::from(i16::MAX)` counts as
        //    clipped; store the value clamped to that range, `as i16`.
        //    Not `-*sample` or `*sample * 2` in i16: -(-32768) overflows.
        todo!()
    }
}
