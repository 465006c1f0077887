//! Reference solution for exercise 4: POSIX calls wrapped the way Python's own `os` module wraps
//! them — errors as `OSError` subclasses, paths as str/bytes/PathLike, the GIL released while the
//! kernel blocks, results as read-only Python objects.
use pyo3::prelude::*;

#[pymodule]
mod posixcall {
    use std::ffi::{CStr, CString};
    use std::mem::MaybeUninit;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Duration;

    use pyo3::exceptions::{PyOSError, PyOverflowError, PyValueError};
    use pyo3::intern;
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyString};

    /// How much `read_at` asks the kernel for at a time: a huge `length` on a small file then
    /// allocates only what is really there.
    const READ_CHUNK: usize = 64 * 1024;

    // ----- Part 1: process and system information -------------------------------------------

    /// The process id, like `os.getpid()`.
    #[pyfunction]
    fn getpid() -> i32 {
        // SAFETY: getpid(2) takes no arguments and cannot fail.
        unsafe { libc::getpid() }
    }

    /// The parent's process id, like `os.getppid()`.
    #[pyfunction]
    fn getppid() -> i32 {
        // SAFETY: getppid(2) takes no arguments and cannot fail.
        unsafe { libc::getppid() }
    }

    /// What `uname(2)` says about the running kernel and machine (the fields of `os.uname()`).
    #[pyclass(frozen, get_all)]
    struct Uname {
        sysname: String,
        nodename: String,
        release: String,
        version: String,
        machine: String,
    }

    #[pymethods]
    impl Uname {
        fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
            // Python's own repr of each str, so quotes and escapes match what Python prints.
            let quoted = |text: &str| -> PyResult<String> {
                Ok(PyString::new(py, text).repr()?.to_str()?.to_owned())
            };
            Ok(format!(
                "Uname(sysname={}, nodename={}, release={}, version={}, machine={})",
                quoted(&self.sysname)?,
                quoted(&self.nodename)?,
                quoted(&self.release)?,
                quoted(&self.version)?,
                quoted(&self.machine)?,
            ))
        }
    }

    #[pyfunction]
    fn uname() -> PyResult<Uname> {
        let mut raw = MaybeUninit::<libc::utsname>::uninit();
        // SAFETY: uname(2) fills the struct we point it at; we read it only if it succeeded.
        if unsafe { libc::uname(raw.as_mut_ptr()) } != 0 {
            return Err(os_error(last_errno(), None));
        }
        // SAFETY: uname returned 0, so every field is initialised.
        let raw = unsafe { raw.assume_init() };
        Ok(Uname {
            sysname: c_chars_to_string(&raw.sysname),
            nodename: c_chars_to_string(&raw.nodename),
            release: c_chars_to_string(&raw.release),
            version: c_chars_to_string(&raw.version),
            machine: c_chars_to_string(&raw.machine),
        })
    }

    /// A fixed-size C `char` array holding a NUL-terminated string, as a Rust `String`.
    fn c_chars_to_string(chars: &[libc::c_char]) -> String {
        let bytes: Vec<u8> = chars
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    // ----- Part 2: errors the Python way, paths the Python way --------------------------------

    /// The `errno` of the last failed call on this thread.
    fn last_errno() -> i32 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    /// The C library's message for an errno value: the same text as `os.strerror(errno)`.
    fn strerror(errno: i32) -> String {
        let mut buffer = [0u8; 256];
        // SAFETY: the XSI strerror_r (which the libc crate binds on Linux) writes at most
        // `buffer.len()` bytes, NUL included, into our buffer.
        let status = unsafe { libc::strerror_r(errno, buffer.as_mut_ptr().cast(), buffer.len()) };
        match CStr::from_bytes_until_nul(&buffer) {
            Ok(message) if status == 0 => message.to_string_lossy().into_owned(),
            _ => format!("Unknown error {errno}"),
        }
    }

    /// The exception `os` raises for a failed call: `OSError(errno, strerror[, filename])`.
    /// `OSError`'s constructor picks the subclass from errno (ENOENT → FileNotFoundError, EACCES
    /// → PermissionError, ...), so we never name a subclass ourselves.
    fn os_error(errno: i32, filename: Option<&Bound<'_, PyAny>>) -> PyErr {
        let message = strerror(errno);
        match filename {
            // A lazily built PyErr must be Send: keep a `Py` (not a `Bound`) to the filename.
            Some(name) => PyOSError::new_err((errno, message, name.clone().unbind())),
            None => PyOSError::new_err((errno, message)),
        }
    }

    /// A path argument taken the way `os` takes one. Returns `os.fspath(path)` (the str or bytes
    /// that names the file in an error, as `os` does) and the NUL-terminated bytes the kernel wants
    /// (`os.fsencode`: UTF-8 with surrogateescape here), an owned copy that stays valid after the
    /// GIL is released.
    fn fs_path<'py>(path: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, CString)> {
        let py = path.py();
        let os = py.import("os")?;
        // Interned names: CPython 3.11's attribute cache keeps the last name string it saw in
        // each slot, so a fresh "fspath" string per call looks like a leak for a while.
        let name = os.call_method1(intern!(py, "fspath"), (path,))?;
        let encoded = os.call_method1(intern!(py, "fsencode"), (&name,))?;
        let c_path = CString::new(encoded.cast::<PyBytes>()?.as_bytes())
            .map_err(|_| PyValueError::new_err("embedded null byte"))?;
        Ok((name, c_path))
    }

    /// File-system statistics, the fields of `os.statvfs()`.
    #[pyclass(frozen, get_all)]
    struct StatVfs {
        f_bsize: u64,
        f_frsize: u64,
        f_blocks: u64,
        f_bfree: u64,
        f_bavail: u64,
        f_files: u64,
        f_ffree: u64,
        f_favail: u64,
        f_flag: u64,
        f_namemax: u64,
    }

    #[pymethods]
    impl StatVfs {
        /// Bytes an unprivileged user may still write (`df`'s "Avail" column).
        #[getter]
        fn available_bytes(&self) -> u64 {
            self.f_bavail.saturating_mul(self.f_frsize)
        }

        fn __repr__(&self) -> String {
            format!(
                "StatVfs(f_bsize={}, f_frsize={}, f_blocks={}, f_bfree={}, f_bavail={}, \
                 f_files={}, f_ffree={}, f_favail={}, f_flag={}, f_namemax={})",
                self.f_bsize,
                self.f_frsize,
                self.f_blocks,
                self.f_bfree,
                self.f_bavail,
                self.f_files,
                self.f_ffree,
                self.f_favail,
                self.f_flag,
                self.f_namemax,
            )
        }
    }

    #[pyfunction]
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms (u32 on 32-bit)
    fn statvfs(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<StatVfs> {
        let (name, c_path) = fs_path(path)?;
        // statvfs can block for a long time (a network file system, a disk spinning up): let
        // other Python threads run meanwhile. Only owned Rust data crosses into the closure, and
        // errno is read inside it, right after the call that set it.
        let outcome = py.detach(move || {
            let mut raw = MaybeUninit::<libc::statvfs>::uninit();
            // SAFETY: c_path is NUL-terminated; raw is read only when the call succeeded.
            if unsafe { libc::statvfs(c_path.as_ptr(), raw.as_mut_ptr()) } == 0 {
                Ok(unsafe { raw.assume_init() })
            } else {
                Err(last_errno())
            }
        });
        let raw = outcome.map_err(|errno| os_error(errno, Some(&name)))?;
        Ok(StatVfs {
            f_bsize: raw.f_bsize as u64,
            f_frsize: raw.f_frsize as u64,
            f_blocks: raw.f_blocks as u64,
            f_bfree: raw.f_bfree as u64,
            f_bavail: raw.f_bavail as u64,
            f_files: raw.f_files as u64,
            f_ffree: raw.f_ffree as u64,
            f_favail: raw.f_favail as u64,
            f_flag: raw.f_flag as u64,
            f_namemax: raw.f_namemax as u64,
        })
    }

    // ----- Part 3: a blocking read with the GIL released -------------------------------------

    /// Read up to `length` bytes of the file at `path`, starting at byte `offset`: open, pread,
    /// close. Fewer bytes come back at the end of the file, none past it.
    #[pyfunction]
    fn read_at<'py>(
        py: Python<'py>,
        path: &Bound<'py, PyAny>,
        offset: i64,
        length: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (name, c_path) = fs_path(path)?;
        let data = py
            .detach(move || read_file_at(&c_path, offset, length))
            .map_err(|errno| os_error(errno, Some(&name)))?;
        Ok(PyBytes::new(py, &data))
    }

    /// The part of `read_at` that needs no Python at all, so it runs without the GIL.
    /// Returns the bytes read or the errno of the call that failed.
    fn read_file_at(path: &CStr, offset: i64, length: usize) -> Result<Vec<u8>, i32> {
        // SAFETY: path is NUL-terminated.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(last_errno());
        }
        // SAFETY: fd is a descriptor we just opened and own; OwnedFd closes it on every return.
        let file = unsafe { OwnedFd::from_raw_fd(fd) };
        if offset < 0 {
            return Err(libc::EINVAL); // what pread(2) says about a negative offset
        }
        let mut data: Vec<u8> = Vec::new();
        while data.len() < length {
            let wanted = (length - data.len()).min(READ_CHUNK);
            data.reserve(wanted);
            let position = offset
                .checked_add(data.len() as i64)
                .ok_or(libc::EOVERFLOW)?;
            let spare = data.spare_capacity_mut();
            // SAFETY: `spare` has room for at least `wanted` bytes; pread writes at most that.
            let count = unsafe {
                libc::pread(
                    file.as_raw_fd(),
                    spare.as_mut_ptr().cast(),
                    wanted,
                    position,
                )
            };
            match count {
                0 => break, // end of file
                n if n > 0 => {
                    // SAFETY: the kernel initialised the first `n` spare bytes.
                    unsafe { data.set_len(data.len() + n as usize) };
                }
                _ => match last_errno() {
                    libc::EINTR => continue,
                    errno => return Err(errno),
                },
            }
        }
        Ok(data)
    }

    // ----- Part 4: sleeping without blocking other threads, and without ignoring Ctrl-C --------

    /// Sleep for `seconds`, letting other Python threads run. A signal handler that raises (as
    /// the default SIGINT handler does) ends the sleep with its exception; one that returns
    /// normally lets the sleep go on for the time that was left (PEP 475).
    #[pyfunction]
    fn sleep(py: Python<'_>, seconds: f64) -> PyResult<()> {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err(PyValueError::new_err(
                "seconds must be a finite number >= 0",
            ));
        }
        let mut remaining = Duration::try_from_secs_f64(seconds)
            .map_err(|_| PyOverflowError::new_err("seconds is too large"))?;
        loop {
            let outcome = py.detach(move || {
                let request = libc::timespec {
                    tv_sec: remaining.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                    tv_nsec: remaining.subsec_nanos() as libc::c_long,
                };
                let mut left = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                // SAFETY: both pointers refer to live timespec values.
                if unsafe { libc::nanosleep(&request, &mut left) } == 0 {
                    Ok(())
                } else {
                    Err((last_errno(), left))
                }
            });
            match outcome {
                Ok(()) => return Ok(()),
                Err((libc::EINTR, left)) => {
                    // A signal arrived. Its Python handler runs here, with the GIL held again;
                    // if it raised, that exception ends the sleep.
                    py.check_signals()?;
                    remaining = Duration::new(left.tv_sec as u64, left.tv_nsec as u32);
                }
                Err((errno, _)) => return Err(os_error(errno, None)),
            }
        }
    }
}
