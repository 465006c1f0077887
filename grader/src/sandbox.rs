//! The sandbox every build and test run of an untrusted submission goes through: a policy
//! ([`Sandbox`]: what is writable, read-only or unreadable, and the limits), what this kernel
//! allows ([`probe`]), and runs of a `std::process::Command` inside it. The kernel facilities come
//! from the `hakoniwa` crate: mount, PID and network namespaces (plus a user namespace when the
//! grader is not root), landlock rules and rlimits. Nothing of a run survives it: its programs
//! live in a PID namespace whose first process takes every other one with it when it ends, and
//! that process dies with the grader.
//!
//! Modes: `required` refuses to run unless every protection is in force, `best-effort` runs with
//! what the kernel allows and says which protections were in force, `off` runs as without a
//! sandbox. Learners' checks never come here: the engine only sandboxes when its settings carry a
//! policy.
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Whether runs are sandboxed, and how strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    /// Every protection must be in force, or nothing runs.
    Required,
    /// Whatever this kernel allows; each run records which protections were in force.
    BestEffort,
    /// No sandbox: runs as a learner's check does. Must be asked for.
    Off,
}

impl FromStr for SandboxMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "required" => Ok(Self::Required),
            "best-effort" => Ok(Self::BestEffort),
            "off" => Ok(Self::Off),
            other => Err(format!(
                "unknown sandbox mode `{other}`: expected required, best-effort or off"
            )),
        }
    }
}

impl fmt::Display for SandboxMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Required => "required",
            Self::BestEffort => "best-effort",
            Self::Off => "off",
        })
    }
}

/// One protection a run may have.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Protection {
    /// A mount namespace: only the policy's paths exist, read-only unless writable; unreadable
    /// paths are covered.
    Filesystem,
    /// A network namespace with no way out: a connect to 127.0.0.1 fails.
    Network,
    /// A PID namespace: every process the run starts (daemons, fork bombs) dies with it.
    ProcessTree,
    /// Landlock rules: the kernel refuses access to any path outside the policy, on top of (or
    /// without) the mount namespace.
    Landlock,
    /// rlimits: memory, CPU time, processes, file size, open files.
    Limits,
}

impl Protection {
    /// Every protection, in the order messages list them.
    pub const ALL: [Protection; 5] = [
        Protection::Filesystem,
        Protection::Network,
        Protection::ProcessTree,
        Protection::Landlock,
        Protection::Limits,
    ];

    /// Its name in messages, the gradebook and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Filesystem => "filesystem",
            Self::Network => "network",
            Self::ProcessTree => "process-tree",
            Self::Landlock => "landlock",
            Self::Limits => "limits",
        }
    }
}

impl fmt::Display for Protection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A protection this kernel cannot give, why, and how to enable it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Missing {
    /// What is missing.
    pub protection: Protection,
    /// Why: what the kernel said, or which setting forbids it.
    pub reason: String,
    /// What to do about it.
    pub fix: String,
}

/// What this kernel allows, from [`probe`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Support {
    /// Protections a run can have.
    pub available: BTreeSet<Protection>,
    /// The others, each with the reason and the fix.
    pub missing: Vec<Missing>,
}

impl Support {
    /// One paragraph per missing protection, for a refusal or a warning.
    pub fn explain(&self) -> String {
        self.missing
            .iter()
            .map(|missing| {
                format!(
                    "- {}: {}\n  To enable it: {}",
                    missing.protection, missing.reason, missing.fix
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Which protections were in force for a run (or will be, for a policy): what the gradebook
/// records in `best-effort` mode.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InForce {
    /// The mode the policy asked for.
    pub mode: SandboxMode,
    /// The protections the run had.
    pub protections: BTreeSet<Protection>,
}

impl InForce {
    /// True when every protection was in force.
    pub fn complete(&self) -> bool {
        self.protections.len() == Protection::ALL.len()
    }
}

impl fmt::Display for InForce {
    /// `all`, `none`, or the protections in force: `filesystem, limits`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.complete() {
            f.write_str("all")
        } else if self.protections.is_empty() {
            f.write_str("none")
        } else {
            let names: Vec<&str> = self.protections.iter().map(|p| p.name()).collect();
            f.write_str(&names.join(", "))
        }
    }
}

/// Which rlimit bounds memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryLimit {
    /// `RLIMIT_AS`: all virtual memory, reserved or not.
    AddressSpace,
    /// `RLIMIT_DATA`: heap and private writable mappings (what allocations actually use; kinder to
    /// allocators that reserve large ranges up front).
    Data,
}

/// The limits of every process of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of memory per process.
    pub memory_bytes: u64,
    /// Which kind of memory `memory_bytes` bounds.
    pub memory: MemoryLimit,
    /// CPU seconds per process.
    pub cpu_secs: u64,
    /// Processes and threads of the run's user (inside its own user namespace, or of the
    /// unprivileged user a root grader runs the sandbox as).
    pub processes: u64,
    /// Largest file a process may write.
    pub file_size_bytes: u64,
    /// Open files per process.
    pub open_files: u64,
    /// Bytes kept of each of stdout and stderr; the rest is dropped and a note says so.
    pub output_bytes: u64,
    /// Wall-clock time of the whole run, after which everything in it is killed.
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 2 << 30,
            memory: MemoryLimit::Data,
            cpu_secs: 600,
            processes: 512,
            file_size_bytes: 1 << 30,
            open_files: 4096,
            output_bytes: 8 << 20,
            deadline: Duration::from_secs(900),
        }
    }
}

