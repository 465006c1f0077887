"""The grader's pytest plugin, loaded with `-p lessongrader.plugin`.

One pytest run, three phases, every record through `results.emit` (never stdout); the records are
defined in wire/records.schema.json:

1. tests: every test runs once, as pytest runs it, with no leak measurement. Each gets a `test`
   record with its outcome; for a failed `==` assertion the two values (so the grader can draw a
   diff); for a Rust `todo!()` the file and line where it panicked. `assert_no_leaks` only checks
   outcomes here (see leaks.py), so a leaky but correct function passes. Then one `tests_done`
   record: the tests verdict is known, and the grader, which tails the file, can show it at once.
2. leaks (when the grader asked for them): the tests that passed are run again, one by one, outside
   pytest's reporting (no `test` records, no terminal output, no effect on the exit status): those
   the hunter wants are hunted in place of their call, those that call `assert_no_leaks` run as
   written and it measures now. A `rerun_start` record names each re-run, `leak` records carry the
   findings, a `leak_summary` closes the phase. A leak never fails a test.
3. memory, then perf: when every test passed, the exercise's memory cases (`memory` records, see
   memory.py) and perf cases (`perf` records), else `memory_skipped` / `perf_skipped`.
"""

import linecache
import os
import pprint
import re
import sys
import time
import warnings

import pytest

from . import results

_PANIC_LOCATION = re.compile(r"panicked at (?P<file>[^\n]+?):(?P<line>\d+):(?P<column>\d+):\s*\n(?P<message>[^\n]*)")
# Values larger than this are cut before they are sent; the grader elides long diffs anyway.
_MAX_VALUE_CHARS = 200_000
_MAX_MESSAGE_CHARS = 4_000

_settings = {}
_last_comparison = None
_hunter = None
# Phase 1: node ids of the tests whose call passed, of those that failed in any phase, and the
# number of collection errors. `_tests_passed` is set when phase 1 ends (`tests_done`): True when
# tests were collected and none failed; it stays None when the loop was cut short.
_called_ok = set()
_failed = set()
_collect_errors = 0
_tests_passed = None
# Phase 2: the test being run again, or None (phase 1, or no leak checks).
_rerun = None
_hunt_finished = False


def pytest_configure(config):
    global _settings, _hunter
    config.addinivalue_line(
        "markers",
        "no_leak_check(reason): exclude a test from the automatic leak hunt "
        "(for example one that legitimately fills a cache)",
    )
    _settings = results.config()
    if not _settings:
        return
    results.open_channel(_settings["results_path"])
    results.emit({"kind": "session_start", "python": sys.version.split()[0], "pid": os.getpid()})
    leak_settings = _settings.get("leaks") or {}
    if leak_settings.get("enabled"):
        from . import leaks

        _hunter = leaks.LeakHunter(leak_settings, results.emit)
        # Phase 1 checks outcomes only; assert_no_leaks measures when its test runs again in phase 2.
        leaks.defer_measurements(True)


def pytest_collectreport(report):
    global _collect_errors
    if report.failed and _settings:
        _collect_errors += 1
        record = {"kind": "collect_error", "nodeid": report.nodeid, "message": _trim(report.longreprtext)}
        exception = getattr(report, "_lessongrader_exc_type", None)
        if exception:
            record["exception"] = exception
        results.emit(record)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        # Keep the exception's type name: `SystemExit` at import time means the process meant to end.
        text = report.longreprtext
        for name in ("SystemExit", "KeyboardInterrupt"):
            if name in text:
                report._lessongrader_exc_type = name
                break


def pytest_runtest_logstart(nodeid, location):
    global _last_comparison
    _last_comparison = None
    results.emit({"kind": "test_start", "nodeid": nodeid})


def pytest_assertrepr_compare(config, op, left, right):
    """Keep the values of the last failing comparison; pytest's own explanation stays unchanged."""
    global _last_comparison
    if op == "==":
        _last_comparison = (left, right)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    """Phase 1 is pytest's own loop; `tests_done` follows it, then phase 2 (leaks)."""
    if not _settings or session.config.option.collectonly:
        return (yield)
    try:
        result = yield
    except (session.Interrupted, session.Failed):
        # Collection errors, or --maxfail: the loop stopped because of failures, which are counted.
        _tests_done(session)
        raise
    # (A test that raised KeyboardInterrupt or called pytest.exit() ends the run: no tests_done.)
    _tests_done(session)
    if _hunter is not None:
        _leak_phase(session)
    return result


