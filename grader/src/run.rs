//! Stage 4: run the exercise's pytest suite in a subprocess with our plugin and collect what the
//! plugin recorded. Results come back through a private file (one JSON record a line), never by
//! reading pytest's stdout; the file is read while the tests run, so the tests' verdict is known
//! before the leak hunt and the speed check end. The run has a deadline; at the deadline the whole
//! process group dies.
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use fs_err as fs;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::Serialize;

use crate::catalog::Exercise;
use crate::sandbox::{Sandbox, SandboxError, SandboxedChild};
use crate::toolchain::Toolchain;
use crate::wire::Record;
use crate::workspace::Workspace;

/// Whether a check beyond correctness runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// It runs.
    Run,
    /// It was switched off, for this reason.
    Off(OffReason),
}

/// Why a check was switched off: the UI words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OffReason {
    /// The user asked for a quicker run.
    Requested,
    /// A check on save: the speed check waits until the learner asks for it.
    OnSave,
    /// An untouched skeleton (course authors' `verify`): only its tests matter.
    Skeleton,
    /// A roster with sealed checks: the speed is timed once, by the sealed check, which is the
    /// one that counts (timing it in-process too cost 8 s of a 2-core machine per student).
    Sealed,
}

impl OffReason {
    /// Why the check did not run, for the one-line summary (junit.xml, grades.json).
    pub fn why(self) -> &'static str {
        match self {
            OffReason::Requested => "switched off on request",
            OffReason::OnSave => "not run on save",
            OffReason::Skeleton => "tests only for a skeleton",
            OffReason::Sealed => "timed by the sealed checks",
        }
    }
}

/// Which checks beyond correctness a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckPlan {
    /// The reference-leak hunt.
    pub leaks: Plan,
    /// The speed check.
    pub perf: Plan,
}

impl CheckPlan {
    /// Every check.
    pub const FULL: Self = Self {
        leaks: Plan::Run,
        perf: Plan::Run,
    };
}

/// Whether the observer of a run wants it to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop now: the result is no longer wanted.
    Stop,
}

/// What to run.
pub(crate) struct RunRequest<'a> {
    pub exercise: &'a Exercise,
    /// The folder holding the built extension module.
    pub module_dir: &'a Path,
    /// The exercise's public tests, plus hidden ones for instructors.
    pub tests_dirs: Vec<PathBuf>,
    pub plan: CheckPlan,
    pub full_tracebacks: bool,
    /// Wait for the measurement lock until the run's deadline, not the plugin's usual 30 s.
    pub patient_timing: bool,
    /// Run pytest in this sandbox (graders of submissions); `None`: directly.
    pub sandbox: Option<&'a Sandbox>,
}

