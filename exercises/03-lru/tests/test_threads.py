"""One cache used from several threads at once.

With the GIL, threads take turns; a turn can end inside a key's Python `__eq__` — while that thread
holds the cache's lock. The other threads must then wait for the lock without holding the GIL (or
nothing could ever finish) and must never see a half-done change.
"""
import random
import sys
import threading
import time

import pytest

from lrucache import LruCache

pytestmark = pytest.mark.no_leak_check(reason="starts threads; the leak tests cover every method")

THREADS = 4


class SlowKey:
    """Hashes collide on purpose, and __eq__ gives the GIL away: thread switches mid-lookup."""

    def __init__(self, number):
        self.number = number

    def __hash__(self):
        return self.number % 8

    def __eq__(self, other):
        time.sleep(0)  # releases the GIL while the cache is locked
        return isinstance(other, SlowKey) and self.number == other.number

    def __repr__(self):
        return f"SlowKey({self.number})"


def hammer(cache, make_key, number_of, operations, seed, errors):
    """Random writes, reads, pops and snapshots; every value must be 10 × its key's number."""
    rng = random.Random(seed)
    try:
        for _ in range(operations):
            number = rng.randrange(40)
            key = make_key(number)
            choice = rng.random()
            if choice < 0.45:
                cache[key] = number * 10
            elif choice < 0.85:
                value = cache.get(key)
                if value is not None and value != number * 10:
                    raise AssertionError(f"{key!r} -> {value!r}")
            elif choice < 0.95:
                cache.pop(key, None)
            else:
                for stored_key, value in cache.items():
                    if value != number_of(stored_key) * 10:
                        raise AssertionError(f"{stored_key!r} -> {value!r}")
    except BaseException as error:  # noqa: BLE001 - every failure must reach the main thread
        errors.append(error)


def run_threads(cache, make_key, number_of, operations):
    errors = []
    threads = [
        threading.Thread(target=hammer, args=(cache, make_key, number_of, operations, seed, errors))
        for seed in range(THREADS)
    ]
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads as often as possible
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(old_interval)
    assert [thread.is_alive() for thread in threads] == [False] * THREADS
    return errors


def assert_consistent(cache, number_of):
    items = cache.items()
    keys = [key for key, _ in items]
    assert len(items) <= cache.capacity
    assert list(cache) == keys
    assert len(cache) == len(items)
    assert [value for _, value in items] == [number_of(key) * 10 for key in keys]
    assert len({number_of(key) for key in keys}) == len(keys)


def test_threads_share_a_cache_of_int_keys():
    cache = LruCache(16)
    errors = run_threads(cache, lambda number: number, lambda key: key, 20_000)
    assert errors == []
    assert_consistent(cache, lambda key: key)


def test_threads_share_a_cache_whose_keys_release_the_gil_in_eq():
    cache = LruCache(16)
    errors = run_threads(cache, SlowKey, lambda key: key.number, 1_500)
    assert errors == []
    assert_consistent(cache, lambda key: key.number)


def test_iterating_while_other_threads_write_raises_or_completes():
    cache = LruCache(32)
    for number in range(32):
        cache[number] = number * 10
    stop = threading.Event()

    def writer():
        rng = random.Random(1)
        while not stop.is_set():
            number = rng.randrange(64)
            cache[number] = number * 10

    thread = threading.Thread(target=writer)
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    outcomes = set()
    try:
        thread.start()
        for _ in range(200):
            try:
                keys = list(cache)
                outcomes.add("completed" if len(keys) == len(set(keys)) else "duplicate keys")
            except RuntimeError as error:
                outcomes.add(str(error))
    finally:
        stop.set()
        thread.join(timeout=60)
        sys.setswitchinterval(old_interval)
    assert outcomes <= {"completed", "LruCache mutated during iteration"}
    assert_consistent(cache, lambda key: key)
