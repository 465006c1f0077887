"""Public tests for exercise 3 (`lrucache.LruCache`). Convention: `assert actual == expected`.

Orders are always least recently used first: `list(cache)` and `cache.items()` start with the item
that the next insertion into a full cache would evict.
"""
import gc
import random

import pytest

from lrucache import LruCache

import baseline


def filled(capacity, *pairs):
    cache = LruCache(capacity)
    for key, value in pairs:
        cache[key] = value
    return cache


# --- construction ----------------------------------------------------------------------------

def test_new_cache_is_empty():
    cache = LruCache(3)
    assert (len(cache), list(cache), cache.items(), cache.capacity) == (0, [], [], 3)


@pytest.mark.parametrize("capacity", [0, -1, -10])
def test_capacity_below_one_is_value_error(capacity):
    with pytest.raises(ValueError, match=f"capacity must be at least 1, got {capacity}"):
        LruCache(capacity)


@pytest.mark.parametrize("capacity", [2.5, "3", None, [3]])
def test_capacity_must_be_an_int(capacity):
    with pytest.raises(TypeError):
        LruCache(capacity)


def test_capacity_is_read_only():
    cache = LruCache(2)
    with pytest.raises(AttributeError):
        cache.capacity = 5


# --- reading and writing ---------------------------------------------------------------------

def test_setitem_then_getitem():
    cache = LruCache(2)
    cache["answer"] = 42
    assert cache["answer"] == 42


def test_items_in_insertion_order():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    assert cache.items() == [("a", 1), ("b", 2), ("c", 3)]


def test_iter_yields_keys_least_recently_used_first():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    assert list(cache) == ["a", "b", "c"]


def test_getitem_counts_as_a_use():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    cache["a"]
    assert list(cache) == ["b", "c", "a"]


def test_get_counts_as_a_use():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    assert cache.get("b") == 2
    assert list(cache) == ["a", "c", "b"]


def test_setitem_on_an_existing_key_replaces_the_value_and_counts_as_a_use():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    cache["a"] = 10
    assert cache.items() == [("b", 2), ("c", 3), ("a", 10)]


def test_reading_without_using():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    "a" in cache, len(cache), list(cache), cache.items(), repr(cache), cache == cache
    assert list(cache) == ["a", "b", "c"]


def test_values_are_the_very_objects_stored():
    value = ["a", "mutable", "list"]
    cache = LruCache(1)
    cache["k"] = value
    assert cache["k"] is value


def test_any_hashable_key_and_any_value():
    key_tuple, key_frozen = (1, "two", 3.0), frozenset({1, 2})
    cache = filled(10, (key_tuple, None), (key_frozen, [1]), (None, "none"), (42, {"x": 1}), (b"raw", 1.5))
    assert cache.items() == [(key_tuple, None), (key_frozen, [1]), (None, "none"), (42, {"x": 1}), (b"raw", 1.5)]


def test_equal_keys_are_one_key_as_in_dict():
    # 1, 1.0 and True are equal and hash alike: one key, and the first key object stays.
    cache = LruCache(5)
    cache[1] = "int"
    cache[1.0] = "float"
    cache[True] = "bool"
    assert (cache.items(), cache[1.0], len(cache)) == ([(1, "bool")], "bool", 1)
    assert type(list(cache)[0]) is int


# --- eviction --------------------------------------------------------------------------------

def test_evicts_the_least_recently_used():
    cache = filled(3, ("a", 1), ("b", 2), ("c", 3), ("d", 4))
    assert cache.items() == [("b", 2), ("c", 3), ("d", 4)]


def test_eviction_follows_use_not_insertion():
    cache = filled(3, ("a", 1), ("b", 2), ("c", 3))
    cache["a"]            # b is now the least recently used
    cache["d"] = 4        # evicts b
    cache.get("c")        # a is now the least recently used
    cache["e"] = 5        # evicts a
    assert cache.items() == [("d", 4), ("c", 3), ("e", 5)]


def test_updating_does_not_evict():
    cache = filled(2, ("a", 1), ("b", 2))
    cache["a"] = 3
    assert cache.items() == [("b", 2), ("a", 3)]


def test_capacity_one():
    cache = filled(1, ("a", 1), ("b", 2))
    assert (cache.items(), "a" in cache) == ([("b", 2)], False)


def test_len_never_exceeds_capacity():
    cache = LruCache(7)
    lengths = set()
    for number in range(100):
        cache[number] = number
        lengths.add(len(cache))
    assert lengths == {1, 2, 3, 4, 5, 6, 7}


