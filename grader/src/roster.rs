//! A class's submissions: who they are (the entries of a folder and an optional `roster.csv`),
//! what is taken from each (only `exercises/NN-slug/src/**/*.rs`, size-capped; everything else
//! is listed as not graded), the pristine copy of the course it is laid over (a "slot", reused
//! from student to student), grading it with the one engine, its points, and the key its result
//! is cached under.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Exercise};
use crate::engine::{Engine, Job, Observer, Outcome, Settings};
use crate::intake::{self, Limits};
use crate::run::{CheckPlan, OffReason, Plan};
use crate::sandbox::Sandboxes;
use crate::verdict::{CheckName, CheckStatus, Status, Verdict};
use crate::workspace::Workspace;
use crate::{Error, Variant};

/// The file beside the submissions that names the class.
pub const ROSTER_FILE: &str = "roster.csv";

/// Bytes of Rust source taken from one submission, every exercise together.
pub const MAX_SOURCE_BYTES: u64 = 2 << 20;

/// Folders of a student's copy that are never looked at: build output, environments, history.
const IGNORED_DIRS: &[&str] = &[
    ".git",
    "target",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".course-backups",
    "node_modules",
    "__MACOSX",
    ".idea",
    ".vscode",
];

/// One student of the class: from the roster, from the submissions folder, or both.
#[derive(Debug, Clone)]
pub struct Student {
    /// The folder or archive stem, or the roster's `id` / `github_username`.
    pub id: String,
    /// From the roster, else empty.
    pub name: String,
    /// From the roster, else empty.
    pub email: String,
    /// What the student handed in, or why it cannot be read at all.
    pub entry: Entry,
}

/// What a student handed in.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A folder (a clone, an unpacked upload).
    Folder(PathBuf),
    /// A `.zip` or `.tar.gz`.
    Archive(PathBuf),
    /// Listed in the roster, nothing in the folder.
    Missing,
    /// Something that is no submission (a stray file, a name that is not UTF-8).
    Unusable(String),
}

