"""The parts of grader/bench's scripts that decide what they run: which mistakes the catalogue
report covers (grader/bench/mistake_feedback.py) and which interpreter the leak benchmark runs on
(grader/bench/leak_detection.py --python). Their full runs build crates and take minutes; these
take milliseconds. The roster benchmark's profile (grader/bench/roster.py) reads a grades.json."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def feedback(tmp_path, monkeypatch):
    module = load("mistake_feedback")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module


def write_patch(root, folder, name, text):
    path = root / "solutions" / folder / "mistakes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


PATCH = """# MISTAKE: an off-by-one — the greeting loses its `!`.
# headline: tests failed
# names: hello_world
# hint: Hint:
--- src/lib.rs
+++ src/lib.rs
@@ -1,1 +1,1 @@
-Hello!
+Hello
"""


def test_the_header_is_read_and_a_missing_key_is_empty(feedback):
    assert feedback.header(PATCH, "headline") == "tests failed"
    assert feedback.header(PATCH, "MISTAKE") == "an off-by-one — the greeting loses its `!`."
    assert feedback.header(PATCH, "nothing") == ""


def test_every_exercise_with_a_catalogue_is_found_a_new_one_too(feedback, tmp_path):
    write_patch(tmp_path, "00-hello", "b.patch", PATCH)
    write_patch(tmp_path, "00-hello", "a.patch", PATCH)
    write_patch(tmp_path, "00-hello", "notes.txt", "not a patch")
    (tmp_path / "solutions" / "03-lru" / "src").mkdir(parents=True)  # no mistakes/: left out
    write_patch(tmp_path, "07-builder", "x.patch", PATCH)  # a catalogue that lands later
    found = [(folder, [patch.name for patch in patches]) for folder, patches in feedback.catalogue(set())]
    assert found == [("00-hello", ["a.patch", "b.patch"]), ("07-builder", ["x.patch"])]
    assert [folder for folder, _ in feedback.catalogue({7})] == ["07-builder"]


def test_a_patch_applies_to_the_solution_and_one_that_does_not_says_why(feedback, tmp_path):
    (tmp_path / "solutions" / "00-hello" / "src").mkdir(parents=True)
    (tmp_path / "solutions" / "00-hello" / "src" / "lib.rs").write_text("Hello!\n")
    course = tmp_path / "course"
    (course / "exercises" / "00-hello" / "src").mkdir(parents=True)
    good = write_patch(tmp_path, "00-hello", "good.patch", PATCH)
    assert feedback.apply(course, "00-hello", good) is None
    assert (course / "exercises" / "00-hello" / "src" / "lib.rs").read_text() == "Hello\n"
    bad = write_patch(tmp_path, "00-hello", "bad.patch", PATCH.replace("-Hello!", "-Goodbye!"))
    complaint = feedback.apply(course, "00-hello", bad)
    assert complaint and "patch failed" in complaint
    # Each patch starts from the solution, not from the previous mistake.
    assert (course / "exercises" / "00-hello" / "src" / "lib.rs").read_text() == "Hello!\n"


@pytest.mark.parametrize("wanted, message", [
    ("three", "give a version such as 3.12"),
    ("3", "give a version such as 3.12"),
    ("3.99", "pyenv has no CPython 3.99"),
    ("/nonexistent/python3", "not an interpreter that runs"),
])
def test_the_leak_benchmark_refuses_a_python_it_cannot_run_on(wanted, message):
    completed = subprocess.run([sys.executable, str(BENCH / "leak_detection.py"), "--solutions", "--python", wanted],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode != 0
    assert message in completed.stderr


def test_the_report_lists_each_mistakes_opening_lines_and_counts_a_wrong_headline(feedback, tmp_path, monkeypatch):
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()
    (tmp_path / "solutions" / "00-hello" / "src").mkdir(parents=True)
    (tmp_path / "solutions" / "00-hello" / "src" / "lib.rs").write_text("Hello!\n")
    (tmp_path / "exercises" / "00-hello" / "src").mkdir(parents=True)
    for name in ("Cargo.toml", "Cargo.lock"):
        (tmp_path / name).write_text("")
    (tmp_path / "solutions" / "README").write_text("")
    monkeypatch.setattr(feedback, "FIXTURE_COURSE", tmp_path)
    write_patch(tmp_path, "00-hello", "a_right.patch", PATCH)
    write_patch(tmp_path, "00-hello", "b_wrong.patch", PATCH.replace("tests failed", "crashed"))
    outputs = iter([(1, "✘ exercise-0 hello — 1 of 10 tests failed   2.4 s\n\n  test_hello_world\n  assert …\n  more\n"),
                    (1, "✘ exercise-0 hello — 1 of 10 tests failed   2.4 s\n")])
    monkeypatch.setattr(feedback, "build_xtask", lambda target_dir: target_dir / "xtask")
    monkeypatch.setattr(feedback, "check", lambda *args: next(outputs))
    report = tmp_path / "report.md"
    with report.open("w") as out:
        problems = feedback.report(set(), tmp_path / "target", out)
    text = report.read_text()
    assert problems == 1, text
    assert "## Exercise 0 (00-hello): 2 mistakes" in text
    assert "**a_right.patch** — an off-by-one" in text and "`tests failed`: got it; exit 1" in text
    assert "**b_wrong.patch**" in text and "`crashed`: NOT GOT" in text
    # The first three non-empty lines, no more.
    assert "    test_hello_world\n    assert …\n  ```" in text and "more" not in text


def grade(exercise, seconds, build="1.5 s", speed=(), sealed=None):
    checks = [{"name": "build", "summary": build}, {"name": "tests", "summary": "3/3"}]
    if speed:
        checks.append({"name": "perf", "details": {"cases": [{"seconds": s} for s in speed]}})
    return {"exercise": exercise, "verdict": {"seconds": seconds, "checks": checks},
            "sealed": None if sealed is None else {"seconds": sealed}}


def test_the_roster_profile_splits_each_exercise_into_its_stages(tmp_path):
    roster = load("roster")
    grades = tmp_path / "grades.json"
    grades.write_text(json.dumps({"students": [
        {"status": "graded", "exercises": [grade("exercise-0", 4.0, "1.5 s", (), 2.0),
                                           grade("exercise-1", 10.0, "2.0 s", (1.0, 2.0), 3.0)]},
        {"status": "graded", "exercises": [grade("exercise-0", 6.0, "2.5 s", (), 4.0),
                                           grade("exercise-1", 8.0, "2.0 s", (1.0,), None)]},
        # a row that was not graded has no time of its own: left out of the mean
        {"status": "error", "exercises": []},
    ]}))
    spent = roster.profile(grades)
    assert spent["exercises"]["exercise-0"] == pytest.approx({"build": 2.0, "tests+leaks": 3.0, "speed": 0.0, "sealed": 3.0})
    assert spent["exercises"]["exercise-1"] == pytest.approx({"build": 2.0, "tests+leaks": 5.0, "speed": 2.0, "sealed": 1.5})
    assert spent["stages"] == pytest.approx({"build": 4.0, "tests+leaks": 8.0, "speed": 2.0, "sealed": 4.5})


def test_a_failed_build_has_no_duration_to_split_off(tmp_path):
    roster = load("roster")
    grades = tmp_path / "grades.json"
    # a build check whose summary is not a duration (it failed: the first error) has no seconds
    grades.write_text(json.dumps({"students": [
        {"status": "graded", "exercises": [grade("exercise-0", 2.5, "error[E0425]: cannot find value", (), None)]},
    ]}))
    assert roster.profile(grades)["stages"] == pytest.approx({"build": 0.0, "tests+leaks": 2.5, "speed": 0.0, "sealed": 0.0})
