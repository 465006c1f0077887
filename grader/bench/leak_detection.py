#!/usr/bin/env python3
"""Does the leak check find every leak fixture, every time, and never flag the correct one?

For each leak fixture (grader/tests/fixtures/course/exercises/NN-leak-*, ids 10-29) this builds the
crate once with maturin (release) into a temporary directory, then runs its tests N times exactly as
the grader does: env LESSONGRADER_CONFIG names a JSON file {"results_path", "leaks", "perf": [],
"perf_enabled": false}, PYTHONPATH=<build dir>:grader/python:<fixture>/tests, and
`python -m pytest -p lessongrader.plugin -p no:cacheprovider -q <fixture>/tests`. A run "detects" when
the results file holds at least one `leak` record; it is "clean" when it holds none. The same runs
with `leaks.enabled = false` give the time the leak check adds.

    .venv/bin/python grader/bench/leak_detection.py             # 10 runs per fixture
    .venv/bin/python grader/bench/leak_detection.py --runs 3 --only 10 15

Goal: every leak fixture detected in N of N runs (with the kind it is built to show among the
kinds found), the correct fixture (10) clean in N of N, no crash. Exit status 1 otherwise.

`--noise` records every check's per-round readings (LESSONGRADER_LEAK_TRACE) and prints, for
the checks that found nothing, how far each counter moved in a measured round: the noise the
thresholds in lessongrader/leaks.py must stay above.

`--solutions` does the same for the course's reference solutions (solutions/NN-slug built, run
against exercises/NN-slug/tests): each must be clean in N of N — a check for false positives on
real exercises.

`--python 3.X` (or an interpreter's path) runs all of it on another CPython: pyenv's newest 3.X, in
the virtual environment lesson/tests/run_pythons.py keeps for that version
(target/lesson-pythons/cpython-3.X/venv, pinned requirements), with a cargo target folder of its
own (target/leak-bench/cpython-3.X), so the default Python's builds stay warm. The course supports
3.10 to 3.13, and the solutions must be clean on each:

    for v in 3.10 3.11 3.12 3.13; do python3 grader/bench/leak_detection.py --solutions --python $v; done
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own dependency tomli, in every course venv
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
PYTHON_SUPPORT = ROOT / "grader" / "python"
FIXTURES = ROOT / "grader" / "tests" / "fixtures" / "course" / "exercises"
DEFAULT_TARGET_DIR = ROOT / "target" / "leak-fixtures"
# `--python 3.X`: the cargo target folder for that interpreter's builds.
OTHER_PYTHON_TARGETS = ROOT / "target" / "leak-bench"
RUN_TIMEOUT_SECONDS = 300

# The kind each fixture is built to show (any one of them counts); empty = must stay clean.
EXPECTED_KINDS = {
    10: set(),
    11: {"argument_refs"},
    12: {"gc_objects", "new_objects"},
    13: {"reachable_refs"},
    14: {"reachable_refs", "argument_refs"},
    15: {"uncollectable_cycle"},
    16: {"uncollectable_cycle"},
    17: {"static_cache"},
    18: {"rust_heap"},
    19: {"buffer_export"},
    20: {"refcount_drop"},
}


def subjects(only, solutions):
    """(name, crate dir, exercise dir holding exercise.toml and tests/, expected kinds or None)."""
    found = []
    if solutions:
        for path in sorted(SOLUTIONS.iterdir()):
            number = path.name.partition("-")[0]
            exercise = EXERCISES / path.name
            if not number.isdigit() or not (exercise / "tests").is_dir() or (only and int(number) not in only):
                continue
            found.append((f"solution {path.name}", path, exercise, set()))
        return found
    for path in sorted(FIXTURES.iterdir()):
        number, _, slug = path.name.partition("-")
        if not (number.isdigit() and 10 <= int(number) <= 29 and slug.startswith("leak-")):
            continue
        if only and int(number) not in only:
            continue
        found.append((path.name, path, path, EXPECTED_KINDS.get(int(number))))
    return found


def build(fixture, work, target_dir):
    """Build the crate's wheel and unpack it; return the directory that holds the module."""
    wheel_dir = work / f"wheel-{fixture.parent.name}-{fixture.name}"
    command = [
        str(Path(sys.executable).with_name("maturin")), "build", "--release", "--quiet",
        "-m", str(fixture / "Cargo.toml"), "-i", sys.executable, "-o", str(wheel_dir),
    ]
    # PyO3 builds for the interpreter running this script (.cargo/config.toml names .venv's; values
    # in the environment win).
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir), PYO3_PYTHON=sys.executable,
               PYO3_ENVIRONMENT_SIGNATURE=f"cpython-{sys.version_info[0]}.{sys.version_info[1]}-64bit")
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"building {fixture.name} failed:\n{completed.stderr[-4000:]}")
    wheel = next(wheel_dir.glob("*.whl"))
    unpacked = work / f"build-{fixture.parent.name}-{fixture.name}"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    library = next(path for path in unpacked.rglob("*.so"))
    return library.parent