/// Why the submissions folder or its roster cannot be read at all (bad usage, exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// The folder does not exist or cannot be listed.
    #[error("cannot read the submissions folder {}: {error}", .dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// Nothing in the folder is a submission, and no roster names anyone.
    #[error(
        "{} holds no submissions: put one folder, .zip or .tar.gz per student in it (named after \
         the student's id), and optionally a roster.csv",
        .dir.display()
    )]
    Empty {
        /// The folder.
        dir: PathBuf,
    },
    /// `roster.csv` is malformed.
    #[error("{}: {message}", .path.display())]
    Csv {
        /// The roster file.
        path: PathBuf,
        /// csv's message or the missing column.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
struct RosterRow {
    #[serde(alias = "github_username", alias = "identifier")]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

/// Every student of `dir`: the roster's, in its order, then the other entries by id.
pub fn students(dir: &Path) -> Result<Vec<Student>, RosterError> {
    let listing = std::fs::read_dir(dir).map_err(|error| RosterError::Folder {
        dir: dir.to_path_buf(),
        error,
    })?;
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for item in listing {
        let item = item.map_err(|error| RosterError::Folder {
            dir: dir.to_path_buf(),
            error,
        })?;
        let path = item.path();
        let Some(name) = item.file_name().to_str().map(str::to_string) else {
            let shown = item.file_name().to_string_lossy().into_owned();
            entries.insert(
                shown,
                Entry::Unusable(
                    "the entry's name is not UTF-8: rename it to the student's id".into(),
                ),
            );
            continue;
        };
        if name == ROSTER_FILE || name.starts_with('.') {
            continue;
        }
        let kind = std::fs::symlink_metadata(&path).map(|meta| meta.file_type());
        match kind {
            Ok(kind) if kind.is_dir() => {
                entries.insert(name, Entry::Folder(path));
            }
            Ok(kind) if kind.is_file() => match intake::archive_stem(&name) {
                Some(stem) if !stem.is_empty() => {
                    entries.insert(stem.to_string(), Entry::Archive(path));
                }
                _ => {
                    entries.insert(
                        name,
                        Entry::Unusable(
                            "not a folder, a .zip or a .tar.gz: a submission is one of those"
                                .into(),
                        ),
                    );
                }
            },
            _ => {
                entries.insert(
                    name,
                    Entry::Unusable("not a folder or a regular file (a link?)".into()),
                );
            }
        }
    }
    let mut students = Vec::new();
    let roster_path = dir.join(ROSTER_FILE);
    if roster_path.is_file() {
        let csv_error = |message: String| RosterError::Csv {
            path: roster_path.clone(),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(&roster_path)
            .map_err(|error| csv_error(error.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        for row in reader.deserialize::<RosterRow>() {
            let row = row.map_err(|error| {
                csv_error(format!(
                    "{error} (expected the columns id,name,email; github_username is accepted as id)"
                ))
            })?;
            if row.id.is_empty() || !seen.insert(row.id.clone()) {
                continue;
            }
            let key = entries
                .keys()
                .find(|key| key.eq_ignore_ascii_case(&row.id))
                .cloned();
            let entry = key
                .and_then(|key| entries.remove(&key))
                .unwrap_or(Entry::Missing);
            students.push(Student {
                id: row.id,
                name: row.name,
                email: row.email,
                entry,
            });
        }
    }
    students.extend(entries.into_iter().map(|(id, entry)| Student {
        id,
        name: String::new(),
        email: String::new(),
        entry,
    }));
    if students.is_empty() {
        return Err(RosterError::Empty {
            dir: dir.to_path_buf(),
        });
    }
    Ok(students)
}

/// What was taken from a submission, and what was not.
#[derive(Debug, Clone, Default)]
pub struct Taken {
    /// `exercises/NN-slug/src/…rs` → its bytes, in path order.
    pub files: BTreeMap<String, Vec<u8>>,
    /// `path (why)` for every file of the submission that was not graded.
    pub not_graded: Vec<String>,
}

/// Read a submission: unpack an archive into `staging`, find the copy of the course in it, and
/// take its Rust sources. `Err` is the reason the student's row is `error`.
pub fn take(
    course: &Workspace,
    catalog: &Catalog,
    student: &Student,
    staging: &Path,
) -> Result<Taken, String> {
    let root = match &student.entry {
        Entry::Folder(path) => path.clone(),
        Entry::Archive(path) => {
            fs::create_dir_all(staging).map_err(|error| error.to_string())?;
            intake::unpack(path, staging, &Limits::default()).map_err(|error| {
                format!(
                    "{}: {error}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                )
            })?;
            staging.to_path_buf()
        }
        Entry::Missing => return Err("nothing was submitted".into()),
        Entry::Unusable(reason) => return Err(reason.clone()),
    };
    let root = course_root_in(&root)?;
    take_sources(course, catalog, &root)
}

/// The folder holding `exercises/`: the submission itself or its one top-level folder.
fn course_root_in(submission: &Path) -> Result<PathBuf, String> {
    if submission.join("exercises").is_dir() {
        return Ok(submission.to_path_buf());
    }
    let children: Vec<PathBuf> = std::fs::read_dir(submission)
        .map_err(|error| format!("cannot read the submission: {error}"))?
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != "__MACOSX"
        })
        .map(|entry| entry.path())
        .collect();
    if children.is_empty() {
        return Err("empty submission: there is nothing in it".into());
    }
    if let [only] = children.as_slice()
        && only.join("exercises").is_dir()
    {
        return Ok(only.clone());
    }
    Err(
        "not a copy of the course: no exercises/ folder at its top (or in its one top-level folder)"
            .into(),
    )
}

fn take_sources(course: &Workspace, catalog: &Catalog, root: &Path) -> Result<Taken, String> {
    let folders: Vec<String> = catalog.exercises.iter().map(Exercise::folder).collect();
    let mut taken = Taken::default();
    let mut bytes: u64 = 0;
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            !(entry.depth() > 0
                && entry.file_type().is_dir()
                && entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| IGNORED_DIRS.contains(&name)))
        });
    for entry in walk {
        let entry = entry.map_err(|error| format!("cannot read the submission: {error}"))?;
        if entry.file_type().is_dir() {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let Some(relative) = relative.to_str().map(|path| path.replace('\\', "/")) else {
            return Err(format!(
                "a file name is not UTF-8: {}",
                relative.to_string_lossy()
            ));
        };
        let parts: Vec<&str> = relative.split('/').collect();
        let in_src = parts.len() >= 4
            && parts[0] == "exercises"
            && folders.iter().any(|folder| folder == parts[1])
            && parts[2] == "src";
        if in_src {
            if !entry.file_type().is_file() {
                taken.not_graded.push(format!("{relative} (a link)"));
            } else if relative.ends_with(".rs") {
                let size = entry.metadata().map(|meta| meta.len()).unwrap_or(0);
                bytes += size;
                if bytes > MAX_SOURCE_BYTES {
                    return Err(format!(
                        "src/ over the size cap: more than {MAX_SOURCE_BYTES} bytes of Rust source"
                    ));
                }
                let body = std::fs::read(entry.path())
                    .map_err(|error| format!("cannot read {relative}: {error}"))?;
                taken.files.insert(relative, body);
            } else {
                taken
                    .not_graded
                    .push(format!("{relative} (not a Rust source)"));
            }
            continue;
        }
        if same_as_course(course, &relative, entry.path()) {
            continue;
        }
        taken.not_graded.push(format!(
            "{relative} ({})",
            why_not(&relative, &parts, &folders)
        ));
    }
    Ok(taken)
}

/// The course has this very file (so there is nothing to report).
fn same_as_course(course: &Workspace, relative: &str, path: &Path) -> bool {
    let ours = course.root.join(relative);
    let (Ok(theirs_meta), Ok(ours_meta)) =
        (std::fs::symlink_metadata(path), std::fs::metadata(&ours))
    else {
        return false;
    };
    theirs_meta.is_file()
        && theirs_meta.len() == ours_meta.len()
        && std::fs::read(path).ok() == std::fs::read(&ours).ok()
}

fn why_not(relative: &str, parts: &[&str], folders: &[String]) -> &'static str {
    let file = parts.last().copied().unwrap_or_default();
    let known_exercise = parts.len() >= 3
        && parts[0] == "exercises"
        && folders.iter().any(|folder| folder == parts[1]);
    if file == "build.rs" {
        "a build script: never run"
    } else if known_exercise && parts[2] == "tests" {
        "a changed test: the course's tests are used"
    } else if matches!(
        file,
        "Cargo.toml" | "Cargo.lock" | "pyproject.toml" | "exercise.toml" | "config.toml"
    ) {
        "an edited manifest: the course's is used"
    } else if parts.first() == Some(&"exercises") && !known_exercise {
        "not an exercise of the course"
    } else if relative.starts_with("solutions/") {
        "solutions are never taken from a submission"
    } else {
        "not part of what is graded"
    }
}

/// A pristine copy of the course's grading inputs (the workspace Cargo.toml with only the
/// exercises as members, Cargo.lock, each exercise's manifests, exercise.toml and tests), with
/// one student's sources laid over it. Reused from student to student: copied files keep the
/// course's modification times, so cargo rebuilds only the crates whose sources changed and
/// maturin's packaging is not redone.
pub struct Slot {
    workspace: Workspace,
}

impl Slot {
    /// Make (or refresh) the slot at `dir` from `course`.
    pub fn prepare(course: &Workspace, catalog: &Catalog, dir: &Path) -> std::io::Result<Self> {
        fs::create_dir_all(dir.join("exercises"))?;
        // An exercise the course no longer has must not linger in the slot's workspace.
        let wanted: Vec<String> = catalog.exercises.iter().map(Exercise::folder).collect();
        for entry in fs::read_dir(dir.join("exercises"))?.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !wanted.contains(&name) {
                fs::remove_dir_all(entry.path())?;
            }
        }
        let manifest = fs::read_to_string(course.root.join("Cargo.toml"))?;
        write_if_changed(
            &dir.join("Cargo.toml"),
            exercises_only(&manifest).as_bytes(),
        )?;
        copy_keeping_time(&course.root.join("Cargo.lock"), &dir.join("Cargo.lock"))?;
        for exercise in &catalog.exercises {
            let into = dir.join("exercises").join(exercise.folder());
            for entry in walkdir::WalkDir::new(&exercise.dir)
                .into_iter()
                .filter_entry(|entry| {
                    entry.depth() != 1
                        || !matches!(entry.file_name().to_str(), Some("src" | "target"))
                })
            {
                let entry = entry.map_err(std::io::Error::from)?;
                let relative = entry
                    .path()
                    .strip_prefix(&exercise.dir)
                    .unwrap_or(entry.path());
                if relative
                    .components()
                    .any(|part| part.as_os_str() == "__pycache__")
                {
                    continue;
                }
                let to = into.join(relative);
                if entry.file_type().is_dir() {
                    fs::create_dir_all(&to)?;
                } else if entry.file_type().is_file() {
                    copy_keeping_time(entry.path(), &to)?;
                }
            }
        }
        let mut workspace = course.clone();
        workspace.root = fs::canonicalize(dir)?;
        Ok(Self { workspace })
    }

    /// The slot as a course the engine can open.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// Make each exercise's `src/` the course's skeleton with the student's files over it. A file
    /// that already holds the wanted bytes is left alone (its modification time too), so cargo
    /// rebuilds only the crates whose sources differ from the previous student's; a file written
    /// is newer than any build of the slot, so cargo never takes a stale build for it.
    pub fn lay(&self, course: &Catalog, taken: &Taken) -> std::io::Result<()> {
        for exercise in &course.exercises {
            let folder = exercise.folder();
            let src = self
                .workspace
                .root
                .join("exercises")
                .join(&folder)
                .join("src");
            let skeleton = exercise.dir.join("src");
            let mut wanted: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
            for entry in walkdir::WalkDir::new(&skeleton) {
                let entry = entry.map_err(std::io::Error::from)?;
                if entry.file_type().is_file() {
                    let relative = entry.path().strip_prefix(&skeleton).unwrap_or(entry.path());
                    wanted.insert(relative.to_path_buf(), fs::read(entry.path())?);
                }
            }
            let prefix = format!("exercises/{folder}/src/");
            for (path, body) in &taken.files {
                if let Some(relative) = path.strip_prefix(&prefix) {
                    wanted.insert(PathBuf::from(relative), body.clone());
                }
            }
            sync_tree(&src, &wanted)?;
        }
        Ok(())
    }

    /// Grade every exercise of the slot with every check, hidden tests from `course`, cargo,
    /// maturin and pytest inside `sandbox` when there is one.
    /// `timed_sealed`: the exercises whose speed the sealed checks time (not timed in-process).
    pub fn grade(
        &self,
        course: &Workspace,
        python: Option<&Path>,
        sandbox: Option<Sandboxes>,
        timed_sealed: &dyn Fn(&Exercise) -> bool,
        observer: &mut dyn Observer,
    ) -> Result<Vec<Outcome>, Error> {
        let settings = Settings {
            full_tracebacks: false,
            hidden_tests: Some(course.root.clone()),
            sandbox,
            patient_timing: true,
        };
        let engine = Engine::open_in(self.workspace.clone(), python, settings, observer)?;
        let jobs: Vec<Job> = (engine.catalog().exercises.iter().enumerate())
            .map(|(index, exercise)| Job {
                exercise: index,
                variant: Variant::Learner,
                plan: CheckPlan {
                    perf: if timed_sealed(exercise) {
                        Plan::Off(OffReason::Sealed)
                    } else {
                        Plan::Run
                    },
                    ..CheckPlan::FULL
                },
            })
            .collect();
        Ok(engine.run(&jobs, observer))
    }
}

