#!/usr/bin/env python3
"""How long from a save to a verdict on screen in `cargo xtask watch`.

Copies one exercise of this course into a temporary course (sharing the repository's .venv and
target/, as the integration tests do), starts `xtask watch` on it with its stdin and stdout on
pipes, and then, once per run: appends a one-line comment to the exercise's src/lib.rs and times
until the first verdict line (`✔ …`, `✘ …`, `○ …`) appears. It waits for the whole check (leak
hunt included) to end before the next edit. Prints the median, min and max (wall clock, seconds).

Two kinds of code are timed:
  skeleton  the exercise as a learner finds it (tests reach a todo!(): "not started")
  solution  the reference's lib.rs in the learner's crate (tests pass: the first line is the
            correctness verdict, "tests pass; hunting leaks…", then the leak hunt runs)

Usage: python3 grader/bench/watch_latency.py [--runs 11] [--exercise 1] [--code skeleton|solution|both]
"""

import argparse
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VERDICT = re.compile(r"^[✔✘○] exercise-\d+ ")
CHECK_ENDED = re.compile(r"^── (watching|manual mode)")
TIMEOUT = 120.0


def make_course(temp: Path, exercise: str, code: str) -> Path:
    """A course of one exercise: the repository's workspace manifest and lock, that exercise."""
    folder = next((REPO / "exercises").glob(f"{int(exercise):02d}-*"))
    course = temp / "course"
    (course / "exercises").mkdir(parents=True)
    # Fresh modification times (shutil.copy, not copy2): cargo decides what to rebuild by mtime
    # relative to the crate, and the shared target/ may hold a build of the same crate elsewhere.
    shutil.copytree(folder, course / "exercises" / folder.name, ignore=shutil.ignore_patterns("__pycache__"),
                    copy_function=shutil.copy)
    manifest = (REPO / "Cargo.toml").read_text()
    manifest = re.sub(r"(?m)^members = \[.*\]$", 'members = ["exercises/*"]', manifest)
    manifest = re.sub(r"(?m)^(default-members|exclude) = .*\n", "", manifest)
    (course / "Cargo.toml").write_text(manifest)
    shutil.copy(REPO / "Cargo.lock", course / "Cargo.lock")
    # Names of its own: in the shared target/ a cdylib's file is named after its [lib] name alone,
    # so a copy under the course's own names could swap builds with the repository's crate.
    crate = course / "exercises" / folder.name / "Cargo.toml"
    text = re.sub(r'(?m)^name = "(exercise-\d\d-[\w-]+)"$', r'name = "\1-watch-bench"', crate.read_text())
    text = re.sub(r'(?m)^name = "(exercise_\d\d_\w+)"$', r'name = "\1_watch_bench"', text)
    if text.count("watch") != 2:
        raise SystemExit(f"unexpected package or lib name in {folder / 'Cargo.toml'}")
    crate.write_text(text)
    if code == "solution":
        shutil.copy(REPO / "solutions" / folder.name / "src" / "lib.rs", course / "exercises" / folder.name / "src" / "lib.rs")
    return course / "exercises" / folder.name / "src" / "lib.rs"


class Watch:
    """`xtask watch` on pipes, its output lines timestamped as they arrive."""

    def __init__(self, binary: Path, course: Path, exercise: str):
        env = dict(os.environ, COURSE_ROOT=str(course), COURSE_VENV=str(REPO / ".venv"), NO_COLOR="1")
        env.setdefault("CARGO_TARGET_DIR", str(REPO / "target"))
        self.process = subprocess.Popen(
            [str(binary), "watch", exercise],
            cwd=course,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put((time.perf_counter(), line.rstrip("\n")))
        self.lines.put((time.perf_counter(), None))

    def wait_for(self, pattern, deadline=TIMEOUT):
        """The time and text of the next line matching `pattern`."""
        end = time.perf_counter() + deadline
        while True:
            try:
                at, line = self.lines.get(timeout=max(0.0, end - time.perf_counter()))
            except queue.Empty:
                raise SystemExit(f"no line matching {pattern.pattern!r} within {deadline:.0f} s")
            if line is None:
                raise SystemExit(f"watch exited (status {self.process.wait()}) before {pattern.pattern!r}")
            if pattern.search(line):
                return at, line

    def quit(self):
        self.process.stdin.write("q\n")
        self.process.stdin.flush()
        return self.process.wait(timeout=30)


def measure(binary: Path, exercise: str, code: str, runs: int):
    with tempfile.TemporaryDirectory(prefix="watch-latency-") as temp:
        lib = make_course(Path(temp), exercise, code)
        original = lib.read_text()
        watch = Watch(binary, lib.parents[3], exercise)
        watch.wait_for(VERDICT)  # the first check, started by watch itself
        watch.wait_for(CHECK_ENDED)
        times, last = [], ""
        for run in range(runs):
            time.sleep(1.0)  # let the machine settle between saves
            lib.write_text(original + f"// watch latency benchmark edit {run}\n")
            saved = time.perf_counter()
            shown, last = watch.wait_for(VERDICT)
            times.append(shown - saved)
            watch.wait_for(CHECK_ENDED)
        status = watch.quit()
        if status != 0:
            raise SystemExit(f"watch exited with status {status} after q")
        return times, last


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--exercise", default="1")
    parser.add_argument("--code", choices=["skeleton", "solution", "both"], default="both")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "-q", "-p", "xtask"], cwd=REPO, check=True)
    binary = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug" / "xtask"
    codes = ["skeleton", "solution"] if args.code == "both" else [args.code]
    load_before = os.getloadavg()[0]
    results = [(code, *measure(binary, args.exercise, code, args.runs)) for code in codes]
    load_after = os.getloadavg()[0]
    print(f"save → verdict on screen in watch mode, exercise {args.exercise}, {args.runs} runs each "
          f"(wall clock, seconds; load average {load_before:.1f} → {load_after:.1f} on {os.cpu_count()} cores)")
    for code, times, last in results:
        print(f"  {code:<9} median {statistics.median(times):.2f}  min {min(times):.2f}  max {max(times):.2f}")
        print(f"    last verdict: {last}")


if __name__ == "__main__":
    sys.exit(main())
