"""Sealed suite for exercise 1 (`fastmath`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py)."""

from lessongrader.sealed.suite import Function, Leak, Speed, Suite, st

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
numbers = st.one_of(finite, st.integers(-(10**6), 10**6))
number_lists = st.lists(numbers, max_size=40)
# Sequences with one element that is not a number: the error names its index.
with_intruder = st.tuples(
    st.lists(numbers, max_size=8), st.sampled_from(["2.0", None, b"4", [3.0]]), st.lists(numbers, max_size=8)
).map(lambda parts: [*parts[0], parts[1], *parts[2]])
sequences = st.one_of(number_lists, number_lists.map(tuple), with_intruder)
# Messages write floats as Python's repr does: NaN as `nan`, below 1e-4 as `1e-05`, from 1e16 as
# `1e+16` (tests/baseline.py's `{x!r}`); drawn here so that a `{x:?}` in Rust shows.
xs = st.one_of(
    st.just(0.0), st.floats(1e-3, 1e12), st.floats(-10, -1e-3), st.integers(0, 10**6),
    st.floats(-1e-3, 1e-3), st.floats(-1e20, -1e15), st.sampled_from([float("nan"), float("inf"), float("-inf")]),
)
tols = st.one_of(st.sampled_from([1e-12, 1e-6, 0.0, -1.0, float("nan")]), st.floats(-1e-4, 1e-4, allow_nan=False))


def floats_input(rng, count=100_000):
    return [[rng.uniform(-1000.0, 1000.0) for _ in range(count)]]


SUITE = Suite(
    module="fastmath",
    rel_tol=1e-9,
    cases=[
        Function("primes_below", st.tuples(st.integers(-50, 20_000)), examples=[(0,), (2,), (3,), (-1,), (7920,)]),
        Function("sum_of_squares", st.tuples(sequences), examples=[([],), ([1, 2.5],)]),
        Function("mean", st.tuples(sequences), examples=[([],), ([2, 4.0],)]),
        Function("variance", st.tuples(sequences), examples=[([],), ([1.0, 2.0, 3.0, 4.0],)]),
        Function(
            "newton_sqrt",
            st.tuples(xs),
            kwargs=st.fixed_dictionaries({}, optional={"tol": tols, "max_iter": st.integers(-2, 60)}),
            examples=[(0.0,), (2.0,), (-1.0,), (float("inf"),), (float("nan"),), (-1e-05,), (1e-07,)],
        ),
    ],
    speed=Speed("sum_of_squares", candidate="sum_of_squares", baseline="sum_of_squares", inputs=floats_input, min_speedup=16.0),
    leaks=[Leak("sum_of_squares", inputs=lambda rng: floats_input(rng, 20_000)), Leak("variance", inputs=lambda rng: floats_input(rng, 20_000))],
)