def test_behaves_like_the_python_reference():
    """Random operations on LruCache and on baseline.PyLruCache must give the same results."""
    rng = random.Random(7)
    cache, reference = LruCache(8), baseline.PyLruCache(8)
    for step in range(3000):
        key = rng.randrange(20)
        operation = rng.choice(["set", "set", "get", "getitem", "del", "pop", "contains"])
        outcomes = []
        for target in (cache, reference):
            try:
                if operation == "set":
                    target[key] = step
                    outcome = None
                elif operation == "get":
                    outcome = target.get(key, "missing")
                elif operation == "getitem":
                    outcome = target[key]
                elif operation == "del":
                    del target[key]
                    outcome = None
                elif operation == "pop":
                    outcome = target.pop(key, "missing")
                else:
                    outcome = key in target
            except KeyError as error:
                outcome = ("KeyError", error.args)
            outcomes.append(outcome)
        assert (step, operation, key, outcomes[0]) == (step, operation, key, outcomes[1])
        assert cache.items() == reference.items()


# --- membership, get, pop, del, clear --------------------------------------------------------

def test_contains():
    cache = filled(3, ("a", 1))
    assert ("a" in cache, "b" in cache, "b" not in cache) == (True, False, True)


def test_get_missing_returns_default():
    cache = filled(3, ("a", 1))
    assert (cache.get("zz"), cache.get("zz", 0), cache.get("zz", default="d")) == (None, 0, "d")


def test_get_does_not_insert():
    cache = filled(3, ("a", 1))
    cache.get("zz", 5)
    assert cache.items() == [("a", 1)]


def test_get_a_stored_none_is_not_the_default():
    cache = filled(3, ("n", None))
    assert cache.get("n", "default") is None


def test_getitem_missing_is_key_error_with_the_key():
    cache = filled(3, ("a", 1))
    with pytest.raises(KeyError) as caught:
        cache["zz"]
    assert caught.value.args == ("zz",)


def test_key_error_for_a_tuple_key_holds_the_tuple():
    # KeyError((1, 2)), not KeyError(1, 2): dict wraps the key in a 1-tuple of arguments too.
    cache = LruCache(3)
    with pytest.raises(KeyError) as caught:
        cache[(1, 2)]
    assert caught.value.args == ((1, 2),)


def test_delitem():
    cache = filled(3, ("a", 1), ("b", 2), ("c", 3))
    del cache["b"]
    assert cache.items() == [("a", 1), ("c", 3)]


def test_delitem_missing_is_key_error():
    cache = filled(3, ("a", 1))
    with pytest.raises(KeyError) as caught:
        del cache["zz"]
    assert (caught.value.args, cache.items()) == (("zz",), [("a", 1)])


def test_pop_removes_and_returns():
    cache = filled(3, ("a", 1), ("b", 2))
    assert (cache.pop("a"), cache.items()) == (1, [("b", 2)])


def test_pop_missing_with_default():
    cache = filled(3, ("a", 1))
    assert (cache.pop("zz", "default"), cache.pop("zz", None), cache.items()) == ("default", None, [("a", 1)])


def test_pop_missing_without_default_is_key_error():
    cache = filled(3, ("a", 1))
    with pytest.raises(KeyError) as caught:
        cache.pop("zz")
    assert caught.value.args == ("zz",)


def test_pop_with_too_many_arguments_is_type_error():
    cache = filled(3, ("a", 1))
    with pytest.raises(TypeError, match="pop expected at most 2 arguments, got 3"):
        cache.pop("a", 1, 2)
    assert cache.items() == [("a", 1)]


def test_clear():
    cache = filled(3, ("a", 1), ("b", 2))
    cache.clear()
    cache["c"] = 3
    assert cache.items() == [("c", 3)]


def test_a_freed_slot_is_reused_correctly():
    cache = filled(3, ("a", 1), ("b", 2), ("c", 3))
    del cache["a"]
    cache.pop("c")
    cache["d"] = 4
    cache["e"] = 5
    cache["f"] = 6
    assert cache.items() == [("d", 4), ("e", 5), ("f", 6)]


# --- unhashable keys: TypeError exactly where dict raises it -----------------------------------

UNHASHABLE = [[1, 2], {"a": 1}, {1}]


@pytest.mark.parametrize("key", UNHASHABLE, ids=["list", "dict", "set"])
@pytest.mark.parametrize(
    "operation",
    [
        lambda cache, key: cache[key],
        lambda cache, key: cache.__setitem__(key, 1),
        lambda cache, key: cache.__delitem__(key),
        lambda cache, key: key in cache,
        lambda cache, key: cache.get(key),
        lambda cache, key: cache.get(key, 0),
        lambda cache, key: cache.pop(key),
        lambda cache, key: cache.pop(key, 0),
    ],
    ids=["getitem", "setitem", "delitem", "contains", "get", "get-default", "pop", "pop-default"],
)
def test_unhashable_key_is_type_error(operation, key):
    cache = filled(3, ("a", 1))
    with pytest.raises(TypeError, match=f"unhashable type: '{type(key).__name__}'"):
        operation(cache, key)
    assert cache.items() == [("a", 1)]


