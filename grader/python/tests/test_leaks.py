"""Tests for lessongrader.leaks. Leaks are simulated without a compiled extension: `ctypes` takes
or releases references (Py_IncRef/Py_DecRef, as a faulty extension would), exports buffers and
allocates C memory (malloc) that nobody frees."""
import ctypes
import functools
import gc
import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lessongrader import assert_no_leaks, leaks, results
from lessongrader.leaks import LeakError, LeakHunter

PYTHON_DIR = Path(__file__).resolve().parents[1]
_api = ctypes.pythonapi
_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_kept = []  # what the "static cache" leaks keep


def incref(obj):
    _api.Py_IncRef(ctypes.py_object(obj))


class Thing:
    def __init__(self, name):
        self.name = name


class PyBufferStruct(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


def leak_buffer(obj):
    view = PyBufferStruct()
    if _api.PyObject_GetBuffer(ctypes.py_object(obj), ctypes.byref(view), 0) != 0:
        raise BufferError("no buffer")
    incref(obj)  # the Py_buffer's reference to obj, which ctypes would give back when `view` dies
    # Never PyBuffer_Release: the export stays, like a forgotten PyBuffer in Rust.


@pytest.fixture(autouse=True)
def grader_config(tmp_path, monkeypatch):
    """Each test starts without grader settings (checks on), results captured in a list."""
    monkeypatch.delenv("LESSONGRADER_CONFIG", raising=False)
    leaks._settings.cache_clear()
    emitted = []
    monkeypatch.setattr(results, "emit", emitted.append)
    yield emitted
    leaks._settings.cache_clear()


def leak_of(func, *args, **kwargs):
    with pytest.raises(LeakError) as caught:
        assert_no_leaks(func, *args, **kwargs)
    return caught.value


# --- decision rules -----------------------------------------------------------------------------------


def test_grows_needs_every_round():
    assert leaks.grows([1000, 1000, 999, 1000], 100)
    assert not leaks.grows([1000, 1000, 0, 1000], 100)
    assert not leaks.grows([], 1)


def test_dropped_needs_a_steady_fall_of_two():
    assert leaks.dropped(10, [9, 8, 7, 6])
    assert leaks.dropped(10, [9, 9, 8, 8])
    assert not leaks.dropped(10, [9, 9, 9, 9])  # one release (a cache let go once) is not a bug
    assert not leaks.dropped(10, [9, 10, 8, 7])  # it rose in between: not a steady fall


def test_thresholds_are_per_call():
    limits = leaks._Thresholds.for_calls(1000)
    assert (limits.refs, limits.blocks, limits.objects, limits.heap) == (100, 100, 100, 16384)
    assert limits.heap < 32 * 1000  # the smallest Rust leak: a 32-byte malloc chunk per call
    small = leaks._Thresholds.for_calls(10)
    assert (small.refs, small.blocks, small.heap) == (1, 3, 16384)
    hunt = leaks._Thresholds.for_runs(10)
    assert (hunt.refs, hunt.blocks, hunt.objects, hunt.heap) == (10, 10, 10, 16384)


def test_cached_and_immortal_objects_are_not_watched():
    for value in (None, True, 7, -5, 256, "", (), b"", "a", b"a", int, len, sys):
        assert not leaks._watchable(value), value
    assert leaks._watchable(10**6)
    assert leaks._watchable("two words")
    assert leaks._watchable([])


# --- assert_no_leaks: correct code passes -------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def bounded_cache(key):
    return [key]


def test_clean_functions_pass():
    assert_no_leaks(sorted, [3, 1, 2])
    assert_no_leaks(lambda items: [dict(a=item, b=str(item)) for item in items], [Thing("x"), 10**9])
    assert_no_leaks(bounded_cache, "key")  # fills during warm-up, then stays the same size
    assert_no_leaks(int, "12x", raises=ValueError)
    assert_no_leaks(json.loads, "{bad", raises=(ValueError, TypeError))


def test_clean_cycles_pass():
    def make_cycle():
        a = Thing("a")
        a.me = a

    assert_no_leaks(make_cycle)


def test_growing_then_freed_pass():
    def churn(size):
        return bytearray(size) + b"x" * size

    assert_no_leaks(churn, 100_000, calls=50)


# --- assert_no_leaks: each kind of leak -------------------------------------------------------------------


def test_argument_reference_leak(grader_config):
    def keep(value, other):
        incref(value)

    error = leak_of(keep, Thing("v"), Thing("w"))
    record = error.lessongrader_leak
    assert record["leak_kind"] == "argument_refs"
    assert record["call"] == "keep(value, other)"
    assert record["message"] == "+1 reference to argument `value` per call (1000 calls → +1000)"
    assert record["per_call"] == 1.0 and record["calls"] == 1000 and record["growth"] == 1000
    assert record["test"].endswith("test_leaks.py::test_argument_reference_leak")
    assert "mem::forget" in record["hint"]
    assert grader_config == error.lessongrader_leaks  # every finding is emitted as well
    assert isinstance(error, AssertionError)
    assert str(error).startswith("keep(value, other) leaks: +1 reference to argument `value` per call")


def test_keyword_argument_and_receiver_are_watched():
    class Box:
        def put(self, item):
            incref(self)

    record = leak_of(Box().put, item=Thing("x")).lessongrader_leak
    assert record["call"] == "Box.put(item)"
    assert "argument `self`" in record["message"]

    def keep_keyword(*, item):
        incref(item)

    record = leak_of(keep_keyword, item=Thing("x")).lessongrader_leak
    assert "argument `item`" in record["message"]


def test_reachable_reference_leak():
    def read_name(person):
        incref(person.name)

    record = leak_of(read_name, Thing("Ada Lovelace")).lessongrader_leak
    assert record["leak_kind"] == "reachable_refs"
    assert record["message"].startswith("+1 reference to `person.name` (reached from argument `person`) per call")
    assert "from_owned_ptr" in record["hint"]


def test_reference_leak_two_levels_down():
    def touch(rows):
        incref(rows[1].name)

    record = leak_of(touch, [Thing("first one"), Thing("second one")]).lessongrader_leak
    assert record["leak_kind"] == "reachable_refs"
    assert "`rows[1].name`" in record["message"]


def test_leak_on_the_error_path_only():
    def parse(text):
        if not text.isdigit():
            incref(text)
            raise ValueError(text)
        return int(text)

    assert_no_leaks(parse, "12345")
    record = leak_of(parse, "not a number", raises=ValueError).lessongrader_leak
    assert record["leak_kind"] == "argument_refs"


def test_new_object_leak():
    record = leak_of(lambda n: incref(str(n) + " leaked"), 5).lessongrader_leak
    assert record["leak_kind"] == "new_objects"
    assert record["message"].startswith("+1 memory block stays allocated per call (1000 calls → +1000)")


def test_gc_object_leak_names_the_type():
    record = leak_of(lambda: incref([])).lessongrader_leak
    assert record["leak_kind"] == "gc_objects"
    assert record["message"] == "1 object of type `list` survives gc.collect() per call (1000 calls → +1000)"

    record = leak_of(lambda: incref(Thing("x"))).lessongrader_leak
    assert record["leak_kind"] == "gc_objects"
    assert "`test_leaks.Thing`" in record["message"]
    assert "test_leaks.Thing" in record["types"]


def test_references_held_by_leaked_containers_are_not_reported_twice():
    item = Thing("held")
    error = leak_of(lambda value: incref([value]), item)
    assert [record["leak_kind"] for record in error.lessongrader_leaks] == ["gc_objects"]


def test_static_cache_leak():
    record = leak_of(_kept.append, Thing("cached")).lessongrader_leak
    assert record["leak_kind"] == "static_cache"
    assert "grows on every call" in record["hint"] or "grows on every call" in record["message"]


def test_c_heap_leak():
    record = leak_of(lambda: _libc.malloc(64)).lessongrader_leak
    assert record["leak_kind"] == "rust_heap"
    assert "while no Python object leaks" in record["message"]
    assert "Box::leak" in record["hint"]


def test_small_c_heap_leak():
    # The smallest leak Rust can make: a 1-byte Box is a 32-byte malloc chunk.
    record = leak_of(lambda: _libc.malloc(1)).lessongrader_leak
    assert record["leak_kind"] == "rust_heap"


def test_held_buffer_export():
    data = bytearray(b"locked bytes")
    record = leak_of(leak_buffer, data).lessongrader_leak
    assert record["leak_kind"] == "buffer_export"
    assert "argument `obj`" in record["message"] and "BufferError" in record["message"]
    with pytest.raises(BufferError):
        data.append(0)


def test_buffer_locked_before_the_call_is_not_an_export_leak():
    data = bytearray(b"viewed")
    view = memoryview(data)  # the test's own export: resizing fails before and after
    record = leak_of(lambda obj: incref(obj), data).lessongrader_leak
    assert record["leak_kind"] == "argument_refs"
    view.release()


def test_refcount_drop_is_reported_and_repaired(grader_config):
    item = Thing("victim")
    before = sys.getrefcount(item)

    def release_borrowed(obj):
        _api.Py_DecRef(ctypes.py_object(obj))

    record = leak_of(release_borrowed, item).lessongrader_leak
    assert record["leak_kind"] == "refcount_drop"
    assert record["message"].startswith("argument `obj` loses 1 reference per call (4 calls → −4)")
    assert record["growth"] == -4
    gc.collect()  # the LeakError's traceback held the checker's frames, which held `item`
    assert sys.getrefcount(item) == before  # the lost references were given back
    assert item.name == "victim"


def test_leak_error_lists_every_finding():
    def two_leaks(first, second):
        incref(first)
        incref(second)

    error = leak_of(two_leaks, Thing("a"), Thing("b"))
    assert len(error.lessongrader_leaks) == 2
    assert "also: +1 reference to argument `second`" in str(error)


# --- assert_no_leaks: outcomes, settings, time -------------------------------------------------------


def test_unexpected_exception_is_an_assertion_error():
    with pytest.raises(AssertionError, match=r"^int\(argument 1\) raised ValueError: .* \(no exception was expected\)$"):
        assert_no_leaks(int, "x")


def test_wrong_exception_type_is_an_assertion_error():
    with pytest.raises(AssertionError, match=r"raised ValueError: .* \(expected KeyError\)$"):
        assert_no_leaks(int, "x", raises=KeyError)


def test_missing_exception_is_an_assertion_error():
    with pytest.raises(AssertionError, match=r"returned normally \(expected it to raise ValueError or TypeError\)$"):
        assert_no_leaks(int, "5", raises=(ValueError, TypeError))


def test_calls_must_be_positive():
    with pytest.raises(ValueError, match="^calls must be at least 1$"):
        assert_no_leaks(len, "x", calls=0)


def test_disabled_checks_call_a_few_times_and_still_check_outcomes(tmp_path, monkeypatch):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"results_path": str(tmp_path / "r.jsonl"), "leaks": {"enabled": False}}))
    monkeypatch.setenv("LESSONGRADER_CONFIG", str(config))
    leaks._settings.cache_clear()
    calls = []

    def leaky(value):
        calls.append(value)
        incref(value)

    assert_no_leaks(leaky, Thing("x"))
    assert len(calls) == 3
    with pytest.raises(AssertionError, match="expected it to raise"):
        assert_no_leaks(leaky, Thing("y"), raises=KeyError)