/// Everything the plugin wrote, and how the process ended.
#[derive(Debug)]
pub struct RunOutcome {
    pub records: Vec<Record>,
    pub end: RunEnd,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunEnd {
    /// pytest finished and the plugin wrote its last record.
    Finished,
    /// The process ended before its results were complete: a signal, `os._exit`, an abort.
    Crashed {
        signal: Option<i32>,
        exit_code: Option<i32>,
    },
    /// Killed at the exercise's deadline.
    TimedOut { after_secs: u64 },
    /// Killed because the observer no longer wanted the result.
    Stopped,
}

impl RunOutcome {
    /// The test that had started but not finished when the process ended.
    pub fn running_test(&self) -> Option<&str> {
        let mut running = None;
        for record in &self.records {
            match record {
                Record::TestStart { nodeid } | Record::RerunStart { nodeid, .. } => {
                    running = Some(nodeid.as_str())
                }
                Record::LeakSummary(_) => running = None,
                Record::Test(test)
                    if Some(test.nodeid.as_str()) == running
                        && test.when != crate::wire::Phase::Setup =>
                {
                    running = None
                }
                _ => {}
            }
        }
        running
    }
}

/// The test process could not be started or watched: the grader's own failure.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot prepare the test run: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot start pytest ({python}): {source}")]
    Spawn {
        python: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
}

/// Run the request's tests against its built module. `on_record` sees every record as the plugin
/// writes it; [`Flow::Stop`] kills the run (its end is then [`RunEnd::Stopped`]).
pub(crate) fn run_tests(
    workspace: &Workspace,
    toolchain: &Toolchain,
    request: &RunRequest<'_>,
    on_record: &mut dyn FnMut(&Record) -> Flow,
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let exercise = request.exercise;
    let private = Scratch::new("lessongrader-")?;
    let results_path = private.path().join("results.jsonl");
    let config_path = private.path().join("config.json");
    let mut config = serde_json::json!({
        "results_path": results_path,
        "lock_path": workspace.measure_lock(),
        "exercise": {
            "id": exercise.id,
            "slug": exercise.slug,
            "module": exercise.module,
            "tests_dir": exercise.tests_dir(),
        },
        "leaks": leak_settings(exercise, request.plan.leaks == Plan::Run),
        "memory": memory_settings(exercise),
        // The memory check runs with the leak hunt: both are about memory, both are quick.
        "memory_enabled": request.plan.leaks == Plan::Run,
        "perf": exercise.perf,
        "perf_enabled": request.plan.perf == Plan::Run,
    });
    if request.patient_timing {
        config["perf_lock_timeout"] = serde_json::json!(exercise.timeout_secs);
    }
    fs::write(
        &config_path,
        serde_json::to_vec_pretty(&config).expect("config serializes"),
    )?;
    // Created before pytest starts, so the reader never races the plugin's first write.
    fs::File::create(&results_path)?;

    let mut python_path = vec![
        request.module_dir.to_path_buf(),
        workspace.python_support.clone(),
    ];
    python_path.extend(request.tests_dirs.iter().cloned());
    let python_path = std::env::join_paths(python_path)
        .map_err(|error| RunError::Io(std::io::Error::other(error)))?;
    let stdout_path = private.path().join("stdout.txt");
    let stderr_path = private.path().join("stderr.txt");

    let mut command = Command::new(&toolchain.python);
    command
        .args([
            "-m",
            "pytest",
            "-p",
            "lessongrader.plugin",
            "-p",
            "no:cacheprovider",
            // No plugin from entry points (hypothesis's is the only one installed): `@given`
            // tests work without it (the differential tests word their own failures), and
            // pytest marks every module of an autoloaded plugin's package for assertion
            // rewriting, which PYTHONDONTWRITEBYTECODE keeps from being cached: each run that
            // imported hypothesis rewrote its ~75 modules again (1–2 s of exercise 7's check).
            "--disable-plugin-autoload",
            "-q",
            "--color=no",
        ])
        .arg(if request.full_tracebacks {
            "--tb=long"
        } else {
            "--tb=line"
        })
        .arg("--rootdir")
        .arg(&exercise.dir)
        .args(&request.tests_dirs)
        .current_dir(&exercise.dir)
        .env("PYTHONPATH", python_path)
        .env("LESSONGRADER_CONFIG", &config_path)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONFAULTHANDLER", "1")
        .env_remove("PYTEST_ADDOPTS");
    let stdout = fs::File::create(&stdout_path)?.into_parts().0;
    let stderr = fs::File::create(&stderr_path)?.into_parts().0;
    let mut child = match request.sandbox {
        // The plugin writes its records into the private folder.
        Some(sandbox) => Child::Sandboxed(Box::new(
            sandbox
                .clone()
                .writable(private.path())
                .spawn(&command, stdout, stderr)?,
        )),
        None => Child::Direct(
            command
                .stdin(Stdio::null())
                .stdout(stdout)
                .stderr(stderr)
                // Its own process group: at the deadline we kill pytest and everything it started.
                .process_group(0)
                .spawn()
                .map_err(|source| RunError::Spawn {
                    python: toolchain.python.clone(),
                    source,
                })?,
        ),
    };
    let _running = Running::register(child.running());
    let deadline = started + Duration::from_secs(exercise.timeout_secs);
    let mut results = RecordReader::open(&results_path)?;
    let mut records = Vec::new();
    let mut stopped = false;
    let mut timed_out = false;
    let status = loop {
        let exited = child.try_wait()?;
        // Read after the exit check: once the process is gone, this read sees everything it wrote.
        for record in results.read_new()? {
            if !stopped && on_record(&record) == Flow::Stop {
                stopped = true;
                child.kill();
            }
            records.push(record);
        }
        if let Some(status) = exited {
            break status;
        }
        if !stopped && !timed_out && Instant::now() >= deadline {
            timed_out = true;
            child.kill();
        }
        std::thread::sleep(POLL);
    };
    drop(_running);
    let finished = records
        .iter()
        .any(|record| matches!(record, Record::SessionFinish { .. }));
    let end = if stopped {
        RunEnd::Stopped
    } else if timed_out {
        RunEnd::TimedOut {
            after_secs: exercise.timeout_secs,
        }
    } else if status.signal().is_some() || !finished {
        RunEnd::Crashed {
            signal: status.signal(),
            exit_code: status.code(),
        }
    } else {
        RunEnd::Finished
    };
    Ok(RunOutcome {
        records,
        end,
        stdout: fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: fs::read_to_string(&stderr_path).unwrap_or_default(),
    })
}

/// How often a running test process is looked at: short next to pytest's own start (~0.2 s).
const POLL: Duration = Duration::from_millis(5);

/// Reads the results file as it grows, one complete line at a time.
struct RecordReader {
    file: fs::File,
    /// The start of a line the plugin has not finished writing yet.
    partial: Vec<u8>,
}

impl RecordReader {
    fn open(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: fs::File::open(path)?,
            partial: Vec::new(),
        })
    }

    /// The records completed since the last call. A line that is not a record (cut short by a
    /// dying process, or written by something other than the plugin) is skipped.
    fn read_new(&mut self) -> std::io::Result<Vec<Record>> {
        self.file.read_to_end(&mut self.partial)?;
        let Some(end) = self.partial.iter().rposition(|&byte| byte == b'\n') else {
            return Ok(Vec::new());
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        Ok(parse_lines(&complete))
    }
}

