"""Measure before you rewrite: where does a small numeric pipeline spend its time? (chapter 10)

    python lesson/examples/profiling/profile_demo.py              # cProfile table + bytecode
    python -m cProfile -s tottime lesson/examples/profiling/profile_demo.py --run
    py-spy record -o profile.svg -- python lesson/examples/profiling/profile_demo.py --run
"""
from __future__ import annotations

import cProfile
import dis
import pstats
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "kernel"))
from sumsq import sum_of_squares  # noqa: E402  the kernel of chapters 7-10


# ANCHOR: pipeline
def load(n: int, seed: int = 10) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)]  # n calls to a Python-level function


def normalise(values: list[float]) -> list[float]:
    peak = max(abs(v) for v in values)
    return [v / peak for v in values]


def report(total: float, n: int) -> str:
    return f"mean square of {n} values: {total / n:.6f}"


def pipeline(n: int = 200_000) -> str:
    values = normalise(load(n))
    return report(sum_of_squares(values), n)
# ANCHOR_END: pipeline


# ANCHOR: profile
def profile(n: int = 200_000) -> list[tuple[str, int, float, float]]:
    """Run the pipeline under cProfile; rows of (function, calls, tottime, cumtime) by tottime."""
    profiler = cProfile.Profile()
    profiler.runcall(pipeline, n)
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        label = name if filename == "~" else f"{Path(filename).name}:{line}({name})"
        rows.append((label, ncalls, tottime, cumtime))
    return sorted(rows, key=lambda row: row[2], reverse=True)
# ANCHOR_END: profile


def loop_bytecode() -> list[str]:
    """The instructions the eval loop runs for the kernel (each x costs the whole loop body)."""
    return [ins.opname for ins in dis.get_instructions(sum_of_squares)]


def main(argv: list[str]) -> int:
    if "--run" in argv:  # plain run, for external profilers
        print(pipeline())
        return 0
    print(f"{'function':58} {'calls':>8} {'tottime':>9} {'cumtime':>9}")
    for label, ncalls, tottime, cumtime in profile()[:8]:
        print(f"{label[:58]:58} {ncalls:8d} {tottime:9.4f} {cumtime:9.4f}")
    print("\nbytecode of sum_of_squares:")
    dis.dis(sum_of_squares)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
