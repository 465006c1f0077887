"""run_pythons.py: which interpreters it finds, and that a missing one is reported, never silent."""
import os
import subprocess
import sys

import run_pythons

CURRENT = sys.version_info[:2]
OTHER = next(v for v in run_pythons.VERSIONS if v != CURRENT)


def fake_pyenv(root, *names):
    for name in names:
        minor = name.split(".")[1].rstrip("t")
        python = root / "versions" / name / "bin" / f"python3.{minor}"
        python.parent.mkdir(parents=True)
        python.write_text("")
    return root


def test_finds_the_newest_patch_of_each_minor_and_skips_free_threaded(tmp_path):
    root = fake_pyenv(tmp_path, "3.12.1", "3.12.10", "3.13.0", "3.13.0t", "2.7.18", "pypy3.10-7.3")
    found = run_pythons.pyenv_interpreters(root)
    assert found == {
        (3, 12): root / "versions" / "3.12.10" / "bin" / "python3.12",
        (3, 13): root / "versions" / "3.13.0" / "bin" / "python3.13",
    }


def run_only(version, tmp_path, **env):
    label = f"{version[0]}.{version[1]}"
    return subprocess.run(
        [sys.executable, run_pythons.__file__, "--only", label],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYENV_ROOT": str(tmp_path), **env},
    ), label


def test_a_missing_version_is_reported_as_skipped(tmp_path):
    proc, label = run_only(OTHER, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"  {label}: skipped: not installed ({tmp_path}/versions)" in proc.stdout


def test_a_required_missing_version_fails(tmp_path):
    label = f"{OTHER[0]}.{OTHER[1]}"
    proc, _ = run_only(OTHER, tmp_path, LESSON_PYTHONS_REQUIRED=label)
    assert proc.returncode == 1
    assert f"required by LESSON_PYTHONS_REQUIRED but not passed: {label}" in proc.stdout
