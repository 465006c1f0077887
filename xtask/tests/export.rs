//! `export`: the student edition holds no line of any solution, is a fresh one-commit repository
//! and works on its own (its workspace loads, `check` says `not started`, `verify` proves the
//! skeletons, `solution` says there are none); the Classroom edition's workflow passes actionlint,
//! and each of its steps, run the way the grading action runs it, passes on the solutions and
//! fails on the skeletons.
//!
//! The editions are made from what is committed at HEAD. The step runs reuse the repository's
//! `.venv` (COURSE_VENV) and build in `target/export-steps` (CARGO_TARGET_DIR): a directory of its
//! own, because the edition's `cargo xtask` builds an `xtask` binary that must not replace the one
//! the other tests run; pyo3 and the CLI compile there once and are reused by later runs.
mod common;

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, actionlint, command_in, repo, target};
use yaml_rust2::{Yaml, YamlLoader};

/// Solution lines shorter than this are idioms any Rust file may hold (`.enumerate()`,
/// `let mut total = 0.0;`, `return Err(PyErr::fetch(py));`); longer ones identify code.
const MIN_LINE: usize = 32;
/// Solution lines an edition may hold on purpose: exercise 0 is the lesson's worked example
/// (chapter 4 builds `hello_world` and `greet` in lesson/examples/hello-pyo3).
const DELIBERATE: &[(&str, &str)] = &[("00-hello", "lesson/examples/hello-pyo3/src/lib.rs")];

/// An edition in a temporary folder; its grader folders in the target directories go with it.
struct Edition {
    dir: tempfile::TempDir,
}

