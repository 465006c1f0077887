//! Stage 2: make sure the course's Python environment exists and holds the pinned tools.
//!
//! The first command creates `.venv` with the chosen interpreter and installs the pinned
//! requirements; later commands only compare a stamp file, so a warm check costs no Python start.
//! A venv whose interpreter vanished, whose Python changed, or whose pins are outdated is rebuilt.
//!
//! Nothing here prints: the slow steps are reported as [`SetupStep`]s to the caller's `on_step`,
//! and the caller decides how to show them.
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fs_err as fs;
use fs_err::File;

use crate::workspace::Workspace;

/// The oldest Python the course supports (PyO3 0.30 and our leak hunt are tested from here on).
pub const MIN_PYTHON: (u32, u32) = (3, 10);
/// Environment variable naming the interpreter to build `.venv` from (like `--python`).
pub const PYTHON_ENV: &str = "COURSE_PYTHON";
const STAMP_FILE: &str = ".course-stamp";

/// A ready Python environment.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub python: PathBuf,
    pub maturin: PathBuf,
    /// `3.11.7`
    pub python_version: String,
}

/// Why `.venv` could not be made ready. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    #[error(
        "no Python interpreter found (tried `{tried}`: {detail}).\n\
         Install Python {}.{} or newer (Debian/Ubuntu: `sudo apt install python3 python3-venv`), \
         or name one with `--python /path/to/python3` or {PYTHON_ENV}=/path/to/python3.",
        MIN_PYTHON.0, MIN_PYTHON.1
    )]
    NoPython { tried: String, detail: String },
    #[error(
        "`{python}` is Python {version}, but the course needs {}.{} or newer.\n\
         Install a newer Python and pass it with `--python` (or {PYTHON_ENV}).",
        MIN_PYTHON.0, MIN_PYTHON.1
    )]
    TooOld { python: String, version: String },
    #[error(
        "`{python}` cannot create virtual environments: {detail}\n\
         Install the venv module (Debian/Ubuntu: `sudo apt install python3-venv`) or pick \
         another interpreter with `--python`."
    )]
    NoVenvModule { python: String, detail: String },
    #[error("creating .venv failed:\n{detail}")]
    VenvFailed { detail: String },
    #[error(
        "installing the pinned Python tools ({requirements}) into .venv failed:\n{detail}\n\
         Check the network connection to the package index (pip honours PIP_INDEX_URL), then \
         run the command again; a half-built .venv is repaired automatically."
    )]
    InstallFailed {
        requirements: String,
        detail: String,
    },
    /// A program (the interpreter, pip) that could not be started at all.
    #[error("cannot run {}: {error}", .program.display())]
    Run {
        program: PathBuf,
        error: std::io::Error,
    },
    /// A file operation; fs-err's message names the operation and the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What [`ensure`] and [`ensure_extra`] are doing, reported as they go. Its `Display`
/// is the text the course shows for it. A *stage* ([`SetupStep::is_progress`] false) is a line of
/// its own; a *progress* step says what runs within the stage (a spinner's message), until the
/// next step or the end of the call. Paths are as a learner reads them: relative to the course
/// root when inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupStep {
    /// Stage: `.venv` is made anew (first run, another Python, or its interpreter vanished).
    SettingUp {
        /// The `.venv` folder.
        venv: PathBuf,
        /// The chosen interpreter's version: `3.11.7`.
        python_version: String,
    },
    /// Stage: `.venv` stays, the pinned tools in it change.
    Updating {
        /// The `.venv` folder.
        venv: PathBuf,
    },
    /// Progress: the outdated `.venv` is deleted before it is made anew.
    RemovingOutdated {
        /// The `.venv` folder.
        venv: PathBuf,
    },
    /// Progress: `python -m venv` with the chosen interpreter.
    Creating {
        /// The interpreter `.venv` is made from.
        python: PathBuf,
    },
    /// Progress: pip installs the course's pinned tools.
    Installing {
        /// The course's pinned requirements file.
        requirements: PathBuf,
    },
    /// Stage: `.venv` is ready (the end of setting up or updating).
    Ready,
    /// Stage: an extra requirements file (the lesson's) goes into the ready `.venv`, once per
    /// version of the file.
    InstallingExtra {
        /// The extra requirements file.
        requirements: PathBuf,
    },
    /// Progress: pip installs that extra file.
    InstallingExtraPackages {
        /// The extra requirements file.
        requirements: PathBuf,
    },
}