def test_disabled_checks_still_guard_against_a_refcount_drop(tmp_path, monkeypatch):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"results_path": str(tmp_path / "r.jsonl"), "leaks": {"enabled": False}}))
    monkeypatch.setenv("LESSONGRADER_CONFIG", str(config))
    leaks._settings.cache_clear()
    item = Thing("fragile")
    before = sys.getrefcount(item)
    assert_no_leaks(lambda obj: _api.Py_DecRef(ctypes.py_object(obj)), item)  # no report: checks are off
    gc.collect()
    assert sys.getrefcount(item) == before
    assert item.name == "fragile"


def test_slow_functions_get_fewer_calls():
    start = time.perf_counter()
    assert_no_leaks(time.sleep, 0.001)
    assert time.perf_counter() - start < 3 * leaks.CALL_BUDGET_SECONDS

    def slow_leak(value):
        time.sleep(0.001)
        incref(value)

    record = leak_of(slow_leak, Thing("slow")).lessongrader_leak
    assert record["calls"] < 1000
    assert record["per_call"] == 1.0


# --- the automatic hunt, through the plugin --------------------------------------------------------------


def run_plugin(pytester, monkeypatch, source, leak_settings=None):
    """Run `source` as a test file in a fresh pytest process with the plugin; return its records."""
    results_path = pytester.path / "results.jsonl"
    config = pytester.path / "config.json"
    settings = {"enabled": True, "warmup_rounds": 3, "measured_rounds": 4, "tests": []}
    settings.update(leak_settings or {})
    config.write_text(json.dumps({"results_path": str(results_path), "leaks": settings, "perf": [], "perf_enabled": False}))
    monkeypatch.setenv("LESSONGRADER_CONFIG", str(config))
    monkeypatch.setenv("PYTHONPATH", str(PYTHON_DIR))
    pytester.makepyfile(test_inner=textwrap.dedent(source))
    outcome = pytester.runpytest_subprocess("-p", "lessongrader.plugin", "-p", "no:cacheprovider", "-q")
    records = [json.loads(line) for line in results_path.read_text().splitlines()]
    return outcome, records