impl Edition {
    fn export(kind: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("edition-{kind}-"))
            .tempdir()
            .unwrap();
        let run = xtask(&repo(), &["export", kind, dir.path().to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.all());
        Self { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.root())
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for Edition {
    fn drop(&mut self) {
        let name = self
            .root()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for grader in [target().join("grader"), steps_target().join("grader")] {
            for entry in std::fs::read_dir(grader).into_iter().flatten().flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{name}-"))
                {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }
}

/// This repository's `xtask` binary over the course at `root`.
fn xtask(root: &Path, args: &[&str]) -> Run {
    Run::from(command_in(root, args).output().unwrap())
}

/// Every solution line of [`MIN_LINE`]+ characters that no skeleton holds, with its exercise.
fn solution_lines() -> Vec<(String, String)> {
    let mut skeletons = BTreeSet::new();
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(repo().join("exercises"))
        .unwrap()
        .flatten()
    {
        if let Ok(text) = std::fs::read_to_string(entry.path().join("src/lib.rs")) {
            skeletons.extend(text.lines().map(|line| line.trim().to_string()));
        }
    }
    for entry in std::fs::read_dir(repo().join("solutions"))
        .unwrap()
        .flatten()
    {
        let exercise = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path().join("src/lib.rs")).unwrap();
        for line in text.lines().map(str::trim) {
            if line.chars().count() >= MIN_LINE && !skeletons.contains(line) {
                lines.push((line.to_string(), exercise.clone()));
            }
        }
    }
    assert!(
        lines.len() > 100,
        "too few solution lines to look for: {}",
        lines.len()
    );
    lines
}

/// `file: line (solution NN-slug)` for each solution line found as a line of a file under `dir`.
fn solution_lines_in(dir: &Path) -> Vec<String> {
    let wanted = solution_lines();
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|entry| entry.file_name() != ".git")
        .flatten()
        .filter(|entry| entry.file_type().is_file())
    {
        let relative = entry
            .path()
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let lines: BTreeSet<&str> = text.lines().map(str::trim).collect();
        for (line, exercise) in &wanted {
            let deliberate = DELIBERATE
                .iter()
                .any(|(solution, file)| solution == exercise && relative == *file);
            if lines.contains(line.as_str()) && !deliberate {
                found.push(format!("{relative}: {line}  (solution {exercise})"));
            }
        }
    }
    found
}

#[test]
fn the_student_edition_holds_nothing_of_the_solutions_and_works_on_its_own() {
    if !common::has_solutions(
        "the_student_edition_holds_nothing_of_the_solutions_and_works_on_its_own",
    ) {
        return;
    }
    let edition = Edition::export("student");
    let root = edition.root();

    // A fresh repository: one commit, a clean tree, no solutions, no hidden tests.
    assert_eq!(edition.git(&["rev-list", "--all", "--count"]).trim(), "1");
    assert_eq!(edition.git(&["status", "--porcelain"]), "");
    let files = edition.git(&["ls-files"]);
    assert!(files.lines().count() > 100, "{files}");
    for line in files.lines() {
        let fixture = line.starts_with("grader/tests/fixtures/");
        let instructors = line.starts_with("solutions/")
            || (line.contains("tests_hidden") && !fixture)
            || line.contains("mistakes/")
            || line == "xtask/tests/export.rs";
        assert!(!instructors, "{line} is in the student edition");
    }
    // The fixture course's hidden tests are test data the edition's own tests need.
    assert!(
        files.contains("grader/tests/fixtures/course/solutions/00-passes/tests_hidden/"),
        "{files}"
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("## Learner guide") && readme.contains("## How it is built"));
    assert!(!readme.contains("## Instructor guide") && !readme.contains("instructors -->"));

    // No line of any solution in any file.
    let leaks = solution_lines_in(root);
    assert!(
        leaks.is_empty(),
        "solution lines in the edition:\n{}",
        leaks.join("\n")
    );
    // … and the search finds one when there is one.
    let (line, exercise) = &solution_lines()[40];
    let planted = root.join("exercises/README-notes.md");
    std::fs::write(&planted, format!("notes\n    {line}\n")).unwrap();
    let found = solution_lines_in(root);
    assert!(
        found.len() == 1
            && found[0].starts_with("exercises/README-notes.md: ")
            && found[0].ends_with(&format!("(solution {exercise})")),
        "{found:?}"
    );
    std::fs::remove_file(&planted).unwrap();

    // Its workspace and lock file load without solutions/.
    let metadata = Command::new("cargo")
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--no-deps",
        ])
        .current_dir(root)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let metadata = String::from_utf8_lossy(&metadata.stdout);
    assert!(metadata.contains("\"exercise-03-lru\"") && !metadata.contains("solution-"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    assert!(!lock.contains("solution-") && lock.contains("name = \"exercise-03-lru\""));

    // Its commands: solutions are absent and say so; check and verify work.
    let solution = xtask(root, &["solution", "1"]);
    assert_eq!(solution.code, 2, "{}", solution.all());
    assert!(
        solution
            .stdout
            .contains("This copy of the course has no solutions"),
        "{}",
        solution.all()
    );
    for args in [
        &["check", "1", "--solution"][..],
        &["grade-all", "--solutions"],
    ] {
        let run = xtask(root, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(
            run.stdout.contains("has no solutions"),
            "{args:?}: {}",
            run.all()
        );
    }
    let check = xtask(root, &["check", "1"]);
    assert_eq!(check.code, 1, "{}", check.all());
    assert!(
        check.stdout.contains("exercise-1 math — not started"),
        "{}",
        check.all()
    );
    let verify = xtask(root, &["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.all());
    assert!(
        verify.stderr.contains("verify checks the skeletons"),
        "{}",
        verify.all()
    );
    let exercises = grader::Catalog::load(&common::repo())
        .unwrap()
        .exercises
        .len();
    assert!(
        verify
            .stdout
            .contains(&format!("verify: {exercises} exercises consistent")),
        "{}",
        verify.all()
    );
    assert!(verify.stdout.contains("solution —"), "{}", verify.all());
}

#[test]
fn a_folder_that_is_not_empty_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.txt"), "keep me").unwrap();
    let run = xtask(
        &repo(),
        &["export", "student", dir.path().to_str().unwrap()],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("is not empty"), "{}", run.all());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.txt")).unwrap(),
        "keep me"
    );
}

/// One `autograding-command-grader` step of the workflow.
#[derive(Debug)]
struct Step {
    id: String,
    command: String,
    timeout_minutes: f64,
    max_score: i64,
}

/// The workflow's grading steps, after checking its shape (triggers, permissions, reporter).
fn classroom_steps(workflow: &str) -> Vec<Step> {
    let docs = YamlLoader::load_from_str(workflow).unwrap();
    let doc = &docs[0];
    assert!(!doc["on"]["push"].is_badvalue(), "runs on push");
    let permissions = &doc["permissions"];
    assert_eq!(permissions["checks"].as_str(), Some("write"));
    assert_eq!(permissions["actions"].as_str(), Some("read"));
    assert_eq!(permissions["contents"].as_str(), Some("read"));
    let steps = doc["jobs"]["run-autograding-tests"]["steps"]
        .as_vec()
        .unwrap();
    let mut graded = Vec::new();
    let mut reporter = None;
    for step in steps {
        let uses = step["uses"].as_str().unwrap_or_default();
        if uses == "classroom-resources/autograding-command-grader@v1" {
            let with = &step["with"];
            graded.push(Step {
                id: step["id"].as_str().unwrap().to_string(),
                command: with["command"].as_str().unwrap().to_string(),
                timeout_minutes: match &with["timeout"] {
                    Yaml::Integer(minutes) => *minutes as f64,
                    Yaml::Real(minutes) => minutes.parse().unwrap(),
                    other => panic!("timeout {other:?}"),
                },
                max_score: with["max-score"].as_i64().unwrap(),
            });
        } else if uses == "classroom-resources/autograding-grading-reporter@v1" {
            reporter = Some(step);
        }
    }
    let reporter = reporter.expect("a grading reporter step");
    let ids: Vec<&str> = graded.iter().map(|step| step.id.as_str()).collect();
    assert_eq!(reporter["with"]["runners"].as_str().unwrap(), ids.join(","));
    for id in &ids {
        let results = &reporter["env"][format!("{}_RESULTS", id.to_uppercase()).as_str()];
        assert_eq!(
            results.as_str(),
            Some(format!("${{{{ steps.{id}.outputs.result }}}}").as_str())
        );
    }
    graded
}

#[test]
fn the_classroom_workflow_passes_actionlint_which_catches_a_broken_one() {
    if !common::has_solutions("the_classroom_workflow_passes_actionlint_which_catches_a_broken_one")
    {
        return;
    }
    let edition = Edition::export("classroom");
    let workflow = edition.root().join(".github/workflows/classroom.yml");
    let text = std::fs::read_to_string(&workflow).unwrap();
    assert_eq!(actionlint(&[&workflow]), serde_json::json!([]), "{text}");
    let steps = classroom_steps(&text);
    // One step per check worth points: the tests, the leak hunt where it runs, the memory check
    // where there is a memory case, the speed check where there is a speed case.
    let catalog = grader::Catalog::load(&common::repo()).unwrap();
    let expected_steps: usize = catalog
        .exercises
        .iter()
        .map(|exercise| {
            1 + usize::from(exercise.points.leaks > 0)
                + usize::from(exercise.points.memory > 0)
                + usize::from(exercise.points.speed > 0)
        })
        .sum();
    assert_eq!(steps.len(), expected_steps, "{steps:?}");
    assert_eq!(
        steps.iter().map(|step| step.max_score).sum::<i64>(),
        catalog
            .exercises
            .iter()
            .map(|exercise| i64::from(exercise.points.total()))
            .sum::<i64>()
    );
    // A reporter pointing at a step that does not exist is caught.
    let broken = edition.root().join("broken.yml");
    std::fs::write(
        &broken,
        text.replace(
            "steps.exercise_1_tests.outputs",
            "steps.exercise_9_tests.outputs",
        )
        .replace("id: exercise_2_tests", "id: 2-tests"),
    )
    .unwrap();
    let findings = actionlint(&[&broken]);
    let kinds: BTreeSet<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains("expression") && kinds.contains("id"),
        "{findings:#}"
    );
}

/// Where the editions' own `cargo xtask` builds (see the module doc).
fn steps_target() -> PathBuf {
    target().join("export-steps")
}

/// Run `command` as autograding-command-grader does: a shell, the action's small environment
/// (plus where to find the shared build and venv), killed at its timeout; `Some(code)` when it
/// ended by itself.
fn run_step(root: &Path, step: &Step) -> (Option<i32>, String) {
    let log_path = root.join(format!(
        "../{}-{}.log",
        root.file_name().unwrap().to_string_lossy(),
        step.id
    ));
    let log = File::create(&log_path).unwrap();
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&step.command)
        .current_dir(root)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", std::env::var_os("HOME").unwrap())
        .env("FORCE_COLOR", "true")
        .env("DOTNET_CLI_HOME", "/tmp")
        .env("DOTNET_NOLOGO", "true")
        .env("CARGO_TARGET_DIR", steps_target())
        .env("COURSE_VENV", repo().join(".venv"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs_f64(step.timeout_minutes * 60.0);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    (code, output)
}

#[test]
fn every_classroom_step_passes_on_the_solutions_and_fails_on_the_skeletons() {
    if !common::has_solutions(
        "every_classroom_step_passes_on_the_solutions_and_fails_on_the_skeletons",
    ) {
        return;
    }
    let edition = Edition::export("classroom");
    let root = edition.root();
    let text = std::fs::read_to_string(root.join(".github/workflows/classroom.yml")).unwrap();
    let steps = classroom_steps(&text);
    assert!(!steps.is_empty());

    // The solutions, handed in as a student's work.
    for entry in std::fs::read_dir(repo().join("solutions"))
        .unwrap()
        .flatten()
    {
        let source = entry.path().join("src/lib.rs");
        let exercise = root
            .join("exercises")
            .join(entry.file_name())
            .join("src/lib.rs");
        std::fs::copy(&source, &exercise).unwrap();
    }
    let mut problems = Vec::new();
    for step in &steps {
        let (code, output) = run_step(root, step);
        if code != Some(0) {
            problems.push(format!(
                "{} `{}` on the solution: exit {code:?}\n{output}",
                step.id, step.command
            ));
        }
    }
    // The skeletons, as handed out.
    edition.git(&["checkout", "--", "exercises"]);
    for step in &steps {
        let (code, output) = run_step(root, step);
        if code != Some(1) {
            problems.push(format!(
                "{} `{}` on the skeleton: exit {code:?}, expected 1\n{output}",
                step.id, step.command
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Gradescope's `/autograder` in a temporary folder: `source/` (the zip, unpacked), `submission/`
/// and `results/`; its grader folders in target/ go with it.
struct AutograderRoot {
    dir: tempfile::TempDir,
}

impl AutograderRoot {
    fn course(&self) -> PathBuf {
        self.dir.path().join("source").join("course")
    }

    /// One of the zip's scripts, run by bash in the layout, with this repository's .venv and
    /// target/ (so pyo3 is not compiled again) and `env`.
    fn script(&self, name: &str, env: &[(&str, &str)]) -> Run {
        let mut command = Command::new("bash");
        command
            .arg(self.dir.path().join("source").join(name))
            .current_dir(self.dir.path())
            .env("AUTOGRADER_ROOT", self.dir.path())
            .env("COURSE_VENV", repo().join(".venv"))
            .env("CARGO_TARGET_DIR", target())
            .env("NO_COLOR", "1")
            .env_remove("COURSE_ROOT")
            .env_remove("CLICOLOR_FORCE");
        for (key, value) in env {
            command.env(key, value);
        }
        Run::from(command.output().unwrap())
    }
}

impl Drop for AutograderRoot {
    fn drop(&mut self) {
        let course = grader::Workspace::from_env(Some(self.course()));
        let grader = target().join("grader");
        for name in [
            format!("course-{}", course.root_id()),
            format!("roster-slot-{}", course.root_id()),
        ] {
            let _ = std::fs::remove_dir_all(grader.join(name));
        }
    }
}

/// Every file under `dir` in a new zip at `path`, inside a top folder `course/`.
fn zip_folder(dir: &Path, path: &Path) {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(File::create(path).unwrap());
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let name = entry.path().strip_prefix(dir).unwrap().to_string_lossy();
            writer
                .start_file(
                    format!("course/{name}"),
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
            writer
                .write_all(&std::fs::read(entry.path()).unwrap())
                .unwrap();
        }
    }
    writer.finish().unwrap();
}

/// `jsonschema`'s complaint about `instance` under grader/deploy/gradescope/results.schema.json,
/// or `None` when it is valid (the pinned jsonschema of .venv, grader/python/requirements.txt).
fn gradescope_schema_error(instance: &serde_json::Value) -> Option<String> {
    let output = Command::new(repo().join(".venv/bin/python"))
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.Draft202012Validator.check_schema(schema)\n\
             error = jsonschema.exceptions.best_match(\n\
                 jsonschema.Draft202012Validator(schema).iter_errors(json.loads(sys.argv[2])))\n\
             print('' if error is None else f'{list(error.absolute_path)}: {error.message}')",
        ])
        .arg(repo().join("grader/deploy/gradescope/results.schema.json"))
        .arg(instance.to_string())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let complaint = String::from_utf8(output.stdout).unwrap().trim().to_string();
    (!complaint.is_empty()).then_some(complaint)
}

#[test]
fn run_autograder_gives_schema_valid_results_full_marks_for_a_solution_partial_for_half() {
    // The fixture course as an instructor's repository; its hidden test that fails on purpose is
    // made one a solution passes, and a comment in it makes the course digest, so the results,
    // this run's own (nothing from the cache of an earlier run).
    let course = common::Course::new(&["00-passes", "01-wrong"]);
    course.edit(
        "solutions/00-passes/tests_hidden/test_hidden.py",
        "== -3",
        "== -2",
    );
    let hidden = "solutions/00-passes/tests_hidden/test_hidden.py";
    let text = std::fs::read_to_string(course.root().join(hidden)).unwrap();
    let name = course.root().file_name().unwrap().to_string_lossy();
    course.write(hidden, &format!("{text}\n# {name}\n"));
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=Instructor",
            "-c",
            "user.email=instructor@example.org",
            "commit",
            "-q",
            "-m",
            "course",
        ],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(course.root())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }
    let root = AutograderRoot {
        dir: tempfile::Builder::new()
            .prefix("autograder-")
            .tempdir()
            .unwrap(),
    };
    let zip_path = root.dir.path().join("autograder.zip");
    let run = course.xtask(&["export", "gradescope", zip_path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    let again = course.xtask(&["export", "gradescope", zip_path.to_str().unwrap()]);
    assert_eq!(again.code, 2, "an existing file is kept: {}", again.all());

    // Unpacked as Gradescope does, into source/: the scripts at the root, executable.
    zip::ZipArchive::new(File::open(&zip_path).unwrap())
        .unwrap()
        .extract(root.dir.path().join("source"))
        .unwrap();
    for script in ["setup.sh", "run_autograder"] {
        let path = root.dir.path().join("source").join(script);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{script} is executable");
        let syntax = Command::new("bash").arg("-n").arg(&path).output().unwrap();
        assert!(syntax.status.success(), "bash -n {script}: {syntax:?}");
    }
    assert!(
        root.course()
            .join("solutions/00-passes/tests_hidden/test_hidden.py")
            .is_file(),
        "the hidden tests travel with the autograder"
    );

    // setup.sh without its installs (apt-get and rustup are for Gradescope's image): the fixture
    // course has no CLI crate to build, so the grader goes where setup.sh installs it.
    let bin = root.dir.path().join("source/bin/xtask");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_xtask"), &bin).unwrap();
    let setup = root.script("setup.sh", &[("AUTOGRADER_SETUP_INSTALL", "0")]);
    assert_eq!(setup.code, 0, "{}", setup.all());
    assert!(setup.stdout.contains("ready"), "{}", setup.all());

    let results_path = root.dir.path().join("results/results.json");
    for (who, edits, expected) in [
        ("solution", common::FIX_EXERCISE_1, 12.0),
        ("half", common::HALF_EXERCISE_1, 10.0),
        ("solution.zip", common::FIX_EXERCISE_1, 12.0),
    ] {
        let submission = root.dir.path().join("submission");
        let _ = std::fs::remove_dir_all(&submission);
        let _ = std::fs::remove_file(&results_path);
        if who.ends_with(".zip") {
            // One archive uploaded, nothing else: run_autograder grades the archive.
            let unpacked = tempfile::tempdir().unwrap();
            course.hand_in(unpacked.path(), edits);
            std::fs::create_dir_all(&submission).unwrap();
            zip_folder(unpacked.path(), &submission.join(who));
        } else {
            course.hand_in(&submission, edits);
        }
        let run = root.script("run_autograder", &[]);
        assert_eq!(run.code, 0, "{who}: {}", run.all());
        let results: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&results_path).unwrap()).unwrap();
        assert_eq!(
            gradescope_schema_error(&results),
            None,
            "{who}: {results:#}"
        );
        let tests = results["tests"].as_array().unwrap();
        let max: f64 = tests.iter().map(|t| t["max_score"].as_f64().unwrap()).sum();
        let sum: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert_eq!(max, 12.0, "{who}: {results:#}");
        assert_eq!(results["score"], expected, "{who}: {results:#}");
        assert_eq!(sum, expected, "{who}: the tests add up to the score");
        let names: Vec<&str> = tests.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "exercise-0 passes: tests",
                "exercise-0 passes: hidden tests",
                "exercise-1 wrong: tests"
            ],
            "{who}"
        );
        assert_eq!(tests[1]["visibility"], "after_published");
        assert_eq!(tests[0]["visibility"], "visible");
        assert_eq!(results["output_format"], "md");
        assert!(
            tests
                .iter()
                .all(|t| t["execution_time"].as_f64().unwrap() > 0.0),
            "{who}: {results:#}"
        );
        let wrong = &tests[2];
        if expected < 12.0 {
            assert_eq!(wrong["status"], "failed");
            assert!(
                wrong["output"]
                    .as_str()
                    .unwrap()
                    .contains("test_primes_below_100"),
                "{wrong:#}"
            );
        } else {
            assert_eq!(wrong["status"], "passed");
        }
    }
    // The schema is no rubber stamp: a status Gradescope does not know, or no score at all.
    let mut wrong = serde_json::json!({ "tests": [{ "name": "t", "status": "ok", "score": 1 }] });
    assert!(gradescope_schema_error(&wrong).is_some_and(|e| e.contains("ok")));
    wrong = serde_json::json!({ "tests": [{ "name": "t", "max_score": 1 }] });
    assert!(
        gradescope_schema_error(&wrong).is_some(),
        "no score anywhere"
    );
}
