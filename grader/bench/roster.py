#!/usr/bin/env python3
"""Seconds per submission of `cargo xtask grade-all --submissions`, against the naive way.

Makes N submissions of this course in a temporary folder: complete ones (every exercise's src/
from solutions/), skeletons (the course as it is), half-done mixes (solutions for the first half
of the exercises), one that crashes (exercise 0 aborts the interpreter) and one that hangs
(exercise 0 never returns). Then:

roster: `cargo xtask grade-all --submissions DIR --sandbox off --regrade` once over all of them
        (one slot of the course, one pyo3 build, every check); seconds per submission overall and
        per complete submission (a complete one graded alone).
naive:  for --naive of them, a fresh clone of this repository per submission, its src/ copied in,
        `cargo xtask grade-all` there (a new .venv, xtask and pyo3 build each time), as a grader
        without a shared slot would do; seconds per submission.

Usage: python3 grader/bench/roster.py [--count 6] [--naive 1]
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXERCISES = sorted(p.name for p in (REPO / "exercises").iterdir() if (p / "exercise.toml").is_file())


def submission(root: Path, kind: str) -> None:
    """A student's copy: the course's exercises/, with src/ from the solutions where `kind` says."""
    shutil.copytree(REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("target", "__pycache__"))
    for name in ("Cargo.toml", "Cargo.lock"):
        shutil.copy(REPO / name, root / name)
    solved = {"complete": EXERCISES, "half": EXERCISES[: len(EXERCISES) // 2], "skeleton": []}.get(kind, EXERCISES)
    for folder in solved:
        shutil.rmtree(root / "exercises" / folder / "src")
        shutil.copytree(REPO / "solutions" / folder / "src", root / "exercises" / folder / "src")
    lib = root / "exercises" / EXERCISES[0] / "src" / "lib.rs"
    # A constructor that runs when the interpreter loads the module: abort, or spin forever.
    body = {"crash": "std::process::abort()", "hang": "loop { std::hint::spin_loop() }"}.get(kind)
    if body:
        lib.write_text(lib.read_text() + "\n#[unsafe(link_section = \".init_array\")]\n#[used]\n"
                       f"static ON_LOAD: extern \"C\" fn() = {{ extern \"C\" fn on_load() {{ {body} }} on_load }};\n")


def kinds(count: int) -> list:
    base = ["complete", "skeleton", "half", "crash", "hang"]
    return [base[i] if i < len(base) else ["complete", "half", "skeleton"][i % 3] for i in range(count)]


def grade_roster(folder: Path, out: Path) -> tuple:
    started = time.perf_counter()
    result = subprocess.run(["cargo", "xtask", "grade-all", "--submissions", str(folder), "--out", str(out),
                             "--sandbox", "off", "--regrade", "--format", "json"], cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"grade-all failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return seconds, json.loads(result.stdout)


def naive(kind: str, scratch: Path) -> float:
    clone = scratch / f"clone-{kind}"
    started = time.perf_counter()
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
    student = scratch / f"naive-{kind}"
    submission(student, kind)
    for folder in EXERCISES:
        shutil.rmtree(clone / "exercises" / folder / "src")
        shutil.copytree(student / "exercises" / folder / "src", clone / "exercises" / folder / "src")
    subprocess.run(["cargo", "xtask", "grade-all", "--format", "json"], cwd=clone, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(clone, ignore_errors=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--naive", type=int, default=1, help="submissions graded the naive way (each costs a cold build)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as scratch:
        scratch = Path(scratch)
        folder = scratch / "submissions"
        for index, kind in enumerate(kinds(args.count)):
            submission(folder / f"student{index:02d}-{kind}", kind)
        subprocess.run(["cargo", "build", "-q", "-p", "xtask"], cwd=REPO, check=True)
        seconds, summary = grade_roster(folder, scratch / "out")
        per = seconds / args.count
        print(f"roster: {args.count} submissions in {seconds:.1f} s = {per:.1f} s per submission "
              f"(graded {summary['graded']}, error {summary['error']}, mean {summary['mean']:.1f} of {summary['max']:.0f})")
        alone = scratch / "alone"
        submission(alone / "complete", "complete")
        complete, _ = grade_roster(alone, scratch / "out-alone")
        print(f"roster: one complete submission (7 exercises, every check) in {complete:.1f} s")
        if args.naive:
            times = [naive(kind, scratch) for kind in kinds(args.naive)]
            naive_per = sum(times) / len(times)
            print(f"naive:  {len(times)} submission(s), a fresh clone each: {naive_per:.1f} s per submission")
            print(f"ratio:  the roster is {naive_per / per:.1f}× faster per submission")


if __name__ == "__main__":
    main()
