"""A pure-Python LRU cache with the same behaviour as `lrucache.LruCache`, and the perf workload.

`PyLruCache` is what a Python programmer would write: an `OrderedDict` (itself written in C) and a
few lines per method. The tests use it as the reference for `LruCache`'s behaviour, and the grader
times the same workload on both classes (see `[[perf]]` in ../exercise.toml and `workload.py`).
"""
import random
from collections import OrderedDict

_MISSING = object()


class PyLruCache:
    """Least recently used first; `[]`, `get` and `[] =` count as a use."""

    __slots__ = ("_capacity", "_data")

    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._data = OrderedDict()

    @property
    def capacity(self):
        return self._capacity

    def __len__(self):
        return len(self._data)

    def __contains__(self, key):
        return key in self._data

    def __getitem__(self, key):
        value = self._data[key]
        self._data.move_to_end(key)
        return value

    def get(self, key, default=None):
        try:
            self._data.move_to_end(key)
        except KeyError:
            return default
        return self._data[key]

    def __setitem__(self, key, value):
        data = self._data
        if key in data:
            data.move_to_end(key)
        data[key] = value
        if len(data) > self._capacity:
            data.popitem(last=False)

    def __delitem__(self, key):
        del self._data[key]

    def pop(self, key, default=_MISSING):
        if default is _MISSING:
            return self._data.pop(key)
        return self._data.pop(key, default)

    def clear(self):
        self._data.clear()

    def items(self):
        return list(self._data.items())

    def __iter__(self):
        return iter(self._data)


def run_workload(cache_class, capacity, keys):
    """A memoising loop: look each key up, compute and store it on a miss. Returns the hit count."""
    cache = cache_class(capacity)
    hits = 0
    for key in keys:
        value = cache.get(key)
        if value is None:
            cache[key] = len(key)
        else:
            hits += 1
    return hits


def workload_with_python_cache(capacity, keys):
    return run_workload(PyLruCache, capacity, keys)


def make_workload_input():
    """200 000 lookups of 4 000 distinct URL-like keys (Zipf-like), for a cache of 500."""
    rng = random.Random(3)
    distinct = [f"/api/v1/items/{rng.randrange(10**9)}?page={page}" for page in range(4_000)]
    weights = [1.0 / (rank + 1) for rank in range(len(distinct))]
    return (500, rng.choices(distinct, weights=weights, k=200_000))
