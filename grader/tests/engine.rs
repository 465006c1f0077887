//! The engine over a copy of the fixture course, through its public API: every job is built
//! before any runs, each job's events arrive in order (tests, leak hunt, verdict), and an
//! observer that says stop abandons exactly the job it is about.
use std::path::{Path, PathBuf};

use grader::{
    CheckPlan, CheckStatus, Engine, Event, Flow, Job, Outcome, Quiet, Settings, Status, Variant,
    Workspace,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A private copy of the fixture course with the exercises whose folders start with `only`,
/// sharing the repository's `.venv` and `target/`.
fn course(only: &[&str]) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::Builder::new()
        .prefix("engine-")
        .tempdir()
        .unwrap();
    let source = repo().join("grader/tests/fixtures/course");
    for entry in walkdir::WalkDir::new(&source) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(&source).unwrap();
        let mut parts = relative.components();
        if parts
            .next()
            .is_some_and(|first| first.as_os_str() == "exercises")
            && let Some(folder) = parts.next()
        {
            let folder = folder.as_os_str().to_string_lossy();
            if !only.iter().any(|name| folder.starts_with(name)) {
                continue;
            }
        }
        if relative
            .components()
            .any(|part| part.as_os_str() == "target" || part.as_os_str() == "__pycache__")
        {
            continue;
        }
        let to = dir.path().join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    let mut workspace = Workspace::from_env(Some(dir.path().to_path_buf()));
    workspace.venv = repo().join(".venv");
    workspace.target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"));
    (dir, workspace)
}

fn open(workspace: Workspace) -> Engine {
    Engine::open_in(workspace, None, Settings::default(), &mut Quiet).expect("the engine opens")
}

fn jobs(engine: &Engine) -> Vec<Job> {
    (0..engine.catalog().exercises.len())
        .map(|exercise| Job {
            exercise,
            variant: Variant::Learner,
            plan: CheckPlan::FULL,
        })
        .collect()
}

/// `build-started 0`, `tests-done 1`, …: the event stream in a form easy to assert on.
fn label(event: &Event) -> String {
    match event {
        Event::Setup(_) => "setup".into(),
        Event::BuildStarted { job } => format!("build-started {job}"),
        Event::BuildFinished { job, built } => format!("build-finished {job} {built}"),
        Event::TestsDone { job, tests, .. } => {
            format!("tests-done {job} {:?}", tests.status).to_lowercase()
        }
        Event::LeaksDone { job, leaks } => {
            format!("leaks-done {job} {:?}", leaks.status).to_lowercase()
        }
        Event::Finished { job, verdict } => format!("finished {job} {:?}", verdict.status),
    }
}

#[test]
fn builds_every_job_first_then_streams_each_runs_events_in_order() {
    let (_dir, workspace) = course(&["00-passes", "02-nocompile", "10-leak-clean"]);
    let engine = open(workspace);
    let mut events = Vec::new();
    let outcomes = engine.run(&jobs(&engine), &mut |event: Event| {
        events.push(label(&event));
        Flow::Continue
    });
    assert_eq!(
        events,
        [
            "build-started 0",
            "build-finished 0 true",
            "build-started 1",
            "build-finished 1 false",
            "build-started 2",
            "build-finished 2 true",
            "tests-done 0 passed",
            "finished 0 Passed",
            "finished 1 BuildFailed",
            "tests-done 2 passed",
            "leaks-done 2 passed",
            "finished 2 Passed",
        ]
    );
    let statuses: Vec<Status> = outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::Graded(report) => report.verdict.status,
            other => panic!("not graded: {other:?}"),
        })
        .collect();
    assert_eq!(
        statuses,
        [Status::Passed, Status::BuildFailed, Status::Passed]
    );
    let Outcome::Graded(report) = &outcomes[2] else {
        unreachable!()
    };
    assert!(report.verdict.seconds > 0.0);
    assert_eq!(
        report
            .verdict
            .check(grader::CheckName::Leaks)
            .unwrap()
            .status,
        CheckStatus::Passed
    );
}

#[test]
fn stop_abandons_only_the_job_it_answers_for() {
    let (_dir, workspace) = course(&["00-passes", "10-leak-clean"]);
    let engine = open(workspace);
    let mut events = Vec::new();
    let outcomes = engine.run(&jobs(&engine), &mut |event: Event| {
        events.push(label(&event));
        match event {
            // Job 0: stale once built, as when a learner saves during the build.
            Event::BuildFinished { job: 0, .. } => Flow::Stop,
            // Job 1: no longer wanted once its tests are known; its leak hunt is cut short.
            Event::TestsDone { job: 1, .. } => Flow::Stop,
            _ => Flow::Continue,
        }
    });
    assert!(matches!(outcomes[0], Outcome::Abandoned), "{outcomes:?}");
    assert!(matches!(outcomes[1], Outcome::Abandoned), "{outcomes:?}");
    assert!(
        !events.iter().any(|event| event.starts_with("tests-done 0")
            || event.starts_with("leaks-done")
            || event.starts_with("finished")),
        "{events:?}"
    );
}
