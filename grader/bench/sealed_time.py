#!/usr/bin/env python3
"""How long the sealed checks take per exercise, and the speed ratios they measure.

For each exercise: the solution's built module (under target/grader/*/solution/, made by
`cargo xtask verify` or `cargo xtask check N --solution`) against itself, through
`python -m lessongrader.sealed`, --runs times with a different seed each time. Prints per exercise
the median, min and max wall time of a whole run, the CPU time the runner and its workers used
(what a busy machine cannot inflate much), and the median speed ratio where there is a speed case. The issue's bar: a median of at most 5 s per exercise, on a quiet machine.

Usage: .venv/bin/python grader/bench/sealed_time.py [--runs 5] [--exercises 0 1 2 ...]
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BAR_SECONDS = 5.0


def solution_dir(exercise, module):
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    pattern = f"grader/*/solution/{exercise.name}/module/{module}/{module}{sysconfig.get_config_var('EXT_SUFFIX')}"
    found = sorted(target.glob(pattern), key=lambda path: path.stat().st_mtime)
    if not found:
        sys.exit(f"no built {module}: run `cargo xtask check {exercise.name[:2]} --solution` first")
    return found[-1].parent


def one_run(exercise, module, folder, seed, out):
    command = [
        sys.executable, "-m", "lessongrader.sealed", "--suite", str(exercise / "tests" / "sealed.py"),
        "--module", module, "--reference", str(folder), "--submission", str(folder), "--launcher", "[]",
        "--seed", seed, "--out", str(out),
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(REPO / "grader" / "python"))
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"{exercise.name}: the runner failed:\n{done.stderr}")
    result = json.loads(out.read_text())
    statuses = {part["kind"]: part["status"] for part in result["parts"]}
    speed = next(part for part in result["parts"] if part["kind"] == "speed")
    ratio = re.match(r"([0-9.]+)×", speed["summary"])
    return elapsed, cpu, statuses, float(ratio.group(1)) if ratio else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--exercises", type=int, nargs="*")
    options = parser.parse_args()
    exercises = sorted(path for path in (REPO / "exercises").iterdir() if (path / "tests" / "sealed.py").is_file())
    if options.exercises:
        exercises = [path for path in exercises if int(path.name[:2]) in options.exercises]
    over = []
    with tempfile.TemporaryDirectory() as scratch:
        for exercise in exercises:
            module = re.search(r'^module\s*=\s*"(\w+)"', (exercise / "exercise.toml").read_text(), re.M).group(1)
            folder = solution_dir(exercise, module)
            times, cpus, ratios, verdicts = [], [], [], set()
            for run in range(options.runs):
                elapsed, cpu, statuses, ratio = one_run(exercise, module, folder, f"{run + 1:x}", Path(scratch) / "out.json")
                times.append(elapsed)
                cpus.append(cpu)
                verdicts.add(tuple(sorted(statuses.items())))
                if ratio is not None:
                    ratios.append(ratio)
            median = statistics.median(times)
            speed = f"   speed median {statistics.median(ratios):.1f}×" if ratios else ""
            print(
                f"{exercise.name:16} median {median:5.2f} s  (min {min(times):.2f}, max {max(times):.2f}, "
                f"{options.runs} runs; CPU of runner and workers, median {statistics.median(cpus):.2f} s){speed}"
            )
            for verdict in sorted(verdicts):
                if any(status not in ("passed", "skipped") for _, status in verdict):
                    print(f"  not passed in some run: {dict(verdict)}")
            if median > BAR_SECONDS:
                over.append(exercise.name)
    if over:
        print(f"over the {BAR_SECONDS:g} s bar: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
