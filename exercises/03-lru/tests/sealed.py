"""Sealed suite for exercise 3 (`lrucache`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py).

Stateful: the same operation sequences run on a `LruCache` in the reference worker and in the
submission's; the instructor's scenarios first, then sequences hypothesis draws."""

import inspect

from lessongrader.sealed.suite import Leak, Scenario, Speed, Suite, st

import baseline

keys = st.one_of(st.integers(-3, 12), st.sampled_from(["a", "b", "", "é", (1, 2), (), 1.0, True, None]))
values = st.one_of(st.integers(), st.text(max_size=5), st.none())
step = st.one_of(
    st.tuples(st.just("__setitem__"), st.tuples(keys, values)),
    st.tuples(st.just("__getitem__"), st.tuples(keys)),
    st.tuples(st.just("get"), st.one_of(st.tuples(keys), st.tuples(keys, values))),
    st.tuples(st.just("__contains__"), st.tuples(keys)),
    st.tuples(st.just("__delitem__"), st.tuples(keys)),
    st.tuples(st.just("pop"), st.one_of(st.tuples(keys), st.tuples(keys, values), st.tuples(keys, values, values))),
    st.tuples(st.just("__len__"), st.just(())),
    st.tuples(st.just("items"), st.just(())),
    st.tuples(st.just("__iter__"), st.just(()), st.just("list")),
    st.tuples(st.just("__repr__"), st.just(())),
    st.tuples(st.just("clear"), st.just(())),
    st.tuples(st.just("capacity"), st.none()),
    st.tuples(st.just("__setitem__"), st.tuples(st.just([1]), values)),  # unhashable: TypeError
)
sequences = st.tuples(st.tuples(st.integers(-1, 5)), st.lists(step, max_size=25))

SCENARIOS = [
    Scenario("evicts the least recently used", "LruCache", (2,), [
        ("__setitem__", ("a", 1)), ("__setitem__", ("b", 2)), ("__getitem__", ("a",)), ("__setitem__", ("c", 3)),
        ("__contains__", ("b",)), ("items", ()), ("__len__", ()), ("__repr__", ()),
    ]),
    Scenario("replacing keeps the stored key", "LruCache", (3,), [
        ("__setitem__", (1, "one")), ("__setitem__", (1.0, "uno")), ("__setitem__", (True, "yes")), ("items", ()),
        ("__iter__", (), "list"), ("capacity", None),
    ]),
    Scenario("missing keys", "LruCache", (3,), [
        ("__getitem__", ((1, 2),)), ("get", ("x",)), ("get", ("x", 5)), ("pop", ("x",)), ("pop", ("x", None)),
        ("pop", ("x", 1, 2)), ("__delitem__", ("x",)), ("__setitem__", ([], 1)), ("__contains__", ({},)),
    ]),
    Scenario("pop and clear", "LruCache", (4,), [
        ("__setitem__", ("a", 1)), ("__setitem__", ("b", 2)), ("pop", ("a",)), ("__len__", ()), ("clear", ()),
        ("items", ()), ("__repr__", ()), ("__setitem__", ("c", None)), ("get", ("c", 7)),
    ]),
    Scenario("bad capacity", "LruCache", (0,), []),
]

WORKLOAD = inspect.getsource(baseline.run_workload)


def workload_input(rng):
    distinct = [f"/api/v1/items/{rng.randrange(10**9)}?page={page}" for page in range(4_000)]
    weights = [1.0 / (rank + 1) for rank in range(len(distinct))]
    return [500, rng.choices(distinct, weights=weights, k=100_000)]


# Every call takes fresh, large values: a reference kept too many keeps megabytes alive.
CHURN = """
def run(module, values):
    cache = module.LruCache(3)
    for index, value in enumerate(values):
        cache[index] = value
        cache[(index, "copy")] = value
    cache.get(len(values) - 1)
    cache.pop(len(values) - 1)
    del cache[(len(values) - 1, "copy")]
    list(cache)
    cache.items()
    cache.clear()
"""

SUITE = Suite(
    module="lrucache",
    cases=[
        *SCENARIOS,
        Scenario("drawn sequences", "LruCache", sequences=sequences, max_examples=60),
    ],
    speed=Speed(
        "lru_workload",
        driver=WORKLOAD + "\ndef run(module, capacity, keys):\n    return run_workload(module.LruCache, capacity, keys)\n",
        baseline_driver=WORKLOAD + "\ndef run(module, capacity, keys):\n    return run_workload(module.PyLruCache, capacity, keys)\n",
        inputs=workload_input,
        min_speedup=1.6,
    ),
    leaks=[Leak("LruCache", driver=CHURN, inputs=lambda rng: [[rng.randbytes(50_000) for _ in range(8)]])],
)
