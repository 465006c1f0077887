#!/usr/bin/env python3
"""How often does the perf check give the wrong verdict, idle and with one core kept busy?

Builds (in release, once) the solution of exercise 01 — which must pass its perf cases — and the
slow perf fixture 31 — which must fail — then runs the real perf check on each N times, in a fresh
interpreter per run exactly as the plugin would (`python -m lessongrader.perf run CONFIG`, with
the built module, grader/python and the tests folder on PYTHONPATH). It does so first on an idle
machine, then with a busy-loop child process keeping one core at 100 %. A wrong verdict is any
case of the solution that does not pass, or any case of the slow fixture that does not fail (errors
count as wrong). Goal: 0 in every cell.

    .venv/bin/python grader/bench/perf_stability.py             # 50 runs per cell (5–10 min)
    .venv/bin/python grader/bench/perf_stability.py --runs 5    # a quick look

Do not run the full benchmark while someone builds: timing waits for our own builds (the
measurement lock), but a plain `cargo build` elsewhere is just load.
"""

import argparse
import contextlib
import fcntl
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON_SUPPORT = ROOT / "grader" / "python"
FIXTURES = ROOT / "grader" / "tests" / "fixtures" / "course" / "exercises"
MEASURE_LOCK = ROOT / "target" / "grader" / "measure.lock"
BUILD_LOCK = ROOT / "target" / "grader" / "build.lock"
BUILD_ATTEMPTS = 3
RUN_TIMEOUT_SECONDS = 120


@dataclass
class Subject:
    """A crate to build and the verdict its perf cases must get."""

    label: str
    crate_dir: Path  # holds Cargo.toml and pyproject.toml
    exercise_dir: Path  # holds exercise.toml and tests/
    expected: str  # "passed" or "failed"
    build_dir: Path | None = None
    cases: list = field(default_factory=list)


@dataclass
class Run:
    wrong: bool
    process_seconds: float
    records: list
    problem: str = ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="checks per subject and load (50)")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")

    subjects = [fast_subject(), slow_subject()]
    with tempfile.TemporaryDirectory(prefix="perf-stability-") as scratch:
        scratch = Path(scratch)
        for subject in subjects:
            build(subject, options.python, scratch)
        results = {}
        for load in ("idle", "one core busy"):
            load_average = os.getloadavg()[0]
            print(f"\n{load}: load average {load_average:.2f}; {options.runs} runs per subject")
            with busy_core(options.python, enabled=load != "idle"):
                runs = {subject.label: [] for subject in subjects}
                for index in range(options.runs):
                    for subject in subjects:  # alternate, so slow drifts in load hit both alike
                        run = run_once(subject, options.python, scratch, index)
                        runs[subject.label].append(run)
                    print(".", end="", flush=True)
                print()
            for subject in subjects:
                results[(subject.label, load)] = runs[subject.label]
    report(subjects, results, options.runs)
    wrong = sum(run.wrong for runs in results.values() for run in runs)
    return 1 if wrong else 0


def fast_subject():
    solution = ROOT / "solutions" / "01-math"
    exercise = ROOT / "exercises" / "01-math"
    if (solution / "Cargo.toml").is_file() and (exercise / "exercise.toml").is_file():
        return Subject("solution 01-math", solution, exercise, "passed")
    fixture = FIXTURES / "30-perf-fast"
    return Subject("fixture 30-perf-fast", fixture, fixture, "passed")


def slow_subject():
    fixture = FIXTURES / "31-perf-slow"
    return Subject("fixture 31-perf-slow", fixture, fixture, "failed")


# --------------------------------------------------------------------------------------------------


def build(subject, python, scratch, target_dir=ROOT / "target"):
    """`maturin build --release`, unzipped into a folder of its own (as the grader does)."""
    exercise = tomllib.loads((subject.exercise_dir / "exercise.toml").read_text())
    subject.cases = exercise.get("perf") or []
    if not subject.cases:
        sys.exit(f"{subject.exercise_dir}/exercise.toml has no [[perf]] case")
    wheel_dir = scratch / f"wheel-{subject.crate_dir.name}"
    subject.build_dir = scratch / f"build-{subject.crate_dir.name}"
    maturin = Path(python).parent / "maturin"
    command = [
        str(maturin), "build", "--release", "--quiet",
        "--compatibility", "linux", "--auditwheel", "skip",  # as the grader builds
        "-m", str(subject.crate_dir / "Cargo.toml"), "-i", python, "-o", str(wheel_dir),
    ]
    # The fixture course is a workspace of its own; share the course's target/ and its pyo3 build.
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    print(f"building {subject.label} (release) …", flush=True)
    started = time.monotonic()
    for attempt in range(1, BUILD_ATTEMPTS + 1):
        # The grader's two locks: no timing while we build, and one build at a time in target/.
        with file_lock(MEASURE_LOCK, fcntl.LOCK_SH), file_lock(BUILD_LOCK, fcntl.LOCK_EX):
            completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if completed.returncode == 0:
            break
        # A workspace being edited (a crate half written) or a hand-run build racing ours.
        print(f"  attempt {attempt} failed: {completed.stderr.strip().splitlines()[-1:]}", flush=True)
        if attempt == BUILD_ATTEMPTS:
            sys.exit(f"building {subject.label} failed:\n{completed.stderr[-3000:]}")
        time.sleep(10)
    (wheel,) = wheel_dir.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(subject.build_dir)
    print(f"  built in {time.monotonic() - started:.1f} s", flush=True)