HUNT_SOURCE = '''
    import ctypes
    import pytest
    from lessongrader import assert_no_leaks

    def incref(obj):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))

    KEPT = []
    RUNS = []

    def test_leaks_a_constant():
        incref("a constant string")
        assert 1 + 1 == 2

    def test_leaks_a_list():
        incref([1, 2, 3])

    def test_clean():
        assert sorted([3, 1, 2]) == [1, 2, 3]

    @pytest.mark.no_leak_check(reason="fills a cache on purpose")
    def test_excluded():
        KEPT.append(object())

    def test_checked_call_by_call():
        assert_no_leaks(sorted, [2, 1])
        incref("not hunted: assert_no_leaks already checked this test")

    def test_not_repeatable():
        RUNS.append(1)
        assert len(RUNS) == 1
'''


def kinds(records):
    return [record["kind"] for record in records]


def test_hunt_runs_after_the_tests_and_fails_none(pytester, monkeypatch):
    outcome, records = run_plugin(pytester, monkeypatch, HUNT_SOURCE)
    # Phase 1: every test once, then tests_done; phase 2: re-runs and findings; then the summary.
    done = kinds(records).index("tests_done")
    assert records[done] == {"kind": "tests_done", "collected": 6, "failed": 0}
    assert set(kinds(records[:done])) == {"session_start", "test_start", "test"}
    assert set(kinds(records[done + 1:])) == {"rerun_start", "leak", "leak_summary", "session_finish"}
    tests = {record["name"]: record for record in records if record["kind"] == "test"}
    assert len(tests) == 6 == kinds(records).count("test")  # one record per test, none from the re-runs
    # A leak is not a wrong answer: every test passed, and the exit status says so.
    assert {record["outcome"] for record in tests.values()} == {"passed"}
    assert all("leak" not in record for record in tests.values())
    outcome.assert_outcomes(passed=6)
    assert "PluggyTeardownRaisedWarning" not in outcome.stdout.str()

    reruns = [(record["nodeid"].split("::")[1], record["check"]) for record in records if record["kind"] == "rerun_start"]
    assert reruns == [
        ("test_leaks_a_constant", "hunt"),
        ("test_leaks_a_list", "hunt"),
        ("test_clean", "hunt"),
        ("test_checked_call_by_call", "assert_no_leaks"),
        ("test_not_repeatable", "hunt"),
    ]
    found = {record["test"].split("::")[1]: record for record in records if record["kind"] == "leak"}
    assert set(found) == {"test_leaks_a_constant", "test_leaks_a_list"}
    constant = found["test_leaks_a_constant"]
    assert constant["leak_kind"] == "argument_refs"
    assert constant["check"] == "hunt"
    assert constant["message"].startswith("+1 reference to constant 'a constant string' in test_leaks_a_constant per run")
    assert constant["test"] == tests["test_leaks_a_constant"]["nodeid"]
    assert constant["call"] == "test_leaks_a_constant"
    assert found["test_leaks_a_list"]["leak_kind"] == "gc_objects"
    assert "test_inner.py:" in found["test_leaks_a_list"]["message"]  # where the list was made

    summary = next(record for record in records if record["kind"] == "leak_summary")
    assert summary["tests_hunted"] == 4  # not the excluded one, nor the one that ran assert_no_leaks
    assert summary["tests_checked"] == 1  # that one ran again for its assert_no_leaks call
    assert summary["tests_leaking"] == 2
    assert [skip["test"].split("::")[1] for skip in summary["skipped"]] == ["test_not_repeatable"]
    assert "does not pass when run again" in summary["skipped"][0]["reason"]
    assert summary["skipped"][0]["reason"].endswith("; not hunted")
    assert records[-1]["kind"] == "session_finish"