fn parse_lines(bytes: &[u8]) -> Vec<Record> {
    bytes
        .split(|&byte| byte == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

/// The `[[memory]]` cases as lessongrader.memory reads them: the input's size in bytes.
fn memory_settings(exercise: &Exercise) -> serde_json::Value {
    exercise
        .memory
        .iter()
        .map(|case| {
            serde_json::json!({
                "name": case.name,
                "call": case.call,
                "setup": case.setup,
                "input_bytes": case.input_bytes(),
                "hint": case.hint,
            })
        })
        .collect()
}

/// The `[leaks]` table, switched off when this run does not hunt leaks.
fn leak_settings(exercise: &Exercise, wanted: bool) -> serde_json::Value {
    let mut settings = serde_json::to_value(&exercise.leaks).expect("leak settings serialize");
    settings["enabled"] = serde_json::Value::Bool(wanted && exercise.leaks.enabled);
    settings
}

/// Every pytest run in progress: its process group, or minus the pid of a sandboxed run's outer
/// process (which takes the whole run with it). pytest has a group of its own so that a deadline
/// can kill everything it started; the same groups must die when the user interrupts us, or a
/// test stuck in an endless loop would outlive `cargo xtask`. Several runs are in progress when
/// a roster is graded by parallel workers.
static RUNNING: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// The scratch folders in use, and whether an interrupt has removed them (then no new one is
/// made: the process is about to exit).
static SCRATCH: Mutex<ScratchFolders> = Mutex::new(ScratchFolders {
    paths: Vec::new(),
    interrupted: false,
});

struct ScratchFolders {
    paths: Vec<PathBuf>,
    interrupted: bool,
}

/// A lock that a panicking holder did not spoil: the lists stay usable.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One entry of [`RUNNING`], removed when the run has ended.
pub(crate) struct Running(i32);

impl Running {
    pub(crate) fn register(running: i32) -> Self {
        locked(&RUNNING).push(running);
        Self(running)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = locked(&RUNNING);
        if let Some(index) = running.iter().position(|&id| id == self.0) {
            running.swap_remove(index);
        }
    }
}

/// A temporary folder (`$TMPDIR/<prefix>XXXX`) that is removed when it drops, and also when the
/// user interrupts us: an interrupt ends the process without unwinding, so no `Drop` runs then.
#[derive(Debug)]
pub struct Scratch {
    dir: Option<tempfile::TempDir>,
}

impl Scratch {
    /// A new scratch folder; refused once an interrupt has begun.
    pub fn new(prefix: &str) -> std::io::Result<Self> {
        let mut folders = locked(&SCRATCH);
        if folders.interrupted {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "interrupted: no new scratch folder",
            ));
        }
        // Made while the list is locked, so an interrupt either sees it or comes before it.
        let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
        folders.paths.push(dir.path().to_path_buf());
        Ok(Self { dir: Some(dir) })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("present until dropped").path()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let mut folders = locked(&SCRATCH);
        let path = self.path().to_path_buf();
        folders.paths.retain(|kept| *kept != path);
        // Removed while the list is locked, so an interrupt never removes it at the same time.
        drop(self.dir.take());
    }
}