/// Make `dir` hold exactly `files` (relative path → bytes): what differs is written, what is not
/// wanted is removed, the rest is not touched.
fn sync_tree(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> std::io::Result<()> {
    if dir.exists() && !dir.is_dir() {
        fs::remove_file(dir)?;
    }
    fs::create_dir_all(dir)?;
    // Deepest first, so that a folder is looked at after its contents.
    for entry in walkdir::WalkDir::new(dir).min_depth(1).contents_first(true) {
        let entry = entry.map_err(std::io::Error::from)?;
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        if entry.file_type().is_dir() {
            // Kept when it holds a wanted file (and is not itself where a file must go).
            if !files
                .keys()
                .any(|file| file.starts_with(relative) && file != relative)
            {
                fs::remove_dir_all(entry.path())?;
            }
        } else if !files.contains_key(relative) {
            fs::remove_file(entry.path())?;
        }
    }
    for (relative, body) in files {
        let to = dir.join(relative);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        write_if_changed(&to, body)?;
    }
    Ok(())
}

/// The course's workspace manifest with only `exercises/*` as members (the slot has no CLI,
/// grader, solutions or lesson).
fn exercises_only(manifest: &str) -> String {
    let Ok(mut table) = manifest.parse::<toml::Table>() else {
        return manifest.to_string();
    };
    if let Some(toml::Value::Table(workspace)) = table.get_mut("workspace") {
        workspace.insert(
            "members".into(),
            toml::Value::Array(vec![toml::Value::String("exercises/*".into())]),
        );
        workspace.remove("default-members");
        workspace.remove("exclude");
    }
    toml::to_string(&table).unwrap_or_else(|_| manifest.to_string())
}

fn write_if_changed(path: &Path, body: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(body) {
        return Ok(());
    }
    fs::write(path, body)
}

/// Copy `from` unless `to` already has its bytes, and give `to` the modification time of `from`.
fn copy_keeping_time(from: &Path, to: &Path) -> std::io::Result<()> {
    if !from.is_file() {
        return Ok(());
    }
    let body = fs::read(from)?;
    if std::fs::read(to).ok() != Some(body.clone()) {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(to, &body)?;
    }
    let modified = fs::metadata(from)?.modified()?;
    std::fs::File::options()
        .write(true)
        .open(to)?
        .set_modified(modified)?;
    Ok(())
}

/// What each part of an exercise earned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PartPoints {
    /// The tests' points times the share passed (hidden tests included).
    pub tests: f64,
    /// The leak points, when the leak hunt passed.
    pub leaks: f64,
    /// The speed points, when the speed check passed.
    pub speed: f64,
    /// The memory points, when the memory check passed.
    pub memory: f64,
}