def test_hunt_only_the_listed_tests(pytester, monkeypatch):
    _, records = run_plugin(pytester, monkeypatch, HUNT_SOURCE, {"tests": ["test_leaks_a_list"]})
    leaking = {record["test"].split("::")[1] for record in records if record["kind"] == "leak"}
    assert leaking == {"test_leaks_a_list"}
    hunted = [record["nodeid"].split("::")[1] for record in records if record["kind"] == "rerun_start" and record["check"] == "hunt"]
    assert hunted == ["test_leaks_a_list"]


CHECKED_SOURCE = '''
    import ctypes
    import pytest
    from lessongrader import assert_no_leaks

    class Thing:
        pass

    def keep(value):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))
        return 1

    def test_leaky_but_correct():
        assert keep(Thing()) == 1
        assert_no_leaks(keep, Thing())

    def test_wrong_exception_is_a_failure():
        assert_no_leaks(keep, Thing(), raises=ValueError)

    def test_wrong_answer_is_a_failure():
        assert keep(Thing()) == 2
        assert_no_leaks(keep, Thing())

    @pytest.mark.no_leak_check(reason="an explicit check still measures")
    def test_excluded_from_the_hunt_but_checked():
        assert_no_leaks(keep, Thing(), calls=100)
'''


def test_assert_no_leaks_measures_in_the_leak_phase_only(pytester, monkeypatch):
    outcome, records = run_plugin(pytester, monkeypatch, CHECKED_SOURCE)
    done = kinds(records).index("tests_done")
    # Phase 1 checks outcomes only: the leaky but correct function passes, wrong outcomes fail.
    outcomes = {record["name"]: record["outcome"] for record in records[:done] if record["kind"] == "test"}
    assert outcomes == {
        "test_leaky_but_correct": "passed",
        "test_wrong_exception_is_a_failure": "failed",
        "test_wrong_answer_is_a_failure": "failed",
        "test_excluded_from_the_hunt_but_checked": "passed",
    }
    assert records[done] == {"kind": "tests_done", "collected": 4, "failed": 2}
    assert "leak" not in kinds(records[:done])
    outcome.assert_outcomes(passed=2, failed=2)
    # Phase 2 re-runs the passing tests that called assert_no_leaks; now it measures.
    reruns = [(record["nodeid"].split("::")[1], record["check"]) for record in records if record["kind"] == "rerun_start"]
    assert reruns == [("test_leaky_but_correct", "assert_no_leaks"), ("test_excluded_from_the_hunt_but_checked", "assert_no_leaks")]
    found = [record for record in records if record["kind"] == "leak"]
    assert [(record["test"].split("::")[1], record["leak_kind"], record["check"]) for record in found] == [
        ("test_leaky_but_correct", "argument_refs", "assert_no_leaks"),
        ("test_excluded_from_the_hunt_but_checked", "argument_refs", "assert_no_leaks"),
    ]
    assert found[0]["call"] == "keep(value)" and found[0]["calls"] == 1000
    summary = next(record for record in records if record["kind"] == "leak_summary")
    assert (summary["tests_hunted"], summary["tests_checked"], summary["tests_leaking"], summary["skipped"]) == (0, 2, 2, [])
    assert kinds(records)[-2:] == ["leak_summary", "session_finish"]