/// A sandbox policy: what a run may write, read, not see, and its limits. Paths not listed do not
/// exist inside (apart from the system's `/usr`, `/bin`, `/lib*`, `/etc`, a private `/tmp`,
/// `/dev` and `/proc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    mode: SandboxMode,
    read_only: Vec<PathBuf>,
    writable: Vec<PathBuf>,
    hidden: Vec<PathBuf>,
    limits: Limits,
    private_user: bool,
}

/// The policies of one submission: its build may not read what its tests may (hidden tests).
#[derive(Debug, Clone)]
pub struct Sandboxes {
    /// cargo and maturin.
    pub build: Arc<Sandbox>,
    /// pytest.
    pub tests: Arc<Sandbox>,
}

impl Sandbox {
    /// A policy that allows nothing beyond the system folders yet.
    pub fn new(mode: SandboxMode) -> Self {
        Self {
            mode,
            read_only: Vec::new(),
            writable: Vec::new(),
            hidden: Vec::new(),
            limits: Limits::default(),
            private_user: false,
        }
    }

    /// When the grader is root, run as a user id of this run's own rather than the shared
    /// unprivileged user, so that the process limit counts this run's processes only (a sealed
    /// worker may not start helpers, whatever else runs as that user).
    pub fn private_user(mut self) -> Self {
        self.private_user = true;
        self
    }

    /// Readable, never writable: the toolchain, `.venv`, the pristine course.
    pub fn read_only(mut self, path: impl Into<PathBuf>) -> Self {
        self.read_only.push(path.into());
        self
    }

    /// Writable: the submission's scratch folder and its build folder (created if missing).
    pub fn writable(mut self, path: impl Into<PathBuf>) -> Self {
        self.writable.push(path.into());
        self
    }

    /// Unreadable even though it lies under a readable folder: `solutions/`, hidden tests.
    pub fn hidden(mut self, path: impl Into<PathBuf>) -> Self {
        self.hidden.push(path.into());
        self
    }

    /// Replace the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Read-only access to what building and testing need beyond the course: rustup's and cargo's
    /// homes (toolchains, the registry), the `.venv` at `venv` and the Python it was made from.
    pub fn toolchain(mut self, venv: &Path) -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let from_env = |name: &str, default: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|home| home.join(default)))
        };
        self.read_only
            .extend(from_env("RUSTUP_HOME", ".rustup").filter(|path| path.is_dir()));
        self.read_only
            .extend(from_env("CARGO_HOME", ".cargo").filter(|path| path.is_dir()));
        self.read_only.push(venv.to_path_buf());
        self.read_only.extend(python_home(venv));
        self
    }

    /// The mode.
    pub fn mode(&self) -> SandboxMode {
        self.mode
    }

    /// The limits.
    pub fn get_limits(&self) -> &Limits {
        &self.limits
    }

    /// Which protections runs will have on this machine, or why `required` refuses.
    pub fn plan(&self) -> Result<InForce, SandboxError> {
        self.plan_for(probe())
    }

    /// [`Sandbox::plan`] against a given [`Support`] (tests use a made-up one).
    pub fn plan_for(&self, support: &Support) -> Result<InForce, SandboxError> {
        match self.mode {
            SandboxMode::Off => Ok(InForce {
                mode: self.mode,
                protections: BTreeSet::new(),
            }),
            SandboxMode::Required if !support.missing.is_empty() => Err(SandboxError::Refused {
                explanation: support.explain(),
            }),
            SandboxMode::Required | SandboxMode::BestEffort => Ok(InForce {
                mode: self.mode,
                protections: support.available.clone(),
            }),
        }
    }
}

