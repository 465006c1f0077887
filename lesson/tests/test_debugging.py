"""Chapter 9's tools, run for real: faulthandler, gdb and valgrind on deliberate bugs."""
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

DEBUGGING = Path(__file__).resolve().parent.parent / "examples" / "debugging"
CRASH = DEBUGGING / "crash.py"
LEAK = DEBUGGING / "leak.py"


def test_faulthandler_prints_the_python_stack():
    proc = subprocess.run([sys.executable, str(CRASH)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGSEGV  # killed by the signal: no exception, no cleanup
    assert proc.stdout == "about to crash...\n"
    assert "Fatal Python error: Segmentation fault" in proc.stderr
    frames = re.findall(r'File "([^"]+)", line \d+ in (\S+)', proc.stderr)
    ours = [name for path, name in frames if path == str(CRASH)]
    assert ours == ["read_header", "parse_record", "<module>"]  # most recent call first


def test_without_faulthandler_only_the_signal_is_known():
    code = ("import runpy, faulthandler; faulthandler.enable = lambda: None; "
            f"runpy.run_path({str(CRASH)!r}, run_name='__main__')")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONFAULTHANDLER", "PYTHONDEVMODE")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == -signal.SIGSEGV
    assert "Fatal Python error" not in proc.stderr


@pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb is not installed")
def test_gdb_shows_the_c_stack_and_the_python_stack():
    gdb_helpers = Path(os.path.realpath(sys.executable) + "-gdb.py")  # shipped with CPython builds
    cmd = ["gdb", "-batch", "-nx", "-ex", "run", "-ex", "bt"]
    if gdb_helpers.exists():
        cmd += ["-ex", f"source {gdb_helpers}", "-ex", "py-bt"]
    cmd += ["--args", sys.executable, str(CRASH)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert "Program received signal SIGSEGV" in out
    assert re.search(r"#\d+ .*PyBytes_FromStringAndSize", out)  # the C frame that crashed
    assert "_PyEval_EvalFrameDefault" in out                      # the interpreter below it
    if gdb_helpers.exists():
        assert "in read_header" in out and "in parse_record" in out  # py-bt: Python frames


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
@pytest.mark.parametrize("clean", [False, True], ids=["leaky", "clean"])
def test_valgrind_finds_the_leaked_objects(hello_pyo3, clean):
    cmd = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite",
           sys.executable, str(LEAK), hello_pyo3.__file__] + (["--clean"] if clean else [])
    env = {**os.environ, "PYTHONMALLOC": "malloc"}  # bypass pymalloc: one malloc per object
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = re.search(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks", proc.stderr)
    assert summary, proc.stderr[-2000:]
    summary_blocks = int(summary.group(2).replace(",", ""))
    # Our objects are the "definitely lost" records allocated by PyType_GenericAlloc (tp_alloc).
    records = [r for r in re.split(r"==\d+== \n", proc.stderr) if "are definitely lost" in r]
    ours = [r for r in records if "PyType_GenericAlloc" in r]
    # 3.12 and 3.13 do not free every string they interned (3.12: immortal, 3.13: those of the
    # frozen modules) at exit: valgrind reports them as definitely lost, so from 3.12 on the
    # summary is not ours alone and only the loss records tell.
    summary_is_ours = sys.version_info[:2] <= (3, 11)
    if clean:
        assert ours == [], ours[:1]
        if summary_is_ours:
            assert summary_blocks == 0
    else:
        (record,) = ours
        sizes = re.search(r"\(([\d,]+) direct, ([\d,]+) indirect\) bytes in (\d+) blocks", record)
        assert sizes, record
        assert sizes.group(3) == "3"  # the three bytearray objects...
        indirect = int(sizes.group(2).replace(",", ""))
        assert indirect >= 1000 + 1001 + 1002  # ...and their contents
        if summary_is_ours:
            assert summary_blocks == 3


# -- tracemalloc and memray ----------------------------------------------------------------

def _memory_where():
    sys.path.insert(0, str(DEBUGGING))
    import memory_where

    return memory_where


def test_tracemalloc_blames_the_line_whose_objects_leak(hello_pyo3):
    memory_where = _memory_where()
    source = Path(memory_where.__file__).read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "data = bytearray(1000)" in text)
    where, size, blocks = memory_where.tracemalloc_growth(hello_pyo3, rounds=200)
    assert where == f"memory_where.py:{line}"
    assert blocks == 400               # 200 bytearray objects + their 200 buffers
    assert size >= 200 * 1000
    # The same rounds through make_pair keep nothing alive: the check can tell them apart.
    assert memory_where.tracemalloc_growth(hello_pyo3, rounds=200, clean=True) == (None, 0, 0)


@pytest.mark.skipif(sys.platform == "win32", reason="memray runs on Linux and macOS only")
def test_memray_shows_the_native_frames_of_an_allocation(hello_pyo3):
    memory_where = _memory_where()
    size, native = memory_where.memray_native(hello_pyo3, n=1_000_000)
    assert size == 8_000_000           # the Vec<f64> PyO3 fills before our function runs
    frames = " ".join(native)
    assert "extract_sequence" in frames                      # PyO3's conversion...
    assert "__pyfunction_sum_of_squares" in frames           # ...for our kernel...
    assert "cfunction_vectorcall_FASTCALL_KEYWORDS" in frames  # ...called by CPython