def test_hunt_reports_and_repairs_a_refcount_drop(pytester, monkeypatch):
    source = '''
        import ctypes, sys

        class Item:
            pass

        SHARED = Item()
        HOLDERS = [SHARED] * 20  # survives the call phase's lost reference

        def test_releases_a_borrowed_reference():
            ctypes.pythonapi.Py_DecRef(ctypes.py_object(SHARED))

        def test_afterwards():
            assert sys.getrefcount(SHARED) >= 20
    '''
    outcome, records = run_plugin(pytester, monkeypatch, source)
    tests = {record["name"]: record for record in records if record["kind"] == "test"}
    (leak,) = [record for record in records if record["kind"] == "leak"]
    assert leak["test"] == tests["test_releases_a_borrowed_reference"]["nodeid"]
    assert leak["leak_kind"] == "refcount_drop"
    assert leak["message"].startswith("global `SHARED` loses 1 reference per run of the test (2 runs → −2)")
    assert tests["test_afterwards"]["outcome"] == "passed"
    assert records[-1]["kind"] == "session_finish"
    assert outcome.ret == 0  # every lost reference was given back: the interpreter exits cleanly


def test_hunt_is_off_when_disabled(pytester, monkeypatch):
    _, records = run_plugin(pytester, monkeypatch, HUNT_SOURCE, {"enabled": False})
    assert not [record for record in records if record["kind"] in ("leak", "leak_summary", "rerun_start")]
    assert sum(record["outcome"] == "passed" for record in records if record["kind"] == "test") == 6
    assert kinds(records)[-2:] == ["tests_done", "session_finish"]


