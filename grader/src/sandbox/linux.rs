//! The sandbox on Linux, through `hakoniwa`: a container per run (mount, PID and network
//! namespaces; a user namespace unless the grader is root, in which case the run's programs run as
//! `nobody` so that the process limit counts), landlock rules, rlimits, output read through capped
//! pipes, and a deadline.
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Output};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hakoniwa::landlock::{CompatMode, FsAccess, Resource, Ruleset};
use hakoniwa::{Container, Namespace, Rlimit};

use super::{InForce, Limits, MemoryLimit, Missing, Protection, Sandbox, SandboxError, Support};

/// The system folders every run sees read-only (those that exist).
const SYSTEM: [&str; 7] = ["/bin", "/etc", "/lib", "/lib32", "/lib64", "/sbin", "/usr"];

/// Who the run's programs are when the grader is root: a user with no files of its own.
const UNPRIVILEGED: &str = "nobody";

/// The first user id of [`Sandbox::private_user`] runs (plus the launcher's process id).
const PRIVATE_UIDS: u32 = 1_000_000;

/// util-linux's tool that a root grader's runs start with, to become [`UNPRIVILEGED`].
const SETPRIV: &str = "setpriv";

/// How long the output of a finished run may still take to arrive.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// What this kernel allows; probed once per process by small trial runs.
pub fn probe() -> &'static Support {
    static SUPPORT: OnceLock<Support> = OnceLock::new();
    SUPPORT.get_or_init(probe_now)
}

fn probe_now() -> Support {
    let mut available = BTreeSet::from([Protection::Limits]);
    let mut missing = Vec::new();
    let cannot_drop_root = running_as_root()
        && (find_program(OsStr::new(SETPRIV), None).is_err() || unprivileged_ids().is_err());
    let namespaces = if cannot_drop_root {
        Err(format!(
            "the grader runs as root, and without `{SETPRIV}` (util-linux) and a user \
             `{UNPRIVILEGED}` its runs would keep root's powers"
        ))
    } else {
        trial(namespaces_container())
    };
    match namespaces {
        Ok(()) => available.extend([
            Protection::Filesystem,
            Protection::Network,
            Protection::ProcessTree,
        ]),
        Err(error) => {
            let (reason, fix) = if cannot_drop_root {
                (
                    error,
                    format!(
                        "install util-linux (it has `{SETPRIV}`), or run the grader as an \
                         ordinary user"
                    ),
                )
            } else {
                namespaces_missing(&error)
            };
            for protection in [
                Protection::Filesystem,
                Protection::Network,
                Protection::ProcessTree,
            ] {
                missing.push(Missing {
                    protection,
                    reason: reason.clone(),
                    fix: fix.clone(),
                });
            }
        }
    }
    let mut landlock = Container::empty();
    let mut rules = Ruleset::default();
    rules.restrict(Resource::FS, CompatMode::Enforce);
    rules.allow_path("/", FsAccess::R | FsAccess::X);
    landlock.landlock_ruleset(rules);
    match trial(landlock) {
        Ok(()) => {
            available.insert(Protection::Landlock);
        }
        Err(error) => missing.push(Missing {
            protection: Protection::Landlock,
            reason: format!("landlock is not available ({error})"),
            fix: "use Linux 5.13 or newer built with CONFIG_SECURITY_LANDLOCK=y, with `landlock` \
                  in the kernel's `lsm=` boot parameter (e.g. \
                  lsm=landlock,lockdown,yama,integrity,apparmor,bpf in GRUB_CMDLINE_LINUX)"
                .to_string(),
        }),
    }
    Support { available, missing }
}

/// Run `true` in `container`; the error says what the kernel refused.
fn trial(container: Container) -> Result<(), String> {
    let program = find_program(OsStr::new("true"), None).map_err(|error| error.to_string())?;
    let program = utf8(&program).map_err(|error| error.to_string())?;
    let null = || File::open("/dev/null");
    let output = container
        .command(&program)
        .stdin(null().map_err(|error| error.to_string())?)
        .stdout(hakoniwa::Stdio::piped())
        .stderr(hakoniwa::Stdio::piped())
        .output()
        .map_err(|error| error.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
        Err(if said.is_empty() {
            output.status.reason
        } else {
            said
        })
    }
}

