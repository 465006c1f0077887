//! Exercise 4 — syscalls: wrap POSIX calls the way Python's own `os` module wraps them.
//! Read ../README.md first. Check your work with `cargo xtask check exercise-4`.
//!
//! Every libc function is `unsafe` to call: Rust cannot check what C does with the pointers you
//! pass. Keep each `unsafe` block to the one call and say in a `// SAFETY:` comment why it is fine.
use pyo3::prelude::*;

// Until the TODOs are done, helpers, imports and arguments go unused. Delete this `allow` when
// every TODO is done: from then on the compiler tells you about anything you forgot to use.
#[allow(dead_code, unused_imports, unused_variables)]
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
        // TODO: this process's id, from the C library. Rule: every libc call is `unsafe` (Rust
        // cannot check what C does); keep the unsafe block to the one call. getpid(2) cannot fail.
        todo!()
    }

    /// The parent's process id, like `os.getppid()`.
    #[pyfunction]
    fn getppid() -> i32 {
        // TODO: the parent's id, the same way.
        todo!()
    }

    /// What `uname(2)` says about the running kernel and machine (the fields of `os.uname()`).
    // TODO: Python must read every field (`u.sysname`) but not assign to it (AttributeError).
    // Rule: a #[pyclass]'s fields are invisible to Python until its attribute list asks for
    // getters; `frozen` already makes the object immutable.
    #[pyclass(frozen)]
    struct Uname {
        sysname: String,
        nodename: String,
        release: String,
        version: String,
        machine: String,
    }

    #[pymethods]
    impl Uname {
        /// `Uname(sysname='Linux', nodename='box', release='6.1.0', version='#1 SMP ...',
        /// machine='x86_64')`: each value exactly as Python's `repr()` of that str prints it.
        fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
            // TODO: the text in the doc comment above. Rule: quote each value exactly as Python's
            // `repr()` of that str does (quotes, escapes): ask Python for it rather than adding
            // quotes yourself — a `str` made from the field has a `repr()`.
            todo!()
        }
    }

    #[pyfunction]
    fn uname() -> PyResult<Uname> {
        // TODO: a `Uname` filled by uname(2). Rules: the kernel fills a `libc::utsname` that you
        // provide as uninitialised memory (`MaybeUninit`); it may be read only once the call has
        // returned 0 — anything else is an OSError from errno (Part 2's `os_error`, no filename).
        // `c_chars_to_string` below turns each C field into a String.
        todo!()
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
    fn os_error(errno: i32, filename: Option<&Bound<'_, PyAny>>) -> PyErr {
        // TODO: `OSError(errno, strerror)`, or `OSError(errno, strerror, filename)` when there is
        // a filename — the arguments `os` gives it. Rules: never pick a subclass yourself:
        // OSError's constructor turns ENOENT into FileNotFoundError, EACCES into PermissionError,
        // and so on. The arguments of a lazily built PyErr must be `Send`, and a `Bound` is not:
        // pass an owned `Py<PyAny>` of the filename instead.
        todo!()
    }

    /// A path argument taken the way `os` takes one. Returns `os.fspath(path)` (the str or bytes
    /// that names the file in an error, as `os` does) and the NUL-terminated bytes the kernel
    /// wants.
    fn fs_path<'py>(path: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, CString)> {
        // TODO: accept exactly what `os` accepts (str, bytes, any `os.PathLike`; a TypeError for
        // anything else) by asking `os` itself: `os.fspath` gives the name, `os.fsencode` its
        // bytes. Rules: call methods by an interned name (`intern!`; the README says why a fresh
        // "fspath" string per call looks like a leak on Python 3.11); the kernel wants a
        // NUL-terminated copy, and a path with a NUL byte inside is
        // ValueError("embedded null byte"). The copy is owned: it stays valid when the GIL is
        // released (Part 3).
        todo!()
    }

    /// File-system statistics, the fields of `os.statvfs()`.
    // TODO: the fields readable (and not writable) from Python, as for `Uname`.
    #[pyclass(frozen)]
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
            // TODO: `f_bavail` blocks of `f_frsize` bytes each. Rule: a product of two u64s can
            // overflow — a plain `*` then panics in a debug build and silently wraps in a release
            // build; stop at u64::MAX instead.
            todo!()
        }

        /// `StatVfs(f_bsize=4096, f_frsize=4096, f_blocks=..., ..., f_namemax=255)`: every field,
        /// in the order they are declared, separated by ", ".
        fn __repr__(&self) -> String {
            // TODO: the text in the doc comment above, every field in declaration order.
            todo!()
        }
    }

    #[pyfunction]
    fn statvfs(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<StatVfs> {
        // TODO: a `StatVfs` from statvfs(3) on the path. Rules: the call can block (a network
        // file system), so make it detached from the interpreter, letting other Python threads
        // run; only owned Rust data may go along (the README says why a `&[u8]` borrowed from a
        // Python object must not); read errno right after the call, before anything can
        // overwrite it, and build the OSError (with the filename, as `os` does) and the
        // `StatVfs` once attached again.
        todo!()
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
        // TODO: the bytes `read_file_at` reads, as a Python `bytes`. Rules: the whole
        // open/pread/close may block (a FIFO with no writer blocks in open), so it runs detached
        // from the interpreter, with owned data only; a failure is an OSError naming the file.
        todo!()
    }

    /// The part of `read_at` that needs no Python at all, so it runs without the GIL.
    /// Returns the bytes read or the errno of the call that failed.
    fn read_file_at(path: &CStr, offset: i64, length: usize) -> Result<Vec<u8>, i32> {
        // TODO: open read-only (and close-on-exec), then pread(2) from `offset` until `length`
        // bytes are read or the file ends. Rules:
        // - the descriptor is closed on every way out, errors included: give it an owner
        //   (`OwnedFd`) the moment open succeeds;
        // - a negative offset is EINVAL, as pread(2) would say; an offset that overflows is
        //   EOVERFLOW;
        // - never allocate `length` bytes up front (a huge length on a small file would abort
        //   the process): grow by at most READ_CHUNK at a time, and let pread write into the
        //   Vec's spare capacity, counting as read only what it says it read;
        // - pread returns 0 at the end of the file; -1 with EINTR (a signal) means try again;
        //   any other errno is the result.
        todo!()
    }

    // ----- Part 4: sleeping without blocking other threads, and without ignoring Ctrl-C --------

    /// Sleep for `seconds`, letting other Python threads run. A signal handler that raises (as
    /// the default SIGINT handler does) ends the sleep with its exception; one that returns
    /// normally lets the sleep go on for the time that was left (PEP 475).
    #[pyfunction]
    fn sleep(py: Python<'_>, seconds: f64) -> PyResult<()> {
        // TODO: sleep with nanosleep(2), detached from the interpreter. Rules:
        // - NaN, infinities and negative numbers are ValueError("seconds must be a finite number
        //   >= 0"); a number too large for a `Duration` is OverflowError("seconds is too large");
        // - a signal interrupts nanosleep (EINTR) and it tells you the time that was left; the
        //   Python handler runs only when you let it (`check_signals`), attached: if it raises,
        //   the sleep ends with its exception, otherwise sleep again for the time that was left
        //   (PEP 475); any other errno is an OSError.
        todo!()
    }
}
