//! `grade-all --submissions` over a roster made from the fixture course: folders, a zip and a
//! tar.gz that pass and fail, a half-done one, a changed test and a build.rs (not graded), a
//! student on the roster who handed in nothing, an empty folder, something that is not the
//! course, a truncated archive, zip-slip (`..`, absolute, a symlink), an archive over its cap.
mod common;
mod roster_support;

use std::io::Write;
use std::path::Path;

use common::Course;
use roster_support::copy;

fn zip(path: &Path, members: &[(&str, &[u8])]) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, body) in members {
        writer
            .start_file(
                *name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )
            .unwrap();
        writer.write_all(body).unwrap();
    }
    writer.finish().unwrap();
}

/// A zip of every file of `dir`, inside a top-level folder `top/` (as an upload usually is).
fn zip_dir(dir: &Path, path: &Path, top: &str) {
    let mut members = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let name = format!(
                "{top}/{}",
                entry.path().strip_prefix(dir).unwrap().to_string_lossy()
            );
            members.push((name, std::fs::read(entry.path()).unwrap()));
        }
    }
    let borrowed: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(name, body)| (name.as_str(), body.as_slice()))
        .collect();
    zip(path, &borrowed);
}

fn tar_gz(dir: &Path, path: &Path) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    let mut builder = tar::Builder::new(gz);
    builder.append_dir_all(".", dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
}