def test_hunter_wants(pytester):
    items, _ = pytester.inline_genitems(pytester.makepyfile(
        """
        import pytest

        def test_a():
            pass

        @pytest.mark.no_leak_check(reason="why")
        def test_b():
            pass

        @pytest.mark.parametrize("n", [1, 2])
        def test_c(n):
            pass
        """
    ))
    hunter = LeakHunter({"enabled": True, "tests": []}, lambda record: None)
    assert [hunter.wants(item) for item in items] == [True, False, True, True]
    only = LeakHunter({"enabled": True, "tests": ["test_c"]}, lambda record: None)
    assert [only.wants(item) for item in items] == [False, False, True, True]


def test_hunt_ignores_monkeypatch_undo_records(pytester, monkeypatch):
    source = '''
        import os

        class Config:
            level = 1

        def test_patches(monkeypatch):
            monkeypatch.setattr(Config, "level", 2)
            monkeypatch.setenv("LESSONGRADER_TEST_VARIABLE", "on")
            monkeypatch.setitem(os.environ, "LESSONGRADER_OTHER", "x")
            assert Config.level == 2 and os.environ["LESSONGRADER_TEST_VARIABLE"] == "on"

        def test_restored():
            assert Config.level == 1 and "LESSONGRADER_TEST_VARIABLE" not in os.environ
    '''
    outcome, records = run_plugin(pytester, monkeypatch, source)
    assert not [record for record in records if record["kind"] == "leak"]
    summary = next(record for record in records if record["kind"] == "leak_summary")
    assert (summary["tests_hunted"], summary["skipped"]) == (2, [])
    outcome.assert_outcomes(passed=2)


def test_a_test_that_fails_only_when_run_again_keeps_its_phase_one_verdict(pytester, monkeypatch):
    source = '''
        import pytest

        SETUPS = []

        @pytest.fixture
        def once():
            SETUPS.append(1)
            if len(SETUPS) > 1:
                raise RuntimeError("set up twice")
            return 1

        def test_fixture_once(once):
            assert once == 1

        def test_later():
            assert True
    '''
    outcome, records = run_plugin(pytester, monkeypatch, source)
    assert [(r["name"], r["when"], r["outcome"]) for r in records if r["kind"] == "test"] == [
        ("test_fixture_once", "call", "passed"),
        ("test_later", "call", "passed"),
    ]
    summary = next(record for record in records if record["kind"] == "leak_summary")
    assert summary["skipped"] == [{
        "test": "test_inner.py::test_fixture_once",
        "reason": "its setup fails when the test runs again (RuntimeError); not hunted",
    }]
    assert summary["tests_hunted"] == 2
    outcome.assert_outcomes(passed=2)


SITE_SOURCE = '''
    import ctypes

    def incref(obj):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))

    class Pair:  # with __slots__, like Fraction: 3.11 cannot trace objects with a managed __dict__
        __slots__ = ("a", "b")

        def __init__(self, a, b):
            self.a, self.b = a, b

    def test_two_lines_leak():
        incref(Pair(1, 2))
        incref(bytes(2000))  # more memory than the Pair, but not a GC object: not the finding's type
'''


def test_allocated_at_names_the_line_that_made_the_leaking_type(pytester, monkeypatch):
    """The finding names `Pair`; the larger bytes leak on the next line must not take its place."""
    _, records = run_plugin(pytester, monkeypatch, SITE_SOURCE)
    leak = next(record for record in records if record["kind"] == "leak")
    assert leak["leak_kind"] == "gc_objects", leak
    assert "test_inner.Pair" in leak["types"] or "Pair" in str(leak["types"]), leak
    assert "test_inner.py:13 `incref(Pair(1, 2))`" in leak["message"], leak["message"]


def test_counts_of_calls_and_runs_are_singular_for_one():
    # A hunt that needs only one run per round printed "1 runs" (exercise 1, leaked_buffer_in_variance).
    def text(per_round, unit):
        analysis = leaks._Analysis(None, 0, per_round, None, unit, "test_x", None, per_round)
        return analysis.per_text(3)

    assert text(1, "run of the test") == "per run of the test (1 run → +3)"
    assert text(2, "run of the test") == "per run of the test (2 runs → +3)"
    assert text(1, "call") == "per call (1 call → +3)"
    assert text(1000, "call") == "per call (1000 calls → +3)"
    assert leaks._times(1, "run of the test") == "1 run"
