//! Stage 3: build a crate with maturin (release profile) and unpack its extension module into a
//! folder of its own, one per variant, so the learner's and the reference module can coexist.
mod diagnostics;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use cargo_metadata::Message;
use fs_err as fs;
use fs_err::File;
use serde::Serialize;

use diagnostics::maturin_failure;
pub use diagnostics::{CompilerError, compiler_errors};

use crate::catalog::Exercise;
use crate::sandbox::{Sandbox, SandboxError};
use crate::toolchain::Toolchain;
use crate::workspace::Workspace;

/// Which crate of an exercise is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    /// `exercises/NN-slug`: the learner's work.
    Learner,
    /// `solutions/NN-slug`: the reference.
    Solution,
}

impl Variant {
    /// This variant's crate folder for `exercise`: `exercises/NN-slug` or `solutions/NN-slug`.
    pub fn crate_dir(self, exercise: &Exercise) -> &Path {
        match self {
            Self::Learner => &exercise.dir,
            Self::Solution => &exercise.solution_dir,
        }
    }
    fn folder(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Solution => "solution",
        }
    }
}

#[derive(Debug)]
pub enum BuildOutcome {
    /// The folder to put on PYTHONPATH: it holds the importable extension module.
    Built {
        module_dir: PathBuf,
        log: String,
        seconds: f64,
    },
    /// The crate does not compile (or maturin refused it).
    Failed {
        errors: Vec<CompilerError>,
        log: String,
        seconds: f64,
    },
}

/// Why the grader itself could not build a crate (a crate that does not compile is no error).
/// Each cause is part of the message, so `to_string()` alone tells the whole story.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The crate folder has no `Cargo.toml` (`manifest` is relative to the course root).
    #[error("{} is missing", .manifest.display())]
    MissingManifest { manifest: PathBuf },
    #[error("cannot run maturin ({}): {error}", .maturin.display())]
    RunMaturin {
        maturin: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot run cargo: {error}")]
    RunCargo { error: std::io::Error },
    /// The sandbox refused or failed (not the crate's fault).
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("cannot read cargo's messages: {error}")]
    CargoMessages { error: std::io::Error },
    #[error("cargo reported no cdylib for the crate")]
    NoCdylib,
    #[error("maturin reported success but left no wheel in {}", .dir.display())]
    NoWheel { dir: PathBuf },
    #[error("{} is not a valid wheel: {error}", .wheel.display())]
    InvalidWheel {
        wheel: PathBuf,
        error: zip::result::ZipError,
    },
    #[error("reading the wheel {}: {error}", .wheel.display())]
    ReadWheel {
        wheel: PathBuf,
        error: zip::result::ZipError,
    },
    #[error(
        "the wheel {} holds no extension module named `{module}`: check `module-name` in pyproject.toml",
        .wheel.display()
    )]
    NoExtensionModule { wheel: PathBuf, module: String },
    /// A file operation; fs-err's message names the operation and the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Build `variant` of `exercise`. A crate that does not compile is a [`BuildOutcome::Failed`];
