//! Reference solution for exercise 5: image and audio kernels on raw sample buffers, reading and
//! writing Python's memory in place through the buffer protocol.
use pyo3::prelude::*;

#[pymodule]
mod mediakit {
    use pyo3::buffer::{Element, PyBuffer, PyUntypedBuffer};
    use pyo3::exceptions::{PyBufferError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::types::PyBytes;

    // ----- borrowing a buffer's memory -----------------------------------------------------------

    /// The buffer's elements as a Rust slice, without copying them.
    ///
    /// The `py` token ties the slice to a time when we hold the GIL: while the slice lives we run
    /// no Python code and never release the GIL, so no other thread can write to the memory, and
    /// `buffer` keeps the exporter from freeing or resizing it.
    fn read_slice<'a, T: Element>(buffer: &'a PyBuffer<T>, _py: Python<'a>) -> PyResult<&'a [T]> {
        if buffer.item_count() == 0 {
            return Ok(&[]); // an empty export may have no valid pointer at all
        }
        let pointer = buffer
            .as_slice_ptr()
            .ok_or_else(|| PyBufferError::new_err("buffer must be C-contiguous"))?;
        // SAFETY: see above; PyBuffer<T> already checked the element format, size and alignment.
        Ok(unsafe { pointer.as_ref() })
    }

    /// Like `read_slice`, but writable: refuses read-only buffers such as `bytes`.
    /// Call it once per buffer: two `&mut` slices of the same memory would alias.
    #[allow(clippy::mut_from_ref)]
    fn write_slice<'a, T: Element>(
        buffer: &'a PyBuffer<T>,
        _py: Python<'a>,
    ) -> PyResult<&'a mut [T]> {
        if buffer.readonly() {
            return Err(PyBufferError::new_err(
                "buffer is read-only: pass a bytearray, an array.array or a writable memoryview",
            ));
        }
        if buffer.item_count() == 0 {
            return Ok(&mut []);
        }
        let mut pointer = buffer
            .as_slice_ptr()
            .ok_or_else(|| PyBufferError::new_err("buffer must be C-contiguous"))?;
        // SAFETY: as in `read_slice`; the exporter said the memory is writable, and this is the
        // only slice of it we create.
        Ok(unsafe { pointer.as_mut() })
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
        // Checked: in a release build a plain `*` wraps silently, and a huge width * height * 3
        // could wrap around to exactly the length of a small buffer.
        let sizes = width
            .checked_mul(height)
            .and_then(|pixels| Some((pixels, pixels.checked_mul(3)?)));
        let Some((pixels, expected)) = sizes else {
            return Err(PyValueError::new_err(format!(
                "image of {width}x{height} pixels is too large"
            )));
        };
        if rgb.len_bytes() != expected {
            return Err(PyValueError::new_err(format!(
                "rgb buffer has {} bytes, expected width * height * 3 = {expected}",
                rgb.len_bytes()
            )));
        }
        let source = read_slice(&rgb, py)?;
        // Write straight into the new bytes object: no intermediate Vec.
        PyBytes::new_with(py, pixels, |gray| {
            for (out, rgb) in gray.iter_mut().zip(source.chunks_exact(3)) {
                // In u32: 150 * 255 alone does not fit in a u8.
                let [r, g, b] = [rgb[0], rgb[1], rgb[2]].map(u32::from);
                *out = ((77 * r + 150 * g + 29 * b + 128) >> 8) as u8;
            }
            Ok(())
        })
    }

    // ----- Part 2: brightness, in place ----------------------------------------------------------

    /// Add `delta` to every byte of a writable buffer, in place, saturating at 0 and 255.
    #[pyfunction]
    fn adjust_brightness(py: Python<'_>, pixels: PyBuffer<u8>, delta: i32) -> PyResult<()> {
        let data = write_slice(&pixels, py)?;
        // Clamping delta first keeps the sum far from i32's limits: 255 + i32::MAX would overflow.
        let delta = delta.clamp(-255, 255);
        for value in data {
            *value = (i32::from(*value) + delta).clamp(0, 255) as u8;
        }
        Ok(())
    }

    // ----- Part 3: histogram ---------------------------------------------------------------------

    /// How often each byte value 0..=255 occurs in the buffer: a list of 256 counts.
    #[pyfunction]
    fn histogram(py: Python<'_>, pixels: PyBuffer<u8>) -> PyResult<Vec<u64>> {
        let data = read_slice(&pixels, py)?;
        let mut counts = vec![0u64; 256];
        for &value in data {
            counts[usize::from(value)] += 1;
        }
        Ok(counts)
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
        let buffer = int16_buffer(samples)?;
        if !gain.is_finite() {
            return Err(PyValueError::new_err("gain must be a finite number"));
        }
        let data = match &buffer {
            Some(buffer) => write_slice(buffer, py)?,
            None => &mut [],
        };
        let (low, high) = (f64::from(i16::MIN), f64::from(i16::MAX));
        let mut clipped = 0;
        for sample in data {
            let scaled = (f64::from(*sample) * gain).round();
            if scaled < low || scaled > high {
                clipped += 1;
            }
            // `as` from a float saturates (and would turn NaN into 0); from a wider integer it
            // would wrap: 40000_i32 as i16 == -25536. The clamp says what we mean either way.
            *sample = scaled.clamp(low, high) as i16;
        }
        Ok(clipped)
    }
}