impl PartPoints {
    /// Every part together, rounded to hundredths.
    pub fn total(&self) -> f64 {
        let earned = self.tests + self.leaks + self.speed + self.memory;
        (earned * 100.0).round() / 100.0
    }
}

/// What an exercise earned: the tests' points times the share passed (hidden tests included),
/// the leak, memory and speed points when those checks passed. Returns `(points, max)`.
pub fn points(exercise: &Exercise, verdict: &Verdict) -> (f64, f64) {
    let parts = part_points(exercise, verdict, None);
    (parts.total(), crate::gradebook::max_points(exercise))
}

/// Each part's points. Where the course declares a sealed suite, each part (tests, leaks, speed)
/// earns the lower of what the in-process check and the sealed check give it, so that faking
/// the in-process results earns nothing the sealed checks did not confirm. A speed the sealed
/// checks timed alone (switched off in-process) earns what they give it.
pub fn part_points(
    exercise: &Exercise,
    verdict: &Verdict,
    sealed: Option<&crate::sealed::SealedResult>,
) -> PartPoints {
    let table = exercise.points;
    let leaks_max = if exercise.leaks.enabled {
        table.leaks
    } else {
        0
    };
    let passed = |name: CheckName, points: u32| {
        if verdict
            .check(name)
            .is_some_and(|check| check.status == CheckStatus::Passed)
        {
            f64::from(points)
        } else {
            0.0
        }
    };
    let timed_sealed = speed_timed_sealed(verdict);
    let mut parts = PartPoints {
        tests: f64::from(table.tests) * verdict.score.clamp(0.0, 1.0),
        leaks: passed(CheckName::Leaks, leaks_max),
        speed: if timed_sealed && sealed.is_some() {
            f64::from(table.speed)
        } else {
            passed(CheckName::Perf, table.speed)
        },
        memory: passed(CheckName::Memory, table.memory),
    };
    if let Some(sealed) = sealed {
        let (tests, leaks, speed) = crate::sealed::points(exercise, sealed);
        parts.tests = parts.tests.min(tests);
        parts.leaks = parts.leaks.min(leaks);
        parts.speed = parts.speed.min(speed);
        // No sealed suite measures memory: its points stand only on sealed correctness, as
        // the sealed leak and speed points do.
        if tests < f64::from(table.tests) {
            parts.memory = 0.0;
        }
    }
    parts
}