/// an `Err` means the grader itself could not run the build.
pub fn build(
    workspace: &Workspace,
    toolchain: &Toolchain,
    exercise: &Exercise,
    variant: Variant,
    sandbox: Option<&Sandbox>,
) -> Result<BuildOutcome, BuildError> {
    let started = Instant::now();
    let crate_dir = variant.crate_dir(exercise);
    let manifest = crate_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(BuildError::MissingManifest {
            manifest: workspace.shown(&manifest),
        });
    }
    let out_dir = workspace
        .grader_dir()
        .join(variant.folder())
        .join(exercise.folder());
    let module_dir = out_dir.join("module");
    let _no_timing_meanwhile = lock(&workspace.measure_lock(), Shared::Yes)?;
    // Courses that share one target/ (the integration tests do) build crates whose artifacts have
    // the same file name; cargo's own lock ends before maturin copies the library into the wheel.
    let _one_build_at_a_time = lock(
        &workspace.target_dir.join("grader").join("build.lock"),
        Shared::No,
    )?;
    let stamp = MaturinStamp::of(workspace, crate_dir);
    // cargo compiles, with JSON messages so that errors keep their place; maturin only packages
    // the library, and only when the package's layout may have changed since it last did.
    let cargo = cargo_rustc(workspace, toolchain, &manifest, sandbox.is_some());
    let compiled = Compiled::run(cargo, sandbox)?;
    if !compiled.success {
        let log = compiled.log();
        let mut errors = compiler_errors(&compiled.messages);
        if errors.is_empty() {
            errors.push(maturin_failure(&log));
        }
        return Ok(BuildOutcome::Failed {
            errors,
            log,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    let log = match stamp.installed_library(&out_dir) {
        Some(installed) => {
            install(&compiled.cdylib()?, &installed)?;
            compiled.log()
        }
        None => {
            let packaged = maturin_build(
                workspace,
                toolchain,
                &manifest,
                &out_dir.join("wheel"),
                sandbox,
            )?;
            // maturin's own cargo run finds everything fresh and replays the compiler's warnings,
            // so only cargo's progress lines come from our run.
            let log = format!(
                "{}\n{}{}",
                compiled.stderr.trim_end(),
                String::from_utf8_lossy(&packaged.stdout),
                String::from_utf8_lossy(&packaged.stderr)
            )
            .trim()
            .to_string();
            if !packaged.status.success() {
                return Ok(BuildOutcome::Failed {
                    errors: vec![maturin_failure(&log)],
                    log,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
            if module_dir.exists() {
                fs::remove_dir_all(&module_dir)?;
            }
            let wheel = find_wheel(&out_dir.join("wheel"))?;
            let library = extract_extension(&wheel, &module_dir, &exercise.module)?;
            stamp.write(&out_dir, &library)?;
            log
        }
    };
    Ok(BuildOutcome::Built {
        module_dir,
        log,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What one `cargo rustc` run said: its JSON messages (stdout) and its own lines (stderr:
/// `Compiling …`, `could not compile …`).
struct Compiled {
    success: bool,
    messages: Vec<Message>,
    stderr: String,
}

impl Compiled {
    fn run(mut command: Command, sandbox: Option<&Sandbox>) -> Result<Self, BuildError> {
        let output = match sandbox {
            Some(sandbox) => sandboxed_output(sandbox, &command)?,
            None => command
                .output()
                .map_err(|error| BuildError::RunCargo { error })?,
        };
        let messages = Message::parse_stream(output.stdout.as_slice())
            .collect::<Result<_, _>>()
            .map_err(|error| BuildError::CargoMessages { error })?;
        Ok(Self {
            success: output.status.success(),
            messages,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    /// The build output a learner reads with `--verbose`: cargo's lines, then the compiler's
    /// messages as rustc rendered them.
    fn log(&self) -> String {
        let rendered: String = self
            .messages
            .iter()
            .filter_map(|message| match message {
                Message::CompilerMessage(message) => message.message.rendered.clone(),
                Message::TextLine(line) => Some(format!("{line}\n")),
                _ => None,
            })
            .collect();
        format!("{}\n{rendered}", self.stderr.trim_end())
            .trim()
            .to_string()
    }

    /// The library cargo built: the last cdylib artifact (the crate comes after its dependencies).
    fn cdylib(&self) -> Result<PathBuf, BuildError> {
        self.messages
            .iter()
            .filter_map(|message| match message {
                Message::CompilerArtifact(artifact) if artifact.target.is_cdylib() => {
                    artifact.filenames.first()
                }
                _ => None,
            })
            .next_back()
            .map(|library| library.clone().into_std_path_buf())
            .ok_or(BuildError::NoCdylib)
    }
}

/// The same `cargo rustc` maturin runs (see `maturin build` with RUST_LOG=maturin=debug), so the
/// artifact, and every fingerprint in target/, is identical to maturin's. Only the message format
/// differs (maturin 1.16 fixes `json-render-diagnostics` and keeps the JSON to itself): plain
/// `json` gives every diagnostic with its spans and its rendered text.
fn cargo_rustc(
    workspace: &Workspace,
    toolchain: &Toolchain,
    manifest: &Path,
    offline: bool,
) -> Command {
    let mut command = Command::new("cargo");
    if offline {
        command.arg("--offline");
    }
    command
        .args([
            "rustc",
            "--profile",
            "release",
            "--message-format",
            "json",
            "--manifest-path",
        ])
        .arg(manifest)
        .arg("--lib");
    add_build_settings(&mut command, workspace, toolchain);
    command
        .env(
            "PYO3_ENVIRONMENT_SIGNATURE",
            environment_signature(toolchain),
        )
        .env("PYTHON_SYS_EXECUTABLE", &toolchain.python);
    command
}

/// What maturin sets in PYO3_ENVIRONMENT_SIGNATURE for CPython on a 64-bit machine.
fn environment_signature(toolchain: &Toolchain) -> String {
    let minor: Vec<&str> = toolchain.python_version.split('.').take(2).collect();
    format!("cpython-{}-{}bit", minor.join("."), usize::BITS)
}

/// Settings shared by maturin's build and ours: the rustc flag naming the course root, and the
/// environment pyo3's build script reads.
fn add_build_settings(command: &mut Command, workspace: &Workspace, toolchain: &Toolchain) {
    command
        // Cargo hashes a path package relative to its workspace, so two copies of a course that
        // share one target/ would pass off each other's library as fresh. A flag naming the course
        // root is part of the crate's fingerprint: switching roots rebuilds that crate (not pyo3).
        .arg("--")
        .arg("--cfg")
        .arg(format!("course_root=\"{}\"", workspace.root_id()))
        .current_dir(&workspace.root)
        // Same values as .cargo/config.toml [env], so pyo3 is not rebuilt when a learner alternates
        // between `cargo check` (or rust-analyzer) and the grader.
        .env("PYO3_PYTHON", &toolchain.python)
        .env("PYO3_BUILD_EXTENSION_MODULE", "1")
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TARGET_DIR", &workspace.target_dir)
        .env_remove("CARGO");
}

fn maturin_build(
    workspace: &Workspace,
    toolchain: &Toolchain,
    manifest: &Path,
    wheel_dir: &Path,
    sandbox: Option<&Sandbox>,
) -> Result<std::process::Output, BuildError> {
    if wheel_dir.exists() {
        fs::remove_dir_all(wheel_dir)?;
    }
    fs::create_dir_all(wheel_dir)?;
    let mut command = Command::new(&toolchain.maturin);
    // `--compatibility linux --auditwheel skip`: the wheel never leaves this machine, and the
    // manylinux audit costs half a second per build. `stored`: we unpack it at once, and reading
    // it then needs no inflate code in the grader.
    command
        .args([
            "build",
            "--release",
            "--compatibility",
            "linux",
            "--auditwheel",
            "skip",
        ])
        .args(["--compression-method", "stored", "-m"])
        .arg(manifest)
        .arg("-i")
        .arg(&toolchain.python)
        .arg("-o")
        .arg(wheel_dir);
    add_build_settings(&mut command, workspace, toolchain);
    if let Some(sandbox) = sandbox {
        // maturin's cargo runs offline through CARGO_NET_OFFLINE, which the sandbox sets.
        return sandboxed_output(sandbox, &command);
    }
    command.output().map_err(|error| BuildError::RunMaturin {
        maturin: toolchain.maturin.clone(),
        error,
    })
}

/// `command` run to its end in the sandbox, its output capped.
fn sandboxed_output(
    sandbox: &Sandbox,
    command: &Command,
) -> Result<std::process::Output, BuildError> {
    Ok(sandbox.output(command)?.output)
}

/// Put the library cargo built where maturin's wheel put it. maturin's own work beyond
/// `cargo rustc` (finding the interpreter, `cargo metadata`, packing and unpacking the wheel)
/// costs ~0.4 s a build and only matters when the package's layout can have changed.
fn install(built: &Path, installed: &Path) -> Result<(), BuildError> {
    // Replace, never overwrite in place: a running interpreter may have the old file mapped.
    let temporary = installed.with_extension("so.new");
    fs::copy(built, &temporary)?;
    fs::rename(&temporary, installed)?;
    Ok(())
}

/// Records what the last maturin build of a variant saw, so that later builds can skip maturin
/// while the package's layout (Cargo.toml, pyproject.toml, the course root) is unchanged.
struct MaturinStamp {
    text: String,
}

impl MaturinStamp {
    const FILE: &'static str = "maturin-stamp";

    fn of(workspace: &Workspace, crate_dir: &Path) -> Self {
        let modified = |name: &str| {
            fs::metadata(crate_dir.join(name))
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |since| since.as_nanos())
        };
        let text = format!(
            "root {}\nCargo.toml {}\npyproject.toml {}\n",
            workspace.root_id(),
            modified("Cargo.toml"),
            modified("pyproject.toml")
        );
        Self { text }
    }

    /// The library file maturin installed, if the stamp is current and the file still exists.
    fn installed_library(&self, out_dir: &Path) -> Option<PathBuf> {
        let saved = fs::read_to_string(out_dir.join(Self::FILE)).ok()?;
        let (layout, library) = saved.rsplit_once("library ")?;
        let library = PathBuf::from(library.trim_end());
        (layout == self.text && library.is_file()).then_some(library)
    }

    fn write(&self, out_dir: &Path, library: &Path) -> Result<(), BuildError> {
        fs::write(
            out_dir.join(Self::FILE),
            format!("{}library {}\n", self.text, library.display()),
        )?;
        Ok(())
    }
}

enum Shared {
    Yes,
    No,
}

/// Builds hold the measure lock shared; speed measurement takes it exclusively (see
/// `lessongrader/perf.py` and the sealed runner's `speed_alone`), so nothing of ours builds while
/// a speed case is timed.
fn lock(path: &Path, shared: Shared) -> Result<File, BuildError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    match shared {
        Shared::Yes => file.lock_shared(),
        Shared::No => file.lock(),
    }?;
    Ok(file)
}

fn find_wheel(dir: &Path) -> Result<PathBuf, BuildError> {
    fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| BuildError::NoWheel {
            dir: dir.to_path_buf(),
        })
}

/// Copy the extension module (`<module>.cpython-…so`, at the top or inside a package folder of
/// the same name) out of the wheel into `module_dir`, keeping the package layout.
fn extract_extension(wheel: &Path, module_dir: &Path, module: &str) -> Result<PathBuf, BuildError> {
    let file = File::open(wheel)?;
    let mut archive = zip::ZipArchive::new(file).map_err(|error| BuildError::InvalidWheel {
        wheel: wheel.to_path_buf(),
        error,
    })?;
    let mut found = None;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| BuildError::ReadWheel {
                wheel: wheel.to_path_buf(),
                error,
            })?;
        let Some(relative) = entry.enclosed_name() else {
            continue;
        };
        let top = relative
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        if top
            .as_deref()
            .is_some_and(|top| top.ends_with(".dist-info"))
            || entry.is_dir()
        {
            continue;
        }
        let target = module_dir.join(&relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut out = File::create(&target)?;
        std::io::copy(&mut entry, &mut out)?;
        let name = relative.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with(&format!("{module}.")) && name.ends_with(".so") {
            found = Some(target);
        }
    }
    found.ok_or_else(|| BuildError::NoExtensionModule {
        wheel: wheel.to_path_buf(),
        module: module.to_string(),
    })
}
