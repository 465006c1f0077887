#!/usr/bin/env python3
"""What feedback does each mistake of the catalogue get? A markdown report, one section per exercise.

Every `solutions/NN-slug/mistakes/*.patch` is a classic mistake applied to the reference solution
(xtask/tests/mistakes.rs checks its headline, the function it names and its hint). This script does
what that test does — a private copy of the fixture course (grader/tests/fixtures/course) holding
the exercise, the solution's src/lib.rs with the patch applied as the learner's code, the real
`xtask check NN` run over it with NO_COLOR — and prints, for each patch, the first three non-empty
lines of the feedback, with the headline the patch's header expects. Every exercise with a
`mistakes/` folder is reported, so a new exercise's catalogue shows up without changing this file.

    python3 grader/bench/mistake_feedback.py                  # every exercise (~15 s a mistake)
    python3 grader/bench/mistake_feedback.py --only 2 5       # exercises 2 and 5
    python3 grader/bench/mistake_feedback.py -o /tmp/catalogue_feedback.md

It builds the xtask binary first (`cargo build -p xtask`), and needs the course's .venv (run
`cargo xtask check exercise-0` once). Exit status 1 if a patch no longer applies, or if a mistake's
first line lacks the headline its header expects (the report says NOT GOT).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_COURSE = ROOT / "grader" / "tests" / "fixtures" / "course"
OPENING_LINES = 3
CHECK_TIMEOUT_SECONDS = 900


def header(text, key):
    """The value of the patch's `# key: value` line, or ""."""
    prefix = f"# {key}: "
    return next((line[len(prefix):].strip() for line in text.splitlines() if line.startswith(prefix)), "")


def catalogue(only):
    """[(exercise folder, [patch paths])] for every solution with a mistakes/ folder, in order."""
    found = []
    for solution in sorted((ROOT / "solutions").iterdir()):
        number = solution.name.partition("-")[0]
        patches = sorted((solution / "mistakes").glob("*.patch"))
        if not number.isdigit() or not patches or (only and int(number) not in only):
            continue
        found.append((solution.name, patches))
    return found


def new_course(work, folder):
    """A copy of the fixture course without its own exercises, plus exercises/<folder>."""
    course = Path(tempfile.mkdtemp(prefix="course-", dir=work))
    ignore = shutil.ignore_patterns("target", "__pycache__")
    for name in ("Cargo.toml", "Cargo.lock"):
        shutil.copy(FIXTURE_COURSE / name, course / name)
    shutil.copytree(FIXTURE_COURSE / "solutions", course / "solutions", ignore=ignore)
    shutil.copytree(ROOT / "exercises" / folder, course / "exercises" / folder, ignore=ignore)
    return course


def apply(course, folder, patch):
    """The solution with `patch` applied, as the learner's src/lib.rs; None, or git's complaint."""
    exercise = course / "exercises" / folder
    shutil.copy(ROOT / "solutions" / folder / "src" / "lib.rs", exercise / "src" / "lib.rs")
    applied = subprocess.run(["git", "apply", "-p0", str(patch)], cwd=exercise, capture_output=True, text=True)
    return None if applied.returncode == 0 else applied.stderr.strip()


def check(xtask, course, target_dir, number):
    """Run `xtask check NUMBER` over the course copy; returns (exit code, stdout)."""
    env = dict(os.environ, COURSE_ROOT=str(course), COURSE_VENV=str(ROOT / ".venv"), NO_COLOR="1",
               CARGO_TARGET_DIR=str(target_dir))
    env.pop("CLICOLOR_FORCE", None)
    completed = subprocess.run([str(xtask), "check", str(number)], cwd=course, env=env, capture_output=True,
                               text=True, timeout=CHECK_TIMEOUT_SECONDS)
    return completed.returncode, completed.stdout + (completed.stderr if completed.returncode not in (0, 1) else "")


def forget_builds(course, target_dir):
    """The grader's build folders for this course copy (target/grader/course-XXXX-<hash>)."""
    for path in (target_dir / "grader").glob(f"{course.name}-*"):
        shutil.rmtree(path, ignore_errors=True)


def build_xtask(target_dir):
    subprocess.run(["cargo", "build", "--quiet", "-p", "xtask"], cwd=ROOT, check=True,
                   env=dict(os.environ, CARGO_TARGET_DIR=str(target_dir)))
    return target_dir / "debug" / "xtask"


def report(only, target_dir, out):
    """Print the report to `out` (progress to stderr); returns the number of problems."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        sys.exit("no .venv yet: run `cargo xtask check exercise-0` once, then this script again")
    xtask = build_xtask(target_dir)
    problems = 0
    print("# The mistake catalogue's feedback\n", file=out)
    print(f"The first {OPENING_LINES} lines `cargo xtask check` prints for each mistake in "
          "`solutions/NN-slug/mistakes/` (the solution with the patch applied), and whether its first line "
          "has the headline the patch's header expects.\n", file=out, flush=True)
    with tempfile.TemporaryDirectory(prefix="mistake-feedback-") as temporary:
        for folder, patches in catalogue(only):
            number = int(folder.partition("-")[0])
            print(f"## Exercise {number} ({folder}): {len(patches)} mistakes\n", file=out, flush=True)
            course = new_course(Path(temporary), folder)
            try:
                for patch in patches:
                    print(f"checking {folder}/{patch.name} …", file=sys.stderr, flush=True)
                    text = patch.read_text()
                    mistake = header(text, "MISTAKE") or patch.stem.replace("_", " ")
                    expected = header(text, "headline")
                    complaint = apply(course, folder, patch)
                    if complaint is not None:
                        problems += 1
                        print(f"- **{patch.name}** — {mistake}\n\n  ✘ the patch does not apply: {complaint}\n",
                              file=out, flush=True)
                        continue
                    code, output = check(xtask, course, target_dir, number)
                    opening = [line.rstrip() for line in output.splitlines() if line.strip()][:OPENING_LINES]
                    first = opening[0] if opening else ""
                    matched = bool(expected) and any(part in first for part in expected.split(" | "))
                    problems += not matched
                    print(f"- **{patch.name}** — {mistake} (expected headline `{expected}`: "
                          f"{'got it' if matched else 'NOT GOT'}; exit {code})\n", file=out)
                    print("  ```text", file=out)
                    for line in opening:
                        print(f"  {line}", file=out)
                    print("  ```\n", file=out, flush=True)
            finally:
                forget_builds(course, target_dir)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=int, nargs="*", help="exercise numbers (default: every one with a catalogue)")
    parser.add_argument("--target-dir", type=Path, default=Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")))
    parser.add_argument("-o", "--output", type=Path, help="write the report here instead of stdout")
    arguments = parser.parse_args()
    if arguments.output:
        with arguments.output.open("w") as out:
            problems = report(set(arguments.only or []), arguments.target_dir.resolve(), out)
    else:
        problems = report(set(arguments.only or []), arguments.target_dir.resolve(), sys.stdout)
    if problems:
        print(f"{problems} mistake(s) without their expected headline or patch", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
