//! The sandbox where Linux's namespaces and landlock do not exist (macOS): no protection is
//! available, so `required` refuses with the reason, and `best-effort` runs the program plainly
//! (stdin empty, its own process group, the deadline) and records that nothing was in force.
use std::collections::BTreeSet;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{InForce, Missing, Protection, Sandbox, SandboxError, Support};

/// Nothing is available off Linux.
pub fn probe() -> &'static Support {
    static SUPPORT: OnceLock<Support> = OnceLock::new();
    SUPPORT.get_or_init(|| Support {
        available: BTreeSet::new(),
        missing: Protection::ALL
            .into_iter()
            .map(|protection| Missing {
                protection,
                reason: format!(
                    "the sandbox uses Linux's namespaces, landlock and rlimits; this is {}",
                    std::env::consts::OS
                ),
                fix: "grade on Linux: a Linux machine, a VM, or a container allowed to make \
                      namespaces (Docker: `--security-opt seccomp=unconfined --security-opt \
                      apparmor=unconfined`)"
                    .to_string(),
            })
            .collect(),
    })
}

/// See the Linux version.
#[derive(Debug)]
pub struct SandboxedOutput {
    /// The program's output.
    pub output: Output,
    /// Killed at the deadline.
    pub timed_out: bool,
    /// Always 0 here: nothing is capped.
    pub dropped_bytes: u64,
    /// Nothing.
    pub in_force: InForce,
}

/// A plainly run program.
pub struct SandboxedChild {
    child: std::process::Child,
    started: Instant,
    deadline: Duration,
    timed_out: bool,
    in_force: InForce,
}

impl SandboxedChild {
    /// Its process id (and process group).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Nothing.
    pub fn in_force(&self) -> &InForce {
        &self.in_force
    }

    /// True once the deadline has killed it.
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// Kill its process group.
    pub fn kill(&mut self) {
        let group = nix::unistd::Pid::from_raw(-(self.child.id() as i32));
        let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
    }

    /// Its status once ended; kills it at the deadline.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>, SandboxError> {
        if !self.timed_out && self.started.elapsed() >= self.deadline {
            self.timed_out = true;
            self.kill();
        }
        Ok(self.child.try_wait()?)
    }

    /// Wait for the end (or the deadline).
    pub fn wait(&mut self) -> Result<ExitStatus, SandboxError> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Nothing is capped here.
    pub fn dropped_bytes(&self) -> u64 {
        0
    }
}

impl Sandbox {
    /// Run `command` to its end; see the Linux version.
    pub fn output(&self, command: &Command) -> Result<SandboxedOutput, SandboxError> {
        let in_force = self.plan()?;
        let output = copy_of(command)
            .stdin(Stdio::null())
            .process_group(0)
            .output()?;
        Ok(SandboxedOutput {
            output,
            timed_out: false,
            dropped_bytes: 0,
            in_force,
        })
    }

    /// Start `command`; see the Linux version.
    pub fn spawn(
        &self,
        command: &Command,
        stdout: File,
        stderr: File,
    ) -> Result<SandboxedChild, SandboxError> {
        let in_force = self.plan()?;
        let child = copy_of(command)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()?;
        Ok(SandboxedChild {
            child,
            started: Instant::now(),
            deadline: self.limits.deadline,
            timed_out: false,
            in_force,
        })
    }
}

impl Sandbox {
    /// Run `command` with this process's stdin, stdout and stderr; see the Linux version.
    pub fn exec(&self, command: &Command) -> Result<std::process::ExitStatus, SandboxError> {
        self.plan()?;
        Ok(copy_of(command).process_group(0).status()?)
    }
}

fn copy_of(command: &Command) -> Command {
    let mut copy = Command::new(command.get_program());
    copy.args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => copy.env(key, value),
            None => copy.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        copy.current_dir(dir);
    }
    copy
}