fn running_as_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Mount, PID and network namespaces; also a user namespace when the grader is not root (root
/// needs none, and its own would make the process limit count nothing).
fn namespaces_container() -> Container {
    let mut container = Container::empty();
    container
        .unshare(Namespace::Mount)
        .unshare(Namespace::Pid)
        .unshare(Namespace::Network);
    if !running_as_root() {
        container
            .unshare(Namespace::User)
            .uidmap(nix::unistd::getuid().as_raw())
            .gidmap(nix::unistd::getgid().as_raw());
    }
    for system in SYSTEM {
        let path = Path::new(system);
        if path.is_symlink() {
            if let Ok(target) = std::fs::read_link(path) {
                container.symlink(&target.to_string_lossy(), system);
            }
        } else if path.is_dir() {
            container.bindmount_ro(system, system);
        }
    }
    container.procfsmount("/proc").devfsmount("/dev");
    container
}

/// Which switch keeps user namespaces off, and how to turn it on.
fn namespaces_missing(error: &str) -> (String, String) {
    let setting = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|value| value.trim().to_string())
    };
    if setting("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        return (
            format!(
                "AppArmor forbids unprivileged user namespaces \
                 (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 23.10 and later): {error}"
            ),
            "`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0` (until reboot; a file \
             in /etc/sysctl.d/ keeps it), or an AppArmor profile allowing `userns,` for the \
             grader, or run the grader as root"
                .to_string(),
        );
    }
    if setting("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return (
            format!(
                "unprivileged user namespaces are switched off \
                 (kernel.unprivileged_userns_clone=0): {error}"
            ),
            "`sudo sysctl kernel.unprivileged_userns_clone=1`, or run the grader as root"
                .to_string(),
        );
    }
    if setting("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return (
            format!("user namespaces are switched off (user.max_user_namespaces=0): {error}"),
            "`sudo sysctl user.max_user_namespaces=15000`, or run the grader as root".to_string(),
        );
    }
    (
        format!("the kernel refused new namespaces: {error}"),
        "in a container, allow namespaces (Docker: `--security-opt seccomp=unconfined \
         --security-opt apparmor=unconfined`, or `--privileged`); elsewhere use a kernel with \
         user namespaces (CONFIG_USER_NS=y)"
            .to_string(),
    )
}

/// A sandboxed program's captured output, how it ended, and what protected it.
#[derive(Debug)]
pub struct SandboxedOutput {
    /// As `std::process::Command::output` gives it; stderr ends with a note when output was
    /// dropped or the deadline killed the run.
    pub output: Output,
    /// Killed at the deadline.
    pub timed_out: bool,
    /// Bytes of stdout and stderr dropped past the cap.
    pub dropped_bytes: u64,
    /// The protections the run had.
    pub in_force: InForce,
}

/// A sandboxed program while it runs. The thread that spawned it must outlive it: Linux's
/// parent-death signal, which ties the run to the grader, follows the spawning thread.
pub struct SandboxedChild {
    child: hakoniwa::Child,
    started: Instant,
    deadline: Duration,
    timed_out: bool,
    killed: bool,
    status: Option<ExitStatus>,
    copies: Vec<Capture>,
    in_force: InForce,
    /// The run's private folder (its `/tmp`, the covers of unreadable paths); removed at the end.
    _run_dir: crate::run::Scratch,
}

impl SandboxedChild {
    /// The process id of the run's outer process (killing it ends the whole run).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The protections the run has.
    pub fn in_force(&self) -> &InForce {
        &self.in_force
    }

    /// True once the deadline has killed it.
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// Kill everything the run started: its outer process, and the first process of its PID
    /// namespace (whose end ends every other one).
    pub fn kill(&mut self) {
        if self.status.is_none() {
            self.killed = true;
            let outer = self.child.id() as i32;
            for child in children_of(outer) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(child),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            let _ = self.child.kill();
        }
    }

