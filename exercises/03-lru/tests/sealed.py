"""Sealed suite for exercise 3 (`lrucache`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py).

Stateful: the same operation sequences run on a `LruCache` in the reference worker and in the
submission's; the instructor's scenarios first, then sequences hypothesis draws."""

import inspect

from lessongrader.sealed.suite import Leak, Scenario, Speed, Suite, st

import baseline

# Few distinct keys, so that sequences hit, miss, replace and evict often; some that are equal
# across types (1, 1.0, True) and some that are not ints.
keys = st.sampled_from([*[0, 1, 2] * 4, 1.0, True, -1, "a", "é", (1, 2), (), None])
values = st.one_of(st.integers(), st.text(max_size=5), st.none())
STEPS = {
    "__setitem__": st.tuples(st.just("__setitem__"), st.tuples(keys, values)),
    "get": st.tuples(st.just("get"), st.one_of(st.tuples(keys), st.tuples(keys, values))),
    "__getitem__": st.tuples(st.just("__getitem__"), st.tuples(keys)),
    "__contains__": st.tuples(st.just("__contains__"), st.tuples(keys)),
    "__delitem__": st.tuples(st.just("__delitem__"), st.tuples(keys)),
    "pop": st.tuples(st.just("pop"), st.one_of(st.tuples(keys), st.tuples(keys, values), st.tuples(keys, values, values))),
    "__len__": st.just(("__len__", ())),
    "items": st.just(("items", ())),
    "__iter__": st.just(("__iter__", (), "list")),
    "__repr__": st.just(("__repr__", ())),
    "clear": st.just(("clear", ())),
    "capacity": st.just(("capacity", None)),
    "unhashable": st.tuples(st.just("__setitem__"), st.tuples(st.just([1]), values)),  # TypeError
}
# Writes and reads drawn four times as often as the rest: they make the state worth checking.
step = st.sampled_from([*["__setitem__", "get", "__getitem__"] * 4, *STEPS]).flatmap(STEPS.__getitem__)
sequences = st.tuples(st.tuples(st.integers(1, 3)), st.lists(step, min_size=6, max_size=30))  # a bad capacity: above

SCENARIOS = [
    Scenario("evicts the least recently used", "LruCache", (2,), [
        ("__setitem__", ("a", 1)), ("__setitem__", ("b", 2)), ("__getitem__", ("a",)), ("__setitem__", ("c", 3)),
        ("__contains__", ("b",)), ("items", ()), ("__len__", ()), ("__repr__", ()),
    ]),
    Scenario("a hit in get counts as a use", "LruCache", (2,), [
        ("__setitem__", ("a", 1)), ("__setitem__", ("b", 2)), ("get", ("a",)), ("__setitem__", ("c", 3)),
        ("__contains__", ("a",)), ("__contains__", ("b",)), ("get", ("b", 0)), ("items", ()),
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
        Scenario("drawn sequences", "LruCache", sequences=sequences, max_examples=80, observe=("items", ())),
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
