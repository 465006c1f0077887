#!/usr/bin/env python3
"""Seconds per submission of `cargo xtask grade-all --submissions`, against the naive way.

Makes submissions of this course in a temporary folder: complete ones (every exercise's src/ from
solutions/), skeletons (the course as it is), half-done mixes (solutions for the first half of the
exercises), one that crashes (exercise 0 aborts the interpreter) and one that hangs (exercise 0
never returns). Every submission is made distinct (a comment naming it in every source file), so
no crate build is shared between students: the worst case, as in a real class. Then:

complete: --complete distinct complete submissions graded as one roster (`--jobs`, every check,
          hidden tests, the sandbox), after a one-submission warm-up that prepares the workers'
          slots (a class is graded many students at a time); seconds per complete submission.
profile:  where a complete submission's time went, from that roster's grades.json (mean per
          submission, summed over its exercises): builds, tests with the leak hunt, the speed
          measurements, the sealed checks, and the rest (taking, laying, writing the outputs);
          with --jobs 1 the parts add up to the wall-clock time, with more jobs they overlap.
mixed:    --count submissions of every kind as one roster; seconds per submission.
naive:    for --naive complete submissions, a fresh clone of this repository per submission, its
          src/ copied in, `cargo xtask grade-all` there (a new .venv, xtask and pyo3 build each
          time), as a grader without a shared slot would do; seconds per submission, and the
          ratio to the roster's seconds per complete submission.

Bar (issue 12): <= 30 s per complete submission on a 2-core machine, >= 3x faster than naive.

Usage: python3 grader/bench/roster.py [--complete 4] [--count 6] [--jobs N] [--naive 1]
                                      [--sandbox required|best-effort|off]
Quick proof that it runs: python3 grader/bench/roster.py --complete 1 --count 2 --naive 0
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXERCISES = sorted(p.name for p in (REPO / "exercises").iterdir() if (p / "exercise.toml").is_file())


def submission(root: Path, kind: str) -> None:
    """A student's copy: the course's exercises/, with src/ from the solutions where `kind` says,
    every Rust source marked with the submission's name (so that no two students share a build)."""
    shutil.copytree(REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("target", "__pycache__"))
    for name in ("Cargo.toml", "Cargo.lock"):
        shutil.copy(REPO / name, root / name)
    solved = {"complete": EXERCISES, "half": EXERCISES[: len(EXERCISES) // 2], "skeleton": []}.get(kind, EXERCISES)
    for folder in solved:
        shutil.rmtree(root / "exercises" / folder / "src")
        shutil.copytree(REPO / "solutions" / folder / "src", root / "exercises" / folder / "src")
    for source in (root / "exercises").glob("*/src/**/*.rs"):
        source.write_text(source.read_text() + f"\n// submission {root.name}\n")
    lib = root / "exercises" / EXERCISES[0] / "src" / "lib.rs"
    # A constructor that runs when the interpreter loads the module: abort, or spin forever.
    body = {"crash": "std::process::abort()", "hang": "loop { std::hint::spin_loop() }"}.get(kind)
    if body:
        lib.write_text(lib.read_text() + "\n#[unsafe(link_section = \".init_array\")]\n#[used]\n"
                       f"static ON_LOAD: extern \"C\" fn() = {{ extern \"C\" fn on_load() {{ {body} }} on_load }};\n")


def kinds(count: int) -> list:
    base = ["complete", "skeleton", "half", "crash", "hang"]
    return [base[i] if i < len(base) else ["complete", "half", "skeleton"][i % 3] for i in range(count)]


def profile(grades: Path) -> dict:
    """Seconds per stage, summed over exercises and averaged over the graded submissions of a
    roster's grades.json: the build (its check's summary, "6.6 s"), the speed cases' own seconds,
    the rest of the verdict's seconds (tests and the leak hunt, in one pytest run) and the sealed
    run's seconds; per exercise too."""
    students = [s for s in json.loads(grades.read_text())["students"] if s["status"] == "graded"]
    stages = {"build": 0.0, "tests+leaks": 0.0, "speed": 0.0, "sealed": 0.0}
    exercises = {}
    for student in students:
        for grade in student["exercises"]:
            verdict = grade["verdict"]
            checks = {check["name"]: check for check in verdict["checks"]}
            build = checks.get("build", {}).get("summary", "")
            build = float(build.split()[0]) if build.endswith(" s") else 0.0
            speed = sum(case.get("seconds", 0.0) for case in checks.get("perf", {}).get("details", {}).get("cases", []))
            sealed = (grade.get("sealed") or {}).get("seconds", 0.0)
            parts = {"build": build, "tests+leaks": max(0.0, verdict["seconds"] - build - speed), "speed": speed, "sealed": sealed}
            for stage, seconds in parts.items():
                stages[stage] += seconds / len(students)
                exercises.setdefault(grade["exercise"], dict.fromkeys(stages, 0.0))[stage] += seconds / len(students)
    return {"stages": stages, "exercises": exercises}


def grade_roster(folder: Path, out: Path, args) -> tuple:
    started = time.perf_counter()
    command = ["cargo", "xtask", "grade-all", "--submissions", str(folder), "--out", str(out),
               "--sandbox", args.sandbox, "--regrade", "--format", "json"]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"grade-all failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return seconds, json.loads(result.stdout)


def naive(index: int, scratch: Path) -> float:
    """One complete submission graded in a fresh clone of its own (its own target/ and .venv)."""
    clone = scratch / f"clone-{index}"
    started = time.perf_counter()
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
    student = scratch / f"naive-complete{index}"
    submission(student, "complete")
    for folder in EXERCISES:
        shutil.rmtree(clone / "exercises" / folder / "src")
        shutil.copytree(student / "exercises" / folder / "src", clone / "exercises" / folder / "src")
    env = {key: value for key, value in os.environ.items()
           if key not in ("CARGO_TARGET_DIR", "COURSE_ROOT", "COURSE_VENV")}
    result = subprocess.run(["cargo", "xtask", "grade-all", "--format", "json"], cwd=clone, env=env,
                            capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"the naive grade-all failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    shutil.rmtree(clone, ignore_errors=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complete", type=int, default=4, help="distinct complete submissions in the timed roster")
    parser.add_argument("--count", type=int, default=6, help="submissions of every kind in the mixed roster (0: none)")
    parser.add_argument("--jobs", type=int, default=0, help="grade-all --jobs (default: grade-all's, the number of cores)")
    parser.add_argument("--naive", type=int, default=1, help="submissions graded the naive way (each costs a cold build)")
    parser.add_argument("--sandbox", default="required", choices=["required", "best-effort", "off"])
    args = parser.parse_args()
    jobs = args.jobs or os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as scratch:
        scratch = Path(scratch)
        subprocess.run(["cargo", "build", "-q", "-p", "xtask"], cwd=REPO, check=True)
        warm = scratch / "warm-up"
        for index in range(jobs):
            submission(warm / f"warm{index}", "complete")
        grade_roster(warm, scratch / "out-warm", args)
        complete = scratch / "complete"
        for index in range(args.complete):
            submission(complete / f"complete{index:02d}", "complete")
        seconds, summary = grade_roster(complete, scratch / "out-complete", args)
        per_complete = seconds / args.complete
        print(f"complete: {args.complete} distinct complete submissions ({len(EXERCISES)} exercises, every check, "
              f"--jobs {jobs}, --sandbox {args.sandbox}) in {seconds:.1f} s = {per_complete:.1f} s per submission "
              f"(bar: <= 30 s; mean {summary['mean']:.1f} of {summary['max']:.0f})")
        spent = profile(scratch / "out-complete" / "grades.json")
        rest = per_complete - sum(spent["stages"].values())
        print("profile:  per complete submission: " + ", ".join(f"{stage} {value:.1f} s" for stage, value in spent["stages"].items())
              + f", the rest {rest:.1f} s" + ("" if jobs == 1 else " (stages of parallel jobs overlap: the rest can be negative)"))
        for exercise, stages in spent["exercises"].items():
            print(f"          {exercise}: " + ", ".join(f"{stage} {value:.1f} s" for stage, value in stages.items()))
        print(f"load:     {' '.join(f'{load:.1f}' for load in os.getloadavg())} (1, 5, 15 min) on {os.cpu_count()} cores")
        if args.count:
            folder = scratch / "mixed"
            for index, kind in enumerate(kinds(args.count)):
                submission(folder / f"student{index:02d}-{kind}", kind)
            seconds, summary = grade_roster(folder, scratch / "out-mixed", args)
            print(f"mixed:    {args.count} submissions in {seconds:.1f} s = {seconds / args.count:.1f} s per submission "
                  f"(graded {summary['graded']}, error {summary['error']}, mean {summary['mean']:.1f} of {summary['max']:.0f})")
        if args.naive:
            times = [naive(index, scratch) for index in range(args.naive)]
            naive_per = sum(times) / len(times)
            print(f"naive:    {len(times)} complete submission(s), a fresh clone each: {naive_per:.1f} s per submission")
            print(f"ratio:    the roster is {naive_per / per_complete:.1f}x faster per complete submission (bar: >= 3x)")


if __name__ == "__main__":
    main()