/// Whether the in-process speed check was switched off because the sealed checks time it.
fn speed_timed_sealed(verdict: &Verdict) -> bool {
    verdict
        .check(CheckName::Perf)
        .and_then(|check| check.switched_off())
        == Some(OffReason::Sealed)
}

/// The exercise's status in the gradebook: the in-process verdict's, except that a speed timed
/// only by the sealed checks fails a passed exercise when the sealed speed part did not pass.
pub fn graded_status(verdict: &Verdict, sealed: Option<&crate::sealed::SealedResult>) -> Status {
    let slow = sealed
        .and_then(|sealed| sealed.part(crate::sealed::PartKind::Speed))
        .is_none_or(|part| part.status != crate::sealed::PartStatus::Passed);
    if verdict.status == Status::Passed && speed_timed_sealed(verdict) && slow {
        Status::Failed
    } else {
        verdict.status
    }
}

/// The grading inputs of the course, hashed once per batch: the workspace manifest and lock,
/// every exercise's manifests, exercise.toml, tests and hidden tests, and the plugin's Python.
pub fn course_digest(course: &Workspace, catalog: &Catalog) -> String {
    let mut hasher = Sha256::new();
    let add_tree = |hasher: &mut Sha256, dir: &Path| {
        for entry in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|entry| {
                entry.file_type().is_file()
                    && !entry
                        .path()
                        .components()
                        .any(|part| part.as_os_str() == "__pycache__")
            })
        {
            let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update(std::fs::read(entry.path()).unwrap_or_default());
            hasher.update([0]);
        }
    };
    for name in ["Cargo.toml", "Cargo.lock"] {
        hasher.update(name.as_bytes());
        hasher.update(std::fs::read(course.root.join(name)).unwrap_or_default());
    }
    for exercise in &catalog.exercises {
        hasher.update(exercise.folder().as_bytes());
        for name in ["exercise.toml", "Cargo.toml", "pyproject.toml"] {
            hasher.update(name.as_bytes());
            hasher.update(std::fs::read(exercise.dir.join(name)).unwrap_or_default());
        }
        hasher.update(b"tests");
        add_tree(&mut hasher, &exercise.tests_dir());
        hasher.update(b"hidden");
        add_tree(&mut hasher, &exercise.solution_dir.join("tests_hidden"));
        hasher.update(b"skeleton");
        add_tree(&mut hasher, &exercise.dir.join("src"));
    }
    hasher.update(b"plugin");
    add_tree(&mut hasher, &course.python_support.join("lessongrader"));
    hex(&hasher.finalize())
}

