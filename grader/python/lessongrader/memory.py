"""The peak extra memory one call of the learner's function takes: the `[[memory]]` cases.

The plugin calls `run_cases(cases, emit)` once every test has passed. For each case of
`exercise.toml` it emits one record (`kind = "memory"`, see wire/records.schema.json): the input's
size and how much more memory the process held at its peak during one call than just before it.
This module measures; it decides nothing: the grader compares `extra_bytes` with the case's limit
(`max_extra` times the input's size).

How the peak is measured, and why so. The memory that matters is every allocation, Rust's
included: a `Vec` made by `buffer.to_vec(py)` comes from the C allocator (glibc malloc), which
neither `tracemalloc` nor `sys.getallocatedblocks` sees. glibc's `mallinfo2` (what the leak hunt
reads) gives only the heap in use *now*: a copy that is made and freed within the call is gone by
the time the call returns, and sampling from another thread cannot run while the call holds the
GIL. The kernel, though, keeps the process's peak resident set (`VmHWM` in /proc/self/status), and
writing "5" to /proc/self/clear_refs resets that peak to the current resident set (Linux ≥ 4.0).
So: reset, read `VmRSS`, make the one call, read `VmHWM`; the difference is the most memory the
call held at any moment. Resident pages are what a copy costs: `to_vec` writes every byte it
allocates, so all of it becomes resident, and glibc serves allocations of more than 32 MiB with
their own `mmap`, returned to the kernel on `free` (the peak is recorded before pages leave). The
input is made large (tens of MiB) so that a copy dwarfs the noise of the call itself: a few pages
of stack, the result object, code pages touched for the first time (a warm-up call on a small
input of the same kind faults those in first). Where the peak cannot be reset (not Linux, or a
read-only /proc) the case is `unmeasurable`, with the reason: no number is better than a wrong one.
(A forked child starts with its own peak, which would avoid the reset, but measured here it adds
0.1-0.5 MiB of page faults of its own to a zero-copy call: too close to a 1 % limit of 64 MiB.)

Each case's `setup(size)` returns the positional arguments for an input of `size` bytes.
"""

import gc
import sys
import time

from .perf import CaseError, _call, _exception_text, _resolve

# The warm-up input: large enough to run every code path, small enough to cost nothing.
WARMUP_BYTES = 64 * 1024

_CLEAR_REFS = "/proc/self/clear_refs"
_STATUS = "/proc/self/status"


class Unmeasurable(Exception):
    """The peak cannot be measured in this process; the message says why."""


def run_cases(cases, emit):
    for case in cases:
        emit(measure_case(case))


def measure_case(case):
    """One record for one case: measured, unmeasurable or error."""
    started = time.perf_counter()
    record = {"kind": "memory", "case": case["name"], "input_bytes": int(case["input_bytes"])}
    if case.get("hint"):
        record["hint"] = case["hint"]
    try:
        record["extra_bytes"] = _measure(case)
        record["outcome"] = "measured"
    except Unmeasurable as reason:
        record.update(outcome="unmeasurable", message=str(reason))
    except CaseError as error:
        record.update(outcome="error", message=str(error))
    record["seconds"] = round(time.perf_counter() - started, 4)
    return record


def _measure(case):
    function = _resolve(case["call"], "function under test")
    setup = _resolve(case["setup"], "setup")
    reset_peak()  # before any work: an unmeasurable case costs nothing
    _call(function, _arguments(setup, WARMUP_BYTES), "function under test")
    arguments = _arguments(setup, int(case["input_bytes"]))
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        return peak_extra(lambda: _call(function, arguments, "function under test"))
    finally:
        if was_enabled:
            gc.enable()


def _arguments(setup, size):
    arguments = _call(setup, (size,), "setup")
    if not isinstance(arguments, (tuple, list)):
        raise CaseError(f"the setup must return a tuple of arguments, not {type(arguments).__name__}")
    return tuple(arguments)


def peak_extra(action):
    """Run `action()` once; the most memory (bytes) the process held during it beyond what it held
    just before. Raises Unmeasurable where the kernel's peak cannot be reset."""
    reset_peak()
    before = _status_bytes("VmRSS")
    result = action()
    peak = _status_bytes("VmHWM")
    del result
    return max(0, peak - before)


def reset_peak():
    """Set the kernel's peak resident set (VmHWM) to the current one."""
    if not sys.platform.startswith("linux"):
        raise Unmeasurable(f"the peak memory of a call can only be measured on Linux (this is {sys.platform})")
    try:
        with open(_CLEAR_REFS, "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError as error:
        raise Unmeasurable(
            f"the peak memory of a call cannot be measured here: {_CLEAR_REFS} is not writable "
            f"({_exception_text(error)})"
        ) from None


def _status_bytes(field):
    with open(_STATUS, encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # "VmHWM:   123456 kB"
    raise Unmeasurable(f"{_STATUS} has no {field} line")
