//! Stage 4: run the exercise's pytest suite in a subprocess with our plugin and collect what the
//! plugin recorded. Results come back through a private file (one JSON record a line), never by
//! reading pytest's stdout. The run has a deadline; at the deadline the whole process group dies.
use std::fs::File;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

use crate::catalog::Exercise;
use crate::toolchain::Toolchain;
use crate::workspace::Workspace;

/// What the run may do beyond correctness.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    pub leaks: bool,
    pub perf: bool,
}

/// Everything the plugin wrote, and how the process ended.
#[derive(Debug)]
pub struct RunOutcome {
    pub records: Vec<Record>,
    pub end: RunEnd,
    pub stdout: String,
    pub stderr: String,
    pub seconds: f64,
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
}

impl RunOutcome {
    /// The test that had started but not finished when the process ended.
    pub fn running_test(&self) -> Option<&str> {
        let mut running = None;
        for record in &self.records {
            match record {
                Record::TestStart { nodeid } => running = Some(nodeid.as_str()),
                Record::Test(test)
                    if Some(test.nodeid.as_str()) == running && test.when != "setup" =>
                {
                    running = None
                }
                _ => {}
            }
        }
        running
    }
}

/// One line of the results file. The plugin (`grader/python/lessongrader/plugin.py`) writes them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    SessionStart {
        python: String,
    },
    CollectError {
        nodeid: String,
        exception: Option<String>,
        message: String,
    },
    TestStart {
        nodeid: String,
    },
    Test(TestRecord),
    Leak(LeakRecord),
    LeakSummary {
        #[serde(default)]
        tests_hunted: u32,
        #[serde(default)]
        seconds: f64,
    },
    Perf(PerfRecord),
    PerfSkipped {
        reason: String,
    },
    SessionFinish {
        exitstatus: i32,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct TestRecord {
    pub nodeid: String,
    pub name: String,
    pub file: String,
    pub line: u32,
    pub when: String,
    pub outcome: String,
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub exception: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub failing_line: Option<u32>,
    #[serde(default)]
    pub statement: Option<String>,
    #[serde(default)]
    pub panic: Option<PanicSite>,
    #[serde(default)]
    pub comparison: Option<Comparison>,
    #[serde(default)]
    pub leak: Option<LeakRecord>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PanicSite {
    pub message: String,
    pub todo: bool,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub column: Option<u32>,
}

/// Both sides of a failed `assert actual == expected`, rendered by the plugin.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Comparison {
    pub actual: String,
    pub expected: String,
    pub actual_type: String,
    pub expected_type: String,
    /// Both sides are `str`: diff the text itself, not its repr.
    pub text: bool,
    #[serde(default)]
    pub actual_len: Option<usize>,
    #[serde(default)]
    pub expected_len: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct LeakRecord {
    #[serde(default)]
    pub test: String,
    #[serde(default)]
    pub call: String,
    pub leak_kind: String,
    #[serde(default)]
    pub per_call: f64,
    #[serde(default)]
    pub calls: u64,
    pub message: String,
    #[serde(default)]
    pub hint: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct PerfRecord {
    pub case: String,
    pub status: String,
    #[serde(default)]
    pub speedup: Option<f64>,
    pub threshold: f64,
    #[serde(default)]
    pub min_ratio: Option<f64>,
    #[serde(default)]
    pub max_ratio: Option<f64>,
    #[serde(default)]
    pub pairs: u32,
    #[serde(default)]
    pub retried: bool,
    #[serde(default)]
    pub timer: String,
    #[serde(default)]
    pub seconds: f64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub hint: Option<String>,
}

#[derive(Debug)]
pub struct RunError(pub String);

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RunError {}

/// Run `tests_dirs` (the exercise's public tests, plus hidden ones for instructors) against the
/// module built in `module_dir`.
pub fn run_tests(
    workspace: &Workspace,
    toolchain: &Toolchain,
    exercise: &Exercise,
    module_dir: &Path,
    tests_dirs: &[PathBuf],
    options: RunOptions,
    full_tracebacks: bool,
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let private = tempfile::Builder::new()
        .prefix("lessongrader-")
        .tempdir()
        .map_err(|e| RunError(format!("cannot create a temporary directory: {e}")))?;
    let results_path = private.path().join("results.jsonl");
    let config_path = private.path().join("config.json");
    let config = serde_json::json!({
        "results_path": results_path,
        "lock_path": workspace.measure_lock(),
        "exercise": {
            "id": exercise.id,
            "slug": exercise.slug,
            "module": exercise.module,
            "tests_dir": exercise.tests_dir(),
        },
        "leaks": leak_settings(exercise, options.leaks),
        "perf": exercise.perf,
        "perf_enabled": options.perf,
    });
    std::fs::write(
        &config_path,
        serde_json::to_vec_pretty(&config).expect("config serializes"),
    )
    .map_err(|e| RunError(format!("cannot write {}: {e}", config_path.display())))?;

    let mut python_path = vec![module_dir.to_path_buf(), workspace.python_support.clone()];
    python_path.extend(tests_dirs.iter().cloned());
    let python_path = std::env::join_paths(python_path).map_err(|e| RunError(e.to_string()))?;
    let stdout_path = private.path().join("stdout.txt");
    let stderr_path = private.path().join("stderr.txt");
    let create = |path: &Path| {
        File::create(path).map_err(|e| RunError(format!("cannot create {}: {e}", path.display())))
    };

    let mut command = Command::new(&toolchain.python);
    command
        .args([
            "-m",
            "pytest",
            "-p",
            "lessongrader.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "--color=no",
        ])
        .arg(if full_tracebacks {
            "--tb=long"
        } else {
            "--tb=line"
        })
        .arg("--rootdir")
        .arg(&exercise.dir)
        .args(tests_dirs)
        .current_dir(&exercise.dir)
        .env("PYTHONPATH", python_path)
        .env("LESSONGRADER_CONFIG", &config_path)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONFAULTHANDLER", "1")
        .env_remove("PYTEST_ADDOPTS")
        .stdin(Stdio::null())
        .stdout(create(&stdout_path)?)
        .stderr(create(&stderr_path)?)
        // Its own process group: at the deadline we kill pytest and everything it started.
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| RunError(format!("cannot start pytest: {e}")))?;
    RUNNING_GROUP.store(child.id() as i32, Ordering::SeqCst);
    let deadline = Duration::from_secs(exercise.timeout_secs);
    let status = child
        .wait_timeout(deadline)
        .map_err(|e| RunError(format!("waiting for pytest: {e}")))?;
    let timed_out = status.is_none();
    let status = match status {
        Some(status) => status,
        None => {
            kill_group(child.id());
            child
                .wait()
                .map_err(|e| RunError(format!("waiting for pytest: {e}")))?
        }
    };
    RUNNING_GROUP.store(0, Ordering::SeqCst);
    let records = read_records(&results_path);
    let finished = records
        .iter()
        .any(|record| matches!(record, Record::SessionFinish { .. }));
    let end = if timed_out {
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
        stdout: std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The `[leaks]` table, switched off when the user asked for `--no-leaks`.
fn leak_settings(exercise: &Exercise, wanted: bool) -> serde_json::Value {
    let mut settings = serde_json::to_value(&exercise.leaks).expect("leak settings serialize");
    settings["enabled"] = serde_json::Value::Bool(wanted && exercise.leaks.enabled);
    settings
}

/// The process group of the pytest run in progress (0: none). pytest has a group of its own so
/// that a deadline can kill everything it started; the same group must die when the user
/// interrupts us, or a test stuck in an endless loop would outlive `cargo xtask`.
static RUNNING_GROUP: AtomicI32 = AtomicI32::new(0);

/// Kill the pytest run in progress, if any. Safe to call from a signal handler thread.
pub fn stop_running_tests() {
    let group = RUNNING_GROUP.swap(0, Ordering::SeqCst);
    if group > 0 {
        kill_group(group as u32);
    }
}

fn kill_group(pid: u32) {
    // SAFETY: killpg only sends a signal; the group id is the child's pid (process_group(0)).
    unsafe {
        libc::killpg(pid as libc::pid_t, libc::SIGKILL);
    }
}

/// Parse the results file. A line cut short by a dying process is skipped.
pub fn read_records(path: &Path) -> Vec<Record> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The signal's name for messages: `SIGSEGV`.
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGBUS => "SIGBUS".into(),
        libc::SIGFPE => "SIGFPE".into(),
        libc::SIGILL => "SIGILL".into(),
        libc::SIGKILL => "SIGKILL".into(),
        libc::SIGTERM => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_records_and_skips_a_truncated_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        std::fs::write(
            &path,
            "{\"kind\":\"session_start\",\"python\":\"3.11.7\"}\n{\"kind\":\"test_start\",\"nodeid\":\"t.py::a\"}\n{\"kind\":\"test\",\"nod",
        )
        .unwrap();
        let records = read_records(&path);
        assert_eq!(records.len(), 2);
        let outcome = RunOutcome {
            records,
            end: RunEnd::Crashed {
                signal: Some(11),
                exit_code: None,
            },
            stdout: String::new(),
            stderr: String::new(),
            seconds: 0.0,
        };
        assert_eq!(outcome.running_test(), Some("t.py::a"));
    }

    #[test]
    fn unknown_record_kinds_are_tolerated() {
        let record: Record =
            serde_json::from_str("{\"kind\":\"from_the_future\",\"x\":1}").unwrap();
        assert!(matches!(record, Record::Unknown));
    }
}
