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
        // TODO: call `libc::getpid()` inside an `unsafe { }` block. It cannot fail.
        todo!()
    }

    /// The parent's process id, like `os.getppid()`.
    #[pyfunction]
    fn getppid() -> i32 {
        // TODO: the same with `libc::getppid()`.
        todo!()
    }

    /// What `uname(2)` says about the running kernel and machine (the fields of `os.uname()`).
    // TODO: `frozen` makes the object immutable. Add `get_all` to the attribute list so that
    // Python can read every field (`u.sysname`) but not assign to it (AttributeError).
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
            // TODO: for each field, `PyString::new(py, &self.sysname).repr()?` gives Python's repr
            // (a `Bound<PyString>`; `.to_str()?` borrows it as `&str`). Build the text with
            // `format!`. A small closure `|text: &str| -> PyResult<String> { ... }` saves typing.
            todo!()
        }
    }

    #[pyfunction]
    fn uname() -> PyResult<Uname> {
        // TODO:
        // 1. `let mut raw = MaybeUninit::<libc::utsname>::uninit();` — memory the kernel fills.
        // 2. Call `libc::uname(raw.as_mut_ptr())` (unsafe). On a non-zero result return
        //    `Err(os_error(last_errno(), None))` (Part 2 writes `os_error`).
        // 3. `let raw = unsafe { raw.assume_init() };` — only after the call succeeded.
        // 4. Build a `Uname`; `c_chars_to_string(&raw.sysname)` turns each C field into a String.
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
        // TODO: return `PyOSError::new_err((errno, strerror(errno), name))` when there is a
        // filename, `PyOSError::new_err((errno, strerror(errno)))` when there is none.
        // Never pick a subclass yourself: OSError's constructor turns ENOENT into
        // FileNotFoundError, EACCES into PermissionError, and so on.
        // The arguments of a lazily built PyErr must be `Send`, and a `Bound` is not: pass
        // `name.clone().unbind()` (a `Py<PyAny>`) instead of the `Bound` itself.
        todo!()
    }

    /// A path argument taken the way `os` takes one. Returns `os.fspath(path)` (the str or bytes
    /// that names the file in an error, as `os` does) and the NUL-terminated bytes the kernel
    /// wants.
    fn fs_path<'py>(path: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, CString)> {
        // TODO:
        // 1. `let py = path.py();` and `let os = py.import("os")?;`
        // 2. `let name = os.call_method1(intern!(py, "fspath"), (path,))?;` — str and bytes come
        //    back as they are, an `os.PathLike` gives its `__fspath__()`, anything else raises
        //    TypeError. (`intern!` makes the name string once; see the README on why a fresh
        //    "fspath" string per call looks like a leak on Python 3.11.)
        // 3. `os.call_method1(intern!(py, "fsencode"), (&name,))?` gives `bytes`;
        //    `.cast::<PyBytes>()?` and `.as_bytes()` borrow them.
        // 4. `CString::new(bytes)` copies them and adds the NUL the kernel needs. It fails if the
        //    path contains a NUL byte: turn that into
        //    `PyValueError::new_err("embedded null byte")`.
        // The CString is an owned copy: it stays valid when the GIL is released (Part 3).
        todo!()
    }

    /// File-system statistics, the fields of `os.statvfs()`.
    // TODO: make the fields readable (and not writable) from Python, as for `Uname`.
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
            // TODO: `f_bavail` blocks of `f_frsize` bytes each. Use `saturating_mul`: a plain `*`
            // that overflows panics in a debug build and silently wraps in a release build.
            todo!()
        }

        /// `StatVfs(f_bsize=4096, f_frsize=4096, f_blocks=..., ..., f_namemax=255)`: every field,
        /// in the order they are declared, separated by ", ".
        fn __repr__(&self) -> String {
            // TODO: one `format!`.
            todo!()
        }
    }

    #[pyfunction]
    fn statvfs(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<StatVfs> {
        // TODO:
        // 1. `let (name, c_path) = fs_path(path)?;`
        // 2. Call `libc::statvfs(c_path.as_ptr(), raw.as_mut_ptr())` on a
        //    `MaybeUninit::<libc::statvfs>` inside `py.detach(move || { ... })`: the call can
        //    block (a network file system), and other Python threads should run meanwhile.
        //    Return `Ok(raw)` or `Err(last_errno())` from the closure: read errno right there,
        //    before anything else can overwrite it.
        // 3. Outside the closure, with the GIL back: turn an `Err(errno)` into
        //    `os_error(errno, Some(&name))` and copy each field into a `StatVfs` (`as u64`).
        // Only owned Rust data may cross into the closure (the CString): see the README for why a
        // `&[u8]` borrowed from a Python object must not.
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
        // TODO: `fs_path`, then `py.detach(move || read_file_at(&c_path, offset, length))`,
        // map an `Err(errno)` to `os_error(errno, Some(&name))`, and return
        // `PyBytes::new(py, &data)`.
        todo!()
    }

    /// The part of `read_at` that needs no Python at all, so it runs without the GIL.
    /// Returns the bytes read or the errno of the call that failed.
    fn read_file_at(path: &CStr, offset: i64, length: usize) -> Result<Vec<u8>, i32> {
        // TODO:
        // 1. `libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC)`; a negative result
        //    means `Err(last_errno())`.
        // 2. Wrap the descriptor at once: `let file = unsafe { OwnedFd::from_raw_fd(fd) };`.
        //    `OwnedFd` closes it when it goes out of scope, on every return path below.
        // 3. A negative `offset` is `Err(libc::EINVAL)`, as pread(2) would say.
        // 4. `let mut data: Vec<u8> = Vec::new();` and loop while `data.len() < length`:
        //    - `let wanted = (length - data.len()).min(READ_CHUNK);` and `data.reserve(wanted);`
        //    - `position` is `offset + data.len()`: use `checked_add`, overflow is
        //      `Err(libc::EOVERFLOW)`;
        //    - `libc::pread(file.as_raw_fd(), data.spare_capacity_mut().as_mut_ptr().cast(),
        //      wanted, position)` returns how many bytes it read: 0 means end of file (stop);
        //      n > 0: `unsafe { data.set_len(data.len() + n as usize) }`; -1: retry on
        //      `libc::EINTR`, otherwise `return Err(errno)`.
        todo!()
    }

    // ----- Part 4: sleeping without blocking other threads, and without ignoring Ctrl-C --------

    /// Sleep for `seconds`, letting other Python threads run. A signal handler that raises (as
    /// the default SIGINT handler does) ends the sleep with its exception; one that returns
    /// normally lets the sleep go on for the time that was left (PEP 475).
    #[pyfunction]
    fn sleep(py: Python<'_>, seconds: f64) -> PyResult<()> {
        // TODO:
        // 1. NaN, infinities and negative numbers: `PyValueError::new_err("seconds must be a
        //    finite number >= 0")`. `Duration::try_from_secs_f64` fails for values too large for
        //    a Duration: `PyOverflowError::new_err("seconds is too large")`.
        // 2. Loop: in `py.detach(move || ...)` build a `libc::timespec { tv_sec, tv_nsec }` from
        //    the remaining Duration (clamp the seconds to `libc::time_t::MAX`) and call
        //    `libc::nanosleep(&request, &mut left)`. Return `Ok(())` or
        //    `Err((last_errno(), left))`.
        // 3. On `Err((libc::EINTR, left))` a signal arrived: `py.check_signals()?` runs its Python
        //    handler now (an exception from it ends the sleep); then sleep again for `left`.
        //    Any other errno: `Err(os_error(errno, None))`.
        todo!()
    }
}
