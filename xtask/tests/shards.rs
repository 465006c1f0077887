//! A roster graded in shards, as a Kubernetes Indexed Job or an Actions matrix grades it: three
//! local processes (the index from `JOB_COMPLETION_INDEX`, or given as `I/N`), then `--merge`.
//! The merged gradebook equals the one a single machine makes, row for row; a missing shard is
//! named and nothing is written.
//!
//! The single machine and the shards grade in two copies of the fixture course that differ by a
//! comment in a hidden test: the course digest differs, so neither run can take the other's
//! results from the cache — both really grade. Times (`1.8 s`) differ from run to run and are
//! masked where the outputs show them.
mod common;

use std::path::{Path, PathBuf};

use common::Course;

const SHARDS: u32 = 3;

/// A copy of the fixture's exercises 0 and 1 whose results no other run has cached: a comment in
/// its hidden tests (part of the course digest, never of a submission) is its own.
fn course(label: &str) -> Course {
    let course = Course::new(&["00-passes", "01-wrong"]);
    let hidden = "solutions/00-passes/tests_hidden/test_hidden.py";
    let text = std::fs::read_to_string(course.root().join(hidden)).unwrap();
    let name = course.root().file_name().unwrap().to_string_lossy();
    course.write(hidden, &format!("{text}\n# {label} ({name})\n"));
    course
}

/// alice fixed exercise 1, half fixed half of it, erin handed in an empty folder, zed the
/// untouched skeletons, dave (on the roster) nothing; roster.csv lists dave first.
fn submissions(course: &Course, dir: &Path) {
    course.hand_in(&dir.join("alice"), common::FIX_EXERCISE_1);
    course.hand_in(&dir.join("half"), common::HALF_EXERCISE_1);
    course.hand_in(&dir.join("zed"), &[]);
    std::fs::create_dir_all(dir.join("erin")).unwrap();
    std::fs::write(
        dir.join("roster.csv"),
        "id,name,email\ndave,Dave D,dave@example.org\nalice,Alice A,alice@example.org\n",
    )
    .unwrap();
}

/// `text` with every duration (`1.8 s`, `12 s`) shown as `_ s`.
fn timeless(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || (c == '.' && !number.is_empty()) {
            number.push(c);
            continue;
        }
        let duration = c == ' '
            && !number.is_empty()
            && chars.peek() == Some(&'s')
            && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_');
        if duration {
            out.push('_');
        } else {
            out.push_str(&number);
        }
        number.clear();
        out.push(c);
    }
    out.push_str(&number);
    out
}

fn grades(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("grades.json")).unwrap()).unwrap()
}

/// What a student's grade is, without what depends on the run (times, paths, the cache).
fn essentials(grades: &serde_json::Value) -> Vec<serde_json::Value> {
    grades["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|student| {
            let exercises: Vec<serde_json::Value> = student["exercises"]
                .as_array()
                .unwrap()
                .iter()
                .map(|exercise| {
                    serde_json::json!([
                        exercise["exercise"],
                        exercise["points"],
                        exercise["status"],
                        timeless(&exercise["checks"].to_string()),
                        timeless(exercise["feedback"].as_str().unwrap()),
                    ])
                })
                .collect();
            serde_json::json!([
                student["id"],
                student["name"],
                student["status"],
                student["reason"],
                student["total"],
                student["not_graded"],
                exercises,
            ])
        })
        .collect()
}