def _tests_done(session):
    """`failed` counts tests (once each, whichever phase failed) plus collection errors: 0 means that
    every collected test ran and none failed (skipped ones are not failures)."""
    global _tests_passed
    failed = len(_failed) + _collect_errors
    collected = session.testscollected
    _tests_passed = failed == 0 and collected > 0
    results.emit({"kind": "tests_done", "collected": collected, "failed": failed})


class _Rerun:
    """A phase-2 run of one test: what it is for, and how its phases went."""

    def __init__(self, item, hunt):
        self.item = item
        self.hunt = hunt  # True: the hunter's; False: for its assert_no_leaks calls
        self.hunting = False  # inside the hunt, whose own runs call the test function again
        self.hunted = False
        self.findings = 0
        self.problem = None  # why its checks did not run (or not all of them), or None

    def note(self, report, call):
        # A teardown that fails after the checks ran does not undo their findings.
        if self.problem is not None or report.passed or report.when == "teardown":
            return
        excinfo = call.excinfo
        name = excinfo.type.__name__ if excinfo is not None else "error"
        if excinfo is not None and name == "LeakError":
            # assert_no_leaks found a leak: its `leak` records are out, the run did its job.
            self.findings += len(getattr(excinfo.value, "lessongrader_leaks", ()) or ())
            return
        if report.skipped:
            self.problem = "the test is skipped when run again"
        elif report.when == "call":
            self.problem = f"the test does not pass when run again ({name})"
        else:
            self.problem = f"its {report.when} fails when the test runs again ({name})"


def _leak_phase(session):
    """Phase 2: run every test that passed again, one by one, with leak measurements on. Each re-run
    is pytest's own setup/call/teardown (fresh function-scoped fixtures), without reporting."""
    global _rerun, _hunt_finished
    from _pytest.runner import runtestprotocol

    from . import leaks

    leaks.defer_measurements(False)
    started = time.perf_counter()
    passed = [item for item in session.items if item.nodeid in _called_ok and item.nodeid not in _failed]
    checked = leaks.checked_tests()
    reruns = []
    for item in passed:
        if item.nodeid in checked:
            reruns.append(_Rerun(item, hunt=False))
        elif _hunter.wants(item):
            reruns.append(_Rerun(item, hunt=True))
    try:
        # The warnings a re-run raises were reported in phase 1, or are the hunt's own noise.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for index, rerun in enumerate(reruns):
                nextitem = reruns[index + 1].item if index + 1 < len(reruns) else None
                results.emit({"kind": "rerun_start", "nodeid": rerun.item.nodeid,
                              "check": "hunt" if rerun.hunt else "assert_no_leaks"})
                _rerun = rerun
                run_started = time.perf_counter()
                try:
                    # log=False: no test report reaches pytest's terminal, its counts or the exit status.
                    runtestprotocol(rerun.item, log=False, nextitem=nextitem)
                finally:
                    _rerun = None
                _hunter.rerun_done(rerun.item.nodeid, rerun.hunt, rerun.findings, rerun.problem,
                                   time.perf_counter() - run_started)
    finally:
        _hunter.finish(time.perf_counter() - started)
        _hunt_finished = True


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Phase 2, a hunted test function: its call phase IS the hunt (the hunt's first runs check that
    it still passes), so a hunted test costs no extra run. Returning True tells pytest the function
    was called; the hunt's own runs come back here and go on to pytest's default (None)."""
    rerun = _rerun
    if rerun is None or rerun.item is not pyfuncitem or not rerun.hunt or rerun.hunting:
        return None
    _hunt(rerun, runs_before=1)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    rerun = _rerun
    if rerun is not None and rerun.item is item and rerun.hunt and not rerun.hunted:
        # Not a test function (no pytest_pyfunc_call): it ran once more; now the hunt.
        _hunt(rerun, runs_before=2)
    return result


def _hunt(rerun, runs_before):
    rerun.hunting = rerun.hunted = True
    try:
        rerun.findings = len(_hunter.hunt(rerun.item, runs_before))
    except Exception as error:  # a bug of ours must not end the phase
        rerun.problem = f"the leak hunt stopped ({type(error).__name__}: {_trim(error, 200)})"
    finally:
        rerun.hunting = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if not _settings:
        return report
    if _rerun is not None:
        # Phase 2: no `test` record (the grader counts them; phase 1 gave each test its own).
        if _rerun.item is item:
            _rerun.note(report, call)
        return report
    if report.when == "call" and report.passed:
        _called_ok.add(item.nodeid)
    if report.failed:
        _failed.add(item.nodeid)
    # One record per test: its call phase, or the setup/teardown phase that failed.
    if report.when == "call" or report.failed:
        results.emit(_test_record(item, call, report))
    return report


def _test_record(item, call, report):
    path, line, _ = item.location
    record = {
        "kind": "test",
        "nodeid": item.nodeid,
        "name": item.name,
        "file": path,
        "line": (line or 0) + 1,
        "when": report.when,
        "outcome": report.outcome,
        "duration": report.duration,
    }
    if report.failed:
        record["message"] = _trim(report.longreprtext)
        excinfo = call.excinfo
        if excinfo is not None:
            record["exception"] = excinfo.type.__name__
            record["summary"] = _trim(excinfo.exconly(), 600)
            failing_line, record["statement"] = _failing_statement(item, excinfo)
            if failing_line is not None:
                record["failing_line"] = failing_line
            if excinfo.type.__name__ == "PanicException":
                record["panic"] = _panic_site(report, excinfo)
            if _last_comparison is not None and isinstance(excinfo.value, AssertionError):
                record["comparison"] = _comparison(*_last_comparison)
    return record


def _failing_statement(item, excinfo):
    """The line of the test file where the test failed and its source, e.g. `assert f(1) == 2`.

    A whole multi-line statement needs pytest's AST walk of the test file, which costs ~10 ms per
    failure: only assertion failures (the ones that get a diff) pay for it.
    """
    test_path = str(item.path)
    for entry in reversed(excinfo.traceback):
        if str(entry.path) == test_path:
            if isinstance(excinfo.value, AssertionError):
                try:
                    return entry.lineno + 1, str(entry.statement).strip()
                except Exception:  # source not available
                    pass
            return entry.lineno + 1, linecache.getline(test_path, entry.lineno + 1).strip()
    return None, ""


def _panic_site(report, excinfo):
    """Where Rust panicked. Rust's panic hook printed `panicked at FILE:LINE:COL:` to stderr."""
    stderr = "".join(content for (name, content) in report.sections if "stderr" in name)
    match = _PANIC_LOCATION.search(stderr)
    message = str(excinfo.value)
    site = {"message": message, "todo": message.startswith("not yet implemented")}
    if match:
        site.update(file=match["file"], line=int(match["line"]), column=int(match["column"]))
    return site