const FIXED_WRAP: &str = "chars.chunks(width)";
const BUGGY_WRAP: &str = "chars.chunks(width - 1)";

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn a_roster_of_good_and_hostile_submissions_becomes_a_gradebook() {
    let course = Course::new(&["00-passes", "01-wrong", "02-nocompile"]);
    let work = tempfile::Builder::new()
        .prefix("roster-")
        .tempdir()
        .unwrap();
    let subs = work.path().join("submissions");
    let marker = work.path().join("build-script-ran");
    // A clean copy of the course as a student would hand it in (no solutions/).
    let pristine = work.path().join("pristine");
    copy(
        &course.root().join("exercises"),
        &pristine.join("exercises"),
    );
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(course.root().join(file), pristine.join(file)).unwrap();
    }
    let lib = "exercises/01-wrong/src/lib.rs";

    // alice: fixes exercise 1 completely, and adds a build.rs and a changed test (not graded).
    let alice = subs.join("alice");
    copy(&pristine, &alice);
    edit(&alice.join(lib), BUGGY_WRAP, FIXED_WRAP);
    edit(&alice.join(lib), ".filter(|n| *n != 97)", "");
    std::fs::write(
        alice.join("exercises/00-passes/build.rs"),
        format!(
            "fn main() {{ std::fs::write({:?}, \"\").unwrap(); }}\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::write(alice.join("exercises/00-passes/src/extra.txt"), "notes").unwrap();
    // bob: the same work as a zip with a top folder; carol: as a tar.gz.
    zip_dir(&alice, &subs.join("bob.zip"), "course-main");
    tar_gz(&alice, &subs.join("carol.tar.gz"));
    // half: only `wrap` fixed (2 of 3 tests of exercise 1).
    let half = subs.join("half");
    copy(&pristine, &half);
    edit(&half.join(lib), BUGGY_WRAP, FIXED_WRAP);
    // cheat: the bug left in, the tests rewritten to pass: the course's tests are used.
    let cheat = subs.join("cheat");
    copy(&pristine, &cheat);
    std::fs::write(
        cheat.join("exercises/01-wrong/tests/test_wrong.py"),
        "def test_wrap_long_words():\n    pass\n",
    )
    .unwrap();
    // Hostile and broken entries.
    std::fs::create_dir_all(subs.join("empty")).unwrap();
    std::fs::create_dir_all(subs.join("stranger/notes")).unwrap();
    std::fs::write(subs.join("stranger/notes/todo.txt"), "hello").unwrap();
    let whole = std::fs::read(subs.join("bob.zip")).unwrap();
    std::fs::write(subs.join("truncated.zip"), &whole[..whole.len() / 2]).unwrap();
    zip(
        &subs.join("dotdot.zip"),
        &[("../../escaped.rs", b"fn main() {}".as_slice())],
    );
    zip(
        &subs.join("absolute.zip"),
        &[("/tmp/escaped-absolute.rs", b"fn main() {}".as_slice())],
    );
    {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(subs.join("linked.tar.gz")).unwrap(),
            flate2::Compression::fast(),
        );
        let mut builder = tar::Builder::new(gz);
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder
            .append_link(&mut header, "exercises/00-passes/src/lib.rs", "/etc/passwd")
            .unwrap();
        builder.into_inner().unwrap().finish().unwrap();
    }
    let zeros = vec![0u8; 17 << 20];
    zip(
        &subs.join("bomb.zip"),
        &[("exercises/00-passes/src/lib.rs", zeros.as_slice())],
    );
    std::fs::write(
        subs.join("roster.csv"),
        "github_username,name,email\nalice,Alice A,alice@example.org\ndave,Dave D,dave@example.org\n",
    )
    .unwrap();

    let out = work.path().join("out");
    let args = [
        "grade-all",
        "--submissions",
        subs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let run = course.xtask(&args);
    assert_eq!(run.code, 1, "some rows are errors: {}", run.all());
    assert!(run.stdout.contains("graded"), "{}", run.all());

    let mut reader = csv::Reader::from_path(out.join("gradebook.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "name",
            "exercise-0",
            "exercise-1",
            "exercise-2",
            "total",
            "max",
            "status",
            "notes"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|record| record.unwrap().iter().map(String::from).collect())
        .collect();
    let row = |id: &str| -> Vec<String> {
        rows.iter()
            .find(|row| row[0] == id)
            .unwrap_or_else(|| panic!("no row {id}: {rows:?}"))
            .clone()
    };
    assert_eq!(row("(max)")[2..7], ["6", "6", "6", "18", "18"]);
    // Exercise 0 passes its public tests and fails one of the two hidden ones: 3/4 × 6.
    // Exercise 2 does not compile for anyone.
    for id in ["alice", "bob", "carol"] {
        assert_eq!(
            row(id)[2..],
            ["4.5", "6", "0", "10.5", "18", "graded", ""],
            "{id}"
        );
    }
    assert_eq!(row("alice")[1], "Alice A");
    assert_eq!(
        row("half")[2..],
        ["4.5", "4", "0", "8.5", "18", "graded", ""]
    );
    assert_eq!(
        row("cheat")[3],
        "2",
        "the course's tests decide: {:?}",
        row("cheat")
    );
    assert_eq!(row("dave")[7], "missing");
    for id in [
        "empty",
        "stranger",
        "truncated",
        "dotdot",
        "absolute",
        "linked",
        "bomb",
    ] {
        assert_eq!(row(id)[7], "error", "{id}");
    }
    assert!(!marker.exists(), "a submission's build.rs never runs");
    assert!(!work.path().join("escaped.rs").exists());

    let grades: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    let student = |id: &str| {
        grades["students"]
            .as_array()
            .unwrap()
            .iter()
            .find(|student| student["id"] == id)
            .unwrap()
            .clone()
    };
    let reason = |id: &str| student(id)["reason"].as_str().unwrap().to_string();
    assert!(
        reason("empty").contains("empty submission"),
        "{}",
        reason("empty")
    );
    assert!(reason("stranger").contains("not a copy of the course"));
    assert!(reason("truncated").contains("unreadable or truncated"));
    assert!(reason("dotdot").contains("leaves the archive"));
    assert!(reason("absolute").contains("leaves the archive"));
    assert!(reason("linked").contains("links are not accepted"));
    assert!(reason("bomb").contains("larger than"), "{}", reason("bomb"));
    let alice_json = student("alice");
    assert_eq!(
        alice_json["exercises"][1]["verdict"]["status"], "passed",
        "the full verdict is kept"
    );
    let not_graded = alice_json["not_graded"].to_string();
    assert!(
        not_graded.contains("exercises/00-passes/build.rs"),
        "{not_graded}"
    );
    assert!(not_graded.contains("extra.txt"), "{not_graded}");
    let cheat_not_graded = student("cheat")["not_graded"].to_string();
    assert!(
        cheat_not_graded.contains("tests/test_wrong.py"),
        "{cheat_not_graded}"
    );

    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(report.test_suites.len(), rows.len() - 1);
    let alice_suite = report
        .test_suites
        .iter()
        .find(|suite| suite.name.as_str() == "alice")
        .unwrap();
    assert_eq!(alice_suite.test_cases.len(), 15, "3 exercises × 5 checks");
    assert_eq!(
        alice_suite.failures, 2,
        "exercise-0's tests, exercise-2's build"
    );

    for id in ["alice", "bob", "half", "cheat", "dave", "empty", "bomb"] {
        let feedback = std::fs::read_to_string(out.join("feedback").join(format!("{id}.md")))
            .unwrap_or_else(|_| panic!("feedback/{id}.md"));
        assert!(!feedback.contains("2**70"), "{id}: {feedback}");
        assert!(!feedback.contains("-3"), "{id}: {feedback}");
        assert!(!feedback.contains("OverflowError"), "{id}: {feedback}");
        assert!(!feedback.contains('\u{1b}'), "no colours: {feedback}");
    }
    let alice_feedback = std::fs::read_to_string(out.join("feedback/alice.md")).unwrap();
    assert!(
        alice_feedback.contains("test_add_is_not_concatenation"),
        "{alice_feedback}"
    );
    assert!(alice_feedback.contains("not graded: exercises/00-passes/build.rs"));
    assert!(
        alice_feedback.contains("does not compile"),
        "{alice_feedback}"
    );
    let half_feedback = std::fs::read_to_string(out.join("feedback/half.md")).unwrap();
    assert!(
        half_feedback.contains("test_primes_below_100"),
        "{half_feedback}"
    );

    // A rerun grades nothing again: every graded row comes from the cache.
    let again = course.xtask(&args);
    assert_eq!(again.code, 1, "{}", again.all());
    let grades: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    for student in grades["students"].as_array().unwrap() {
        if student["status"] == "graded" {
            assert_eq!(student["cached"], true, "{}", student["id"]);
        }
    }
}

#[test]
fn bad_usage_and_an_empty_folder_are_refused() {
    let course = Course::new(&["00-passes"]);
    let missing = course.root().join("no-such-folder");
    let run = course.xtask(&[
        "grade-all",
        "--submissions",
        missing.to_str().unwrap(),
        "--sandbox",
        "off",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("cannot read the submissions folder"),
        "{}",
        run.all()
    );
    let empty = tempfile::tempdir().unwrap();
    let run = course.xtask(&["grade-all", "--submissions", empty.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("holds no submissions"), "{}", run.all());
    let run = course.xtask(&["grade-all", "--regrade"]);
    assert_eq!(run.code, 2, "--regrade needs --submissions: {}", run.all());
}
