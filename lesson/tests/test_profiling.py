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


def test_profile_is_sorted_by_own_time():
    tottimes = [tottime for _, _, tottime, _ in profile_demo.profile(2000)]
    assert tottimes == sorted(tottimes, reverse=True)


@pytest.mark.skipif(PY < (3, 11), reason="BINARY_OP and JUMP_BACKWARD are 3.11 names")
def test_loop_bytecode():
    ops = profile_demo.loop_bytecode()
    loop = ops[ops.index("FOR_ITER"):ops.index("JUMP_BACKWARD") + 1]
    assert loop == ["FOR_ITER", "STORE_FAST", "LOAD_FAST", "LOAD_FAST", "LOAD_FAST",
                    "BINARY_OP", "BINARY_OP", "STORE_FAST", "JUMP_BACKWARD"]


def test_script_prints_table_and_bytecode():
    proc = subprocess.run([sys.executable, profile_demo.__file__], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("function")
    assert "uniform" in proc.stdout and "FOR_ITER" in proc.stdout
