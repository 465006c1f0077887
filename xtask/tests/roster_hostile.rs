//! `grade-all --submissions` over students whose exercise sources attack the grader, each row
//! checked, and then what must not have happened: a process of theirs still running, a file
//! outside the scratch folders written, a connection to a listener of ours.
//!
//! Two students keep the builds few; each exercise holds one behaviour, so its row tells it apart:
//! - wild: exercise 0 writes outside, connects to our loopback listener and leaves a double-forked
//!   daemon that called `setsid` (its tests still pass); exercise 4 segfaults in a function;
//!   exercise 5 never returns (the deadline ends it); exercise 6 prints a fake pytest summary and
//!   exits 0 from inside a test.
//! - bombs: exercise 0 forks 200 sleepers (a fork bomb, bounded); exercise 1 `include_str!`s a
//!   hidden test of the reference solutions (must not compile); exercise 4 allocates past the
//!   memory limit; exercise 5 reads stdin (closed: an open one would hang it into the deadline),
//!   floods stderr past the output cap and aborts, at exit; exercise 6 exits 0 from the module's
//!   init.
mod common;
mod roster_support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Course;
use roster_support::{copy, grade_all, survivors};

/// A student's copy of `course` with `sources` (exercise folder → lib.rs) over it.
fn student(course: &Path, into: &Path, sources: &[(&str, String)]) {
    copy(&course.join("exercises"), &into.join("exercises"));
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(course.join(file), into.join(file)).unwrap();
    }
    for (folder, source) in sources {
        std::fs::write(
            into.join("exercises").join(folder).join("src/lib.rs"),
            source,
        )
        .unwrap();
    }
}

/// Raw libc calls (the course's manifests give a submission no crate but pyo3) and a helper that
/// replaces the process with `/bin/sh -c SCRIPT TOKEN`, so that `TOKEN` is in its command line.
const NATIVE: &str = r#"
use std::ffi::{CString, c_char};

unsafe extern "C" {
    fn fork() -> i32;
    fn setsid() -> i32;
    fn execv(path: *const c_char, argv: *const *const c_char) -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn atexit(callback: extern "C" fn()) -> i32;
    fn abort() -> !;
    fn _exit(code: i32) -> !;
}

fn exec_sh(script: &str) -> ! {
    let sh = CString::new("/bin/sh").unwrap();
    let dash_c = CString::new("-c").unwrap();
    let script = CString::new(script).unwrap();
    let token = CString::new(TOKEN).unwrap();
    let argv = [sh.as_ptr(), dash_c.as_ptr(), script.as_ptr(), token.as_ptr(), std::ptr::null()];
    unsafe {
        execv(sh.as_ptr(), argv.as_ptr());
        _exit(127)
    }
}
"#;