@contextlib.contextmanager
def file_lock(path, kind):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, kind)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def busy_core(python, enabled):
    """A child process spinning on one core for as long as the block runs."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen([python, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # let the scheduler see it
        yield
    finally:
        spinner.kill()
        spinner.wait()


def run_once(subject, python, scratch, index):
    """One perf check in a fresh interpreter: `run_cases` exactly as the plugin calls it."""
    results_path = scratch / f"results-{subject.crate_dir.name}-{index}-{time.monotonic_ns()}.jsonl"
    tests_dir = subject.exercise_dir / "tests"
    settings = {
        "results_path": str(results_path),
        "lock_path": str(MEASURE_LOCK),
        "perf_enabled": True,
        "perf": subject.cases,
        "exercise": {"tests_dir": str(tests_dir)},
    }
    config_path = results_path.with_suffix(".json")
    config_path.write_text(json.dumps(settings))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(map(str, [subject.build_dir, PYTHON_SUPPORT, tests_dir]))
    started = time.monotonic()
    try:
        completed = subprocess.run(
            [python, "-m", "lessongrader.perf", "run", str(config_path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS,
        )
        problem = "" if completed.returncode == 0 else completed.stderr.strip()[-500:]
    except subprocess.TimeoutExpired:
        problem = f"timed out after {RUN_TIMEOUT_SECONDS} s"
    elapsed = time.monotonic() - started
    records = []
    if results_path.exists():
        lines = results_path.read_text().splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
    records = [record for record in records if record.get("kind") == "perf"]
    if len(records) != len(subject.cases) and not problem:
        problem = f"{len(records)} perf records for {len(subject.cases)} cases"
    wrong = bool(problem) or any(verdict(record) != subject.expected for record in records)
    return Run(wrong, elapsed, records, problem)


# --------------------------------------------------------------------------------------------------


def report(subjects, results, runs):
    loads = ("idle", "one core busy")
    names = {subject.label: f"{subject.label} (must {verb(subject)})" for subject in subjects}
    width = max(map(len, names.values())) + 2
    print(f"\nWrong verdicts out of {runs} runs (goal: 0 in every cell)\n")
    print(" " * width + "".join(f"{load:>16}" for load in loads))
    for subject in subjects:
        counts = [sum(run.wrong for run in results[(subject.label, load)]) for load in loads]
        print(f"{names[subject.label]:<{width}}" + "".join(f"{n:>10} / {runs:<3}" for n in counts))

    print("\nPer case: median speedup [lowest–highest run], verdicts, retries, median seconds of")
    print("the check (inside the process) and of the whole run (process start included)")
    for subject in subjects:
        for load in loads:
            batch = results[(subject.label, load)]
            run_seconds = statistics.median(run.process_seconds for run in batch)
            for case in subject.cases:
                records = [r for run in batch for r in run.records if r["case"] == case["name"]]
                needs = f"needs ≥ {case['min_speedup']:g}×"
                print(f"  {subject.label}, {load}, {case['name']} ({needs}):")
                print(f"    {case_summary(records)}, run {run_seconds:.2f} s")
    problems = [(key, run) for key, batch in results.items() for run in batch if run.problem]
    for (label, load), run in problems[:5]:
        print(f"\n{label}, {load}: {run.problem}")
    expected = {subject.label: subject.expected for subject in subjects}
    wrong_records = [
        (label, load, record)
        for (label, load), batch in results.items()
        for run in batch
        for record in run.records
        if verdict(record) != expected[label]
    ]
    for label, load, record in wrong_records[:5]:
        print(f"\nwrong verdict, {label}, {load}: {verdict(record)}: {record['message']}")


def verdict(record):
    """The grader's decision on a perf record (grader/src/checks.rs, `speed_outcome`): the plugin
    only measures."""
    if record.get("outcome") != "measured" or record.get("speedup") is None:
        return "error"
    return "passed" if record["speedup"] >= record["threshold"] else "failed"


def case_summary(records):
    if not records:
        return "no records"
    speedups = [r["speedup"] for r in records if r.get("speedup") is not None]
    statuses = "/".join(sorted({verdict(r) for r in records}))
    retried = sum(bool(r["retried"]) for r in records)
    check = statistics.median(r["seconds"] for r in records)
    if speedups:
        speed = f"{statistics.median(speedups):.2f}× [{min(speedups):.2f}–{max(speedups):.2f}]"
    else:
        speed = "no speedup"
    return f"{speed}, {statuses}, retried {retried}/{len(records)}, check {check:.2f} s"


def verb(subject):
    return "pass" if subject.expected == "passed" else "fail"


if __name__ == "__main__":
    sys.exit(main())
