"""Sealed suite for exercise 6 (`refcounts`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py).

Reference-count mistakes show here as wrong answers, as crashes (an over-release: the worker dies
and the crash is reported), or as memory that grows call after call (the leak batches)."""

from lessongrader.sealed.protocol import Namespace
from lessongrader.sealed.suite import Function, Leak, Suite, st

scalars = st.one_of(st.integers(-1000, 1000), st.text(max_size=4), st.floats(-10, 10), st.none(), st.booleans())
hashables = st.one_of(st.integers(-20, 20), st.text(max_size=3), st.tuples(st.integers(0, 3)))
sequences = st.one_of(st.lists(scalars, max_size=8), st.lists(scalars, max_size=8).map(tuple), st.text(max_size=8))
not_sequences = st.sampled_from([None, 3, 1.5])
attr_names = st.sampled_from(["x", "y", "z", "name", "missing", "__class__"])
namespaces = st.dictionaries(st.sampled_from(["x", "y", "name"]), scalars, max_size=3).map(lambda attrs: Namespace(**attrs))
nested = st.recursive(st.dictionaries(hashables, scalars, max_size=3), lambda inner: st.dictionaries(hashables, inner, max_size=3), max_leaves=12)
numbers = st.one_of(st.integers(-(2**70), 2**70), st.floats(-1e6, 1e6))

SUITE = Suite(
    module="refcounts",
    cases=[
        Function("build_pairs", st.one_of(st.tuples(sequences, sequences), st.tuples(not_sequences, sequences)), examples=[(["a", "b"], [1, 2]), ([], []), ([1], [])]),
        Function("invert_dict", st.tuples(st.one_of(st.dictionaries(hashables, hashables, max_size=8), st.dictionaries(hashables, st.lists(scalars, max_size=1), max_size=2), not_sequences)), examples=[({"a": 1, "b": 1},), ({},)]),
        Function("first_attr", st.tuples(namespaces, st.lists(attr_names, max_size=4).map(tuple)), examples=[(Namespace(x=1), ("missing", "x")), (Namespace(), ("a",))]),
        Function("sum_list", st.tuples(st.one_of(st.lists(numbers, max_size=12), st.lists(st.integers(), max_size=3).map(tuple), st.lists(st.one_of(st.integers(), st.text(max_size=2)), max_size=3))), examples=[([],), ([1, 2, 3],), ([1, "a"],)]),
        Function("swap_items", st.tuples(st.lists(scalars, max_size=6), st.integers(-7, 7), st.integers(-7, 7)), want_args=True, examples=[([1, 2, 3], 0, 2), ([], 0, 0)]),
        Function("lookup_path", st.tuples(nested, st.lists(hashables, max_size=3).map(tuple)), examples=[({"a": {"b": 1}}, ("a", "b")), ({"a": 1}, ("a", "b")), ({}, ())]),
    ],
    leaks=[
        Leak("sum_list", inputs=lambda rng: [[rng.randrange(2**40, 2**50) for _ in range(20_000)]]),
        Leak("build_pairs", inputs=lambda rng: [[f"key-{rng.random()}" for _ in range(5_000)], [rng.random() for _ in range(5_000)]]),
        Leak("invert_dict", inputs=lambda rng: [{f"k{index}-{rng.random()}": f"v{index}-{rng.random()}" for index in range(5_000)}]),
        Leak("lookup_path", inputs=lambda rng: [{"a": {"b": [rng.random() for _ in range(20_000)]}}, ("a", "b")]),
    ],
)
