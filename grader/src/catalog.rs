//! Stage 1: read `exercises/*/exercise.toml` into [`Exercise`] values and resolve how a user
//! names an exercise (`exercise-3`, `3`, `03`, or the slug).
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::{Deserialize, Serialize};

/// One exercise as its `exercise.toml` describes it, plus where its files live.
#[derive(Debug, Clone, Serialize)]
pub struct Exercise {
    /// `NN` of the exercise folder: its order in the course, and the number in `exercise-3`.
    pub id: u32,
    /// The folder name after the number (`lru` in `03-lru`); also accepted as the exercise's name.
    pub slug: String,
    /// The title shown to the learner.
    pub title: String,
    /// The Python module both the learner crate and the solution build (`[tool.maturin] module-name`).
    pub module: String,
    /// How long the test run may take before it is killed, in seconds (default 60).
    pub timeout_secs: u64,
    /// The hints `cargo xtask hint` shows, one more each time it is asked; at least one.
    pub hints: Vec<String>,
    /// How the reference-leak hunt runs (the `[leaks]` table).
    pub leaks: LeakSettings,
    /// The speed cases (the `[[perf]]` tables); none means the exercise has no speed check.
    pub perf: Vec<PerfCase>,
    /// The peak-memory cases (the `[[memory]]` tables); none means no memory check.
    pub memory: Vec<MemoryCase>,
    /// What each check is worth where a platform gives marks (the `[points]` table).
    pub points: Points,
    /// `exercises/NN-slug`
    pub dir: PathBuf,
    /// `solutions/NN-slug`
    pub solution_dir: PathBuf,
}

impl Exercise {
    /// `exercise-3`: the name every command prints and accepts.
    pub fn name(&self) -> String {
        format!("exercise-{}", self.id)
    }
    /// `03-lru`: the folder name.
    pub fn folder(&self) -> String {
        format!("{:02}-{}", self.id, self.slug)
    }
    /// `exercises/NN-slug/tests`: the tests the learner sees and pytest runs.
    pub fn tests_dir(&self) -> PathBuf {
        self.dir.join("tests")
    }
}

/// The `[leaks]` table. Its fields are passed to the leak hunt inside the pytest process.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LeakSettings {
    /// Whether this exercise hunts leaks at all (default true).
    pub enabled: bool,
    /// Rounds run and thrown away before measuring (caches, lazy imports, interned strings).
    pub warmup_rounds: u32,
    /// Rounds measured; a leak only when every one of them grows.
    pub measured_rounds: u32,
    /// Only these tests (by function name) are hunted; empty means all of them.
    pub tests: Vec<String>,
}

impl Default for LeakSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            warmup_rounds: 3,
            measured_rounds: 4,
            tests: Vec::new(),
        }
    }
}

/// One `[[perf]]` case: the learner's code against a pure-Python baseline on the same input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PerfCase {
    /// The case's name, as the verdict shows it.
    pub name: String,
    /// `module:qualname` of the pure-Python baseline, in the exercise's `tests/` folder.
    pub baseline: String,
    /// `module:qualname` of the code under test.
    pub candidate: String,
    /// `module:qualname` of a function returning the positional arguments (a tuple).
    pub setup: String,
    /// The median speedup over the baseline the candidate must reach: `8.0` means 8× faster.
    pub min_speedup: f64,
    /// Multi-threaded task: time with the wall clock instead of CPU time.
    #[serde(default)]
    pub threads: bool,
    /// Shown to the learner when the case misses its threshold.
    pub hint: String,
}

/// One `[[memory]]` case: the most memory one call of the learner's function may take beyond
/// what the process held before it, as a share of its input's size (zero-copy: `max_extra = 0.01`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MemoryCase {
    /// The case's name, as the verdict shows it.
    pub name: String,
    /// `module:qualname` of the function under test.
    pub call: String,
    /// `module:qualname` of a function that takes a size in bytes and returns the positional
    /// arguments for an input of that size (a tuple).
    pub setup: String,
    /// The input's size in MiB: large, so that a copy of it dwarfs the noise of one call.
    pub input_mib: u32,
    /// The most extra memory one call may take, as a share of the input's size: `0.01` is 1 %.
    pub max_extra: f64,
    /// Shown to the learner when the case takes too much.
    pub hint: String,
}