def test_the_cache_itself_is_unhashable():
    with pytest.raises(TypeError):
        hash(LruCache(2))


# --- repr and == -----------------------------------------------------------------------------

def test_repr_empty():
    assert repr(LruCache(3)) == "<LruCache capacity=3 {}>"


def test_repr_lists_items_least_recently_used_first_with_their_reprs():
    cache = filled(4, ("b", 2), (1, "one"), ((1, 2), [None]))
    cache["b"]
    assert repr(cache) == "<LruCache capacity=4 {1: 'one', (1, 2): [None], 'b': 2}>"


def test_repr_of_a_cache_that_contains_itself_does_not_crash():
    cache = LruCache(2)
    cache["me"] = cache
    try:
        text = repr(cache)
    except RecursionError:
        text = "RecursionError"
    assert text in ("<LruCache capacity=2 {'me': <LruCache capacity=2 ...>}>", "RecursionError")
    cache.clear()  # break the cycle


def test_equal_caches():
    assert filled(3, ("a", 1), ("b", [2])) == filled(3, ("a", 1), ("b", [2]))


def test_same_items_in_another_order_are_not_equal():
    # The order decides what is evicted next: it is part of the state.
    assert (filled(3, ("a", 1), ("b", 2)) == filled(3, ("b", 2), ("a", 1))) is False


@pytest.mark.parametrize(
    "capacity, pairs",
    [
        (4, [("a", 1), ("b", 2)]),
        (3, [("a", 1), ("b", 3)]),
        (3, [("a", 1), ("c", 2)]),
        (3, [("a", 1)]),
        (3, [("a", 1), ("b", 2), ("c", 3)]),
    ],
    ids=["another-capacity", "another-value", "another-key", "fewer-items", "more-items"],
)
def test_unequal_caches(capacity, pairs):
    cache, other = filled(3, ("a", 1), ("b", 2)), filled(capacity, *pairs)
    assert (cache == other, cache != other) == (False, True)


def test_compared_with_other_types_is_not_equal():
    cache = filled(3, ("a", 1))
    assert (cache == {"a": 1}, cache == [("a", 1)], cache != None) == (False, False, True)  # noqa: E711


def test_equal_values_compare_with_their_eq():
    assert filled(2, ("x", 1)) == filled(2, ("x", 1.0))


# --- iteration -------------------------------------------------------------------------------

def test_iter_empty():
    assert list(iter(LruCache(2))) == []


def test_iterator_is_its_own_iterator():
    iterator = iter(filled(2, ("a", 1)))
    assert iter(iterator) is iterator


def test_two_iterators_are_independent():
    cache = filled(3, ("a", 1), ("b", 2), ("c", 3))
    first, second = iter(cache), iter(cache)
    assert (next(first), next(first), next(second), list(first), list(second)) == ("a", "b", "a", ["c"], ["b", "c"])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda cache: cache.__setitem__("new", 0),
        lambda cache: cache.__setitem__("a", 10),
        lambda cache: cache.__delitem__("b"),
        lambda cache: cache.pop("c"),
        lambda cache: cache.clear(),
        lambda cache: cache["c"],
        lambda cache: cache.get("a"),
    ],
    ids=["insert", "update", "delete", "pop", "clear", "getitem", "get"],
)
def test_mutation_during_iteration_is_runtime_error(mutate):
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    iterator = iter(cache)
    assert next(iterator) == "a"
    mutate(cache)
    with pytest.raises(RuntimeError, match="LruCache mutated during iteration"):
        next(iterator)


def test_mutation_in_a_for_loop_is_runtime_error():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    with pytest.raises(RuntimeError, match="mutated during iteration"):
        for key in cache:
            cache[key + "!"] = 0


def test_reading_during_iteration_is_fine():
    cache = filled(5, ("a", 1), ("b", 2), ("c", 3))
    seen = []
    for key in cache:
        seen.append((key, key in cache, len(cache), cache.get("missing")))
    assert seen == [("a", True, 3, None), ("b", True, 3, None), ("c", True, 3, None)]


def test_a_finished_iterator_stays_finished():
    cache = filled(3, ("a", 1))
    iterator = iter(cache)
    assert list(iterator) == ["a"]
    cache["b"] = 2
    assert list(iterator) == []


def test_mutation_after_the_last_key_but_before_stop_is_runtime_error():
    # As with dict: the iterator has not said "done" yet when the cache changes.
    cache = filled(3, ("a", 1))
    iterator = iter(cache)
    assert next(iterator) == "a"
    cache["b"] = 2
    with pytest.raises(RuntimeError):
        next(iterator)
