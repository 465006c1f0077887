//! `sandbox-exec` (hidden): run one program under a sealed worker's sandbox policy, with this
//! process's stdin, stdout and stderr. The sealed runner puts it before each worker command (its
//! `--launcher`); the worker's exit status becomes ours, and a worker killed by a signal kills us
//! with the same signal, so the runner reads the crash as if it had started the worker itself.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use grader::Workspace;

use super::roster::SandboxMode;
use crate::output;
use crate::ui;

#[derive(clap::Args)]
pub struct Args {
    /// required or best-effort
    #[arg(long, value_enum)]
    mode: SandboxMode,
    /// A folder the program may write (its scratch folder); repeatable.
    #[arg(long, value_name = "DIR")]
    writable: Vec<PathBuf>,
    /// CPU seconds the program may use.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The program and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

/// The sealed runner's `--launcher` for `mode`: this binary's `sandbox-exec` with the worker's
/// scratch folder writable; nothing (unsandboxed workers) for `off`.
pub fn launcher(mode: SandboxMode, seconds: u64) -> impl Fn(&Path) -> Vec<String> {
    let exe = std::env::current_exe()
        .map(|exe| exe.display().to_string())
        .unwrap_or_default();
    move |scratch: &Path| {
        if mode == SandboxMode::Off {
            return Vec::new();
        }
        vec![
            exe.clone(),
            "sandbox-exec".into(),
            "--mode".into(),
            mode.key().into(),
            "--seconds".into(),
            seconds.to_string(),
            "--writable".into(),
            scratch.display().to_string(),
            "--".into(),
        ]
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let workspace = Workspace::from_env(None);
    let policy = grader::sealed::worker_sandbox(
        &workspace,
        args.mode.grader_mode(),
        &args.writable,
        args.seconds,
    );
    let mut command = std::process::Command::new(&args.command[0]);
    command.args(&args.command[1..]);
    let status = match policy.exec(&command) {
        Ok(status) => status,
        Err(error) => {
            ui::error(&error.to_string());
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    if let Some(code) = status.code() {
        return Ok(ExitCode::from(code.clamp(0, 255) as u8));
    }
    Ok(ExitCode::from(died_of(&status)))
}

/// Die of the signal that ended the worker; the shell's `128 + signal` should that not work.
#[cfg(unix)]
fn died_of(status: &std::process::ExitStatus) -> u8 {
    let signal = std::os::unix::process::ExitStatusExt::signal(status).unwrap_or(9);
    if let Ok(signal) = nix::sys::signal::Signal::try_from(signal) {
        // Twice: for SIGSEGV and SIGBUS the first lands in std's stack-overflow handler, which
        // restores the default action and returns.
        let _ = nix::sys::signal::raise(signal);
        let _ = nix::sys::signal::raise(signal);
    }
    (128 + signal).clamp(0, 255) as u8
}

#[cfg(not(unix))]
fn died_of(_: &std::process::ExitStatus) -> u8 {
    output::GRADER_ERROR
}
