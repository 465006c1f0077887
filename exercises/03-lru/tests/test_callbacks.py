"""Keys and values whose Python methods run while the cache works: `__hash__` and `__eq__` of keys,
`__eq__` and `__repr__` of values, `__del__` of what leaves the cache.

When such a method raises, the exception must reach the caller and the cache must be left exactly
as it was. When it uses the cache again, it must find the cache usable (or, for a key's `__eq__`
that runs in the middle of a lookup, get a RuntimeError — never a deadlock).
"""
import pytest

from lrucache import LruCache


class Boom(Exception):
    pass


class Key:
    """A key with Python-level __hash__ and __eq__ that can be told to fail."""

    def __init__(self, name, hash_value=0):
        self.name = name
        self.hash_value = hash_value
        self.fail_hash = False
        self.fail_eq = False
        self.eq_calls = 0

    def __hash__(self):
        if self.fail_hash:
            raise Boom(f"hash of {self.name}")
        return self.hash_value

    def __eq__(self, other):
        self.eq_calls += 1
        if self.fail_eq:
            raise Boom(f"eq of {self.name}")
        return isinstance(other, Key) and self.name == other.name

    def __repr__(self):
        return f"Key({self.name!r})"


def test_keys_with_equal_hashes_are_told_apart_by_eq():
    a, b, c = Key("a"), Key("b"), Key("c")  # all hash to 0
    cache = LruCache(5)
    cache[a], cache[b], cache[c] = 1, 2, 3
    assert (cache[Key("b")], cache.get(Key("c")), Key("d") in cache) == (2, 3, False)


def test_eq_is_not_called_for_the_very_same_key_object():
    # Like dict: identity is checked first, so even a key that is not equal to itself is found.
    key = Key("a")
    cache = LruCache(3)
    cache[key] = 1
    key.fail_eq = True
    assert cache[key] == 1


def test_eq_is_only_called_on_keys_with_the_same_hash():
    stored = [Key(f"k{number}", hash_value=number) for number in range(50)]
    cache = LruCache(100)
    for key in stored:
        cache[key] = key.name
    lookup = Key("k7", hash_value=7)
    assert cache[lookup] == "k7"
    assert sum(key.eq_calls for key in stored) + lookup.eq_calls == 1


@pytest.mark.parametrize(
    "operation",
    [
        lambda cache, key: cache[key],
        lambda cache, key: cache.__setitem__(key, "new"),
        lambda cache, key: cache.__delitem__(key),
        lambda cache, key: key in cache,
        lambda cache, key: cache.get(key),
        lambda cache, key: cache.pop(key, None),
    ],
    ids=["getitem", "setitem", "delitem", "contains", "get", "pop"],
)
def test_failing_hash_propagates_and_changes_nothing(operation):
    cache = LruCache(2)
    cache["x"], cache["y"] = 1, 2
    key = Key("bad")
    key.fail_hash = True
    with pytest.raises(Boom, match="hash of bad"):
        operation(cache, key)
    assert cache.items() == [("x", 1), ("y", 2)]


@pytest.mark.parametrize(
    "operation",
    [
        lambda cache, key: cache[key],
        lambda cache, key: cache.__setitem__(key, "new"),
        lambda cache, key: cache.__delitem__(key),
        lambda cache, key: key in cache,
        lambda cache, key: cache.get(key),
        lambda cache, key: cache.pop(key, None),
    ],
    ids=["getitem", "setitem", "delitem", "contains", "get", "pop"],
)
def test_failing_eq_propagates_and_changes_nothing(operation):
    stored = Key("stored")  # same hash (0) as the probe below, so their __eq__ runs
    cache = LruCache(2)
    cache["x"] = 1
    cache[stored] = 2
    stored.fail_eq = True
    with pytest.raises(Boom, match="eq of stored"):
        operation(cache, Key("probe"))
    stored.fail_eq = False
    assert cache.items() == [("x", 1), (stored, 2)]
    # Still fully usable: the lock was released.
    cache["z"] = 3
    assert cache.items() == [(stored, 2), ("z", 3)]