/// The key a student's result is cached under: what was taken from the submission, the
/// course's grading inputs ([`course_digest`]) and the grader's version (`grader`).
pub fn cache_key(taken: &Taken, course_digest: &str, grader: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"roster result v1\0");
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update([0]);
    hasher.update(grader.as_bytes());
    hasher.update([0]);
    hasher.update(course_digest.as_bytes());
    hasher.update([0]);
    for (path, body) in &taken.files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update((body.len() as u64).to_le_bytes());
        hasher.update(body);
    }
    hex(&hasher.finalize())
}

/// The SHA-256 of a file, hex (the grader's own binary, for [`cache_key`]).
pub fn file_digest(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut file = fs::File::open(path)?;
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One exercise of a graded student, as every output and the cache keep it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExerciseGrade {
    /// `exercise-3`
    pub exercise: String,
    /// Points earned.
    pub points: f64,
    /// Points possible.
    pub max: f64,
    /// The verdict's status key (`passed`, `build_failed`, …).
    pub status: String,
    /// `(check, passed|failed|skipped, summary)` per check, for junit.xml.
    pub checks: Vec<CheckLine>,
    /// The full verdict JSON (grades.json).
    pub verdict: serde_json::Value,
    /// What the student reads for this exercise (feedback/<id>.md), hidden tests redacted.
    pub feedback: String,
    /// What each part earned (sealed results taken into account).
    #[serde(default)]
    pub parts: PartPoints,
    /// The sealed checks' result, where the course declares a sealed suite (grades.json).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<crate::sealed::SealedResult>,
    /// What the gradebook's notes column says of this exercise (in-process results that
    /// disagree with the sealed checks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One check of one exercise, as junit.xml shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckLine {
    /// `build`, `tests`, `leaks`, `perf`.
    pub check: String,
    /// `passed`, `failed`, `skipped`.
    pub status: String,
    /// The one-line summary.
    pub summary: String,
}

impl CheckLine {
    /// Every check of a verdict.
    pub fn all(verdict: &Verdict) -> Vec<Self> {
        verdict
            .checks
            .iter()
            .map(|check| Self {
                check: check.name.key().to_string(),
                status: match check.status {
                    CheckStatus::Passed => "passed",
                    CheckStatus::Failed => "failed",
                    CheckStatus::Skipped => "skipped",
                }
                .to_string(),
                summary: check.summary.clone(),
            })
            .collect()
    }
}

/// A verdict as a student may see it: a failing hidden test keeps its name (without its
/// parameters) and loses its statement, values, diff and report; crash frames and output lines
/// that point into the hidden tests are dropped.
pub fn redact_hidden(verdict: &Verdict) -> Verdict {
    use crate::verdict::{CheckDetails, Problem};
    let hidden = |file: &str| file.contains("tests_hidden");
    let mut verdict = verdict.clone();
    for check in &mut verdict.checks {
        if let CheckDetails::Tests { failures, .. } = &mut check.details {
            for failure in failures.iter_mut().filter(|failure| hidden(&failure.file)) {
                let name = failure.name.split('[').next().unwrap_or_default();
                failure.name = format!("{name} (hidden test)");
                failure.file = "hidden tests".into();
                failure.line = 0;
                failure.statement = String::new();
                failure.summary = "a hidden test failed; its details are not shown".into();
                failure.comparison = None;
                failure.report = String::new();
            }
        }
    }
    if let Some(Problem::Crash {
        frames,
        stderr_tail,
        ..
    }) = &mut verdict.problem
    {
        frames.retain(|frame| !hidden(frame));
        let mut kept = Vec::new();
        let mut skip_next = false;
        for line in stderr_tail.lines() {
            if hidden(line) {
                skip_next = true;
                continue;
            }
            if skip_next && line.starts_with("    ") {
                skip_next = false;
                continue;
            }
            skip_next = false;
            kept.push(line);
        }
        *stderr_tail = kept.join("\n");
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_manifest_keeps_only_the_exercises() {
        let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\"xtask\", \"exercises/*\"]\ndefault-members = [\"xtask\"]\n\n[workspace.dependencies]\npyo3 = { version = \"0.30.1\" }\n";
        let rewritten: toml::Table = exercises_only(manifest).parse().unwrap();
        let workspace = rewritten["workspace"].as_table().unwrap();
        assert_eq!(
            workspace["members"].as_array().unwrap(),
            &vec![toml::Value::String("exercises/*".into())]
        );
        assert!(!workspace.contains_key("default-members"));
        assert!(workspace.contains_key("dependencies"));
    }

    #[test]
    fn students_come_from_the_roster_then_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("alice")).unwrap();
        std::fs::write(dir.path().join("Bob.zip"), b"").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"").unwrap();
        std::fs::write(
            dir.path().join(ROSTER_FILE),
            "github_username,name,email\nbob,Bob B,b@example.org\ncarol,Carol C,c@example.org\n",
        )
        .unwrap();
        let students = students(dir.path()).unwrap();
        let ids: Vec<&str> = students.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["bob", "carol", "alice", "notes.txt"]);
        assert!(matches!(students[0].entry, Entry::Archive(_)));
        assert_eq!(students[0].name, "Bob B");
        assert!(matches!(students[1].entry, Entry::Missing));
        assert!(matches!(students[2].entry, Entry::Folder(_)));
        assert!(matches!(students[3].entry, Entry::Unusable(_)));
    }

    #[test]
    fn a_slot_keeps_what_did_not_change_and_drops_what_is_not_wanted() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        let mut files = BTreeMap::new();
        files.insert(PathBuf::from("lib.rs"), b"fn a() {}".to_vec());
        files.insert(PathBuf::from("util/mod.rs"), b"fn b() {}".to_vec());
        sync_tree(&src, &files).unwrap();
        std::fs::write(src.join("stray.rs"), "").unwrap();
        std::fs::create_dir_all(src.join("old/deep")).unwrap();
        std::fs::write(src.join("old/deep/x.rs"), "").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for name in ["lib.rs", "util/mod.rs"] {
            std::fs::File::options()
                .write(true)
                .open(src.join(name))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        files.insert(PathBuf::from("util/mod.rs"), b"fn c() {}".to_vec());
        sync_tree(&src, &files).unwrap();
        let modified = |name: &str| {
            std::fs::metadata(src.join(name))
                .unwrap()
                .modified()
                .unwrap()
        };
        assert_eq!(modified("lib.rs"), old, "unchanged: cargo keeps its build");
        assert!(
            modified("util/mod.rs") > old,
            "changed: newer than any build"
        );
        assert_eq!(
            std::fs::read(src.join("util/mod.rs")).unwrap(),
            b"fn c() {}"
        );
        assert!(!src.join("stray.rs").exists());
        assert!(!src.join("old").exists());
    }
}

