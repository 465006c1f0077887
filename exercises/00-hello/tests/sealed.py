"""Sealed suite for exercise 0 (`hello`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py)."""

from lessongrader.sealed.suite import Function, Leak, Suite, st

# Names with surrounding whitespace (stripped), blank names (the ValueError), and any other text.
names = st.one_of(
    st.text(max_size=30),
    st.tuples(st.sampled_from(["", " ", "\t", "\n "]), st.text(min_size=1, max_size=20), st.sampled_from(["", "  ", "\n"])).map("".join),
    st.sampled_from(["", "   ", "\t\n"]),
)

SUITE = Suite(
    module="hello",
    cases=[
        Function("hello_world"),
        Function("greet", st.tuples(names), examples=[("Ada",), ("  Grace ",), ("",), ("  ",)]),
    ],
    leaks=[Leak("greet", inputs=lambda rng: ["  " + "".join(rng.choice("abcdéλ") for _ in range(100_000)) + " "])],
)
