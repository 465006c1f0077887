"""Call-level leak checks for exercise 3: every method, on its normal path and on its error paths.

`assert_no_leaks(f, *args, raises=E)` calls `f(*args)` many times (expecting `E` each time when given)
and fails if the reference counts of the arguments (and of `self` for a bound method, and of what
they hold), the allocated memory blocks or the live objects grow.
Every call leaves the cache as it found it, so that each round does the same work.
"""
import pytest

from lessongrader import assert_no_leaks
from lrucache import LruCache

# These tests are leak checks already; the automatic hunt need not run them again.
pytestmark = pytest.mark.no_leak_check(reason="calls assert_no_leaks itself")


class Value:
    """A fresh object per test: its reference count tells whether the cache leaks values."""


class Boom(Exception):
    pass


class FailingKey:
    def __init__(self, fail_hash):
        self.fail_hash = fail_hash

    def __hash__(self):
        if self.fail_hash:
            raise Boom("hash")
        return 0

    def __eq__(self, other):
        raise Boom("eq")


def cache_with(*pairs, capacity=4):
    cache = LruCache(capacity)
    for key, value in pairs:
        cache[key] = value
    return cache


# --- construction ----------------------------------------------------------------------------

def test_new_does_not_leak():
    assert_no_leaks(LruCache, 3)


def test_new_value_error_does_not_leak():
    assert_no_leaks(LruCache, 0, raises=ValueError)


def test_new_type_error_does_not_leak():
    assert_no_leaks(LruCache, "3", raises=TypeError)


# --- writing ---------------------------------------------------------------------------------

def test_setitem_replacing_a_value_does_not_leak():
    key, value = "key", Value()
    cache = cache_with((key, value))
    assert_no_leaks(cache.__setitem__, key, value)


def set_and_evict(cache, first, second, value):
    cache[first] = value
    cache[second] = value  # capacity 1: evicts `first`


def test_setitem_with_eviction_does_not_leak():
    assert_no_leaks(set_and_evict, LruCache(1), ("first",), ("second",), Value())


def test_setitem_unhashable_key_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).__setitem__, [1, 2], Value(), raises=TypeError)


def test_setitem_failing_hash_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).__setitem__, FailingKey(True), Value(), raises=Boom)


def test_setitem_failing_eq_does_not_leak():
    cache = cache_with((FailingKey(False), 1))
    assert_no_leaks(cache.__setitem__, FailingKey(False), Value(), raises=Boom)


def set_and_delete(cache, key, value):
    cache[key] = value
    del cache[key]


def test_delitem_does_not_leak():
    assert_no_leaks(set_and_delete, cache_with(("a", 1)), ("key",), Value())


def test_delitem_missing_key_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).__delitem__, ("missing",), raises=KeyError)


def set_and_pop(cache, key, value):
    cache[key] = value
    return cache.pop(key)


def test_pop_does_not_leak():
    assert_no_leaks(set_and_pop, cache_with(("a", 1)), ("key",), Value())


def test_pop_missing_with_default_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).pop, ("missing",), Value())


def test_pop_missing_key_error_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).pop, ("missing",), raises=KeyError)


def test_pop_too_many_arguments_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).pop, "a", Value(), Value(), raises=TypeError)


def fill_and_clear(cache, keys, value):
    for key in keys:
        cache[key] = value
    cache.clear()


def test_clear_does_not_leak():
    assert_no_leaks(fill_and_clear, LruCache(4), [("k", 1), ("k", 2), ("k", 3)], Value())


# --- reading ---------------------------------------------------------------------------------

def test_getitem_does_not_leak():
    key = ("key",)
    assert_no_leaks(cache_with((key, Value())).__getitem__, key)


def test_getitem_missing_key_error_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).__getitem__, ("missing",), raises=KeyError)


def test_getitem_unhashable_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).__getitem__, [1], raises=TypeError)


def test_getitem_failing_eq_does_not_leak():
    cache = cache_with((FailingKey(False), 1))
    assert_no_leaks(cache.__getitem__, FailingKey(False), raises=Boom)


def test_get_hit_does_not_leak():
    key = ("key",)
    assert_no_leaks(cache_with((key, Value())).get, key, Value())


def test_get_miss_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).get, ("missing",), Value())


def test_get_unhashable_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).get, {}, raises=TypeError)


def test_contains_does_not_leak():
    key = ("key",)
    cache = cache_with((key, Value()))
    assert_no_leaks(cache.__contains__, key)
    assert_no_leaks(cache.__contains__, ("missing",))


def test_contains_failing_hash_does_not_leak():
    assert_no_leaks(cache_with(("a", 1)).__contains__, FailingKey(True), raises=Boom)


def test_capacity_does_not_leak():
    assert_no_leaks(getattr, cache_with(("a", 1)), "capacity")


def test_len_does_not_leak():
    assert_no_leaks(cache_with(("a", Value())).__len__)


def test_items_does_not_leak():
    assert_no_leaks(cache_with((("a",), Value()), (("b",), Value())).items)


def test_iteration_does_not_leak():
    assert_no_leaks(list, cache_with((("a",), Value()), (("b",), Value())))


def test_iter_of_an_iterator_does_not_leak():
    assert_no_leaks(iter, iter(cache_with((("a",), Value()))))


def next_after_mutation(cache, key, value):
    iterator = iter(cache)
    cache[key] = value
    next(iterator)


def test_mutation_during_iteration_does_not_leak():
    cache = cache_with((("a",), 1))
    assert_no_leaks(next_after_mutation, cache, ("a",), Value(), raises=RuntimeError)


def test_repr_does_not_leak():
    assert_no_leaks(repr, cache_with((("a",), Value()), (2, [Value()])))


class FailingRepr:
    def __repr__(self):
        raise Boom("repr")


def test_repr_failing_value_repr_does_not_leak():
    assert_no_leaks(repr, cache_with((("a",), Value()), (("b",), FailingRepr())), raises=Boom)


def test_repr_of_a_cache_that_contains_itself_does_not_leak():
    cache = LruCache(2)
    cache["me"] = cache
    try:
        try:
            repr(cache)
        except RecursionError:  # accepted too (see test_lrucache.py); each call recurses deeply
            assert_no_leaks(repr, cache, calls=100, raises=RecursionError)
        else:
            assert_no_leaks(repr, cache)
    finally:
        cache.clear()


def test_eq_does_not_leak():
    first = cache_with((("a",), Value()), (("b",), Value()))
    second = cache_with((("a",), Value()), (("b",), Value()))
    assert_no_leaks(first.__eq__, second)
    assert_no_leaks(first.__eq__, cache_with((("a",), 1)))
    assert_no_leaks(first.__eq__, {"a": 1})


class FailingEq:
    __hash__ = None

    def __eq__(self, other):
        raise Boom("eq")


def test_eq_failing_value_eq_does_not_leak():
    first = cache_with((("a",), FailingEq()))
    second = cache_with((("a",), FailingEq()))
    assert_no_leaks(first.__eq__, second, raises=Boom)


def make_self_cycle(value):
    cache = LruCache(2)
    cache["me"] = cache
    cache["value"] = value


def test_a_cache_in_a_reference_cycle_does_not_leak():
    assert_no_leaks(make_self_cycle, Value())


def make_iterator_cycle(value):
    cache = LruCache(2)
    cache["value"] = value
    cache["iterator"] = iter(cache)


def test_an_iterator_in_a_reference_cycle_does_not_leak():
    assert_no_leaks(make_iterator_cycle, Value())
