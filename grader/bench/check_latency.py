#!/usr/bin/env python3
"""How long from an edit to a verdict.

warm  (default): append a one-line comment to an exercise crate's src/lib.rs, run
      `cargo xtask check`, repeat; prints the median, min and max wall time, and restores the file.
cold  (--cold):  clone the repository into a temporary folder with no .venv and no target/, and time
      the first `cargo xtask check exercise-1` (venv, pinned installs, xtask and pyo3 builds).

Usage: python3 grader/bench/check_latency.py [--runs 11] [--exercise 1] [--variant solution|learner]
       python3 grader/bench/check_latency.py --cold
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def timed(command, cwd, env=None):
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, result


def warm(args):
    folder = next((REPO / ("solutions" if args.variant == "solution" else "exercises")).glob(f"{int(args.exercise):02d}-*"))
    lib = folder / "src" / "lib.rs"
    original = lib.read_text()
    flags = ["--solution"] if args.variant == "solution" else []
    rows = []
    try:
        subprocess.run(["cargo", "xtask", "check", args.exercise, *flags, "--no-perf"], cwd=REPO, capture_output=True)
        for label, extra in (("tests only (--no-leaks --no-perf)", ["--no-leaks", "--no-perf"]), ("tests + leak hunt (--no-perf)", ["--no-perf"])):
            times = []
            for run in range(args.runs):
                lib.write_text(original + f"\n// latency benchmark edit {run}\n")
                seconds, result = timed(["cargo", "xtask", "check", args.exercise, *flags, *extra], REPO)
                times.append(seconds)
                verdict = result.stdout.splitlines()[0] if result.stdout else result.stderr.strip()[-200:]
            rows.append((label, times, verdict))
    finally:
        lib.write_text(original)
    print(f"edit → verdict, {folder.relative_to(REPO)}, {args.runs} runs each (wall clock, seconds)")
    for label, times, verdict in rows:
        print(f"  {label:<36} median {statistics.median(times):.2f}  min {min(times):.2f}  max {max(times):.2f}")
        print(f"    last verdict: {verdict}")


def cold(args):
    with tempfile.TemporaryDirectory(prefix="cold-clone-") as temp:
        clone = Path(temp) / "course"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("CARGO_TARGET_DIR", "COURSE_VENV", "COURSE_ROOT")}
        seconds, result = timed(["cargo", "xtask", "check", "exercise-1", "--no-perf"], clone, env)
        print(f"fresh clone → first verdict: {seconds:.1f} s (venv + pinned installs + xtask and pyo3 builds)")
        print("  " + (result.stdout.splitlines()[0] if result.stdout else result.stderr[-300:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--exercise", default="1")
    parser.add_argument("--variant", choices=["solution", "learner"], default="solution")
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    cold(args) if args.cold else warm(args)


if __name__ == "__main__":
    sys.exit(main())
