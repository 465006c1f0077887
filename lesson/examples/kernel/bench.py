"""Benchmark the sum-of-squares kernel: pure Python vs C API vs Cython vs PyO3 (chapter 10).

    python lesson/examples/kernel/bench.py                      # print the table
    python lesson/examples/kernel/bench.py --out lesson/src/bench   # also write .md + .svg for the book

Builds the native modules first (into a temporary folder, or --build-dir). Protocol, chosen to
hold on a busy 2-core machine: same inputs for every variant, results checked equal first,
garbage collector off while timing, CPU time of this thread (not wall clock), a calibrated
number of calls per sample, variants in a fresh random order each round, and the speedup taken
as the median over rounds of (pure Python sample / variant sample) from the same round.
"""
from __future__ import annotations

import argparse
import array
import gc
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import lessonbuild  # noqa: E402
import sumsq  # noqa: E402


@dataclass
class Variant:
    label: str
    input_kind: str  # "list" or "array('d')"
    func: object
    exact: bool = True  # same additions in the same order as the baseline: equal results



@dataclass
class Result:
    label: str
    input_kind: str
    per_call_us: float  # median over rounds
    speedup: float  # median over rounds of baseline/variant, same round


def load_modules(build_dir: Path) -> dict:
    """Import the native modules from build_dir, building whatever is missing."""
    suffix = lessonbuild.EXT_SUFFIX
    builders = {
        "sumsq_c": lambda: lessonbuild.compile_c_extension(
            HERE / "sumsq_c.c", "sumsq_c", build_dir),
        "sumsq_cy": lambda: lessonbuild.build_cython_extension(
            HERE / "sumsq_cy.pyx", "sumsq_cy", build_dir),
        "hello_pyo3": lambda: lessonbuild.build_pyo3_extension(
            HERE.parent / "hello-pyo3", "hello_pyo3", build_dir),
    }
    modules = {}
    for name, build in builders.items():
        path = build_dir / f"{name}{suffix}"
        if not path.exists():
            print(f"building {name} ...", file=sys.stderr)
            path = build()
        modules[name] = lessonbuild.load_extension(name, path)
    return modules


def variants(modules: dict) -> list[Variant]:
    kernel = modules["hello_pyo3"].kernel
    return [
        Variant("pure Python loop", "list", sumsq.sum_of_squares),
        # 3.12+ sum() of floats uses compensated (Neumaier) summation: a slightly different result.
        Variant("builtin sum(genexpr)", "list", sumsq.sum_of_squares_builtin,
                exact=sys.version_info < (3, 12)),
        Variant("C API", "list", modules["sumsq_c"].sum_of_squares),
        Variant("Cython", "list", modules["sumsq_cy"].sum_of_squares),
        Variant("PyO3 Vec<f64>", "list", kernel.sum_of_squares),
        Variant("PyO3 &PyList", "list", kernel.sum_of_squares_list),
        Variant("C API buffer", "array('d')", modules["sumsq_c"].sum_of_squares_buffer),
        Variant("Cython memoryview", "array('d')", modules["sumsq_cy"].sum_of_squares_buffer),
        Variant("PyO3 PyBuffer", "array('d')", kernel.sum_of_squares_buffer),
    ]


def make_inputs(n: int) -> dict:
    rng = random.Random(19)
    values = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    return {"list": values, "array('d')": array.array("d", values)}


# ANCHOR: measure
def calibrate(func, arg, target_ns: int) -> int:
    """Smallest power-of-two number of calls whose total CPU time reaches target_ns."""
    loops = 1
    while True:
        start = time.thread_time_ns()
        for _ in range(loops):
            func(arg)
        if time.thread_time_ns() - start >= target_ns or loops >= 1 << 20:
            return loops
        loops *= 2


def measure(all_variants: list[Variant], inputs: dict, rounds: int, target_ns: int) -> list[Result]:
    baseline = all_variants[0]
    expected = baseline.func(inputs[baseline.input_kind])
    for v in all_variants:  # never time a wrong answer
        got = v.func(inputs[v.input_kind])
        if (got != expected) if v.exact else not math.isclose(got, expected, rel_tol=1e-9):
            raise SystemExit(f"{v.label} returned {got!r}, expected {expected!r}")
    loops = {v.label: calibrate(v.func, inputs[v.input_kind], target_ns) for v in all_variants}
    samples: dict[str, list[float]] = {v.label: [] for v in all_variants}
    ratios: dict[str, list[float]] = {v.label: [] for v in all_variants}
    order = list(all_variants)
    rng = random.Random(2024)
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            rng.shuffle(order)
            this_round = {}
            for v in order:
                arg, n = inputs[v.input_kind], loops[v.label]
                start = time.thread_time_ns()
                for _ in range(n):
                    v.func(arg)
                this_round[v.label] = (time.thread_time_ns() - start) / n
            for v in all_variants:
                samples[v.label].append(this_round[v.label])
                ratios[v.label].append(this_round[baseline.label] / max(this_round[v.label], 1e-3))
    finally:
        gc.enable()
    return [
        Result(v.label, v.input_kind, statistics.median(samples[v.label]) / 1000,
               statistics.median(ratios[v.label]))
        for v in all_variants
    ]