impl MemoryCase {
    /// The input's size in bytes.
    pub fn input_bytes(&self) -> u64 {
        u64::from(self.input_mib) << 20
    }

    /// The most extra bytes one call may take.
    pub fn limit_bytes(&self) -> u64 {
        // max_extra is checked to be in 0..=10 and the input below 4 GiB × 1 MiB: no overflow.
        (self.max_extra * self.input_bytes() as f64).floor() as u64
    }
}

/// What each check of an exercise is worth, for graders that give marks (GitHub Classroom,
/// Gradescope, a roster's gradebook). A check's points go to a submission only when that check
/// and the tests both pass.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Points {
    /// The tests passing (default 6).
    pub tests: u32,
    /// No leak found (default 2; 0 when `[leaks] enabled = false`).
    pub leaks: u32,
    /// Every speed case fast enough (default 2; 0 for an exercise without a `[[perf]]` case).
    pub speed: u32,
    /// Every memory case within its limit (default 2; 0 for an exercise without a `[[memory]]`
    /// case).
    pub memory: u32,
}

impl Points {
    /// The default for `tests`.
    pub const TESTS: u32 = 6;
    /// The default for `leaks`, when the leak hunt is on.
    pub const LEAKS: u32 = 2;
    /// The default for `speed`, when there is a speed case.
    pub const SPEED: u32 = 2;
    /// The default for `memory`, when there is a memory case.
    pub const MEMORY: u32 = 2;

    /// Every point the exercise gives.
    pub fn total(&self) -> u32 {
        self.tests + self.leaks + self.speed + self.memory
    }
}

/// The `[points]` table as written: any key left out takes its default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PointsFile {
    tests: Option<u32>,
    leaks: Option<u32>,
    speed: Option<u32>,
    memory: Option<u32>,
}

impl PointsFile {
    /// The points, defaults filled in; a check that cannot run cannot be given points.
    fn resolve(
        &self,
        leaks: &LeakSettings,
        perf: &[PerfCase],
        memory: &[MemoryCase],
    ) -> Result<Points, String> {
        if !leaks.enabled && self.leaks.is_some_and(|points| points > 0) {
            return Err(
                "[points] leaks > 0, but [leaks] enabled = false: no leak hunt runs to earn them"
                    .into(),
            );
        }
        if perf.is_empty() && self.speed.is_some_and(|points| points > 0) {
            return Err("[points] speed > 0, but there is no [[perf]] case to earn them".into());
        }
        if memory.is_empty() && self.memory.is_some_and(|points| points > 0) {
            return Err("[points] memory > 0, but there is no [[memory]] case to earn them".into());
        }
        let points = Points {
            tests: self.tests.unwrap_or(Points::TESTS),
            leaks: self
                .leaks
                .unwrap_or(if leaks.enabled { Points::LEAKS } else { 0 }),
            speed: self
                .speed
                .unwrap_or(if perf.is_empty() { 0 } else { Points::SPEED }),
            memory: self
                .memory
                .unwrap_or(if memory.is_empty() { 0 } else { Points::MEMORY }),
        };
        if points.tests == 0 {
            return Err("[points] tests must be at least 1".into());
        }
        Ok(points)
    }
}

/// `exercise.toml` exactly as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseFile {
    id: u32,
    slug: String,
    title: String,
    module: String,
    #[serde(default = "default_timeout")]
    timeout_secs: u64,
    hints: Vec<String>,
    #[serde(default)]
    leaks: LeakSettings,
    #[serde(default)]
    perf: Vec<PerfCase>,
    #[serde(default)]
    memory: Vec<MemoryCase>,
    #[serde(default)]
    points: PointsFile,
}

fn default_timeout() -> u64 {
    60
}

/// Every exercise of a course, in order.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The exercises, sorted by folder name and so by id; no id appears twice.
    pub exercises: Vec<Exercise>,
}

