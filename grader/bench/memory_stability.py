#!/usr/bin/env python3
"""Does the memory check give the same verdict every time, with a wide gap at the limit?

Builds exercise 5's reference solution and its `variants/to-vec-copy.patch` variant once each (the
grader's own build: `cargo xtask check 5 --solution --no-perf`, and the same over a temporary course
copy with the patch applied), then measures every `[[memory]]` case of exercise 5 N times each in a
fresh interpreter, exactly as the plugin does (`lessongrader.memory.measure_case`). Prints per
variant the median, smallest and largest extra memory against the limit, and how many runs got the
other verdict than the one the variant must get (solution: pass; to_vec: fail).

    python3 grader/bench/memory_stability.py              # 20 runs per variant
    python3 grader/bench/memory_stability.py --runs 3     # a quick proof that it works
    python3 grader/bench/memory_stability.py --busy       # with one core kept busy meanwhile

Goal: 0 wrong verdicts, the solution under half its limit (verify's margin), the variant over
ten times the limit. Exit status 1 otherwise.
"""

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "05-multimedia"
MEASURE = """
import json, sys
from lessongrader import memory
print(json.dumps(memory.measure_case(json.loads(sys.argv[1]))))
"""


def cases():
    exercise = tomllib.loads((ROOT / "exercises" / FOLDER / "exercise.toml").read_text())
    return [
        {"name": case["name"], "call": case["call"], "setup": case["setup"],
         "input_bytes": case["input_mib"] << 20, "limit": int(case["max_extra"] * (case["input_mib"] << 20))}
        for case in exercise.get("memory", [])
    ]


def build(course_root):
    """The module folder of exercise 5 as the grader builds it for the crate in `course_root`."""
    solution = course_root == ROOT
    args = ["cargo", "xtask", "check", "5", "--no-perf", "--format", "json"]
    if solution:
        args.insert(4, "--solution")
    env = dict(os.environ, COURSE_ROOT=str(course_root), CARGO_TARGET_DIR=str(ROOT / "target"),
               COURSE_VENV=str(ROOT / ".venv"))
    subprocess.run(args, cwd=ROOT, env=env, capture_output=True, check=False)
    variant = "solution" if solution else "learner"
    found = sorted((ROOT / "target" / "grader").glob(f"*/{variant}/{FOLDER}/module"),
                   key=lambda path: path.stat().st_mtime)
    if not found:
        sys.exit(f"no built module for the {variant} of {FOLDER} under target/grader")
    return found[-1]


def variant_course(scratch):
    """A copy of the course whose learner crate of exercise 5 is the solution with the to_vec patch."""
    course = Path(scratch) / "course"
    shutil.copytree(ROOT, course, ignore=shutil.ignore_patterns("target", ".venv", ".git"), symlinks=True)
    crate = course / "exercises" / FOLDER
    shutil.copy(ROOT / "solutions" / FOLDER / "src" / "lib.rs", crate / "src" / "lib.rs")
    patch = ROOT / "solutions" / FOLDER / "variants" / "to-vec-copy.patch"
    subprocess.run(["git", "apply", "-p0", str(patch)], cwd=crate, check=True)
    return course


def measure(module_dir, case):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(module_dir), str(ROOT / "grader" / "python"), str(ROOT / "exercises" / FOLDER / "tests")]))
    job = {key: case[key] for key in ("name", "call", "setup", "input_bytes")}
    output = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", MEASURE, json.dumps(job)],
                            env=env, capture_output=True, text=True, check=True)
    record = json.loads(output.stdout.strip().splitlines()[-1])
    if record["outcome"] != "measured":
        sys.exit(f"{case['name']}: {record['outcome']}: {record.get('message')}")
    return record["extra_bytes"]


def spin(stop):
    while not stop.is_set():
        sum(range(10_000))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--busy", action="store_true", help="keep one core busy while measuring")
    args = parser.parse_args()
    stop = multiprocessing.Event()
    busy = multiprocessing.Process(target=spin, args=(stop,)) if args.busy else None
    wrong = 0
    with tempfile.TemporaryDirectory() as scratch:
        variants = [("solution", build(ROOT), False), ("to-vec-copy", build(variant_course(scratch)), True)]
        if busy:
            busy.start()
        try:
            print(f"{'variant':<12} {'case':<12} {'median MiB':>10} {'min':>8} {'max':>8} {'limit':>8}  wrong")
            for name, module_dir, must_fail in variants:
                for case in cases():
                    extras = [measure(module_dir, case) for _ in range(args.runs)]
                    fails = [extra > case["limit"] for extra in extras]
                    flips = sum(1 for failed in fails if failed != must_fail)
                    wrong += flips
                    gap_ok = (min(extras) > 10 * case["limit"]) if must_fail else (max(extras) <= case["limit"] / 2)
                    wrong += 0 if gap_ok else 1
                    mib = lambda value: f"{value / 2**20:.2f}"  # noqa: E731
                    print(f"{name:<12} {case['name']:<12} {mib(statistics.median(extras)):>10} "
                          f"{mib(min(extras)):>8} {mib(max(extras)):>8} {mib(case['limit']):>8}  "
                          f"{flips}/{args.runs}{'' if gap_ok else '  (gap too small)'}")
        finally:
            if busy:
                stop.set()
                busy.join()
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
