"""The grader's pytest plugin, loaded with `-p lessongrader.plugin`.

For every test it records the outcome; for a failed `==` assertion the two values (so the grader can
draw a diff); for a Rust `todo!()` the file and line where it panicked. Then it runs the leak hunt on
passing tests and, when every test passed, the exercise's perf cases. Everything goes through
`results.emit`, never through stdout.
"""

import linecache
import os
import pprint
import re
import sys

import pytest

from . import results

_PANIC_LOCATION = re.compile(r"panicked at (?P<file>[^\n]+?):(?P<line>\d+):(?P<column>\d+):\s*\n(?P<message>[^\n]*)")
# Values larger than this are cut before they are sent; the grader elides long diffs anyway.
_MAX_VALUE_CHARS = 200_000
_MAX_MESSAGE_CHARS = 4_000

_settings = {}
_last_comparison = None
_hunter = None


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
        from .leaks import LeakHunter

        _hunter = LeakHunter(leak_settings, results.emit)


def pytest_collectreport(report):
    if report.failed:
        excinfo = getattr(report, "_lessongrader_exc_type", None)
        results.emit(
            {
                "kind": "collect_error",
                "nodeid": report.nodeid,
                "exception": excinfo,
                "message": _trim(report.longreprtext),
            }
        )


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    __tracebackhide__ = True  # a LeakError from the hunt is reported by its message alone
    outcome = yield
    if _hunter is not None and outcome.excinfo is None and _hunter.wants(item):
        try:
            _hunter.hunt(item)
        except Exception as leak:
            # Raising from an old-style hookwrapper's teardown only warns (PluggyTeardownRaisedWarning);
            # forcing the outcome makes the call phase fail with the LeakError like a failing test.
            outcome.force_exception(leak)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not _settings:
        return
    # One record per test: its call phase, or the setup/teardown phase that failed.
    if report.when == "call" or report.failed:
        results.emit(_test_record(item, call, report))


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
            record["failing_line"], record["statement"] = _failing_statement(item, excinfo)
            if excinfo.type.__name__ == "PanicException":
                record["panic"] = _panic_site(report, excinfo)
            if getattr(excinfo.value, "lessongrader_leak", None):
                record["leak"] = excinfo.value.lessongrader_leak
        if _last_comparison is not None and isinstance(call.excinfo.value, AssertionError):
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

    return {
        "actual": _trim(render(actual), _MAX_VALUE_CHARS),
        "expected": _trim(render(expected), _MAX_VALUE_CHARS),
        "actual_type": type(actual).__name__,
        "expected_type": type(expected).__name__,
        "text": isinstance(actual, str) and isinstance(expected, str),
        "actual_len": _length(actual),
        "expected_len": _length(expected),
    }


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
    cases = _settings.get("perf") or []
    all_passed = session.testsfailed == 0 and session.testscollected > 0
    if cases and _settings.get("perf_enabled"):
        if all_passed:
            from .perf import run_cases

            run_cases(cases, _settings, results.emit)
        else:
            results.emit({"kind": "perf_skipped", "reason": "tests failed"})
    if _hunter is not None:
        _hunter.finish()
    results.emit({"kind": "session_finish", "exitstatus": int(exitstatus)})


def _trim(text, limit=_MAX_MESSAGE_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters)"