/// What went wrong reading the catalog. Each variant says which file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// `<root>/exercises` (the path given) is missing or holds no folder with an `exercise.toml`.
    #[error(
        "no exercises found: {} does not exist or is empty (run from the course workspace)",
        .0.display()
    )]
    NoExercisesDir(PathBuf),
    /// An `exercise.toml` that cannot be read; fs-err's message names the file.
    #[error(transparent)]
    Unreadable(#[from] std::io::Error),
    /// A TOML syntax or schema error, with the 1-based line and column where toml found it.
    #[error("{}{}: invalid exercise.toml: {message}", .path.display(), place(*.line, *.column))]
    Malformed {
        /// The `exercise.toml`.
        path: PathBuf,
        /// 1-based line of the error, when toml named a place.
        line: Option<usize>,
        /// 1-based column of the error, in characters, when toml named a place.
        column: Option<usize>,
        /// toml's description of the error.
        message: String,
    },
    /// An `exercise.toml` that parses but does not fit: a folder not named `NN-slug`, an id
    /// used twice, an invalid module name, no hints, a zero timeout, a malformed perf case.
    #[error("{}: {message}", .path.display())]
    Inconsistent {
        /// The offending `exercise.toml`.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// `:3:9` when toml named a place, else nothing.
fn place(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        _ => String::new(),
    }
}

impl Catalog {
    /// Read `<root>/exercises/*/exercise.toml`. Folders without an `exercise.toml` are ignored.
    pub fn load(root: &Path) -> Result<Self, CatalogError> {
        let exercises_dir = root.join("exercises");
        let entries = fs::read_dir(&exercises_dir)
            .map_err(|_| CatalogError::NoExercisesDir(exercises_dir.clone()))?;
        let mut folders: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.join("exercise.toml").is_file())
            .collect();
        folders.sort();
        if folders.is_empty() {
            return Err(CatalogError::NoExercisesDir(exercises_dir));
        }
        let mut exercises = Vec::with_capacity(folders.len());
        for folder in folders {
            exercises.push(load_exercise(root, &folder)?);
        }
        for pair in exercises.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(CatalogError::Inconsistent {
                    path: pair[1].dir.join("exercise.toml"),
                    message: format!(
                        "id {} is also used by {}",
                        pair[1].id,
                        pair[0].dir.display()
                    ),
                });
            }
        }
        Ok(Self { exercises })
    }

    /// Find an exercise by `exercise-3`, `3`, `03`, `03-lru` or `lru`.
    pub fn find(&self, query: &str) -> Result<&Exercise, UnknownExercise> {
        let wanted = query.trim().to_ascii_lowercase();
        let number = wanted.strip_prefix("exercise-").unwrap_or(&wanted);
        let found = self.exercises.iter().find(|exercise| {
            number.parse::<u32>().is_ok_and(|id| id == exercise.id)
                || wanted == exercise.slug
                || wanted == exercise.folder()
        });
        found.ok_or_else(|| UnknownExercise {
            query: query.to_string(),
            suggestions: self.closest(&wanted),
        })
    }

    /// The position in [`Catalog::exercises`] of the exercise `query` names (what a job holds).
    pub fn index_of(&self, query: &str) -> Result<usize, UnknownExercise> {
        let id = self.find(query)?.id;
        Ok(self
            .exercises
            .iter()
            .position(|exercise| exercise.id == id)
            .expect("find returns one of the catalog's exercises"))
    }

    /// Every exercise name, closest to `query` first.
    fn closest(&self, query: &str) -> Vec<String> {
        let mut scored: Vec<(f64, String)> = self
            .exercises
            .iter()
            .map(|exercise| {
                let label = format!("{} ({})", exercise.name(), exercise.slug);
                let score = [exercise.name(), exercise.slug.clone(), exercise.folder()]
                    .iter()
                    .map(|candidate| strsim::jaro_winkler(query, candidate))
                    .fold(0.0, f64::max);
                (score, label)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().map(|(_, label)| label).collect()
    }
}

/// A name that matches no exercise, with every valid name, closest first.
#[derive(Debug, thiserror::Error)]
#[error(
    "there is no exercise called `{query}`. The exercises are:\n{}Name one as `exercise-3`, `3`, `03` or by its slug.",
    listed(.suggestions)
)]
pub struct UnknownExercise {
    /// The name as the user gave it.
    pub query: String,
    /// Every exercise as `exercise-3 (lru)`, closest to the query first.
    pub suggestions: Vec<String>,
}