#[cfg(test)]
mod points_tests {
    use super::*;
    use crate::build::Variant;
    use crate::verdict::{CheckDetails, CheckResult};

    fn exercise(memory_cases: &str) -> Exercise {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("exercises/05-media");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("exercise.toml"),
            format!("id = 5\nslug = \"media\"\ntitle = \"M\"\nmodule = \"m\"\nhints = [\"a\"]\n{memory_cases}"),
        )
        .unwrap();
        Catalog::load(root.path()).unwrap().exercises.remove(0)
    }

    fn verdict(memory: CheckStatus) -> Verdict {
        let check = |name, status| CheckResult {
            name,
            status,
            summary: String::new(),
            details: CheckDetails::None {},
        };
        Verdict {
            exercise: "exercise-5".into(),
            slug: "media".into(),
            title: "M".into(),
            variant: Variant::Learner,
            status: Status::Failed,
            checks: vec![
                check(CheckName::Tests, CheckStatus::Passed),
                check(CheckName::Leaks, CheckStatus::Passed),
                check(CheckName::Memory, memory),
            ],
            score: 1.0,
            seconds: 1.0,
            crate_dir: "exercises/05-media".into(),
            problem: None,
        }
    }

    #[test]
    fn memory_points_count_when_the_memory_check_passed_and_only_where_it_exists() {
        let case = "[[memory]]\nname = \"g\"\ncall = \"m:g\"\nsetup = \"b:s\"\ninput_mib = 64\nmax_extra = 0.01\nhint = \"h\"\n";
        let with_memory = exercise(case);
        assert_eq!(
            points(&with_memory, &verdict(CheckStatus::Passed)),
            (10.0, 10.0)
        );
        assert_eq!(
            points(&with_memory, &verdict(CheckStatus::Failed)),
            (8.0, 10.0)
        );
        assert_eq!(crate::gradebook::max_points(&with_memory), 10.0);
        let without = exercise("");
        assert_eq!(points(&without, &verdict(CheckStatus::Skipped)), (8.0, 8.0));
    }
}