def run_tests(fixture, build_dir, work, leaks, trace=None):
    """One pytest run as the grader does it; returns (records, wall seconds, exit code)."""
    results_path = work / "results.jsonl"
    results_path.unlink(missing_ok=True)
    config_path = work / "config.json"
    config_path.write_text(json.dumps({
        "results_path": str(results_path), "leaks": leaks, "perf": [], "perf_enabled": False,
    }))
    tests = fixture / "tests"
    env = dict(
        os.environ,
        LESSONGRADER_CONFIG=str(config_path),
        PYTHONPATH=os.pathsep.join([str(build_dir), str(PYTHON_SUPPORT), str(tests)]),
    )
    if trace:
        env["LESSONGRADER_LEAK_TRACE"] = str(trace)
    command = [sys.executable, "-m", "pytest", "-p", "lessongrader.plugin", "-p", "no:cacheprovider", "-q", str(tests)]
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS)
    seconds = time.perf_counter() - start
    records = [json.loads(line) for line in results_path.read_text().splitlines()] if results_path.exists() else []
    return records, seconds, completed.returncode, completed.stdout + completed.stderr


def leak_settings(fixture):
    exercise = tomllib.loads((fixture / "exercise.toml").read_text())
    table = exercise.get("leaks", {})
    return {
        "enabled": table.get("enabled", True),
        "warmup_rounds": table.get("warmup_rounds", 3),
        "measured_rounds": table.get("measured_rounds", 4),
        "tests": table.get("tests", []),
    }


def print_noise(lines):
    """The largest per-round movement of each counter over the checks that found nothing."""
    for unit in ("call", "run of the test"):
        clean = [line for line in lines if line["unit"] == unit and not line["found"]]
        if not clean:
            continue

        def largest(key, signed=True):
            values = [value for line in clean for value in line[key]]
            return max(values) if signed else max(abs(value) for value in values)

        growing = sorted({name for line in clean for name in line["types_growing"]})
        rounds = [line["per_round"] for line in clean]
        print(f"noise over {len(clean)} clean checks per {unit} ({min(rounds)}-{max(rounds)} per round): "
              f"blocks +{largest('blocks')}, heap +{largest('heap')} bytes, rss +{largest('rss')} bytes, "
              f"unfreed +{largest('unfreed')}, refcount ±{largest('largest_ref_change', False)}, "
              f"types that grew in the first measured round: {', '.join(growing) or 'none'}")
        for key in ("blocks", "heap"):
            all_rounds = [line for line in clean if line[key] and min(line[key]) > 0]
            print(f"  checks whose {key} grew in EVERY measured round: {len(all_rounds)}"
                  + "".join(f"\n    {line['test']} {line['call']}: {line[key]}" for line in all_rounds[:5]))