    /// Its exit status once it has ended (its output copied to the end); kills it at the deadline.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>, SandboxError> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        if !self.timed_out && self.started.elapsed() >= self.deadline {
            self.timed_out = true;
            self.kill();
        }
        let status = match self.child.try_wait() {
            Ok(Some(status)) => status,
            Ok(None) => return Ok(None),
            Err(error) => return Err(SandboxError::Setup(error.to_string())),
        };
        let status = self.exit_status(&status)?;
        let grace = Instant::now() + DRAIN_GRACE;
        for copy in &mut self.copies {
            copy.finish(grace, self.timed_out.then_some(self.deadline));
        }
        self.status = Some(status);
        Ok(Some(status))
    }

    /// Wait for the end (or the deadline).
    pub fn wait(&mut self) -> Result<ExitStatus, SandboxError> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(status);
            }
            std::thread::sleep(POLL);
        }
    }

    /// Bytes dropped past the output cap so far.
    pub fn dropped_bytes(&self) -> u64 {
        self.copies.iter().map(|copy| copy.dropped).sum()
    }

    fn exit_status(&self, status: &hakoniwa::ExitStatus) -> Result<ExitStatus, SandboxError> {
        if let Some(code) = status.exit_code {
            return Ok(ExitStatus::from_raw((code & 0xff) << 8));
        }
        if self.killed {
            return Ok(ExitStatus::from_raw(libc_sigkill()));
        }
        if status.code > 128 && status.reason.contains("signal") {
            return Ok(ExitStatus::from_raw(status.code - 128));
        }
        Err(SandboxError::Setup(status.reason.clone()))
    }
}