/// One indented line per suggestion.
fn listed(suggestions: &[String]) -> String {
    suggestions
        .iter()
        .map(|suggestion| format!("  {suggestion}\n"))
        .collect()
}

fn load_exercise(root: &Path, folder: &Path) -> Result<Exercise, CatalogError> {
    let path = folder.join("exercise.toml");
    let text = fs::read_to_string(&path)?;
    let file = parse_exercise_file(&path, &text)?;
    let inconsistent = |message: String| CatalogError::Inconsistent {
        path: path.clone(),
        message,
    };
    let folder_name = folder
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    let expected_folder = format!("{:02}-{}", file.id, file.slug);
    if folder_name != expected_folder {
        return Err(inconsistent(format!(
            "id {} and slug `{}` say the folder should be `{expected_folder}`, but it is `{folder_name}`",
            file.id, file.slug
        )));
    }
    if !is_python_identifier(&file.module) {
        return Err(inconsistent(format!(
            "module `{}` is not a valid Python module name",
            file.module
        )));
    }
    if file.hints.is_empty() {
        return Err(inconsistent(
            "`hints` is empty: give at least one hint".into(),
        ));
    }
    if file.timeout_secs == 0 {
        return Err(inconsistent("`timeout_secs` must be at least 1".into()));
    }
    for case in &file.perf {
        if !(case.min_speedup.is_finite() && case.min_speedup > 0.0) {
            return Err(inconsistent(format!(
                "perf case `{}`: min_speedup must be > 0",
                case.name
            )));
        }
        for (field, target) in [
            ("baseline", &case.baseline),
            ("candidate", &case.candidate),
            ("setup", &case.setup),
        ] {
            if target
                .split_once(':')
                .is_none_or(|(module, name)| module.is_empty() || name.is_empty())
            {
                return Err(inconsistent(format!(
                    "perf case `{}`: {field} = \"{target}\" must look like \"module:function\"",
                    case.name
                )));
            }
        }
    }
    for case in &file.memory {
        check_memory_case(case).map_err(&inconsistent)?;
    }
    let points = file
        .points
        .resolve(&file.leaks, &file.perf, &file.memory)
        .map_err(inconsistent)?;
    Ok(Exercise {
        id: file.id,
        slug: file.slug,
        title: file.title,
        module: file.module,
        timeout_secs: file.timeout_secs,
        hints: file.hints,
        leaks: file.leaks,
        perf: file.perf,
        memory: file.memory,
        points,
        dir: folder.to_path_buf(),
        solution_dir: root.join("solutions").join(folder_name),
    })
}

/// A `[[memory]]` case that can be measured: targets named `module:function`, an input of at least
/// 1 MiB and a limit that is a share of it.
fn check_memory_case(case: &MemoryCase) -> Result<(), String> {
    for (field, target) in [("call", &case.call), ("setup", &case.setup)] {
        if target
            .split_once(':')
            .is_none_or(|(module, name)| module.is_empty() || name.is_empty())
        {
            return Err(format!(
                "memory case `{}`: {field} = \"{target}\" must look like \"module:function\"",
                case.name
            ));
        }
    }
    if case.input_mib == 0 {
        return Err(format!(
            "memory case `{}`: input_mib must be at least 1 (a copy must dwarf the noise)",
            case.name
        ));
    }
    if !(case.max_extra.is_finite() && (0.0..=10.0).contains(&case.max_extra)) {
        return Err(format!(
            "memory case `{}`: max_extra is a share of the input's size, from 0 to 10 (0.01 is 1 %)",
            case.name
        ));
    }
    Ok(())
}