impl SetupStep {
    /// True for what happens within a stage (a spinner's message), false for a stage's own line.
    pub fn is_progress(&self) -> bool {
        matches!(
            self,
            Self::RemovingOutdated { .. }
                | Self::Creating { .. }
                | Self::Installing { .. }
                | Self::InstallingExtraPackages { .. }
        )
    }
}

impl fmt::Display for SetupStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SettingUp {
                venv,
                python_version,
            } => write!(
                f,
                "Setting up the course's Python environment in {} (Python {python_version}; first run only, ~20 s)…",
                venv.display()
            ),
            Self::Updating { venv } => {
                write!(f, "Updating the pinned Python tools in {}…", venv.display())
            }
            Self::RemovingOutdated { .. } => f.write_str("removing the outdated .venv"),
            Self::Creating { python } => write!(f, "creating .venv with {}", python.display()),
            Self::Installing { requirements } => {
                write!(f, "installing pinned tools from {}", requirements.display())
            }
            Self::Ready => f.write_str("Python environment ready."),
            Self::InstallingExtra { requirements } => write!(
                f,
                "Installing the pinned packages of {} into .venv (once)…",
                requirements.display()
            ),
            Self::InstallingExtraPackages { requirements } => {
                write!(f, "pip install -r {}", requirements.display())
            }
        }
    }
}

/// Which interpreter to build the venv from: `--python`, then `$COURSE_PYTHON`, then `python3`.
pub fn requested_python(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os(PYTHON_ENV).map(PathBuf::from))
}

/// Return a ready toolchain, creating or repairing `.venv` first when needed; `on_step` hears of
/// each slow step (none when `.venv` is already current).
pub fn ensure(
    workspace: &Workspace,
    requested: Option<&Path>,
    on_step: &mut dyn FnMut(SetupStep),
) -> Result<Toolchain, ToolchainError> {
    let wanted = wanted_stamp_body(workspace)?;
    if let Some(toolchain) = ready(workspace, &wanted, requested)? {
        return Ok(toolchain);
    }
    fs::create_dir_all(workspace.venv.parent().unwrap_or(Path::new(".")))?;
    // Several graders may start at once (parallel tests, two terminals): one of them builds.
    let _lock = lock_venv(workspace)?;
    if let Some(toolchain) = ready(workspace, &wanted, requested)? {
        return Ok(toolchain);
    }
    build_venv(workspace, &wanted, requested, on_step)
}

/// The toolchain if `.venv` is complete and current, without starting Python.
fn ready(
    workspace: &Workspace,
    wanted: &str,
    requested: Option<&Path>,
) -> Result<Option<Toolchain>, ToolchainError> {
    let python = workspace.venv_python();
    let maturin = workspace.venv.join("bin").join("maturin");
    let Ok(stamp) = fs::read_to_string(workspace.venv.join(STAMP_FILE)) else {
        return Ok(None);
    };
    let Some((version, body)) = stamp.split_once('\n') else {
        return Ok(None);
    };
    if body != wanted || !python.exists() || !maturin.exists() {
        return Ok(None);
    }
    if let Some(requested) = requested {
        // An explicit interpreter must be the one the venv was made from.
        let base = probe(requested)?;
        if base.version != version {
            return Ok(None);
        }
    }
    Ok(Some(Toolchain {
        python,
        maturin,
        python_version: version.to_string(),
    }))
}

fn wanted_stamp_body(workspace: &Workspace) -> Result<String, ToolchainError> {
    Ok(fs::read_to_string(&workspace.requirements)?)
}

/// Install an extra requirements file (the lesson's) into a ready venv, once per version of it;
/// `on_step` hears of it when pip has to run.
pub fn ensure_extra(
    workspace: &Workspace,
    toolchain: &Toolchain,
    requirements: &Path,
    on_step: &mut dyn FnMut(SetupStep),
) -> Result<(), ToolchainError> {
    let wanted = fs::read_to_string(requirements)?;
    let stamp = workspace.venv.join(format!(
        ".stamp-{}",
        workspace
            .display(requirements)
            .to_string()
            .replace('/', "-")
    ));
    if fs::read_to_string(&stamp).is_ok_and(|text| text == wanted) {
        return Ok(());
    }
    let lock = lock_venv(workspace)?;
    if fs::read_to_string(&stamp).is_ok_and(|text| text == wanted) {
        return Ok(());
    }
    let shown = workspace.shown(requirements);
    on_step(SetupStep::InstallingExtra {
        requirements: shown.clone(),
    });
    on_step(SetupStep::InstallingExtraPackages {
        requirements: shown,
    });
    pip_install(&toolchain.python, &[requirements.to_path_buf()])?;
    fs::write(&stamp, wanted)?;
    drop(lock);
    Ok(())
}

