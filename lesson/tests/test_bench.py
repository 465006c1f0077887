"""The benchmark script runs end to end (tiny sizes) and writes its table and chart."""
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "examples" / "kernel" / "bench.py"
VARIANTS = ["pure Python loop", "builtin sum(genexpr)", "C API", "Cython", "PyO3 Vec<f64>",
            "PyO3 &PyList", "C API buffer", "Cython memoryview", "PyO3 PyBuffer"]


def test_bench_quick_run(build_dir, sumsq_c, sumsq_cy, hello_pyo3, tmp_path):
    # The fixtures above built the modules into build_dir: the script reuses them.
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--n", "500", "--rounds", "3", "--sample-ms", "0.5",
         "--build-dir", str(build_dir), "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "building" not in proc.stderr  # nothing rebuilt
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "µs" in line]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == VARIANTS
    assert rows[0].endswith("| 1.0× |")  # the baseline against itself
    for row in rows:
        speedup = float(row.split(" | ")[-1].rstrip("× |"))
        assert speedup > 0
    assert "Measured on: " in proc.stdout and "CPython " in proc.stdout and "PyO3 0." in proc.stdout

    table = (out / "kernel-benchmark.md").read_text()
    table_lines = [line for line in table.splitlines() if line.startswith("|")]
    assert len(table_lines) == 2 + len(VARIANTS)  # header, separator, one row per variant
    assert "| PyO3 Vec\\<f64> |" in table  # escaped, or Markdown renderers read an HTML tag
    svg = ET.parse(out / "kernel-benchmark.svg").getroot()
    assert svg.tag.endswith("svg")
    text = "".join(svg.itertext())
    for label in VARIANTS:
        assert label.replace("<", "") in text.replace("<", "")


def test_chapter_10_quotes_the_default_round_count():
    import re

    default = re.search(r'"--rounds", type=int, default=(\d+)', BENCH.read_text()).group(1)
    chapter = (BENCH.parent.parent.parent / "src" / "ch10-profiling.md").read_text()
    quoted = re.findall(r"over (\d+) rounds", chapter)
    assert quoted == [default], f"ch10 says {quoted} rounds, bench.py's default is {default}"