/// The processes whose parent is `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&candidate| {
            std::fs::read_to_string(format!("/proc/{candidate}/stat")).is_ok_and(|stat| {
                // pid (comm) state ppid …: comm may hold spaces and parentheses.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|ppid| ppid.parse::<i32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

fn libc_sigkill() -> i32 {
    nix::sys::signal::Signal::SIGKILL as i32
}

const POLL: Duration = Duration::from_millis(5);

/// One of stdout or stderr, copied from the run's pipe into a sink up to the cap; the rest is
/// read and dropped so that the run never blocks on a full pipe.
struct Capture {
    done: mpsc::Receiver<(Box<dyn Write + Send>, u64)>,
    thread: Option<JoinHandle<()>>,
    dropped: u64,
    sink: Option<Box<dyn Write + Send>>,
}

impl Capture {
    fn start(mut from: std::io::PipeReader, mut to: Box<dyn Write + Send>, cap: u64) -> Self {
        let (sender, done) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut kept = 0u64;
            let mut dropped = 0u64;
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let read = match from.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(read) => read,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let keep = (cap.saturating_sub(kept)).min(read as u64) as usize;
                if keep > 0 && to.write_all(&buffer[..keep]).is_err() {
                    break;
                }
                kept += keep as u64;
                dropped += (read - keep) as u64;
            }
            let _ = sender.send((to, dropped));
        });
        Self {
            done,
            thread: Some(thread),
            dropped: 0,
            sink: None,
        }
    }

    /// Wait (until `grace`) for the copy to end and note what was dropped. A process outside a
    /// PID namespace may hold the pipe open: then the copy is left behind.
    fn finish(&mut self, grace: Instant, deadline: Option<Duration>) {
        let wait = grace.saturating_duration_since(Instant::now());
        if let Ok((mut sink, dropped)) = self.done.recv_timeout(wait) {
            self.dropped = dropped;
            if dropped > 0 {
                let _ = write!(
                    sink,
                    "\n[sandbox: {dropped} more bytes of output were dropped: only the first ones \
                     are kept]\n"
                );
            }
            if let Some(deadline) = deadline {
                let _ = write!(
                    sink,
                    "\n[sandbox: killed at the deadline, after {} s]\n",
                    deadline.as_secs_f64()
                );
            }
            let _ = sink.flush();
            self.sink = Some(sink);
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// Where a run's output goes.
enum Streams {
    /// stdout and stderr copied (capped) into these; stdin empty.
    Captured(Box<dyn Write + Send>, Box<dyn Write + Send>),
    /// This process's own stdin, stdout and stderr.
    Inherited,
}

/// A growable buffer shared between the copy thread and the caller.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Sandbox {
    /// Run `command` to its end (or the deadline) in the sandbox and collect its output, capped.
    /// Its stdin is empty. Only the program, arguments, environment changes and current folder
    /// of `command` are used.
    pub fn output(&self, command: &std::process::Command) -> Result<SandboxedOutput, SandboxError> {
        let stdout = Shared::default();
        let stderr = Shared::default();
        let mut child = self.spawn_to(
            command,
            Streams::Captured(Box::new(stdout.clone()), Box::new(stderr.clone())),
        )?;
        let status = child.wait()?;
        Ok(SandboxedOutput {
            timed_out: child.timed_out(),
            dropped_bytes: child.dropped_bytes(),
            in_force: child.in_force().clone(),
            output: Output {
                status,
                stdout: stdout.take(),
                stderr: stderr.take(),
            },
        })
    }

    /// Start `command` in the sandbox, its stdout and stderr copied (capped) into the files.
    pub fn spawn(
        &self,
        command: &std::process::Command,
        stdout: File,
        stderr: File,
    ) -> Result<SandboxedChild, SandboxError> {
        self.spawn_to(
            command,
            Streams::Captured(Box::new(stdout), Box::new(stderr)),
        )
    }

    /// Run `command` in the sandbox with this process's stdin, stdout and stderr (a worker that
    /// serves calls over pipes), to its end or the deadline.
    /// Registered as a run in progress, so that an interrupt of this process kills it and removes
    /// its run folder.
    pub fn exec(&self, command: &std::process::Command) -> Result<ExitStatus, SandboxError> {
        let mut child = self.spawn_to(command, Streams::Inherited)?;
        let _running = crate::run::Running::register(-(child.id() as i32));
        child.wait()
    }

    fn spawn_to(
        &self,
        command: &std::process::Command,
        streams: Streams,
    ) -> Result<SandboxedChild, SandboxError> {
        let in_force = self.plan()?;
        let run_dir = crate::run::Scratch::new("grader-sandbox-")?;
        let tmp = run_dir.path().join("tmp");
        std::fs::create_dir(&tmp)?;
        let mut container = if in_force.protections.contains(&Protection::Filesystem) {
            self.namespaced(run_dir.path(), &tmp)?
        } else {
            Container::empty()
        };
        if in_force.protections.contains(&Protection::Landlock) {
            container.landlock_ruleset(self.landlock_rules(&in_force, &tmp));
        }
        set_limits(&mut container, &self.limits);
        let drop_root = running_as_root() && in_force.protections.contains(&Protection::Filesystem);
        let run_as = if self.private_user {
            // Unique among live runs: one launcher process per run.
            let (_, gid) = unprivileged_ids()?;
            (PRIVATE_UIDS + std::process::id(), gid)
        } else {
            unprivileged_ids()?
        };
        if drop_root {
            let owner = run_as;
            for path in self.read_only.iter().filter(|path| path.exists()) {
                let meta = std::fs::metadata(path)?;
                let needed = if meta.is_dir() { 0o005 } else { 0o004 };
                if meta.permissions().mode() & needed != needed {
                    return Err(SandboxError::Setup(format!(
                        "{} is not readable by `{UNPRIVILEGED}`, the user a root grader runs the \
                         sandbox as: make it readable by others (chmod o+rX)",
                        path.display()
                    )));
                }
            }
            for path in self.writable.iter().chain([&tmp]) {
                give(path, owner)?;
            }
        }

        let current_dir = match command.get_current_dir() {
            Some(dir) => dir.to_path_buf(),
            None => std::env::current_dir()?,
        };
        let visible = |dir: &Path| {
            self.read_only
                .iter()
                .chain(&self.writable)
                .any(|path| dir.starts_with(path))
                && !self.hidden.iter().any(|path| dir.starts_with(path))
        };
        if in_force.protections.contains(&Protection::Filesystem) && !visible(&current_dir) {
            return Err(SandboxError::Setup(format!(
                "the program's current folder {} is not readable inside the sandbox",
                current_dir.display()
            )));
        }
        let environment = environment(
            command,
            in_force.protections.contains(&Protection::Filesystem),
            &tmp,
        )?;
        let path_var = environment
            .iter()
            .find(|(key, _)| key == "PATH")
            .map(|(_, value)| value.clone());
        let program = find_program(command.get_program(), path_var.as_deref().map(OsStr::new))?;
        let program = absolute(&current_dir, &program);
        let mut sandboxed = if drop_root {
            // Root needs no user namespace, so the program would run as root, with every
            // capability, and no process limit would count. setpriv makes it `nobody` first.
            let (uid, gid) = run_as;
            let mut sandboxed =
                container.command(&utf8(&find_program(OsStr::new(SETPRIV), None)?)?);
            sandboxed.args([
                format!("--reuid={uid}"),
                format!("--regid={gid}"),
                "--clear-groups".to_string(),
                "--inh-caps=-all".to_string(),
                "--bounding-set=-all".to_string(),
                // A change of user clears the parent-death signal that ties the run to us.
                "--pdeathsig=SIGKILL".to_string(),
                "--".to_string(),
                utf8(&program)?,
            ]);
            sandboxed
        } else {
            container.command(&utf8(&program)?)
        };
        for arg in command.get_args() {
            sandboxed.arg(&utf8(Path::new(arg))?);
        }
        sandboxed.envs(environment).current_dir(&current_dir);
        match &streams {
            Streams::Captured(..) => sandboxed
                .stdin(File::open("/dev/null")?)
                .stdout(hakoniwa::Stdio::piped())
                .stderr(hakoniwa::Stdio::piped()),
            Streams::Inherited => sandboxed
                .stdin(hakoniwa::Stdio::inherit())
                .stdout(hakoniwa::Stdio::inherit())
                .stderr(hakoniwa::Stdio::inherit()),
        }
        // A backstop in the sandbox's own supervisor, should the grader stop watching.
        .wait_timeout(self.limits.deadline.as_secs() + 5);
        let mut child = sandboxed
            .spawn()
            .map_err(|error| SandboxError::Setup(error.to_string()))?;
        let cap = self.limits.output_bytes;
        let copies = match streams {
            Streams::Captured(stdout, stderr) => [
                child
                    .stdout
                    .take()
                    .map(|pipe| Capture::start(pipe, stdout, cap)),
                child
                    .stderr
                    .take()
                    .map(|pipe| Capture::start(pipe, stderr, cap)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            Streams::Inherited => Vec::new(),
        };
        Ok(SandboxedChild {
            child,
            started: Instant::now(),
            deadline: self.limits.deadline,
            timed_out: false,
            killed: false,
            status: None,
            copies,
            in_force,
            _run_dir: run_dir,
        })
    }

    /// A container with every namespace, where only the policy's paths exist.
    fn namespaced(&self, run_dir: &Path, tmp: &Path) -> Result<Container, SandboxError> {
        let mut container = namespaces_container();
        container.bindmount_rw(&utf8(tmp)?, "/tmp");
        for path in &self.writable {
            std::fs::create_dir_all(path)?;
        }
        for path in self.read_only.iter().filter(|path| path.exists()) {
            let path = utf8(path)?;
            container.bindmount_ro(&path, &path);
        }
        for path in &self.writable {
            let path = utf8(path)?;
            container.bindmount_rw(&path, &path);
        }
        // Unreadable paths are covered by an empty folder or file nobody may open.
        let cover_dir = run_dir.join("hidden-dir");
        let cover_file = run_dir.join("hidden-file");
        std::fs::create_dir(&cover_dir)?;
        std::fs::set_permissions(&cover_dir, std::fs::Permissions::from_mode(0o000))?;
        File::create(&cover_file)?;
        std::fs::set_permissions(&cover_file, std::fs::Permissions::from_mode(0o000))?;
        for path in self.hidden.iter().filter(|path| path.exists()) {
            let cover = if path.is_dir() {
                &cover_dir
            } else {
                &cover_file
            };
            container.bindmount_ro(&utf8(cover)?, &utf8(path)?);
        }
        Ok(container)
    }

    /// Landlock: read and execute the system and read-only paths (less the unreadable ones),
    /// write the writable ones; no TCP at all where the kernel can refuse it.
    fn landlock_rules(&self, in_force: &InForce, tmp: &Path) -> Ruleset {
        let mut rules = Ruleset::default();
        rules.restrict(Resource::FS, CompatMode::Enforce);
        rules.restrict(Resource::NET_TCP_CONNECT, CompatMode::Relax);
        rules.restrict(Resource::NET_TCP_BIND, CompatMode::Relax);
        let read = FsAccess::R | FsAccess::X;
        let write = FsAccess::R | FsAccess::W | FsAccess::X;
        let mut allow = |path: &Path, access: FsAccess| {
            for allowed in except(path, &self.hidden) {
                if let Some(allowed) = allowed.to_str() {
                    rules.allow_path(allowed, access);
                }
            }
        };
        for system in SYSTEM.iter().map(Path::new).filter(|p| p.exists()) {
            allow(system, read);
        }
        // Writable for the memory check, which resets the process's peak through
        // /proc/self/clear_refs (lessongrader/memory.py) — only where /proc is the run's own (the
        // filesystem protection mounts a procfs of the run's PID namespace): there the only /proc
        // files it may write are its own processes' (the kernel's permissions refuse /proc/sys
        // and the rest). On the host's /proc it stays read-only (the memory check is skipped).
        let own_proc = in_force.protections.contains(&Protection::Filesystem);
        allow(
            Path::new("/proc"),
            if own_proc {
                FsAccess::R | FsAccess::W
            } else {
                FsAccess::R
            },
        );
        allow(Path::new("/dev"), FsAccess::R | FsAccess::W);
        for path in self.read_only.iter().filter(|path| path.exists()) {
            allow(path, read);
        }
        for path in self.writable.iter().filter(|path| path.exists()) {
            allow(path, write);
        }
        if in_force.protections.contains(&Protection::Filesystem) {
            // The run's own /tmp, not the host's: nothing of the policy's lies under it.
            rules.allow_path("/tmp", write);
        } else {
            allow(tmp, write);
        }
        rules
    }
}

/// `path` less the unreadable paths under it: its entries that are not (and do not hold) one,
/// recursively. Landlock only allows; this is how a readable folder gets holes.
fn except(path: &Path, hidden: &[PathBuf]) -> Vec<PathBuf> {
    if hidden.iter().any(|hole| path.starts_with(hole)) {
        return Vec::new();
    }
    if !hidden.iter().any(|hole| hole.starts_with(path)) {
        return vec![path.to_path_buf()];
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| except(&entry.path(), hidden))
        .collect()
}

fn set_limits(container: &mut Container, limits: &Limits) {
    let memory = match limits.memory {
        MemoryLimit::AddressSpace => Rlimit::As,
        MemoryLimit::Data => Rlimit::Data,
    };
    for (resource, value) in [
        (memory, limits.memory_bytes),
        (Rlimit::Cpu, limits.cpu_secs),
        (Rlimit::Nproc, limits.processes),
        (Rlimit::Fsize, limits.file_size_bytes),
        (Rlimit::Nofile, limits.open_files),
        (Rlimit::Core, 0),
    ] {
        container.setrlimit(resource, value, value);
    }
}

/// The environment the program gets: ours with the command's changes, cargo offline, and the
/// run's private `/tmp`.
fn environment(
    command: &std::process::Command,
    namespaced: bool,
    tmp: &Path,
) -> Result<Vec<(String, String)>, SandboxError> {
    let mut environment: std::collections::BTreeMap<std::ffi::OsString, std::ffi::OsString> =
        std::env::vars_os().collect();
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => environment.insert(key.to_os_string(), value.to_os_string()),
            None => environment.remove(key),
        };
    }
    let tmp = if namespaced {
        PathBuf::from("/tmp")
    } else {
        tmp.to_path_buf()
    };
    environment.insert("CARGO_NET_OFFLINE".into(), "true".into());
    environment.insert("TMPDIR".into(), tmp.into_os_string());
    Ok(environment
        .into_iter()
        // A variable that is not UTF-8 cannot be passed; none of ours is.
        .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
        .collect())
}

/// The program's path: as given when it names a folder, else the first match on PATH.
fn find_program(program: &OsStr, path: Option<&OsStr>) -> Result<PathBuf, SandboxError> {
    let name = Path::new(program);
    if name.components().count() > 1 {
        return Ok(name.to_path_buf());
    }
    let path = path
        .map(OsStr::to_os_string)
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
        .ok_or_else(|| SandboxError::ProgramNotFound(name.display().to_string()))
}

fn absolute(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

fn utf8(path: &Path) -> Result<String, SandboxError> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| SandboxError::NotUtf8(path.display().to_string()))
}

