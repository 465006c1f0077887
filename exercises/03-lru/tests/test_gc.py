"""Reference cycles through the cache must be collected: `__traverse__` and `__clear__`.

Live objects are counted with gc.get_objects(), not with weak references: a cache with
`__traverse__` but no `__clear__` can report a weakref dead while its memory stays in a cycle.
Each cycle also holds a `Marker`, an ordinary Python object, so that a leak shows in the counts even
when gc cannot see into the cache at all (no `__traverse__`).
"""
import gc

from lrucache import LruCache


class Marker:
    pass


class Holder:
    """A hashable object that refers to a cache."""

    def __init__(self, cache):
        self.cache = cache
        self.marker = Marker()


def live(kind):
    gc.collect()
    return sum(1 for thing in gc.get_objects() if type(thing) is kind)


def test_gc_sees_keys_and_values():
    key, value = Holder(None), Marker()
    cache = LruCache(2)
    cache[key] = value
    referents = gc.get_referents(cache)
    assert (any(thing is key for thing in referents), any(thing is value for thing in referents)) == (True, True)


def test_a_cache_that_contains_itself_is_collected():
    before = (live(Marker), live(LruCache))
    cache = LruCache(2)
    cache["me"] = cache
    cache["marker"] = Marker()
    del cache
    assert (live(Marker), live(LruCache)) == before


def test_a_cycle_through_a_value_is_collected():
    before = (live(Holder), live(Marker), live(LruCache))
    cache = LruCache(2)
    cache["holder"] = Holder(cache)
    del cache
    assert (live(Holder), live(Marker), live(LruCache)) == before


def test_a_cycle_through_a_key_is_collected():
    before = (live(Holder), live(Marker), live(LruCache))
    cache = LruCache(2)
    cache[Holder(cache)] = "value"
    del cache
    assert (live(Holder), live(Marker), live(LruCache)) == before


def test_a_cycle_between_two_caches_is_collected():
    before = (live(Marker), live(LruCache))
    first, second = LruCache(2), LruCache(2)
    first["other"], second["other"] = second, first
    first["marker"] = Marker()
    del first, second
    assert (live(Marker), live(LruCache)) == before


def test_a_cycle_through_an_iterator_is_collected():
    before = (live(Marker), live(LruCache))
    cache = LruCache(3)
    cache["marker"] = Marker()
    iterator = iter(cache)
    cache["iterator"] = iterator  # the cache holds its iterator, the iterator holds the cache
    del cache, iterator
    assert (live(Marker), live(LruCache)) == before


def test_a_finished_iterator_lets_go_of_the_cache():
    cache = LruCache(2)
    cache["marker"] = Marker()
    iterator = iter(cache)
    list(iterator)
    assert any(thing is cache for thing in gc.get_referents(iterator)) is False


def test_evicted_values_are_freed_at_once():
    cache = LruCache(1)
    cache["a"] = Marker()
    before = live(Marker)
    gc.disable()
    try:
        cache["b"] = 1  # evicts the Marker: its last reference goes, no gc needed
        still_there = sum(1 for thing in gc.get_objects() if type(thing) is Marker)
    finally:
        gc.enable()
    assert still_there == before - 1
