"""Noise-resistant speed comparison of the learner's code against a pure-Python baseline.

The plugin calls `run_cases(cases, settings, emit)` once every test has passed. For each `[[perf]]`
case of `exercise.toml` it emits one record (`kind = "perf"`, see wire/records.schema.json) with
`outcome = "measured"` and the median speedup, or `outcome = "error"` when the case could not be
measured. This module measures; it decides nothing: the grader compares `speedup` with `threshold`.
The protocol (DESIGN.md, "Performance checks") held its verdicts on a 2-core machine with the other
core busy:

- both functions get the same arguments (one `setup()` result) and their results must be equal
  before anything is timed — a fast wrong answer is an `error`, never a measurement; so is a result
  that changes after the timed calls, or a function that modifies its input (a second `setup()`
  result is kept aside to notice that);
- each is warmed up once (the equality check), then its loop is calibrated so that one sample takes
  20–50 ms;
- `gc.collect()`, then the collector stays off while timing (and trace/profile hooks and
  tracemalloc, which slow pure Python far more than native code);
- samples come in pairs, baseline and candidate in random order within each pair, >= 15 pairs;
- CPU time of the whole process (so work moved to other threads still counts), wall time only for
  cases whose task is to use threads;
- the reported speedup is the median of the per-pair ratios, with a 95 % confidence interval for
  that median (the sign test's: order statistics of the ratios, so one wild pair moves neither the
  median nor its interval, and the interval is the same on a log scale); while that interval
  straddles the threshold, more pairs are timed (EXTRA_PAIRS at a time, MAX_PAIRS at most);
- a median under the threshold whose interval still reaches it, or that lies within RETRY_BAND
  (15 %) under it, is measured again, with more pairs, in a fresh interpreter, and the two rounds'
  ratios are pooled (`retried`): a close call rests on two processes, not on one.

An exclusive lock on `settings["lock_path"]` is held for the whole measurement: the grader takes it
shared while it builds, so nothing of ours compiles while we time.

Entry points for a fresh interpreter (`python -m lessongrader.perf ...`):
- `measure JOB.json` — one measurement round of one case (the retry); the result goes to the file
  the job names, never to stdout, which the learner's code can write to;
- `run [CONFIG.json]` — `run_cases` exactly as the plugin calls it, without pytest (the stability
  benchmark uses it); the config defaults to `$LESSONGRADER_CONFIG`.
"""

import contextlib
import fcntl
import gc
import importlib
import json
import math
import numbers
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

MIN_PAIRS = 15
# While the median's interval straddles the threshold, this many more pairs, up to MAX_PAIRS.
EXTRA_PAIRS = 10
MAX_PAIRS = 45
# The confidence of the median's interval.
CONFIDENCE = 0.95
# A median less than this far under the threshold (relative) is measured again in a fresh process.
# The grader calls a failure this close `close` (grader/src/checks.rs, CLOSE_BAND): the same 15 %.
RETRY_BAND = 0.15
# One sample (a loop of calls of one function) lasts between this and twice this, up to 50 ms.
SAMPLE_TARGET_NS = 22_000_000
# Calibration loops grow until one of them lasts this long.
CALIBRATION_NS = 4_000_000
# A round projected to last longer than this, for a candidate already far under the threshold,
# stops after a few pairs: an accidental O(n^2) must not eat the whole test timeout.
LONG_ROUND_NS = 8_000_000_000
EARLY_STOP_PAIRS = 3
EARLY_STOP_FRACTION = 0.5
# How long to wait for builds to release the measurement lock.
LOCK_TIMEOUT_SECONDS = 30.0
# Results within this relative distance are equal: a Rust sum may round differently from Python's.
FLOAT_REL_TOL = 1e-9
FLOAT_ABS_TOL = 1e-12

_REPR_CHARS = 60


class CaseError(Exception):
    """The case cannot be measured (outcome `error`); the message is one line for the learner."""


class LockTimeout(Exception):
    pass


# --------------------------------------------------------------------------------------------------
# The plugin's entry point


