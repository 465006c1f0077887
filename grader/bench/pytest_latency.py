#!/usr/bin/env python3
"""How long an exercise's pytest run takes, apart from the build: the less noisy half of a check.

Runs the exercise's tests the way the grader does (its flags and environment, the module the last
`cargo xtask check` built), alternating two ways of starting pytest:

  now     --disable-plugin-autoload (what grader/src/run.rs passes)
  before  -p no:hypothesispytest    (what it passed before: hypothesis's plugin off, but pytest
                                     still marked all of hypothesis for assertion rewriting, redone
                                     on every run since PYTHONDONTWRITEBYTECODE stops its cache)

and prints the median and minimum wall and CPU time of each.

Usage: python3 grader/bench/pytest_latency.py [--runs 11] [--exercise 7] [--variant solution|learner]
Build first: cargo xtask check 7 --solution --no-leaks --no-perf (or without --solution).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WAYS = {"now": ["--disable-plugin-autoload"], "before": ["-p", "no:hypothesispytest"]}


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--exercise", default="7")
    parser.add_argument("--variant", choices=["solution", "learner"], default="solution")
    args = parser.parse_args()
    number = f"{int(args.exercise):02d}-"
    (tests_of,) = (REPO / "exercises").glob(f"{number}*")
    modules = sorted((REPO / "target" / "grader").glob(f"*/{args.variant}/{tests_of.name}/module"))
    if not modules:
        sys.exit(f"no built module for {tests_of.name} ({args.variant}): run `cargo xtask check "
                 f"{args.exercise}{' --solution' if args.variant == 'solution' else ''}` first")
    module_dir = max(modules, key=lambda path: path.stat().st_mtime)
    python = REPO / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="pytest-latency-") as temp:
        results = Path(temp) / "results.jsonl"
        config = Path(temp) / "config.json"
        toml = (tests_of / "exercise.toml").read_text()
        module = next(line.split('"')[1] for line in toml.splitlines() if line.startswith("module"))
        config.write_text(json.dumps({
            "results_path": str(results), "lock_path": str(Path(temp) / "lock"),
            "exercise": {"id": int(args.exercise), "slug": tests_of.name[3:], "module": module,
                         "tests_dir": str(tests_of / "tests")},
            "leaks": {"enabled": False}, "perf": [], "perf_enabled": False,
        }))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(module_dir), str(REPO / "grader" / "python"), str(tests_of / "tests")]),
            LESSONGRADER_CONFIG=str(config), PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTEST_ADDOPTS", None)
        times = {way: ([], []) for way in WAYS}
        for _ in range(args.runs):
            for way, flags in WAYS.items():
                results.write_text("")
                command = [str(python), "-m", "pytest", "-p", "lessongrader.plugin", "-p",
                           "no:cacheprovider", *flags, "-q", "--color=no", "--tb=line",
                           "--rootdir", str(tests_of), str(tests_of / "tests")]
                cpu, wall = children_cpu(), time.perf_counter()
                run = subprocess.run(command, cwd=tests_of, env=env, capture_output=True, text=True)
                times[way][0].append(time.perf_counter() - wall)
                times[way][1].append(children_cpu() - cpu)
                if run.returncode != 0:
                    sys.exit(f"pytest failed ({way}):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    print(f"pytest only, {tests_of.name} ({args.variant}'s module), {args.runs} runs each (seconds)")
    for way, (wall, cpu) in times.items():
        print(f"  {way:<7} {' '.join(WAYS[way]):<28} wall median {statistics.median(wall):.2f} "
              f"min {min(wall):.2f}   CPU median {statistics.median(cpu):.2f} min {min(cpu):.2f}")


if __name__ == "__main__":
    main()