def test_eq_that_uses_the_same_cache_is_runtime_error():
    cache = LruCache(3)

    class Nosy(Key):
        def __eq__(self, other):
            len(cache)  # the cache is in the middle of a lookup: it must refuse, not deadlock
            return super().__eq__(other)

        __hash__ = Key.__hash__

    cache[Nosy("a")] = 1
    with pytest.raises(RuntimeError):
        cache[Nosy("b")]
    assert (len(cache), cache.items()[0][1]) == (1, 1)


class Noisy:
    """A value whose __eq__ or __repr__ can be told to fail."""

    def __init__(self, fail):
        self.fail = fail

    def __eq__(self, other):
        if self.fail:
            raise Boom("value eq")
        return isinstance(other, Noisy)

    __hash__ = None

    def __repr__(self):
        if self.fail:
            raise Boom("value repr")
        return "Noisy()"


def test_failing_value_eq_propagates_from_cache_eq():
    left, right = LruCache(2), LruCache(2)
    left["k"], right["k"] = Noisy(fail=True), Noisy(fail=False)
    with pytest.raises(Boom, match="value eq"):
        left == right
    assert (len(left), len(right)) == (1, 1)


def test_failing_value_repr_propagates_and_the_cache_stays_usable():
    cache = LruCache(2)
    cache["k"] = Noisy(fail=True)
    with pytest.raises(Boom, match="value repr"):
        repr(cache)
    cache["k"] = Noisy(fail=False)
    assert repr(cache) == "<LruCache capacity=2 {'k': Noisy()}>"


def test_value_repr_may_use_the_cache():
    cache = LruCache(2)

    class Peek:
        def __repr__(self):
            return f"Peek(len={len(cache)})"

    cache["p"] = Peek()
    assert repr(cache) == "<LruCache capacity=2 {'p': Peek(len=1)}>"


def test_value_eq_may_use_the_caches():
    left, right = LruCache(2), LruCache(2)

    class Peek:
        def __eq__(self, other):
            return len(left) == len(right) == 1

        __hash__ = None

    left["p"], right["p"] = Peek(), Peek()
    assert (left == right) is True


class Watcher:
    """A value that records, when it is destroyed, what it could see of the cache."""

    seen = []

    def __init__(self, cache, name):
        self.lookup = lambda: (name, len(cache), list(cache))

    def __del__(self):
        try:
            Watcher.seen.append(self.lookup())
        except Exception as error:  # a __del__ must not raise; record instead
            Watcher.seen.append(("failed", type(error).__name__, str(error)))


@pytest.mark.parametrize(
    "leave, expected",
    [
        (lambda cache: cache.__setitem__("c", 3), ("a", 2, ["b", "c"])),       # evicted
        (lambda cache: cache.__setitem__("a", 3), ("a", 2, ["b", "a"])),       # replaced
        (lambda cache: cache.__delitem__("a"), ("a", 1, ["b"])),               # deleted
        (lambda cache: cache.pop("a"), ("a", 1, ["b"])),                        # popped
    ],
    ids=["evicted", "replaced", "deleted", "popped"],
)
def test_a_value_leaving_the_cache_may_use_it_in_its_del(leave, expected):
    Watcher.seen.clear()
    cache = LruCache(2)
    cache["a"] = Watcher(cache, "a")
    cache["b"] = 2
    leave(cache)
    assert Watcher.seen == [expected]


def test_clear_lets_go_of_values_that_use_the_cache_in_their_del():
    Watcher.seen.clear()
    cache = LruCache(3)
    cache["a"] = Watcher(cache, "a")
    cache["b"] = Watcher(cache, "b")
    cache.clear()
    assert sorted(Watcher.seen) == [("a", 0, []), ("b", 0, [])]
