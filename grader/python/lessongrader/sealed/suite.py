"""How an exercise declares its sealed suite (`exercises/NN-slug/tests/sealed.py`).

A suite file is course code that only the trusted runner loads; it assigns `SUITE = Suite(...)`:

    from lessongrader.sealed.suite import Function, Leak, Scenario, Speed, Suite, st

    SUITE = Suite(
        module="fastmath",
        cases=[Function("mean", st.tuples(st.lists(st.floats(-1e6, 1e6), max_size=30)),
                        examples=[([1.0, 2.0],)])],
        speed=Speed("sum_of_squares", inputs=lambda rng: [...], min_speedup=10.0),
        leaks=[Leak("sum_of_squares", inputs=lambda rng: [...])],
    )

- `Function(target, args)`: one case; `args` is a hypothesis strategy of argument tuples
  (`kwargs` optionally one of keyword dicts), `examples` are argument tuples always tried first.
  `project` turns an object result into plain data in the worker ("repr", "list",
  {"attrs": [...]}); `want_args` also compares the arguments after the call (in-place writes);
  `oracle` ("pid" / "ppid") takes the expected value from /proc instead of the reference worker.
- `Scenario(name, cls, init, steps, sequences)`: one case; the object `cls(*init)` on both sides,
  then each step `(method, args)` or `(method, args, project)`; `sequences` is a strategy of
  `(init, steps)` pairs that hypothesis draws more scenarios from; `observe`, a step compared
  after every drawn step as well.
- `Speed(perf, candidate, baseline, inputs, min_speedup)`: CPU time of the candidate's batch
  against the baseline module's (tests/baseline.py) on the same inputs; `inputs(rng)` builds the
  argument list; a `driver` (source of `def run(module, *args)`) replaces a plain attribute call.
  `min_speedup` restates exercise.toml's `[[perf]]` threshold named `perf` (a test checks that).
- `Leak(target, inputs, repeats)`: the call `repeats` times on fresh copies of large arguments;
  the worker's RSS growth against the reference worker's.
- `files`: a scratch tree `{relative path: bytes | None}` each worker starts in (exercise 4).
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from hypothesis import strategies as st

__all__ = ["Function", "Leak", "Scenario", "Speed", "Suite", "st"]


@dataclass
class Function:
    target: str
    args: Any = None
    kwargs: Any = None
    examples: list = field(default_factory=list)
    project: Any = None
    want_args: bool = False
    oracle: Optional[str] = None
    max_examples: int = 40
    name: Optional[str] = None

    def __post_init__(self):
        self.name = self.name or self.target
        if self.args is None:
            self.args = st.just(())


@dataclass
class Scenario:
    name: str
    cls: str
    init: tuple = ()
    steps: list = field(default_factory=list)
    sequences: Any = None
    max_examples: int = 30
    # A step compared after every drawn step too (e.g. ("items", ())): a wrong state is caught
    # where it starts, not only if a later step happens to show it.
    observe: Any = None


@dataclass
class Speed:
    perf: str
    candidate: Optional[str] = None
    baseline: Optional[str] = None
    inputs: Callable = None
    min_speedup: float = 1.0
    driver: Optional[str] = None
    baseline_driver: Optional[str] = None
    baseline_module: str = "baseline"
    pairs: int = 7
    batch_seconds: float = 0.06


@dataclass
class Leak:
    target: str
    inputs: Callable = None
    repeats: int = 40
    driver: Optional[str] = None
    # Growth beyond the reference's that counts as a leak; the inputs are sized so one leaked
    # argument per call grows the worker by several times this.
    slack_bytes: int = 4 * 1024 * 1024


@dataclass
class Suite:
    module: str
    cases: list = field(default_factory=list)
    speed: Optional[Speed] = None
    leaks: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    rel_tol: float = 1e-9
    abs_tol: float = 1e-12
    call_timeout: float = 10.0
    # Where the baseline module lives; by default the suite file's folder (tests/).
    folder: Optional[str] = None