def _use_course_venv():
    """Run under the course's .venv (created by `cargo xtask`), which has maturin and pytest."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        if not venv_python.exists():
            sys.exit("no .venv yet: run `cargo xtask check exercise-0` once, then this script again")
        os.execv(str(venv_python), [str(venv_python), *sys.argv])


def interpreter_version(python):
    """(3, X) of the interpreter at `python`, or None when it does not run."""
    try:
        out = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    parts = out.stdout.split()
    return (int(parts[0]), int(parts[1])) if out.returncode == 0 and len(parts) == 2 else None


def _use_python(wanted):
    """Re-run this script under the venv for `wanted` (`3.X` from pyenv, or a path): .venv when it
    already has that version, else lesson/tests/run_pythons.py's venv for it. Returns the cargo
    target folder for that version's builds (None: the default one)."""
    if os.path.sep in wanted:
        base = Path(wanted)
        version = interpreter_version(base)
        if version is None:
            sys.exit(f"--python {wanted}: not an interpreter that runs")
    else:
        try:
            version = tuple(int(part) for part in wanted.split("."))
        except ValueError:
            version = ()
        if len(version) != 2:
            sys.exit(f"--python {wanted}: give a version such as 3.12, or an interpreter's path")
        base = None
    if version == interpreter_version(ROOT / ".venv" / "bin" / "python") and base is None:
        _use_course_venv()
        return None
    sys.path.insert(0, str(ROOT / "lesson" / "tests"))
    import run_pythons  # the per-version venvs the lesson's tests keep under target/

    if base is None:
        root = run_pythons.pyenv_root()
        base = run_pythons.pyenv_interpreters(root).get(version) if root else None
        if base is None:
            sys.exit(f"--python {wanted}: pyenv has no CPython {wanted} ({'no pyenv' if root is None else root})")
    venv_python = run_pythons.prepared_venv(version, base)
    if Path(sys.prefix).resolve() != venv_python.parent.parent.resolve():
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    return OTHER_PYTHON_TARGETS / f"cpython-{version[0]}.{version[1]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", type=int, nargs="*", help="fixture ids")
    parser.add_argument("--target-dir", type=Path, help=f"cargo target folder (default: {DEFAULT_TARGET_DIR}, "
                        f"with --python: {OTHER_PYTHON_TARGETS}/cpython-3.X)")
    parser.add_argument("--python", metavar="3.X|PATH",
                        help="run on this CPython (pyenv's newest 3.X, or an interpreter) in a venv of its own")
    parser.add_argument("--verbose", action="store_true", help="print each run's leak messages")
    parser.add_argument("--solutions", action="store_true", help="check the course's solutions instead (must be clean)")
    parser.add_argument("--noise", action="store_true", help="print how much the counters move on clean checks")
    arguments = parser.parse_args()
    python_target = _use_python(arguments.python) if arguments.python else (_use_course_venv() or None)
    target_dir = arguments.target_dir or python_target or DEFAULT_TARGET_DIR
    print(f"Python {sys.version.split()[0]} ({sys.executable}), cargo target {target_dir}", flush=True)

    rows, failures = [], []
    with tempfile.TemporaryDirectory(prefix="leak-bench-") as temporary:
        work = Path(temporary)
        trace = work / "trace.jsonl" if arguments.noise else None
        for name, crate, fixture, expected in subjects(set(arguments.only or []), arguments.solutions):
            print(f"building {name} …", file=sys.stderr, flush=True)
            build_dir = build(crate, work, target_dir)
            settings = leak_settings(fixture)
            if not settings["enabled"]:
                print(f"  {name}: leak checks are off in its exercise.toml; checking anyway", file=sys.stderr)
                settings["enabled"] = True
            detected = clean = crashed = expected_hits = 0
            kinds, hunt_seconds, wall_on, wall_off, tests_hunted = set(), [], [], [], 0
            messages = []
            for _ in range(arguments.runs):
                records, seconds, code, output = run_tests(fixture, build_dir, work, settings, trace)
                wall_on.append(seconds)
                leaks = [record for record in records if record.get("kind") == "leak"]
                finished = any(record.get("kind") == "session_finish" for record in records)
                if code not in (0, 1) or not finished:
                    crashed += 1
                    messages.append(f"exit {code}: {output[-1500:]}")
                if leaks:
                    detected += 1
                    found = {record["leak_kind"] for record in leaks}
                    kinds |= found
                    expected_hits += bool(expected and found & expected)
                    messages += [f"{record['test'] or '?'}: [{record['leak_kind']}] {record['message']}" for record in leaks]
                else:
                    clean += 1
                for record in records:
                    if record.get("kind") == "leak_summary":
                        hunt_seconds.append(record["seconds"])
                        tests_hunted = record["tests_hunted"]
                records_off, seconds_off, code_off, output_off = run_tests(fixture, build_dir, work, dict(settings, enabled=False))
                wall_off.append(seconds_off)
                if code_off not in (0, 1) or not any(record.get("kind") == "session_finish" for record in records_off):
                    crashed += 1
                    messages.append(f"with leak checks off, exit {code_off}: {output_off[-1500:]}")
            if expected == set():
                ok = clean == arguments.runs and not crashed
            else:
                ok = detected == arguments.runs and not crashed and (expected is None or expected_hits == arguments.runs)
            if not ok:
                failures.append(name)
            rows.append((name, detected, clean, expected_hits if expected else "", crashed, ", ".join(sorted(kinds)) or "—",
                         statistics.median(hunt_seconds) if hunt_seconds else 0.0, tests_hunted,
                         statistics.median(wall_on) - statistics.median(wall_off), ok))
            if arguments.verbose or not ok:
                for message in dict.fromkeys(messages):
                    print(f"  {name}: {message}", file=sys.stderr)
        if trace is not None and trace.exists():
            print_noise([json.loads(line) for line in trace.read_text().splitlines()])

    runs = arguments.runs
    header = (f"{'fixture':<26} {'detected':>9} {'clean':>7} {'kind':>5} {'crash':>5}  {'hunt s':>6} {'hunted':>6} "
              f"{'added s':>7}  ok  kinds found")
    print(header)
    print("-" * len(header))
    for name, detected, clean, hits, crashed, kinds, hunt, hunted, added, ok in rows:
        print(f"{name:<26} {detected:>4}/{runs:<4} {clean:>3}/{runs:<3} {hits:>5} {crashed:>5}  {hunt:>6.2f} {hunted:>6} {added:>7.2f}  "
              f"{'✔' if ok else '✘'}   {kinds}")
    print("kind: runs that found the kind the fixture is built to show (EXPECTED_KINDS);")
    print("hunt s: median seconds the automatic hunt took (leak_summary); hunted: tests it re-ran;")
    print("added s: median wall time with leak checks minus without (includes assert_no_leaks).")
    if failures:
        print(f"FAILED: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