/// Kill every pytest run in progress, then remove every scratch folder. Safe to call from a
/// signal handler's thread; the process is expected to exit right after.
pub(crate) fn stop_running_tests() {
    let running = std::mem::take(&mut *locked(&RUNNING));
    for running in running {
        if running > 0 {
            kill_group(running as u32);
        } else {
            let _ = nix::sys::signal::kill(Pid::from_raw(-running), Signal::SIGKILL);
        }
    }
}

/// [`stop_running_tests`], and every scratch folder removed; no new one is made afterwards.
pub(crate) fn interrupt() {
    stop_running_tests();
    let mut folders = locked(&SCRATCH);
    folders.interrupted = true;
    for path in std::mem::take(&mut folders.paths) {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// pytest, started directly or in the sandbox.
enum Child {
    Direct(std::process::Child),
    Sandboxed(Box<SandboxedChild>),
}

impl Child {
    /// What [`RUNNING`] holds for it.
    fn running(&self) -> i32 {
        match self {
            Self::Direct(child) => child.id() as i32,
            Self::Sandboxed(child) => -(child.id() as i32),
        }
    }

    fn try_wait(&mut self) -> Result<Option<std::process::ExitStatus>, RunError> {
        match self {
            Self::Direct(child) => Ok(child.try_wait()?),
            Self::Sandboxed(child) => Ok(child.try_wait()?),
        }
    }

    /// Kill it and everything it started.
    fn kill(&mut self) {
        match self {
            Self::Direct(child) => kill_group(child.id()),
            Self::Sandboxed(child) => child.kill(),
        }
    }
}

fn kill_group(pid: u32) {
    // The group may be gone already; nothing else to do then.
    let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);
}

/// The signal's name for messages: `SIGSEGV`.
pub(crate) fn signal_name(signal: i32) -> String {
    Signal::try_from(signal)
        .map(|signal| signal.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {signal}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_records_and_skips_a_truncated_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        std::fs::write(&path, "").unwrap();
        let mut reader = RecordReader::open(&path).unwrap();
        let append = |text: &str| {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            file.write_all(text.as_bytes()).unwrap();
        };
        append("{\"kind\":\"session_start\",\"python\":\"3.11.7\",\"pid\":7}\n{\"kind\":\"test_st");
        assert_eq!(reader.read_new().unwrap().len(), 1);
        append("art\",\"nodeid\":\"t.py::a\"}\n{\"kind\":\"test\",\"nod");
        let mut records = reader.read_new().unwrap();
        assert_eq!(records.len(), 1, "the half-written line waits for its end");
        records.insert(
            0,
            Record::SessionStart {
                python: "3.11.7".into(),
                pid: 7,
            },
        );
        let outcome = RunOutcome {
            records,
            end: RunEnd::Crashed {
                signal: Some(11),
                exit_code: None,
            },
            stdout: String::new(),
            stderr: String::new(),
        };
        assert_eq!(outcome.running_test(), Some("t.py::a"));
    }

    #[test]
    fn lines_that_are_not_records_are_skipped() {
        let records = parse_lines(b"{\"kind\":\"from_the_future\",\"x\":1}\nnot json\n{\"kind\":\"test_start\",\"nodeid\":\"a\"}\n");
        assert_eq!(records, vec![Record::TestStart { nodeid: "a".into() }]);
    }

    #[test]
    fn signals_are_named() {
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(6), "SIGABRT");
        assert_eq!(signal_name(99), "signal 99");
    }
}