/// Path → bytes of every file under `dir`.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            (
                entry.path().to_path_buf(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn hostile_submissions_are_graded_and_nothing_escapes() {
    let course = Course::new(&["00-passes", "01-wrong", "04-crash", "05-loops", "06-exits"]);
    let work = tempfile::Builder::new()
        .prefix("roster-hostile-")
        .tempdir()
        .unwrap();
    let token = format!(
        "hostile-{}",
        work.path().file_name().unwrap().to_string_lossy()
    );
    let outside = work.path().join("outside").join("escaped.txt");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    let daemon_marker = work.path().join("outside").join("daemon-alive");
    let course_test = course
        .root()
        .join("exercises/00-passes/tests/test_passes.py");
    let hidden = course
        .root()
        .join("solutions/00-passes/tests_hidden/test_hidden.py");
    assert!(hidden.is_file());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    let constants = format!(
        "const TOKEN: &str = {token:?};\nconst OUTSIDE: &str = {:?};\nconst COURSE_TEST: &str = {:?};\nconst ADDRESS: &str = \"{address}\";\n{NATIVE}",
        outside.display().to_string(),
        course_test.display().to_string(),
    );
    // At most 600 × 0.1 s: the daemon ends by itself if nothing kills it.
    let daemon = format!(
        "i=0; while [ $i -lt 600 ]; do echo alive > {}; i=$((i+1)); sleep 0.1; done",
        daemon_marker.display()
    );
    let escape = format!(
        r#"{constants}
static ONCE: std::sync::Once = std::sync::Once::new();

fn escape() {{
    let _ = std::fs::write(OUTSIDE, "escaped");
    let _ = std::fs::write(COURSE_TEST, "def test_add():\n    pass\n");
    let _ = std::net::TcpStream::connect_timeout(
        &ADDRESS.parse().unwrap(),
        std::time::Duration::from_secs(2),
    );
    unsafe {{
        let child = fork();
        if child == 0 {{
            setsid();
            if fork() == 0 {{
                exec_sh({daemon:?});
            }}
            _exit(0);
        }}
        if child > 0 {{
            let mut status = 0;
            waitpid(child, &mut status, 0);
        }}
    }}
}}

#[pyo3::pymodule]
mod fx_passes {{
    use pyo3::prelude::*;

    #[pyfunction]
    fn add(a: i64, b: i64) -> i64 {{
        super::ONCE.call_once(super::escape);
        a + b
    }}
}}
"#
    );
    let fork_bomb = format!(
        r#"{constants}
static ONCE: std::sync::Once = std::sync::Once::new();

fn bomb() {{
    for _ in 0..200 {{
        match unsafe {{ fork() }} {{
            0 => exec_sh("sleep 60"),
            pid if pid < 0 => break,
            _ => {{}}
        }}
    }}
}}

#[pyo3::pymodule]
mod fx_passes {{
    use pyo3::prelude::*;

    #[pyfunction]
    fn add(a: i64, b: i64) -> i64 {{
        super::ONCE.call_once(super::bomb);
        a + b
    }}
}}
"#
    );
    let steal = format!(
        r#"const STOLEN: &str = include_str!({:?});

#[pyo3::pymodule]
mod fx_wrong {{
    use pyo3::prelude::*;

    #[pyfunction]
    fn double(x: i64) -> i64 {{
        x * 2 + super::STOLEN.len() as i64 * 0
    }}
}}
"#,
        hidden.display().to_string()
    );
    let memory_bomb = r#"
#[pyo3::pymodule]
mod fx_crash {
    use pyo3::prelude::*;

    #[pyfunction]
    fn fine() -> u32 {
        7
    }

    #[pyfunction]
    fn pairs() -> u32 {
        // 3 GiB, every byte written: past the 2 GiB limit.
        let memory = vec![1u8; 3 << 30];
        std::hint::black_box(&memory);
        0
    }
}
"#
    .to_string();
    let at_exit = format!(
        r#"{constants}
extern "C" fn at_exit() {{
    use std::io::{{Read, Write}};
    // After pytest is done with its capture: the process's own stdin and stderr.
    let mut line = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut line);
    let block = vec![b'x'; 1 << 20];
    let mut stderr = std::io::stderr();
    for _ in 0..20 {{
        let _ = stderr.write_all(&block);
    }}
    unsafe {{ abort() }}
}}

#[pyo3::pymodule]
mod fx_loops {{
    use pyo3::prelude::*;

    #[pyfunction]
    fn converge(x: f64) -> f64 {{
        unsafe {{ super::atexit(super::at_exit) }};
        x.sqrt()
    }}
}}
"#
    );
    let exit_in_init = format!(
        r#"{constants}
#[pyo3::pymodule]
mod fx_exits {{
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(_module: &Bound<'_, PyModule>) -> PyResult<()> {{
        unsafe {{ super::_exit(0) }}
    }}

    #[pyfunction]
    fn answer() -> u32 {{
        42
    }}
}}
"#
    );
    let subs = work.path().join("submissions");
    student(course.root(), &subs.join("wild"), &[("00-passes", escape)]);
    student(
        course.root(),
        &subs.join("bombs"),
        &[
            ("00-passes", fork_bomb),
            ("01-wrong", steal),
            ("04-crash", memory_bomb),
            ("05-loops", at_exit),
            ("06-exits", exit_in_init),
        ],
    );
    let submissions_before = snapshot(&subs);
    let course_before = snapshot(course.root());

    let out = work.path().join("out");
    let logs = work.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let started = Instant::now();
    let mut child = course
        .command(&grade_all(&subs, &out, &["--jobs", "2"]))
        // Kept open and never written: a read of an inherited stdin would wait for ever.
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(logs.join("stdout")).unwrap())
        .stderr(std::fs::File::create(logs.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            panic!("grade-all took more than 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        std::fs::read_to_string(logs.join("stdout")).unwrap(),
        std::fs::read_to_string(logs.join("stderr")).unwrap()
    );
    assert_eq!(status.code(), Some(0), "every student graded: {output}");

    // Nothing survives: not the daemon, not a sleeper of the fork bomb.
    assert!(
        survivors(&token).is_empty(),
        "left running: {:?}",
        survivors(&token)
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(!daemon_marker.exists(), "the daemon reached the outside");
    // Nothing outside the scratch folders changed; nothing connected.
    assert!(!outside.exists(), "a write outside the scratch folder");
    assert_eq!(
        snapshot(&subs),
        submissions_before,
        "the submissions are untouched"
    );
    assert_eq!(
        snapshot(course.root()),
        course_before,
        "the course is untouched"
    );
    match listener.accept() {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("a connection arrived: {other:?}"),
    }

    let grades: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    let exercise = |id: &str, index: usize| -> serde_json::Value {
        let student = grades["students"]
            .as_array()
            .unwrap()
            .iter()
            .find(|student| student["id"] == id)
            .unwrap_or_else(|| panic!("no {id}: {grades}"));
        assert_eq!(student["status"], "graded", "{id}: {student}");
        student["exercises"][index].clone()
    };
    let status =
        |id: &str, index: usize| exercise(id, index)["status"].as_str().unwrap().to_string();
    let points = |id: &str, index: usize| exercise(id, index)["points"].as_f64().unwrap();
    // Exercises: 0 passes, 1 wrong, 2 crash (04), 3 loops (05), 4 exits (06).
    // wild: the escape attempts do not change add's answers (3 of the 4 tests, hidden ones
    // included, pass; as for everyone); a segfault; the deadline; a fake summary is no pass.
    assert_eq!(points("wild", 0), 4.5, "{}", exercise("wild", 0));
    assert_eq!(status("wild", 2), "crashed");
    assert_eq!(status("wild", 3), "timed_out");
    assert_eq!(status("wild", 4), "crashed");
    assert_eq!(points("wild", 4), 0.0, "{}", exercise("wild", 4));
    // bombs: the fork bomb's add still answers; the stolen file is not there to compile.
    assert_eq!(points("bombs", 0), 4.5, "{}", exercise("bombs", 0));
    assert_eq!(
        status("bombs", 1),
        "build_failed",
        "{}",
        exercise("bombs", 1)
    );
    assert_eq!(points("bombs", 1), 0.0);
    assert_eq!(status("bombs", 2), "crashed", "{}", exercise("bombs", 2));
    let flood = exercise("bombs", 3);
    assert_eq!(flood["status"], "crashed", "stdin did not block: {flood}");
    assert!(
        flood
            .to_string()
            .contains("more bytes of output were dropped"),
        "the flood was cut and said so: {flood}"
    );
    assert_eq!(status("bombs", 4), "crashed", "{}", exercise("bombs", 4));
    assert_eq!(points("bombs", 4), 0.0);
    // Nothing of the hidden test reaches a student's feedback.
    let hidden_text = std::fs::read_to_string(&hidden).unwrap();
    for id in ["wild", "bombs"] {
        let feedback =
            std::fs::read_to_string(out.join("feedback").join(format!("{id}.md"))).unwrap();
        for line in hidden_text.lines().filter(|line| line.contains("assert")) {
            assert!(!feedback.contains(line.trim()), "{id}: {feedback}");
        }
    }
}
