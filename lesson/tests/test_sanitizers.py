"""A heap overflow that a plain run never notices, caught two ways (chapter 9)."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import lessonbuild

SOURCE = Path(lessonbuild.EXAMPLES) / "debugging" / "overflow.c"
CALL = "import overflow; print(overflow.shout('abc'))"


def run_python(build, *args, env=None):
    env = {**os.environ, "PYTHONPATH": str(build), **(env or {})}
    return subprocess.run([sys.executable, *args, "-c", CALL], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def plain_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("overflow-plain")
    lessonbuild.compile_c_extension(SOURCE, "overflow", out)
    return out


def test_plain_run_looks_fine(plain_build):
    proc = run_python(plain_build)
    assert (proc.returncode, proc.stdout) == (0, "ABC!\n")  # the bug is invisible here


def test_dev_mode_debug_hooks_catch_it_at_free(plain_build):
    proc = run_python(plain_build, "-X", "dev")
    assert proc.returncode == -signal.SIGABRT
    assert "bad trailing pad byte" in proc.stderr
    assert "at tail+0: 0x00 *** OUCH" in proc.stderr  # the '\0' written one past the end
    assert "Extension modules: overflow" in proc.stderr


def _libasan():
    found = subprocess.run(["cc", "-print-file-name=libasan.so"], capture_output=True,
                           text=True).stdout.strip()
    return found if os.path.isabs(found) and os.path.exists(found) else None


@pytest.mark.skipif(sys.platform != "linux" or _libasan() is None, reason="needs gcc's libasan")
def test_address_sanitizer_points_at_the_write(tmp_path):
    lessonbuild.compile_c_extension(SOURCE, "overflow", tmp_path, extra_flags=[
        "-g", "-fsanitize=address", "-fno-omit-frame-pointer"])
    proc = run_python(tmp_path, env={
        "LD_PRELOAD": _libasan(),                # the interpreter itself is not instrumented
        "PYTHONMALLOC": "malloc",                # let ASan see every allocation
        "ASAN_OPTIONS": "detect_leaks=0",        # CPython keeps objects alive at exit on purpose
    })
    assert proc.returncode != 0
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in proc.stderr
    assert "WRITE of size 1" in proc.stderr
    assert "in shout" in proc.stderr and "overflow.c:" in proc.stderr
