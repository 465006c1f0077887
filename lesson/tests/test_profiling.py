"""Chapter 10's profiling example: cProfile's counts and the kernel's bytecode."""
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "profiling"))
import profile_demo  # noqa: E402

PY = sys.version_info[:2]


def test_pipeline_result():
    assert profile_demo.pipeline(1000).startswith("mean square of 1000 values: 0.")


def test_profile_counts_calls_exactly():
    rows = {label: (ncalls, tottime, cumtime) for label, ncalls, tottime, cumtime
            in profile_demo.profile(5000)}
    by_name = {label.rsplit("(", 1)[-1].rstrip(")"): value for label, value in rows.items()}
    assert by_name["uniform"][0] == 5000          # one Python-level call per value
    assert by_name["sum_of_squares"][0] == 1      # the kernel is a single call...
    assert by_name["pipeline"][0] == 1
    assert rows["<built-in method builtins.abs>"][0] == 5000  # ...builtins are counted too
    for ncalls, tottime, cumtime in rows.values():
        assert 0 <= tottime <= cumtime + 1e-9       # own time never exceeds own + callees


def test_profile_rows_by_version():
    names = {label.rsplit("(", 1)[-1].rstrip(")") for label, *_ in profile_demo.profile(2000)}
    assert "<genexpr>" in names  # a generator keeps its own frame on every version
    if PY >= (3, 12):  # PEP 709: comprehensions inlined into load() and normalise()
        assert "<listcomp>" not in names
        assert {"load", "normalise"} <= names
    else:
        assert "<listcomp>" in names


def test_profile_is_sorted_by_own_time():
    tottimes = [tottime for _, _, tottime, _ in profile_demo.profile(2000)]
    assert tottimes == sorted(tottimes, reverse=True)


def test_loop_bytecode():
    """The kernel's loop body, as each version compiles it."""
    ops = profile_demo.loop_bytecode()
    if PY <= (3, 10):  # one opcode per operator, absolute jumps
        loop = ops[ops.index("FOR_ITER"):ops.index("JUMP_ABSOLUTE") + 1]
        assert loop == ["FOR_ITER", "STORE_FAST", "LOAD_FAST", "LOAD_FAST", "LOAD_FAST",
                        "BINARY_MULTIPLY", "INPLACE_ADD", "STORE_FAST", "JUMP_ABSOLUTE"]
        return
    loop = ops[ops.index("FOR_ITER"):ops.index("JUMP_BACKWARD") + 1]
    if PY <= (3, 12):  # 3.11: BINARY_OP for every operator, JUMP_BACKWARD
        assert loop == ["FOR_ITER", "STORE_FAST", "LOAD_FAST", "LOAD_FAST", "LOAD_FAST",
                        "BINARY_OP", "BINARY_OP", "STORE_FAST", "JUMP_BACKWARD"]
    else:  # 3.13: the compiler fuses two loads into one superinstruction
        assert loop == ["FOR_ITER", "STORE_FAST", "LOAD_FAST_LOAD_FAST", "LOAD_FAST",
                        "BINARY_OP", "BINARY_OP", "STORE_FAST", "JUMP_BACKWARD"]


def test_script_prints_table_and_bytecode():
    proc = subprocess.run([sys.executable, profile_demo.__file__], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("function")
    assert "uniform" in proc.stdout and "FOR_ITER" in proc.stdout
