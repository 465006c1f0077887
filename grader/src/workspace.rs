//! Where things live: the course root, the shared `target/` and the course's `.venv`.
use std::path::{Path, PathBuf};

use fs_err as fs;

/// The folders every stage works in. Tests point these at a fixture course and share the real
/// `.venv` and `target/` through `COURSE_VENV` and `CARGO_TARGET_DIR`.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Holds `exercises/`, `solutions/` and the workspace `Cargo.toml`.
    pub root: PathBuf,
    /// Cargo's target directory (`CARGO_TARGET_DIR` or `<root>/target`).
    pub target_dir: PathBuf,
    /// The Python environment holding maturin and pytest (`COURSE_VENV` or `<root>/.venv`).
    pub venv: PathBuf,
    /// `grader/python` of this repository: the pytest plugin and its helpers.
    pub python_support: PathBuf,
    /// The pinned Python requirements every command needs (maturin, pytest).
    pub requirements: PathBuf,
    /// Extra pins only the lesson's examples need (Cython, plotting), installed by `test`/`book`.
    pub lesson_requirements: PathBuf,
}

impl Workspace {
    /// The workspace the grader was built in (its parent directory), with environment overrides.
    pub fn from_env(root_override: Option<PathBuf>) -> Self {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("grader/ has a parent")
            .to_path_buf();
        let root = root_override
            .or_else(|| std::env::var_os("COURSE_ROOT").map(PathBuf::from))
            .unwrap_or_else(|| repo.clone());
        let root = fs::canonicalize(&root).unwrap_or(root);
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(|dir| absolute(&root, PathBuf::from(dir)))
            .unwrap_or_else(|| root.join("target"));
        let venv = std::env::var_os("COURSE_VENV")
            .map(|dir| absolute(&root, PathBuf::from(dir)))
            .unwrap_or_else(|| root.join(".venv"));
        let python_support = repo.join("grader").join("python");
        let requirements = python_support.join("requirements.txt");
        let lesson_requirements = repo.join("lesson").join("requirements.txt");
        Self {
            root,
            target_dir,
            venv,
            python_support,
            requirements,
            lesson_requirements,
        }
    }

    /// The interpreter inside `.venv`: `<venv>/bin/python`.
    pub fn venv_python(&self) -> PathBuf {
        self.venv.join("bin").join("python")
    }

    /// Everything the grader writes for this course: one folder per variant and exercise. Named
    /// after the course root, because test courses share the real `target/` to reuse its pyo3 build.
    pub fn grader_dir(&self) -> PathBuf {
        let name = self.root.file_name().unwrap_or_default().to_string_lossy();
        self.target_dir
            .join("grader")
            .join(format!("{name}-{}", self.root_id()))
    }

    /// A short id of the course root, stable for one build of the grader.
    pub fn root_id(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.root.hash(&mut hasher);
        format!("{:08x}", hasher.finish() as u32)
    }

    /// Taken shared by builds and exclusively by timing, so that nothing of ours builds while a
    /// perf case is being measured.
    pub fn measure_lock(&self) -> PathBuf {
        self.target_dir.join("grader").join("measure.lock")
    }

    /// A path relative to the course root, for messages.
    pub fn display<'a>(&self, path: &'a Path) -> std::path::Display<'a> {
        path.strip_prefix(&self.root).unwrap_or(path).display()
    }

    /// A path as messages show it (relative to the course root when inside it), to keep.
    pub fn shown(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root).unwrap_or(path).to_path_buf()
    }
}

fn absolute(base: &Path, path: PathBuf) -> PathBuf {
    if path.is_absolute() {
        path
    } else {
        base.join(path)
    }
}