def run_cases(cases, settings, emit):
    """Measure every case, emit one record per case, and return the records. Never raises."""
    pairs = int(settings.get("perf_pairs") or MIN_PAIRS)
    pairs = max(1, pairs)
    max_pairs = max(pairs, int(settings.get("perf_max_pairs") or MAX_PAIRS))
    tests_dir = (settings.get("exercise") or {}).get("tests_dir")
    if tests_dir and tests_dir not in sys.path:
        sys.path.append(tests_dir)
    lock_timeout = float(settings.get("perf_lock_timeout", LOCK_TIMEOUT_SECONDS))
    records = []
    try:
        with measurement_lock(settings.get("lock_path"), lock_timeout):
            for case in cases:
                record = _run_case(case, pairs, max_pairs)
                records.append(record)
                emit(record)
    except LockTimeout:
        for case in cases[len(records):]:
            record = _error_record(
                case,
                f"not timed: builds held the measurement lock for {lock_timeout:g} s; "
                "check again once they are done",
                seconds=0.0,
            )
            records.append(record)
            emit(record)
    return records


def _retry_pairs(pairs):
    more = pairs + max(2, (2 * pairs) // 3)
    return more if more % 2 else more + 1


@contextlib.contextmanager
def measurement_lock(path, timeout):
    """Exclusive `flock` on `path`, polled so that a build that never ends cannot hang us."""
    if not path:
        yield
        return
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        # A read-only place (a submission's tests run in a sandbox that sees target/ read-only):
        # flock works on a file opened for reading, and the builds created the file.
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            # No lock file at all must not cost the learner their verdict; timing still works.
            yield
            return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout() from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------------
# One case: measure, and measure again in a fresh interpreter when the result is borderline


def _run_case(case, pairs, max_pairs):
    started = time.perf_counter()
    retried = False
    try:
        threshold = float(case["min_speedup"])
        measurement = _measure(case, pairs, seed=1, max_pairs=max_pairs)
        if _needs_retry(measurement["ratios"], threshold):
            retried = True
            again = _measure_in_fresh_process(case, _retry_pairs(pairs), measurement)
            measurement = dict(measurement, ratios=measurement["ratios"] + again["ratios"])
    except CaseError as error:
        return _error_record(case, str(error), time.perf_counter() - started, retried)
    except Exception as error:  # a bug of ours must not hide the other cases' results
        message = f"the perf check could not run: {_exception_text(error)}"
        return _error_record(case, message, time.perf_counter() - started, retried)
    ratios = measurement["ratios"]
    low, high = median_interval(ratios)
    record = {
        "kind": "perf",
        "case": case["name"],
        "outcome": "measured",
        "speedup": statistics.median(ratios),
        "threshold": threshold,
        "min_ratio": min(ratios),
        "max_ratio": max(ratios),
        "ci_low": low,
        "ci_high": high,
        "pairs": len(ratios),
        "retried": retried,
        "timer": measurement["timer"],
        "seconds": time.perf_counter() - started,
    }
    record["message"] = _speed_message(case, measurement, record)
    return _with_hint(record, case)


def median_interval(ratios, confidence=CONFIDENCE):
    """A `confidence` interval for the median of `ratios`: the sign test's, from order statistics.

    With n ratios sorted, the median lies between the k-th smallest and the k-th largest with
    probability at least `confidence`, for the largest k with P(Binomial(n, 1/2) < k) <= (1 -
    confidence) / 2. No shape is assumed, one outlier moves it by at most one rank, and it is the
    same interval on a log scale (order statistics commute with `log`). Under 6 pairs no k
    qualifies: the interval is then [min, max].
    """
    values = sorted(ratios)
    n = len(values)
    if n == 0:
        raise ValueError("no ratios")
    tail = (1.0 - confidence) / 2.0
    k = 0
    cumulative = 0.0
    while k < n // 2:
        cumulative += math.comb(n, k) / 2.0**n  # P(B = k), added: P(B <= k)
        if cumulative > tail:
            break
        k += 1
    k = max(k, 1)  # 1-based rank: P(B <= k - 1) <= tail
    return values[k - 1], values[n - k]


def straddles(ratios, threshold):
    """True while the median's interval holds the threshold: the pairs so far cannot tell."""
    low, high = median_interval(ratios)
    return low < threshold <= high


def _needs_retry(ratios, threshold):
    """True for a median under the threshold that the pairs cannot separate from it (its interval
    reaches the threshold) or that lies within RETRY_BAND under it: close enough that this
    process's luck may have put it there, so a fresh interpreter measures too and the ratios are
    pooled. A median at or over the threshold is never measured again. (Measurement protocol, not
    a verdict: the grader compares the reported speedup with the threshold.)"""
    median = statistics.median(ratios)
    if median >= threshold:
        return False
    return median >= (1.0 - RETRY_BAND) * threshold or straddles(ratios, threshold)


def _error_record(case, message, seconds, retried=False):
    """`outcome = "error"`: nothing was measured. Fields without a value are left out, never null."""
    record = {
        "kind": "perf",
        "case": str(case.get("name", "?")),
        "outcome": "error",
        "pairs": 0,
        "retried": retried,
        "timer": _timer_name(case),
        "seconds": seconds,
        "message": message,
    }
    threshold = _float_or_none(case.get("min_speedup"))
    if threshold is not None:
        record["threshold"] = threshold
    return _with_hint(record, case)


def _with_hint(record, case):
    """The case's hint goes with every record of the case that has one; the grader decides whether
    to show it."""
    hint = case.get("hint")
    if isinstance(hint, str) and hint:
        record["hint"] = hint
    return record


def _float_or_none(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _speed_message(case, measurement, record):
    """E.g. `2.1× faster than the Python baseline on a list of 100 000 floats (needs ≥ 8×; ratios
    1.9–2.3 over 15 pairs)`. Like every message, without the case's name: the grader shows that."""
    text = f"{_speed_phrase(record['speedup'], record['threshold'])} than the Python baseline"
    if measurement.get("input"):
        text += f" on {measurement['input']}"
    spread = f"{_number(record['min_ratio'])}–{_number(record['max_ratio'])}"
    details = f"needs ≥ {record['threshold']:g}×; ratios {spread} over {record['pairs']} pairs"
    if record["retried"]:
        details += ", measured again in a fresh process"
    if measurement.get("stopped_early"):
        details += ", stopped early: far too slow"
    return f"{text} ({details})"


def _speed_phrase(ratio, threshold=None):
    if ratio >= 1.0:
        text = _number(ratio)
        # Never rounded onto the other side of the threshold: 1.17 against 1.2 is `1.17`.
        if threshold is not None and (float(text) >= threshold) != (ratio >= threshold):
            text = f"{ratio:.2f}"
        return f"{text}× faster"
    return f"{_number(1.0 / ratio)}× slower"


def _number(value):
    return f"{value:.1f}" if value >= 1.0 else f"{value:.2f}"


# --------------------------------------------------------------------------------------------------
# One measurement round (in this process or in a fresh one)


def _timer_name(case):
    return "wall" if case.get("threads") else "cpu"


def _timer(name):
    # process_time, not thread_time: a candidate that hands its work to other threads is not faster.
    return time.perf_counter_ns if name == "wall" else time.process_time_ns


def _measure(case, pairs, seed, max_pairs=None):
    """Check equality, calibrate, time `pairs` pairs, and EXTRA_PAIRS more at a time (up to
    `max_pairs`) while the median's interval straddles the threshold; return the per-pair ratios
    and more."""
    baseline = _resolve(case["baseline"], "baseline")
    candidate = _resolve(case["candidate"], "candidate")
    setup = _resolve(case["setup"], "setup")
    args = _call(setup, (), "setup")
    if isinstance(args, list):
        args = tuple(args)
    if not isinstance(args, tuple):
        raise CaseError(
            f"setup `{case['setup']}` returned {type(args).__name__}, not a tuple of arguments "
            "(a problem in the exercise, not in your code)"
        )
    pristine = _call(setup, (), "setup")
    # Only when two setup() calls compare equal can equality tell us that an input was modified.
    watch_input = _plain_equal(args, pristine)

    # The equality check is also each function's warm-up call.
    expected = _call(baseline, args, "baseline")
    if watch_input and not _plain_equal(args, pristine):
        raise CaseError(
            "the baseline modifies its input (a problem in the exercise, not in your code)"
        )
    actual = _call(candidate, args, "candidate")
    if watch_input and not _plain_equal(args, pristine):
        raise CaseError(
            "your function modified its input arguments; "
            "both functions must be timed on the same input"
        )
    difference = _difference(expected, actual)
    if difference:
        raise CaseError(f"result differs from the baseline's on the same input: {difference}")

    timer_name = _timer_name(case)
    timer = _timer(timer_name)
    threshold = float(case["min_speedup"])
    rng = random.Random(seed)
    with _timing_conditions():
        baseline_loops, baseline_ns = _calibrate(baseline, args, timer, "baseline")
        candidate_loops, candidate_ns = _calibrate(candidate, args, timer, "candidate")
        projected = pairs * (baseline_loops * baseline_ns + candidate_loops * candidate_ns)
        may_stop_early = projected > LONG_ROUND_NS and pairs > EARLY_STOP_PAIRS

        def next_ratio():
            if rng.random() < 0.5:
                baseline_sample = _sample(baseline, args, baseline_loops, timer, "baseline")
                candidate_sample = _sample(candidate, args, candidate_loops, timer, "candidate")
            else:
                candidate_sample = _sample(candidate, args, candidate_loops, timer, "candidate")
                baseline_sample = _sample(baseline, args, baseline_loops, timer, "baseline")
            return (baseline_sample / baseline_loops) / (max(candidate_sample, 1) / candidate_loops)

        ratios, stopped_early = collect_ratios(
            next_ratio, pairs, max_pairs or pairs, threshold, may_stop_early
        )

    # Same result after hundreds of calls: catches state kept between calls (a static accumulator).
    again = _call(candidate, args, "candidate")
    difference = _difference(expected, again)
    if difference:
        raise CaseError(f"result changed after repeated calls on the same input: {difference}")
    if watch_input and not _plain_equal(args, pristine):
        raise CaseError("your function modified its input arguments while it was being timed")
    return {
        "ratios": ratios,
        "timer": timer_name,
        "input": _describe_args(args),
        "baseline_loops": baseline_loops,
        "candidate_loops": candidate_loops,
        "sample_ns": {
            "baseline": baseline_loops * baseline_ns,
            "candidate": candidate_loops * candidate_ns,
        },
        "stopped_early": stopped_early,
    }


def collect_ratios(next_ratio, pairs, max_pairs, threshold, may_stop_early=False):
    """`pairs` ratios from `next_ratio()`, then EXTRA_PAIRS more at a time while the median's
    interval straddles the threshold, up to `max_pairs`; returns (ratios, stopped_early). A round
    that may stop early (a long one) stops after EARLY_STOP_PAIRS when its median is under
    EARLY_STOP_FRACTION of the threshold: an accidental O(n^2) must not eat the test timeout."""
    ratios = []
    target = pairs
    limit = max(pairs, max_pairs)
    while len(ratios) < target:
        ratios.append(next_ratio())
        if (
            may_stop_early
            and len(ratios) == EARLY_STOP_PAIRS
            and statistics.median(ratios) < EARLY_STOP_FRACTION * threshold
        ):
            return ratios, True
        if len(ratios) == target and target < limit and straddles(ratios, threshold):
            target = min(limit, target + EXTRA_PAIRS)
    return ratios, False


@contextlib.contextmanager
def _timing_conditions():
    """No collector, no trace or profile hook, no tracemalloc while timing; restored afterwards.

    A hook or tracemalloc left on by a test (or by coverage) slows pure-Python code far more than
    native code, which would inflate the speedup.
    """
    gc_was_enabled = gc.isenabled()
    trace, profile = sys.gettrace(), sys.getprofile()
    tracemalloc = sys.modules.get("tracemalloc")
    tracing = tracemalloc is not None and tracemalloc.is_tracing()
    traced_frames = tracemalloc.get_traceback_limit() if tracing else 0
    gc.collect()
    gc.disable()
    sys.settrace(None)
    sys.setprofile(None)
    if traced_frames:
        tracemalloc.stop()
    try:
        yield
    finally:
        if traced_frames:
            tracemalloc.start(traced_frames)
        sys.setprofile(profile)
        sys.settrace(trace)
        if gc_was_enabled:
            gc.enable()


def _calibrate(func, args, timer, who):
    """Calls per sample so that a sample lasts from SAMPLE_TARGET_NS to twice that (at most 50 ms,
    unless one call alone is longer); returns (loops, estimated ns per call)."""
    loops = 1
    while True:
        elapsed = _sample(func, args, loops, timer, who)
        if elapsed >= CALIBRATION_NS or loops >= 1 << 40:
            break
        growth = CALIBRATION_NS / max(elapsed, 1)
        loops *= max(2, min(100, math.ceil(growth * 1.2)))
    per_call = max(elapsed / loops, 1.0)
    return max(1, math.ceil(SAMPLE_TARGET_NS / per_call)), per_call


def _sample(func, args, loops, timer, who):
    try:
        start = timer()
        for _ in range(loops):
            func(*args)
        return timer() - start
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        message = f"the {_role(who)} raised {_exception_text(error)} while being timed"
        raise CaseError(message) from None


def _resolve(target, who):
    module_name, _, qualname = target.partition(":")
    try:
        value = importlib.import_module(module_name)
        for part in qualname.split("."):
            value = getattr(value, part)
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        message = f"cannot load the {_role(who)} `{target}`: {_exception_text(error)}"
        raise CaseError(message) from None
    if not callable(value):
        raise CaseError(f"the {_role(who)} `{target}` is {_type_phrase(value)}, not a function")
    return value


def _call(func, args, who):
    try:
        return func(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # PanicException and SystemExit are BaseExceptions
        raise CaseError(f"the {_role(who)} raised {_exception_text(error)}") from None


def _role(who):
    return {"candidate": "function under test"}.get(who, who)


def _exception_text(error):
    text = _one_line(error)
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def _one_line(value, limit=200):
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------------
# Comparing results without trusting the candidate's __eq__

_SCALARS = (bool, int, float, complex, str, bytes, type(None))


def _difference(expected, actual, where="result"):
    """None when equal, else a short description of the first difference.

    Built-in containers are walked here rather than compared with `==`, so that an object whose
    `__eq__` always answers True is not taken for the right answer. Floats compare with a relative
    tolerance of 1e-9 (a Rust sum may round differently); ints, strings and the like exactly.
    """
    expected_type, actual_type = type(expected), type(actual)
    if _is_real(expected) and _is_real(actual):
        # Compared through int()/float(), so a number subclass's own __eq__ is never asked.
        if isinstance(expected, numbers.Integral) and isinstance(actual, numbers.Integral):
            equal = int(expected) == int(actual)
        else:
            equal = _floats_close(float(expected), float(actual))
        return None if equal else _mismatch(where, expected, actual)
    if expected_type in _SCALARS or actual_type in _SCALARS:
        if expected_type is not actual_type:
            return f"{_subject(where)} is {_type_phrase(actual)}, expected {_type_phrase(expected)}"
        if expected_type is complex:
            equal = _floats_close(expected.real, actual.real) and _floats_close(
                expected.imag, actual.imag
            )
        else:
            equal = expected == actual
        return None if equal else _mismatch(where, expected, actual)
    if isinstance(expected, (list, tuple)):
        if actual_type is not expected_type:
            return f"{_subject(where)} is {_type_phrase(actual)}, expected {_type_phrase(expected)}"
        if len(actual) != len(expected):
            return f"{_subject(where)} has {len(actual)} items, expected {len(expected)}"
        for index, (left, right) in enumerate(zip(expected, actual)):
            difference = _difference(left, right, f"{where}[{index}]")
            if difference:
                return difference
        return None
    if isinstance(expected, dict):
        if actual_type is not expected_type:
            return f"{_subject(where)} is {_type_phrase(actual)}, expected {_type_phrase(expected)}"
        missing = [key for key in expected if key not in actual]
        if missing:
            return f"{_subject(where)} lacks the key {_short_repr(missing[0])}"
        extra = [key for key in actual if key not in expected]
        if extra:
            return f"{_subject(where)} has an unexpected key {_short_repr(extra[0])}"
        for key, value in expected.items():
            difference = _difference(value, actual[key], f"{where}[{_short_repr(key)}]")
            if difference:
                return difference
        return None
    if isinstance(expected, (set, frozenset)):
        if actual_type is not expected_type:
            return f"{_subject(where)} is {_type_phrase(actual)}, expected {_type_phrase(expected)}"
        if expected == actual:
            return None
        missing = expected - actual
        if missing:
            return f"{_subject(where)} lacks {_short_repr(next(iter(missing)))}"
        return f"{_subject(where)} has an unexpected {_short_repr(next(iter(actual - expected)))}"
    # Anything else: the baseline's own type decides, and the candidate must be of that type.
    if actual_type is not expected_type:
        return f"{_subject(where)} is {_type_phrase(actual)}, expected {_type_phrase(expected)}"
    if hasattr(expected, "shape") and hasattr(expected, "tolist"):  # numpy arrays and the like
        if expected.shape != actual.shape:
            return f"{_subject(where)} has shape {actual.shape}, expected {expected.shape}"
        return _difference(expected.tolist(), actual.tolist(), where)
    try:
        equal = bool(expected == actual)
    except Exception as error:
        return f"{_subject(where)} cannot be compared: {_exception_text(error)}"
    return None if equal else _mismatch(where, expected, actual)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _floats_close(expected, actual):
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return math.isclose(expected, actual, rel_tol=FLOAT_REL_TOL, abs_tol=FLOAT_ABS_TOL)


def _mismatch(where, expected, actual):
    if where == "result":
        return f"returned {_short_repr(actual)}, the baseline returned {_short_repr(expected)}"
    return f"{where} is {_short_repr(actual)}, the baseline's is {_short_repr(expected)}"


def _subject(where):
    return "the result" if where == "result" else where


def _type_phrase(value):
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def _short_repr(value):
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= _REPR_CHARS else text[: _REPR_CHARS - 1] + "…"


def _plain_equal(left, right):
    """`==` for the setup's arguments (the course's own objects), never raising."""
    try:
        return bool(left == right)
    except Exception:
        return False


# --------------------------------------------------------------------------------------------------
# Describing the input for the learner: "a list of 100 000 floats"

_PLURALS = {"float": "floats", "int": "ints", "str": "strings", "bytes": "bytes objects"}


def _describe_args(args):
    parts = [_describe(value) for value in args]
    text = ", ".join(part for part in parts if part)
    return text if len(text) <= 80 else ""


def _describe(value):
    size = _thousands
    if isinstance(value, (list, tuple)):
        kinds = set(map(type, value))
        if len(kinds) == 1:
            name = next(iter(kinds)).__name__
            items = _PLURALS.get(name, f"{name} objects")
        else:
            items = "items"
        return f"a {type(value).__name__} of {size(len(value))} {items}"
    if isinstance(value, str):
        return f"a string of {size(len(value))} characters"
    if isinstance(value, (bytes, bytearray)):
        return f"{size(len(value))} bytes"
    if isinstance(value, dict):
        return f"a dict of {size(len(value))} items"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _short_repr(value)
    return ""


def _thousands(number):
    return f"{number:,}".replace(",", " ")


# --------------------------------------------------------------------------------------------------
# The retry: the same round, with more pairs, in a fresh interpreter


def _measure_in_fresh_process(case, pairs, first):
    """Measure again in a new `sys.executable` with this process's `sys.path`."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory(prefix="lessongrader-perf-") as scratch:
        job_path = os.path.join(scratch, "job.json")
        result_path = os.path.join(scratch, "result.json")
        stderr_path = os.path.join(scratch, "stderr.txt")
        job = {"case": case, "pairs": pairs, "sys_path": list(sys.path), "result_path": result_path}
        with open(job_path, "w", encoding="utf-8") as handle:
            json.dump(job, handle)
        env = dict(os.environ)
        env.pop("LESSONGRADER_CONFIG", None)
        # Only so that `-m lessongrader.perf` is found; the job then sets sys.path to ours exactly.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
        # Generous: the first round's samples times the extra pairs, plus a cold start.
        sample_seconds = sum(first["sample_ns"].values()) / 1e9
        timeout = 30.0 + 10.0 * pairs * sample_seconds
        with open(stderr_path, "wb") as stderr:
            try:
                completed = subprocess.run(
                    [sys.executable, "-m", "lessongrader.perf", "measure", job_path],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    env=env,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                message = f"the second measurement did not finish within {timeout:.0f} s"
                raise CaseError(message) from None
        try:
            with open(result_path, encoding="utf-8") as handle:
                result = json.load(handle)
        except (OSError, ValueError):
            with open(stderr_path, encoding="utf-8", errors="replace") as handle:
                tail = handle.read()[-300:]
            raise CaseError(
                f"the second measurement (a fresh Python process) ended with status "
                f"{completed.returncode} before reporting: {_one_line(tail) or 'no output'}"
            ) from None
    if "error" in result:
        raise CaseError(result["error"])
    if not result.get("ratios"):
        raise CaseError("the second measurement reported no timings")
    return result


def _measure_job(job_path):
    """`python -m lessongrader.perf measure JOB.json`: one round, written to the job's file."""
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    sys.path[:] = job["sys_path"]
    try:
        result = _measure(job["case"], int(job["pairs"]), seed=2)
    except CaseError as error:
        result = {"error": str(error)}
    except Exception as error:
        result = {"error": f"the second measurement could not run: {_exception_text(error)}"}
    temporary = job["result_path"] + ".part"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(temporary, job["result_path"])


def _run_config(config_path):
    """`python -m lessongrader.perf run [CONFIG.json]`: `run_cases` as the plugin calls it."""
    from . import results

    if config_path:
        with open(config_path, encoding="utf-8") as handle:
            settings = json.load(handle)
    else:
        settings = results.config()
    results.open_channel(settings["results_path"])
    run_cases(settings.get("perf") or [], settings, results.emit)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "measure":
        _measure_job(argv[1])
        return 0
    if argv[:1] == ["run"] and len(argv) <= 2:
        _run_config(argv[1] if len(argv) == 2 else None)
        return 0
    usage = "usage: python -m lessongrader.perf measure JOB.json | run [CONFIG.json]"
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