fn lock_venv(workspace: &Workspace) -> Result<File, ToolchainError> {
    let lock_path = workspace.venv.with_extension("lock");
    let lock = File::create(lock_path)?;
    lock.lock()?;
    Ok(lock)
}

fn pip_install(python: &Path, requirements: &[PathBuf]) -> Result<(), ToolchainError> {
    let mut install = Command::new(python);
    install.args(["-m", "pip", "install", "--disable-pip-version-check", "-q"]);
    // Never wait for an answer nobody will type (pip's --no-input, as its environment variable).
    install.env("PIP_NO_INPUT", "1");
    for path in requirements {
        install.arg("-r").arg(path);
    }
    let installed = install.output().map_err(|error| ToolchainError::Run {
        program: python.to_path_buf(),
        error,
    })?;
    if installed.status.success() {
        return Ok(());
    }
    let mut detail = tail(&installed.stderr, 15);
    if detail.is_empty() {
        detail = tail(&installed.stdout, 15);
    }
    let names: Vec<String> = requirements
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    Err(ToolchainError::InstallFailed {
        requirements: names.join(", "),
        detail,
    })
}

struct BasePython {
    program: PathBuf,
    version: String,
}

/// Run the interpreter once: its version, and whether it can make a venv with pip.
fn probe(program: &Path) -> Result<BasePython, ToolchainError> {
    let shown = program.display().to_string();
    let output = Command::new(program)
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .output()
        .map_err(|e| ToolchainError::NoPython {
            tried: shown.clone(),
            detail: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(ToolchainError::NoPython {
            tried: shown,
            detail: tail(&output.stderr, 5),
        });
    }
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let mut parts = version
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < MIN_PYTHON {
        return Err(ToolchainError::TooOld {
            python: shown,
            version,
        });
    }
    Ok(BasePython {
        program: program.to_path_buf(),
        version,
    })
}

fn build_venv(
    workspace: &Workspace,
    wanted: &str,
    requested: Option<&Path>,
    on_step: &mut dyn FnMut(SetupStep),
) -> Result<Toolchain, ToolchainError> {
    let base = probe(requested.unwrap_or(Path::new("python3")))?;
    let venv_check = Command::new(&base.program)
        .args(["-c", "import venv, ensurepip"])
        .output()
        .map_err(|error| ToolchainError::Run {
            program: base.program.clone(),
            error,
        })?;
    if !venv_check.status.success() {
        return Err(ToolchainError::NoVenvModule {
            python: base.program.display().to_string(),
            detail: tail(&venv_check.stderr, 3),
        });
    }
    let current_version = fs::read_to_string(workspace.venv.join(STAMP_FILE))
        .ok()
        .and_then(|stamp| stamp.lines().next().map(str::to_string));
    let reusable = workspace.venv_python().exists()
        && current_version.as_deref() == Some(base.version.as_str());
    let venv = workspace.shown(&workspace.venv);
    if reusable {
        on_step(SetupStep::Updating { venv });
    } else {
        on_step(SetupStep::SettingUp {
            venv: venv.clone(),
            python_version: base.version.clone(),
        });
        if workspace.venv.exists() {
            on_step(SetupStep::RemovingOutdated { venv });
            fs::remove_dir_all(&workspace.venv)?;
        }
        on_step(SetupStep::Creating {
            python: base.program.clone(),
        });
        let created = Command::new(&base.program)
            .args(["-m", "venv"])
            .arg(&workspace.venv)
            .output()
            .map_err(|e| ToolchainError::VenvFailed {
                detail: e.to_string(),
            })?;
        if !created.status.success() {
            return Err(ToolchainError::VenvFailed {
                detail: tail(&created.stderr, 10),
            });
        }
    }
    on_step(SetupStep::Installing {
        requirements: workspace.shown(&workspace.requirements),
    });
    pip_install(
        &workspace.venv_python(),
        std::slice::from_ref(&workspace.requirements),
    )?;
    let stamp = format!("{}\n{wanted}", base.version);
    fs::write(workspace.venv.join(STAMP_FILE), stamp)?;
    on_step(SetupStep::Ready);
    Ok(Toolchain {
        python: workspace.venv_python(),
        maturin: workspace.venv.join("bin").join("maturin"),
        python_version: base.version,
    })
}

/// The last `lines` lines of a process's output, for error messages.
pub fn tail(bytes: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_says_what_to_install() {
        let error = probe(Path::new("/nonexistent/python3"))
            .err()
            .expect("must fail");
        let message = error.to_string();
        assert!(message.contains("no Python interpreter found"), "{message}");
        assert!(message.contains("--python"), "{message}");
    }

    #[test]
    fn an_old_interpreter_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("python3");
        std::fs::write(&fake, "#!/bin/sh\necho 3.8.10\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let message = probe(&fake).err().expect("must fail").to_string();
        assert!(
            message.contains("Python 3.8.10") && message.contains("3.10 or newer"),
            "{message}"
        );
    }

    fn fake_workspace(dir: &Path) -> Workspace {
        let mut workspace = Workspace::from_env(Some(dir.to_path_buf()));
        workspace.venv = dir.join(".venv");
        workspace.requirements = dir.join("requirements.txt");
        std::fs::write(&workspace.requirements, "maturin==1.0\n").unwrap();
        std::fs::create_dir_all(workspace.venv.join("bin")).unwrap();
        for tool in ["python", "maturin"] {
            std::fs::write(workspace.venv.join("bin").join(tool), "").unwrap();
        }
        workspace
    }

    #[test]
    fn a_current_venv_is_ready_without_starting_python() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = fake_workspace(dir.path());
        std::fs::write(workspace.venv.join(STAMP_FILE), "3.11.7\nmaturin==1.0\n").unwrap();
        let wanted = wanted_stamp_body(&workspace).unwrap();
        let toolchain = ready(&workspace, &wanted, None).unwrap().expect("ready");
        assert_eq!(toolchain.python_version, "3.11.7");
    }

    #[test]
    fn changed_pins_a_missing_stamp_or_a_vanished_interpreter_need_repair() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = fake_workspace(dir.path());
        let wanted = wanted_stamp_body(&workspace).unwrap();
        assert!(
            ready(&workspace, &wanted, None).unwrap().is_none(),
            "no stamp"
        );
        std::fs::write(workspace.venv.join(STAMP_FILE), "3.11.7\nmaturin==0.9\n").unwrap();
        assert!(
            ready(&workspace, &wanted, None).unwrap().is_none(),
            "outdated pins"
        );
        std::fs::write(workspace.venv.join(STAMP_FILE), "3.11.7\nmaturin==1.0\n").unwrap();
        std::fs::remove_file(workspace.venv.join("bin/python")).unwrap();
        assert!(
            ready(&workspace, &wanted, None).unwrap().is_none(),
            "interpreter gone"
        );
    }

    #[test]
    fn a_current_venv_reports_no_step() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = fake_workspace(dir.path());
        std::fs::write(workspace.venv.join(STAMP_FILE), "3.11.7\nmaturin==1.0\n").unwrap();
        let mut steps = Vec::new();
        ensure(&workspace, None, &mut |step| steps.push(step)).unwrap();
        assert_eq!(steps, []);
    }

    #[test]
    fn an_extra_requirements_file_is_installed_once_and_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let workspace = fake_workspace(dir.path());
        // A `python` whose `-m pip install` succeeds without doing anything.
        let python = workspace.venv.join("bin/python");
        std::fs::write(&python, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
        let toolchain = Toolchain {
            python,
            maturin: workspace.venv.join("bin/maturin"),
            python_version: "3.11.7".into(),
        };
        let extra = dir.path().join("lesson-requirements.txt");
        std::fs::write(&extra, "cython==3.0\n").unwrap();
        let mut steps = Vec::new();
        ensure_extra(&workspace, &toolchain, &extra, &mut |step| steps.push(step)).unwrap();
        let shown = workspace.shown(&extra);
        assert_eq!(
            steps,
            [
                SetupStep::InstallingExtra {
                    requirements: shown.clone()
                },
                SetupStep::InstallingExtraPackages {
                    requirements: shown
                },
            ]
        );
        steps.clear();
        ensure_extra(&workspace, &toolchain, &extra, &mut |step| steps.push(step)).unwrap();
        assert_eq!(steps, [], "the stamp says it is installed");
    }

    #[test]
    fn steps_read_as_the_course_words_them() {
        let setting_up = SetupStep::SettingUp {
            venv: ".venv".into(),
            python_version: "3.11.7".into(),
        };
        assert_eq!(
            setting_up.to_string(),
            "Setting up the course's Python environment in .venv (Python 3.11.7; first run only, ~20 s)…"
        );
        assert!(!setting_up.is_progress());
        let creating = SetupStep::Creating {
            python: "python3".into(),
        };
        assert_eq!(creating.to_string(), "creating .venv with python3");
        assert!(creating.is_progress());
        assert_eq!(SetupStep::Ready.to_string(), "Python environment ready.");
    }

    #[test]
    fn tail_keeps_the_last_non_empty_lines() {
        assert_eq!(tail(b"a\n\nb\nc\n\n", 2), "b\nc");
    }
}