/// The uid and gid of [`UNPRIVILEGED`].
fn unprivileged_ids() -> Result<(u32, u32), SandboxError> {
    let user = nix::unistd::User::from_name(UNPRIVILEGED)
        .map_err(|error| SandboxError::Setup(format!("looking up `{UNPRIVILEGED}`: {error}")))?
        .ok_or_else(|| {
            SandboxError::Setup(format!(
                "the grader runs as root and sandboxes as the user `{UNPRIVILEGED}`, which this \
                 system lacks"
            ))
        })?;
    Ok((user.uid.as_raw(), user.gid.as_raw()))
}

/// Make `path` (recursively) belong to `owner`, so that the unprivileged user of a root grader
/// can write there. Only what is not already theirs is changed.
///
/// A writable folder may be shared with a build running beside this run (another worker's cargo
/// writes and removes its temporary files there), so an entry that vanishes while it is walked
/// has nothing left to give and is skipped.
fn give(path: &Path, owner: (u32, u32)) -> Result<(), SandboxError> {
    let vanished = |error: &std::io::Error| error.kind() == std::io::ErrorKind::NotFound;
    let meta = match std::fs::symlink_metadata(path) {
        Err(error) if vanished(&error) => return Ok(()),
        meta => meta?,
    };
    if meta.uid() != owner.0 || meta.gid() != owner.1 {
        match std::os::unix::fs::lchown(path, Some(owner.0), Some(owner.1)) {
            Err(error) if vanished(&error) => return Ok(()),
            changed => changed?,
        }
    }
    if meta.is_dir() {
        let entries = match std::fs::read_dir(path) {
            Err(error) if vanished(&error) => return Ok(()),
            entries => entries?,
        };
        for entry in entries {
            match entry {
                Err(error) if vanished(&error) => continue,
                entry => give(&entry?.path(), owner)?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_a_hole_is_allowed_entry_by_entry() {
        let root = tempfile::tempdir().unwrap();
        let course = root.path();
        for dir in ["exercises/00-a/src", "solutions/00-a/src", "solutions/01-b"] {
            std::fs::create_dir_all(course.join(dir)).unwrap();
        }
        std::fs::write(course.join("Cargo.toml"), "").unwrap();
        let hidden = [course.join("solutions/00-a")];
        let mut allowed = except(course, &hidden);
        allowed.sort();
        assert_eq!(
            allowed,
            vec![
                course.join("Cargo.toml"),
                course.join("exercises"),
                course.join("solutions/01-b"),
            ]
        );
        assert_eq!(
            except(&course.join("exercises"), &hidden),
            vec![course.join("exercises")]
        );
        assert!(except(&course.join("solutions/00-a/src"), &hidden).is_empty());
    }

    #[test]
    fn programs_are_found_on_the_given_path() {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("tool");
        std::fs::write(&program, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        let found = find_program(OsStr::new("tool"), Some(dir.path().as_os_str())).unwrap();
        assert_eq!(found, program);
        let error = find_program(OsStr::new("no-such-tool"), Some(dir.path().as_os_str()));
        assert!(matches!(error, Err(SandboxError::ProgramNotFound(_))));
    }
}