fn parse_exercise_file(path: &Path, text: &str) -> Result<ExerciseFile, CatalogError> {
    toml::from_str(text).map_err(|error: toml::de::Error| {
        let (line, column) = match error.span() {
            Some(span) => {
                let (line, column) = line_and_column(text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        CatalogError::Malformed {
            path: path.to_path_buf(),
            line,
            column,
            message: error.message().to_string(),
        }
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn is_python_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_exercise(root: &Path, folder: &str, toml_text: &str) {
        let dir = root.join("exercises").join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("exercise.toml"), toml_text).unwrap();
    }

    const VALID: &str =
        "id = 3\nslug = \"lru\"\ntitle = \"LRU\"\nmodule = \"lrucache\"\nhints = [\"a\"]\n";

    #[test]
    fn finds_an_exercise_by_every_accepted_name() {
        let root = tempfile::tempdir().unwrap();
        write_exercise(root.path(), "03-lru", VALID);
        let catalog = Catalog::load(root.path()).unwrap();
        for name in ["exercise-3", "3", "03", "lru", "03-lru", "Exercise-3"] {
            assert_eq!(catalog.find(name).unwrap().slug, "lru", "name {name}");
        }
        let unknown = catalog.find("exercise-9").unwrap_err();
        assert_eq!(unknown.suggestions, vec!["exercise-3 (lru)".to_string()]);
    }

    #[test]
    fn malformed_toml_reports_line_and_column() {
        let root = tempfile::tempdir().unwrap();
        write_exercise(root.path(), "03-lru", "id = 3\nslug = \"lru\"\ntitle = 5\n");
        let error = Catalog::load(root.path()).unwrap_err().to_string();
        assert!(error.contains("03-lru/exercise.toml:3:9"), "{error}");
        assert!(error.contains("invalid exercise.toml"), "{error}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let root = tempfile::tempdir().unwrap();
        write_exercise(
            root.path(),
            "03-lru",
            &format!("{VALID}[leaks]\nenabeld = false\n"),
        );
        let error = Catalog::load(root.path()).unwrap_err().to_string();
        assert!(error.contains("enabeld"), "{error}");
    }

    const PERF: &str = "[[perf]]\nname = \"f\"\nbaseline = \"b:f\"\ncandidate = \"m:f\"\nsetup = \"b:s\"\nmin_speedup = 2.0\nhint = \"h\"\n";

    fn points_of(extra: &str) -> Result<Points, String> {
        let root = tempfile::tempdir().unwrap();
        write_exercise(root.path(), "03-lru", &format!("{VALID}{extra}"));
        Catalog::load(root.path())
            .map(|catalog| catalog.exercises[0].points)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn points_default_to_six_two_two_and_no_speed_points_without_a_speed_case() {
        let plain = points_of("").unwrap();
        assert_eq!((plain.tests, plain.leaks, plain.speed), (6, 2, 0));
        let with_perf = points_of(PERF).unwrap();
        assert_eq!(
            (with_perf.tests, with_perf.leaks, with_perf.speed),
            (6, 2, 2)
        );
        assert_eq!(with_perf.total(), 10);
        let no_leaks = points_of("[leaks]\nenabled = false\n").unwrap();
        assert_eq!(no_leaks.leaks, 0);
        let set = points_of(&format!("[points]\ntests = 10\nspeed = 5\n{PERF}")).unwrap();
        assert_eq!((set.tests, set.leaks, set.speed), (10, 2, 5));
    }

    #[test]
    fn points_for_a_check_that_never_runs_are_refused() {
        let error = points_of("[points]\nspeed = 2\n").unwrap_err();
        assert!(error.contains("no [[perf]] case"), "{error}");
        let error = points_of("[points]\nleaks = 1\n[leaks]\nenabled = false\n").unwrap_err();
        assert!(error.contains("enabled = false"), "{error}");
        let error = points_of("[points]\ntests = 0\n").unwrap_err();
        assert!(error.contains("at least 1"), "{error}");
        let error = points_of("[points]\ntest = 3\n").unwrap_err();
        assert!(error.contains("unknown field `test`"), "{error}");
        let error = points_of("[points]\ntests = -1\n").unwrap_err();
        assert!(error.contains("exercise.toml:7"), "{error}");
    }

    const MEMORY: &str = "[[memory]]\nname = \"g\"\ncall = \"m:g\"\nsetup = \"b:s\"\ninput_mib = 64\nmax_extra = 0.01\nhint = \"h\"\n";

    #[test]
    fn memory_points_default_to_two_with_a_memory_case_and_none_without() {
        let plain = points_of("").unwrap();
        assert_eq!(plain.memory, 0);
        let with_memory = points_of(MEMORY).unwrap();
        assert_eq!((with_memory.memory, with_memory.total()), (2, 10));
        let set = points_of(&format!("[points]\nmemory = 3\n{MEMORY}")).unwrap();
        assert_eq!(set.memory, 3);
        let error = points_of("[points]\nmemory = 1\n").unwrap_err();
        assert!(error.contains("no [[memory]] case"), "{error}");
    }

    #[test]
    fn a_memory_case_reads_its_size_and_limit_and_refuses_what_cannot_be_measured() {
        let root = tempfile::tempdir().unwrap();
        write_exercise(root.path(), "03-lru", &format!("{VALID}{MEMORY}"));
        let catalog = Catalog::load(root.path()).unwrap();
        let case = &catalog.exercises[0].memory[0];
        assert_eq!(
            (case.input_bytes(), case.limit_bytes()),
            (64 << 20, 671_088)
        );
        for (wrong, expected) in [
            ("call = \"m:g\"", "call = \"g\""),
            ("input_mib = 64", "input_mib = 0"),
            ("max_extra = 0.01", "max_extra = -0.5"),
            ("max_extra = 0.01", "max_extra = nan"),
        ] {
            let text = format!("{VALID}{}", MEMORY.replace(wrong, expected));
            write_exercise(root.path(), "03-lru", &text);
            let error = Catalog::load(root.path()).unwrap_err().to_string();
            assert!(error.contains("memory case `g`"), "{expected}: {error}");
        }
    }

    #[test]
    fn folder_must_match_id_and_slug() {
        let root = tempfile::tempdir().unwrap();
        write_exercise(root.path(), "04-lru", VALID);
        let error = Catalog::load(root.path()).unwrap_err().to_string();
        assert!(error.contains("should be `03-lru`"), "{error}");
    }

    #[test]
    fn perf_targets_must_name_module_and_function() {
        let root = tempfile::tempdir().unwrap();
        let perf = "[[perf]]\nname = \"x\"\nbaseline = \"baseline\"\ncandidate = \"m:f\"\nsetup = \"b:s\"\nmin_speedup = 2.0\nhint = \"h\"\n";
        write_exercise(root.path(), "03-lru", &format!("{VALID}{perf}"));
        let error = Catalog::load(root.path()).unwrap_err().to_string();
        assert!(error.contains("module:function"), "{error}");
    }

    #[test]
    fn points_load_from_the_file_with_their_defaults() {
        let root = tempfile::tempdir().unwrap();
        write_exercise(root.path(), "03-lru", VALID);
        let plain = Catalog::load(root.path()).unwrap();
        assert_eq!(
            plain.exercises[0].points,
            Points {
                tests: 6,
                leaks: 2,
                speed: 0,
                memory: 0
            }
        );
        let perf = "[[perf]]\nname = \"x\"\nbaseline = \"b:f\"\ncandidate = \"m:f\"\nsetup = \"b:s\"\nmin_speedup = 2.0\nhint = \"h\"\n";
        write_exercise(
            root.path(),
            "03-lru",
            &format!("{VALID}[points]\ntests = 10\n{perf}"),
        );
        let custom = Catalog::load(root.path()).unwrap();
        assert_eq!(
            custom.exercises[0].points,
            Points {
                tests: 10,
                leaks: 2,
                speed: 2,
                memory: 0
            }
        );
        write_exercise(
            root.path(),
            "03-lru",
            &format!("{VALID}[points]\ntest = 10\n"),
        );
        let error = Catalog::load(root.path()).unwrap_err().to_string();
        assert!(error.contains("test"), "{error}");
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_and_column("ab\ncdé f", 8), (2, 5));
    }
}
