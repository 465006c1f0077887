"""Sealed suite for exercise 7 (`textstats`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py)."""

from lessongrader.sealed.suite import Function, Leak, Scenario, Speed, Suite, st

spaces = st.sampled_from([" ", "  ", "\t", "\n", "\x1c", "\x1f", "\u00a0", "\u2003", "\u3000", "\x85"])
# Naming categories replaces hypothesis' default exclusion of "Cs": a word is text, never a lone surrogate.
words = st.text(st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cs")), min_size=1, max_size=8)
texts = st.one_of(st.lists(st.one_of(words, spaces), max_size=20).map("".join), st.text(max_size=30))
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)

steps = st.lists(
    st.one_of(
        finite.map(lambda x: ("push", (x,))),
        st.just(("mean", ())),
        st.just(("variance", ())),
        st.just(("label", ())),
    ),
    max_size=15,
)

SUITE = Suite(
    module="textstats",
    cases=[
        Function("checksum", st.tuples(st.binary(max_size=12_000)), examples=[(b"",), (b"Wikipedia",), (b"\xff" * 6000,)]),
        Function(
            "word_counts",
            st.tuples(texts),
            kwargs=st.fixed_dictionaries({}, optional={"min_length": st.integers(-1, 5)}),
            examples=[("",), ("a bb a",)],
        ),
        Function("moving_average", st.tuples(st.lists(finite, max_size=30), st.integers(-1, 8)), examples=[([], 1), ([1.0, 2.0, 3.0], 2), ([1.0], 0)]),
        Scenario(
            "RunningStats",
            cls="RunningStats",
            init=("temps",),
            steps=[("mean", ()), ("variance", ()), ("push", (1.5,)), ("mean", ()), ("variance", ()), ("push", (2.5,)), ("variance", ()), ("label", ())],
            sequences=st.tuples(st.tuples(st.text(max_size=10)), steps),
        ),
    ],
    speed=Speed("checksum", candidate="checksum", baseline="checksum", inputs=lambda rng: [rng.randbytes(20_000)], min_speedup=5.0),
    leaks=[
        Leak("checksum", inputs=lambda rng: [rng.randbytes(200_000)]),
        Leak("moving_average", inputs=lambda rng: [[rng.uniform(-1, 1) for _ in range(20_000)], 7]),
    ],
)