#[test]
fn shards_graded_as_processes_merge_into_the_single_machine_gradebook() {
    let work = tempfile::Builder::new()
        .prefix("shards-")
        .tempdir()
        .unwrap();
    let single = course("one machine");
    let sharded = course("sharded");
    let subs = work.path().join("submissions");
    submissions(&single, &subs);
    let subs = subs.to_str().unwrap();

    let whole = work.path().join("whole");
    let run = single.xtask(&[
        "grade-all",
        "--submissions",
        subs,
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "erin's row is an error: {}", run.all());

    // Shard 1 names its index; the others take it from JOB_COMPLETION_INDEX, as pods do.
    let parts: Vec<PathBuf> = (0..SHARDS)
        .map(|index| work.path().join(format!("parts/part-{index}")))
        .collect();
    for (index, part) in parts.iter().enumerate() {
        let shard = if index == 1 {
            format!("1/{SHARDS}")
        } else {
            SHARDS.to_string()
        };
        let mut command = sharded.command(&[
            "grade-all",
            "--submissions",
            subs,
            "--shard",
            &shard,
            "--out",
            part.to_str().unwrap(),
        ]);
        if index != 1 {
            command.env("JOB_COMPLETION_INDEX", index.to_string());
        } else {
            command.env_remove("JOB_COMPLETION_INDEX");
        }
        let run = common::Run::from(command.output().unwrap());
        assert!(run.code <= 1, "shard {index}: {}", run.all());
        let info: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(part.join("part.json")).unwrap())
                .unwrap();
        assert_eq!(info["shard"]["index"], index, "{info}");
        assert_eq!(info["shard"]["count"], SHARDS);
        assert_eq!(info["finished"], true);
    }
    // Students sorted by id, dealt round-robin: alice dave erin half zed.
    let ids = |dir: &Path| -> Vec<String> {
        grades(dir)["students"]
            .as_array()
            .unwrap()
            .iter()
            .map(|student| student["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&parts[0]), ["alice", "half"]);
    assert_eq!(ids(&parts[1]), ["dave", "zed"]);
    assert_eq!(ids(&parts[2]), ["erin"]);

    // A shard left out is named, and nothing is merged.
    let merged = work.path().join("merged");
    let part_args = |parts: &[PathBuf]| -> Vec<String> {
        parts
            .iter()
            .map(|part| part.to_str().unwrap().to_string())
            .collect()
    };
    let mut args: Vec<String> = ["grade-all", "--merge"].map(String::from).to_vec();
    args.extend(part_args(&parts[..2]));
    args.extend(["--out".into(), merged.to_str().unwrap().into()]);
    let borrowed: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sharded.xtask(&borrowed);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("shard 2 of 3 is missing: no part among those given"),
        "{}",
        run.all()
    );
    assert!(!merged.join("gradebook.csv").exists());

    // Every part: the single machine's gradebook, row for row.
    let mut args: Vec<String> = ["grade-all", "--merge"].map(String::from).to_vec();
    args.extend(part_args(&parts));
    args.extend(["--out".into(), merged.to_str().unwrap().into()]);
    let borrowed: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = sharded.xtask(&borrowed);
    assert_eq!(run.code, 1, "erin's row is an error: {}", run.all());
    assert!(run.stdout.contains("merged from 3 shards"), "{}", run.all());
    let csv = |dir: &Path| std::fs::read_to_string(dir.join("gradebook.csv")).unwrap();
    assert_eq!(csv(&merged), csv(&whole));
    assert!(
        csv(&whole).contains("alice,Alice A,4.5,6,10.5,12,graded"),
        "{}",
        csv(&whole)
    );
    assert!(csv(&whole).contains("half,,4.5,4,8.5,12,graded"));
    assert_eq!(ids(&whole), ["dave", "alice", "erin", "half", "zed"]);
    assert_eq!(essentials(&grades(&merged)), essentials(&grades(&whole)));
    assert_eq!(grades(&merged)["sandbox"], grades(&whole)["sandbox"]);
    let junit = |dir: &Path| timeless(&std::fs::read_to_string(dir.join("junit.xml")).unwrap());
    assert_eq!(junit(&merged), junit(&whole));
    for id in ["dave", "alice", "erin", "half", "zed"] {
        let feedback = |dir: &Path| {
            timeless(
                &std::fs::read_to_string(dir.join("feedback").join(format!("{id}.md")))
                    .unwrap_or_else(|_| panic!("{id}.md in {}", dir.display())),
            )
        };
        assert_eq!(feedback(&merged), feedback(&whole), "{id}");
    }
}

#[test]
fn durations_are_masked_and_nothing_else() {
    assert_eq!(
        timeless("build 1.8 s, tests 3/4 12 s; v2 s"),
        "build _ s, tests 3/4 _ s; v2 s"
    );
    assert_eq!(timeless("4.5 of 6 points"), "4.5 of 6 points");
}

#[test]
fn a_shard_without_its_index_or_out_of_range_is_refused() {
    let course = Course::new(&["00-passes"]);
    let subs = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(subs.path().join("alice")).unwrap();
    let subs = subs.path().to_str().unwrap();
    let mut command = course.command(&["grade-all", "--submissions", subs, "--shard", "4"]);
    command.env_remove("JOB_COMPLETION_INDEX");
    let run = common::Run::from(command.output().unwrap());
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("JOB_COMPLETION_INDEX"), "{}", run.all());
    let run = course.xtask(&["grade-all", "--submissions", subs, "--shard", "4/4"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("numbered 0 to 3"), "{}", run.all());
    let run = course.xtask(&["grade-all", "--merge", subs]);
    assert_eq!(run.code, 2, "--merge needs --out: {}", run.all());
}
