"""Run lesson/tests on this interpreter, then on every other CPython 3.10-3.14 that pyenv has.

`cargo xtask test` runs this script with the course's .venv interpreter:

    .venv/bin/python lesson/tests/run_pythons.py [--only 3.12] [pytest args...]

The lesson's claims differ between CPython versions (immortal objects, inlined comprehensions,
borrowed stack references...), and its tests check each version's own behaviour; running them
on one interpreter only would leave most of those branches untried. For each other version
found under `pyenv root`, the script keeps a virtual environment in
target/lesson-pythons/cpython-3.X (with the pinned packages of grader/python/requirements.txt
and lesson/requirements.txt, reinstalled when either file changes) and a cargo target folder
beside it, so that building PyO3 for 3.12 never invalidates the 3.11 build in target/.

Every version is reported: passed, failed, or skipped with the reason (not installed, no pyenv).
The exit status is 0 only if every version that ran passed. A version that is not installed is
not a failure (a learner's machine has one Python), but it is never skipped silently, and
LESSON_PYTHONS_REQUIRED=3.10,3.12,3.13 turns a missing one into a failure.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent.parent
REQUIREMENTS = [REPO_ROOT / "grader" / "python" / "requirements.txt",
                REPO_ROOT / "lesson" / "requirements.txt"]
VERSIONS = [(3, 10), (3, 11), (3, 12), (3, 13), (3, 14)]
HOME = REPO_ROOT / "target" / "lesson-pythons"


def pyenv_root() -> Path | None:
    """PYENV_ROOT, else `pyenv root`, else None."""
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    out = subprocess.run([pyenv, "root"], capture_output=True, text=True)
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def pyenv_interpreters(root: Path) -> dict[tuple[int, int], Path]:
    """{(3, X): the newest pyenv CPython 3.X}; free-threaded (3.13t) builds are left out."""
    found: dict[tuple[int, int], tuple[tuple[int, ...], Path]] = {}
    for version_dir in (root / "versions").glob("3.*"):
        match = re.fullmatch(r"3\.(\d+)\.(\d+)", version_dir.name)
        if not match:
            continue
        minor, patch = int(match[1]), int(match[2])
        python = version_dir / "bin" / f"python3.{minor}"
        if python.is_file() and ((3, minor) not in found or found[(3, minor)][0] < (minor, patch)):
            found[(3, minor)] = ((minor, patch), python)
    return {version: python for version, (_, python) in found.items()}


def requirements_hash() -> str:
    digest = hashlib.sha256()
    for path in REQUIREMENTS:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def prepared_venv(version: tuple[int, int], base_python: Path) -> Path:
    """The venv for `version`, created or brought up to date; returns its python."""
    home = HOME / f"cpython-{version[0]}.{version[1]}"
    python = home / "venv" / "bin" / "python"
    stamp = home / "venv" / "requirements.sha256"
    interpreter = f"{base_python.resolve()}\n"
    wanted = f"{interpreter}{requirements_hash()}\n"
    current = stamp.read_text() if stamp.exists() else ""
    if python.exists() and current == wanted:
        return python
    print(f"-- preparing {home / 'venv'} (pip install the pinned requirements)", flush=True)
    if not (python.exists() and current.startswith(interpreter)):
        # New, broken, or made by another interpreter: start over. Otherwise only the pins
        # changed, and pip installs what differs into the venv as it is.
        shutil.rmtree(home / "venv", ignore_errors=True)
        subprocess.run([str(base_python), "-m", "venv", str(home / "venv")], check=True)
    requirements = [arg for path in REQUIREMENTS for arg in ("-r", str(path))]
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *requirements], check=True)
    stamp.write_text(wanted)
    return python


def run_pytest(python: Path, version: tuple[int, int], extra: list[str], *, own_target: bool) -> int:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if own_target:
        # maturin builds hello-pyo3 for this interpreter: its own cargo folder and PyO3 settings
        # (.cargo/config.toml sets them for .venv; values already in the environment win).
        env["CARGO_TARGET_DIR"] = str(HOME / f"cpython-{version[0]}.{version[1]}" / "target")
        env["PYO3_PYTHON"] = str(python)
        env["PYO3_ENVIRONMENT_SIGNATURE"] = f"cpython-{version[0]}.{version[1]}-64bit"
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(TESTS), *extra]
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], metavar="3.X",
                        help="run these versions only (repeatable)")
    args, extra = parser.parse_known_args()
    only = {tuple(int(p) for p in v.split(".")) for v in args.only}
    required = {tuple(int(p) for p in v.split("."))
                for v in os.environ.get("LESSON_PYTHONS_REQUIRED", "").split(",") if v.strip()}

    current = sys.version_info[:2]
    results: dict[tuple[int, int], str] = {}
    if not only or current in only:
        print(f"== lesson/tests on Python {current[0]}.{current[1]} ({sys.executable})", flush=True)
        code = run_pytest(Path(sys.executable), current, extra, own_target=False)
        results[current] = "passed" if code == 0 else f"FAILED (pytest exit {code})"

    root = pyenv_root()
    found = pyenv_interpreters(root) if root else {}
    for version in VERSIONS:
        if version == current or (only and version not in only):
            continue
        label = f"{version[0]}.{version[1]}"
        if version not in found:
            where = f"{root}/versions" if root else "no pyenv (PYENV_ROOT unset, pyenv not on PATH)"
            results[version] = f"skipped: not installed ({where})"
            continue
        print(f"\n== lesson/tests on Python {label} ({found[version]})", flush=True)
        try:
            python = prepared_venv(version, found[version])
        except subprocess.CalledProcessError as error:
            results[version] = f"FAILED: could not prepare its venv ({error})"
            continue
        code = run_pytest(python, version, extra, own_target=True)
        results[version] = "passed" if code == 0 else f"FAILED (pytest exit {code})"

    print("\n== lesson/tests by Python version")
    for version in sorted(results):
        print(f"  {version[0]}.{version[1]}: {results[version]}")
    missing_required = sorted(v for v in required if not results.get(v, "").startswith("passed"))
    failed = [v for v, r in results.items() if r.startswith("FAILED")]
    if missing_required:
        print("  required by LESSON_PYTHONS_REQUIRED but not passed: "
              + ", ".join(f"{a}.{b}" for a, b in missing_required))
    return 1 if failed or missing_required else 0


if __name__ == "__main__":
    sys.exit(main())