def _comparison(actual, expected):
    """Render both sides of `actual == expected` for a line diff."""

    def render(value):
        if isinstance(value, str):
            return value
        return pprint.pformat(value, width=88, sort_dicts=True)

    comparison = {
        "actual": _trim(render(actual), _MAX_VALUE_CHARS),
        "expected": _trim(render(expected), _MAX_VALUE_CHARS),
        "actual_type": type(actual).__name__,
        "expected_type": type(expected).__name__,
        "text": isinstance(actual, str) and isinstance(expected, str),
    }
    # Fields without a value are left out, never null (the rule of every record).
    for key, value in (("actual_len", _length(actual)), ("expected_len", _length(expected))):
        if value is not None:
            comparison[key] = value
    return comparison


def _length(value):
    if isinstance(value, (str, bytes)):
        return None
    try:
        return len(value)
    except TypeError:
        return None


def pytest_sessionfinish(session, exitstatus):
    if not _settings:
        return
    if _hunter is not None and not _hunt_finished:
        _hunter.finish(0.0)  # phase 2 did not run (phase 1 was interrupted): an empty summary
    # Phase 1 decides whether the memory and perf cases run: phase 2 re-runs never count as failures.
    skip_reason = None if _tests_passed else "tests_interrupted" if _tests_passed is None else "tests_failed"
    cases = _settings.get("memory") or []
    if cases and _settings.get("memory_enabled"):
        if skip_reason is None:
            from . import memory

            memory.run_cases(cases, results.emit)
        else:
            results.emit({"kind": "memory_skipped", "reason": skip_reason})
    cases = _settings.get("perf") or []
    if cases and _settings.get("perf_enabled"):
        if skip_reason is None:
            from .perf import run_cases

            run_cases(cases, _settings, results.emit)
        else:
            results.emit({"kind": "perf_skipped", "reason": skip_reason})
    results.emit({"kind": "session_finish", "exitstatus": int(exitstatus)})


def _trim(text, limit=_MAX_MESSAGE_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"