# ANCHOR_END: measure


def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.splitlines()[0].strip() if out else "unknown"


def pyo3_version() -> str:
    """The pyo3 version the workspace's Cargo.lock pins."""
    lock = HERE.parent.parent.parent / "Cargo.lock"
    try:
        packages = lock.read_text().split("[[package]]")
    except OSError:
        return "unknown"
    for package in packages:
        if 'name = "pyo3"\n' in package:
            return package.split('version = "', 1)[1].split('"', 1)[0]
    return "unknown"


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import Cython

    parts = [
        f"{cpu}, {os.cpu_count()} cores",
        f"CPython {platform.python_version()} ({platform.system()} {platform.machine()})",
        _first_line(["cc", "--version"]),
        _first_line(["rustc", "--version"]),
        f"PyO3 {pyo3_version()}",
        f"Cython {Cython.__version__}",
    ]
    return "; ".join(parts)


def table(results: list[Result], n: int, rounds: int, *, for_markdown: bool = False) -> str:
    """The comparison table; for_markdown escapes '<' so that `Vec<f64>` is not read as HTML."""
    lines = [
        f"| variant | input ({n:,} floats) | median per call | speedup vs pure Python |",
        "|---|---|---:|---:|",
    ]
    for r in results:
        label = r.label.replace("<", "\\<") if for_markdown else r.label
        lines.append(f"| {label} | {r.input_kind} | {r.per_call_us:,.1f} µs | {r.speedup:.1f}× |")
    lines.append("")
    lines.append(f"Medians over {rounds} rounds; speedup = median of per-round ratios.")
    return "\n".join(lines)


def chart(results: list[Result], n: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plt.rcParams["svg.hashsalt"] = "lesson-19"  # stable ids: the file only changes with the data
    plt.rcParams["svg.fonttype"] = "none"       # keep text as text (small, searchable)
    colours = {"list": "#4c72b0", "array('d')": "#dd8452"}
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(results) + 1.2))
    labels = [f"{r.label} ({r.input_kind})" for r in results][::-1]
    speedups = [r.speedup for r in results][::-1]
    bars = ax.barh(labels, speedups, color=[colours[r.input_kind] for r in results][::-1])
    ax.bar_label(bars, labels=[f"{s:.1f}×" for s in speedups], padding=3, fontsize=9)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}×"))
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("speedup vs the pure Python loop (log scale, higher is better)")
    ax.set_title(f"Sum of squares of {n:,} floats", fontsize=11)
    ax.set_xlim(0.5, max(speedups) * 3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of floats (default 100000)")
    parser.add_argument("--rounds", type=int, default=31, help="timing rounds (default 31)")
    parser.add_argument("--sample-ms", type=float, default=20.0, help="CPU time per sample")
    parser.add_argument("--build-dir", type=Path, help="reuse/put the built modules here")
    parser.add_argument("--out", type=Path, help="write kernel-benchmark.md and .svg here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lesson-bench-") as tmp:
        build_dir = (args.build_dir or Path(tmp)).resolve()
        build_dir.mkdir(parents=True, exist_ok=True)
        modules = load_modules(build_dir)
        results = measure(variants(modules), make_inputs(args.n), args.rounds,
                          int(args.sample_ms * 1e6))
    text = table(results, args.n, args.rounds)
    machine = machine_description()
    print(text)
    print(f"\nMeasured on: {machine}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        markdown = table(results, args.n, args.rounds, for_markdown=True)
        (args.out / "kernel-benchmark.md").write_text(f"{markdown}\n\nMeasured on: {machine}.\n")
        chart(results, args.n, args.out / "kernel-benchmark.svg")
        print(f"wrote {args.out / 'kernel-benchmark.md'} and {args.out / 'kernel-benchmark.svg'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