/// The folder of the Python installation a venv was made from (`home` in `pyvenv.cfg` is its
/// `bin/`), and where its interpreter's link leads.
fn python_home(venv: &Path) -> Vec<PathBuf> {
    let mut homes = Vec::new();
    if let Ok(config) = std::fs::read_to_string(venv.join("pyvenv.cfg")) {
        for line in config.lines() {
            if let Some((key, value)) = line.split_once('=')
                && key.trim() == "home"
                && let Some(prefix) = Path::new(value.trim()).parent()
            {
                homes.push(prefix.to_path_buf());
            }
        }
    }
    if let Ok(real) = std::fs::canonicalize(venv.join("bin").join("python"))
        && let Some(prefix) = real.parent().and_then(Path::parent)
    {
        homes.push(prefix.to_path_buf());
    }
    homes.retain(|home| !home.starts_with(venv) && home.is_dir());
    homes.dedup();
    homes
}

/// Why a sandboxed run did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// `required` and this kernel cannot give every protection.
    #[error(
        "the sandbox is required, but this machine cannot give every protection:\n{explanation}\n\
         Or grade with `--sandbox best-effort` (records what was in force) or `--sandbox off`."
    )]
    Refused {
        /// One paragraph per missing protection.
        explanation: String,
    },
    /// The sandbox could not be set up for this run.
    #[error("cannot set up the sandbox: {0}")]
    Setup(String),
    /// A program, path or variable that is not UTF-8 (the sandbox passes text only).
    #[error("the sandbox takes UTF-8 only; not UTF-8: {0}")]
    NotUtf8(String),
    /// The program is nowhere on PATH.
    #[error("`{0}` not found on PATH")]
    ProgramNotFound(String),
    /// Preparing or reading the run failed.
    #[error("sandboxed run: {0}")]
    Io(#[from] std::io::Error),
}

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{SandboxedChild, SandboxedOutput, probe};

#[cfg(not(target_os = "linux"))]
mod elsewhere;
#[cfg(not(target_os = "linux"))]
pub use elsewhere::{SandboxedChild, SandboxedOutput, probe};

#[cfg(test)]
mod tests {
    use super::*;

    fn support(missing: &[Protection]) -> Support {
        Support {
            available: Protection::ALL
                .into_iter()
                .filter(|p| !missing.contains(p))
                .collect(),
            missing: missing
                .iter()
                .map(|&protection| Missing {
                    protection,
                    reason: format!("{protection} is switched off here"),
                    fix: format!("switch {protection} on"),
                })
                .collect(),
        }
    }

    #[test]
    fn modes_parse_and_print() {
        for mode in [
            SandboxMode::Required,
            SandboxMode::BestEffort,
            SandboxMode::Off,
        ] {
            assert_eq!(mode.to_string().parse::<SandboxMode>(), Ok(mode));
        }
        let error = "strict".parse::<SandboxMode>().unwrap_err();
        assert!(error.contains("required, best-effort or off"), "{error}");
    }

    #[test]
    fn required_refuses_naming_what_is_missing_and_how_to_enable_it() {
        let policy = Sandbox::new(SandboxMode::Required);
        let error = policy
            .plan_for(&support(&[Protection::Network, Protection::Landlock]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("network: network is switched off here"),
            "{error}"
        );
        assert!(
            error.contains("To enable it: switch landlock on"),
            "{error}"
        );
        assert!(error.contains("--sandbox best-effort"), "{error}");
        assert!(policy.plan_for(&support(&[])).unwrap().complete());
    }

    #[test]
    fn best_effort_records_what_was_in_force() {
        let plan = Sandbox::new(SandboxMode::BestEffort)
            .plan_for(&support(&[Protection::Filesystem, Protection::Network]))
            .unwrap();
        assert_eq!(plan.to_string(), "process-tree, landlock, limits");
        assert!(!plan.complete());
        let off = Sandbox::new(SandboxMode::Off)
            .plan_for(&support(&[]))
            .unwrap();
        assert_eq!(off.to_string(), "none");
    }

    #[test]
    fn the_toolchain_includes_the_venv_and_its_python() {
        let venv = tempfile::tempdir().unwrap();
        let python = tempfile::tempdir().unwrap();
        std::fs::create_dir(python.path().join("bin")).unwrap();
        std::fs::write(
            venv.path().join("pyvenv.cfg"),
            format!("home = {}\n", python.path().join("bin").display()),
        )
        .unwrap();
        let policy = Sandbox::new(SandboxMode::Required).toolchain(venv.path());
        assert!(policy.read_only.contains(&venv.path().to_path_buf()));
        assert!(policy.read_only.contains(&python.path().to_path_buf()));
    }
}
